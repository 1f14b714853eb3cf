/**
 * The paper's published CIFAR-10 headline numbers (arXiv 1812.11800; see
 * `../shared/notes/paper.md`, sections 1 and 4.1), in percent like every accuracy in our tables,
 * and the comparison of our BNN+ default rows against them.
 *
 * @module
 */
import { meanStd } from "./aggregate.ts";
import type { StoredRun } from "../experiments/store/store.ts";

/** One published number. */
export interface PaperNumber {
  /** Which version of the paper states it. */
  version: string;
  /** Our model name of the same network. */
  model: "alexnet" | "vgg_small" | "dorefa";
  network: string;
  /** Top-1 test accuracy, percent. */
  top1: number;
  /** Caveat ("" when none). */
  note: string;
}

/** BNN+ CIFAR-10 top-1 test accuracies (%) as published (abstracts / v1 PDF text). */
export const PAPER_NUMBERS: readonly PaperNumber[] = [
  {
    version: "v1 (arXiv 1812.11800v1, PDF text)",
    model: "alexnet",
    network: "AlexNet",
    top1: 86.5,
    note: "the v1 arXiv listing says 86.7",
  },
  { version: "v1 (arXiv 1812.11800v1)", model: "vgg_small", network: "VGG", top1: 91.3, note: "" },
  {
    version: "v2 (arXiv 1812.11800v2)",
    model: "alexnet",
    network: "AlexNet",
    top1: 87.4,
    note: "",
  },
  {
    version: "v2 (arXiv 1812.11800v2)",
    model: "dorefa",
    network: "DoReFa-Net",
    top1: 83.9,
    note: "",
  },
];

/** One comparison row: a published number next to our BNN+ default on the same network (%). */
export interface PaperComparisonRow {
  version: string;
  network: string;
  /** Published top-1, percent. */
  paper: number;
  /** Our mean final test accuracy over seeds, percent; null when not run. */
  ours: number | null;
  oursStd: number | null;
  seeds: number;
  /** ours − paper, percentage points. */
  gap: number | null;
  note: string;
}

/** Compares each published number with our mean final test accuracy of the BNN+ default row. */
export function paperComparison(runs: StoredRun[]): PaperComparisonRow[] {
  return PAPER_NUMBERS.map((p) => {
    const mine = runs.filter((r) =>
      r.record.labels.some((l) => l.endsWith("BNN+ (default)")) &&
      (r.record.config.model ?? "vgg_small") === p.model &&
      r.summary?.status === "done" && r.summary.finalTestAcc !== null
    );
    const { mean, std } = meanStd(mine.map((r) => 100 * (r.summary!.finalTestAcc as number)));
    return {
      version: p.version,
      network: p.network,
      paper: p.top1,
      ours: mean,
      oursStd: std,
      seeds: mine.length,
      gap: mean === null ? null : mean - p.top1,
      note: p.note || (mean === null ? "not run in this preset" : ""),
    };
  });
}
