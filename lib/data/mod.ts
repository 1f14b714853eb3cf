/**
 * Datasets: CIFAR-10 and IDX (MNIST, Fashion-MNIST) readers, lookup/download with checksums, and
 * the seeded batch iterator with CIFAR augmentation.
 *
 * @module
 */
export { DATASET_NAMES, type DatasetName, DATASETS, datasetSpec, type Split } from "./specs.ts";
export { classCounts, type Dataset, syntheticDataset, type SyntheticOptions } from "./dataset.ts";
export { loadDataset, type LoadOptions, readDatasetFiles } from "./load.ts";
export { candidateDirs, PROJECT_DATA_DIR } from "./locate.ts";
export { downloadDataset } from "./download.ts";
export {
  type Batch,
  batches,
  type BatchOptions,
  channelStats,
  numBatches,
  selectIndices,
  type SelectOptions,
} from "./batches.ts";
export { toTensors } from "./tensors.ts";
export { benchIterator, type BenchIteratorOptions } from "./bench.ts";
export { decodeCifar, encodeCifar } from "./cifar10.ts";
export { decodeIdx, encodeIdx } from "./idx.ts";
