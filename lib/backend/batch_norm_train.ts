/**
 * Batch normalization in training mode (batch statistics) as one op with a fused gradient, on the
 * native pool (`native/batch_norm.c`). tfjs-layers builds it from `moments` + `batchNorm`, whose
 * autodiff makes a dozen full-size passes (Sub, Square, Mean, Multiply, Add, RealDiv …); this op
 * makes four: moments (float64 sums of x and x²), the affine, the two gradient sums, dx.
 *
 *   μ = Σx/N, σ² = Σx²/N − μ² (biased, as tf.moments), r = 1/√(σ² + ε), y = γ·r·(x − μ) + β
 *   s₁ = Σdy, s₂ = Σdy·(x − μ); dβ = s₁, dγ = r·s₂,
 *   dx = γr·dy − γr³s₂/N·(x − μ) − γr·s₁/N
 *
 * (Σ over all axes but the last, N their size.) Only for float32 channels-last inputs on the wasm
 * backend with the native pool started; {@link batchNormTrain} returns undefined otherwise.
 *
 * @module
 */
import { tf } from "../tf.ts";
import type { HeapBackend } from "./wasm_ops.ts";
import { heapPointer, nativeAffineRows, nativePool, rowBlock } from "./native_kernels.ts";

/** Output of {@link batchNormTrain}: the normalized tensor and the batch moments (kept). */
export interface BatchNormTrainResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * `y = γ·(x − μ)/√(σ² + ε) + β` with the batch moments of `x` over all axes but the last, and
 * their gradient fused (see the module doc). `gamma` / `beta` default to 1 / 0. The returned
 * `mean` and `variance` are kept tensors (not recorded for the gradient); the caller disposes
 * them. Returns undefined when the native path does not apply (the caller uses tfjs ops).
 */
export function batchNormTrain(
  x: tf.Tensor,
  options: { gamma?: tf.Tensor | null; beta?: tf.Tensor | null; epsilon: number },
): BatchNormTrainResult | undefined {
  const pool = nativePool();
  const c = x.shape[x.shape.length - 1];
  const vec = (t?: tf.Tensor | null) =>
    t == null || (t.dtype === "float32" && t.size === c && t.shape.length === 1);
  if (
    !pool || tf.getBackend() !== "wasm" || x.dtype !== "float32" || x.rank < 2 || c === 0 ||
    x.size === 0 || !vec(options.gamma) || !vec(options.beta)
  ) return undefined;
  const eps = options.epsilon;
  const rows = x.size / c, units = Math.ceil(c / 16);
  let moments: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((xIn, gIn, bIn, saveIn) => {
    const [xx, g, bt] = [xIn, gIn, bIn] as tf.Tensor[];
    const save = saveIn as tf.GradSaveFunc;
    const b = tf.backend() as HeapBackend;
    const vecOut = () => b.makeOutput([c], "float32");
    const p = (t: tf.TensorInfo) => heapPointer(b, t);
    // Every output is allocated before any view is taken: an allocation may grow the heap, which
    // detaches the views of a non-shared (single-threaded) heap.
    const [meanI, varI, sI] = [vecOut(), vecOut(), vecOut()];
    const yI = b.makeOutput(xx.shape, "float32");
    pool.run("moments_rows", { args: [p(xx), p(meanI), p(varI), rows, c], units });
    const [gv, vv, sv] = [g, varI, sI].map((t) => b.typedArrayFromHeap(t));
    for (let i = 0; i < c; i++) sv[i] = gv[i] / Math.sqrt(vv[i] + eps);
    nativeAffineRows(tf.backend(), { x: xx, m: meanI, s: sI, t: bt, out: yI, cols: c });
    const mk = (i: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(i);
    const mean = mk(meanI) as tf.Tensor1D, variance = mk(varI) as tf.Tensor1D;
    tf.dispose(mk(sI));
    moments = [tf.keep(mean), tf.keep(variance)];
    save([xx, mean, variance, g]);
    return {
      value: mk(yI),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv2, sg] = saved;
        const [s1I, s2I, aI, bI, dI, dgI] = [0, 0, 0, 0, 0, 0].map(vecOut);
        const dxI = b.makeOutput(sx.shape, "float32");
        pool.run("bn_grad_sums", { args: [p(dy), p(sx), p(sm), p(s1I), p(s2I), rows, c], units });
        const [vr, gm, s1, s2, av, bv, dv, dg] = [sv2, sg, s1I, s2I, aI, bI, dI, dgI].map((t) =>
          b.typedArrayFromHeap(t)
        );
        for (let i = 0; i < c; i++) {
          const r = 1 / Math.sqrt(vr[i] + eps);
          av[i] = gm[i] * r;
          bv[i] = (-gm[i] * r ** 3 * s2[i]) / rows;
          dv[i] = (-gm[i] * r * s1[i]) / rows;
          dg[i] = r * s2[i];
        }
        const block = rowBlock(c);
        pool.run("bn_grad_apply", {
          args: [p(dy), p(sx), p(sm), p(aI), p(bI), p(dI), p(dxI), rows, c, block],
          units: Math.ceil(rows / block),
        });
        tf.dispose([aI, bI, dI, s2I].map(mk));
        return [mk(dxI), mk(dgI), mk(s1I)];
      },
    };
  });
  const gamma = options.gamma ?? tf.ones([c]), beta = options.beta ?? tf.zeros([c]);
  const y = op(x, gamma, beta) as tf.Tensor;
  if (options.gamma == null) gamma.dispose();
  if (options.beta == null) beta.dispose();
  const [mean, variance] = moments!;
  return { y, mean, variance };
}

/**
 * The moving-average update of batch norm's statistics, `orig − (orig − value)·decay` with `decay`
 * = 1 − momentum, as tfjs-layers computes it (three float32 ops per element: Sub, Multiply by the
 * float32 scalar `decay`, Sub), bit for bit. On the wasm backend it is one pass over the heap
 * (`Math.fround` after each op gives exactly the float32 result); tfjs-layers' three ops, plus the
 * scalar tensor, cost four kernel calls per statistic and layer. Elsewhere it is those ops.
 *
 * @example
 * ```ts
 * movingMean.write(movingAverage(movingMean.read(), batchMean, 1 - momentum));
 * ```
 */
export function movingAverage(orig: tf.Tensor, value: tf.Tensor, decay: number): tf.Tensor {
  const heap = tf.getBackend() === "wasm" && orig.dtype === "float32" &&
    value.dtype === "float32" && orig.size === value.size && orig.rank === 1 && value.rank === 1;
  if (!heap) return tf.sub(orig, tf.mul(tf.sub(orig, value), decay));
  const b = tf.backend() as HeapBackend;
  const out = b.makeOutput(orig.shape, "float32");
  const [o, v, r] = [orig, value, out].map((t) => b.typedArrayFromHeap(t)); // after makeOutput
  const d = Math.fround(decay);
  for (let i = 0; i < r.length; i++) r[i] = o[i] - Math.fround(Math.fround(o[i] - v[i]) * d);
  return tf.engine().makeTensorFromTensorInfo(out);
}
