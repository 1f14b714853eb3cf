import assert from "node:assert/strict";
import { DATASET_NAMES, DATASETS, datasetSpec } from "../../lib/data/specs.ts";

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
