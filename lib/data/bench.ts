/**
 * A short benchmark of the batch iterator (ms per batch), for `deno task bench`.
 *
 * @module
 */
import { batches, type BatchOptions } from "./batches.ts";
import { type Dataset, syntheticDataset } from "./dataset.ts";

/** Options of {@link benchIterator}. */
export interface BenchIteratorOptions extends BatchOptions {
  /** Batches to time (after 2 warm-up batches). Default 50. */
  batches?: number;
}

/**
 * Milliseconds per batch of the iterator on `ds` (default: a synthetic CIFAR-sized set of 4096
 * examples), by default with batch size 64, augmentation and normalisation on.
 */
export function benchIterator(ds?: Dataset, options: BenchIteratorOptions = {}): number {
  const data = ds ?? syntheticDataset(4096);
  const count = options.batches ?? 50;
  const opts: BatchOptions = { batchSize: 64, augment: true, ...options };
  let made = 0, epoch = 0, t0 = 0;
  while (made < count + 2) {
    for (const _ of batches(data, { ...opts, epoch })) {
      if (++made === 2) t0 = performance.now();
      if (made >= count + 2) break;
    }
    epoch++;
  }
  return (performance.now() - t0) / count;
}
