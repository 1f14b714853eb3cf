import assert from "node:assert/strict";
import { bar, Progress } from "../../../lib/experiments/executors/progress.ts";

Deno.test("bar", () => {
  assert.equal(bar(0.5, 10), "#####.....");
  assert.equal(bar(2, 4), "####");
  assert.equal(bar(-1, 4), "....");
});

Deno.test("Progress: plain mode prints log lines and the overall line; tty mode redraws in place", () => {
  let out = "";
  const p = new Progress(2, { tty: false, write: (s) => (out += s) });
  p.runsTotal = 4;
  p.totalSteps = 100;
  p.log("hello");
  p.render(true);
  assert.match(out, /^hello\noverall \[\.{20}\] 0\/4 runs, elapsed 0s, ETA \?\n$/);
  p.doneSteps = 50;
  p.runsDone = 2;
  p.runsFailed = 1;
  assert.match(
    p.overall(),
    /^overall \[#{10}\.{10}\] 2\/4 runs, 1 failed, elapsed \d+s, ETA \d+s$/,
  );
  let tty = "";
  const q = new Progress(2, { tty: true, write: (s) => (tty += s) });
  q.slots[0] = {
    startStep: 0,
    counted: 0,
    runId: "r1",
    label: "BNN+",
    epoch: 1,
    epochs: 4,
    batch: 5,
    steps: 10,
    loss: 1.5,
    acc: 0.25,
  };
  q.render();
  q.render();
  assert.match(q.slotLine(0), /^\[w1\] r1 BNN\+ +ep 2\/4 \[#{6}\.{10}\] loss 1\.500 acc 25\.0%$/);
  assert.equal(q.slotLine(1), "[w2] idle");
  assert.ok(tty.includes("\x1b[3A"), "second render moves the cursor up over its 3 lines");
});
