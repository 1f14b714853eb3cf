import assert from "node:assert/strict";
import { setupNotebook } from "../../lib/notebooks/setup.ts";
import { tf } from "../../lib/tf.ts";

Deno.test("setupNotebook activates a backend and describes it in one Markdown line", async () => {
  const s = await setupNotebook();
  assert.equal(tf.getBackend(), s.backend.name);
  assert.match(s.markdown, new RegExp(`on \\*\\*${s.backend.name}\\*\\*`));
  assert.match(s.markdown, /results preset `\w+`/);
  const bundle = (s as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.equal(bundle["text/markdown"], s.markdown);
  // Idempotent: a second call keeps the same backend.
  assert.equal((await setupNotebook()).backend.name, s.backend.name);
});
