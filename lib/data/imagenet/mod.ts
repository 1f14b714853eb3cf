/**
 * ImageNet (ILSVRC-2012) for users who hold the data: the standard folder layouts read as file
 * lists, sharp (libvips) decoding in a pool of Deno workers, the standard augmentation
 * (random-resized crop + flip; 0.875 centre crop for evaluation; ImageNet mean/std), a seeded and
 * resumable batch iterator, a decoded-and-resized uint8 cache, and a synthetic folder writer for
 * tests. See docs/imagenet.md.
 *
 * @module
 */
export {
  imagenetClasses,
  type ImagenetIndex,
  ImagenetLayoutError,
  imagenetRoot,
  scanImagenet,
  type ScanOptions,
} from "./layout.ts";
export { type MatValue, parseMat, readMetaMat, type Synset } from "./meta_mat.ts";
export {
  type Box,
  centerCropBox,
  cropResizeNormalize,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type RandomCropOptions,
  randomResizedCropBox,
} from "./transform.ts";
export {
  cropFor,
  decodeFile,
  type DecodeItem,
  type DecodeMode,
  type DecodeSpec,
  ImageDecodeError,
} from "./decode.ts";
export { DecodePool } from "./pool.ts";
export {
  exampleKey,
  fileSource,
  imagenetBatches,
  type ImagenetBatchOptions,
  imagenetNumBatches,
  type ImageSource,
  selectExamples,
} from "./loader.ts";
export {
  type BuildCacheOptions,
  buildImagenetCache,
  type CacheManifest,
  openImagenetCache,
} from "./cache.ts";
export {
  type SyntheticImagenetOptions,
  syntheticWnid,
  writeSyntheticImagenet,
} from "./synthetic.ts";
