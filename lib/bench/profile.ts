/**
 * Per-kernel wall time of a synchronous backend (wasm, cpu): wraps every kernel function of the
 * backend with a timer, counting only top-level kernel calls (kernels that call other kernels
 * are charged once).
 *
 * @module
 */
import { tf } from "../tf.ts";

/** Total milliseconds and call count per kernel name. */
export type KernelProfile = Record<string, { ms: number; calls: number }>;

/**
 * Runs `fn` with every kernel of `backendName` timed and returns the profile, sorted by time.
 * The original kernel functions are restored afterwards.
 */
export function profileKernels(backendName: string, fn: () => void): KernelProfile {
  const configs = tf.getKernelsForBackend(backendName);
  const prof: KernelProfile = {};
  let depth = 0;
  const originals: tf.KernelConfig[] = [];
  for (const c of configs) {
    originals.push(c);
    const inner = c.kernelFunc;
    const wrapped: tf.KernelFunc = (args) => {
      if (depth > 0) return inner(args);
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        const e = (prof[c.kernelName] ??= { ms: 0, calls: 0 });
        e.ms += performance.now() - t0;
        e.calls++;
      }
    };
    tf.unregisterKernel(c.kernelName, backendName);
    tf.registerKernel({ ...c, kernelFunc: wrapped, setupFunc: undefined });
  }
  try {
    fn();
  } finally {
    for (const c of originals) {
      tf.unregisterKernel(c.kernelName, backendName);
      tf.registerKernel({ ...c, setupFunc: undefined });
    }
  }
  return Object.fromEntries(Object.entries(prof).sort((a, b) => b[1].ms - a[1].ms));
}
