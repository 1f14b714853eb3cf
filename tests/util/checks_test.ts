import assert from "node:assert/strict";
import { bool, nullable, num, oneOf } from "../../lib/util/checks.ts";
import { QUANT_CHECKS, quantSettings } from "../../lib/layers/options.ts";
import { makeConfig, validateConfig } from "../../lib/experiments/config/config.ts";

Deno.test("checks: null when fine, else what was expected", () => {
  assert.equal(oneOf(["a", "b"])("a"), null);
  assert.equal(oneOf(["a", "b"])("c"), 'one of "a", "b"');
  assert.equal(num(0, 10)(10), null);
  assert.equal(num(0, 10)(10.5), "a number ≥ 0 and ≤ 10");
  assert.equal(num(0, Infinity, { exclusiveMin: true })(0), "a number > 0");
  assert.equal(num(1, Infinity, { int: true })(1.5), "an integer ≥ 1");
  assert.equal(num(0, 1)(NaN), "a number ≥ 0 and ≤ 1");
  assert.equal(nullable(num(1, 2))(null), null);
  assert.equal(nullable(num(1, 2))(3), "null or a number ≥ 1 and ≤ 2");
  assert.equal(bool(0), "true or false");
});

Deno.test("one validator: layers and experiment config accept and reject the same β, λ, clip", () => {
  for (const beta of [0.5, 5, 2000]) {
    assert.equal(QUANT_CHECKS.beta(beta), null);
    assert.equal(quantSettings("L", { beta }).beta, beta);
    assert.equal(makeConfig({ beta }).beta, beta);
  }
  for (const beta of [0, -1, Infinity]) {
    assert.throws(() => quantSettings("L", { beta }), /L: beta must be a number > 0/);
    assert.throws(() => validateConfig({ beta }), /field 'beta' is .*; expected a number > 0/);
  }
  assert.throws(() => quantSettings("L", { lambda: -1 }), /lambda must be a number ≥ 0/);
  assert.throws(() => validateConfig({ kernelClip: 0 }), /expected null or a number > 0/);
});
