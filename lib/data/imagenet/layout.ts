/**
 * The standard ImageNet (ILSVRC-2012) folder layouts, read as file lists (never contents):
 *
 * - training: `train/<wnid>/*.JPEG` (one folder per class; the class index is the position of
 *   the wnid in the sorted list of training folders, the torchvision/Caffe convention);
 * - validation, either in class folders `val/<wnid>/*.JPEG`, or flat
 *   `val/ILSVRC2012_val_00000001.JPEG …` with its labels in
 *   - `LOC_val_solution.csv` (Kaggle layout: `ImageId,PredictionString` whose first token is the
 *     wnid), or
 *   - `ILSVRC2012_validation_ground_truth.txt` (one ILSVRC2012_ID per line, in file-number order)
 *     plus the devkit's `meta.mat`, which maps ILSVRC2012_ID → wnid (read by `meta_mat.ts`).
 *
 * The root may be the folder holding `train/` and `val/`, or a Kaggle download whose images sit
 * in `ILSVRC/Data/CLS-LOC/`. Ground-truth files are looked for in the root, in `val/`, and in the
 * devkit folders (`ILSVRC2012_devkit_t12/data/`).
 *
 * @module
 */
import { readMetaMat } from "./meta_mat.ts";

/** A split of an ImageNet-layout folder: image paths and labels, no pixels. */
export interface ImagenetIndex {
  /** The folder that holds `train/` and `val/`. */
  root: string;
  /** "train" or "val". */
  split: "train" | "val";
  /** Class wnids in label order (sorted training folder names). */
  wnids: string[];
  /** Image paths relative to `root`, e.g. `train/n01440764/n01440764_10026.JPEG`. */
  files: string[];
  /** Label of each file, an index into `wnids`. */
  labels: Uint16Array;
  /** How the labels were found. */
  layout: "class-folders" | "LOC_val_solution.csv" | "ground-truth+meta.mat";
}

/** Thrown when a folder does not have an ImageNet layout; the message says what was expected. */
export class ImagenetLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImagenetLayoutError";
  }
}

/** File extensions counted as images (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpeg", ".jpg", ".png"];

const WNID = /^n\d{8}$/;

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function isImage(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Sorted entries of `dir` (names), split into directories and image files. */
async function listDir(dir: string): Promise<{ dirs: string[]; images: string[] }> {
  const dirs: string[] = [], images: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) dirs.push(e.name);
    else if ((e.isFile || e.isSymlink) && isImage(e.name)) images.push(e.name);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { dirs: dirs.sort(cmp), images: images.sort(cmp) };
}

/**
 * The folder holding `train/` and `val/` under `root`: `root` itself, or the Kaggle layout's
 * `root/ILSVRC/Data/CLS-LOC`. Throws an {@link ImagenetLayoutError} naming what was looked for.
 */
export function imagenetRoot(root: string): string {
  for (const r of [root, `${root}/ILSVRC/Data/CLS-LOC`, `${root}/imagenet`]) {
    if (isDir(`${r}/train`) || isDir(`${r}/val`)) return r;
  }
  throw new ImagenetLayoutError(
    `${root}: no ImageNet layout found; expected ${root}/train/<wnid>/*.JPEG and ${root}/val/ ` +
      `(or the Kaggle layout ${root}/ILSVRC/Data/CLS-LOC/{train,val})`,
  );
}

/** The class wnids of an ImageNet folder: the sorted `train/` sub-folders (or `val/` ones). */
export async function imagenetClasses(root: string): Promise<string[]> {
  const r = imagenetRoot(root);
  for (const split of ["train", "val"]) {
    if (!isDir(`${r}/${split}`)) continue;
    const { dirs } = await listDir(`${r}/${split}`);
    const classes = dirs.filter((d) => WNID.test(d));
    if (classes.length > 0) return classes;
  }
  throw new ImagenetLayoutError(
    `${r}: no class folders found; expected ${r}/train/<wnid>/ folders named like n01440764`,
  );
}

/** Places where a ground-truth file of the flat validation layout may sit. */
function groundTruthCandidates(root: string, outer: string, name: string): string[] {
  const dirs = [root, `${root}/val`, outer, `${root}/ILSVRC2012_devkit_t12/data`];
  dirs.push(`${outer}/ILSVRC2012_devkit_t12/data`, `${root}/devkit/data`, `${outer}/devkit/data`);
  return [...new Set(dirs)].map((d) => `${d}/${name}`);
}

function findFile(candidates: string[]): string | undefined {
  return candidates.find(isFile);
}

/** Options of {@link scanImagenet}. */
export interface ScanOptions {
  /** Class wnids in label order; default: {@link imagenetClasses} of the root. */
  wnids?: string[];
}

/**
 * Lists split `split` of the ImageNet folder `root` (see the module doc for the layouts). Files
 * are sorted by class, then name (train and class-folder val), or by name (flat val), so the
 * index is deterministic. Only names are read; a million files take a few seconds.
 *
 * @example
 * ```ts
 * const train = await scanImagenet("/data/imagenet", "train");
 * console.log(train.files.length, train.wnids.length); // 1281167 1000
 * ```
 */
export async function scanImagenet(
  root: string,
  split: "train" | "val",
  options: ScanOptions = {},
): Promise<ImagenetIndex> {
  const outer = root;
  const r = imagenetRoot(root);
  const wnids = options.wnids ?? await imagenetClasses(r);
  const classOf = new Map(wnids.map((w, i) => [w, i]));
  const dir = `${r}/${split}`;
  if (!isDir(dir)) {
    throw new ImagenetLayoutError(`${dir}: not found; expected the ${split} images there`);
  }
  const top = await listDir(dir);
  const classDirs = top.dirs.filter((d) => WNID.test(d));
  if (classDirs.length > 0) {
    const files: string[] = [], labels: number[] = [];
    for (const d of classDirs) {
      const label = classOf.get(d);
      if (label === undefined) {
        throw new ImagenetLayoutError(
          `${dir}/${d}: class folder not among the ${wnids.length} training classes ` +
            `(expected one of the wnids of ${r}/train)`,
        );
      }
      const { images } = await listDir(`${dir}/${d}`);
      for (const f of images) {
        files.push(`${split}/${d}/${f}`);
        labels.push(label);
      }
    }
    return index(r, split, wnids, files, labels, "class-folders");
  }
  if (split === "train") {
    throw new ImagenetLayoutError(
      `${dir}: no class folders; expected ${dir}/<wnid>/*.JPEG (wnid like n01440764)`,
    );
  }
  return await flatVal(r, outer, dir, top.images, wnids, classOf);
}

function index(
  root: string,
  split: "train" | "val",
  wnids: string[],
  files: string[],
  labels: number[],
  layout: ImagenetIndex["layout"],
): ImagenetIndex {
  if (files.length === 0) {
    throw new ImagenetLayoutError(`${root}/${split}: no images (*.JPEG, *.jpg, *.png) found`);
  }
  return { root, split, wnids, files, labels: Uint16Array.from(labels), layout };
}

/** The flat validation layout: images in `val/`, labels from a ground-truth file. */
async function flatVal(
  root: string,
  outer: string,
  dir: string,
  images: string[],
  wnids: string[],
  classOf: Map<string, number>,
): Promise<ImagenetIndex> {
  const wnidLabel = (wnid: string, where: string): number => {
    const l = classOf.get(wnid);
    if (l === undefined) {
      throw new ImagenetLayoutError(`${where}: wnid ${wnid} is not one of the training classes`);
    }
    return l;
  };
  const csv = findFile(groundTruthCandidates(root, outer, "LOC_val_solution.csv"));
  if (csv) {
    const byId = new Map<string, number>();
    const lines = (await Deno.readTextFile(csv)).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (i === 0 && /^ImageId\b/i.test(line)) return;
      if (line.trim() === "") return;
      const [id, pred] = line.split(",", 2);
      const wnid = pred?.trim().split(/\s+/)[0];
      if (!id || !wnid || !WNID.test(wnid)) {
        throw new ImagenetLayoutError(
          `${csv}: line ${i + 1}: expected "ImageId,<wnid> x y x y …", got ${JSON.stringify(line)}`,
        );
      }
      byId.set(id.trim(), wnidLabel(wnid, `${csv}: line ${i + 1}`));
    });
    const files: string[] = [], labels: number[] = [];
    for (const f of images) {
      const label = byId.get(f.replace(/\.[^.]*$/, ""));
      if (label === undefined) {
        throw new ImagenetLayoutError(`${dir}/${f}: no entry in ${csv}`);
      }
      files.push(`val/${f}`);
      labels.push(label);
    }
    return index(root, "val", wnids, files, labels, "LOC_val_solution.csv");
  }
  const gt = findFile(
    groundTruthCandidates(root, outer, "ILSVRC2012_validation_ground_truth.txt"),
  );
  const meta = findFile(groundTruthCandidates(root, outer, "meta.mat"));
  if (gt && meta) {
    const synsets = await readMetaMat(meta);
    const idToWnid = new Map(synsets.map((s) => [s.id, s.wnid]));
    const ids = (await Deno.readTextFile(gt)).split(/\r?\n/).filter((l) => l.trim() !== "");
    const files: string[] = [], labels: number[] = [];
    for (const f of images) {
      const m = /ILSVRC2012_val_(\d+)\./.exec(f);
      if (!m) {
        throw new ImagenetLayoutError(
          `${dir}/${f}: expected a name like ILSVRC2012_val_00000001.JPEG (flat layout)`,
        );
      }
      const k = Number(m[1]);
      const id = Number(ids[k - 1]);
      if (!(k >= 1 && k <= ids.length) || !Number.isInteger(id)) {
        throw new ImagenetLayoutError(`${dir}/${f}: ${gt} has no integer on line ${k}`);
      }
      const wnid = idToWnid.get(id);
      if (!wnid) {
        throw new ImagenetLayoutError(`${gt}: line ${k}: ILSVRC2012_ID ${id} is not in ${meta}`);
      }
      files.push(`val/${f}`);
      labels.push(wnidLabel(wnid, `${gt}: line ${k}`));
    }
    return index(root, "val", wnids, files, labels, "ground-truth+meta.mat");
  }
  throw new ImagenetLayoutError(
    `${dir}: flat validation images but no labels; expected class folders ${dir}/<wnid>/, or ` +
      `LOC_val_solution.csv, or ILSVRC2012_validation_ground_truth.txt together with the ` +
      `devkit's meta.mat in ${root}, ${dir} or ${root}/ILSVRC2012_devkit_t12/data` +
      (gt && !meta ? ` (found ${gt} but no meta.mat)` : ""),
  );
}
