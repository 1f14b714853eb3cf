/**
 * A tiny WebAssembly assembler for the popcount GEMM kernels of `wasm.ts`: the module bytes are
 * built at run time from the opcodes below (no toolchain, no binary blob). Pure TypeScript.
 *
 * Exports `memory`, `gemm` (1 row × 4 weight rows per pass), `gemm2` (2 rows × 4) and
 * `threshold` (popcounts → packed bits against per-position bounds).
 *
 * @module
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

// Instruction helpers.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, SHL = 0x74, GE_S = 0x4e, EQZ = 0x45, LT_S = 0x48;
const SELECT = 0x1b;
const load = (off: number) => [...simd(0x00), 4, ...uleb(off)];
const XOR = simd(0x51), POPCNT = simd(0x62), EXT8 = simd(0x7d), ADD16 = simd(0x8e);
const ADD8 = simd(0x6e);
const EXT16 = simd(0x7f);
const lane = (l: number) => [...simd(0x1b), l];
const zero = [...simd(0x0c), ...new Array(16).fill(0)];

/**
 * Function body of popcountGemm(a, P, b, M, kv, out). Per row pair, popcounts accumulate in
 * i8 lanes for up to 31 vectors (≤ 8 per lane each, so ≤ 248), then widen into i16 lanes
 * (≤ 16·kv ≤ 65520 for kv < 4096), summed as unsigned at the end.
 */
function gemmBody(): number[] {
  // params 0..5: a P b M kv out; i32 locals 6 p, 7 m, 8 k, 9 ap, 10 bp, 11 rowBytes, 12 chunk;
  // v128 locals 13..16 acc16, 17 x, 18..21 acc8.
  const [a, P, b, M, kv, out, p, m, k, ap, bp, rb, chunk] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
  ];
  const acc = [13, 14, 15, 16];
  const x = 17;
  const acc8 = [18, 19, 20, 21];
  const code: number[] = [];
  code.push(...get(kv), ...i32c(4), SHL, ...set(rb));
  code.push(...i32c(0), ...set(p));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (p)
  code.push(...get(p), ...get(P), GE_S, 0x0d, 1);
  code.push(...get(b), ...set(bp), ...i32c(0), ...set(m));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (m)
  code.push(...get(m), ...get(M), GE_S, 0x0d, 1);
  code.push(...get(a), ...get(p), ...get(rb), MUL, ADD, ...set(ap));
  for (const r of acc) code.push(...zero, ...set(r));
  code.push(...get(kv), ...set(k));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (chunks)
  code.push(...get(k), EQZ, 0x0d, 1);
  // chunk = min(k, 31); k -= chunk
  code.push(...get(k), ...i32c(31), ...get(k), ...i32c(31), LT_S, SELECT, ...set(chunk));
  code.push(...get(k), ...get(chunk), SUB, ...set(k));
  for (const r of acc8) code.push(...zero, ...set(r));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (vectors of the chunk)
  code.push(...get(chunk), EQZ, 0x0d, 1);
  code.push(...get(ap), ...load(0), ...set(x));
  for (let j = 0; j < 4; j++) {
    // acc8[j] += popcnt(x XOR b[bp + j·rowBytes])
    code.push(...get(acc8[j]), ...get(x), ...get(bp), ...get(rb), ...i32c(j), MUL, ADD);
    code.push(...load(0), ...XOR, ...POPCNT, ...ADD8, ...set(acc8[j]));
  }
  code.push(...get(ap), ...i32c(16), ADD, ...set(ap));
  code.push(...get(bp), ...i32c(16), ADD, ...set(bp));
  code.push(...get(chunk), ...i32c(1), SUB, ...set(chunk));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop; end loop; end block
  for (let j = 0; j < 4; j++) {
    code.push(...get(acc[j]), ...get(acc8[j]), ...EXT8, ...ADD16, ...set(acc[j]));
  }
  code.push(0x0c, 0, 0x0b, 0x0b); // br chunks; end; end
  for (let j = 0; j < 4; j++) {
    code.push(...get(out), ...get(acc[j]), ...EXT16, ...set(x));
    code.push(...get(x), ...lane(0), ...get(x), ...lane(1), ADD);
    code.push(...get(x), ...lane(2), ADD, ...get(x), ...lane(3), ADD);
    code.push(0x36, 2, ...uleb(4 * j)); // i32.store offset 4j
  }
  code.push(...get(out), ...i32c(16), ADD, ...set(out));
  // bp is now at row m+1; skip rows m+1..m+3
  code.push(...get(bp), ...get(rb), ...i32c(3), MUL, ADD, ...set(bp));
  code.push(...get(m), ...i32c(4), ADD, ...set(m));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop m; end; end
  code.push(...get(p), ...i32c(1), ADD, ...set(p));
  code.push(0x0c, 0, 0x0b, 0x0b); // br loop p; end; end
  code.push(0x0b); // end function
  const locals = [2, 7, I32, 9, V128];
  return [...locals, ...code];
}

/**
 * Function body of popcountGemm2(a, P, b, M, kv, out, ldo): like {@link gemmBody} but two rows
 * of A at a time (P even) against four rows of B, each loaded weight vector serving two
 * positions; output row stride `ldo` (≥ M) so that callers can tile over weight rows.
 * Popcounts accumulate in i8 lanes for up to 31 vectors (≤ 248 per lane), then widen into i16
 * lanes once per chunk: three SIMD ops per 128 XNOR-MACs in the inner loop instead of four.
 */
function gemm2Body(): number[] {
  // params 0..6: a P b M kv out ldo; i32 locals 7 p, 8 m, 9 k, 10 ap, 11 aq, 12..15 bp0..3,
  // 16 rb, 17 op, 18 chunk; v128 locals 19..26 acc (i16), 27..34 acc8, 35 xa, 36 xb, 37 y.
  const [a, P, b, M, kv, out, ldo, p, m, k, ap, aq] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const bp = [12, 13, 14, 15];
  const [rb, op, chunk] = [16, 17, 18];
  const acc = [19, 20, 21, 22, 23, 24, 25, 26];
  const acc8 = [27, 28, 29, 30, 31, 32, 33, 34];
  const [xa, xb, y] = [35, 36, 37];
  const c: number[] = [];
  c.push(...get(kv), ...i32c(4), SHL, ...set(rb));
  c.push(...i32c(0), ...set(p));
  c.push(0x02, 0x40, 0x03, 0x40); // loop p (pairs)
  c.push(...get(p), ...i32c(1), ADD, ...get(P), GE_S, 0x0d, 1);
  c.push(...get(b), ...set(bp[0]), ...i32c(0), ...set(m));
  c.push(0x02, 0x40, 0x03, 0x40); // loop m
  c.push(...get(m), ...get(M), GE_S, 0x0d, 1);
  c.push(...get(a), ...get(p), ...get(rb), MUL, ADD, ...set(ap));
  c.push(...get(ap), ...get(rb), ADD, ...set(aq));
  for (let j = 1; j < 4; j++) c.push(...get(bp[j - 1]), ...get(rb), ADD, ...set(bp[j]));
  for (const r of acc) c.push(...zero, ...set(r));
  c.push(...get(kv), ...set(k));
  c.push(0x02, 0x40, 0x03, 0x40); // loop chunks
  c.push(...get(k), EQZ, 0x0d, 1);
  // chunk = min(k, 31); k -= chunk
  c.push(...get(k), ...i32c(31), ...get(k), ...i32c(31), LT_S, SELECT, ...set(chunk));
  c.push(...get(k), ...get(chunk), SUB, ...set(k));
  for (const r of acc8) c.push(...zero, ...set(r));
  c.push(0x02, 0x40, 0x03, 0x40); // loop vectors of the chunk
  c.push(...get(chunk), EQZ, 0x0d, 1);
  c.push(...get(ap), ...load(0), ...set(xa), ...get(aq), ...load(0), ...set(xb));
  for (let j = 0; j < 4; j++) {
    c.push(...get(bp[j]), ...load(0), ...set(y));
    c.push(...get(acc8[j]), ...get(xa), ...get(y), ...XOR, ...POPCNT, ...ADD8, ...set(acc8[j]));
    c.push(...get(acc8[4 + j]), ...get(xb), ...get(y), ...XOR, ...POPCNT, ...ADD8);
    c.push(...set(acc8[4 + j]));
  }
  for (const r of [ap, aq, ...bp]) c.push(...get(r), ...i32c(16), ADD, ...set(r));
  c.push(...get(chunk), ...i32c(1), SUB, ...set(chunk));
  c.push(0x0c, 0, 0x0b, 0x0b); // br vectors; end; end
  for (let r = 0; r < 8; r++) {
    c.push(...get(acc[r]), ...get(acc8[r]), ...EXT8, ...ADD16, ...set(acc[r]));
  }
  c.push(0x0c, 0, 0x0b, 0x0b); // br chunks; end; end
  // out[p·ldo + m + j] and out[(p+1)·ldo + m + j]
  c.push(
    ...get(out),
    ...get(p),
    ...get(ldo),
    MUL,
    ...get(m),
    ADD,
    ...i32c(2),
    SHL,
    ADD,
    ...set(op),
  );
  for (let r = 0; r < 2; r++) {
    for (let j = 0; j < 4; j++) {
      c.push(...get(op), ...get(acc[4 * r + j]), ...EXT16, ...set(y));
      c.push(...get(y), ...lane(0), ...get(y), ...lane(1), ADD);
      c.push(...get(y), ...lane(2), ADD, ...get(y), ...lane(3), ADD);
      c.push(0x36, 2, ...uleb(4 * j));
    }
    if (r === 0) c.push(...get(op), ...get(ldo), ...i32c(2), SHL, ADD, ...set(op));
  }
  // bp3 now points at the start of row m+4
  c.push(...get(bp[3]), ...set(bp[0]));
  c.push(...get(m), ...i32c(4), ADD, ...set(m));
  c.push(0x0c, 0, 0x0b, 0x0b);
  c.push(...get(p), ...i32c(2), ADD, ...set(p));
  c.push(0x0c, 0, 0x0b, 0x0b);
  c.push(0x0b);
  return [2, 12, I32, 19, V128, ...c];
}

/**
 * Function body of thresholdBits(cnt, P, M, pos, out, cw): for each position p, compares the
 * popcounts cnt[p·M + c] with the bounds block at byte offset pos[p] (lo[M] then hi[M], i32) and
 * packs [lo ≤ cnt ≤ hi] into `cw` words per position, four channels per SIMD compare.
 */
function thresholdBody(): number[] {
  const [cnt, P, M, pos, out, cw, p, j, cp, bp, word, hiOff, op] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
  ];
  const v = 13;
  const AND32 = 0x71, OR32 = 0x72, SHR_U = 0x76, NE = 0x47;
  const I32_LOAD = [0x28, 2, 0];
  const GE = simd(0x3f), LE = simd(0x3d), VAND = simd(0x4e), BITMASK = simd(0xa4);
  const c: number[] = [];
  c.push(...get(M), ...i32c(2), SHL, ...set(hiOff));
  c.push(...i32c(0), ...set(p));
  c.push(0x02, 0x40, 0x03, 0x40);
  c.push(...get(p), ...get(P), GE_S, 0x0d, 1);
  c.push(...get(cnt), ...get(p), ...get(hiOff), MUL, ADD, ...set(cp));
  c.push(...get(pos), ...get(p), ...i32c(2), SHL, ADD, ...I32_LOAD, ...set(bp));
  c.push(...get(out), ...get(p), ...get(cw), MUL, ...i32c(2), SHL, ADD, ...set(op));
  c.push(...i32c(0), ...set(word), ...i32c(0), ...set(j));
  c.push(0x02, 0x40, 0x03, 0x40);
  c.push(...get(j), ...i32c(2), SHL, ...get(M), GE_S, 0x0d, 1);
  c.push(...get(cp), ...load(0), ...set(v));
  c.push(...get(v), ...get(bp), ...load(0), ...GE);
  c.push(...get(v), ...get(bp), ...get(hiOff), ADD, ...load(0), ...LE, ...VAND, ...BITMASK);
  c.push(...get(j), ...i32c(7), AND32, ...i32c(2), SHL, SHL, ...get(word), OR32, ...set(word));
  // every 8 groups (32 channels): store the word
  c.push(...get(j), ...i32c(7), AND32, ...i32c(7), 0x46, 0x04, 0x40);
  c.push(...get(op), ...get(j), ...i32c(3), SHR_U, ...i32c(2), SHL, ADD, ...get(word), 0x36, 2, 0);
  c.push(...i32c(0), ...set(word), 0x0b);
  c.push(...get(cp), ...i32c(16), ADD, ...set(cp), ...get(bp), ...i32c(16), ADD, ...set(bp));
  c.push(...get(j), ...i32c(1), ADD, ...set(j));
  c.push(0x0c, 0, 0x0b, 0x0b);
  // a last partial word
  c.push(...get(j), ...i32c(7), AND32, ...i32c(0), NE, 0x04, 0x40);
  c.push(...get(op), ...get(j), ...i32c(1), SUB, ...i32c(3), SHR_U, ...i32c(2), SHL, ADD);
  c.push(...get(word), 0x36, 2, 0, 0x0b);
  c.push(...get(p), ...i32c(1), ADD, ...set(p));
  c.push(0x0c, 0, 0x0b, 0x0b);
  c.push(0x0b);
  return [2, 7, I32, 1, V128, ...c];
}

/** The bytes of the kernel module (exports `memory`, `gemm`, `gemm2`). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const type = section(1, [
    2,
    0x60,
    6,
    ...Array(6).fill(I32),
    0,
    0x60,
    7,
    ...Array(7).fill(I32),
    0,
  ]);
  const func = section(3, [3, 0, 1, 0]);
  const mem = section(5, [1, 0x00, 1]);
  const exports = [...str("memory"), 2, 0, ...str("gemm"), 0, 0, ...str("gemm2"), 0, 1];
  exports.push(...str("threshold"), 0, 2);
  const exp = section(7, [4, ...exports]);
  const bodies = [gemmBody(), gemm2Body(), thresholdBody()];
  const code = section(10, [3, ...bodies.flatMap((b) => [...uleb(b.length), ...b])]);
  const magic = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  return new Uint8Array([...magic, ...type, ...func, ...mem, ...exp, ...code]);
}
