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
  const r = await new Deno.Command(PYTHON, { args }).output();
  const out = new TextDecoder().decode(r.stdout).trim().split("\n").pop() ?? "";
  if (!r.success) {
    throw new Error(`torch peer failed: ${new TextDecoder().decode(r.stderr).slice(-500)}`);
  }
  return JSON.parse(out) as TorchResult;
}
