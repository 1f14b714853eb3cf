import assert from "node:assert/strict";
import { installArgs, main } from "../../lib/cli/install_tfjs_node.ts";

Deno.test("install:tfjs-node: the CPU and the --gpu (CUDA) builds, scripts allowed for that package only", () => {
  assert.deepEqual(installArgs(false), [
    "install",
    "--allow-scripts=npm:@tensorflow/tfjs-node",
    "npm:@tensorflow/tfjs-node@4.22.0",
  ]);
  assert.deepEqual(installArgs(true), [
    "install",
    "--allow-scripts=npm:@tensorflow/tfjs-node-gpu",
    "npm:@tensorflow/tfjs-node-gpu@4.22.0",
  ]);
});

Deno.test("install:tfjs-node: --dry-run prints the command; an unknown flag exits 2", async () => {
  const lines: string[] = [];
  const [log, err] = [console.log, console.error];
  console.log = (m: string) => lines.push(m);
  console.error = (m: string) => lines.push(m);
  try {
    assert.equal(await main(["--gpu", "--dry-run"]), 0);
    assert.equal(await main(["--cuda"]), 2);
  } finally {
    [console.log, console.error] = [log, err];
  }
  assert.equal(
    lines[0],
    "deno install --allow-scripts=npm:@tensorflow/tfjs-node-gpu npm:@tensorflow/tfjs-node-gpu@4.22.0",
  );
  assert.match(lines[1], /--cuda/);
});
