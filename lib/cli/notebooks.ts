/**
 * `deno task notebooks [--write] [--out DIR] [NOTEBOOK ...]`: executes the notebooks headless through
 * the Jupyter protocol (`tools/run_notebooks.py`, Debian's /usr/bin/python3 with nbclient), with the
 * running deno as the kernel, so it works even when deno came from `npx -y deno@2.9.6`.
 * All arguments are passed to the executor (`--help` lists them).
 *
 * @module
 */

/** Python with Debian's Jupyter modules (`$BNN_PYTHON` overrides). */
export function jupyterPython(): string {
  return Deno.env.get("BNN_PYTHON") ?? "/usr/bin/python3";
}

/** Runs the notebook executor with `args`; resolves to its exit code. */
export async function runNotebooks(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<number> {
  const tool = new URL("../../tools/run_notebooks.py", import.meta.url).pathname;
  const cmd = new Deno.Command(jupyterPython(), {
    args: [tool, "--deno", Deno.execPath(), ...args],
    env: { NO_COLOR: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1", ...options.env },
    cwd: options.cwd,
    stdout: "inherit",
    stderr: "inherit",
  });
  try {
    return (await cmd.output()).code;
  } catch (e) {
    throw new Error(
      `notebooks: cannot run ${jupyterPython()} (install Debian python3-nbclient): ${e}`,
    );
  }
}

if (import.meta.main) {
  Deno.exit(await runNotebooks(Deno.args));
}
