/**
 * Exact near-ties for the deploy engine's float first layer. The engine computes a float conv in
 * float64 and folds the following batch norm into one affine; the lab's float simulation (tfjs on
 * the wasm backend with the project's kernels) rounds in float32:
 *
 *   acc = fma(x, w, acc) over the taps inside the image in (ky, kx, c) order, from 0
 *   (`lib/backend/native/conv_fwd.c`, relaxed-SIMD multiply-add), y = acc (+ bias),
 *   v = ((y − m)·s) + t with s = fround(γ/√(σ² + ε)) (`FusedBatchNorm`, `elementwise.c`).
 *
 * Both agree except within a few float32 ulps of 0, where a following sign (sign(0) = +1) can
 * go either way. {@link prepareNearTies} recomputes exactly those outputs with tfjs's float32
 * sequence, so the engine's bits equal the simulation's there too. Whether the host fuses
 * relaxed-SIMD multiply-add (x86 FMA3, ARM: yes) is probed once ({@link maddIsFused}); fused
 * multiply-adds are emulated exactly with {@link fma32}. Pure TypeScript (no tfjs, no Deno APIs).
 *
 * @module
 */
import { type Window2D, windowTaps } from "./float_ops.ts";

const f32 = new Float32Array(1), i32 = new Int32Array(f32.buffer);

/** The float32 next to `r` (a float32, finite, ≠ 0) in the direction of `toward`. */
function stepFloat32(r: number, toward: number): number {
  f32[0] = r;
  i32[0] += (toward > r) === (r > 0) ? 1 : -1;
  return f32[0];
}

/**
 * `a·b + c` rounded once to float32 (round-to-nearest-even), for float32 `a`, `b`, `c`: the
 * product is exact in float64, the sum's float64 rounding error is recovered with TwoSum, and it
 * decides the one case the float64 sum cannot: a sum exactly halfway between two float32s.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s || !Number.isFinite(s) || r === 0) return r;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  if (err === 0) return r;
  const other = stepFloat32(r, s);
  if (s !== (r + other) / 2) return r;
  // s is the midpoint: the exact value lies on the side of err.
  return (err > 0) === (other > r) ? other : r;
}

let fused: boolean | null | undefined;

/**
 * Whether this host's wasm `f32x4.relaxed_madd` is fused (one rounding); null when the host has
 * no relaxed SIMD (then the lab's native kernels do not run either). Probed once with a
 * 70-byte module.
 */
export function maddIsFused(): boolean | null {
  if (fused !== undefined) return fused;
  // (func (param f32 f32 f32) (result f32) splat×3, relaxed_madd, extract_lane 0)
  const body = [
    0x00,
    0x20,
    0x00,
    0xfd,
    0x13,
    0x20,
    0x01,
    0xfd,
    0x13,
    0x20,
    0x02,
    0xfd,
    0x13,
    0xfd,
    0x85,
    0x02,
    0xfd,
    0x1f,
    0x00,
    0x0b,
  ];
  const bytes = new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x08,
    0x01,
    0x60,
    0x03,
    0x7d,
    0x7d,
    0x7d,
    0x01,
    0x7d,
    0x03,
    0x02,
    0x01,
    0x00,
    0x07,
    0x05,
    0x01,
    0x01,
    0x66,
    0x00,
    0x00,
    0x0a,
    body.length + 2,
    0x01,
    body.length,
    ...body,
  ]);
  try {
    if (!WebAssembly.validate(bytes)) return (fused = null);
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f as (
      ...a: number[]
    ) => number;
    // (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴: fused keeps the 2⁻²⁴, unfused rounds it away.
    const a = 1 + 2 ** -12;
    return (fused = f(a, a, -(1 + 2 ** -11)) !== 0);
  } catch {
    return (fused = null);
  }
}

/** The float32 recipe of a batch norm after a float conv (fields of the `.bnn` conv op). */
export interface TieParams {
  /** Conv bias (absent: none). */
  bias?: Float32Array;
  /** Moving mean m. */
  mean: Float32Array;
  /** s = fround(γ/√(σ² + ε)), as tfjs computes it. */
  scale: Float32Array;
  /** Offset t (β; zeros without one). */
  shift: Float32Array;
}

/** A float conv followed by a folded batch norm: geometry, weights [kh][kw][cin][cout], recipe. */
export interface TieConv {
  window: Window2D;
  cin: number;
  cout: number;
  w: Float32Array;
  tie: TieParams;
}

/** Unfused multiply-add, rounded after each step (a host without FMA). */
function madd2(a: number, b: number, c: number): number {
  return Math.fround(Math.fround(a * b) + c);
}

/**
 * The simulation's float32 value of output (position p, channel co) of a float conv + batch norm
 * (see the module doc).
 */
export function simulatedValue(
  x: Float32Array,
  at: { p: number; co: number },
  conv: TieConv,
): number {
  const { window: g, cin, cout, w, tie } = conv;
  const madd = maddIsFused() === false ? madd2 : fma32;
  const taps = new Int32Array(2 * g.kh * g.kw), n = windowTaps(g, at.p, taps), co = at.co;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const xo = taps[2 * k] * cin, wo = taps[2 * k + 1] * cin * cout + co;
    for (let c = 0; c < cin; c++) acc = madd(x[xo + c], w[wo + c * cout], acc);
  }
  const y = tie.bias ? Math.fround(acc + tie.bias[co]) : acc;
  return Math.fround(Math.fround(Math.fround(y - tie.mean[co]) * tie.scale[co]) + tie.shift[co]);
}

/**
 * The per-channel coefficients of {@link prepareNearTies}'s rounding bound: output (p, co) is
 * near 0 when |out| ≤ a[co]·Σ|x| + b[co], Σ|x| over position p's window (valid taps in (ky, kx)
 * order, channels ascending).
 */
export function nearTieBounds(conv: TieConv): { a: Float64Array; b: Float64Array } {
  const { window: g, cin, cout, w, tie } = conv;
  // A generous bound on the float32 error: 8·(taps + 4) ulps of every term's magnitude, as
  // a[co]·Σ|x| + b[co] with Σ|x| over the position's window.
  const u = 8 * (g.kh * g.kw * cin + 4) * 2 ** -24;
  const a = new Float64Array(cout), b = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) a[i % cout] = Math.max(a[i % cout], Math.abs(w[i]));
  for (let co = 0; co < cout; co++) {
    const s = Math.abs(tie.scale[co]), bias = tie.bias ? Math.abs(tie.bias[co]) : 0;
    a[co] *= u * s;
    b[co] = u * (s * (bias + Math.abs(tie.mean[co])) + Math.abs(tie.shift[co]));
  }
  return { a, b };
}

/**
 * Prepares, once per conv, the function that replaces the outputs of that float conv + batch norm
 * (`out`, [positions][cout], computed in float64 from input `x`) lying within a bound on the
 * float32 rounding error of 0 ({@link nearTieBounds}) by the simulation's exact float32 value
 * ({@link simulatedValue}). The function returns how many outputs it recomputed. `near`, when
 * given, is a filter computed elsewhere (the native float conv): positions p with near[p] = 0 hold
 * no such output and are skipped; every other position is tested here.
 */
export function prepareNearTies(
  conv: TieConv,
): (out: Float32Array, x: Float32Array, near?: Int32Array) => number {
  const { window: g, cin, cout } = conv;
  const { a, b } = nearTieBounds(conv);
  const taps = new Int32Array(2 * g.kh * g.kw);
  return (out, x, near) => {
    let fixed = 0;
    for (let p = 0; p < g.oh * g.ow; p++) {
      if (near && near[p] === 0) continue;
      let sumX = 0;
      const n = windowTaps(g, p, taps);
      for (let k = 0; k < n; k++) {
        const xo = taps[2 * k] * cin;
        for (let c = 0; c < cin; c++) sumX += Math.abs(x[xo + c]);
      }
      const o = p * cout;
      for (let co = 0; co < cout; co++) {
        const v = out[o + co], bound = a[co] * sumX + b[co];
        if (v > bound || -v > bound) continue;
        out[o + co] = simulatedValue(x, { p, co }, conv);
        fixed++;
      }
    }
    return fixed;
  };
}
