import assert from "node:assert/strict";
import * as format from "../../lib/deploy/format.ts";
import { decodeModel, type DeployModel, encodeModel } from "../../lib/deploy/format.ts";
import { createEngine } from "../../lib/deploy/engine.ts";
import { loadBinary } from "../../lib/deploy/io.ts";

function sample(): DeployModel {
  return {
    format: "bnn-packed",
    version: 2,
    inputShape: [4, 4, 3],
    outputShape: [2],
    meta: { source: "test" },
    ops: [
      {
        type: "conv",
        name: "c",
        kh: 3,
        kw: 3,
        cin: 3,
        cout: 5,
        strides: [1, 1],
        padding: "same",
        input: "sign",
        kernel: "binary",
        weights: Uint32Array.of(
          1,
          2,
          3,
          0xffffffff,
          5,
          6,
          7,
          8,
          9,
          10,
          11,
          12,
          13,
          14,
          15,
          16,
          17,
          18,
          19,
          20,
          21,
          22,
          23,
          24,
          25,
          26,
          27,
          28,
          29,
          30,
          31,
          32,
          33,
          34,
          35,
          36,
          37,
          38,
          39,
          40,
          41,
          42,
          43,
          44,
          45,
        ),
        scale: Float32Array.of(0.5, -1, 2, 3, 4),
        shift: Float32Array.of(0, 1, 2, 3, -4.25),
        activation: "linear",
        threshold: Float32Array.of(1, -Infinity, Infinity, 0, 2),
        direction: Int8Array.of(1, 0, 0, -1, 1),
      },
      {
        type: "maxpool",
        name: "p",
        ph: 2,
        pw: 2,
        strides: [2, 2],
        padding: "valid",
        mode: Int8Array.of(1, -1, 1, 1, 1),
      },
      { type: "flatten", name: "f" },
      {
        type: "dense",
        name: "d",
        inFeatures: 20,
        units: 2,
        group: 5,
        input: "sign",
        kernel: "float",
        weights: new Float32Array(40).map((_, i) => i / 7),
        scale: Float32Array.of(1, 1),
        shift: Float32Array.of(0, 0),
        activation: "softmax",
      },
    ],
  };
}

Deno.test("encode/decode round trip keeps every field and typed array", () => {
  const m = sample();
  const bytes = encodeModel(m);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x42, 0x4e, 0x4e, 0x50]);
  const h = new DataView(bytes.buffer).getUint32(8, true);
  assert.equal((16 + h) % 16, 0, "payload is 16-byte aligned");
  const back = decodeModel(bytes);
  assert.deepEqual(back, m);
  // Decoding from an unaligned view works too.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  assert.deepEqual(decodeModel(shifted.subarray(1)), m);
});

Deno.test("decode rejects a bad magic, an unknown version and a truncated payload", () => {
  const bytes = encodeModel(sample());
  assert.throws(() => decodeModel(new Uint8Array(8)), /magic/);
  const v3 = bytes.slice();
  v3[4] = 3;
  assert.throws(() => decodeModel(v3), /version 3/);
  assert.throws(() => decodeModel(bytes.subarray(0, bytes.length - 16)), /checksum|past the end/);
});

// ---- hostile files (issue #15 item 1) ----

type Header = Record<string, unknown> & { ops: Record<string, unknown>[] };

/** The header JSON and payload of an encoded model (either version), parsed independently. */
function split(bytes: Uint8Array): { header: Header; payload: Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true), h = dv.getUint32(8, true);
  const at = version === 1 ? 12 : 16;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(at, at + h)));
  return { header, payload: bytes.subarray(at + h) };
}

/**
 * Writes a version 1 file (the old layout, no checksum, which old and new decoders both read)
 * after applying `mutate` to the header: the attacker's view, not limited by a checksum.
 */
function v1(bytes: Uint8Array, mutate: (h: Header) => void = () => {}): Uint8Array {
  const { header, payload } = split(bytes);
  header.version = 1;
  mutate(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const h = Math.ceil((json.length + 12) / 16) * 16 - 12;
  const out = new Uint8Array(12 + h + payload.length);
  out.set([0x42, 0x4e, 0x4e, 0x50]);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, h, true);
  out.fill(0x20, 12, 12 + h);
  out.set(json, 12);
  out.set(payload, 12 + h);
  return out;
}

function rejects(bytes: Uint8Array, field: RegExp): void {
  const Err = (format as Record<string, unknown>).BnnFormatError as ErrorConstructor | undefined;
  assert.ok(Err, "format.ts exports BnnFormatError");
  let err: unknown;
  try {
    decodeModel(bytes, { source: "evil.bnn" } as never);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Err, `expected a BnnFormatError, got ${err}`);
  const msg = (err as Error).message;
  assert.match(msg, /^evil\.bnn: /, msg);
  assert.match(msg, field, msg);
}

Deno.test("crc32 matches the standard check value", () => {
  const crc = (format as Record<string, unknown>).crc32 as (b: Uint8Array) => number;
  assert.equal(crc(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("version 1 files (no checksum) still decode to the same model", () => {
  const m = sample();
  const back = decodeModel(v1(encodeModel(m)));
  assert.deepEqual(back, { ...m, version: 1 });
});

Deno.test("a flipped payload or header bit is caught by the checksum", () => {
  const bytes = encodeModel(sample());
  const h = new DataView(bytes.buffer).getUint32(8, true);
  for (const at of [16 + h + 5, 16 + h + 200, 20, 9]) {
    const bad = bytes.slice();
    bad[at] ^= 0x10;
    assert.throws(() => decodeModel(bad), /checksum|headerLength/);
  }
});

Deno.test("huge sizes are rejected before any allocation, naming the field", () => {
  const bytes = encodeModel(sample());
  const t0 = performance.now();
  rejects(v1(bytes, (h) => h.ops[0].cout = 1e9), /ops\[0\].*\.cout/);
  rejects(v1(bytes, (h) => h.ops[0].kh = 1e9), /ops\[0\].*\.kh/);
  rejects(v1(bytes, (h) => h.ops[3].units = 1e9), /ops\[3\].*units/);
  rejects(v1(bytes, (h) => h.inputShape = [1e5, 1e5, 3]), /inputShape/);
  rejects(v1(bytes, (h) => h.ops[0].cout = 2.5), /\.cout: expected an integer/);
  rejects(v1(bytes, (h) => h.ops[0].cout = -5), /\.cout/);
  assert.ok(performance.now() - t0 < 2000);
});

Deno.test("tensor references: bad offsets, lengths and dtypes are rejected", () => {
  const bytes = encodeModel(sample());
  const ref = (h: Header, k = "scale") => h.ops[0][k] as Record<string, unknown>;
  rejects(v1(bytes, (h) => ref(h).offset = -16), /scale\.offset/);
  rejects(v1(bytes, (h) => ref(h).offset = 0.5), /scale\.offset/);
  rejects(v1(bytes, (h) => ref(h).offset = (ref(h).offset as number) + 4), /multiple of 16/);
  rejects(v1(bytes, (h) => ref(h).length = 4), /scale: expected 0 or 5 values/);
  rejects(v1(bytes, (h) => ref(h).length = 1e9), /scale/);
  rejects(v1(bytes, (h) => ref(h).$t = "constructor"), /\$t: expected one of/);
  rejects(v1(bytes, (h) => ref(h).$t = "__proto__"), /\$t/);
  rejects(v1(bytes, (h) => ref(h).$t = "u32"), /scale: expected dtype f32/);
  rejects(v1(bytes, (h) => ref(h, "shift").offset = ref(h).offset), /overlaps/);
});

Deno.test("unknown enums, a missing threshold and unknown fields are rejected", () => {
  const bytes = encodeModel(sample());
  rejects(v1(bytes, (h) => h.ops[0].padding = "full"), /\.padding: expected one of/);
  rejects(v1(bytes, (h) => h.ops[0].kernel = "ternary"), /\.kernel/);
  rejects(v1(bytes, (h) => h.ops[3].input = "bits"), /\.input/);
  rejects(v1(bytes, (h) => h.ops[3].activation = "gelu"), /\.activation/);
  rejects(v1(bytes, (h) => h.ops[1].type = "constructor"), /\.type/);
  rejects(v1(bytes, (h) => delete h.ops[0].threshold), /threshold/);
  rejects(v1(bytes, (h) => h.ops[0].__proto__x = 1), /unknown field/);
  rejects(v1(bytes, (h) => h.outputShape = [3]), /outputShape/);
  rejects(v1(bytes, (h) => h.ops[0].strides = [0, 1]), /strides\[0\]/);
});

Deno.test("createEngine validates in-memory models too; loadBinary names the file", async () => {
  const m = sample();
  (m.ops[0] as { cout: number }).cout = 1e9;
  assert.throws(() => createEngine(m), /model: ops\[0\].*cout/);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/hostile.bnn`;
    await Deno.writeFile(path, v1(encodeModel(sample()), (h) => h.ops[0].cin = 7));
    await assert.rejects(() => loadBinary(path), (e: Error) => {
      assert.equal(e.name, "BnnFormatError");
      assert.match(e.message, new RegExp(`^${path}: ops\\[0\\].*cin`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
