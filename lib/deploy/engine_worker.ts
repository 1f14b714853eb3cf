/**
 * Worker side of {@link createEnginePool} (`parallel.ts`): decodes the `.bnn` bytes, builds one
 * engine and answers `run` messages with the logits and the per-op profile of that run.
 * Plain Web Worker code (no Deno APIs, no tfjs).
 *
 * @module
 */
import { createEngine } from "./engine.ts";
import { decodeModel } from "./format.ts";
import type { BinaryEngine } from "./engine.ts";

/** Messages the pool sends. */
export type EngineWorkerRequest =
  | { type: "init"; bytes: Uint8Array; prefer?: "native" | "wasm" | "js" }
  | { type: "run"; id: number; inputs: Float32Array; n: number };

/** Messages the worker answers. */
export type EngineWorkerReply =
  | { type: "ready"; kernel: string }
  | {
    type: "result";
    id: number;
    outputs: Float32Array;
    profile: [string, { ms: number; binary: boolean }][];
  }
  | { type: "error"; id?: number; message: string };

let engine: BinaryEngine | undefined;
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EngineWorkerRequest>) => void) | null;
  postMessage(m: EngineWorkerReply, transfer?: Transferable[]): void;
};

scope.onmessage = (e) => {
  const m = e.data;
  try {
    if (m.type === "init") {
      engine = createEngine(decodeModel(m.bytes), { prefer: m.prefer, profile: true });
      scope.postMessage({ type: "ready", kernel: engine.kernel });
      return;
    }
    if (!engine) throw new Error("engine worker: run before init");
    engine.profile.clear();
    const outputs = engine.predictBatch(m.inputs, m.n);
    scope.postMessage(
      { type: "result", id: m.id, outputs, profile: [...engine.profile] },
      [outputs.buffer as ArrayBuffer],
    );
  } catch (err) {
    const id = m.type === "run" ? m.id : undefined;
    scope.postMessage({ type: "error", id, message: String((err as Error).message ?? err) });
  }
};
