/**
 * The machine a result was produced on, for result headers and bench reports.
 *
 * @module
 */

/** Where a run or a bench ran. */
export interface HostInfo {
  /** CPU model name from /proc/cpuinfo, or "unknown CPU" (not Linux). */
  cpu: string;
  /** Logical cores (`navigator.hardwareConcurrency`). */
  cores: number;
  host: string;
}

/** The CPU model name (from /proc/cpuinfo), core count and host name. */
export function machineInfo(): HostInfo {
  let cpu = "unknown CPU";
  try {
    const m = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"));
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  return { cpu, cores: navigator.hardwareConcurrency ?? 1, host: Deno.hostname() };
}
