/**
 * Where the ImageNet data of a run is: an explicit folder (`--data-dir`), `$BNN_IMAGENET_DIR`,
 * `$BNN_DATA_DIR/imagenet`, the project's `data/imagenet/`, `~/.cache/bnn-lab/imagenet`. A
 * folder is either an ImageNet layout (image files; see `layout.ts`) or a cache folder built by
 * `deno task imagenet:cache` (`train/manifest.json` and `val/manifest.json`). ImageNet is never
 * downloaded (it needs a licence from image-net.org).
 *
 * @module
 */
import { PROJECT_DATA_DIR } from "../locate.ts";
import { openImagenetCache } from "./cache.ts";
import { imagenetRoot, scanImagenet } from "./layout.ts";
import { fileSource, type ImageSource } from "./loader.ts";

/** The two splits of a located ImageNet folder. */
export interface ImagenetData {
  /** The folder used. */
  dir: string;
  /** True for a cache folder (decoded, resized uint8 shards), false for image files. */
  cached: boolean;
  /** Side of the cached images (cache only). */
  cacheSize?: number;
  train: ImageSource;
  val: ImageSource;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The folders looked at, in order (only `dataDir` when it is given). */
export function imagenetCandidates(dataDir?: string): string[] {
  if (dataDir) return [dataDir, `${dataDir}/imagenet`];
  const home = env("HOME");
  const out = [
    env("BNN_IMAGENET_DIR"),
    env("BNN_DATA_DIR") && `${env("BNN_DATA_DIR")}/imagenet`,
    `${PROJECT_DATA_DIR}/imagenet`,
    home && `${home}/.cache/bnn-lab/imagenet`,
  ];
  return out.filter((d): d is string => !!d);
}

/**
 * Opens the ImageNet data: the first candidate folder (see the module doc) holding a cache or an
 * ImageNet layout, scanned (file lists only). The error lists every folder looked at.
 */
export async function openImagenet(dataDir?: string): Promise<ImagenetData> {
  const looked = imagenetCandidates(dataDir);
  for (const dir of looked) {
    if (exists(`${dir}/train/manifest.json`)) {
      const train = openImagenetCache(`${dir}/train`);
      const val = openImagenetCache(`${dir}/val`);
      return { dir, cached: true, cacheSize: train.manifest.size, train, val };
    }
    let root: string;
    try {
      root = imagenetRoot(dir);
    } catch {
      continue;
    }
    const train = await scanImagenet(root, "train");
    const val = await scanImagenet(root, "val", { wnids: train.wnids });
    return { dir: root, cached: false, train: fileSource(train), val: fileSource(val) };
  }
  throw new Error(
    `imagenet: no data found; looked in ${looked.join(", ")}; expected train/<wnid>/*.JPEG and ` +
      `val/ (ImageNet cannot be downloaded automatically: get ILSVRC-2012 from image-net.org ` +
      `and pass --data-dir, or set BNN_IMAGENET_DIR)`,
  );
}
