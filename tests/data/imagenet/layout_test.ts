import assert, { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import {
  imagenetClasses,
  ImagenetLayoutError,
  scanImagenet,
} from "../../../lib/data/imagenet/layout.ts";
import { syntheticWnid, writeSyntheticImagenet } from "../../../lib/data/imagenet/synthetic.ts";

const fixtures = new URL("../../fixtures/imagenet/", import.meta.url).pathname;
const small = { classes: 3, trainPerClass: 2, valPerClass: 2, minSide: 9, maxSide: 13 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "imagenet_layout_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("scanImagenet: train and class-folder val, labels from the sorted wnids", () =>
  withDir(async (dir) => {
    const wnids = await writeSyntheticImagenet(dir, small);
    assertEquals(await imagenetClasses(dir), [...wnids].sort());
    const train = await scanImagenet(dir, "train");
    assertEquals(train.layout, "class-folders");
    assertEquals(train.files.length, 6);
    for (let i = 0; i < train.files.length; i++) {
      // The label is the index of the file's folder among the sorted wnids.
      assertEquals(train.wnids[train.labels[i]], train.files[i].split("/")[1]);
    }
    const val = await scanImagenet(dir, "val");
    assertEquals(val.layout, "class-folders");
    assertEquals(Array.from(val.labels).sort(), [0, 0, 1, 1, 2, 2]);
    for (let i = 0; i < val.files.length; i++) {
      assertEquals(val.wnids[val.labels[i]], val.files[i].split("/")[1]);
    }
  }));

Deno.test("scanImagenet: flat val with LOC_val_solution.csv (Kaggle layout under ILSVRC/Data/CLS-LOC)", () =>
  withDir(async (outer) => {
    const root = `${outer}/ILSVRC/Data/CLS-LOC`;
    await writeSyntheticImagenet(root, { ...small, valLayout: "csv" });
    Deno.renameSync(`${root}/LOC_val_solution.csv`, `${outer}/LOC_val_solution.csv`);
    const val = await scanImagenet(outer, "val");
    assertEquals(val.layout, "LOC_val_solution.csv");
    assertEquals(val.root, root);
    // The writer interleaves classes: image k (1-based) has class (k−1) mod 3.
    assertEquals(Array.from(val.labels), [0, 1, 2, 0, 1, 2]);
    assertEquals(val.files[0], "val/ILSVRC2012_val_00000001.JPEG");
  }));

Deno.test("scanImagenet: flat val with the ground-truth file and the devkit's meta.mat", () =>
  withDir(async (dir) => {
    // Classes of the meta.mat fixture: IDs 1..3 are n02119789, n01440764, n03000134.
    const wnids = ["n01440764", "n02119789", "n03000134"];
    for (const w of wnids) {
      Deno.mkdirSync(`${dir}/train/${w}`, { recursive: true });
      Deno.copyFileSync(`${fixtures}/meta.mat`, `${dir}/train/${w}/${w}_1.JPEG`); // names only
    }
    Deno.mkdirSync(`${dir}/val`);
    for (let k = 1; k <= 4; k++) {
      Deno.writeFileSync(`${dir}/val/ILSVRC2012_val_0000000${k}.JPEG`, new Uint8Array(1));
    }
    Deno.mkdirSync(`${dir}/ILSVRC2012_devkit_t12/data`, { recursive: true });
    Deno.copyFileSync(`${fixtures}/meta.mat`, `${dir}/ILSVRC2012_devkit_t12/data/meta.mat`);
    const gt = `${dir}/ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt`;
    Deno.writeTextFileSync(gt, "3\n1\n2\n1\n");
    const val = await scanImagenet(dir, "val");
    assertEquals(val.layout, "ground-truth+meta.mat");
    // ID 3 → n03000134 (label 2), ID 1 → n02119789 (1), ID 2 → n01440764 (0).
    assertEquals(Array.from(val.labels), [2, 1, 0, 1]);
    Deno.writeTextFileSync(gt, "3\n1\n4\n1\n"); // ID 4 is "entity", not a training class
    await rejects(scanImagenet(dir, "val"), /line 3: wnid n00001740 is not one of the training/);
    Deno.writeTextFileSync(gt, "3\n1\n");
    await rejects(
      scanImagenet(dir, "val"),
      /ILSVRC2012_val_00000003\.JPEG: .* no integer on line 3/,
    );
  }));

Deno.test("scanImagenet: bad layouts give one error naming the folder and what was expected", () =>
  withDir(async (dir) => {
    await rejects(scanImagenet(dir, "train"), (e: Error) => {
      assert(e instanceof ImagenetLayoutError);
      assert(e.message.includes(dir) && e.message.includes("train/<wnid>/*.JPEG"), e.message);
      return true;
    });
    await writeSyntheticImagenet(dir, { ...small, valLayout: "flat" });
    await rejects(
      scanImagenet(dir, "val"),
      /flat validation images but no labels; expected class folders .*LOC_val_solution\.csv/,
    );
    Deno.mkdirSync(`${dir}/val/${syntheticWnid(9)}`);
    Deno.writeFileSync(`${dir}/val/${syntheticWnid(9)}/x.JPEG`, new Uint8Array(1));
    await rejects(scanImagenet(dir, "val"), /not among the 3 training classes/);
  }));
