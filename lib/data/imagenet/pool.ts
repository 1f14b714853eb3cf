/**
 * A pool of Deno workers that decode examples in parallel (`decode_worker.ts`), so a GPU backend
 * is not starved by JPEG decoding on one thread. Each worker runs sharp with one libvips thread;
 * a batch is split into one chunk per worker and the chunks are decoded concurrently. With 0
 * workers everything is decoded on the calling thread (tests, tiny runs).
 *
 * @module
 */
import {
  closeShards,
  decodeInto,
  type DecodeItem,
  type DecodeSpec,
  ImageDecodeError,
} from "./decode.ts";

interface Pending {
  resolve: (x: Float32Array) => void;
  reject: (e: Error) => void;
}

/** Decodes batches of {@link DecodeItem}s on `workers` Deno workers (or in-process with 0). */
export class DecodePool {
  /** Number of workers (0: decode on the calling thread). */
  readonly size: number;
  #workers: Worker[] = [];
  #pending = new Map<number, Pending>();
  #next = 0;
  #closed = false;

  /** Starts `workers` workers (default: the machine's cores, at most 8). */
  constructor(workers = Math.min(8, navigator.hardwareConcurrency ?? 1)) {
    if (!(Number.isInteger(workers) && workers >= 0 && workers <= 256)) {
      throw new Error(`decode workers must be an integer from 0 to 256, got ${workers}`);
    }
    this.size = workers;
    const url = new URL("./decode_worker.ts", import.meta.url);
    for (let i = 0; i < workers; i++) {
      const w = new Worker(url, { type: "module" });
      w.onmessage = (
        e: MessageEvent<{ id: number; x?: Float32Array; error?: string; file?: string }>,
      ) => {
        const p = this.#pending.get(e.data.id);
        if (!p) return;
        this.#pending.delete(e.data.id);
        if (e.data.x) p.resolve(e.data.x);
        else {
          p.reject(
            e.data.file !== undefined
              ? Object.assign(new ImageDecodeError(e.data.file, ""), { message: e.data.error! })
              : new Error(e.data.error),
          );
        }
      };
      w.onerror = (e) => {
        e.preventDefault();
        const err = new Error(`decode worker failed: ${e.message}`);
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
      };
      this.#workers.push(w);
    }
  }

  /** Decodes `items` into one NHWC float32 array (`items.length`·S·S·3). */
  async decode(items: readonly DecodeItem[], spec: DecodeSpec): Promise<Float32Array> {
    if (this.#closed) throw new Error("DecodePool: already closed");
    const per = spec.size * spec.size * 3;
    const out = new Float32Array(items.length * per);
    if (this.size === 0 || items.length === 0) {
      await decodeInto(items, spec, out);
      return out;
    }
    const chunks = Math.min(this.size, items.length);
    const len = Math.ceil(items.length / chunks);
    const parts: Promise<void>[] = [];
    for (let c = 0; c * len < items.length; c++) {
      const start = c * len, part = items.slice(start, start + len);
      const id = this.#next++;
      const w = this.#workers[id % this.size];
      parts.push(
        new Promise<Float32Array>((resolve, reject) => {
          this.#pending.set(id, { resolve, reject });
          w.postMessage({ id, items: part, spec });
        }).then((x) => out.set(x, start * per)),
      );
    }
    await Promise.all(parts);
    return out;
  }

  /**
   * Stops the workers (pending decodes fail) and closes the cache files this thread opened (they
   * reopen on demand if another pool still reads them).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeShards();
    for (const w of this.#workers) w.terminate();
    const err = new Error("DecodePool: closed");
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /** `using pool = new DecodePool(2)` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }
}
