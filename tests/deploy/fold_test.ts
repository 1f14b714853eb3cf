import assert from "node:assert/strict";
import {
  affineThreshold,
  batchNormAffine,
  composeAffine,
  thresholdBit,
} from "../../lib/deploy/fold.ts";

Deno.test("batchNormAffine equals the batch-norm formula", () => {
  const p = {
    gamma: [1.5, -0.7, 0],
    beta: [0.1, 0.2, -0.3],
    movingMean: [0.5, -1, 2],
    movingVariance: [4, 0.25, 1],
    epsilon: 1e-3,
  };
  const a = batchNormAffine(p);
  for (const x of [-3, -0.2, 0, 1.7]) {
    for (let c = 0; c < 3; c++) {
      const ref = p.gamma[c] * (x - p.movingMean[c]) / Math.sqrt(p.movingVariance[c] + p.epsilon) +
        p.beta[c];
      assert.ok(Math.abs(a.scale[c] * x + a.shift[c] - ref) < 1e-12);
    }
  }
  const noScale = batchNormAffine({ movingMean: [1], movingVariance: [3], epsilon: 1 });
  assert.equal(noScale.scale[0], 0.5);
  assert.equal(noScale.shift[0], -0.5);
});

Deno.test("composeAffine applies first, then second", () => {
  const f = { scale: Float64Array.of(2, -3), shift: Float64Array.of(1, 0.5) };
  const g = { scale: Float64Array.of(-0.5, 4), shift: Float64Array.of(0.25, -1) };
  const h = composeAffine(f, g);
  for (const x of [-2, 0, 3.5]) {
    for (let c = 0; c < 2; c++) {
      const ref = g.scale[c] * (f.scale[c] * x + f.shift[c]) + g.shift[c];
      assert.ok(Math.abs(h.scale[c] * x + h.shift[c] - ref) < 1e-12);
    }
  }
});

Deno.test("folded thresholds equal sign(BN(α·r + b)) for every integer r, incl. negative γ", () => {
  // α·r + bias, then BN with positive, negative and zero γ; ties included (exact zeros).
  const alpha = [0.05, 0.3, 0.5, 0.2, 1, 0.25];
  const bias = [0.01, -0.2, 0, 0.1, 0, 0];
  const bn = batchNormAffine({
    gamma: [1.2, -0.8, 1, -2, 0, 1],
    beta: [0.3, 0.1, -1, 0.4, 0.5, 0],
    movingMean: [0.02, -0.1, 0, 0.3, 0, 1],
    movingVariance: [1, 2, 0.999, 0.5, 1, 0.999],
    epsilon: 0.001,
  });
  const layer = { scale: Float64Array.from(alpha), shift: Float64Array.from(bias) };
  const folded = composeAffine(layer, bn);
  const { threshold, direction } = affineThreshold(folded);
  assert.equal(direction[1], -1, "negative γ flips the comparison");
  assert.equal(direction[3], -1);
  assert.equal(direction[4], 0, "γ = 0 gives a constant");
  for (let c = 0; c < alpha.length; c++) {
    for (let r = -64; r <= 64; r++) {
      // Direct evaluation, unfolded: BN(α·r + b), then sign with sign(0) = +1.
      const y = alpha[c] * r + bias[c];
      const v = bn.scale[c] * y + bn.shift[c];
      const want = v >= -1e-12 ? 1 : 0; // exact ties land on +1
      assert.equal(
        thresholdBit(r, { threshold: threshold[c], direction: direction[c] }),
        want,
        `c=${c} r=${r} v=${v}`,
      );
    }
  }
  // Channel 2 has v = 0.5·r − 1 (up to rounding of √1): the tie r = 2 gives +1, r = 1 gives −1.
  assert.equal(thresholdBit(2, { threshold: threshold[2], direction: direction[2] }), 1);
  assert.equal(thresholdBit(1, { threshold: threshold[2], direction: direction[2] }), 0);
});

Deno.test("with a tie width ε the thresholds equal [v > −ε] for every integer r", () => {
  const eps = 2 ** -23;
  // v = s·r + b with exact ties v = 0 and near-ties v ∈ (−ε, 0) at some integer r.
  const scale = Float64Array.of(0.5, -0.5, 0.25, -2, 0, 0);
  const shift = Float64Array.of(-1, 1, -0.75 + 1e-8, 3 - 1e-8, -1e-8, -1);
  const { threshold, direction } = affineThreshold({ scale, shift }, { epsilon: eps });
  for (let c = 0; c < scale.length; c++) {
    for (let r = -20; r <= 20; r++) {
      const v = scale[c] * r + shift[c];
      assert.equal(
        thresholdBit(r, { threshold: threshold[c], direction: direction[c] }),
        v > -eps ? 1 : 0,
        `c=${c} r=${r}`,
      );
    }
  }
});
