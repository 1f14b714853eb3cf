import assert from "node:assert/strict";
import {
  denoVersion,
  installDeno,
  installKernelSpec,
  isEphemeralPath,
  jupyterDataDir,
  jupyterUis,
  KERNEL_NAME,
  kernelSpec,
  onPath,
  openHint,
  stableDeno,
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

Deno.test("isEphemeralPath: npx/npm caches and temp folders, not installed binaries", () => {
  assert.ok(isEphemeralPath("/root/.npm/_npx/abc/node_modules/deno/deno"));
  assert.ok(isEphemeralPath("/home/u/.cache/deno/bin/deno"));
  assert.ok(isEphemeralPath("/tmp/x/deno"));
  assert.ok(!isEphemeralPath("/usr/local/bin/deno"));
  assert.ok(!isEphemeralPath("/home/u/.deno/bin/deno"));
});

Deno.test("stableDeno: running deno if lasting, else same-version deno on PATH, else a copy", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const bin = `${tmp}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(`${bin}/deno`, "#!/bin/sh\necho deno 2.9.6\n");
    await Deno.chmod(`${bin}/deno`, 0o755);
    const npx = "/root/.npm/_npx/1/node_modules/deno/deno";
    assert.deepEqual(stableDeno("/k", { running: "/usr/bin/deno" }), {
      path: "/usr/bin/deno",
      reason: "the running deno",
    });
    // The PATH entry is under /tmp (ephemeral) here, so give the predicate a lasting twin.
    const onTmp = stableDeno("/k", { running: npx, path: bin, sameVersion: () => true });
    assert.equal(onTmp.path, "/k/deno", "a deno under /tmp is not lasting either");
    assert.equal(onTmp.copyFrom, npx);
    assert.equal(onPath("deno", bin), `${bin}/deno`);
    assert.equal(onPath("deno", "/nonexistent"), null);
    // Copy: the kernel dir gets an executable copy.
    await installDeno(`${bin}/deno`, `${tmp}/k/deno`);
    const out = await new Deno.Command(`${tmp}/k/deno`, { stdout: "piped" }).output();
    assert.equal(new TextDecoder().decode(out.stdout), "deno 2.9.6\n");
    assert.equal(denoVersion(`${tmp}/k/deno`), "2.9.6");
    assert.equal(denoVersion(`${tmp}/none`), null);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("jupyterUis / openHint name the UI that is installed", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    assert.deepEqual(jupyterUis(tmp), []);
    assert.match(openHint([]), /no Jupyter UI found.*apt-get install jupyter-notebook/);
    await Deno.writeTextFile(`${tmp}/jupyter-notebook`, "#!/bin/sh\n");
    await Deno.chmod(`${tmp}/jupyter-notebook`, 0o755);
    assert.deepEqual(jupyterUis(tmp), ["notebook"]);
    assert.equal(
      openHint(["notebook"]),
      "open the notebooks with: jupyter notebook notebooks/  (or VS Code, kernel picker)",
    );
    assert.doesNotMatch(openHint(["notebook"]), /jupyter lab/);
    await Deno.writeTextFile(`${tmp}/jupyter-lab`, "#!/bin/sh\n");
    await Deno.chmod(`${tmp}/jupyter-lab`, 0o755);
    assert.deepEqual(jupyterUis(tmp), ["lab", "notebook"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("jupyter:install from an npx-cached deno names a lasting copy in the kernel folder", async () => {
  const tmp = await Deno.makeTempDir({ dir: Deno.env.get("HOME") }); // not under /tmp
  try {
    const cache = `${tmp}/.npm/_npx/x`;
    await Deno.mkdir(cache, { recursive: true });
    await Deno.copyFile(Deno.execPath(), `${cache}/deno`);
    await Deno.chmod(`${cache}/deno`, 0o755);
    const root = new URL("../../", import.meta.url).pathname;
    // A PATH with no deno on it (else that one is chosen) and a classic Notebook stub.
    await Deno.mkdir(`${tmp}/bin`);
    await Deno.writeTextFile(`${tmp}/bin/jupyter-notebook`, "#!/bin/sh\n");
    await Deno.chmod(`${tmp}/bin/jupyter-notebook`, 0o755);
    const out = await new Deno.Command(`${cache}/deno`, {
      args: ["run", "-A", `${root}lib/cli/jupyter_install.ts`, "--data-dir", `${tmp}/data`],
      env: { PATH: `${tmp}/bin` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const spec = JSON.parse(await Deno.readTextFile(`${tmp}/data/kernels/bnn-lab/kernel.json`));
    assert.equal(spec.argv[0], `${tmp}/data/kernels/bnn-lab/deno`);
    await Deno.remove(cache, { recursive: true }); // the npx cache is cleaned: the kernel still runs
    assert.equal(denoVersion(spec.argv[0]), Deno.version.deno);
    assert.match(text, /a copy of the running deno/);
    assert.match(text, /jupyter notebook notebooks\//, "names the classic Notebook it found");
    assert.doesNotMatch(text, /jupyter lab/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
