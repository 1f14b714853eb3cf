/**
 * `loadDataset`: finds a dataset (see `locate.ts` for the order), downloads it when absent, and
 * reads it into a uint8 HWC {@link Dataset}, checking every file.
 *
 * @module
 */
import { CIFAR_RECORD_BYTES, decodeCifar } from "./cifar10.ts";
import { readFileBytes } from "../util/read_file.ts";
import type { Dataset } from "./dataset.ts";
import { downloadDataset } from "./download.ts";
import { decodeIdxPair, gunzip, isGzip } from "./idx.ts";
import { locate, notFoundMessage, PROJECT_DATA_DIR } from "./locate.ts";
import { type DatasetSpec, datasetSpec, type Split } from "./specs.ts";

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /** "train" (default) or "test". */
  split?: Split;
  /** Explicit location (`--data-dir`): DIR or DIR/<name>/ must hold the files; nothing else is searched. */
  dataDir?: string;
  /** Download when not found locally. Default true. */
  download?: boolean;
  /** Root the download goes into (as `<root>/<name>/`). Default `dataDir` or `<project>/data`. */
  downloadDir?: string;
  /** Base URL replacing the canonical one (a mirror, or a local server in tests). */
  url?: string;
  /** Require the official number of examples (50000/10000 CIFAR-10, 60000/10000 IDX). Default true. */
  strict?: boolean;
  /** No download progress on stderr. Default false. */
  quiet?: boolean;
  /**
   * Decode the pixels of only the first N examples of every class, in file order (CIFAR formats;
   * the others decode everything): what a run with a per-class subset reads. The other examples
   * keep their labels and zero pixels, and the dataset says so (`decodedPerClass`).
   */
  firstPerClass?: number;
}

function readCifar(
  spec: DatasetSpec,
  files: string[],
  split: Split,
  options: { strict: boolean; firstPerClass?: number },
) {
  const counts = files.map((f) => Math.floor(Deno.statSync(f).size / CIFAR_RECORD_BYTES));
  const n = counts.reduce((a, c) => a + c, 0);
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  const taken = options.firstPerClass === undefined
    ? undefined
    : new Array<number>(spec.numClasses).fill(0);
  let at = 0;
  // One read buffer for all files (they are decoded one after the other).
  const reuse = new Uint8Array(Math.max(0, ...counts) * CIFAR_RECORD_BYTES);
  for (const f of files) {
    // decodeCifar checks the file's size, record count and labels before using it.
    at += decodeCifar(readFileBytes(f, { reuse }), f, {
      numClasses: spec.numClasses,
      expectedRecords: options.strict ? spec.records[split] / files.length : undefined,
      into: { images, labels, at },
      decode: taken && ((label) => taken[label]++ < options.firstPerClass!),
    }).n;
  }
  if (at !== n) {
    throw new Error(`readCifar: the files changed while being read (${at} vs ${n} records)`);
  }
  return { images, labels, n, shape: spec.shape };
}

async function readIdx(path: string): Promise<{ bytes: Uint8Array; name: string }> {
  const raw = readFileBytes(path);
  if (!isGzip(raw)) return { bytes: raw, name: path };
  return { bytes: await gunzip(raw, path), name: `${path} (after gunzip)` };
}

/**
 * Reads the `split` files of dataset `name` from `files` (already located) into a {@link Dataset}.
 * Exposed for tests and for reading a known set of files directly.
 */
export async function readDatasetFiles(
  name: string,
  files: string[],
  options: { split?: Split; strict?: boolean; firstPerClass?: number } = {},
): Promise<Dataset> {
  const spec = datasetSpec(name);
  const split = options.split ?? "train";
  const strict = options.strict ?? true;
  let d;
  if (spec.format === "cifar") {
    d = readCifar(spec, files, split, { strict, firstPerClass: options.firstPerClass });
  } else {
    const img = await readIdx(files[0]);
    const lab = await readIdx(files[1]);
    d = decodeIdxPair(img.bytes, img.name, lab.bytes, lab.name, spec.numClasses);
    const [h, w] = d.shape;
    if (h !== spec.shape[0] || w !== spec.shape[1]) {
      throw new Error(
        `${img.name}: at byte offset 8: images are ${h}×${w}, expected ` +
          `${spec.shape[0]}×${spec.shape[1]} for ${name}`,
      );
    }
    if (strict && d.n !== spec.records[split]) {
      throw new Error(
        `${img.name}: at byte offset 4: ${d.n} images, expected ` +
          `${spec.records[split]} for the ${name} ${split} split`,
      );
    }
  }
  return {
    name,
    split,
    images: d.images,
    labels: d.labels,
    n: d.n,
    shape: [...spec.shape],
    numClasses: spec.numClasses,
    classNames: [...spec.classNames],
    mean: [...spec.mean],
    std: [...spec.std],
    source: files.join(", "),
    ...(spec.format === "cifar" && options.firstPerClass !== undefined
      ? { decodedPerClass: options.firstPerClass }
      : {}),
  };
}

/**
 * Loads `split` of dataset `name` ("cifar10", "fashion-mnist", "mnist") as uint8 HWC. Looks in
 * `dataDir`, `$BNN_DATA_DIR`, `<project>/data/<name>/`, `../shared/data/`, known system places,
 * then downloads (checksummed, atomic). Offline, the error lists every place looked at.
 */
export async function loadDataset(name: string, options: LoadOptions = {}): Promise<Dataset> {
  const spec = datasetSpec(name);
  const per = options.firstPerClass;
  if (per !== undefined && !(Number.isSafeInteger(per) && per > 0)) {
    throw new Error(`loadDataset: firstPerClass must be a positive integer, got ${per}`);
  }
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new Error(`loadDataset: split must be "train" or "test", got "${split}"`);
  }
  let found = locate(spec, split, options.dataDir);
  if (!found) {
    let downloadError = "disabled (download: false)";
    if (options.download ?? true) {
      const root = options.downloadDir ?? options.dataDir ?? PROJECT_DATA_DIR;
      try {
        await downloadDataset(spec, root, { url: options.url, quiet: options.quiet });
        found = locate(spec, split, options.dataDir ?? root);
        if (!found) {
          downloadError = `the download into ${root}/${spec.name} lacks the ${split} files`;
        }
      } catch (e) {
        downloadError = `into ${root}/${spec.name} failed: ${(e as Error).message}`;
      }
    }
    if (!found) throw new Error(notFoundMessage(spec, split, options.dataDir, downloadError));
  }
  return await readDatasetFiles(name, found.files, {
    split,
    strict: options.strict,
    firstPerClass: options.firstPerClass,
  });
}
