/**
 * Sending outputs from a Deno Jupyter kernel so that they arrive before the cell is reported done.
 *
 * Deno 2.9's `Deno.jupyter.broadcast` (and so `Deno.jupyter.display`) starts the IOPub send but
 * returns before it happened (its promise does not wait for the op), so `await display(...)` at
 * the end of a cell can still race the kernel's `status: idle`; Jupyter UIs then drop the output
 * or show it under the next cell. Even awaiting the op itself is not enough: measured on the
 * project machine under load, 3 of ~60 outputs of a notebook run still arrived after `idle`
 * (`tools/run_notebooks.py` counts them). {@link publish} therefore awaits the kernel's own op
 * (reached through `Deno[Deno.internal]`, when present) and then lets the kernel's IOPub writer
 * run for a short settle time that grows with the message size (25 ms + 20 ms per MB). This is a
 * mitigation, not a protocol guarantee; `tests/notebooks/jupyter_ui_test.ts` checks the result
 * in a real Jupyter UI.
 *
 * @module
 */

/** True inside a Deno Jupyter kernel. */
export function inKernel(): boolean {
  try {
    // Accessing Deno.jupyter outside a kernel throws.
    return typeof Deno.jupyter === "object";
  } catch {
    return false;
  }
}

type BroadcastOp = (
  type: string,
  content: unknown,
  metadata: unknown,
  buffers: unknown[],
) => Promise<void>;

function broadcastOp(): BroadcastOp | null {
  // deno-lint-ignore no-explicit-any
  const d = Deno as any;
  const op = d.internal ? d[d.internal]?.core?.ops?.op_jupyter_broadcast : undefined;
  return typeof op === "function" ? op : null;
}

/** The settle time after sending `content`: 25 ms plus 20 ms per MB of its text payload. */
export function settleMs(content: { data: Record<string, unknown> }): number {
  let bytes = 0;
  for (const v of Object.values(content.data)) {
    bytes += typeof v === "string" ? v.length : JSON.stringify(v)?.length ?? 0;
  }
  return 25 + Math.round(20 * bytes / 1e6);
}

/**
 * Publishes one IOPub message (`display_data`, `update_display_data`, …) for the running cell and
 * resolves once it was sent. Outside a kernel it does nothing.
 */
export async function publish(
  msgType: "display_data" | "update_display_data",
  content: { data: Record<string, unknown>; metadata?: unknown; transient?: unknown },
): Promise<void> {
  if (!inKernel()) return;
  const full = { metadata: {}, transient: {}, ...content };
  const op = broadcastOp();
  if (op) await op(msgType, full, {}, []);
  else await Deno.jupyter.broadcast(msgType, full);
  await new Promise((r) => setTimeout(r, settleMs(full)));
}
