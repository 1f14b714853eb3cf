import assert from "node:assert/strict";
import { runBenchWorker } from "../../lib/bench/worker.ts";
import type { TfjsSectionTime } from "../../lib/bench/deploy.ts";

Deno.test("runBenchWorker: the child's last JSON line, parsed", async () => {
  const r = await runBenchWorker<TfjsSectionTime>(
    ["--deploy-worker", "--width", "0.125", "--batch", "2", "--steps", "1"],
    { env: { BNN_BACKEND: "wasm", BNN_NATIVE_KERNELS: "0", BNN_THREADS: "1" }, label: "stock" },
  );
  assert.ok(Number.isFinite(r.ms) && r.ms > 0, `ms ${r.ms}`);
  assert.equal(r.threads, 1);
  assert.equal(r.kernels, "none", "BNN_NATIVE_KERNELS=0 runs no project kernels");
});

Deno.test("runBenchWorker: a failing child rejects with the label and its stderr", async () => {
  await assert.rejects(
    runBenchWorker(["--worker", "--net", "no-such-net"], { env: {}, label: "the bad net" }),
    /bench worker \(the bad net\) failed: .*no-such-net/s,
  );
});
