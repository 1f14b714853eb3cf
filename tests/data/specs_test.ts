import assert from "node:assert/strict";
import {
  DATASET_NAMES,
  DATASETS,
  datasetSpec,
  IMAGENET,
  imagenetShape,
} from "../../lib/data/specs.ts";
import { IMAGENET_MEAN, IMAGENET_STD } from "../../lib/data/imagenet/transform.ts";

Deno.test("every spec is consistent", () => {
  for (const name of DATASET_NAMES) {
    const s = datasetSpec(name);
    assert.equal(s, DATASETS[name]);
    assert.equal(s.classNames.length, s.numClasses);
    assert.equal(s.mean.length, s.shape[2]);
    assert.equal(s.std.length, s.shape[2]);
    assert.ok(s.urls.length > 0);
    const remote = "archive" in s.remote ? [s.remote.archive] : s.remote.files;
    for (const f of remote) assert.match(f.md5, /^[0-9a-f]{32}$/);
  }
  assert.equal(DATASETS.cifar10.files.train.length, 5);
  const r = DATASETS.cifar10.remote;
  assert.ok("archive" in r);
  assert.equal(r.archive.md5, "c32a1d4ab5d03f1284b67883e8d87530");
});

Deno.test("unknown dataset names are rejected with the known ones listed", () => {
  assert.throws(
    () => datasetSpec("cifar100"),
    /unknown dataset "cifar100".*cifar10, fashion-mnist/,
  );
});

Deno.test("IMAGENET: shape at any side, ILSVRC-2012 sizes, the loader's normalisation, not loadable", () => {
  assert.deepEqual(imagenetShape(), [224, 224, 3]);
  assert.deepEqual(imagenetShape(112), [112, 112, 3]);
  assert.equal(IMAGENET.defaultImageSize, 224);
  assert.equal(IMAGENET.mean.length, imagenetShape()[2]);
  assert.equal(IMAGENET.std.length, imagenetShape()[2]);
  // ILSVRC-2012: 732 to 1300 training images per class, 50 validation images per class.
  assert.equal(IMAGENET.records.test, 50 * IMAGENET.numClasses);
  assert.ok(IMAGENET.records.train >= 732 * IMAGENET.numClasses);
  assert.ok(IMAGENET.records.train <= 1300 * IMAGENET.numClasses);
  // One definition: the loader normalises with these values.
  assert.equal(IMAGENET_MEAN, IMAGENET.mean);
  assert.equal(IMAGENET_STD, IMAGENET.std);
  assert.ok(Object.isFrozen(IMAGENET) && Object.isFrozen(IMAGENET.mean));
  // Streamed by lib/data/imagenet/, never by loadDataset.
  assert.ok(!(DATASET_NAMES as readonly string[]).includes("imagenet"));
  assert.throws(() => datasetSpec("imagenet"), /unknown dataset "imagenet"/);
});
