import nodeAssert from "node:assert/strict";

const assert = (v: unknown, msg = "assertion failed") => nodeAssert.ok(v, msg);
const assertEquals = (a: unknown, b: unknown) => nodeAssert.deepEqual(a, b);
const assertAlmostEquals = (a: number, b: number, tol: number) =>
  nodeAssert.ok(Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);
const assertThrows = (fn: () => unknown, type: ErrorConstructor, includes: string) =>
  nodeAssert.throws(
    fn,
    (e: unknown) => e instanceof type && (e as Error).message.includes(includes),
  );
import {
  atChance,
  formatComparison,
  kendallTauB,
  logGamma,
  pairedTTest,
  regularizedBeta,
  rowStatistics,
  seedsToResolve,
  studentTCdf,
  studentTQuantile,
  summarize,
  twoSidedP,
} from "../../lib/results/statistics.ts";

Deno.test("logGamma: factorials and Γ(1/2) = √π", () => {
  assertAlmostEquals(logGamma(1), 0, 1e-13);
  assertAlmostEquals(logGamma(5), Math.log(24), 1e-12);
  assertAlmostEquals(logGamma(11), Math.log(3628800), 1e-11);
  assertAlmostEquals(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  assertThrows(() => logGamma(0), RangeError, "x > 0");
});

Deno.test("regularizedBeta: closed forms I_x(1,b) = 1−(1−x)^b, I_x(a,1) = x^a, symmetry", () => {
  for (const x of [0.01, 0.3, 0.5, 0.77, 0.99]) {
    assertAlmostEquals(regularizedBeta(x, 1, 3.5), 1 - (1 - x) ** 3.5, 1e-12);
    assertAlmostEquals(regularizedBeta(x, 2.5, 1), x ** 2.5, 1e-12);
    assertAlmostEquals(regularizedBeta(x, 2.5, 7) + regularizedBeta(1 - x, 7, 2.5), 1, 1e-12);
  }
  // I_x(1/2, 1/2) = (2/π) asin √x
  assertAlmostEquals(
    regularizedBeta(0.3, 0.5, 0.5),
    (2 / Math.PI) * Math.asin(Math.sqrt(0.3)),
    1e-12,
  );
  assertEquals(regularizedBeta(0, 2, 3), 0);
  assertEquals(regularizedBeta(1, 2, 3), 1);
  assertThrows(() => regularizedBeta(1.5, 2, 3), RangeError, "x in [0, 1]");
});

Deno.test("studentTQuantile: published table values to 1e-4", () => {
  const table: [number, number, number][] = [
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 3, 3.1824],
    [0.975, 4, 2.7764],
    [0.975, 9, 2.2622],
    [0.975, 30, 2.0423],
    [0.95, 5, 2.0150],
    [0.8, 2, 1.0607],
    [0.995, 10, 3.1693],
  ];
  for (const [p, df, t] of table) assertAlmostEquals(studentTQuantile(p, df), t, 1e-4);
  assertAlmostEquals(studentTQuantile(0.025, 4), -2.7764, 1e-4);
  assertEquals(studentTQuantile(0.5, 7), 0);
});

Deno.test("studentTCdf: closed forms for df = 1 (Cauchy) and df = 2", () => {
  for (const t of [-30, -2.5, -0.3, 0, 0.7, 4, 50]) {
    assertAlmostEquals(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12);
    assertAlmostEquals(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12);
  }
  for (const p of [0.6, 0.9, 0.975, 0.999]) {
    assertAlmostEquals(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-8);
    // df = 2: t = (2p − 1) / √(2p(1 − p))
    assertAlmostEquals(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-9);
  }
  assertAlmostEquals(twoSidedP(2.0423, 30), 0.05, 1e-4);
  assertThrows(() => studentTCdf(1, 0), RangeError, "degrees of freedom");
});

Deno.test("summarize: mean, sample std and t CI by hand", () => {
  const s = summarize([29, 30, 31, 34]);
  // mean 31, deviations -2 -1 0 3 → Σd² = 14, var 14/3, sem = √(14/3)/2
  assertEquals(s.n, 4);
  assertAlmostEquals(s.mean, 31, 1e-12);
  assertAlmostEquals(s.std, Math.sqrt(14 / 3), 1e-12);
  const h = 3.182446305 * Math.sqrt(14 / 3) / 2;
  assertAlmostEquals(s.ci[0], 31 - h, 1e-8);
  assertAlmostEquals(s.ci[1], 31 + h, 1e-8);
  const one = summarize([42]);
  assertEquals(one.mean, 42);
  assert(Number.isNaN(one.std) && Number.isNaN(one.ci[0]));
  assertThrows(() => summarize([1, NaN]), RangeError, "values[1]");
});

Deno.test("pairedTTest: fixed numbers against the df = 2 closed form", () => {
  // d = [-8, -8.5, -8.5]: mean −25/3, std √(1/12), sem 1/6, t = −50
  const r = pairedTTest([30, 31, 29.5], [38, 39.5, 38]);
  assertEquals(r.n, 3);
  assertEquals(r.df, 2);
  assertAlmostEquals(r.meanDiff, -25 / 3, 1e-12);
  assertAlmostEquals(r.stdDiff, Math.sqrt(1 / 12), 1e-12);
  assertAlmostEquals(r.t, -50, 1e-9);
  // df = 2: P(|T| ≥ t) = 1 − t/√(2 + t²)
  assertAlmostEquals(r.p, 1 - 50 / Math.sqrt(2502), 1e-12);
  const h = 4.302652730 * (1 / 6);
  assertAlmostEquals(r.ci[0], -25 / 3 - h, 1e-8);
  assertAlmostEquals(r.ci[1], -25 / 3 + h, 1e-8);
  assert(r.significant);
  // A difference whose CI includes 0 is not significant: d = [1, −0.5], t = 0.25/0.75 = 1/3
  const ns = pairedTTest([31, 29.5], [30, 30]);
  assertAlmostEquals(ns.t, 1 / 3, 1e-12);
  assertAlmostEquals(ns.p, 1 - (2 / Math.PI) * Math.atan(1 / 3), 1e-12); // df = 1: Cauchy
  assert(!ns.significant);
  assert(ns.ci[0] < 0 && ns.ci[1] > 0);
  assertEquals(formatComparison({ ...ns, against: "x", seeds: [0, 1] }).endsWith(" n.s."), true);
  assertThrows(() => pairedTTest([1, 2], [1]), RangeError, "same length");
});

Deno.test("pairedTTest: constant differences and too few pairs", () => {
  const c = pairedTTest([2, 3, 4], [1, 2, 3]);
  assertEquals(c.t, Infinity);
  assertEquals(c.p, 0);
  const z = pairedTTest([1, 2], [1, 2]);
  assert(Number.isNaN(z.p) && !z.significant);
  const one = pairedTTest([1], [2]);
  assertEquals(one.meanDiff, -1);
  assert(Number.isNaN(one.p) && !one.significant);
});

Deno.test("seedsToResolve: smallest n with n ≥ ((t_{.975,n−1} + t_{.8,n−1})·s/δ)²", () => {
  for (const s of [0.3, 0.8, 1, 2.5]) {
    const n = seedsToResolve(s, 1)!;
    const need = (m: number) =>
      ((studentTQuantile(0.975, m - 1) + studentTQuantile(0.8, m - 1)) * s) ** 2;
    assert(n >= need(n), `n=${n} satisfies the inequality`);
    if (n > 2) assert(n - 1 < need(n - 1), `n−1=${n - 1} does not`);
  }
  // Large n: ≈ the normal approximation ((1.95996 + 0.84162)·s/δ)² plus a little.
  const n = seedsToResolve(5, 1)!;
  const z = ((1.959964 + 0.841621) * 5) ** 2; // 196.2
  assert(n >= z && n <= z + 3, `n=${n} near ${z}`);
  assertEquals(seedsToResolve(0, 1), 2);
  assertEquals(seedsToResolve(NaN, 1), null);
  assertThrows(() => seedsToResolve(1, 0), RangeError, "delta > 0");
});

Deno.test("kendallTauB: fixed rankings, with and without ties", () => {
  assertAlmostEquals(kendallTauB([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]), 1, 1e-15);
  assertAlmostEquals(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1, 1e-15);
  // 6 concordant, 4 discordant pairs of 10
  assertAlmostEquals(kendallTauB([1, 2, 3, 4, 5], [3, 4, 1, 2, 5]), 0.2, 1e-15);
  // ties: nc 4, nd 0, n0 6, one tie in x, one in y → 4/√(5·5)
  assertAlmostEquals(kendallTauB([1, 2, 2, 3], [1, 3, 2, 3]), 0.8, 1e-15);
  // invariant under monotone transforms
  assertAlmostEquals(
    kendallTauB([0.1, 0.5, 0.2, 0.9], [3, 1, 2, 7]),
    kendallTauB([1, 5, 2, 9], [30, 10, 20, 70]),
    1e-15,
  );
  assert(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
  assertThrows(() => kendallTauB([1, 2], [1]), RangeError, "same length");
});

Deno.test("atChance: binomial 3σ band above 1/classes", () => {
  // 10 classes, n = 9000: σ = √(0.09/9000) = 0.0031623, threshold 0.109487
  const c = atChance(0.109, 9000, 10);
  assertAlmostEquals(c.threshold, 0.1 + 3 * Math.sqrt(0.09 / 9000), 1e-15);
  assert(c.atChance);
  assert(!atChance(0.11, 9000, 10).atChance);
  assert(atChance(0.02, 9000, 10).atChance, "below chance is broken too");
  assert(!atChance(0.2093, 9000, 10).atChance, "a quick-preset first epoch is not at chance");
  assertThrows(() => atChance(12, 100, 10), RangeError, "accuracy");
  assertThrows(() => atChance(0.1, 0, 10), RangeError, "n is 0");
});

Deno.test("rowStatistics: per-row summary, paired comparisons on common seeds, exclusions", () => {
  const s = rowStatistics([
    {
      key: "def",
      runs: [{ seed: 0, value: 30 }, { seed: 1, value: 31 }, { seed: 2, value: 29.5 }],
    },
    {
      key: "bnn",
      runs: [{ seed: 0, value: 38 }, { seed: 1, value: 39.5 }, { seed: 2, value: 38 }],
    },
    {
      key: "x",
      runs: [
        { seed: 0, value: 31 },
        { seed: 1, value: 10, flag: "train acc at chance after epoch 1" },
        { seed: 2, value: 30 },
        { seed: 3, value: null },
      ],
    },
  ], { defaultKey: "def", baselineKey: "bnn" });
  const [def, bnn, x] = s.rows;
  assertEquals(def.vsDefault, null);
  assertEquals(bnn.vsBaseline, null);
  assertAlmostEquals(bnn.vsDefault!.meanDiff, 25 / 3, 1e-12);
  assertAlmostEquals(def.vsBaseline!.t, -50, 1e-9);
  assertEquals(x.seeds, [0, 2]);
  assertEquals(x.excluded, [{ seed: 1, flag: "train acc at chance after epoch 1" }]);
  assertAlmostEquals(x.summary.mean, 30.5, 1e-12);
  assertEquals(x.vsDefault!.seeds, [0, 2]);
  assertAlmostEquals(x.vsDefault!.meanDiff, (1 + 0.5) / 2, 1e-12);
  // pooled: bnn (2 dof, var 1/12) and x (1 dof, d = [1, 0.5], var 0.125)
  assertAlmostEquals(s.pooledDiffStd!, Math.sqrt((2 / 12 + 0.125) / 3), 1e-12);
  assertEquals(s.seedsToResolve, seedsToResolve(s.pooledDiffStd!, 1));
  assertThrows(
    () => rowStatistics([{ key: "a", runs: [] }, { key: "a", runs: [] }]),
    RangeError,
    "twice",
  );
});
