/**
 * A small registry of benchmark sections run by `deno task bench`.
 *
 * To add a section (e.g. data-iterator time per batch, packed-inference speed), write a module
 * under `lib/bench/` that calls {@link registerBenchSection} at top level, and add one import
 * line for it to `lib/bench/sections.ts`:
 *
 * ```ts
 * import { registerBenchSection } from "./registry.ts";
 * registerBenchSection({
 *   name: "data",
 *   description: "CIFAR-10 batch iterator, ms per batch of 64",
 *   async run(ctx) {
 *     const ms = 1.23; // measure here; honour ctx.quick (fewer repetitions)
 *     return { rows: [{ what: "batches(augment)", ms_per_batch: ms }], notes: ["…"] };
 *   },
 * });
 * ```
 *
 * Each section returns table rows (one Markdown table per section; keys are the columns), optional
 * notes and optional raw data; all of it lands in `results/bench/` (JSON + Markdown). A section
 * that throws is reported as failed and the others still run. Sections run in registration order.
 *
 * @module
 */

/** What a section gets to work with. */
export interface BenchContext {
  /** `--quick`: fewer steps, for smoke runs (target: well under a minute in total). */
  quick: boolean;
  /** Backends to measure (already filtered to those that start), e.g. ["wasm"]. */
  backends: string[];
  /** Progress output (stderr); results go in the returned rows. */
  log(message: string): void;
  /** Results of sections that ran before this one, by name (e.g. to compute ratios). */
  previous: Record<string, BenchSectionResult>;
}

/** One row of a section's table. */
export type BenchRow = Record<string, string | number | null>;

/** What a section returns. */
export interface BenchSectionResult {
  rows: BenchRow[];
  notes?: string[];
  data?: unknown;
}

/** A benchmark section. */
export interface BenchSection {
  /** Short unique id (also the JSON key). */
  name: string;
  /** One-line description, printed above its table. */
  description: string;
  /** Runs the measurement. */
  run(ctx: BenchContext): Promise<BenchSectionResult>;
  /** Slow or special-purpose: runs only when named in `--only` (e.g. "imagenet_loader"). */
  optIn?: boolean;
}

const sections: BenchSection[] = [];

/** Adds a section (its name must be unique). */
export function registerBenchSection(section: BenchSection): void {
  if (sections.some((s) => s.name === section.name)) {
    throw new Error(`registerBenchSection: a section named "${section.name}" already exists`);
  }
  sections.push(section);
}

/** The registered sections, in registration order. */
export function benchSections(): readonly BenchSection[] {
  return sections;
}
