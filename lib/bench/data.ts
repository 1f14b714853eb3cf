/**
 * Bench section "data": the CIFAR-10 batch iterator's time per batch of 64 with augmentation
 * (pad 4 + random crop + flip) and normalisation, against one bench-vgg training step on the
 * fastest backend measured by the "training" section of the same run (issue 4: < 5 %).
 *
 * @module
 */
import { type Dataset, loadDataset, syntheticDataset } from "../data/mod.ts";
import { benchIterator } from "../data/bench.ts";
import { registerBenchSection } from "./registry.ts";

/** ms of one bench-vgg training step (batch 64) from the "training" section's rows, or null. */
export function stepMsFrom(
  previous: Record<string, { rows: Record<string, string | number | null>[] }>,
): { ms: number; engine: string } | null {
  const rows = previous.training?.rows ?? [];
  let best: { ms: number; engine: string } | null = null;
  for (const r of rows) {
    const engine = String(r.engine ?? "");
    if (r.net !== "bench-vgg" || !engine.startsWith("tfjs-")) continue;
    const ips = Number(r.train_img_s);
    if (!(ips > 0)) continue;
    const ms = (Number(r.batch ?? 64) / ips) * 1000;
    if (!best || ms < best.ms) best = { ms, engine };
  }
  return best;
}

registerBenchSection({
  name: "data",
  description: "CIFAR-10 iterator: ms per batch of 64 (augment + normalise) vs a training step",
  async run(ctx) {
    let ds: Dataset;
    const notes: string[] = [];
    try {
      ds = await loadDataset("cifar10", { split: "train", download: false, quiet: true });
    } catch {
      ds = syntheticDataset(4096);
      notes.push("CIFAR-10 not found: measured on a synthetic CIFAR-shaped set of 4096 images.");
    }
    const batches = ctx.quick ? 50 : 400;
    ctx.log(`data: ${batches} batches of 64 from ${ds.name} …`);
    const aug = benchIterator(ds, { batches });
    const plain = benchIterator(ds, { batches, augment: false });
    const step = stepMsFrom(ctx.previous);
    const share = (ms: number) => step ? Math.round((ms / step.ms) * 10000) / 100 : null;
    notes.push(
      step
        ? `training step: bench-vgg batch 64 on ${step.engine}, ${step.ms.toFixed(1)} ms ` +
          "(from the training section of this run); target: iterator < 5 % of a step"
        : "no training section in this run: share of a step not computed",
    );
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      rows: [
        {
          iterator: "augment + normalise",
          dataset: ds.name,
          ms_per_batch: r(aug),
          pct_of_step: share(aug),
        },
        {
          iterator: "normalise only",
          dataset: ds.name,
          ms_per_batch: r(plain),
          pct_of_step: share(plain),
        },
      ],
      notes,
    };
  },
});
