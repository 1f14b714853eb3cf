/**
 * Writing the end of a run: the final metrics.jsonl and summary.json (status done or failed, with
 * the reason, final and best accuracies, time, backends and machine).
 *
 * @module
 */
import type { TrainState } from "./checkpoint.ts";
import {
  join,
  machineInfo,
  type RunRecord,
  type RunSummary,
  writeMetrics,
} from "../store/store.ts";
import { writeJsonAtomicSync } from "../../util/atomic.ts";

/** How a run ended, for {@link writeSummary}. */
export interface RunEnd {
  status: "done" | "failed";
  reason?: string;
  params: number;
  backend: string;
  resumedFrom: number;
}

/** Writes metrics.jsonl and summary.json of a finished run into `dir`; returns the summary. */
export function writeSummary(
  record: RunRecord,
  dir: string,
  options: { state: TrainState; end: RunEnd },
): RunSummary {
  const { state, end } = options;
  const last = state.metrics.at(-1);
  const m = machineInfo();
  const summary: RunSummary = {
    runId: record.runId,
    configKey: record.configKey,
    status: end.status,
    ...(end.reason ? { reason: end.reason } : {}),
    epochs: state.metrics.length,
    epochsPlanned: record.config.epochs,
    finalTestAcc: last?.testAcc ?? null,
    finalTrainAcc: last?.trainAcc ?? null,
    bestTestAcc: state.metrics.length ? Math.max(...state.metrics.map((x) => x.testAcc)) : null,
    trainSeconds: state.trainSeconds,
    backend: end.backend,
    backends: state.backends,
    host: m.host,
    cpu: m.cpu,
    cores: m.cores,
    params: end.params,
    resumedFrom: end.resumedFrom,
    resumes: state.resumes,
    finishedAt: new Date().toISOString(),
  };
  writeMetrics(dir, state.metrics);
  writeJsonAtomicSync(join(dir, "summary.json"), summary, { mkdir: true });
  return summary;
}
