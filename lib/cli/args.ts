/**
 * Command-line argument parsing for every `deno task` of the project, in one module: `--name
 * value`, `--name=value`, boolean `--name`, one-letter aliases (`-h`), `--` ending the flags.
 * Errors are {@link ArgsError}s in the project's words: an unknown flag names the closest
 * accepted one, a flag missing its value says so, and positional arguments are rejected unless a
 * command asks for them (so `reproduce smoke` does not silently run the default preset).
 *
 * @module
 */

/** Declares one flag: its type, an optional one-letter alias and default. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  default?: string | boolean;
  /** Shown by {@link usage}. */
  description?: string;
}

/** Parsed flags plus positional arguments. */
export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Options of {@link parseArgs}. */
export interface ParseOptions {
  /** Accept positional arguments (default false: one is an error). */
  allowPositionals?: boolean;
}

/** A bad command line: unknown flag, missing value, unexpected argument. */
export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArgsError";
  }
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two strings. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The accepted name closest to `name` (a prefix of it, or within edit distance ≈ a third of its
 * length), or null when none is close.
 */
export function closest(name: string, accepted: string[]): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const a of accepted) {
    const d = a.startsWith(name) || name.startsWith(a) ? 0.5 : editDistance(name, a);
    if (d < bestD) [best, bestD] = [a, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function accepted(spec: Record<string, FlagSpec>): string {
  return Object.keys(spec).map((k) => `--${k}`).join(", ");
}

/**
 * Parses `argv` against `spec`. An unknown flag, a flag missing its value, a value given to a
 * boolean flag or (unless allowed) a positional argument throws one {@link ArgsError} naming it,
 * with the closest accepted flag where there is one.
 *
 * @example
 * ```ts
 * const { flags } = parseArgs(["--preset", "smoke"], { preset: { type: "string" } });
 * ```
 */
export function parseArgs(
  argv: string[],
  spec: Record<string, FlagSpec>,
  options: ParseOptions = {},
): ParsedArgs {
  const names = Object.keys(spec);
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) shorts.set(s.short, name);
  const values: Record<string, string | boolean> = Object.create(null);
  const positionals: string[] = [];
  const unknown = (flag: string): never => {
    const near = closest(flag.replace(/^-+/, "").split("=")[0], names);
    throw new ArgsError(
      `unknown flag ${flag}${near ? `; did you mean --${near}?` : ""} ` +
        `(accepted flags: ${accepted(spec)})`,
    );
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string, inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!Object.hasOwn(spec, name)) unknown(arg);
    } else if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) {
      const short = shorts.get(arg.slice(1));
      if (short === undefined) unknown(arg);
      name = short!;
    } else {
      positionals.push(arg);
      continue;
    }
    if (spec[name].type === "boolean") {
      if (inline !== undefined) throw new ArgsError(`--${name} takes no value (got '${inline}')`);
      values[name] = true;
      continue;
    }
    if (inline !== undefined) {
      values[name] = inline;
      continue;
    }
    const next = argv[i + 1];
    // A value may start with "-" only when it is a number (`--workers -1` reaches the checks).
    if (next === undefined || (next.startsWith("-") && !/^-\d/.test(next))) {
      throw new ArgsError(
        `--${name} needs a value${spec[name].description ? ` (${spec[name].description})` : ""}`,
      );
    }
    values[name] = next;
    i++;
  }
  if (positionals.length > 0 && !options.allowPositionals) {
    const p = positionals[0];
    const hint = Object.entries(spec).find(([, s]) =>
      s.type === "string" && s.description !== undefined &&
      new RegExp(`\\b${p.replace(/[^\w]/g, "\\$&")}\\b`).test(s.description)
    );
    throw new ArgsError(
      `unexpected argument '${p}'${hint ? `; did you mean --${hint[0]} ${p}?` : ""} ` +
        `(this command takes flags only: ${accepted(spec)})`,
    );
  }
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, s] of Object.entries(spec)) flags[name] = values[name] ?? s.default;
  return { flags, positionals };
}

/**
 * {@link parseArgs} for a command's entry point: a bad command line prints `command: message`
 * and a pointer to `--help` on stderr and exits with code 2 (no stack trace).
 */
export function parseArgsOrExit(
  argv: string[],
  spec: Record<string, FlagSpec>,
  command: string,
  options: ParseOptions = {},
): ParsedArgs {
  try {
    return parseArgs(argv, spec, options);
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    console.error(`${command}: ${e.message}\n(deno task ${command} --help lists the flags)`);
    Deno.exit(2);
  }
}

/** A usage text listing every flag of `spec`. */
export function usage(command: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([name, s]) => {
    const short = s.short ? `-${s.short}, ` : "";
    const flag = `${short}--${name}${s.type === "string" ? " VALUE" : ""}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : "";
    return `  ${flag.padEnd(26)} ${s.description ?? ""}${def}`;
  });
  return `usage: ${command} [flags]\n${lines.join("\n")}`;
}

/**
 * A flag value that must be one of `allowed` (or absent); anything else throws an
 * {@link ArgsError} listing them, e.g. `--backend bogus` before any worker starts.
 */
export function oneOfFlag<T extends string>(
  name: string,
  v: unknown,
  allowed: readonly T[],
): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly unknown[]).includes(v)) {
    const near = typeof v === "string" ? closest(v, [...allowed]) : null;
    throw new ArgsError(
      `--${name}: unknown value '${v}'${near ? ` (did you mean '${near}'?)` : ""}; ` +
        `expected one of ${allowed.join(", ")}`,
    );
  }
  return v as T;
}

/** A positive integer flag value (or undefined when absent); a bad one throws an {@link ArgsError}. */
export function positiveIntFlag(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "string" && /^\s*$/.test(v) ? NaN : Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new ArgsError(`--${name}: expected a positive integer, got '${v}'`);
  }
  return n;
}
