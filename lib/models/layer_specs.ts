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
  /** Padding (conv; default "same"). */
  padding?: "same" | "valid";
  /** Max-pooling after the layer (before its batch norm). */
  pool?: { size: number; stride: number };
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
