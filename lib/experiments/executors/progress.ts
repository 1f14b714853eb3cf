/**
 * Progress display of `reproduce`: one bar per worker and one overall line with an ETA, redrawn
 * in place on a terminal (stderr), or plain log lines (epoch ends, run ends, and the overall line
 * every 30 s) when stderr is not a TTY.
 *
 * @module
 */
import { formatDuration } from "../../util/format.ts";
import type { RunEvent } from "../run/execute.ts";

/** What a worker slot is doing. */
export interface SlotState {
  runId: string;
  label: string;
  epoch: number;
  epochs: number;
  batch: number;
  steps: number;
  loss?: number;
  acc?: number;
  testAcc?: number;
  /** Steps done before this session (resume); not part of this session's work. */
  startStep: number;
  /** Steps of this session already counted into {@link Progress.doneSteps}. */
  counted: number;
}

/** A text bar of `width` cells for a fraction in [0, 1]. */
export function bar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return "#".repeat(full) + ".".repeat(width - full);
}

/** Tracks worker slots and total work, and renders them. */
export class Progress {
  readonly slots: (SlotState | null)[];
  /** Steps of work in the whole plan still to do at start. */
  totalSteps = 0;
  /** Steps completed since start. */
  doneSteps = 0;
  runsTotal = 0;
  runsDone = 0;
  runsFailed = 0;
  private readonly start = performance.now();
  /** Whether bars are redrawn in place. */
  readonly tty: boolean;
  private drawn = 0;
  private lastPlain = 0;
  private readonly write: (s: string) => void;

  /** `workers` slots; output to stderr (or `write`), in-place only when `tty`. */
  constructor(workers: number, options: { tty?: boolean; write?: (s: string) => void } = {}) {
    this.slots = Array.from({ length: workers }, () => null);
    this.tty = options.tty ?? Deno.stderr.isTerminal();
    const enc = new TextEncoder();
    this.write = options.write ?? ((s) => Deno.stderr.writeSync(enc.encode(s)));
  }

  /** The overall line: runs done, failures, elapsed, ETA. */
  overall(): string {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = this.doneSteps / Math.max(1e-9, elapsed);
    const left = Math.max(0, this.totalSteps - this.doneSteps);
    const eta = this.doneSteps > 0 ? formatDuration(left / rate) : "?";
    const frac = this.totalSteps > 0 ? this.doneSteps / this.totalSteps : 0;
    return `overall [${bar(frac)}] ${this.runsDone}/${this.runsTotal} runs` +
      (this.runsFailed ? `, ${this.runsFailed} failed` : "") +
      `, elapsed ${formatDuration(elapsed)}, ETA ${eta}`;
  }

  /** One slot's line. */
  slotLine(i: number): string {
    const s = this.slots[i];
    if (!s) return `[w${i + 1}] idle`;
    const frac = s.epochs > 0 ? (s.epoch + (s.steps ? s.batch / s.steps : 0)) / s.epochs : 0;
    const m = [
      s.loss !== undefined ? `loss ${s.loss.toFixed(3)}` : "",
      s.acc !== undefined ? `acc ${(100 * s.acc).toFixed(1)}%` : "",
      s.testAcc !== undefined ? `test ${(100 * s.testAcc).toFixed(1)}%` : "",
    ].filter(Boolean).join(" ");
    return `[w${i + 1}] ${s.runId} ${s.label.slice(0, 28).padEnd(28)} ep ${
      Math.min(s.epoch + 1, s.epochs)
    }/${s.epochs} [${bar(frac, 16)}] ${m}`;
  }

  /** Redraws (TTY) or prints the overall line at most every 30 s (plain). */
  render(force = false): void {
    if (this.tty) {
      const lines = [...this.slots.map((_, i) => this.slotLine(i)), this.overall()];
      let cols = 120;
      try {
        cols = Deno.consoleSize().columns || 120; // 0 under some pseudo-terminals
      } catch { /* not a terminal (tests) */ }
      const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
      this.write(up + lines.map((l) => `\r\x1b[2K${l.slice(0, cols - 1)}\n`).join(""));
      this.drawn = lines.length;
    } else if (force || performance.now() - this.lastPlain > 30_000) {
      this.lastPlain = performance.now();
      this.write(this.overall() + "\n");
    }
  }

  /** Updates slot `i` from a worker's event (and the overall step counts). */
  applyEvent(i: number, e: RunEvent): void {
    const s = this.slots[i];
    if (!s) return;
    if (e.t === "start") {
      s.epoch = e.epoch;
      s.batch = e.batch;
      s.steps = e.steps;
      s.startStep = e.epoch * e.steps + e.batch;
      this.totalSteps -= s.startStep; // work done before a resume is not left to do
    } else if (e.t === "step") {
      s.epoch = e.epoch;
      s.batch = e.batch;
      s.loss = e.loss;
      s.acc = e.acc;
    } else if (e.t === "epoch") {
      const m = e.metrics;
      s.epoch = m.epoch;
      s.batch = 0;
      s.testAcc = m.testAcc;
      if (!this.tty) {
        this.log(
          `[w${i + 1}] ${s.runId} ${s.label}: epoch ${m.epoch}/${s.epochs} loss ${
            m.loss.toFixed(4)
          } ` +
            `train ${(100 * m.trainAcc).toFixed(1)}% test ${(100 * m.testAcc).toFixed(1)}% ` +
            `(${m.imagesPerSec.toFixed(0)} img/s)`,
        );
      }
    }
    const now = s.epoch * (s.steps || 1) + s.batch - s.startStep;
    if (now > s.counted) {
      this.doneSteps += now - s.counted;
      s.counted = now;
    }
  }

  /** Prints a log line above the bars (TTY) or as a plain line. */
  log(line: string): void {
    if (this.tty && this.drawn > 0) {
      this.write(`\x1b[${this.drawn}A\r\x1b[J`);
      this.drawn = 0;
      this.write(line + "\n");
      this.render(true);
    } else {
      this.write(line + "\n");
    }
  }
}
