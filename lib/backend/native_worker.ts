/**
 * A worker thread of the native kernel pool (`native_pool.ts`): it instantiates the kernel module
 * on the shared wasm heap, then waits on the control block for jobs, runs its share and signals
 * completion. It never returns to its event loop once started.
 *
 * @module
 */
import wt from "node:worker_threads";
import { CTRL, runShare } from "./native_pool.ts";

interface Init {
  memory: WebAssembly.Memory;
  bytes: Uint8Array;
  ctrl: number;
  index: number;
}

wt.parentPort!.once("message", (init: Init) => {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(init.bytes as BufferSource), {
    env: { memory: init.memory },
  });
  const ctrl = new Int32Array(init.memory.buffer, init.ctrl, CTRL.size);
  // Read the job counter before "ready": the main thread may start a job as soon as it hears it.
  let seq = Atomics.load(ctrl, CTRL.seq);
  wt.parentPort!.postMessage("ready");
  while (true) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    seq = Atomics.load(ctrl, CTRL.seq);
    runShare(instance, { ctrl, index: init.index });
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
});
