import assert from "node:assert/strict";
import { decodeModel, type DeployModel, encodeModel } from "../../lib/deploy/format.ts";

function sample(): DeployModel {
  return {
    format: "bnn-packed",
    version: 1,
    inputShape: [4, 4, 3],
    outputShape: [2],
    meta: { source: "test" },
    ops: [
      {
        type: "conv",
        name: "c",
        kh: 3,
        kw: 3,
        cin: 3,
        cout: 5,
        strides: [1, 1],
        padding: "same",
        input: "sign",
        kernel: "binary",
        weights: Uint32Array.of(
          1,
          2,
          3,
          0xffffffff,
          5,
          6,
          7,
          8,
          9,
          10,
          11,
          12,
          13,
          14,
          15,
          16,
          17,
          18,
          19,
          20,
          21,
          22,
          23,
          24,
          25,
          26,
          27,
          28,
          29,
          30,
          31,
          32,
          33,
          34,
          35,
          36,
          37,
          38,
          39,
          40,
          41,
          42,
          43,
          44,
          45,
        ),
        scale: Float32Array.of(0.5, -1, 2, 3, 4),
        shift: Float32Array.of(0, 1, 2, 3, -4.25),
        activation: "linear",
        threshold: Float32Array.of(1, -Infinity, Infinity, 0, 2),
        direction: Int8Array.of(1, 0, 0, -1, 1),
      },
      {
        type: "maxpool",
        name: "p",
        ph: 2,
        pw: 2,
        strides: [2, 2],
        padding: "valid",
        mode: Int8Array.of(1, -1, 1, 1, 1),
      },
      { type: "flatten", name: "f" },
      {
        type: "dense",
        name: "d",
        inFeatures: 20,
        units: 2,
        group: 5,
        input: "sign",
        kernel: "float",
        weights: new Float32Array(40).map((_, i) => i / 7),
        scale: Float32Array.of(1, 1),
        shift: Float32Array.of(0, 0),
        activation: "softmax",
      },
    ],
  };
}

Deno.test("encode/decode round trip keeps every field and typed array", () => {
  const m = sample();
  const bytes = encodeModel(m);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x42, 0x4e, 0x4e, 0x50]);
  const h = new DataView(bytes.buffer).getUint32(8, true);
  assert.equal((12 + h) % 16, 0, "payload is 16-byte aligned");
  const back = decodeModel(bytes);
  assert.deepEqual(back, m);
  // Decoding from an unaligned view works too.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.deepEqual(decodeModel(shifted.subarray(1)), m);
});

Deno.test("decode rejects a bad magic, a bad version and a truncated payload", () => {
  const bytes = encodeModel(sample());
  assert.throws(() => decodeModel(new Uint8Array(8)), /magic/);
  const v2 = bytes.slice();
  v2[4] = 2;
  assert.throws(() => decodeModel(v2), /version 2/);
  assert.throws(() => decodeModel(bytes.subarray(0, bytes.length - 16)), /past the end/);
});
