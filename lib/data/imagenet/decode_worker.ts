/**
 * The body of a decoding worker (see `pool.ts`): receives `{id, items, spec}`, decodes the items
 * into one float32 array and posts it back (transferred), or posts the error with the file name.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { decodeInto, type DecodeItem, type DecodeSpec, ImageDecodeError } from "./decode.ts";

self.onmessage = async (e: MessageEvent<{ id: number; items: DecodeItem[]; spec: DecodeSpec }>) => {
  const { id, items, spec } = e.data;
  try {
    const x = new Float32Array(items.length * spec.size * spec.size * 3);
    await decodeInto(items, spec, x);
    self.postMessage({ id, x }, [x.buffer]);
  } catch (err) {
    const file = err instanceof ImageDecodeError ? err.file : undefined;
    self.postMessage({ id, error: (err as Error).message, file });
  }
};
