// A small fake run store in the layout `deno task reproduce` writes (not a test file).

/** One fake run: labels/axes, seed, final accuracy per epoch. */
export interface FakeRun {
  labels: string[];
  axes: string[];
  seed: number;
  accs: number[];
  model?: string;
  status?: "done" | "failed";
}

/** Writes the runs under `<dir>/<preset>/runs/` and returns `dir`. */
export function writeFakeStore(dir: string, preset: string, runs: FakeRun[]): string {
  runs.forEach((r, i) => {
    const runId = `run${String(i).padStart(3, "0")}`;
    const d = `${dir}/${preset}/runs/${runId}`;
    Deno.mkdirSync(d, { recursive: true });
    const configKey = `${r.labels[0]}|${r.model ?? "vgg_small"}`;
    Deno.writeTextFileSync(
      `${d}/config.json`,
      JSON.stringify({
        runId,
        configKey,
        preset,
        labels: r.labels,
        axes: r.axes,
        config: { seed: r.seed, model: r.model ?? "vgg_small", epochs: r.accs.length },
      }),
    );
    Deno.writeTextFileSync(
      `${d}/metrics.jsonl`,
      r.accs.map((a, e) =>
        JSON.stringify({
          epoch: e + 1,
          loss: 2 - a,
          trainAcc: a + 0.05,
          testAcc: a,
          // Two binary layers: sizes 10 and 30; near-±α share grows with the accuracy.
          telemetry: {
            flipRatio: e === 0 ? null : a / 10,
            layers: [
              { size: 10, nearAlpha: a, alpha: { mean: 0.1 } },
              { size: 30, nearAlpha: a / 2, alpha: null },
            ],
          },
        }) + "\n"
      ).join(""),
    );
    Deno.writeTextFileSync(
      `${d}/summary.json`,
      JSON.stringify({
        runId,
        configKey,
        status: r.status ?? "done",
        reason: r.status === "failed" ? "loss is NaN at epoch 1" : undefined,
        epochs: r.accs.length,
        finalTestAcc: r.status === "failed" ? null : r.accs.at(-1),
        trainSeconds: 10 + i,
        backend: "wasm",
      }),
    );
  });
  return dir;
}

/** A grid like the real one: default row shared by baseline and regularizer axes, 2 seeds. */
export function standardRuns(): FakeRun[] {
  const out: FakeRun[] = [];
  for (const seed of [0, 1]) {
    out.push({
      labels: ["BNN+ (default)", "reg=euclidean"],
      axes: ["baseline", "regularizer"],
      seed,
      accs: [0.5, 0.6 + seed * 0.02],
    });
    out.push({ labels: ["reg=none"], axes: ["regularizer"], seed, accs: [0.4, 0.5 + seed * 0.04] });
    out.push({ labels: ["α=none"], axes: ["scale"], seed, accs: [0.3, 0.45] });
  }
  out.push({
    labels: ["reg=manhattan"],
    axes: ["regularizer"],
    seed: 0,
    accs: [0.1],
    status: "failed",
  });
  out.push({
    labels: ["AlexNet: BNN+ (default)"],
    axes: ["model"],
    seed: 0,
    accs: [0.7],
    model: "alexnet",
  });
  return out;
}
