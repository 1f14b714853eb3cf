/**
 * Data-parallel inference with the deploy engine: `threads` Web Workers (module workers, in
 * Deno), each running its own engine on a contiguous share of the batch. Images are independent,
 * so the logits equal those of one engine exactly.
 *
 * ```ts
 * const pool = await createEnginePool(await loadBinary("model.bnn"), { threads: 2 });
 * const logits = await pool.predictBatch(images, n);
 * pool.dispose();
 * ```
 *
 * @module
 */
import { type DeployModel, encodeModel } from "./format.ts";
import type { EngineWorkerReply, EngineWorkerRequest } from "./engine_worker.ts";

/** Options of {@link createEnginePool}. */
export interface EnginePoolOptions {
  /** Worker count; default `navigator.hardwareConcurrency`. */
  threads?: number;
  /** Kernel choice of every engine (see {@link EngineOptions}); default native, else wasm. */
  prefer?: "native" | "wasm" | "js";
}

/** Engines on worker threads; call {@link EnginePool.dispose} when done. */
export interface EnginePool {
  readonly threads: number;
  /** The popcount kernel the workers use ("wasm-simd" or "js"). */
  readonly kernel: string;
  readonly inputShape: number[];
  /**
   * Runs `n` images stored back to back (HWC each); resolves to n × outputs. One batch at a time:
   * await it before the next call.
   */
  predictBatch(inputs: Float32Array, n: number): Promise<Float32Array>;
  /** Per-op milliseconds of the last batch, summed over the workers (CPU time, not wall). */
  readonly profile: Map<string, { ms: number; binary: boolean }>;
  /** Terminates the workers. */
  dispose(): void;
}

/** Starts the workers and resolves once every engine is built. */
export async function createEnginePool(
  model: DeployModel,
  options: EnginePoolOptions = {},
): Promise<EnginePool> {
  const threads = options.threads ?? (navigator.hardwareConcurrency || 1);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`createEnginePool: threads must be an integer ≥ 1, got ${threads}`);
  }
  const bytes = encodeModel(model);
  const inSize = model.inputShape.reduce((a, b) => a * b, 1);
  const url = new URL("./engine_worker.ts", import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url, { type: "module" }));
  const send = (w: Worker, m: EngineWorkerRequest, transfer: Transferable[] = []) =>
    w.postMessage(m, transfer);
  const reply = (w: Worker) =>
    new Promise<EngineWorkerReply>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<EngineWorkerReply>) => resolve(e.data);
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`engine worker failed: ${e.message}`));
      };
    });
  let kernel = "";
  try {
    const ready = workers.map(reply);
    for (const w of workers) send(w, { type: "init", bytes, prefer: options.prefer });
    for (const r of await Promise.all(ready)) {
      if (r.type !== "ready") throw new Error(r.type === "error" ? r.message : "bad reply");
      kernel = r.kernel;
    }
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
  const profile = new Map<string, { ms: number; binary: boolean }>();
  let nextId = 0, busy = false;
  return {
    threads,
    kernel,
    inputShape: model.inputShape,
    profile,
    async predictBatch(inputs, n) {
      if (inputs.length !== n * inSize) {
        throw new Error(`engine pool: batch has ${inputs.length} values, expected ${n}×${inSize}`);
      }
      if (busy) throw new Error("engine pool: a batch is already running; await it first");
      busy = true;
      try {
        return await runBatch(inputs, n);
      } finally {
        busy = false;
      }
    },
    dispose() {
      for (const w of workers) w.terminate();
    },
  };

  async function runBatch(inputs: Float32Array, n: number): Promise<Float32Array> {
    const shares = workers.map((_, i) => [
      Math.floor((n * i) / threads),
      Math.floor((n * (i + 1)) / threads),
    ]);
    const id = nextId++;
    const replies = workers.map(reply);
    workers.forEach((w, i) => {
      const [a, b] = shares[i];
      const part = inputs.slice(a * inSize, b * inSize);
      send(w, { type: "run", id, inputs: part, n: b - a }, [part.buffer]);
    });
    const results = await Promise.all(replies);
    profile.clear();
    const parts: Float32Array[] = [];
    for (const r of results) {
      if (r.type !== "result") throw new Error(r.type === "error" ? r.message : "bad reply");
      parts.push(r.outputs);
      for (const [k, v] of r.profile) {
        const e = profile.get(k) ?? { ms: 0, binary: v.binary };
        e.ms += v.ms;
        profile.set(k, e);
      }
    }
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) out.set(p, (o += p.length) - p.length);
    return out;
  }
}
