import assert from "node:assert/strict";
import { channelStats } from "../../lib/data/batches.ts";
import { encodeCifar } from "../../lib/data/cifar10.ts";
import { classCounts, syntheticDataset } from "../../lib/data/dataset.ts";
import { encodeIdx } from "../../lib/data/idx.ts";
import { loadDataset, readDatasetFiles } from "../../lib/data/load.ts";
import { PROJECT_DATA_DIR } from "../../lib/data/locate.ts";

async function tempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadDataset reads generated CIFAR files from dataDir (or dataDir/cifar10)", async () => {
  await tempDir(async (root) => {
    const ds = syntheticDataset(13, { seed: 9 });
    await Deno.mkdir(`${root}/cifar10`);
    for (let k = 0; k < 5; k++) {
      const a = k * 2, b = k === 4 ? 10 : a + 2;
      await Deno.writeFile(
        `${root}/cifar10/data_batch_${k + 1}.bin`,
        encodeCifar(ds.images.subarray(a * 3072, b * 3072), ds.labels.subarray(a, b)),
      );
    }
    await Deno.writeFile(
      `${root}/cifar10/test_batch.bin`,
      encodeCifar(ds.images.subarray(10 * 3072), ds.labels.subarray(10)),
    );
    const train = await loadDataset("cifar10", { dataDir: root, strict: false, download: false });
    assert.equal(train.n, 10);
    assert.deepEqual(train.images, ds.images.subarray(0, 10 * 3072));
    assert.deepEqual(train.labels, ds.labels.subarray(0, 10));
    assert.deepEqual(train.shape, [32, 32, 3]);
    assert.equal(train.classNames[3], "cat");
    const test = await loadDataset("cifar10", {
      dataDir: `${root}/cifar10`,
      split: "test",
      strict: false,
    });
    assert.deepEqual(test.labels, ds.labels.subarray(10));
    // A truncated file is reported with its path, whichever way it was reached.
    await Deno.truncate(`${root}/cifar10/data_batch_3.bin`, 3073 + 5);
    await assert.rejects(
      loadDataset("cifar10", { dataDir: root, strict: false }),
      new RegExp(`${root}/cifar10/data_batch_3\\.bin: at byte offset 3073: .*5 trailing bytes`),
    );
  });
});

Deno.test("IDX: gzipped or plain, wrong magic and wrong size inside a .gz name the file", async () => {
  await tempDir(async (root) => {
    const ds = syntheticDataset(5, { shape: [28, 28, 1], seed: 2 });
    const img = encodeIdx(ds.images, [5, 28, 28]);
    const lab = encodeIdx(ds.labels, [5]);
    await Deno.writeFile(`${root}/a-img`, img);
    const gz = new Blob([lab as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new CompressionStream("gzip"));
    await Deno.writeFile(`${root}/a-lab.gz`, new Uint8Array(await new Response(gz).arrayBuffer()));
    const d = await readDatasetFiles("mnist", [`${root}/a-img`, `${root}/a-lab.gz`], {
      strict: false,
    });
    assert.deepEqual(d.images, ds.images);
    assert.deepEqual(d.labels, ds.labels);
    await assert.rejects(
      readDatasetFiles("mnist", [`${root}/a-img`, `${root}/a-lab.gz`]),
      new RegExp(`${root}/a-img: at byte offset 4: 5 images, expected 60000`),
    );
    await assert.rejects(
      readDatasetFiles("mnist", [`${root}/a-lab.gz`, `${root}/a-img`], { strict: false }),
      new RegExp(`${root}/a-lab\\.gz \\(after gunzip\\): at byte offset 0: wrong magic number`),
    );
    await Deno.writeFile(`${root}/small`, encodeIdx(new Uint8Array(5 * 9), [5, 3, 3]));
    await assert.rejects(
      readDatasetFiles("mnist", [`${root}/small`, `${root}/a-lab.gz`], { strict: false }),
      /small: at byte offset 8: images are 3×3, expected 28×28 for mnist/,
    );
  });
});

Deno.test("offline: the error lists every place looked at and how to point at a copy", async () => {
  const probe = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response());
  const closed = `http://127.0.0.1:${probe.addr.port}/`;
  await probe.shutdown();
  await tempDir(async (root) => {
    const old = Deno.env.get("BNN_DATA_DIR");
    Deno.env.set("BNN_DATA_DIR", `${root}/env`);
    try {
      const err = await loadDataset("mnist", {
        downloadDir: `${root}/dl`,
        url: closed,
        quiet: true,
      })
        .then(() => null, (e: Error) => e.message);
      assert.ok(err !== null, "mnist must not be found on this machine for this test");
      for (
        const part of [
          "mnist (train split) not found. Looked in:",
          `- ${root}/env (env BNN_DATA_DIR): not there`,
          `- ${root}/env/mnist (env BNN_DATA_DIR): not there`,
          `- ${PROJECT_DATA_DIR}/mnist (project): not there`,
          "- /usr/share/datasets/mnist (system): not there",
          `Download: into ${root}/dl/mnist failed: `,
          "--data-dir DIR",
          "BNN_DATA_DIR=DIR",
          "train-images-idx3-ubyte, train-labels-idx1-ubyte",
        ]
      ) assert.ok(err.includes(part), `missing "${part}" in:\n${err}`);
      // Nothing was left behind by the failed download.
      assert.deepEqual([...Deno.readDirSync(`${root}/dl`)], []);
      await assert.rejects(
        loadDataset("mnist", { dataDir: `${root}/none`, download: false }),
        /Download: disabled \(download: false\)/,
      );
    } finally {
      if (old === undefined) Deno.env.delete("BNN_DATA_DIR");
      else Deno.env.set("BNN_DATA_DIR", old);
    }
  });
  await assert.rejects(loadDataset("cifar10", { split: "val" as "test" }), /split must be/);
});

// The real datasets are found through the normal lookup (data/cifar10 → ../shared/data → the
// shared copy on these machines). Absence is a failure, never a skip.
Deno.test("real CIFAR-10: 50000/10000 records, balanced classes, published channel means", async () => {
  const train = await loadDataset("cifar10", { download: false });
  const test = await loadDataset("cifar10", { split: "test", download: false });
  assert.equal(train.n, 50000);
  assert.equal(test.n, 10000);
  assert.deepEqual(classCounts(train), new Array(10).fill(5000));
  assert.deepEqual(classCounts(test), new Array(10).fill(1000));
  const { mean } = channelStats(train);
  [0.4914, 0.4822, 0.4465].forEach((m, c) => assert.ok(Math.abs(mean[c] - m) < 1e-3, `${mean}`));
  assert.deepEqual([...train.labels.subarray(0, 10)], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  assert.deepEqual([...test.labels.subarray(0, 10)], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
});

Deno.test("real Fashion-MNIST (Debian dataset-fashion-mnist): 60000/10000, balanced", async () => {
  const train = await loadDataset("fashion-mnist", { download: false });
  const test = await loadDataset("fashion-mnist", { split: "test", download: false });
  assert.equal(train.n, 60000);
  assert.equal(test.n, 10000);
  assert.deepEqual(classCounts(train), new Array(10).fill(6000));
  assert.deepEqual(classCounts(test), new Array(10).fill(1000));
  assert.ok(Math.abs(channelStats(train).mean[0] - 0.2860) < 1e-3);
});

Deno.test("firstPerClass: the first N of every class decoded, the rest zero; labels and n of the full split", async () => {
  await tempDir(async (root) => {
    const ds = syntheticDataset(60, { seed: 4, numClasses: 10 });
    // Labels in a non-periodic order so that "first N per class" spans both files unevenly.
    for (let i = 0; i < ds.n; i++) ds.labels[i] = (i * 7 + (i >> 3)) % 10;
    await Deno.writeFile(
      `${root}/data_batch_1.bin`,
      encodeCifar(ds.images.subarray(0, 25 * 3072), ds.labels.subarray(0, 25)),
    );
    await Deno.writeFile(
      `${root}/data_batch_2.bin`,
      encodeCifar(ds.images.subarray(25 * 3072), ds.labels.subarray(25)),
    );
    const files = [`${root}/data_batch_1.bin`, `${root}/data_batch_2.bin`];
    const full = await readDatasetFiles("cifar10", files, { strict: false });
    const part = await readDatasetFiles("cifar10", files, { strict: false, firstPerClass: 3 });
    assert.equal(full.decodedPerClass, undefined);
    assert.equal(part.decodedPerClass, 3);
    assert.equal(part.n, full.n);
    assert.deepEqual(part.labels, full.labels);
    const seen = new Array(10).fill(0);
    let decoded = 0;
    for (let i = 0; i < full.n; i++) {
      const a = part.images.subarray(i * 3072, (i + 1) * 3072);
      if (seen[full.labels[i]]++ < 3) {
        decoded++;
        assert.deepEqual(a, full.images.subarray(i * 3072, (i + 1) * 3072), `record ${i}`);
      } else {
        assert.ok(a.every((v) => v === 0), `record ${i} is not decoded`);
      }
    }
    assert.equal(decoded, 30);
    assert.throws(() => channelStats(part), /only the first 3 examples of every class/);
    for (const bad of [0, -1, 2.5, NaN]) {
      await assert.rejects(
        loadDataset("cifar10", { dataDir: root, strict: false, firstPerClass: bad }),
        /firstPerClass must be a positive integer/,
      );
    }
  });
});
