/**
 * Checkpoints of a run: model weights (through `lib/io.ts`), the Adam state (moments, iteration
 * count and the bias-correction powers, bit for bit) and the training position (epoch, batch,
 * global step, the epoch's running sums and the metrics so far). Batch order, augmentation and
 * initialisation depend only on (seed, epoch, batch), so restoring these continues a run exactly
 * as if it had never stopped.
 *
 * Each checkpoint is written into a fresh folder `ckpt-<step>`; then `latest.json` is replaced
 * atomically to point at it, and older folders are removed. A kill at any moment leaves either
 * the old or the new checkpoint valid; unreferenced folders are cleaned on the next load.
 *
 * @module
 */
import { tf } from "../../tf.ts";
import { loadModel, saveModel } from "../../io.ts";
import { join, readJson } from "../store/store.ts";
import { writeFileAtomicSync, writeJsonAtomicSync } from "../../util/atomic.ts";
import type { EpochMetrics } from "../store/store.ts";

/** Where a run stands. */
export interface TrainState {
  /** Epoch being trained (0-based); equals `epochs` when training is complete. */
  epoch: number;
  /** Next batch index within `epoch`. */
  batch: number;
  /** Optimizer steps done so far. */
  step: number;
  /** Running sums of the current epoch. */
  accum: {
    loss: number;
    ce: number;
    penalty: number;
    correct: number;
    seen: number;
    seconds: number;
  };
  /** One entry per finished epoch. */
  metrics: EpochMetrics[];
  /** Training wall time so far (all sessions). */
  trainSeconds: number;
  /** Backends used so far. */
  backends: string[];
  /** Number of times the run was resumed. */
  resumes: number;
}

/** A fresh state at epoch 0. */
export function initialState(): TrainState {
  return {
    epoch: 0,
    batch: 0,
    step: 0,
    accum: { loss: 0, ce: 0, penalty: 0, correct: 0, seen: 0, seconds: 0 },
    metrics: [],
    trainSeconds: 0,
    backends: [],
    resumes: 0,
  };
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
  length: number;
}

type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

async function saveOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const named = await optimizer.getWeights();
  const entries: TensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    const data = await tensor.data();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    entries.push({ name, shape: tensor.shape, dtype: tensor.dtype, offset, length: bytes.length });
    parts.push(bytes);
    offset += bytes.length;
  }
  // getWeights() returns the iteration count as a new tensor: dispose it (the moments are the
  // optimizer's own variables).
  if (named.length > 0 && named[0].name === "iter") named[0].tensor.dispose();
  const all = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const internals = optimizer as unknown as AdamInternals;
  const acc = internals.accBeta1 && internals.accBeta2
    ? [internals.accBeta1.dataSync()[0], internals.accBeta2.dataSync()[0]]
    : null;
  writeFileAtomicSync(join(dir, "optimizer.bin"), all, { mkdir: true });
  writeJsonAtomicSync(join(dir, "optimizer.json"), { entries, accBeta: acc }, { mkdir: true });
}

async function loadOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const meta = readJson<{ entries: TensorEntry[]; accBeta: number[] | null }>(
    join(dir, "optimizer.json"),
  );
  if (!meta) throw new Error(`checkpoint ${dir}: optimizer.json missing`);
  const bin = Deno.readFileSync(join(dir, "optimizer.bin"));
  const named = meta.entries.map((e) => {
    const bytes = bin.slice(e.offset, e.offset + e.length);
    const values = e.dtype === "int32"
      ? new Int32Array(bytes.buffer)
      : new Float32Array(bytes.buffer);
    return { name: e.name, tensor: tf.tensor(values, e.shape, e.dtype as tf.DataType) };
  });
  if (named.length > 0) await optimizer.setWeights(named);
  for (const n of named) n.tensor.dispose();
  const internals = optimizer as unknown as AdamInternals;
  if (meta.accBeta && internals.accBeta1 && internals.accBeta2) {
    tf.tidy(() => {
      internals.accBeta1!.assign(tf.scalar(meta.accBeta![0]));
      internals.accBeta2!.assign(tf.scalar(meta.accBeta![1]));
    });
  }
}

/** Saves a checkpoint of `model`, `optimizer` and `state` under `dir`. */
export async function saveCheckpoint(
  dir: string,
  parts: { model: tf.LayersModel; optimizer: tf.Optimizer; state: TrainState },
): Promise<void> {
  Deno.mkdirSync(dir, { recursive: true });
  const name = `ckpt-${parts.state.step}-${parts.state.epoch}-${parts.state.batch}`;
  const sub = join(dir, name);
  try {
    Deno.removeSync(sub, { recursive: true });
  } catch { /* fresh */ }
  Deno.mkdirSync(sub, { recursive: true });
  await saveModel(parts.model, join(sub, "model"));
  await saveOptimizer(sub, parts.optimizer);
  writeJsonAtomicSync(join(sub, "state.json"), parts.state);
  writeJsonAtomicSync(join(dir, "latest.json"), { dir: name, savedAt: new Date().toISOString() });
  removeUnreferenced(dir, name);
}

function removeUnreferenced(dir: string, keep: string | null): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory && e.name.startsWith("ckpt-") && e.name !== keep) {
      try {
        Deno.removeSync(join(dir, e.name), { recursive: true });
      } catch { /* raced */ }
    }
  }
}

/**
 * Restores the latest checkpoint under `dir` into `model` and `optimizer`; returns its state, or
 * null when there is none. Unreferenced (partial) checkpoint folders are removed.
 */
export async function loadCheckpoint(
  dir: string,
  parts: { model: tf.LayersModel; optimizer: tf.Optimizer },
): Promise<TrainState | null> {
  try {
    return await restore(dir, parts);
  } catch (e) {
    throw new Error(
      `checkpoint ${dir} is damaged or unreadable: ${(e as Error).message}; ` +
        `delete the folder ${dir} to restart this run from its first epoch`,
      { cause: e },
    );
  }
}

async function restore(
  dir: string,
  parts: { model: tf.LayersModel; optimizer: tf.Optimizer },
): Promise<TrainState | null> {
  const latest = readJson<{ dir: string }>(join(dir, "latest.json"));
  removeUnreferenced(dir, latest?.dir ?? null);
  if (!latest) return null;
  const sub = join(dir, latest.dir);
  const state = readJson<TrainState>(join(sub, "state.json"));
  if (!state) throw new Error(`checkpoint ${sub}: state.json missing`);
  const saved = await loadModel(join(sub, "model"));
  try {
    const weights = saved.getWeights();
    const own = parts.model.getWeights();
    if (weights.length !== own.length || weights.some((w, i) => w.size !== own[i].size)) {
      throw new Error(
        `checkpoint ${sub}: its model does not match this run's model (${weights.length} vs ` +
          `${own.length} weight tensors); delete the checkpoint folder to restart the run`,
      );
    }
    parts.model.setWeights(weights);
  } finally {
    saved.dispose();
  }
  await loadOptimizer(sub, parts.optimizer);
  return state;
}

/** Removes a run's checkpoints folder entirely. */
export function removeCheckpoints(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* none */ }
}
