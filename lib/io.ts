/**
 * Saving and loading tfjs-layers models on the local file system from Deno: a directory holding
 * `model.json` (tfjs layers-model format) and `weights.bin`. Writes are atomic per file (temp file +
 * rename; weights first, then model.json), and model.json records the weights' byte length and an
 * FNV-1a hash so a mismatched pair is detected on load. Binary layers ({@link QuantConv2D},
 * {@link QuantDense}) are registered for serialization, so their α and trainable β round-trip.
 *
 * @module
 */
import { tf } from "./tf.ts";
import { writeFileAtomic } from "./util/atomic.ts";
import "./layers/mod.ts"; // registers QuantConv2D / QuantDense for deserialization

const MODEL_JSON = "model.json";
const WEIGHTS_BIN = "weights.bin";

/** FNV-1a 32-bit hash, hex. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

async function readOrThrow(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`loadModel: ${what} not found at ${path}`);
    }
    throw e;
  }
}

/**
 * A tfjs `IOHandler` that saves to / loads from `dir` (`model.json` + `weights.bin`). Use it with
 * `model.save(fileHandler(dir))` or `tf.loadLayersModel(fileHandler(dir))`.
 */
export function fileHandler(dir: string): tf.io.IOHandler {
  if (typeof dir !== "string" || dir === "") {
    throw new Error(`fileHandler: dir must be a non-empty path string; got ${JSON.stringify(dir)}`);
  }
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(
          "saveModel: binary model topologies are not supported (layers models only)",
        );
      }
      const weights = new Uint8Array(
        artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : [],
      );
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: {
          ...(artifacts.userDefinedMetadata ?? {}),
          bnnWeights: { byteLength: weights.byteLength, fnv1a: fnv1a(weights) },
        },
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      await Deno.mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      await writeFileAtomic(
        join(dir, MODEL_JSON),
        new TextEncoder().encode(JSON.stringify(modelJSON)),
      );
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON), binPath = join(dir, WEIGHTS_BIN);
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(new TextDecoder().decode(await readOrThrow(jsonPath, MODEL_JSON)));
      } catch (e) {
        if (e instanceof SyntaxError) throw new Error(`loadModel: ${jsonPath} is not valid JSON`);
        throw e;
      }
      if (!modelJSON || typeof modelJSON !== "object" || !modelJSON.modelTopology) {
        throw new Error(`loadModel: ${jsonPath} has no modelTopology (not a tfjs layers model)`);
      }
      const manifest = modelJSON.weightsManifest ?? [];
      const specs = manifest.flatMap((g) => g.weights);
      const bytes = specs.length > 0 ? await readOrThrow(binPath, WEIGHTS_BIN) : new Uint8Array();
      const meta = (modelJSON.userDefinedMetadata ?? {}).bnnWeights as
        | { byteLength: number; fnv1a: string }
        | undefined;
      if (meta && (meta.byteLength !== bytes.byteLength || meta.fnv1a !== fnv1a(bytes))) {
        throw new Error(
          `loadModel: ${binPath} does not match ${jsonPath} (expected ${meta.byteLength} bytes, ` +
            `hash ${meta.fnv1a}; got ${bytes.byteLength} bytes, hash ${fnv1a(bytes)})`,
        );
      }
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return tf.io.getModelArtifactsForJSONSync(modelJSON, specs, data as ArrayBuffer);
    },
  };
}

/** Saves `model` (topology, weights, α/β of binary layers) to `dir` atomically. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

/** Loads a model saved by {@link saveModel} from `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return await tf.loadLayersModel(fileHandler(dir));
}
