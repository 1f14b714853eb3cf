/**
 * Command-line argument parsing, kept behind one module so that moving to `jsr:@std/cli`
 * (unreachable from these machines) is a one-file change. Uses `node:util`'s `parseArgs`.
 *
 * @module
 */
import { parseArgs as nodeParseArgs } from "node:util";

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

/**
 * Parses `argv` against `spec`. An unknown flag or a missing value throws one error naming the
 * flag and listing the accepted ones.
 */
export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, s] of Object.entries(spec)) {
    options[name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
  }
  let parsed;
  try {
    parsed = nodeParseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const accepted = Object.keys(spec).map((k) => `--${k}`).join(", ");
    throw new Error(`${(e as Error).message}. Accepted flags: ${accepted}`);
  }
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, s] of Object.entries(spec)) {
    const v = (parsed.values as Record<string, string | boolean | undefined>)[name];
    flags[name] = v ?? s.default;
  }
  return { flags, positionals: parsed.positionals };
}

/** A usage text listing every flag of `spec`. */
export function usage(command: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([name, s]) => {
    const flag = `--${name}${s.type === "string" ? " VALUE" : ""}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : "";
    return `  ${flag.padEnd(26)} ${s.description ?? ""}${def}`;
  });
  return `usage: ${command} [flags]\n${lines.join("\n")}`;
}
