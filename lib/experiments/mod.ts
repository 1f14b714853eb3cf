/**
 * Experiments: typed configs with content-hash run ids, ablation grids and presets, the run store
 * (atomic files, locks, checkpoints), the single-run executor and worker entry point, the parallel
 * grid runner behind `deno task reproduce`, result tables and telemetry hooks.
 *
 * @module
 */
export * from "./config.ts";
export * from "./grid.ts";
export * from "./presets.ts";
export * from "./store.ts";
export * from "./lock.ts";
export * from "./checkpoint.ts";
export * from "./data_setup.ts";
export * from "./execute.ts";
export * from "./hooks.ts";
export { EVENT_PREFIX, EXIT, runWorker, type WorkerOptions } from "./worker.ts";
export * from "./runner.ts";
export * from "./plan.ts";
export * from "./schedule.ts";
export * from "./summary.ts";
export * from "./progress.ts";
export * from "./estimate.ts";
export {
  prepareSlurm,
  runOnSlurm,
  type SlurmExecutorOptions,
  type SlurmFailure,
  type SlurmGrid,
  type SlurmOutcome,
} from "./slurm.ts";
export { reproduceOnSlurm, slurmGridFor, type SlurmReproduceOptions } from "./slurm_grid.ts";
