import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { buildModel, countParams, layerList, type ModelSpec } from "../lib/models.ts";
import { makeConfig } from "../lib/experiments/config/config.ts";

await initBackend({ quiet: true });
const CIFAR = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 10 };

function spec(over: Partial<ModelSpec> = {}): ModelSpec {
  return makeConfig(over);
}

Deno.test("VGG-small at width 1: BinaryNet layer list and its exact parameter count", () => {
  const l = layerList(spec(), CIFAR);
  assert.deepEqual(l.map((x) => x.units), [128, 128, 256, 256, 512, 512, 1024, 1024, 10]);
  assert.deepEqual(l.map((x) => x.precision), ["full", ...Array(7).fill("binary"), "full"]);
  const model = buildModel(spec(), CIFAR);
  // Closed form: kernels + α (per output channel, binary layers) + BN γ/β + last-layer bias.
  const convs = [[3, 128], [128, 128], [128, 256], [256, 256], [256, 512], [512, 512]];
  const kernels = convs.reduce((s, [i, o]) => s + 9 * i * o, 0) + 8192 * 1024 + 1024 * 1024 +
    1024 * 10;
  const alpha = 128 + 256 + 256 + 512 + 512 + 1024 + 1024;
  const bn = 2 * (128 * 2 + 256 * 2 + 512 * 2 + 1024 * 2);
  assert.equal(countParams(model), kernels + alpha + bn + 10);
  assert.deepEqual(model.outputs[0].shape, [null, 10]);
  model.dispose();
});

Deno.test("every model: first and last layer full precision, BN after every binary layer, width scales", () => {
  for (const name of ["vgg_small", "alexnet", "dorefa", "mlp"] as const) {
    const data = name === "mlp"
      ? { inputShape: [28, 28, 1] as [number, number, number], numClasses: 10 }
      : CIFAR;
    const model = buildModel(spec({ model: name, width: 0.25 }), data);
    const layers = model.layers;
    const weighted = layers.filter((l) => /Conv2D|Dense/.test(l.getClassName()));
    assert.ok(
      !weighted[0].getClassName().startsWith("Quant"),
      `${name}: first layer full precision`,
    );
    assert.ok(
      !weighted.at(-1)!.getClassName().startsWith("Quant"),
      `${name}: last layer full precision`,
    );
    assert.ok(
      weighted.slice(1, -1).every((l) => l.getClassName().startsWith("Quant")),
      `${name}: binary middle`,
    );
    layers.forEach((l, i) => {
      if (!l.getClassName().startsWith("Quant")) return;
      const next = layers.slice(i + 1).find((n) => !/Pooling/.test(n.getClassName()))!;
      assert.equal(next.getClassName(), "BatchNormalization", `${name}: BN after ${l.name}`);
    });
    assert.deepEqual(model.outputs[0].shape, [null, 10], name);
    const full = layerList({ model: name, width: 1 }, data);
    const quarter = layerList({ model: name, width: 0.25 }, data);
    full.slice(0, -1).forEach((f, i) => assert.equal(quarter[i].units, Math.round(f.units / 4)));
    model.dispose();
  }
});

Deno.test("full-precision twin: same layer list, no quantizer, ReLU after each BN", () => {
  const fp = buildModel(
    spec({ width: 0.125, inputQuantizer: "none", kernelQuantizer: "none" }),
    CIFAR,
  );
  const bin = buildModel(spec({ width: 0.125 }), CIFAR);
  const kinds = (m: tf.LayersModel) =>
    m.layers.filter((l) => /Conv2D|Dense/.test(l.getClassName())).map((l) => l.outputShape);
  assert.deepEqual(kinds(fp), kinds(bin));
  for (const l of fp.layers) {
    const c = l.getConfig() as Record<string, unknown>;
    if (l.getClassName().startsWith("Quant")) {
      assert.equal(c.inputQuantizer, "none");
      assert.equal(c.kernelQuantizer, "none");
    }
  }
  const bns = fp.layers.filter((l) => l.getClassName() === "BatchNormalization").length;
  assert.equal(fp.layers.filter((l) => l.getClassName() === "ReLU").length, bns);
  assert.equal(bin.layers.filter((l) => l.getClassName() === "ReLU").length, 0);
  fp.dispose();
  bin.dispose();
});

Deno.test("initialisation depends only on the seed", () => {
  const w = (seed: number) => {
    const m = buildModel(spec({ width: 0.0625, seed }), CIFAR);
    const v = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.dispose();
    return v;
  };
  assert.deepEqual(w(3), w(3));
  assert.notDeepEqual(w(3), w(4));
});
