import assert from "node:assert/strict";
import { CIFAR_RECORD_BYTES, decodeCifar, encodeCifar } from "../../lib/data/cifar10.ts";

/** Pixel value of record r, row y, column x, channel c in the generated file. */
function pixel(r: number, y: number, x: number, c: number): number {
  return (r * 7 + y * 13 + x * 17 + c * 101 + ((x * y) >> 2)) & 255;
}

/** Builds CIFAR records byte by byte from the format description (independent of the encoder). */
function makeFile(n: number, label: (r: number) => number): Uint8Array {
  const b = new Uint8Array(n * 3073);
  for (let r = 0; r < n; r++) {
    b[r * 3073] = label(r);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) b[r * 3073 + 1 + c * 1024 + y * 32 + x] = pixel(r, y, x, c);
      }
    }
  }
  return b;
}

Deno.test("decodeCifar: exact pixel and label round trip into HWC", () => {
  const bytes = makeFile(12, (r) => (r * 3) % 10);
  const d = decodeCifar(bytes, "gen.bin");
  assert.equal(d.n, 12);
  assert.deepEqual([...d.labels], Array.from({ length: 12 }, (_, r) => (r * 3) % 10));
  for (let r = 0; r < 12; r++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          assert.equal(d.images[((r * 32 + y) * 32 + x) * 3 + c], pixel(r, y, x, c));
        }
      }
    }
  }
  assert.deepEqual(encodeCifar(d.images, d.labels), bytes);
  assert.equal(CIFAR_RECORD_BYTES, 3073);
});

Deno.test("decodeCifar: truncated file names the file and offset", () => {
  const bytes = makeFile(3, () => 1).subarray(0, 3 * 3073 - 100);
  assert.throws(
    () => decodeCifar(bytes, "data_batch_9.bin"),
    (e: Error) =>
      e.message.startsWith("data_batch_9.bin: at byte offset 6146:") &&
      e.message.includes("2973 trailing bytes after 2 records"),
  );
  assert.throws(() => decodeCifar(new Uint8Array(0), "empty.bin"), /empty\.bin: at byte offset 0/);
});

Deno.test("decodeCifar: bad label byte names the record's offset", () => {
  const bytes = makeFile(4, (r) => (r === 2 ? 10 : 0));
  assert.throws(
    () => decodeCifar(bytes, "x.bin"),
    /^Error: x\.bin: at byte offset 6146: label byte of record 2 is 10, expected 0\.\.9$/,
  );
  assert.throws(() => decodeCifar(makeFile(1, () => 255), "y.bin"), /record 0 is 255/);
  // Accepted when the caller declares more classes.
  assert.equal(decodeCifar(bytes, "x.bin", { numClasses: 11 }).labels[2], 10);
});

Deno.test("decodeCifar: wrong record count is an error when a count is expected", () => {
  const bytes = makeFile(3, () => 0);
  assert.throws(
    () => decodeCifar(bytes, "test_batch.bin", { expectedRecords: 10000 }),
    /test_batch\.bin: at byte offset 9219: expected 10000 records \(30730000 bytes\), found 3/,
  );
  assert.equal(decodeCifar(bytes, "ok.bin", { expectedRecords: 3 }).n, 3);
});

Deno.test("encodeCifar rejects a wrong pixel count", () => {
  assert.throws(() => encodeCifar(new Uint8Array(10), new Uint8Array(1)), /expected 3072/);
});
