import assert from "node:assert/strict";
import {
  rankingAgreement,
  rankingOverEpochs,
  rowCurves,
  rowFinals,
} from "../../lib/results/ranking.ts";
import { readRuns } from "../../lib/experiments/store/store.ts";
import { writeFakeStore } from "./_fixture.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("rankingOverEpochs: τ of each epoch's ranking against the last epoch's", () => {
  const taus = rankingOverEpochs([
    { key: "a", values: [0.1, 0.2, 0.5] },
    { key: "b", values: [0.2, 0.3, 0.4] },
    { key: "c", values: [0.3, 0.1, 0.3] },
    { key: "d", values: [null, 0.4, 0.2] },
  ]);
  // last: a > b > c > d. Epoch 1 (d missing): a<b<c, reversed → −1.
  assert.deepEqual(taus.map((t) => t.rows), [3, 4, 4]);
  close(taus[0].tau, -1);
  // epoch 2: (0.2, 0.3, 0.1, 0.4) vs (0.5, 0.4, 0.3, 0.2): pairs ab D, ac C, ad D, bc C, bd D,
  // cd D → (2 − 4)/6
  close(taus[1].tau, -1 / 3);
  close(taus[2].tau, 1);
  assert.deepEqual(rankingOverEpochs([]), []);
  assert.ok(Number.isNaN(rankingOverEpochs([{ key: "a", values: [1, 2] }])[0].tau));
});

Deno.test("rankingAgreement: common keys, flipped pairs, rows in one ranking only", () => {
  const r = rankingAgreement(
    [{ key: "x", value: 1 }, { key: "y", value: 2 }, { key: "z", value: 3 }, {
      key: "q",
      value: 0,
    }],
    [{ key: "z", value: 20 }, { key: "y", value: 30 }, { key: "x", value: 10 }, {
      key: "w",
      value: 5,
    }],
  );
  assert.deepEqual(r.common, ["x", "y", "z"]);
  assert.deepEqual(r.onlyA, ["q"]);
  assert.deepEqual(r.onlyB, ["w"]);
  assert.deepEqual(r.flips, [["y", "z"]]);
  close(r.tau, 1 / 3); // 2 concordant, 1 discordant of 3
  assert.throws(
    () => rankingAgreement([{ key: "x", value: NaN }], []),
    /row 'x' has value NaN; expected a finite number/,
  );
});

Deno.test("rowCurves / rowFinals: mean over finished seeds by row label", () => {
  const dir = writeFakeStore(Deno.makeTempDirSync(), "quick", [
    { labels: ["A"], axes: ["x"], seed: 0, accs: [0.2, 0.4] },
    { labels: ["A"], axes: ["x"], seed: 1, accs: [0.4, 0.6] },
    { labels: ["B"], axes: ["x"], seed: 0, accs: [0.5, 0.3] },
    { labels: ["C"], axes: ["x"], seed: 0, accs: [0.9], status: "failed" },
  ]);
  try {
    const runs = readRuns(dir, "quick");
    const curves = rowCurves(runs);
    assert.deepEqual(curves.map((c) => c.key), ["A", "B"]);
    close(curves[0].values[0]!, 0.3);
    close(curves[0].values[1]!, 0.5);
    const finals = rowFinals(runs);
    assert.deepEqual(finals.map((f) => f.key), ["A", "B"]);
    close(finals[0].value, 0.5);
    const t = rankingOverEpochs(curves);
    close(t[0].tau, -1); // A < B at epoch 1, A > B at the end
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
