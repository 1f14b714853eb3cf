/**
 * Where datasets are looked for, in order: an explicit `dataDir` (`--data-dir`), the env var
 * `BNN_DATA_DIR`, the project's `data/<name>/`, `../shared/data/` next to the project, then known
 * system locations. Each root `R` is tried as `R` itself and as `R/<name>/` (and other usual
 * directory names such as `R/cifar-10-batches-bin/`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { DatasetSpec, Split } from "./specs.ts";

/** The project root (two levels above this module), independent of the working directory. */
export const PROJECT_ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(
  /\/$/,
  "",
);

/** The project's data directory, `<project>/data`. */
export const PROJECT_DATA_DIR: string = `${PROJECT_ROOT}/data`;

/** One place looked at, and why it was looked at. */
export interface Candidate {
  dir: string;
  origin: string;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function expand(root: string, spec: DatasetSpec, origin: string): Candidate[] {
  return [root, ...spec.dirNames.map((d) => `${root}/${d}`)].map((dir) => ({ dir, origin }));
}

/**
 * The ordered candidate directories for `spec`. With `dataDir` set, only that root is searched
 * (an explicit location is never silently replaced by another one).
 */
export function candidateDirs(spec: DatasetSpec, dataDir?: string): Candidate[] {
  if (dataDir) return expand(dataDir, spec, "dataDir option / --data-dir");
  const out: Candidate[] = [];
  const fromEnv = env("BNN_DATA_DIR");
  if (fromEnv) out.push(...expand(fromEnv, spec, "env BNN_DATA_DIR"));
  out.push(...expand(PROJECT_DATA_DIR, spec, "project").slice(1));
  const shared = `${PROJECT_ROOT.replace(/\/[^/]*$/, "")}/shared/data`;
  out.push(...spec.dirNames.map((d) => ({ dir: `${shared}/${d}`, origin: "shared" })));
  out.push(...spec.systemDirs.map((dir) => ({ dir, origin: "system" })));
  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.dir) && seen.add(c.dir));
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The files of `split` in `dir` (IDX files plain or `.gz`), or the list of missing names when
 * some are absent.
 */
export function splitFiles(
  dir: string,
  spec: DatasetSpec,
  split: Split,
): { files: string[] } | { missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const f of spec.files[split]) {
    const path = `${dir}/${f}`;
    if (exists(path)) files.push(path);
    else if (spec.format === "idx" && exists(`${path}.gz`)) files.push(`${path}.gz`);
    else missing.push(spec.format === "idx" ? `${f}[.gz]` : f);
  }
  return missing.length ? { missing } : { files };
}

/** The first candidate holding every file of `split`, or null. */
export function locate(
  spec: DatasetSpec,
  split: Split,
  dataDir?: string,
): { dir: string; files: string[] } | null {
  for (const c of candidateDirs(spec, dataDir)) {
    const r = splitFiles(c.dir, spec, split);
    if ("files" in r) return { dir: c.dir, files: r.files };
  }
  return null;
}

/** The "not found" message: every place looked at and how to point at a local copy. */
export function notFoundMessage(
  spec: DatasetSpec,
  split: Split,
  dataDir: string | undefined,
  downloadError: string,
): string {
  const lines = candidateDirs(spec, dataDir).map((c) => {
    const r = splitFiles(c.dir, spec, split);
    const why = "missing" in r && r.missing.length < spec.files[split].length
      ? `incomplete, missing ${r.missing.join(", ")}`
      : "not there";
    return `  - ${c.dir} (${c.origin}): ${why}`;
  });
  if (!dataDir && !env("BNN_DATA_DIR")) lines.splice(0, 0, "  - env BNN_DATA_DIR: not set");
  const names = spec.files[split].join(", ");
  return [
    `${spec.name} (${split} split) not found. Looked in:`,
    ...lines,
    `Download: ${downloadError}`,
    `To use a local copy, pass --data-dir DIR (option dataDir) or set BNN_DATA_DIR=DIR, where DIR ` +
    `or DIR/${spec.dirNames[0]}/ holds ${names}; or put them in ${PROJECT_DATA_DIR}/` +
    `${spec.dirNames[0]}/.`,
  ].join("\n");
}
