import assert, {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { parseMat, readMetaMat } from "../../../lib/data/imagenet/meta_mat.ts";

// Fixtures written by scipy.io.savemat (tests/fixtures/imagenet/make_meta_mat.py), an
// independent MATLAB 5 writer: the devkit's struct layout, IDs not in wnid order.
const dir = new URL("../../fixtures/imagenet/", import.meta.url).pathname;
const expected = [
  { id: 1, wnid: "n02119789", words: "kit fox, Vulpes macrotis" },
  { id: 2, wnid: "n01440764", words: "tench, Tinca tinca" },
  { id: 3, wnid: "n03000134", words: "chainlink fence" },
  { id: 4, wnid: "n00001740", words: "entity" },
];

Deno.test("readMetaMat: reads the devkit's synsets from plain and compressed MAT 5 files", async () => {
  assertEquals(await readMetaMat(`${dir}/meta.mat`), expected);
  assertEquals(await readMetaMat(`${dir}/meta_compressed.mat`), expected);
});

Deno.test("parseMat: every field of the struct, numeric arrays included", () => {
  const vars = parseMat(Deno.readFileSync(`${dir}/meta.mat`));
  const s = vars.synsets as Record<string, unknown>[];
  assertEquals(s.length, 4);
  assertEquals(s[3].children, [1, 2, 3]);
  assertEquals(s[3].num_children, [3]);
  assertEquals(s[0].children, []);
  assertEquals(s[2].gloss, "gloss of n03000134");
  assertEquals(s[1].num_train_images, [1300]);
});

Deno.test("parseMat: a file that is not MATLAB 5 is one clear error", () => {
  assertThrows(() => parseMat(new Uint8Array(200), "x.mat"), /x\.mat.*MATLAB 5/);
  const bytes = Deno.readFileSync(`${dir}/meta.mat`);
  const err = (() => {
    try {
      parseMat(bytes.subarray(0, 300), "cut.mat");
    } catch (e) {
      return (e as Error).message;
    }
  })();
  assert(err && /cut\.mat: at byte offset \d+/.test(err), String(err));
});
