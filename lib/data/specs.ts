/**
 * What the library knows about each dataset: shape, classes, default normalisation, file names,
 * where it is usually installed and where it is published (with the published checksums).
 *
 * @module
 */

/** Names of the datasets {@link loadDataset} can read. */
export type DatasetName = "cifar10" | "fashion-mnist" | "mnist";

/** Names accepted for `split`. */
export type Split = "train" | "test";

/** Every known dataset name. */
export const DATASET_NAMES: readonly DatasetName[] = ["cifar10", "fashion-mnist", "mnist"];

/** One file to download, with its published MD5. */
export interface RemoteFile {
  /** File name at the base URL and on disk. */
  name: string;
  /** Published MD5 (hex). */
  md5: string;
}

/** Static description of one dataset. */
export interface DatasetSpec {
  name: DatasetName;
  format: "cifar" | "idx";
  shape: [number, number, number];
  numClasses: number;
  classNames: string[];
  /** Per-channel mean of pixel/255 over the training split (default normalisation). */
  mean: number[];
  /** Per-channel standard deviation of pixel/255 over the training split. */
  std: number[];
  /** Sub-directory names tried under a data root (`<root>/<dirName>/`). */
  dirNames: string[];
  /** Known system locations, tried after the project's `data/` directory. */
  systemDirs: string[];
  /** Files per split. CIFAR: record files. IDX: [images, labels] without the `.gz` suffix. */
  files: Record<Split, string[]>;
  /** Official number of examples per split. */
  records: Record<Split, number>;
  /** Canonical base URLs, tried in order. */
  urls: string[];
  /** Either one archive (tar.gz) holding the files in `archiveDir`, or individual files. */
  remote: { archive: RemoteFile; archiveDir: string } | { files: RemoteFile[] };
}

const HOME = (() => {
  try {
    return Deno.env.get("HOME") ?? "";
  } catch {
    return "";
  }
})();

const idxFiles: Record<Split, string[]> = {
  train: ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
  test: ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
};

/** The known datasets. */
export const DATASETS: Record<DatasetName, DatasetSpec> = {
  "cifar10": {
    name: "cifar10",
    format: "cifar",
    shape: [32, 32, 3],
    numClasses: 10,
    classNames: [
      "airplane",
      "automobile",
      "bird",
      "cat",
      "deer",
      "dog",
      "frog",
      "horse",
      "ship",
      "truck",
    ],
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.2470, 0.2435, 0.2616],
    dirNames: ["cifar10", "cifar-10-batches-bin"],
    systemDirs: [
      "/usr/share/datasets/cifar10",
      "/usr/share/datasets/cifar-10-batches-bin",
      ...(HOME ? [`${HOME}/.cache/bnn-lab/cifar10`] : []),
    ],
    files: {
      train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
      test: ["test_batch.bin"],
    },
    records: { train: 50000, test: 10000 },
    urls: ["https://www.cs.toronto.edu/~kriz/"],
    remote: {
      archive: { name: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530" },
      archiveDir: "cifar-10-batches-bin",
    },
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    format: "idx",
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: [
      "T-shirt/top",
      "Trouser",
      "Pullover",
      "Dress",
      "Coat",
      "Sandal",
      "Shirt",
      "Sneaker",
      "Bag",
      "Ankle boot",
    ],
    mean: [0.2860],
    std: [0.3530],
    dirNames: ["fashion-mnist", "fashion"],
    systemDirs: [
      "/usr/share/datasets/fashion-mnist",
      ...(HOME ? [`${HOME}/.cache/bnn-lab/fashion-mnist`] : []),
    ],
    files: idxFiles,
    records: { train: 60000, test: 10000 },
    urls: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    remote: {
      files: [
        { name: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d" },
        { name: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe" },
        { name: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79" },
        { name: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310" },
      ],
    },
  },
  "mnist": {
    name: "mnist",
    format: "idx",
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    mean: [0.1307],
    std: [0.3081],
    dirNames: ["mnist"],
    systemDirs: [
      "/usr/share/datasets/mnist",
      ...(HOME ? [`${HOME}/.cache/bnn-lab/mnist`] : []),
    ],
    files: idxFiles,
    records: { train: 60000, test: 10000 },
    urls: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    remote: {
      files: [
        { name: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
        { name: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432" },
        { name: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3" },
        { name: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c" },
      ],
    },
  },
};

/**
 * ImageNet (ILSVRC-2012 classification). Not a {@link DatasetSpec}: `loadDataset` does not read it;
 * `lib/data/imagenet/` streams it from JPEG folders or the decoded cache, and its input side is a
 * run parameter (`imageSize`), so its shape is {@link imagenetShape}. Mean and std are the
 * torchvision values (per channel, of pixel/255).
 */
export const IMAGENET: {
  readonly numClasses: number;
  readonly records: Readonly<Record<Split, number>>;
  readonly defaultImageSize: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
} = Object.freeze({
  numClasses: 1000,
  records: Object.freeze({ train: 1281167, test: 50000 }),
  defaultImageSize: 224,
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});

/** `[S, S, 3]`: the input shape of an ImageNet network at side `size` (default 224). */
export function imagenetShape(size: number = IMAGENET.defaultImageSize): [number, number, number] {
  return [size, size, 3];
}

/** The spec of `name`; an unknown name throws an error listing the known ones. */
export function datasetSpec(name: string): DatasetSpec {
  const spec = (DATASETS as Record<string, DatasetSpec>)[name];
  if (!spec) {
    throw new Error(`unknown dataset "${name}": expected one of ${DATASET_NAMES.join(", ")}`);
  }
  return spec;
}
