/**
 * Sending outputs from a Deno Jupyter kernel so that they arrive before the cell is reported done.
 *
 * Deno 2.9's `Deno.jupyter.broadcast` (and so `Deno.jupyter.display`) starts the IOPub send but
 * returns before it happened (its promise does not wait for the op), so `await display(...)` at
 * the end of a cell can still race the kernel's `status: idle`; Jupyter UIs then drop the output
 * or show it under the next cell. {@link publish} awaits the send itself (the kernel's own op,
 * reached through `Deno[Deno.internal]`, when present) and then yields one macrotask.
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
  await new Promise((r) => setTimeout(r, 0));
}
