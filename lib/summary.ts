/**
 * `summary(model)`: per-layer precision, parameter counts, memory and multiply–accumulates of a
 * binary network, with totals (binary vs float32 size, compression, share of binary MACs), as
 * data and as a text table ({@link formatSummary}).
 *
 * Counting rules:
 * - A kernel is 1-bit when the layer has a `kernelQuantizer` other than "none"; every other
 *   weight (bias, α, trainable β, batch-norm γ/β/mean/variance, full-precision kernels) is 32-bit.
 *   Non-trainable batch-norm statistics count: inference needs them.
 * - MACs are per image: conv = outH·outW·cout·kh·kw·cin, dense = in·units. They are *binary*
 *   (XNOR + popcount) when both the input and the kernel are quantized, *float* otherwise
 *   (including binary-weight × real-input layers).
 * - Memory (KiB) = (1-bit params + 32·(32-bit params)) / 8 / 1024. "float32 size" counts every
 *   parameter at 32 bits; compression ratio = float32 size / binary size.
 *
 * @module
 */
import type { tf } from "./tf.ts";

/** One layer's line of the summary. */
export interface LayerSummary {
  name: string;
  className: string;
  /** "1-bit" when the layer binarizes its input, "float32" otherwise, "-" without weights. */
  inputPrecision: "1-bit" | "float32" | "-";
  kernelPrecision: "1-bit" | "float32" | "-";
  outputShape: (number | null)[];
  params1bit: number;
  params32bit: number;
  memoryKiB: number;
  macsBinary: number;
  macsFloat: number;
}

/** Totals of a summary. */
export interface SummaryTotals {
  params1bit: number;
  params32bit: number;
  /** Size with 1-bit kernels, KiB. */
  binaryKiB: number;
  /** Size with every parameter in float32, KiB. */
  float32KiB: number;
  /** float32KiB / binaryKiB. */
  compressionRatio: number;
  macsBinary: number;
  macsFloat: number;
  /** macsBinary / (macsBinary + macsFloat); 0 when there are no MACs. */
  binaryMacShare: number;
}

/** What {@link summary} returns. */
export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totals: SummaryTotals;
}

type Config = Record<string, unknown>;

function quantized(cfg: Config, key: string): boolean {
  const q = cfg[key];
  return q !== undefined && q !== null && q !== "none";
}

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function macs(layer: tf.layers.Layer, cfg: Config): number {
  const cls = layer.getClassName();
  const input = (layer.input as tf.SymbolicTensor).shape;
  const output = layer.outputShape as (number | null)[];
  if (cls === "Conv2D" || cls === "QuantConv2D") {
    const k = Array.isArray(cfg.kernelSize)
      ? cfg.kernelSize as number[]
      : [cfg.kernelSize as number, cfg.kernelSize as number];
    const cin = input[input.length - 1] as number;
    return (output[1] as number) * (output[2] as number) * (output[3] as number) * k[0] * k[1] *
      cin;
  }
  if (cls === "Dense" || cls === "QuantDense") {
    return (input[input.length - 1] as number) * (cfg.units as number);
  }
  return 0;
}

/** Per-layer and total counts of `model` (see the module doc for the rules). */
export function summary(model: tf.LayersModel): ModelSummary {
  const layers: LayerSummary[] = model.layers.map((layer) => {
    const cfg = layer.getConfig() as Config;
    const binKernel = quantized(cfg, "kernelQuantizer");
    const binInput = quantized(cfg, "inputQuantizer");
    let params1bit = 0, params32bit = 0;
    for (const w of layer.weights) {
      const n = count(w.shape as number[]);
      const short = w.originalName.split("/").pop()!;
      if (binKernel && /^kernel(_\d+)?$/.test(short)) params1bit += n;
      else params32bit += n;
    }
    const hasKernel = layer.weights.some((w) => /^kernel/.test(w.originalName.split("/").pop()!));
    const m = macs(layer, cfg);
    const binaryMacs = binKernel && binInput ? m : 0;
    return {
      name: layer.name,
      className: layer.getClassName(),
      inputPrecision: hasKernel ? (binInput ? "1-bit" : "float32") : "-",
      kernelPrecision: hasKernel ? (binKernel ? "1-bit" : "float32") : "-",
      outputShape: (layer.outputShape as (number | null)[]).slice(1),
      params1bit,
      params32bit,
      memoryKiB: (params1bit + 32 * params32bit) / 8 / 1024,
      macsBinary: binaryMacs,
      macsFloat: m - binaryMacs,
    };
  });
  const sum = (f: (l: LayerSummary) => number) => layers.reduce((a, l) => a + f(l), 0);
  const params1bit = sum((l) => l.params1bit), params32bit = sum((l) => l.params32bit);
  const macsBinary = sum((l) => l.macsBinary), macsFloat = sum((l) => l.macsFloat);
  const binaryKiB = (params1bit + 32 * params32bit) / 8 / 1024;
  const float32KiB = 32 * (params1bit + params32bit) / 8 / 1024;
  return {
    name: model.name,
    layers,
    totals: {
      params1bit,
      params32bit,
      binaryKiB,
      float32KiB,
      compressionRatio: binaryKiB > 0 ? float32KiB / binaryKiB : 1,
      macsBinary,
      macsFloat,
      binaryMacShare: macsBinary + macsFloat > 0 ? macsBinary / (macsBinary + macsFloat) : 0,
    },
  };
}

function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Renders a {@link ModelSummary} as a fixed-width text table with a totals block. */
export function formatSummary(s: ModelSummary): string {
  const head = [
    "Layer",
    "Type",
    "In",
    "Kernel",
    "Output",
    "1-bit",
    "32-bit",
    "KiB",
    "Binary MACs",
    "Float MACs",
  ];
  const rows = s.layers.map((l) => [
    l.name,
    l.className,
    l.inputPrecision,
    l.kernelPrecision,
    `[${l.outputShape.map((d) => d ?? "?").join(",")}]`,
    fmtInt(l.params1bit),
    fmtInt(l.params32bit),
    l.memoryKiB.toFixed(2),
    fmtInt(l.macsBinary),
    fmtInt(l.macsFloat),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = (i: number) => i >= 5;
  const line = (r: string[]) =>
    r.map((c, i) => (right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  const rule = "-".repeat(line(head).length);
  const t = s.totals;
  return [
    `Model: ${s.name}`,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `Parameters: ${fmtInt(t.params1bit)} 1-bit + ${fmtInt(t.params32bit)} 32-bit`,
    `Size: ${t.binaryKiB.toFixed(2)} KiB binary vs ${t.float32KiB.toFixed(2)} KiB float32 ` +
    `(compression ${t.compressionRatio.toFixed(2)}x)`,
    `MACs: ${fmtInt(t.macsBinary)} binary + ${fmtInt(t.macsFloat)} float ` +
    `(${(100 * t.binaryMacShare).toFixed(2)}% binary)`,
    "",
  ].join("\n");
}
