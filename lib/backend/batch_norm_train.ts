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
import {
  heapPointer,
  nativeAffineRows,
  nativePool,
  type PointerBackend,
} from "./native_kernels.ts";

interface HeapBackend extends PointerBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** Output of {@link batchNormTrain}: the normalized tensor and the batch moments (kept). */
export interface BatchNormTrainResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Rows per work unit of the elementwise gradient pass, for `cols` channels. */
function rowBlock(cols: number): number {
  return Math.max(1, Math.floor(16384 / cols));
}

/** A [c] float32 vector on the backend filled by `f` (views taken after the allocation). */
function vector(b: HeapBackend, c: number, f: (i: number) => number): tf.TensorInfo {
  const out = b.makeOutput([c], "float32");
  const v = b.typedArrayFromHeap(out);
  for (let i = 0; i < c; i++) v[i] = f(i);
  return out;
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
    const b = tf.backend() as unknown as HeapBackend;
    const meanI = b.makeOutput([c], "float32"), varI = b.makeOutput([c], "float32");
    const p = (t: tf.TensorInfo) => heapPointer(b, t);
    pool.run("moments_rows", { args: [p(xx), p(meanI), p(varI), rows, c], units });
    const gv = b.typedArrayFromHeap(g);
    const sI = vector(b, c, (i) => gv[i] / Math.sqrt(b.typedArrayFromHeap(varI)[i] + eps));
    const yI = b.makeOutput(xx.shape, "float32");
    nativeAffineRows(tf.backend(), { x: xx, m: meanI, s: sI, t: bt, out: yI, cols: c });
    const mk = (i: tf.TensorInfo) => tf.engine().makeTensorFromTensorInfo(i);
    const mean = mk(meanI) as tf.Tensor1D, variance = mk(varI) as tf.Tensor1D;
    tf.dispose(mk(sI));
    moments = [tf.keep(mean), tf.keep(variance)];
    save([xx, mean, variance, g]);
    return {
      value: mk(yI),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv, sg] = saved;
        const s1I = b.makeOutput([c], "float32"), s2I = b.makeOutput([c], "float32");
        pool.run("bn_grad_sums", { args: [p(dy), p(sx), p(sm), p(s1I), p(s2I), rows, c], units });
        const at = (t: tf.TensorInfo | tf.Tensor, i: number) => b.typedArrayFromHeap(t)[i];
        const r = (i: number) => 1 / Math.sqrt(at(sv, i) + eps);
        const aI = vector(b, c, (i) => at(sg, i) * r(i));
        const bI = vector(b, c, (i) => (-at(sg, i) * r(i) ** 3 * at(s2I, i)) / rows);
        const dI = vector(b, c, (i) => (-at(sg, i) * r(i) * at(s1I, i)) / rows);
        const dgI = vector(b, c, (i) => r(i) * at(s2I, i));
        const dxI = b.makeOutput(sx.shape, "float32");
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
