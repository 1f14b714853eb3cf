/**
 * The layer lists of the paper's networks, as plain data (no tensors), with a width multiplier.
 * `lib/models.ts` turns a list into a tfjs model.
 *
 * @module
 */

/** One weight layer of a network, with what follows it. */
export interface LayerSpec {
  /** Convolution or dense layer. */
  kind: "conv" | "dense";
  /** Filters (conv) or units (dense). */
  units: number;
  /** Square kernel size (conv; default 3). */
  kernel?: number;
  /** Padding (conv; default "same"); a number: that many zero pixels on each side, then "valid". */
  padding?: "same" | "valid" | number;
  /** Stride (conv; default 1). */
  stride?: number;
  /** Max-pooling after the layer (before its batch norm); padding default "same". */
  pool?: { size: number; stride: number; padding?: "same" | "valid" };
  /** Batch norm after the layer (and the pooling). */
  bn: boolean;
  /** Full precision (first and last layer) or binary. */
  precision: "full" | "binary";
}

/** `n · width` rounded, at least 1 (channel/unit count at a width multiplier). */
export function scaled(n: number, width: number): number {
  return Math.max(1, Math.round(n * width));
}

function conv(
  units: number,
  precision: "full" | "binary",
  extra: Partial<LayerSpec> = {},
): LayerSpec {
  return { kind: "conv", units, kernel: 3, padding: "same", bn: true, precision, ...extra };
}

function head(hidden: number[], width: number, numClasses: number): LayerSpec[] {
  return [
    ...hidden.map((u): LayerSpec => ({
      kind: "dense",
      units: scaled(u, width),
      bn: true,
      precision: "binary",
    })),
    { kind: "dense", units: numClasses, bn: false, precision: "full" },
  ];
}

/**
 * VGG-small, the BinaryNet CIFAR-10 network (Courbariaux/Hubara et al. 2016) that BNN+ v1 calls
 * "VGG": 2×128C3 – MP2 – 2×256C3 – MP2 – 2×512C3 – MP2 – FC1024 – FC1024 – FC10. We use this
 * original three-FC variant (not the single-FC "VGG-small" of LQ-Nets/FDA-BNN), since BNN+
 * builds on Hubara's framework. First conv and last FC full precision.
 */
export function vggSmallLayers(width: number, numClasses: number): LayerSpec[] {
  const c = (n: number) => scaled(n, width);
  const mp = { size: 2, stride: 2 };
  return [
    conv(c(128), "full"),
    conv(c(128), "binary", { pool: mp }),
    conv(c(256), "binary"),
    conv(c(256), "binary", { pool: mp }),
    conv(c(512), "binary"),
    conv(c(512), "binary", { pool: mp }),
    ...head([1024, 1024], width, numClasses),
  ];
}

/**
 * AlexNet for CIFAR-10 (our choice; the paper's exact variant was not retrieved): the AlexNet
 * channel plan 64-192-384-256-256 with FC 4096-4096 (torchvision's single-tower AlexNet), adapted
 * to 32×32 inputs: the first conv is 5×5 stride 1 (instead of 11×11 stride 4), the second 5×5,
 * the rest 3×3, all "same"; 3×3/2 max-pools after convs 1, 2 and 5 (32 → 16 → 8 → 4), so the
 * classifier sees 4·4·256 features. First conv and last FC full precision.
 */
export function alexnetLayers(width: number, numClasses: number): LayerSpec[] {
  const c = (n: number) => scaled(n, width);
  const mp = { size: 3, stride: 2 };
  return [
    conv(c(64), "full", { kernel: 5, pool: mp }),
    conv(c(192), "binary", { kernel: 5, pool: mp }),
    conv(c(384), "binary"),
    conv(c(256), "binary"),
    conv(c(256), "binary", { pool: mp }),
    ...head([4096, 4096], width, numClasses),
  ];
}

/**
 * The DoReFa-Net CIFAR/SVHN model of the DoReFa authors' reference code (tensorpack
 * `examples/DoReFa-Net/svhn-digit-dorefa.py`), the only small "DoReFa network" with public code:
 * conv0 48C5 valid (full precision) – MP2 – 64C3 – 64C3 – MP2 – 128C3 valid – 128C3 – 128C3 valid
 * – 512C5 valid – FC10 (full precision). That script feeds 40×40 images; on 32×32 CIFAR-10 the
 * map before the last conv is 3×3 instead of 5×5, so its kernel is 3 (the only change, besides
 * dropping the dropout before it).
 */
export function dorefaLayers(width: number, numClasses: number): LayerSpec[] {
  const c = (n: number) => scaled(n, width);
  const mp = { size: 2, stride: 2 };
  return [
    conv(c(48), "full", { kernel: 5, padding: "valid", pool: mp }),
    conv(c(64), "binary"),
    conv(c(64), "binary", { pool: mp }),
    conv(c(128), "binary", { padding: "valid" }),
    conv(c(128), "binary"),
    conv(c(128), "binary", { padding: "valid" }),
    conv(c(512), "binary", { padding: "valid" }),
    { kind: "dense", units: numClasses, bn: false, precision: "full" },
  ];
}

/**
 * The BinaryNet MNIST MLP: three hidden layers of 4096 units (× width), the first full precision
 * (it sees pixels), the other two binary, then a full-precision classifier.
 */
export function mlpLayers(width: number, numClasses: number): LayerSpec[] {
  const u = scaled(4096, width);
  return [
    { kind: "dense", units: u, bn: true, precision: "full" },
    { kind: "dense", units: u, bn: true, precision: "binary" },
    { kind: "dense", units: u, bn: true, precision: "binary" },
    { kind: "dense", units: numClasses, bn: false, precision: "full" },
  ];
}

/** Spatial side after a conv or pool of `kernel`/`stride` with tfjs padding semantics. */
function outSide(side: number, kernel: number, stride: number, padding: "same" | "valid" | number) {
  if (padding === "same") return Math.ceil(side / stride);
  const p = padding === "valid" ? 0 : padding;
  return Math.floor((side + 2 * p - kernel) / stride) + 1;
}

/**
 * AlexNet for ImageNet as trained by the BNN papers: the single-tower (no groups) Krizhevsky/BVLC
 * layout with batch norm, as in XNOR-Net's Torch model `alexnetxnor` (Rastegari et al. 2016, the
 * `allenai/XNOR-Net` code that the BNN+ comparison is against): conv1 96C11/4 with 2 pixels of
 * zero padding (full precision) – MP3/2 – 256C5 – MP3/2 – 384C3 – 384C3 – 256C3 – MP3/2 – FC4096
 * – FC4096 – FC`numClasses` (full precision); pools "valid" (Torch floor mode), so a 224-pixel
 * input gives 55 → 27 → 13 → 6 and FC6 sees 6·6·256 = 9216 features. XNOR-Net writes FC6/FC7 as
 * 6×6 and 1×1 convolutions and orders each binary block BN → sign → conv (→ pool); our
 * conv → pool → BN → sign of the next layer is the same computation. No dropout, no LRN.
 * `imageSize` (default 224) must leave at least a 1×1 map before FC6 (≥ 63 pixels).
 */
export function alexnetImagenetLayers(
  width: number,
  numClasses: number,
  imageSize = 224,
): LayerSpec[] {
  const c = (n: number) => scaled(n, width);
  const mp = { size: 3, stride: 2, padding: "valid" as const };
  const layers: LayerSpec[] = [
    conv(c(96), "full", { kernel: 11, stride: 4, padding: 2, pool: mp }),
    conv(c(256), "binary", { kernel: 5, pool: mp }),
    conv(c(384), "binary"),
    conv(c(384), "binary"),
    conv(c(256), "binary", { pool: mp }),
    ...head([4096, 4096], width, numClasses),
  ];
  let side = imageSize;
  for (const l of layers) {
    if (l.kind !== "conv") break;
    side = outSide(side, l.kernel ?? 3, l.stride ?? 1, l.padding ?? "same");
    if (l.pool) side = outSide(side, l.pool.size, l.pool.stride, l.pool.padding ?? "same");
  }
  if (!(side >= 1)) {
    throw new Error(
      `alexnet_imagenet: input ${imageSize}×${imageSize} is too small (the map before FC6 ` +
        `would be empty); expected at least 63 pixels (224 as in the papers)`,
    );
  }
  return layers;
}

/** A ResNet described as data: stem, stages of basic blocks, classifier. */
export interface ResNetSpec {
  /** Stem conv (full precision): filters, kernel, stride; then a max-pool. */
  stem: { units: number; kernel: number; stride: number; pool: { size: number; stride: number } };
  /** Stages: filters, number of basic blocks (two 3×3 convs each), stride of the first block. */
  stages: { units: number; blocks: number; stride: number }[];
  /** Classes of the full-precision classifier after global average pooling. */
  numClasses: number;
}

/**
 * ResNet-18 with the Bi-Real shortcuts (Liu et al., ECCV 2018, "Bi-Real Net"), the standard
 * modern binary baseline: stem 64C7/2 + MP3/2 (full precision), four stages of 64-128-256-512
 * filters (× width) with two basic blocks each, strides 1-2-2-2. Unlike He et al.'s block (one
 * shortcut per two convs), every binary 3×3 conv gets its own real-valued shortcut,
 * x ← x + BN(conv(sign(x))); a shortcut that changes shape is AvgPool2/2 → 1×1 conv → BN in full
 * precision (Bi-Real's downsampling). Global average pool, full-precision classifier.
 */
export function resnet18BirealSpec(width: number, numClasses: number): ResNetSpec {
  const c = (n: number) => scaled(n, width);
  return {
    stem: { units: c(64), kernel: 7, stride: 2, pool: { size: 3, stride: 2 } },
    stages: [
      { units: c(64), blocks: 2, stride: 1 },
      { units: c(128), blocks: 2, stride: 2 },
      { units: c(256), blocks: 2, stride: 2 },
      { units: c(512), blocks: 2, stride: 2 },
    ],
    numClasses,
  };
}
