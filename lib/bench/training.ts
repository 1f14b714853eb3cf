/**
 * Bench section "training": bench-vgg and its binary twin on each backend (train / inference
 * images/s, GFLOP/s) and the PyTorch CPU 2-thread peer in the same run, with ratios.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { wasmThreads } from "../backend/mod.ts";
import { nativePool } from "../backend/native_kernels.ts";
import { measureNet, type NetSpeed } from "./measure.ts";
import { type BenchRow, registerBenchSection } from "./registry.ts";
import { runTorch, torchAvailable, type TorchResult } from "./torch_peer.ts";
import { benchVggFlops, binaryTwinAvailable } from "./nets.ts";
import { binaryForwardAvailable, setBinaryForward } from "../backend/binary_conv.ts";

const NETS = [
  { name: "bench-vgg", binary: false, plain: false },
  // The same net from tfjs-layers' own layers, as a notebook user writes it (issue 14 item 5);
  // its ratios use bench-vgg's PyTorch run (the same net in PyTorch).
  { name: "bench-vgg-plain", binary: false, plain: true },
  { name: "bench-vgg-binary", binary: true, plain: false },
];

/** "N threads" the active wasm backend computes on, and the build of the project kernels. */
function wasmLabel(): string {
  const n = wasmThreads(), isa = nativePool()?.isa;
  return (n === 1 ? "1 thread" : `${n} threads`) + (isa ? `, ${isa} kernels` : "");
}

/** Untimed steps before each timed series, both sides (full runs). */
export const WARMUP_STEPS = 15;
/** Timed steps (median taken), both sides (full runs). */
export const STEPS = 15;

const r1 = (v: number) => v < 1 ? Number(v.toPrecision(2)) : Math.round(v * 10) / 10;

function row(net: string, engine: string, batch: number, train: number, infer: number, g: number) {
  return {
    net,
    engine,
    batch,
    train_img_s: r1(train),
    infer_img_s: r1(infer),
    train_gflop_s: r1(train * 3 * g),
    infer_gflop_s: r1(infer * g),
    train_vs_torch: null,
    infer_vs_torch: null,
  } as BenchRow;
}

registerBenchSection({
  name: "training",
  description: "bench-vgg (w=32) and its binary twin, batch 64: images/s and GFLOP/s " +
    "(median step; each net's tfjs and PyTorch runs back to back)",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const speeds: Record<string, Record<string, NetSpeed & { batch: number }>> = {};
    const torch: Record<string, TorchResult> = {};
    const initial = tf.getBackend();
    const nets = NETS.filter((n) => !n.binary || binaryTwinAvailable());
    if (nets.length < NETS.length) notes.push("binary twin skipped: lib/layers is not available");
    const haveTorch = await torchAvailable();
    if (!haveTorch) notes.push('PyTorch peer skipped: `/usr/bin/python3 -c "import torch"` fails');
    if (ctx.backends.includes("cpu")) {
      notes.push("cpu (pure JS) measured with batch 8 and 1 step: it is hundreds of times slower");
    }
    // Both sides warm up for WARMUP_STEPS: PyTorch's first ~10 training steps on this machine run
    // at 0.5–0.7× its steady speed (page faults in its allocator, sys time), so 2 warm-up steps
    // measured a cold peer (docs/benchmarks.md, 2026-12-06).
    const steps = ctx.quick ? 3 : STEPS, warmup = ctx.quick ? 1 : WARMUP_STEPS;
    for (const net of nets) {
      const netRows: BenchRow[] = [];
      for (const backend of ctx.backends) {
        await tf.setBackend(backend);
        const opts = backend === "cpu"
          ? { batch: 8, steps: 1, warmup: 1 }
          : { batch: 64, steps, warmup };
        ctx.log(`training: ${net.name} on ${backend} …`);
        const s = measureNet({ binary: net.binary, plain: net.plain, ...opts });
        (speeds[backend] ??= {})[net.name] = { ...s, batch: opts.batch };
        const engine = backend === "wasm" ? `tfjs-wasm (${wasmLabel()})` : `tfjs-${backend}`;
        netRows.push(row(net.name, engine, opts.batch, s.trainIps, s.inferIps, s.gflopPerImage));
        if (net.binary && backend === "wasm" && binaryForwardAvailable(9)) {
          // The same twin with the float forward product (the XNOR–popcount one off), same run.
          ctx.log(`training: ${net.name} on ${backend}, float forward …`);
          setBinaryForward(false);
          let f: NetSpeed;
          try {
            f = measureNet({ binary: true, ...opts });
          } finally {
            setBinaryForward(undefined);
          }
          const label = `${engine}, float forward`;
          netRows.push(row(net.name, label, opts.batch, f.trainIps, f.inferIps, f.gflopPerImage));
        }
      }
      await tf.setBackend(initial);
      const same = torch["bench-vgg"]?.nets["bench-vgg"];
      if (net.plain && same) {
        for (const r of netRows) {
          r.train_vs_torch = Math.round((Number(r.train_img_s) / same.train_ips) * 100) / 100;
          r.infer_vs_torch = Math.round((Number(r.infer_img_s) / same.infer_ips) * 100) / 100;
        }
      } else if (haveTorch && !net.plain) {
        const g = benchVggFlops() / 1e9;
        // The 2-thread peer gives the ratios; the 1-thread one (full runs) compares per core.
        for (const threads of ctx.quick ? [2] : [2, 1]) {
          ctx.log(`training: ${net.name} in PyTorch (${threads} thread(s)) …`);
          const t = await runTorch({
            threads,
            batch: 64,
            steps,
            warmup,
            width: 32,
            nets: net.name,
          });
          torch[threads === 2 ? net.name : `${net.name}/1thread`] = t;
          const ts = t.nets[net.name];
          const label = `torch ${t.torch} (${threads === 1 ? "1 thread" : `${t.threads} threads`})`;
          const peer = row(net.name, label, 64, ts.train_ips, ts.infer_ips, g);
          if (threads === 2) {
            peer.train_vs_torch = peer.infer_vs_torch = 1;
            for (const r of netRows) {
              r.train_vs_torch = Math.round((Number(r.train_img_s) / ts.train_ips) * 100) / 100;
              r.infer_vs_torch = Math.round((Number(r.infer_img_s) / ts.infer_ips) * 100) / 100;
            }
          }
          netRows.push(peer);
        }
      }
      rows.push(...netRows);
    }
    notes.push("GFLOP/s counts conv + dense multiply-adds ×2; training = 3 × forward.");
    notes.push(
      "bench-vgg-binary on wasm runs the XNOR–popcount forward (docs/binary_training.md); the " +
        '"float forward" row is the same twin with it off (BNN_BINARY_FORWARD=0), same run.',
    );
    notes.push(
      "bench-vgg-plain: bench-vgg built with tf.layers.conv2d / tf.layers.batchNormalization " +
        "(plain tfjs-layers code); ratios against bench-vgg's PyTorch 2-thread run.",
    );
    notes.push(
      `Median of ${ctx.quick ? 3 : STEPS} timed steps after ${ctx.quick ? 1 : WARMUP_STEPS} ` +
        "untimed ones, on both sides. PyTorch runs with glibc malloc keeping its freed memory " +
        "(MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_TOP_PAD_, as tfjs-wasm's heap " +
        "does): with the defaults its steps stall on page faults on this VM.",
    );
    notes.push(
      "Issue 14 targets vs PyTorch 2 threads: training ≥ 1.5× (bench-vgg, lab layers), ≥ 1.2× " +
        "(plain tfjs-layers), ≥ 2× (binary twin); inference ≥ 1.5×. The ratio columns are " +
        "against the 2-thread peer; the 1-thread PyTorch row (full runs only) compares per core.",
    );
    return { rows, notes, data: { speeds, torch } };
  },
});
