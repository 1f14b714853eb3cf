import assert from "node:assert/strict";
import {
  type Batch,
  batches,
  channelStats,
  numBatches,
  selectIndices,
} from "../../lib/data/batches.ts";
import { type Dataset, syntheticDataset } from "../../lib/data/dataset.ts";

const all = (ds: Dataset, o: Parameters<typeof batches>[1] = {}): Batch[] => [...batches(ds, o)];

Deno.test("plain batches: exact pixels/255, labels, sizes, dropRemainder", () => {
  const ds = syntheticDataset(150, { shape: [4, 3, 3], seed: 1 });
  const bs = all(ds, { batchSize: 64, shuffle: false, normalize: false });
  assert.deepEqual(bs.map((b) => b.size), [64, 64, 22]);
  assert.equal(numBatches(ds, { batchSize: 64 }), 3);
  assert.equal(numBatches(ds, { batchSize: 64, dropRemainder: true }), 2);
  assert.equal(all(ds, { batchSize: 64, dropRemainder: true }).length, 2);
  const x = bs.flatMap((b) => [...b.x]), y = bs.flatMap((b) => [...b.y]);
  assert.deepEqual(x, [...ds.images].map((v) => Math.fround(v / 255)));
  assert.deepEqual(y, [...ds.labels]);
  assert.deepEqual(bs[2].shape, [4, 3, 3]);
  assert.ok(bs[0].y instanceof Int32Array && bs[0].x instanceof Float32Array);
  assert.throws(() => all(ds, { batchSize: 0 }), /batchSize/);
});

Deno.test("shuffle: a permutation per epoch, seeded by (seed, epoch)", () => {
  const ds = syntheticDataset(200, { shape: [2, 2, 1], numClasses: 256 }); // labels = ids
  const ids = (o: Parameters<typeof batches>[1]) => all(ds, o).flatMap((b) => [...b.y]);
  const e0 = ids({ batchSize: 32, seed: 7, epoch: 0 });
  assert.deepEqual([...e0].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  assert.deepEqual(ids({ batchSize: 32, seed: 7, epoch: 0 }), e0);
  assert.deepEqual(ids({ batchSize: 50, seed: 7, epoch: 0 }), e0); // order independent of size
  assert.notDeepEqual(ids({ batchSize: 32, seed: 7, epoch: 1 }), e0);
  assert.notDeepEqual(ids({ batchSize: 32, seed: 8, epoch: 0 }), e0);
});

Deno.test("resume: startBatch reproduces the rest of the epoch exactly (with augmentation)", () => {
  const ds = syntheticDataset(300, { seed: 3 });
  const o = { batchSize: 64, seed: 11, epoch: 4, augment: true };
  const full = all(ds, o);
  const resumed = all(ds, { ...o, startBatch: 3 });
  assert.equal(resumed.length, 2);
  assert.deepEqual(resumed, full.slice(3));
  assert.deepEqual(all(ds, o), full);
  assert.notDeepEqual(all(ds, { ...o, seed: 12 })[0].x, full[0].x);
});

Deno.test("augmentation keeps shapes and labels, and changes pixels", () => {
  const ds = syntheticDataset(100, { seed: 4 });
  const o = { batchSize: 32, seed: 2, epoch: 1 };
  const plain = all(ds, o), aug = all(ds, { ...o, augment: true });
  assert.deepEqual(
    aug.map((b) => [b.size, b.x.length, [...b.y]]),
    plain.map((b) => [b.size, b.x.length, [...b.y]]),
  );
  assert.notDeepEqual(aug[0].x, plain[0].x);
  assert.ok(aug.every((b) => b.x.every(Number.isFinite)));
  assert.throws(() => all(ds, { augment: { pad: -1 } }), /augment\.pad must be ≥ 0/);
  // pad 0 without flip is the identity.
  assert.deepEqual(all(ds, { ...o, augment: { pad: 0, flip: false } }), plain);
});

Deno.test("crop offsets uniform in 0..8 and flips half the time (recovered from the pixels)", () => {
  // Every image encodes its own coordinates: R = row + 1, G = column + 1, B = 200.
  const n = 64, ds = syntheticDataset(n);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) ds.images.set([y + 1, x + 1, 200], ((i * 32 + y) * 32 + x) * 3);
    }
  }
  const dy = new Array(9).fill(0), dx = new Array(9).fill(0);
  let flips = 0, total = 0;
  for (let epoch = 0; epoch < 30; epoch++) {
    for (const b of batches(ds, { batchSize: 64, epoch, augment: true, normalize: false })) {
      for (let i = 0; i < b.size; i++) {
        const px = (y: number, x: number, k: number) =>
          Math.round(b.x[i * 3072 + (y * 32 + x) * 3 + k] * 255);
        const sy = px(16, 16, 0) - 1, sx = px(16, 16, 1) - 1, sx2 = px(16, 17, 1) - 1;
        const flip = sx2 < sx;
        dy[sy - 16 + 4]++;
        dx[flip ? sx - 15 + 4 : sx - 16 + 4]++;
        if (flip) flips++;
        total++;
        // Zero padding: an edge row shifted in from outside is black, an inside one is not.
        assert.equal(px(sy > 16 ? 31 : 0, 5, 2), sy === 16 ? 200 : 0);
      }
    }
  }
  // total = 1920; per bin 213.3 expected, sd 13.8; flips 960, sd 21.9 → 5 sd bounds.
  for (const k of [...dy, ...dx]) assert.ok(Math.abs(k - total / 9) < 69, `bins ${dy} ${dx}`);
  assert.ok(Math.abs(flips - total / 2) < 110, `flips ${flips}/${total}`);
});

Deno.test("normalisation: dataset stats give mean 0 / std 1; explicit stats are used", () => {
  const ds = syntheticDataset(64, { shape: [8, 8, 3], seed: 6 });
  for (let i = 0; i < ds.images.length; i += 3) ds.images[i] >>= 2; // make channels differ
  const st = channelStats(ds);
  // channelStats against a direct two-pass computation.
  const ch0 = [...ds.images].filter((_, i) => i % 3 === 0).map((v) => v / 255);
  const m0 = ch0.reduce((a, b) => a + b, 0) / ch0.length;
  assert.ok(Math.abs(st.mean[0] - m0) < 1e-12);
  const s0 = Math.sqrt(ch0.reduce((a, b) => a + (b - m0) ** 2, 0) / ch0.length);
  assert.ok(Math.abs(st.std[0] - s0) < 1e-9);
  const [b] = all(ds, { batchSize: 64 });
  for (let k = 0; k < 3; k++) {
    const v = [...b.x].filter((_, i) => i % 3 === k);
    const m = v.reduce((a, c) => a + c, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, c) => a + (c - m) ** 2, 0) / v.length);
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(s - 1) < 1e-5, `channel ${k}: ${m} ${s}`);
  }
  const [e] = all(ds, {
    batchSize: 1,
    shuffle: false,
    normalize: { mean: [0.1, 0.2, 0.3], std: [2, 4, 8] },
  });
  assert.equal(e.x[2], Math.fround((ds.images[2] / 255 - 0.3) / 8));
  const withStats = { ...ds, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  assert.equal(
    all(withStats, { batchSize: 1, shuffle: false })[0].x[1],
    Math.fround((ds.images[1] / 255 - 0.5) / 0.25),
  );
});

Deno.test("validation split: disjoint, deterministic, independent of the run seed", () => {
  const ds = syntheticDataset(100, { shape: [1, 1, 1], numClasses: 256 });
  const train = selectIndices(ds, { validation: 0.2 });
  const val = selectIndices(ds, { validation: 0.2, part: "validation" });
  assert.equal(train.length, 80);
  assert.equal(val.length, 20);
  assert.deepEqual(
    [...train, ...val].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(selectIndices(ds, { validation: 20, part: "validation" }), val);
  assert.notDeepEqual([...val], Array.from({ length: 20 }, (_, i) => 80 + i)); // not just the tail
  const seen = (o: object) => new Set(all(ds, { batchSize: 16, ...o }).flatMap((b) => [...b.y]));
  for (const seed of [0, 1, 2]) {
    const t = seen({ validation: 20, seed });
    assert.equal(t.size, 80);
    for (const v of val) assert.ok(!t.has(v), `validation example ${v} leaked into training`);
    assert.deepEqual(
      [...seen({ validation: 20, seed, part: "validation" })].sort((a, b) => a - b),
      [...val],
    );
  }
  assert.throws(() => selectIndices(ds, { validation: 100 }), /validation must be/);
  assert.throws(() => selectIndices(ds, { validation: 2.5 }), /validation must be/);
});

Deno.test("subset: first N per class of the training part, balanced", () => {
  const ds = syntheticDataset(100, { shape: [1, 1, 1] }); // labels i % 10
  assert.deepEqual([...selectIndices(ds, { subset: 3 })], Array.from({ length: 30 }, (_, i) => i));
  const withVal = selectIndices(ds, { subset: 5, validation: 30 });
  const val = new Set(selectIndices(ds, { validation: 30, part: "validation" }));
  const perClass = new Array(10).fill(0);
  for (const i of withVal) {
    assert.ok(!val.has(i));
    perClass[ds.labels[i]]++;
  }
  assert.deepEqual(perClass, new Array(10).fill(5));
  assert.throws(() => selectIndices(ds, { subset: 11 }), /class 0 has only 10 training examples/);
  assert.throws(() => selectIndices(ds, { subset: 0 }), /subset must be a positive integer/);
  assert.equal(numBatches(ds, { subset: 2, batchSize: 8 }), 3);
});

Deno.test("selectIndices on a dataset decoded for the first N per class: same subsets, refuses others", () => {
  const full = syntheticDataset(50, { seed: 3 });
  const part: Dataset = { ...full, decodedPerClass: 3 };
  assert.deepEqual(selectIndices(part, { subset: 3 }), selectIndices(full, { subset: 3 }));
  assert.deepEqual(selectIndices(part, { subset: 2 }), selectIndices(full, { subset: 2 }));
  assert.throws(() => selectIndices(part, { subset: 4 }), /only the first 3 examples/);
  assert.throws(() => selectIndices(part), /only the first 3 examples/);
  assert.throws(() => selectIndices(part, { subset: 2, validation: 5 }), /validation 5/);
});
