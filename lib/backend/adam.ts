/**
 * tfjs's Adam in one native pass per variable (`native/adam.c`) on the wasm backend with the
 * project's kernels, instead of 14 tfjs kernels per variable (≈ 380 kernel calls per step for the
 * lab's VGG-small). {@link registerFusedAdam} replaces `tf.AdamOptimizer.prototype.applyGradients`
 * (so `tf.train.adam`, `model.fit` and the lab's own loops all use it) with a version that keeps
 * tfjs-core 4.22's state and semantics — the moment variables `…/m` and `…/v` created on first
 * use, `accBeta1/2` updated by tfjs ops, the iteration count, `getWeights`/`setWeights` — and
 * computes each update with the float32 operations of tfjs's chain in the same order, so the
 * weights are bit-identical to tfjs's Adam (tests/backend/adam_test.ts). On other backends, without
 * the native pool, or for a non-float32 variable, tfjs's own method runs.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { HeapBackend } from "./wasm_ops.ts";
import {
  ELEMENT_BLOCK,
  heapPointer,
  heapScratch,
  nativeHeap,
  nativePool,
} from "./native_kernels.ts";

/** tfjs-core 4.22's `AdamOptimizer.applyGradients`, as tfjs ships it. */
export const TFJS_ADAM_APPLY_GRADIENTS = tf.AdamOptimizer.prototype.applyGradients;

/** The fields of tfjs-core 4.22's `AdamOptimizer` the fused step reads and updates. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

type Gradients = Parameters<typeof TFJS_ADAM_APPLY_GRADIENTS>[0];

/** Writes the float32 scalars of `adam_update` to their heap scratch buffer; returns its offset. */
function writeScalars(values: number[]): number {
  const ptr = heapScratch("adam scalars", 4 * values.length);
  new Float32Array(nativeHeap()!.memory.buffer, ptr, values.length).set(values);
  return ptr;
}

function fusedApplyGradients(this: tf.AdamOptimizer, variableGradients: Gradients): void {
  const pool = nativePool();
  const o = this as unknown as AdamInternals;
  const names = Array.isArray(variableGradients)
    ? variableGradients.map((v) => v.name)
    : Object.keys(variableGradients);
  const gradientOf = (i: number, name: string): tf.Tensor | undefined =>
    Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
  const registered = tf.engine().registeredVariables;
  const fits = pool !== undefined && tf.getBackend() === "wasm" && names.every((name, i) => {
    const g = gradientOf(i, name), w = registered[name];
    return w !== undefined && w.dtype === "float32" && (g == null || g.dtype === "float32") &&
      (g == null || g.size === w.size);
  });
  if (!fits) return TFJS_ADAM_APPLY_GRADIENTS.call(this, variableGradients);
  const f = Math.fround;
  tf.tidy(() => {
    // The float32 scalars of tfjs's chain: mul(m, β1), mul(g, 1 − β1), sub(1, accβ1), add(…, ε),
    // mul(…, −lr); 1 − accβ (float32 − float32) is exact in double, then rounded as float32 does.
    const acc1 = o.accBeta1.dataSync()[0], acc2 = o.accBeta2.dataSync()[0];
    const s = [o.beta1, 1 - o.beta1, o.beta2, 1 - o.beta2, 1 - acc1, 1 - acc2, o.epsilon].map(f);
    s.push(f(-o.learningRate));
    names.forEach((name, i) => {
      const value = registered[name];
      o.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      o.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = gradientOf(i, name);
      if (gradient == null) return;
      const m = o.accumulatedFirstMoment[i].variable, v = o.accumulatedSecondMoment[i].variable;
      const b = tf.backend() as HeapBackend;
      const outs = [0, 1, 2].map(() => b.makeOutput(value.shape, "float32"));
      // Pointers and scalars after every allocation: allocating may grow (and move) the heap.
      const sp = writeScalars(s);
      const n = value.size;
      if (n > 0) {
        const ins = [value, m, v, gradient].map((t) => heapPointer(b, t));
        pool!.run("adam_update", {
          args: [...ins, ...outs.map((t) => heapPointer(b, t)), sp, n, ELEMENT_BLOCK],
          units: Math.ceil(n / ELEMENT_BLOCK),
        });
      }
      const [wNew, mNew, vNew] = outs.map((t) => tf.engine().makeTensorFromTensorInfo(t));
      m.assign(mNew);
      v.assign(vNew);
      value.assign(wNew);
    });
    o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
    o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
  });
  o.incrementIterations();
}

/**
 * Makes `tf.AdamOptimizer` update through the fused kernel where it can (idempotent); see the
 * module documentation.
 */
export function registerFusedAdam(): void {
  tf.AdamOptimizer.prototype.applyGradients = fusedApplyGradients;
}
