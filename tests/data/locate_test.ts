import assert from "node:assert/strict";
import {
  candidateDirs,
  locate,
  notFoundMessage,
  PROJECT_DATA_DIR,
  PROJECT_ROOT,
  splitFiles,
} from "../../lib/data/locate.ts";
import { DATASETS } from "../../lib/data/specs.ts";

async function withEnv<T>(value: string | undefined, fn: () => Promise<T> | T): Promise<T> {
  const old = Deno.env.get("BNN_DATA_DIR");
  if (value === undefined) Deno.env.delete("BNN_DATA_DIR");
  else Deno.env.set("BNN_DATA_DIR", value);
  try {
    return await fn();
  } finally {
    if (old === undefined) Deno.env.delete("BNN_DATA_DIR");
    else Deno.env.set("BNN_DATA_DIR", old);
  }
}

Deno.test("project root is found from the module, not the working directory", () => {
  assert.ok(Deno.statSync(`${PROJECT_ROOT}/deno.json`).isFile);
  assert.ok(Deno.statSync(`${PROJECT_ROOT}/lib/data/locate.ts`).isFile);
  assert.equal(PROJECT_DATA_DIR, `${PROJECT_ROOT}/data`);
});

Deno.test("candidate order: env, project data/, ../shared/data, system; dataDir alone", async () => {
  const spec = DATASETS.cifar10;
  await withEnv("/env/root", () => {
    const dirs = candidateDirs(spec).map((c) => c.dir);
    const at = (d: string) => dirs.indexOf(d);
    assert.deepEqual(dirs.slice(0, 3), [
      "/env/root",
      "/env/root/cifar10",
      "/env/root/cifar-10-batches-bin",
    ]);
    assert.ok(at(`${PROJECT_DATA_DIR}/cifar10`) > 2);
    const shared = `${PROJECT_ROOT.replace(/\/[^/]*$/, "")}/shared/data/cifar-10-batches-bin`;
    assert.ok(at(shared) > at(`${PROJECT_DATA_DIR}/cifar10`));
    assert.ok(at("/usr/share/datasets/cifar10") > at(shared));
    assert.equal(new Set(dirs).size, dirs.length);
  });
  await withEnv(undefined, () => {
    assert.equal(candidateDirs(spec)[0].dir, `${PROJECT_DATA_DIR}/cifar10`);
  });
  await withEnv("/env/root", () => {
    assert.deepEqual(candidateDirs(spec, "/mine").map((c) => c.dir), [
      "/mine",
      "/mine/cifar10",
      "/mine/cifar-10-batches-bin",
    ]);
  });
});

Deno.test("splitFiles / locate: plain or .gz IDX files, missing names, notFoundMessage", async () => {
  const spec = DATASETS.mnist;
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/mnist`);
    await Deno.writeFile(`${root}/mnist/t10k-images-idx3-ubyte`, new Uint8Array(1));
    assert.deepEqual(splitFiles(`${root}/mnist`, spec, "test"), {
      missing: ["t10k-labels-idx1-ubyte[.gz]"],
    });
    assert.equal(locate(spec, "test", root), null);
    const msg = notFoundMessage(spec, "test", root, "disabled");
    assert.match(msg, /^mnist \(test split\) not found\. Looked in:/);
    assert.ok(
      msg.includes(
        `- ${root}/mnist (dataDir option / --data-dir): incomplete, missing t10k-labels`,
      ),
    );
    assert.ok(msg.includes(`- ${root} (dataDir option / --data-dir): not there`));
    assert.match(msg, /pass --data-dir DIR \(option dataDir\) or set BNN_DATA_DIR=DIR/);
    await Deno.writeFile(`${root}/mnist/t10k-labels-idx1-ubyte.gz`, new Uint8Array(1));
    assert.deepEqual(locate(spec, "test", root), {
      dir: `${root}/mnist`,
      files: [`${root}/mnist/t10k-images-idx3-ubyte`, `${root}/mnist/t10k-labels-idx1-ubyte.gz`],
    });
    // Through the env var too (not strict: later places would still be searched).
    await withEnv(root, () => assert.equal(locate(spec, "test")?.dir, `${root}/mnist`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
