import assert from "node:assert/strict";
import { mix32, mulberry32, randInt, seedFrom, shuffleInPlace } from "../../lib/data/rng.ts";

Deno.test("mulberry32 is deterministic and roughly uniform", () => {
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const xs = Array.from({ length: 5 }, a);
  assert.deepEqual(xs, Array.from({ length: 5 }, b));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, c));
  const r = mulberry32(7);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) bins[randInt(r, 10)]++;
  // 5 standard deviations of a binomial(100000, 0.1) is about 474.
  for (const k of bins) assert.ok(Math.abs(k - 10000) < 474, `bin count ${k}`);
});

Deno.test("seedFrom separates key sequences and rejects non-integers", () => {
  const seeds = new Set<number>();
  for (let s = 0; s < 20; s++) for (let e = 0; e < 20; e++) seeds.add(seedFrom([s, e]));
  assert.equal(seeds.size, 400);
  assert.notEqual(seedFrom([1, 0]), seedFrom([0, 1]));
  assert.notEqual(seedFrom([2 ** 32]), seedFrom([0]));
  assert.throws(() => seedFrom([1.5]), /safe integer/);
  assert.equal(mix32(0), 0);
  assert.notEqual(mix32(1), 1);
});

Deno.test("shuffleInPlace is a permutation and depends on the seed", () => {
  const a = shuffleInPlace(Uint32Array.from({ length: 1000 }, (_, i) => i), mulberry32(1));
  const b = shuffleInPlace(Uint32Array.from({ length: 1000 }, (_, i) => i), mulberry32(2));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(a, b);
  // First position is uniform: over many seeds each of 4 values appears about 1/4 of the time.
  const counts = [0, 0, 0, 0];
  for (let s = 0; s < 4000; s++) counts[shuffleInPlace([0, 1, 2, 3], mulberry32(s))[0]]++;
  for (const k of counts) assert.ok(Math.abs(k - 1000) < 140, `count ${k}`);
});
