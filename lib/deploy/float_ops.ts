/**
 * Float kernels of the deploy engine (first/last full-precision layers, pooling, activations),
 * plus the shared geometry helpers. Pure TypeScript: no tfjs, no Deno APIs.
 *
 * @module
 */
import type { Activation } from "./format.ts";

/** Output size and leading padding of one spatial axis, exactly as tfjs computes them. */
export function axisGeometry(
  size: number,
  window: { k: number; stride: number; padding: "same" | "valid" },
): { out: number; pad: number } {
  const { k, stride, padding } = window;
  if (padding === "same") {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out, pad: Math.floor(total / 2) };
  }
  return { out: Math.ceil((size - k + 1) / stride), pad: 0 };
}

/** Applies `activation` in place to `n` values starting at `offset` (softmax: over that span). */
export function activate(
  v: Float32Array,
  activation: Activation,
  span: { offset?: number; length?: number } = {},
): void {
  const offset = span.offset ?? 0;
  const end = offset + (span.length ?? v.length - offset);
  switch (activation) {
    case "linear":
      return;
    case "relu":
      for (let i = offset; i < end; i++) if (v[i] < 0) v[i] = 0;
      return;
    case "sigmoid":
      for (let i = offset; i < end; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
      return;
    case "tanh":
      for (let i = offset; i < end; i++) v[i] = Math.tanh(v[i]);
      return;
    case "softmax": {
      let m = -Infinity;
      for (let i = offset; i < end; i++) m = Math.max(m, v[i]);
      let s = 0;
      for (let i = offset; i < end; i++) s += v[i] = Math.exp(v[i] - m);
      for (let i = offset; i < end; i++) v[i] /= s;
      return;
    }
    default:
      throw new Error(`deploy engine: unknown activation ${JSON.stringify(activation)}`);
  }
}

/** Geometry of a conv or pool over an [H, W, C] map. */
export interface Window2D {
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  padTop: number;
  padLeft: number;
}

/**
 * The taps of output position `p` (row-major over [oh, ow]) that fall inside the input, in
 * (ky, kx) order: writes pairs (input pixel iy·w + ix, tap ky·kw + kx) into `out` (room for
 * 2·kh·kw) and returns how many taps it wrote.
 */
export function windowTaps(g: Window2D, p: number, out: Int32Array): number {
  const oy = Math.floor(p / g.ow), ox = p - oy * g.ow;
  let n = 0;
  for (let ky = 0; ky < g.kh; ky++) {
    const iy = oy * g.sh + ky - g.padTop;
    if (iy < 0 || iy >= g.h) continue;
    for (let kx = 0; kx < g.kw; kx++) {
      const ix = ox * g.sw + kx - g.padLeft;
      if (ix < 0 || ix >= g.w) continue;
      out[2 * n] = iy * g.w + ix;
      out[2 * n + 1] = ky * g.kw + kx;
      n++;
    }
  }
  return n;
}

/** Computes {@link Window2D} for input [h, w], window [kh, kw], strides and padding. */
export function window2d(
  input: { h: number; w: number },
  window: { k: [number, number]; strides: [number, number]; padding: "same" | "valid" },
): Window2D {
  const { h, w } = input, { k, strides, padding } = window;
  const sizes = { h, w, kh: k?.[0], kw: k?.[1], sh: strides?.[0], sw: strides?.[1] };
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new Error(`deploy engine: window ${name} must be a positive integer, got ${v}`);
    }
  }
  if (padding !== "same" && padding !== "valid") {
    throw new Error(`deploy engine: padding must be "same" or "valid", got ${padding}`);
  }
  const y = axisGeometry(h, { k: k[0], stride: strides[0], padding });
  const x = axisGeometry(w, { k: k[1], stride: strides[1], padding });
  if (y.out <= 0 || x.out <= 0) {
    throw new Error(
      `deploy engine: window ${k} does not fit input ${h}×${w} with ${padding} padding`,
    );
  }
  return {
    h,
    w,
    kh: k[0],
    kw: k[1],
    sh: strides[0],
    sw: strides[1],
    oh: y.out,
    ow: x.out,
    padTop: y.pad,
    padLeft: x.pad,
  };
}

/**
 * Float convolution: raw[o, co] = Σ_valid taps Σ_ci x·w (zero padding contributes 0), then
 * out = scale·raw + shift. `w` is [kh][kw][cin][cout]. Writes into `params.out` when given (its
 * length must be positions·cout), else into a new array.
 */
export function convFloat(
  x: Float32Array,
  params: {
    window: Window2D;
    cin: number;
    cout: number;
    w: Float32Array;
    scale: Float32Array;
    shift: Float32Array;
    out?: Float32Array;
  },
): Float32Array {
  const { window: g, cin, cout } = params;
  const size = g.oh * g.ow * cout;
  if (params.out && params.out.length !== size) {
    throw new Error(`convFloat: out holds ${params.out.length} values, expected ${size}`);
  }
  const out = params.out ?? new Float32Array(size);
  const acc = new Float64Array(cout);
  const taps = new Int32Array(2 * g.kh * g.kw);
  const { w, scale, shift } = params;
  for (let p = 0; p < g.oh * g.ow; p++) {
    acc.fill(0);
    const n = windowTaps(g, p, taps);
    for (let k = 0; k < n; k++) {
      const xo = taps[2 * k] * cin, wo = taps[2 * k + 1] * cin * cout;
      for (let ci = 0; ci < cin; ci++) {
        const xv = x[xo + ci];
        if (xv === 0) continue;
        const wr = wo + ci * cout;
        for (let co = 0; co < cout; co++) acc[co] += xv * w[wr + co];
      }
    }
    const oo = p * cout;
    for (let co = 0; co < cout; co++) out[oo + co] = scale[co] * acc[co] + shift[co];
  }
  return out;
}

/** Float dense: out[j] = scale_j·Σ_i x_i·w[i, j] + shift_j. `w` is [inFeatures][units]. */
export function denseFloat(
  x: Float32Array,
  units: number,
  params: { w: Float32Array; scale: Float32Array; shift: Float32Array },
): Float32Array {
  const acc = new Float64Array(units);
  const { w, scale, shift } = params;
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (xv === 0) continue;
    const r = i * units;
    for (let j = 0; j < units; j++) acc[j] += xv * w[r + j];
  }
  const out = new Float32Array(units);
  for (let j = 0; j < units; j++) out[j] = scale[j] * acc[j] + shift[j];
  return out;
}

/** Max pooling over [H, W, C] (per-channel min where `mode[c] < 0`); padded cells are ignored. */
export function poolFloat(
  x: Float32Array,
  spec: { window: Window2D; channels: number; mode?: Int8Array },
): Float32Array {
  const { window: g, channels: c, mode } = spec;
  const out = new Float32Array(g.oh * g.ow * c);
  for (let oy = 0; oy < g.oh; oy++) {
    for (let ox = 0; ox < g.ow; ox++) {
      const oo = (oy * g.ow + ox) * c;
      for (let ch = 0; ch < c; ch++) {
        const isMin = mode !== undefined && mode[ch] < 0;
        let best = isMin ? Infinity : -Infinity;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh + ky - g.padTop;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw + kx - g.padLeft;
            if (ix < 0 || ix >= g.w) continue;
            const v = x[(iy * g.w + ix) * c + ch];
            best = isMin ? Math.min(best, v) : Math.max(best, v);
          }
        }
        out[oo + ch] = best;
      }
    }
  }
  return out;
}

/** Replaces each value by its sign as ±1 (sign(0) = +1; +1 also for v > −epsilon). */
export function signFloat(x: Float32Array, epsilon = 0): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] >= 0 || x[i] > -epsilon ? 1 : -1;
  return out;
}
