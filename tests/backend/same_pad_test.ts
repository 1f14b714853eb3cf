import { tf } from "../../lib/tf.ts";
import { assertWasmMatchesCpu, randomArray, setupBackends } from "./helpers.ts";

await setupBackends();

// wasm's own 'same' padding is wrong for these (TensorFlow's total padding would be negative).
const CASES = [
  { x: [2, 6, 7, 3], k: [1, 3], s: [2, 2] },
  { x: [1, 6, 6, 2], k: [1, 1], s: [2, 2] },
  { x: [1, 8, 5, 2], k: [2, 3], s: [3, 2] },
  { x: [1, 7, 7, 2], k: [3, 3], s: [1, 1] },
] as { x: [number, number, number, number]; k: [number, number]; s: [number, number] }[];

for (const c of CASES) {
  Deno.test(`same padding wasm == cpu: conv2d, fused conv2d, depthwise: x ${c.x} k ${c.k} s ${c.s}`, async () => {
    const xs = randomArray(c.x.reduce((a, b) => a * b), 11);
    const ws = randomArray(c.k[0] * c.k[1] * c.x[3] * 2, 12);
    const f = () => {
      const x = tf.tensor4d(xs, c.x);
      const w = tf.tensor4d(ws, [c.k[0], c.k[1], c.x[3], 2]);
      return [
        tf.conv2d(x, w, c.s, "same"),
        tf.fused.conv2d({ x, filter: w, strides: c.s, pad: "same", activation: "relu" }),
        tf.depthwiseConv2d(x, w, c.s, "same"),
        tf.fused.depthwiseConv2d({ x, filter: w, strides: c.s, pad: "same" }),
      ];
    };
    await assertWasmMatchesCpu(f);
  });
}
