import assert from "node:assert/strict";
import { shareOf } from "../../lib/backend/native_pool.ts";

Deno.test("shareOf: thread ranges tile [0, units) in order, sizes differ by at most 1", () => {
  for (let units = 0; units <= 40; units++) {
    for (let threads = 1; threads <= 9; threads++) {
      let next = 0;
      const sizes: number[] = [];
      for (let index = 0; index < threads; index++) {
        const [u0, u1] = shareOf(units, { threads, index });
        assert.equal(u0, next, `units ${units} threads ${threads} index ${index}`);
        assert.ok(u1 >= u0);
        sizes.push(u1 - u0);
        next = u1;
      }
      assert.equal(next, units);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  }
});
