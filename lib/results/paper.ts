/**
 * The paper's published CIFAR-10 headline numbers (arXiv 1812.11800; see
 * `../shared/notes/paper.md`, section 1) and the comparison of our BNN+ default rows against them.
 *
 * @module
 */
import { meanStd } from "./aggregate.ts";
import type { RunView } from "./runs.ts";

/** One published number. */
export interface PaperNumber {
  version: string;
  model: "alexnet" | "vgg_small" | "dorefa";
  network: string;
  accuracy: number;
  note?: string;
}

/** BNN+ CIFAR-10 top-1 test accuracies as published (abstracts / v1 PDF text). */
export const PAPER_NUMBERS: readonly PaperNumber[] = [
  {
    version: "v1 (Dec 2018)",
    model: "alexnet",
    network: "AlexNet",
    accuracy: 0.865,
    note: "PDF text; the arXiv listing says 86.7 %",
  },
  { version: "v1 (Dec 2018)", model: "vgg_small", network: "VGG", accuracy: 0.913 },
  { version: "v2 (Jan 2019)", model: "alexnet", network: "AlexNet", accuracy: 0.874 },
  { version: "v2 (Jan 2019)", model: "dorefa", network: "DoReFa-Net", accuracy: 0.839 },
];

/** One comparison row: a published number next to our BNN+ default on the same network. */
export interface PaperComparisonRow {
  version: string;
  network: string;
  paper: number;
  ours: number | null;
  oursStd: number | null;
  seeds: number;
  gap: number | null;
  note: string;
}

/** Compares each published number with our mean final test accuracy of the BNN+ default row. */
export function paperComparison(runs: RunView[]): PaperComparisonRow[] {
  return PAPER_NUMBERS.map((p) => {
    const mine = runs.filter((r) =>
      r.record.labels.some((l) => l.endsWith("BNN+ (default)")) &&
      (r.record.config.model ?? "vgg_small") === p.model &&
      r.summary?.status === "done" && r.summary.finalTestAcc !== null
    );
    const { mean, std } = meanStd(mine.map((r) => r.summary!.finalTestAcc as number));
    const ok = mine.length > 0;
    return {
      version: p.version,
      network: p.network,
      paper: p.accuracy,
      ours: ok ? mean : null,
      oursStd: ok ? std : null,
      seeds: mine.length,
      gap: ok ? mean - p.accuracy : null,
      note: p.note ?? (ok ? "" : "not run in this preset"),
    };
  });
}
