/**
 * Synchronous GPU → CPU reads for tfjs-backend-webgpu under Deno.
 *
 * tfjs-webgpu implements `dataSync()` by drawing the buffer into an `OffscreenCanvas`, which Deno
 * does not have, so every `dataSync()` (the lab's `trainStep`, `trainEpoch`, `evaluate`, telemetry,
 * export …) would throw. WebGPU itself has only `mapAsync`. Deno's `mapAsync`, however, polls the
 * device with a blocking wait when it is called (its op runs eagerly until its first sleep), so by
 * the time `mapAsync` returns, the copy has landed and the buffer is mapped in wgpu;
 * `getMappedRange` then works synchronously on a buffer whose JS-side map mode is already "read",
 * i.e. one that has been mapped for reading once before (a never-mapped buffer makes Deno 2.9
 * panic). {@link installSyncReads} therefore keeps one staging buffer, maps it once
 * asynchronously at start-up, and reads any tensor through it in chunks. It then checks itself on
 * a known tensor; if this Deno behaves differently the reads are reported unavailable (the caller
 * refuses the backend with that reason) instead of returning wrong numbers.
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Bytes of the staging buffer (reads of larger tensors go through it in chunks). */
export const STAGING_BYTES = 4 << 20;

/** The parts of tfjs-webgpu's `WebGPUBackend` this module uses. */
interface WebGpuBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: {
    get(dataId: object): {
      values?: tf.backend_util.BackendValues | null;
      dtype: tf.DataType;
      shape: number[];
      resource?: GPUBuffer | GPUTexture | null;
      complexTensorInfos?: { real: tf.TensorInfo; imag: tf.TensorInfo };
    } | undefined;
  };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: GPUCommandEncoder;
  submitQueue(): void;
  readSync(dataId: object): tf.backend_util.BackendValues;
  convertAndCacheOnCPU(dataId: object, data: tf.backend_util.BackendValues): unknown;
}

/** The first `n` values of `bytes` as tfjs-webgpu's own read returns them (bool as Uint8Array). */
function bytesToValues(bytes: ArrayBuffer, dtype: tf.DataType, n: number) {
  return tf.util.convertBackendValuesAndArrayBuffer(bytes.slice(0, n * 4), dtype);
}

/**
 * Replaces the active webgpu backend's `readSync` (what `dataSync()`/`arraySync()` call) by a
 * read through a staging buffer (see the module doc), after one asynchronous priming map.
 * Resolves to null when synchronous reads work (checked on a known tensor), else to a one-line
 * reason; the backend's original `readSync` is kept in that case.
 */
export async function installSyncReads(backendIn: tf.KernelBackend): Promise<string | null> {
  const b = backendIn as unknown as WebGpuBackendInternals;
  if (!b.device || !b.tensorMap || typeof b.submitQueue !== "function") {
    return "the webgpu backend does not have the expected internals (tfjs-backend-webgpu 4.22.0)";
  }
  const staging = b.device.createBuffer({
    size: STAGING_BYTES,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    await staging.mapAsync(GPUMapMode.READ);
    staging.unmap();
  } catch (e) {
    staging.destroy();
    return `priming a staging buffer failed: ${String((e as Error).message ?? e).slice(0, 120)}`;
  }
  const original = b.readSync.bind(b);
  const readBuffer = (src: GPUBuffer): ArrayBuffer => {
    const out = new Uint8Array(src.size);
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    b.submitQueue(); // everything queued so far, so the copies below see finished results
    for (let off = 0; off < src.size; off += STAGING_BYTES) {
      const n = Math.min(STAGING_BYTES, src.size - off);
      const enc = b.device.createCommandEncoder();
      enc.copyBufferToBuffer(src, off, staging, 0, n);
      b.queue.submit([enc.finish()]);
      // Deno's mapAsync blocks on the device before it first yields (see the module doc); its
      // promise settles later and is not needed.
      staging.mapAsync(GPUMapMode.READ, 0, n).catch(() => {});
      out.set(new Uint8Array(staging.getMappedRange(0, n)), off);
      staging.unmap();
    }
    return out.buffer;
  };
  const readSync = (dataId: object): tf.backend_util.BackendValues => {
    const data = b.tensorMap.get(dataId);
    if (data === undefined) throw new Error(`webgpu readSync: tensor ${dataId} is not registered`);
    if (data.values != null || data.dtype === "string") return data.values!;
    let vals: tf.backend_util.BackendValues;
    if (data.dtype === "complex64") {
      const { real, imag } = data.complexTensorInfos!;
      vals = tf.backend_util.mergeRealAndImagArrays(
        readSync(real.dataId) as Float32Array,
        readSync(imag.dataId) as Float32Array,
      );
    } else if (data.resource == null || tf.util.sizeFromShape(data.shape) === 0) {
      vals = bytesToValues(new ArrayBuffer(0), data.dtype, 0);
    } else if (!(data.resource instanceof GPUBuffer)) {
      return original(dataId); // a texture-backed tensor (not made by the lab): tfjs's own path
    } else {
      const n = tf.util.sizeFromShape(data.shape);
      vals = bytesToValues(readBuffer(data.resource), data.dtype, n);
    }
    b.convertAndCacheOnCPU(dataId, vals);
    return vals;
  };
  b.readSync = readSync;
  // Self-check on a tensor computed on the device (bigger than one staging chunk).
  const n = STAGING_BYTES / 4 + 1000;
  try {
    const t = tf.tidy(() => tf.add(tf.range(0, n, 1, "float32"), 0.5));
    if (b.tensorMap.get(t.dataId)?.values != null) throw new Error("the check ran on the CPU");
    const got = t.dataSync();
    t.dispose();
    for (let i = 0; i < n; i++) {
      if (got[i] !== i + 0.5) throw new Error(`value ${i} read back as ${got[i]}, not ${i + 0.5}`);
    }
    return null;
  } catch (e) {
    b.readSync = original;
    return `synchronous reads failed their self-check: ${
      String((e as Error).message ?? e).slice(0, 160)
    }`;
  }
}
