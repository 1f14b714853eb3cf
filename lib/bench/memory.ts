/**
 * Bench section "memory": tensor count and wasm heap size over many training steps of a small
 * bench-vgg (w = 8, batch 16), after a warm-up. Both must stay flat (issue 3: 200 steps).
 *
 * @module
 */
import { tf } from "../tf.ts";
import { benchTrainStep, benchVgg } from "./nets.ts";
import { registerBenchSection } from "./registry.ts";

/** Bytes of the active backend's wasm heap, or null when the backend is not wasm. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== "wasm") return null;
  const b = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return b.wasm.HEAPU8.buffer.byteLength;
}

/** Runs `steps` training steps of a small net; returns tensors/heap before and after. */
export function trainingMemory(steps: number, options: { binary?: boolean } = {}) {
  const model = benchVgg({ width: 8, binary: options.binary });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([16, 32, 32, 3]);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([16], 0, 10, "int32") as tf.Tensor1D, 10).toFloat()
  );
  const step = () => {
    const l = benchTrainStep(model, { x, y }, { optimizer: opt });
    l.dataSync();
    l.dispose();
  };
  try {
    for (let i = 0; i < 5; i++) step();
    const before = { tensors: tf.memory().numTensors, heap: wasmHeapBytes() };
    for (let i = 0; i < steps; i++) step();
    const after = { tensors: tf.memory().numTensors, heap: wasmHeapBytes() };
    return { steps, before, after };
  } finally {
    x.dispose();
    y.dispose();
    opt.dispose();
    model.dispose();
  }
}

registerBenchSection({
  name: "memory",
  description:
    "tensors and wasm heap over training steps (bench-vgg w=8, batch 16, after 5 warm-up)",
  run(ctx) {
    const steps = ctx.quick ? 30 : 200;
    ctx.log(`memory: ${steps} training steps …`);
    const m = trainingMemory(steps);
    const rows = [{
      backend: tf.getBackend(),
      steps,
      tensors_before: m.before.tensors,
      tensors_after: m.after.tensors,
      heap_mb_before: m.before.heap === null ? null : m.before.heap / 2 ** 20,
      heap_mb_after: m.after.heap === null ? null : m.after.heap / 2 ** 20,
    }];
    const flat = m.before.tensors === m.after.tensors && m.before.heap === m.after.heap;
    return Promise.resolve({ rows, notes: [flat ? "flat: no growth" : "GROWTH detected"] });
  },
});
