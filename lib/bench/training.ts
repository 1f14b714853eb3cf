/**
 * Bench section "training": bench-vgg and its binary twin on each backend (train / inference
 * images/s, GFLOP/s) and the PyTorch CPU 2-thread peer in the same run, with ratios.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { measureNet, type NetSpeed } from "./measure.ts";
import { type BenchRow, registerBenchSection } from "./registry.ts";
import { runTorch, torchAvailable } from "./torch_peer.ts";
import { binaryTwinAvailable } from "./nets.ts";

const NETS = [
  { name: "bench-vgg", binary: false },
  { name: "bench-vgg-binary", binary: true },
];

const r1 = (v: number) => Math.round(v * 10) / 10;

registerBenchSection({
  name: "training",
  description: "bench-vgg (w=32) and its binary twin, batch 64: images/s and GFLOP/s",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const speeds: Record<string, Record<string, NetSpeed & { batch: number }>> = {};
    const initial = tf.getBackend();
    const nets = NETS.filter((n) => !n.binary || binaryTwinAvailable());
    if (nets.length < NETS.length) notes.push("binary twin skipped: lib/layers is not available");
    for (const backend of ctx.backends) {
      await tf.setBackend(backend);
      const slow = backend === "cpu";
      const opts = slow
        ? { batch: 8, steps: 1, warmup: 1 }
        : ctx.quick
        ? { batch: 64, steps: 2, warmup: 1 }
        : { batch: 64, steps: 5, warmup: 2 };
      if (slow) notes.push("cpu (pure JS) measured with batch 8 and 1 step: it is ~100× slower");
      for (const net of nets) {
        ctx.log(`training: ${net.name} on ${backend} …`);
        const s = measureNet({ binary: net.binary, ...opts });
        (speeds[backend] ??= {})[net.name] = { ...s, batch: opts.batch };
        rows.push({
          net: net.name,
          engine: `tfjs-${backend}`,
          batch: opts.batch,
          train_img_s: r1(s.trainIps),
          infer_img_s: r1(s.inferIps),
          train_gflop_s: r1(s.trainGflops),
          infer_gflop_s: r1(s.inferGflops),
          train_vs_torch: null,
          infer_vs_torch: null,
        });
      }
    }
    await tf.setBackend(initial);
    let torch = null;
    if (await torchAvailable()) {
      ctx.log("training: PyTorch peer (2 threads) …");
      const steps = ctx.quick ? 2 : 5, warmup = ctx.quick ? 1 : 2;
      torch = await runTorch({ threads: 2, batch: 64, steps, warmup, width: 32 });
      for (const net of nets) {
        const t = torch.nets[net.name];
        const g = Object.values(speeds)[0]?.[net.name]?.gflopPerImage ?? 0;
        rows.push({
          net: net.name,
          engine: `torch ${torch.torch} (${torch.threads} threads)`,
          batch: 64,
          train_img_s: r1(t.train_ips),
          infer_img_s: r1(t.infer_ips),
          train_gflop_s: r1(t.train_ips * 3 * g),
          infer_gflop_s: r1(t.infer_ips * g),
          train_vs_torch: 1,
          infer_vs_torch: 1,
        });
        for (const row of rows) {
          if (row.net !== net.name || !String(row.engine).startsWith("tfjs-")) continue;
          row.train_vs_torch = Math.round((Number(row.train_img_s) / t.train_ips) * 100) / 100;
          row.infer_vs_torch = Math.round((Number(row.infer_img_s) / t.infer_ips) * 100) / 100;
        }
      }
    } else {
      notes.push('PyTorch peer skipped: `/usr/bin/python3 -c "import torch"` fails');
    }
    notes.push("GFLOP/s counts conv + dense multiply-adds ×2; training = 3 × forward.");
    return { rows, notes, data: { speeds, torch } };
  },
});
