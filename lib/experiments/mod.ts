/**
 * Experiments: typed configs with content-hash run ids, ablation grids and presets, the run store
 * (atomic files, locks, checkpoints), the single-run executor and worker entry point, the parallel
 * grid runner behind `deno task reproduce`, result tables and telemetry hooks.
 *
 * @module
 */
export * from "./config/config.ts";
export * from "./config/grid.ts";
export * from "./config/presets.ts";
export * from "./store/store.ts";
export * from "./store/lock.ts";
export * from "./run/checkpoint.ts";
export * from "./run/data_setup.ts";
export * from "./run/execute.ts";
export * from "./run/hooks.ts";
export { EVENT_PREFIX, EXIT, runWorker, type WorkerOptions } from "./run/worker.ts";
export * from "./executors/runner.ts";
export * from "./store/plan.ts";
export * from "./run/schedule.ts";
export * from "./run/summary.ts";
export * from "./executors/progress.ts";
export * from "./run/estimate.ts";
export {
  prepareSlurm,
  reproduceOnSlurm,
  runOnSlurm,
  type SlurmExecutorOptions,
  type SlurmFailure,
  type SlurmGrid,
  slurmGridFor,
  type SlurmOutcome,
  type SlurmReproduceOptions,
} from "./executors/slurm.ts";
