/**
 * The single-run entry point behind `deno task run-one --preset P --run-id ID`: used by the
 * parallel workers of `reproduce` (one subprocess per run) and by Slurm array elements.
 *
 * - Picks the backend (before any tensor), plans the preset if the run's config.json is missing,
 *   and calls {@link executeRun}.
 * - SIGTERM / SIGINT (and, with `watchStdin`, the parent closing our stdin) make the run write a
 *   checkpoint after the current batch and exit with {@link EXIT.interrupted}.
 * - With `events`, progress goes to stdout as lines `@bnn {json}` for the parent.
 *
 * @module
 */
import { type BackendName, initBackend } from "../../backend/mod.ts";
import { executeRun, type RunEvent } from "./execute.ts";
import { getPreset, planPreset } from "../config/presets.ts";
import { RUN_ID_PATTERN } from "../config/config.ts";
import { join, materializeRuns, runDir } from "../store/store.ts";
import { installTelemetryHook } from "./telemetry_hook.ts";

/** Exit codes of run-one. */
export const EXIT = {
  /** Finished now or already finished before. */
  ok: 0,
  /** Unexpected error (the run stays resumable; no summary written). */
  error: 1,
  /** Bad arguments. */
  usage: 2,
  /** Another live process holds the run's lock. */
  busy: 3,
  /** The run failed (non-finite loss); summary.json says why. */
  failed: 4,
  /** Stopped on request after writing a checkpoint. */
  interrupted: 5,
} as const;

/** Prefix of event lines on stdout. */
export const EVENT_PREFIX = "@bnn ";

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  preset: string;
  runId: string;
  resultsDir: string;
  dataDir?: string;
  backend?: string;
  /** Seeds used to plan the preset when config.json is missing. Default 10. */
  seeds?: number;
  retryFailed?: boolean;
  checkpointSeconds?: number;
  /** Print `@bnn {json}` event lines on stdout. */
  events?: boolean;
  /** Stop (after a checkpoint) when stdin reaches EOF, i.e. the parent died. */
  watchStdin?: boolean;
}

/**
 * One line for an error: its message and the messages of its causes (`BNN_DEBUG=1` adds the
 * stack), so that the parent shows what went wrong rather than stack frames.
 */
export function errorLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (Deno.env.get("BNN_DEBUG")) return e.stack ?? e.message;
  let line = e.message.replace(/\s*\n\s*/g, " ");
  for (let c = e.cause, n = 0; c !== undefined && n < 5; n++) {
    const m = c instanceof Error ? c.message : String(c);
    if (!line.includes(m)) line += ` (cause: ${m})`;
    c = c instanceof Error ? c.cause : undefined;
  }
  return line;
}

/** Runs one run and returns the process exit code (see {@link EXIT}). */
export async function runWorker(options: WorkerOptions): Promise<number> {
  if (!RUN_ID_PATTERN.test(options.runId)) {
    console.error(
      `run-one: --run-id '${options.runId}' is not a run id (expected <model>-<12 hex digits>, ` +
        `e.g. vgg_small-010e119e2afe); list ids with: deno task reproduce --dry-run`,
    );
    return EXIT.usage;
  }
  try {
    getPreset(options.preset);
  } catch (e) {
    console.error(`run-one: --preset: ${(e as Error).message}`);
    return EXIT.usage;
  }
  installTelemetryHook();
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  if (options.watchStdin) watchStdin(() => (stop = true));
  const print = (e: RunEvent | { t: "backend"; name: string; reason: string }) => {
    if (options.events) console.log(EVENT_PREFIX + JSON.stringify(e));
  };
  try {
    const dir = runDir(options.resultsDir, options.preset, options.runId);
    try {
      Deno.statSync(join(dir, "config.json"));
    } catch {
      const runs = await planPreset(options.preset, { seeds: options.seeds ?? 10 });
      const run = runs.find((r) => r.runId === options.runId);
      if (!run) {
        console.error(
          `run-one: run id '${options.runId}' is not part of preset '${options.preset}' ` +
            `(with ${options.seeds ?? 10} seeds); list ids with: deno task reproduce --preset ` +
            `${options.preset} --dry-run`,
        );
        return EXIT.usage;
      }
      materializeRuns(options.resultsDir, options.preset, [run]);
    }
    const backend = await initBackend({
      backend: options.backend as BackendName | undefined,
      quiet: true,
    });
    print({ t: "backend", name: backend.name, reason: backend.reason });
    const out = await executeRun(options.runId, {
      resultsDir: options.resultsDir,
      preset: options.preset,
      dataDir: options.dataDir,
      retryFailed: options.retryFailed,
      checkpointSeconds: options.checkpointSeconds,
      shouldStop: () => stop,
      onEvent: print,
    });
    if (!options.events) {
      console.error(
        `run-one ${options.runId}: ${out.status}${out.reason ? ` (${out.reason})` : ""}`,
      );
    }
    switch (out.status) {
      case "done":
      case "skipped":
        return EXIT.ok;
      case "busy":
        return EXIT.busy;
      case "failed":
        return EXIT.failed;
      case "interrupted":
        return EXIT.interrupted;
    }
    return EXIT.error;
  } catch (e) {
    console.error(`run-one ${options.runId}: error: ${errorLine(e)}`);
    return EXIT.error;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

function watchStdin(onEof: () => void): void {
  (async () => {
    const buf = new Uint8Array(256);
    try {
      while ((await Deno.stdin.read(buf)) !== null) { /* parent alive */ }
    } catch { /* closed */ }
    onEof();
  })();
}
