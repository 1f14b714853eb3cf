/** The engine bundled and run in headless Chromium gives bit-identical outputs to Deno. */
import assert from "node:assert/strict";
import { predictInBrowser } from "../../lib/deploy/browser.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import { decodeModel, type DeployModel, encodeModel } from "../../lib/deploy/format.ts";
import { packRows } from "../../lib/deploy/bits.ts";
import { affineThreshold } from "../../lib/deploy/fold.ts";

function model(): DeployModel {
  const cin = 3, c = 40, rows = 9 * cin;
  const w1 = Float32Array.from({ length: rows * c }, (_, i) => Math.sin(i * 1.3));
  const w2 = Float32Array.from({ length: 9 * c * c }, (_, i) => (Math.cos(i * 0.7) < 0 ? -1 : 1));
  const w3 = Float32Array.from({ length: 4 * 4 * c * 10 }, (_, i) => Math.sin(i) * 0.1);
  const t = affineThreshold({
    scale: Float64Array.from({ length: c }, (_, i) => (i % 5 === 0 ? -0.3 : 0.2)),
    shift: Float64Array.from({ length: c }, (_, i) => Math.sin(i) * 3),
  });
  return {
    format: "bnn-packed",
    version: 1,
    inputShape: [8, 8, 3],
    outputShape: [10],
    meta: {},
    ops: [
      {
        type: "conv",
        name: "c1",
        kh: 3,
        kw: 3,
        cin,
        cout: c,
        strides: [1, 1],
        padding: "same",
        input: "float",
        kernel: "float",
        weights: w1,
        scale: new Float32Array(c).fill(1),
        shift: new Float32Array(c),
        activation: "linear",
      },
      {
        type: "conv",
        name: "c2",
        kh: 3,
        kw: 3,
        cin: c,
        cout: c,
        strides: [1, 1],
        padding: "same",
        input: "sign",
        kernel: "binary",
        weights: packRows(w2, { rows: c, n: 9 * c }, { group: c, colStride: c, rowStride: 1 }),
        scale: new Float32Array(0),
        shift: new Float32Array(0),
        activation: "linear",
        ...t,
      },
      { type: "maxpool", name: "p", ph: 2, pw: 2, strides: [2, 2], padding: "same" },
      { type: "flatten", name: "f" },
      {
        type: "dense",
        name: "d",
        inFeatures: 16 * c,
        units: 10,
        group: c,
        input: "sign",
        kernel: "float",
        weights: w3,
        scale: new Float32Array(10).fill(1),
        shift: new Float32Array(10),
        activation: "linear",
      },
    ],
  };
}

Deno.test("engine in headless Chromium equals the engine in Deno", async () => {
  const bytes = encodeModel(model());
  const n = 3;
  const x = Float32Array.from({ length: n * 192 }, (_, i) => Math.sin(i * 0.37));
  const browser = await predictInBrowser(bytes, { inputs: x, n });
  const deno = createEngine(decodeModel(bytes)).predictBatch(x, n);
  assert.equal(browser.kernel, "wasm-simd");
  assert.match(browser.userAgent, /Chrome/);
  assert.deepEqual(Array.from(browser.outputs), Array.from(deno));
});
