import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  canonicalJson,
  configKey,
  DEFAULT_CONFIG,
  type ExperimentConfig,
  makeConfig,
  normalizeConfig,
  runId,
  validateConfig,
} from "../../../lib/experiments/config/config.ts";

Deno.test("validateConfig: a bad value throws one error naming the field and the expectation", () => {
  const cases: [Partial<ExperimentConfig> | Record<string, unknown>, RegExp][] = [
    [{ model: "resnet" }, /field 'model' is "resnet"; expected one of "vgg_small"/],
    [{ width: 0 }, /field 'width' is 0; expected a number > 0/],
    [{ width: "1" }, /field 'width' is "1"; expected a number/],
    [{ epochs: 2.5 }, /field 'epochs' is 2.5; expected an integer ≥ 1/],
    [{ lambda: -1 }, /field 'lambda' is -1; expected a number ≥ 0/],
    [{ lr: NaN }, /field 'lr' is null; expected a number > 0/],
    [
      { inputQuantizer: "sign" },
      /field 'inputQuantizer' is "sign"; expected one of "none", "ste_sign"/,
    ],
    [{ scaleShape: "row" }, /field 'scaleShape'.*"channel", "layer"/],
    [{ trainSubset: 0 }, /field 'trainSubset' is 0; expected null or an integer ≥ 1/],
    [{ augment: 1 }, /field 'augment' is 1; expected true or false/],
    [{ lamda: 1e-5 }, /unknown field 'lamda'; expected one of model, width/],
  ];
  for (const [c, re] of cases) {
    assert.throws(() => validateConfig(c as Partial<ExperimentConfig>), re, JSON.stringify(c));
  }
  assert.throws(
    () => makeConfig({ inputQuantizer: "ste_sign", trainableBeta: true }),
    /field 'trainableBeta' is true but neither inputQuantizer \("ste_sign"\) nor kernelQuantizer/,
  );
  validateConfig({ ...DEFAULT_CONFIG }); // the defaults are valid
});

Deno.test("makeConfig: defaults plus overrides, later overrides win", () => {
  const c = makeConfig({ epochs: 3, width: 0.5 }, { epochs: 4 });
  assert.equal(c.epochs, 4);
  assert.equal(c.width, 0.5);
  assert.equal(c.inputQuantizer, DEFAULT_CONFIG.inputQuantizer);
});

Deno.test("normalizeConfig: fields that cannot matter are reset, so equal experiments hash equal", async () => {
  const a = makeConfig({ inputQuantizer: "ste_sign", beta: 10 });
  const b = makeConfig({ inputQuantizer: "ste_sign", beta: 2 });
  assert.equal(await runId(a), await runId(b)); // β unused without swish_sign
  const c = makeConfig({ regularizer: "none", lambda: 1e-3 });
  const d = makeConfig({ regularizer: "none", lambda: 1e-5 });
  assert.equal(await runId(c), await runId(d));
  assert.equal(normalizeConfig(c).lambda, 0);
  const e = makeConfig({ scale: "none", scaleShape: "layer" });
  assert.equal(normalizeConfig(e).scaleShape, "channel");
  // …but fields that matter do change the id.
  assert.notEqual(await runId(makeConfig({ beta: 2 })), await runId(makeConfig({ beta: 10 })));
  assert.notEqual(await runId(makeConfig({ seed: 1 })), await runId(makeConfig({ seed: 2 })));
  assert.equal(await configKey(makeConfig({ seed: 1 })), await configKey(makeConfig({ seed: 2 })));
});

Deno.test("run id: canonical JSON with sorted keys → SHA-256, independent of key order", async () => {
  const c = makeConfig({ epochs: 7 });
  const reversed = Object.fromEntries(Object.entries(c).reverse()) as unknown as ExperimentConfig;
  assert.equal(await runId(c), await runId(reversed));
  const canon = canonicalJson(c);
  const keys = [...canon.matchAll(/"([A-Za-z]+)":/g)].map((m) => m[1]);
  assert.deepEqual(keys, [...keys].sort());
  // Independent hash implementation (node:crypto).
  const expected = createHash("sha256").update(canon).digest("hex").slice(0, 12);
  assert.equal(await runId(c), `vgg_small-${expected}`);
  assert.equal(
    canonicalJson({ b: [1, { d: null, c: "x" }], a: true }),
    '{"a":true,"b":[1,{"c":"x","d":null}]}',
  );
  assert.throws(() => canonicalJson({ a: Infinity }), /non-finite/);
});

Deno.test("run id: stable across versions (pinned value of the default config)", async () => {
  // If this fails, the hashing scheme or a default changed: every stored run id would change and
  // existing results would no longer be found. Change it only on purpose.
  assert.equal(await runId(makeConfig()), await runId({ ...DEFAULT_CONFIG }));
  assert.match(await runId(makeConfig()), /^vgg_small-[0-9a-f]{12}$/);
  assert.equal(await runId(makeConfig()), PINNED_DEFAULT_ID);
});

const PINNED_DEFAULT_ID = "vgg_small-9802e46f55f4";

Deno.test("imageSize: ImageNet only (default 224); other datasets keep their run ids", async () => {
  assert.equal(makeConfig({ dataset: "imagenet" }).imageSize, 224);
  assert.equal(makeConfig({ dataset: "imagenet", imageSize: 64 }).imageSize, 64);
  const cifar = makeConfig({ imageSize: 64 });
  assert.equal("imageSize" in cifar, false);
  assert.equal(await runId(cifar), await runId(makeConfig({})));
  assert.notEqual(
    await runId(makeConfig({ dataset: "imagenet", imageSize: 64 })),
    await runId(makeConfig({ dataset: "imagenet" })),
  );
  assert.throws(
    () => makeConfig({ imageSize: 3 }),
    /field 'imageSize' is 3; expected an integer ≥ 8/,
  );
});
