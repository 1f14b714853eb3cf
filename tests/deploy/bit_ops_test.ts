/**
 * The deploy engine's bit helpers (lib/deploy/bit_ops.ts): binarize against the definition, one
 * value at a time (x ≥ 0, or x > −ε), on the values that decide it (±0, NaN, ±ε, denormals).
 */
import assert from "node:assert/strict";
import { binarize } from "../../lib/deploy/bit_ops.ts";

Deno.test("binarize sets bit c of a position iff x ≥ 0 or x > −ε, for every channel count", () => {
  const special = [0, -0, NaN, 1e-40, -1e-40, 0.25, -0.25, -0.0625, 0.0625, -1, 3, -Infinity];
  for (const c of [1, 7, 31, 32, 33, 45, 64, 100]) {
    for (const epsilon of [0, 0.0625, 0.5]) {
      const positions = 5;
      const x = Float32Array.from(
        { length: positions * c },
        (_, i) => i % 2 === 0 ? special[(i / 2) % special.length] : Math.sin(i * 7.3) * (i % 5),
      );
      const cw = Math.ceil(c / 32);
      const want = new Uint32Array(positions * cw);
      for (let p = 0; p < positions; p++) {
        for (let ch = 0; ch < c; ch++) {
          const v = x[p * c + ch];
          if (v >= 0 || v > -epsilon) want[p * cw + (ch >>> 5)] |= 1 << (ch & 31);
        }
      }
      assert.deepEqual(binarize(x, { positions, c }, { epsilon }), want, `c ${c}, ε ${epsilon}`);
    }
  }
});
