/**
 * The PyTorch CPU peer (`tools/bench/torch_bench.py`), run with Debian's `/usr/bin/python3`.
 *
 * @module
 */

/** Per-net speeds reported by the torch script. */
export interface TorchResult {
  torch: string;
  threads: number;
  nets: Record<string, { train_ips: number; infer_ips: number }>;
}

const PYTHON = "/usr/bin/python3";

/**
 * glibc malloc settings of the peer process: keep freed memory instead of returning it to the
 * kernel (no mmap for blocks below 32 MiB, no trimming), as tfjs-wasm's heap keeps its memory.
 * With glibc's defaults the peer gives back and re-faults its activation buffers every step, and
 * this VM's page faults are slow (first touch of fresh memory ≈ 260 MB/s): its 2-thread bench-vgg
 * training then ran at 220–760 img/s from step to step, 700–840 in most steps with these
 * (docs/benchmarks.md, 2026-12-06). The peer is measured at its better setting.
 */
export const PEER_MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(16 * 1024 ** 3),
  MALLOC_TOP_PAD_: String(256 * 1024 * 1024),
});
const SCRIPT = new URL("../../tools/bench/torch_bench.py", import.meta.url).pathname;

/** True when `/usr/bin/python3 -c "import torch"` succeeds. */
export async function torchAvailable(): Promise<boolean> {
  try {
    const r = await new Deno.Command(PYTHON, { args: ["-c", "import torch"], stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

/** Runs the torch script and parses its JSON line; throws with its stderr on failure. */
export async function runTorch(
  options: {
    threads: number;
    batch: number;
    steps: number;
    warmup: number;
    width: number;
    /** Comma list of net names (default both). */
    nets?: string;
  },
): Promise<TorchResult> {
  const args = [SCRIPT];
  for (const [k, v] of Object.entries(options)) if (v !== undefined) args.push(`--${k}`, String(v));
  const r = await new Deno.Command(PYTHON, { args, env: { ...PEER_MALLOC_ENV } }).output();
  const out = new TextDecoder().decode(r.stdout).trim().split("\n").pop() ?? "";
  if (!r.success) {
    throw new Error(`torch peer failed: ${new TextDecoder().decode(r.stderr).slice(-500)}`);
  }
  return JSON.parse(out) as TorchResult;
}
