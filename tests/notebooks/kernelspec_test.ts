import assert from "node:assert/strict";
import {
  installKernelSpec,
  jupyterDataDir,
  KERNEL_NAME,
  kernelSpec,
} from "../../lib/notebooks/kernelspec.ts";

Deno.test("kernelSpec runs the given deno as a Jupyter kernel with NO_COLOR", () => {
  const s = kernelSpec("/opt/deno");
  assert.deepEqual(s.argv, ["/opt/deno", "jupyter", "--kernel", "--conn", "{connection_file}"]);
  assert.equal(s.env.NO_COLOR, "1");
  assert.equal(s.language, "typescript");
  assert.equal(kernelSpec().argv[0], Deno.execPath());
});

Deno.test("jupyterDataDir follows JUPYTER_DATA_DIR, then XDG_DATA_HOME, then HOME", () => {
  if (Deno.build.os !== "linux") return;
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assert.equal(jupyterDataDir(env({ JUPYTER_DATA_DIR: "/j", HOME: "/h" })), "/j");
  assert.equal(jupyterDataDir(env({ XDG_DATA_HOME: "/x", HOME: "/h" })), "/x/jupyter");
  assert.equal(jupyterDataDir(env({ HOME: "/h" })), "/h/.local/share/jupyter");
  assert.throws(() => jupyterDataDir(env({})), /HOME/);
});

Deno.test("installKernelSpec writes kernel.json that Jupyter itself lists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await installKernelSpec(kernelSpec("/opt/deno"), { dataDir: dir });
    assert.equal(path, `${dir}/kernels/${KERNEL_NAME}/kernel.json`);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), kernelSpec("/opt/deno"));
    await installKernelSpec(kernelSpec("/opt/deno2"), { dataDir: dir }); // replaces
    assert.equal(JSON.parse(await Deno.readTextFile(path)).argv[0], "/opt/deno2");
    await assert.rejects(() => installKernelSpec(kernelSpec("/d"), { dataDir: dir, name: "a b" }));
    // Jupyter's own lookup (jupyter_client) finds it through JUPYTER_DATA_DIR.
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        "import json,jupyter_client.kernelspec as k;print(json.dumps(k.find_kernel_specs()))",
      ],
      env: { JUPYTER_DATA_DIR: dir },
      stderr: "null",
    }).output();
    assert.equal(out.code, 0, "python3 with jupyter_client is installed (.ci/run installs it)");
    const specs = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(specs[KERNEL_NAME], `${dir}/kernels/${KERNEL_NAME}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
