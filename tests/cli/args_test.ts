import assert from "node:assert/strict";
import {
  ArgsError,
  closest,
  editDistance,
  type FlagSpec,
  oneOfFlag,
  parseArgs,
  positiveIntFlag,
  usage,
} from "../../lib/cli/args.ts";

const SPEC: Record<string, FlagSpec> = {
  preset: { type: "string", default: "quick", description: "grid preset: smoke, quick, paper" },
  workers: { type: "string", default: "2", description: "parallel worker processes" },
  "dry-run": { type: "boolean", description: "list the runs" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

function fails(argv: string[], re: RegExp): void {
  assert.throws(() => parseArgs(argv, SPEC), (e: Error) => {
    assert.ok(e instanceof ArgsError, `${e}`);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /ERR_PARSE_ARGS|ambiguous|parseArgs/);
    return true;
  });
}

Deno.test("editDistance: classic values (Damerau swaps count 1)", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("preest", "preset"), 1);
  assert.equal(editDistance("same", "same"), 0);
  assert.equal(closest("preest", Object.keys(SPEC)), "preset");
  assert.equal(closest("wrokers", Object.keys(SPEC)), "workers");
  assert.equal(closest("dry", Object.keys(SPEC)), "dry-run");
  assert.equal(closest("zzzzzzzz", Object.keys(SPEC)), null);
});

Deno.test("parseArgs: values, =values, booleans, short aliases, defaults", () => {
  const a = parseArgs(["--preset", "smoke", "--workers=3", "--dry-run", "-h"], SPEC);
  assert.deepEqual(a.flags, { preset: "smoke", workers: "3", "dry-run": true, help: true });
  assert.deepEqual(parseArgs([], SPEC).flags, {
    preset: "quick",
    workers: "2",
    "dry-run": undefined,
    help: undefined,
  });
  // A negative number is a value (and reaches the flag's own check), not a flag.
  assert.equal(parseArgs(["--workers", "-1"], SPEC).flags.workers, "-1");
  assert.deepEqual(parseArgs(["--", "x"], SPEC, { allowPositionals: true }).positionals, ["x"]);
});

Deno.test("parseArgs: unknown flags name the closest one, in the project's words", () => {
  fails(
    ["--preest", "quick"],
    /^unknown flag --preest; did you mean --preset\? \(accepted flags: --preset, --workers/,
  );
  fails(["--frobnicate"], /^unknown flag --frobnicate \(accepted flags:/);
  fails(["-x"], /unknown flag -x/);
  fails(["--__proto__"], /unknown flag --__proto__/);
  fails(["--constructor"], /unknown flag --constructor/);
});

Deno.test("parseArgs: missing values, values on booleans, positional arguments", () => {
  fails(["--preset"], /^--preset needs a value/);
  fails(["--preset", "--dry-run"], /^--preset needs a value/);
  fails(["--dry-run=yes"], /--dry-run takes no value/);
  fails(["smoke"], /^unexpected argument 'smoke'; did you mean --preset smoke\?/);
  fails(["--dry-run", "extra"], /^unexpected argument 'extra' \(this command takes flags only/);
});

Deno.test("positiveIntFlag / oneOfFlag: clear errors", () => {
  assert.equal(positiveIntFlag("workers", "4"), 4);
  assert.equal(positiveIntFlag("workers", undefined), undefined);
  for (const bad of ["-1", "0", "1.5", "", "abc"]) {
    assert.throws(
      () => positiveIntFlag("workers", bad),
      new RegExp(`--workers: expected a positive integer, got '${bad}'`),
    );
  }
  assert.equal(oneOfFlag("backend", "wasm", ["wasm", "cpu"]), "wasm");
  assert.throws(
    () => oneOfFlag("backend", "wsam", ["wasm", "cpu"]),
    /--backend: unknown value 'wsam' \(did you mean 'wasm'\?\); expected one of wasm, cpu/,
  );
  assert.match(usage("deno task reproduce", SPEC), /-h, --help/);
});

Deno.test("parseArgsOrExit: a command's bad flag is one line and exit 2, no stack trace", async () => {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../lib/cli/report.ts", import.meta.url).pathname, "--presett"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(o.stderr);
  assert.equal(o.code, 2, err);
  assert.match(err, /^report: unknown flag --presett; did you mean --preset\?/);
  assert.doesNotMatch(err, /^\s+at /m);
});
