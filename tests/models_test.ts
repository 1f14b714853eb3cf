import assert from "node:assert/strict";
import { tf } from "../lib/tf.ts";
import { initBackend } from "../lib/backend/mod.ts";
import {
  buildModel,
  buildNetwork,
  countParams,
  layerList,
  modelMacs,
  type ModelSpec,
} from "../lib/models.ts";
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

const IMAGENET = { inputShape: [224, 224, 3] as [number, number, number], numClasses: 1000 };

Deno.test("AlexNet (ImageNet): XNOR-Net/BVLC maps 55-27-13-6, exact parameters and multiply-adds", () => {
  // Width 0.5 (half of 96-256-384-384-256 / 4096-4096) keeps the test fast; the maps are those of
  // width 1.
  const model = buildModel(spec({ model: "alexnet_imagenet", width: 0.5 }), IMAGENET);
  const shape = (name: string) => model.getLayer(name).outputShape;
  assert.deepEqual(shape("conv0"), [null, 55, 55, 48]);
  assert.deepEqual(shape("pool0"), [null, 27, 27, 48]);
  assert.deepEqual(shape("pool1"), [null, 13, 13, 128]);
  assert.deepEqual(shape("conv3"), [null, 13, 13, 192]);
  assert.deepEqual(shape("pool4"), [null, 6, 6, 128]);
  assert.deepEqual(shape("flatten"), [null, 4608]);
  const convs = [[11, 3, 48], [5, 48, 128], [3, 128, 192], [3, 192, 192], [3, 192, 128]];
  const dense = [[4608, 2048], [2048, 2048], [2048, 1000]];
  const kernels = convs.reduce((a, [k, i, o]) => a + k * k * i * o, 0) +
    dense.reduce((a, [i, o]) => a + i * o, 0);
  const binaryOut = [128, 192, 192, 128, 2048, 2048];
  const alpha = binaryOut.reduce((a, b) => a + b, 0);
  const bn = 2 * (48 + alpha);
  assert.equal(countParams(model), kernels + alpha + bn + 1000);
  const sides = [55, 27, 13, 13, 13];
  const macs = convs.reduce((a, [k, i, o], j) => a + sides[j] ** 2 * k * k * i * o, 0) +
    dense.reduce((a, [i, o]) => a + i * o, 0);
  assert.equal(modelMacs(model), macs);
  const q = model.layers.filter((l) => l.getClassName().startsWith("Quant")).map((l) => l.name);
  assert.deepEqual(q, ["conv1", "conv2", "conv3", "conv4", "dense5", "dense6"]);
  model.dispose();
  assert.throws(
    () =>
      layerList({ model: "alexnet_imagenet", width: 1 }, { ...IMAGENET, inputShape: [48, 48, 3] }),
    /input 48×48 is too small .* at least 63 pixels/,
  );
  const at64 = buildModel(spec({ model: "alexnet_imagenet", width: 0.0625 }), {
    inputShape: [64, 64, 3],
    numClasses: 5,
  });
  assert.deepEqual(at64.getLayer("flatten").outputShape, [null, 16]); // 1×1×round(256/16)
  at64.dispose();
});

Deno.test("ResNet-18 Bi-Real: exact parameters, 16 binary convs each with its own shortcut", () => {
  const model = buildNetwork(spec({ model: "resnet18_bireal" }), IMAGENET);
  assert.deepEqual(model.outputs[0].shape, [null, 1000]);
  const stages = [64, 128, 256, 512];
  let params = 7 * 7 * 3 * 64 + 2 * 64, cin = 64;
  for (const c of stages) {
    for (let j = 0; j < 4; j++) {
      params += 9 * (j === 0 ? cin : c) * c + c + 2 * c; // kernel + α + BN
    }
    if (c !== cin) params += cin * c + 2 * c; // AvgPool → 1×1 conv → BN shortcut
    cin = c;
  }
  params += 512 * 1000 + 1000;
  assert.equal(countParams(model), params);
  const names = (cls: string) =>
    model.layers.filter((l) => l.getClassName() === cls).map((l) => l.name);
  assert.equal(names("QuantConv2D").length, 16);
  assert.equal(names("Add").length, 16);
  assert.deepEqual(names("Conv2D"), [
    "stem_conv",
    "s2b1c1_down_conv",
    "s3b1c1_down_conv",
    "s4b1c1_down_conv",
  ]);
  // ResNet-18's standard 1.82 G multiply-adds (binary convs counted like float ones).
  assert.ok(Math.abs(modelMacs(model) / 1e9 - 1.814) < 0.005, String(modelMacs(model)));
  model.dispose();
  assert.throws(() => layerList({ model: "resnet18_bireal", width: 1 }, IMAGENET), /buildNetwork/);
});

Deno.test("ResNet-18 Bi-Real: with every block's BN at zero the net is its real-valued shortcut path", () => {
  // Independent computation of what remains when every binary branch outputs 0: stem conv → BN
  // (inference: x/√(1+ε)) → max-pool → per downsampling stage AvgPool2 → 1×1 conv → BN → GAP → FC.
  const data = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 3 };
  const model = buildNetwork(spec({ model: "resnet18_bireal", width: 1 / 16, seed: 2 }), data);
  for (const l of model.layers) {
    if (/^s\db\dc\d_bn$/.test(l.name)) l.setWeights(l.getWeights().map((w) => tf.zerosLike(w)));
  }
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 9);
  const bnEval = (t: tf.Tensor, name: string) => {
    const [gamma, beta] = model.getLayer(name).getWeights();
    return tf.add(tf.mul(tf.div(t, Math.sqrt(1 + 1e-4)), gamma), beta);
  };
  const kernel = (name: string) => model.getLayer(name).getWeights()[0] as tf.Tensor4D;
  const want = tf.tidy(() => {
    let h: tf.Tensor4D = tf.conv2d(x as tf.Tensor4D, kernel("stem_conv"), 2, "same");
    h = tf.maxPool(bnEval(h, "stem_bn") as tf.Tensor4D, 3, 2, "same");
    for (const s of [2, 3, 4]) {
      h = tf.conv2d(tf.avgPool(h, 2, 2, "same"), kernel(`s${s}b1c1_down_conv`), 1, "valid");
      h = bnEval(h, `s${s}b1c1_down_bn`) as tf.Tensor4D;
    }
    const [w, b] = model.getLayer("fc").getWeights();
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), w), b);
  });
  const got = model.predict(x) as tf.Tensor;
  const d = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0];
  assert.ok(d < 1e-4, `max difference ${d}`);
  tf.dispose([x, want, got]);
  model.dispose();
});

Deno.test("ResNet-18 Bi-Real full-precision twin: same graph, no quantizer, ReLU where the sign was", () => {
  const data = { inputShape: [32, 32, 3] as [number, number, number], numClasses: 4 };
  const fp = buildNetwork(
    spec({
      model: "resnet18_bireal",
      width: 1 / 16,
      inputQuantizer: "none",
      kernelQuantizer: "none",
    }),
    data,
  );
  const bin = buildNetwork(spec({ model: "resnet18_bireal", width: 1 / 16 }), data);
  const convShapes = (m: tf.LayersModel) =>
    m.layers.filter((l) => /Conv2D|Dense/.test(l.getClassName())).map((l) => l.outputShape);
  assert.deepEqual(convShapes(fp), convShapes(bin));
  const quant = fp.layers.filter((l) => l.getClassName() === "QuantConv2D");
  for (const l of quant) {
    const c = l.getConfig() as Record<string, unknown>;
    assert.equal(c.inputQuantizer, "none");
    assert.equal(c.kernelQuantizer, "none");
  }
  assert.equal(fp.layers.filter((l) => l.getClassName() === "ReLU").length, 16 + 1);
  assert.equal(bin.layers.filter((l) => l.getClassName() === "ReLU").length, 0);
  fp.dispose();
  bin.dispose();
});
