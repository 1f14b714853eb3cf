/**
 * The webgpu backend: adapter classification (pure), then the lab on webgpu through Mesa's
 * software adapter (llvmpipe) in subprocesses — a `deno test` process holds one tfjs backend
 * stack, and this file's process must not switch it. `tests/fixtures/webgpu_checks.ts` compares
 * quantizers, layers, trainStep, a training run, telemetry and export with the cpu backend; the
 * runner test trains one smoke-grid run with `reproduce --backend webgpu`.
 *
 * Without an adapter these tests FAIL (on Debian: `apt-get install libegl1 libegl-mesa0
 * libgl1-mesa-dri mesa-vulkan-drivers libvulkan1`); `BNN_SKIP_WEBGPU=1` skips them with a message
 * instead, except under `CI=true` or `BNN_REQUIRE_WEBGPU=1` (set by `.ci/run`).
 */
import assert from "node:assert/strict";
import { adapterLabel, isSoftwareAdapter, probeWebGpu } from "../../lib/backend/webgpu.ts";

Deno.test("isSoftwareAdapter: fallback adapters and CPU rasterizers, not GPUs", () => {
  assert.equal(isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }), true);
  assert.equal(isSoftwareAdapter({ description: "lavapipe" }), true);
  assert.equal(isSoftwareAdapter({ description: "SwiftShader Device (Subzero)" }), true);
  assert.equal(isSoftwareAdapter({ description: "Microsoft Basic Render Driver" }), true);
  assert.equal(isSoftwareAdapter({ description: "NVIDIA H100 80GB HBM3" }), false);
  assert.equal(isSoftwareAdapter({ description: "AMD Radeon RX 7900 XTX", vendor: "amd" }), false);
  assert.equal(isSoftwareAdapter({ description: "", isFallbackAdapter: true }), true);
  assert.equal(isSoftwareAdapter({}), false);
});

Deno.test("adapterLabel: the description, flagged when it is not a GPU", () => {
  const base = { vendor: "", architecture: "", fallback: false };
  assert.equal(
    adapterLabel({ ...base, description: "NVIDIA H100", software: false }),
    '"NVIDIA H100"',
  );
  assert.equal(
    adapterLabel({ ...base, description: "llvmpipe (LLVM 15.0.6, 256 bits)", software: true }),
    '"llvmpipe (LLVM 15.0.6, 256 bits)" (software rasterizer, not a GPU)',
  );
  assert.equal(
    adapterLabel({ ...base, vendor: "65541", description: "", software: true }),
    '"vendor 65541" (software rasterizer, not a GPU)',
  );
});

Deno.test("probeWebGpu: BNN_WEBGPU=0 disables WebGPU without asking for an adapter", async () => {
  Deno.env.set("BNN_WEBGPU", "0");
  try {
    assert.equal(await probeWebGpu(), "WebGPU is disabled (BNN_WEBGPU=0)");
  } finally {
    Deno.env.delete("BNN_WEBGPU");
  }
});

const root = new URL("../../", import.meta.url);
const required = Deno.env.get("CI") === "true" || Deno.env.get("BNN_REQUIRE_WEBGPU") === "1";
const probe = await probeWebGpu();
const skip = typeof probe === "string" && !required && Deno.env.get("BNN_SKIP_WEBGPU") === "1";
if (skip) console.error(`webgpu tests skipped (BNN_SKIP_WEBGPU=1): ${probe}`);

Deno.test("a WebGPU adapter exists (Mesa's llvmpipe at least)", { ignore: skip }, () => {
  assert.ok(
    typeof probe !== "string",
    `no WebGPU adapter: ${probe}. The webgpu tests need one (outside CI, BNN_SKIP_WEBGPU=1 ` +
      `skips them)`,
  );
});

/** Runs `deno <args>` in the repository root; returns exit code and combined output. */
async function deno(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1", BNN_THREADS: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test(
  "webgpu: quantizers, layers, trainStep, a learning run, telemetry and export equal cpu",
  { ignore: skip || typeof probe === "string" },
  async () => {
    const { code, text } = await deno(
      ["test", "-A", "--no-prompt", "tests/fixtures/webgpu_checks.ts"],
      { BNN_BACKEND: "webgpu" },
    );
    assert.equal(code, 0, `tests/fixtures/webgpu_checks.ts failed:\n${text.slice(-6000)}`);
    assert.match(text, /webgpu adapter: /);
    const m = text.match(/ok \| (\d+) passed \| 0 failed/);
    assert.ok(m && Number(m[1]) >= 12, `expected ≥ 12 passed checks:\n${text.slice(-3000)}`);
  },
);

Deno.test(
  "webgpu: `reproduce --backend webgpu` trains a smoke-grid run and records the backend",
  { ignore: skip || typeof probe === "string" },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-webgpu-runner-" });
    try {
      const { code, text } = await deno([
        "run",
        "-A",
        "--no-prompt",
        "lib/cli/reproduce.ts",
        "--preset",
        "smoke",
        "--only",
        "BNN+ (default)",
        "--workers",
        "1",
        "--backend",
        "webgpu",
        "--results-dir",
        dir,
      ], {});
      assert.equal(code, 0, `reproduce failed:\n${text.slice(-4000)}`);
      const runs = [...Deno.readDirSync(`${dir}/smoke/runs`)];
      assert.equal(runs.length, 1);
      const summary = JSON.parse(
        Deno.readTextFileSync(`${dir}/smoke/runs/${runs[0].name}/summary.json`),
      );
      assert.equal(summary.status, "done");
      assert.deepEqual(summary.backends, ["webgpu"]);
      assert.equal(summary.epochs, summary.epochsPlanned);
      assert.ok(summary.finalTestAcc >= 0 && summary.finalTestAcc <= 1);
      const metrics = Deno.readTextFileSync(`${dir}/smoke/runs/${runs[0].name}/metrics.jsonl`)
        .trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(metrics.length >= summary.epochs, "one metrics line per epoch at least");
      const table = JSON.parse(Deno.readTextFileSync(`${dir}/smoke/table.json`));
      assert.equal(table.rows.length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
