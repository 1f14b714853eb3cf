/**
 * Saving and loading tfjs-layers models on the local file system from Deno: a directory holding
 * `model.json` (tfjs layers-model format) and `weights.bin`. Writes are atomic per file (temp file +
 * rename; weights first, then model.json), and model.json records the weights' byte length and an
 * FNV-1a hash so a mismatched pair is detected on load. Before anything reaches tfjs, the load
 * validates the weights manifest (names, dtypes, shapes) against the size of `weights.bin` and
 * the layer configs (units, filters, kernel sizes, the shapes flowing through a sequential model)
 * against the manifest, so a damaged or hostile folder fails with one {@link ModelFileError}
 * naming the file and field instead of a tfjs error or a huge allocation. Binary layers ({@link QuantConv2D},
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

/** A damaged or hostile model folder: names the file and the field (e.g. `weightsManifest[0]`). */
export class ModelFileError extends Error {
  /** The file the error is about (`…/model.json` or `…/weights.bin`). */
  readonly path: string;
  /** The field, e.g. `weightsManifest[0].weights[3].shape`, or "file". */
  readonly field: string;
  constructor(path: string, field: string, detail: string) {
    super(`loadModel: ${path}: ${field}: ${detail}`);
    this.name = "ModelFileError";
    this.path = path;
    this.field = field;
  }
}

/** Values (elements) any one weight or layer output may hold: 2²⁶. */
const MAX_VALUES = 2 ** 26;
const DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze(
  Object.assign(Object.create(null), { float32: 4, int32: 4, bool: 1 }),
);

async function readOrThrow(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ModelFileError(path, "file", `${what} not found at ${path}`);
    }
    throw new ModelFileError(path, "file", `cannot read: ${(e as Error).message}`);
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Checks the manifest against `byteLength`: one group reading `weights.bin`, unique names,
 * known dtypes, integer shapes, sizes adding up to the file exactly. Returns shapes by name.
 */
function checkManifest(
  modelJSON: Record<string, unknown>,
  spec: { jsonPath: string; byteLength: number },
): Map<string, number[]> {
  const fail = (field: string, detail: string): never => {
    throw new ModelFileError(spec.jsonPath, field, detail);
  };
  const manifest = modelJSON.weightsManifest ?? [];
  if (!Array.isArray(manifest)) fail("weightsManifest", `expected an array, got ${show(manifest)}`);
  const shapes = new Map<string, number[]>();
  let bytes = 0;
  (manifest as unknown[]).forEach((g, gi) => {
    const at = `weightsManifest[${gi}]`;
    if (!isObject(g)) return fail(at, `expected an object, got ${show(g)}`);
    if (!Array.isArray(g.paths) || g.paths.some((p) => p !== WEIGHTS_BIN)) {
      fail(`${at}.paths`, `expected ["${WEIGHTS_BIN}"], got ${show(g.paths)}`);
    }
    if (!Array.isArray(g.weights)) fail(`${at}.weights`, `expected an array`);
    (g.weights as unknown[]).forEach((w, wi) => {
      const wat = `${at}.weights[${wi}]`;
      if (!isObject(w)) return fail(wat, `expected an object, got ${show(w)}`);
      if (typeof w.name !== "string" || w.name === "" || shapes.has(w.name)) {
        fail(`${wat}.name`, `expected a unique non-empty name, got ${show(w.name)}`);
      }
      if (typeof w.dtype !== "string" || !Object.hasOwn(DTYPE_BYTES, w.dtype)) {
        fail(`${wat}.dtype`, `expected "float32", "int32" or "bool", got ${show(w.dtype)}`);
      }
      if (w.quantization !== undefined) {
        fail(`${wat}.quantization`, "quantized weights unsupported");
      }
      const shape = w.shape;
      if (
        !Array.isArray(shape) || shape.length > 6 ||
        shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_VALUES)
      ) {
        fail(`${wat}.shape`, `expected up to 6 integers in 0…${MAX_VALUES}, got ${show(shape)}`);
      }
      let n = 1;
      for (const d of shape as number[]) n *= d;
      if (n > MAX_VALUES) fail(`${wat}.shape`, `${show(shape)} exceeds ${MAX_VALUES} values`);
      bytes += n * DTYPE_BYTES[w.dtype as string];
      shapes.set(w.name as string, shape as number[]);
    });
  });
  if (bytes !== spec.byteLength) {
    fail(
      "weightsManifest",
      `describes ${bytes} bytes of weights but ${WEIGHTS_BIN} has ${spec.byteLength}`,
    );
  }
  return shapes;
}

/** The out size of one spatial axis, as tfjs computes it. */
function axisOut(size: number, k: number, stride: number, padding: unknown): number {
  return padding === "same" ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

/**
 * Checks the topology against the manifest: every number finite; for a sequential model of the
 * project's layer classes, the shapes flowing through it, each layer's kernel/bias/batch-norm
 * weights against them, and each output ≤ 2²⁶ values (what tfjs would allocate when building).
 */
function checkTopology(
  topology: unknown,
  spec: { jsonPath: string; shapes: Map<string, number[]> },
): void {
  const fail = (field: string, detail: string): never => {
    throw new ModelFileError(spec.jsonPath, field, detail);
  };
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "number" && !Number.isFinite(v)) fail(at, `not a finite number: ${v}`);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (isObject(v)) { for (const k of Object.keys(v)) walk(v[k], `${at}.${k}`); }
  };
  walk(topology, "modelTopology");
  if (!isObject(topology) || !isObject(topology.config)) return;
  const layers = topology.config.layers;
  if (!Array.isArray(layers)) return fail("modelTopology.config.layers", "expected an array");
  let shape: number[] | null = null;
  layers.forEach((layer, i) => {
    const at = `modelTopology.config.layers[${i}]`;
    if (!isObject(layer) || !isObject(layer.config)) return fail(at, "expected a layer object");
    const c = layer.config, name = String(c.name);
    const ints = (key: string, n: number): number[] => {
      const v = c[key];
      const arr = typeof v === "number" ? Array(n).fill(v) : v;
      if (
        !Array.isArray(arr) || arr.length !== n ||
        arr.some((d) => !(Number.isInteger(d) && d >= 1 && d <= 65536))
      ) {
        return fail(`${at}.config.${key}`, `expected ${n} integers in 1…65536, got ${show(v)}`);
      }
      return arr as number[];
    };
    const weight = (suffix: string, want: number[]): void => {
      const got = spec.shapes.get(`${name}/${suffix}`);
      if (got && got.join() !== want.join()) {
        fail(
          `${at} (${name})`,
          `${suffix} has shape [${got}] in the manifest, the layer needs [${want}]`,
        );
      }
    };
    if (Array.isArray(c.batch_input_shape)) {
      const dims = c.batch_input_shape.slice(1);
      if (dims.some((d) => !(Number.isInteger(d) && d >= 1 && d <= 65536))) {
        fail(`${at}.config.batch_input_shape`, `expected integers in 1…65536, got ${show(dims)}`);
      }
      shape = dims as number[];
    }
    if (shape === null) return;
    const s: number[] = shape;
    const last = s[s.length - 1];
    switch (layer.class_name) {
      case "Conv2D":
      case "QuantConv2D": {
        if (s.length !== 3) return fail(at, `needs an [H, W, C] input, got [${s}]`);
        const [kh, kw] = ints("kernel_size", 2), [sh, sw] = ints("strides", 2);
        const filters = ints("filters", 1)[0];
        weight("kernel", [kh, kw, last, filters]);
        if (c.use_bias !== false) weight("bias", [filters]);
        shape = [axisOut(s[0], kh, sh, c.padding), axisOut(s[1], kw, sw, c.padding), filters];
        break;
      }
      case "Dense":
      case "QuantDense": {
        const units = ints("units", 1)[0];
        weight("kernel", [last, units]);
        if (c.use_bias !== false) weight("bias", [units]);
        shape = [...s.slice(0, -1), units];
        break;
      }
      case "BatchNormalization":
        for (const w of ["gamma", "beta", "moving_mean", "moving_variance"]) weight(w, [last]);
        break;
      case "MaxPooling2D":
      case "AveragePooling2D": {
        if (s.length !== 3) return fail(at, `needs an [H, W, C] input, got [${s}]`);
        const [ph, pw] = ints("pool_size", 2);
        const [sh, sw] = c.strides == null ? [ph, pw] : ints("strides", 2);
        shape = [axisOut(s[0], ph, sh, c.padding), axisOut(s[1], pw, sw, c.padding), last];
        break;
      }
      case "Flatten":
        shape = [s.reduce((a, b) => a * b, 1)];
        break;
      case "InputLayer":
      case "Dropout":
      case "Activation":
      case "ReLU":
        break;
      default:
        shape = null; // a layer this check does not model: stop inferring shapes
        return;
    }
    const out: number[] = shape;
    if (out.some((d) => !(d >= 1)) || out.reduce((a, b) => a * b, 1) > MAX_VALUES) {
      fail(at, `output shape [${out}] is empty or exceeds ${MAX_VALUES} values`);
    }
  });
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
      const text = await readOrThrow(jsonPath, MODEL_JSON);
      try {
        modelJSON = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(text));
      } catch (e) {
        throw new ModelFileError(jsonPath, "file", `is not valid JSON (${(e as Error).message})`);
      }
      if (!isObject(modelJSON) || !isObject(modelJSON.modelTopology)) {
        throw new ModelFileError(
          jsonPath,
          "modelTopology",
          "missing (not a tfjs layers model)",
        );
      }
      const manifest = modelJSON.weightsManifest ?? [];
      if (!Array.isArray(manifest)) {
        throw new ModelFileError(
          jsonPath,
          "weightsManifest",
          `expected an array, got ${show(manifest)}`,
        );
      }
      const hasWeights = manifest.some((g) =>
        isObject(g) && Array.isArray(g.weights) && g.weights.length > 0
      );
      const bytes = hasWeights ? await readOrThrow(binPath, WEIGHTS_BIN) : new Uint8Array();
      const meta = isObject(modelJSON.userDefinedMetadata)
        ? modelJSON.userDefinedMetadata.bnnWeights
        : undefined;
      if (meta !== undefined) {
        if (
          !isObject(meta) || typeof meta.byteLength !== "number" || typeof meta.fnv1a !== "string"
        ) {
          throw new ModelFileError(
            jsonPath,
            "userDefinedMetadata.bnnWeights",
            `malformed: ${show(meta)}`,
          );
        }
        if (meta.byteLength !== bytes.byteLength || meta.fnv1a !== fnv1a(bytes)) {
          throw new ModelFileError(
            binPath,
            "file",
            `${binPath} does not match ${jsonPath} (expected ${meta.byteLength} bytes, ` +
              `hash ${meta.fnv1a}; got ${bytes.byteLength} bytes, hash ${fnv1a(bytes)})`,
          );
        }
      }
      const shapes = checkManifest(modelJSON as unknown as Record<string, unknown>, {
        jsonPath,
        byteLength: bytes.byteLength,
      });
      checkTopology(modelJSON.modelTopology, { jsonPath, shapes });
      const specs = (modelJSON.weightsManifest ?? []).flatMap((g) => g.weights);
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return tf.io.getModelArtifactsForJSONSync(modelJSON, specs, data as ArrayBuffer);
    },
  };
}

/** Saves `model` (topology, weights, α/β of binary layers) to `dir` atomically. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

/**
 * Loads a model saved by {@link saveModel} from `dir`. A damaged or hostile folder throws one
 * {@link ModelFileError} naming the file and the field (tfjs errors are wrapped the same way).
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileHandler(dir));
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(join(dir, MODEL_JSON), "modelTopology", (e as Error).message);
  }
}
