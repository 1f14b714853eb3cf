/**
 * `deno task deploy:verify`: trains (or loads with `--model DIR`) a small binary CNN on CIFAR-10,
 * exports it to `.bnn`, reloads it, and checks the XNOR–popcount engine against the tfjs float
 * simulation on all 10 000 test images: argmax must agree on 100 % of them and every logit must
 * be within `--tolerance` (default 1e-3). Writes `results/deploy/verify.json`; exit code 1 on failure.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { parseArgsOrExit, usage } from "./args.ts";
import { initBackend } from "../backend/mod.ts";
import { loadModel, saveModel } from "../io.ts";
import { batches, loadDataset } from "../data/mod.ts";
import { DATA_FLAGS, dataOptionsFromFlags } from "./flags.ts";
import { exportBinary, loadBinary } from "../deploy/io.ts";
import { createEngine } from "../deploy/engine.ts";
import { verifyEquivalence } from "../deploy/verify.ts";
import { normalizationOf, smallBinaryCnn, trainBriefly } from "../deploy/cifar_check.ts";
import { writeFileAtomic } from "../deploy/io.ts";

const SPEC = {
  ...DATA_FLAGS,
  model: {
    type: "string" as const,
    description: "load a trained model dir (lib/io.ts) instead of training",
  },
  epochs: { type: "string" as const, default: "3", description: "training epochs" },
  subset: { type: "string" as const, default: "1000", description: "training examples per class" },
  limit: { type: "string" as const, description: "check only the first N test images" },
  tolerance: { type: "string" as const, default: "1e-3", description: "logit tolerance" },
  out: { type: "string" as const, default: "results/deploy", description: "output directory" },
  help: { type: "boolean" as const, short: "h" },
};

function num(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number ≥ 0, got ${v}`);
  return n;
}

async function main(): Promise<number> {
  const { flags } = parseArgsOrExit(Deno.args, SPEC, "deploy:verify");
  if (flags.help) {
    console.log(usage("deno task deploy:verify", SPEC));
    return 0;
  }
  const backend = await initBackend({ quiet: true });
  const dataOpts = dataOptionsFromFlags(flags);
  const train = await loadDataset("cifar10", { ...dataOpts, split: "train" });
  const test = await loadDataset("cifar10", { ...dataOpts, split: "test" });
  const normalize = normalizationOf(train);
  const outDir = String(flags.out);
  await Deno.mkdir(outDir, { recursive: true });
  let model: tf.LayersModel;
  if (typeof flags.model === "string") {
    model = await loadModel(flags.model);
    console.error(`loaded ${flags.model}`);
  } else {
    model = smallBinaryCnn({ inputShape: train.shape, numClasses: train.numClasses });
    const epochs = num(flags.epochs, "epochs"), subset = num(flags.subset, "subset");
    console.error(
      `training ${model.name} on ${subset}/class for ${epochs} epochs (backend ${backend.name})`,
    );
    trainBriefly(model, train, { epochs, subset, normalize, log: (l) => console.error(l) });
    await saveModel(model, `${outDir}/model`);
  }
  const info = await exportBinary(model, `${outDir}/model.bnn`);
  const engine = createEngine(await loadBinary(info.path));
  const limit = flags.limit !== undefined ? num(flags.limit, "limit") : test.n;
  const tolerance = num(flags.tolerance, "tolerance");
  const all = batches(test, { batchSize: 250, shuffle: false, normalize });
  const r = verifyEquivalence({ model, engine }, limited(all, limit), { tolerance });
  const pass = r.argmaxAgree === r.images && r.maxAbsDiff <= tolerance;
  const report = { pass, backend: backend.name, kernel: engine.kernel, bnnBytes: info.bytes, ...r };
  await writeFileAtomic(
    `${outDir}/verify.json`,
    new TextEncoder().encode(JSON.stringify(report, null, 2) + "\n"),
  );
  console.log(
    [
      `deploy:verify ${
        pass ? "PASS" : "FAIL"
      } on ${r.images} CIFAR-10 test images (${info.path}, ${info.bytes} bytes)`,
      `  argmax agreement: ${r.argmaxAgree}/${r.images} (${
        (100 * r.argmaxAgree / r.images).toFixed(2)
      } %)`,
      `  logits: max |Δ| ${r.maxAbsDiff.toExponential(2)}, mean |Δ| ${
        r.meanAbsDiff.toExponential(2)
      }, ` +
      `${r.overTolerance} images over ${tolerance}`,
      ...(r.signMargins && r.overToleranceImages.length
        ? [
          `  over-tolerance images ${r.overToleranceImages.join(", ")}: smallest |input| of a ` +
          `binarizing sign ${r.signMargins.outliers.map((v) => v.toExponential(1)).join(", ")} ` +
          `(other images: median ${r.signMargins.othersMedian.toExponential(1)}, min ${
            r.signMargins.othersMin.toExponential(1)
          })`,
        ]
        : []),
      `  accuracy: tfjs ${(100 * r.tfjsAccuracy).toFixed(2)} %, engine ${
        (100 * r.engineAccuracy).toFixed(2)
      } %`,
      `  time: tfjs (${backend.name}, batched) ${
        (r.tfjsMs / 1000).toFixed(1)
      } s, engine (${engine.kernel}) ${(r.engineMs / 1000).toFixed(1)} s`,
    ].join("\n"),
  );
  return pass ? 0 : 1;
}

function* limited<T extends { size: number; x: Float32Array; y: Int32Array }>(
  it: Iterable<T>,
  limit: number,
): Generator<T> {
  let left = limit;
  for (const b of it) {
    if (left <= 0) return;
    if (b.size <= left) yield b;
    else {
      const per = b.x.length / b.size;
      yield { ...b, size: left, x: b.x.subarray(0, left * per), y: b.y.subarray(0, left) };
    }
    left -= b.size;
  }
}

if (import.meta.main) Deno.exit(await main());
