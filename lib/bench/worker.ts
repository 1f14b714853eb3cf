/**
 * Bench measurements in a child process: `deno run -A lib/cli/bench.ts <flags>` (its `--worker`
 * and `--deploy-worker` modes print one JSON line), for the sections that need a fresh process:
 * concurrent processes ("parallel"), another backend ("webgpu"), stock tfjs-wasm ("deploy").
 *
 * @module
 */

const CLI = new URL("../cli/bench.ts", import.meta.url).pathname;

/**
 * Runs the bench CLI with `flags` and `env` in a child process and resolves to its last stdout
 * line parsed as JSON; a failed child rejects with `label` and the end of its stderr.
 *
 * @example
 * ```ts
 * const r = await runBenchWorker<{ trainIps: number }>(["--worker", "--steps", "5"], {
 *   env: { BNN_THREADS: "1" },
 *   label: "1 thread",
 * });
 * ```
 */
export async function runBenchWorker<T>(
  flags: string[],
  options: { env: Record<string, string>; label: string },
): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...flags],
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).slice(-400);
    throw new Error(`bench worker (${options.label}) failed: ${err}`);
  }
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  return JSON.parse(text) as T;
}
