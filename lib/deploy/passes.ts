/**
 * Export-time rewriting of an op chain: fold batch norms into the preceding conv/dense affine
 * (through max-pools), then replace "affine → sign" after binary×binary layers by integer
 * thresholds. Pure TypeScript (no tfjs), so the folding is testable on its own.
 *
 * @module
 */
import { type Affine, affineThreshold, composeAffine } from "./fold.ts";
import type { ConvOp, DeployOp, MaxPoolOp } from "./format.ts";

/**
 * An op before finalization: conv/dense and batchnorm carry their affine in float64 (`affine`);
 * `integer` marks binary×binary layers (integer raw outputs).
 */
export type RawOp = DeployOp & {
  affine?: Affine;
  integer?: boolean;
  /** Float conv/dense: the layer's float32 bias, if any. */
  rawBias?: Float32Array;
  /** Batch norm: its float32 recipe in the float simulation (see `exact_ties.ts`). */
  rawBn?: { mean: Float32Array; scale: Float32Array; shift: Float32Array };
};

function isLinear(op: RawOp): boolean {
  return op.type === "conv" || op.type === "dense";
}

/** Folds each batchnorm into the nearest preceding linear-activation conv/dense (through max-pools). */
export function foldBatchNorms(ops: RawOp[]): RawOp[] {
  const out: RawOp[] = [];
  for (const op of ops) {
    if (op.type !== "batchnorm") {
      out.push(op);
      continue;
    }
    const bn = op.affine!;
    let j = out.length - 1;
    const pools: MaxPoolOp[] = [];
    while (j >= 0 && out[j].type === "maxpool") pools.push(out[j--] as MaxPoolOp);
    const prod = j >= 0 ? out[j] : undefined;
    const foldable = prod !== undefined && isLinear(prod) &&
      (prod as { activation: string }).activation === "linear" &&
      prod.affine!.scale.length === bn.scale.length;
    if (!foldable) {
      out.push(op);
      continue;
    }
    prod.affine = composeAffine(prod.affine!, bn);
    const conv = prod as RawOp & ConvOp;
    if (pools.length === 0 && op.rawBn && conv.type === "conv" && conv.kernel === "float") {
      Object.assign(conv, {
        tieMean: op.rawBn.mean,
        tieScale: op.rawBn.scale,
        tieShift: op.rawBn.shift,
        ...(conv.rawBias ? { tieBias: conv.rawBias } : {}),
      });
    }
    for (const pool of pools) {
      const mode = pool.mode ?? new Int8Array(bn.scale.length).fill(1);
      for (let c = 0; c < mode.length; c++) if (bn.scale[c] < 0) mode[c] = -mode[c];
      pool.mode = mode;
    }
  }
  return out;
}

/** Adds integer thresholds to binary×binary producers whose output feeds a binary layer's sign. */
export function addThresholds(ops: RawOp[], options: { epsilon?: number } = {}): RawOp[] {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (!isLinear(op) || !op.integer) continue;
    let j = i + 1;
    while (j < ops.length && (ops[j].type === "maxpool" || ops[j].type === "flatten")) j++;
    const next = ops[j] as RawOp & { input?: string; kernel?: string } | undefined;
    const act = (op as { activation: string }).activation;
    if (next && isLinear(next) && next.integer && act === "linear") {
      const t = affineThreshold(op.affine!, options);
      // The thresholds replace the affine: the engine never reads scale/shift of this op.
      Object.assign(op, { threshold: t.threshold, direction: t.direction, fused: true });
    }
  }
  return ops;
}

/** Runs both passes and converts the float64 affines to the float32 scale/shift of the format. */
export function finalizeOps(raw: RawOp[], options: { epsilon?: number } = {}): DeployOp[] {
  return addThresholds(foldBatchNorms(raw), options).map((op) => {
    const { affine, integer: _integer, fused, rawBias: _b, rawBn: _n, ...rest } = op as RawOp & {
      fused?: boolean;
    };
    if (fused) {
      return { ...rest, scale: new Float32Array(0), shift: new Float32Array(0) } as DeployOp;
    }
    if (affine) {
      return {
        ...rest,
        scale: Float32Array.from(affine.scale),
        shift: Float32Array.from(affine.shift),
      } as DeployOp;
    }
    return rest as DeployOp;
  });
}
