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

/** Options of {@link runNotebooks}. */
export interface RunNotebooksOptions {
  /** Extra environment of the executor and its kernels (e.g. `BNN_PRESET`). */
  env?: Record<string, string>;
  /** Capture stdout+stderr into the result instead of printing them. */
  capture?: boolean;
}

/** Runs the notebook executor with `args`; resolves to its exit code (and output if captured). */
export async function runNotebooks(
  args: string[],
  options: RunNotebooksOptions = {},
): Promise<{ code: number; output: string }> {
  const tool = new URL("../../tools/run_notebooks.py", import.meta.url).pathname;
  const io = options.capture ? "piped" : "inherit";
  const cmd = new Deno.Command(jupyterPython(), {
    args: [tool, "--deno", Deno.execPath(), ...args],
    env: { NO_COLOR: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1", ...options.env },
    stdout: io,
    stderr: io,
  });
  let out: Deno.CommandOutput;
  try {
    out = await cmd.output();
  } catch (e) {
    throw new Error(
      `notebooks: cannot run ${jupyterPython()} (install Debian python3-nbclient): ${e}`,
    );
  }
  const dec = new TextDecoder();
  const output = options.capture ? dec.decode(out.stdout) + dec.decode(out.stderr) : "";
  return { code: out.code, output };
}

/**
 * `deno task` runs in the project root; relative paths the user typed are meant relative to where
 * they were (`INIT_CWD`). Rewrites arguments that name an existing file or folder there.
 */
export function resolveUserPaths(args: string[], initCwd = Deno.env.get("INIT_CWD")): string[] {
  if (!initCwd) return args;
  return args.map((a) => {
    if (a.startsWith("-") || a.startsWith("/")) return a;
    try {
      Deno.statSync(`${initCwd}/${a}`);
      return `${initCwd}/${a}`;
    } catch {
      return a;
    }
  });
}

if (import.meta.main) {
  Deno.exit((await runNotebooks(resolveUserPaths(Deno.args))).code);
}
