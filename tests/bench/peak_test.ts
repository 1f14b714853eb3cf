import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function peak(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("bash", {
    args: ["tools/bench/peak.sh", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("bench:peak: every loop's sums equal their closed forms, and the ratios are the rates' quotients", async () => {
  const r = await peak(["--seconds", "0.01"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^checksums: ok$/m);
  const rows = new Map<string, number>();
  for (
    const m of r.stdout.matchAll(/^\| (\S+)[^|]*\| ([0-9.]+) \/ ([0-9.]+) \/ ([0-9.]+) \| ok \|$/gm)
  ) {
    rows.set(m[1], Math.max(Number(m[2]), Number(m[3]), Number(m[4])));
  }
  assert.deepEqual([...rows.keys()], ["XNOR-popcount", "float32", "bf16", "int8"]);
  const ratio = (label: RegExp) => Number(r.stdout.match(label)?.[1]);
  const near = (got: number, want: number) =>
    assert.ok(Math.abs(got - want) <= 0.05 + 0.01 * want, `${got} vs ${want}`);
  const x = rows.get("XNOR-popcount")!, f = rows.get("float32")!;
  near(ratio(/^- float32 FMA, direct convolution: ([0-9.]+)x$/m), x / f);
  near(ratio(/^- float32 FMA, Winograd [^:]*: ([0-9.]+)x$/m), x / (4 * f));
  near(ratio(/^- bf16 dot [^:]*: ([0-9.]+)x$/m), x / rows.get("bf16")!);
  near(ratio(/^- int8 dot [^:]*: ([0-9.]+)x$/m), x / rows.get("int8")!);
});

Deno.test("bench:peak: a bad argument or a missing compiler is one clear error", async () => {
  const bad = await peak(["--fast"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown argument --fast \(expected --save or --seconds S\)/);
  const noCc = await peak([], { CLANG: "clang-does-not-exist" });
  assert.equal(noCc.code, 2);
  assert.match(noCc.stderr, /clang-does-not-exist not found/);
});
