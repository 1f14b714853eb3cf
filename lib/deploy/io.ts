/**
 * File IO for `.bnn` files (Deno). The engine itself never touches files; in a browser, fetch
 * the bytes and call `decodeModel` directly.
 *
 * @module
 */
import type { tf } from "../tf.ts";
import { toDeployModel, type ToDeployOptions } from "./export.ts";
import { type BnnLimits, decodeModel, type DeployModel, encodeModel } from "./format.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { readFileBytes } from "../util/read_file.ts";

/** Writes bytes to a path atomically (temp file, fsync, rename); see `lib/util/atomic.ts`. */
export { writeFileAtomic };

/** What {@link exportBinary} wrote. */
export interface ExportInfo {
  path: string;
  /** Size of the `.bnn` file in bytes. */
  bytes: number;
  model: DeployModel;
}

/**
 * Exports a trained tfjs model to the compact `.bnn` format (see `lib/deploy/format.ts`):
 * sign(W) packed 32 per word, α per channel, batch norms folded into per-channel
 * affines/thresholds, full-precision layers as float32. Atomic write.
 */
export async function exportBinary(
  model: tf.LayersModel,
  path: string,
  options: ToDeployOptions = {},
): Promise<ExportInfo> {
  const deploy = toDeployModel(model, options);
  const bytes = encodeModel(deploy);
  await writeFileAtomic(path, bytes);
  return { path, bytes: bytes.length, model: deploy };
}

/**
 * Reads and validates a `.bnn` file written by {@link exportBinary}; a malformed file throws one
 * `BnnFormatError` naming `path` and the field (see `format.ts`).
 */
export function loadBinary(
  path: string,
  options: { limits?: Partial<BnnLimits> } = {},
): Promise<DeployModel> {
  // A promise that rejects (never a synchronous throw), as before the read became synchronous.
  return Promise.resolve().then(() => {
    let bytes: Uint8Array;
    try {
      bytes = readFileBytes(path);
    } catch (e) {
      throw new Error(`loadBinary: cannot read ${path}: ${(e as Error).message}`);
    }
    return decodeModel(bytes, { source: path, limits: options.limits });
  });
}
