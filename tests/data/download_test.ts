import assert from "node:assert/strict";
import { digest } from "../../lib/data/checksum.ts";
import { encodeCifar } from "../../lib/data/cifar10.ts";
import { syntheticDataset } from "../../lib/data/dataset.ts";
import { downloadDataset, downloadFile, removeStaleDownloads } from "../../lib/data/download.ts";
import { encodeIdx } from "../../lib/data/idx.ts";
import { loadDataset } from "../../lib/data/load.ts";
import { DATASETS, type DatasetSpec } from "../../lib/data/specs.ts";
import { tar } from "../../lib/data/tar.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Serves `routes` on 127.0.0.1; a `{cut}` route announces all bytes but sends only half. */
function serve(routes: Map<string, Uint8Array | { cut: Uint8Array }>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const body = routes.get(new URL(req.url).pathname);
    if (!body) return new Response("not found", { status: 404 });
    if (body instanceof Uint8Array) return new Response(body as Uint8Array<ArrayBuffer>);
    const half = body.cut.subarray(0, body.cut.length >> 1);
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(half);
        await new Promise((r) => setTimeout(r, 20));
        c.close(); // ends before content-length: the connection is cut
      },
    });
    return new Response(stream, { headers: { "content-length": String(body.cut.length) } });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, server };
}

async function listDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

const ds = syntheticDataset(23, { seed: 5 });
const cifarFiles = [0, 1, 2, 3, 4].map((k) => ({
  name: `cifar-10-batches-bin/data_batch_${k + 1}.bin`,
  data: encodeCifar(
    ds.images.subarray(k * 4 * 3072, (k + 1) * 4 * 3072),
    ds.labels.subarray(k * 4, k * 4 + 4),
  ),
}));
const testData = encodeCifar(ds.images.subarray(20 * 3072), ds.labels.subarray(20));
const tarball = await gzip(tar([
  { name: "cifar-10-batches-bin", type: "directory" },
  ...cifarFiles,
  { name: "cifar-10-batches-bin/test_batch.bin", data: testData },
  { name: "cifar-10-batches-bin/batches.meta.txt", data: new TextEncoder().encode("airplane\n") },
  { name: "cifar-10-batches-bin/readme.html", data: new TextEncoder().encode("<p>hi</p>") },
]));
const corrupt = tarball.slice();
corrupt[corrupt.length >> 1] ^= 1;

function cifarSpec(md5: string): DatasetSpec {
  return {
    ...DATASETS.cifar10,
    remote: {
      archive: { name: "cifar-10-binary.tar.gz", md5 },
      archiveDir: "cifar-10-batches-bin",
    },
  };
}

Deno.test("downloadDataset: tar.gz from a local server, verified, extracted, loadable", async () => {
  const { url, server } = serve(new Map([["/good/cifar-10-binary.tar.gz", tarball]]));
  const root = await Deno.makeTempDir();
  try {
    const dir = await downloadDataset(cifarSpec(digest("md5", tarball)), root, {
      url: `${url}/good/`,
      quiet: true,
    });
    assert.equal(dir, `${root}/cifar10`);
    assert.deepEqual(await listDir(root), ["cifar10"]); // no temp files left
    assert.deepEqual(await listDir(dir), [
      "batches.meta.txt",
      "data_batch_1.bin",
      "data_batch_2.bin",
      "data_batch_3.bin",
      "data_batch_4.bin",
      "data_batch_5.bin",
      "readme.html",
      "test_batch.bin",
    ]);
    const train = await loadDataset("cifar10", { dataDir: root, strict: false });
    assert.equal(train.n, 20);
    assert.deepEqual(train.images, ds.images.subarray(0, 20 * 3072));
    assert.deepEqual(train.labels, ds.labels.subarray(0, 20));
    const test = await loadDataset("cifar10", { dataDir: root, split: "test", strict: false });
    assert.deepEqual(test.images, ds.images.subarray(20 * 3072));
    // Strict mode (the default) rejects the small files: never a silently partial dataset.
    await assert.rejects(loadDataset("cifar10", { dataDir: root }), /expected 10000 records/);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadDataset: checksum mismatch, HTTP error and cut connection leave nothing", async () => {
  const { url, server } = serve(
    new Map<string, Uint8Array | { cut: Uint8Array }>([
      ["/corrupt/cifar-10-binary.tar.gz", corrupt],
      ["/cut/cifar-10-binary.tar.gz", { cut: tarball }],
    ]),
  );
  const root = await Deno.makeTempDir();
  const spec = cifarSpec(digest("md5", tarball));
  try {
    await assert.rejects(
      downloadDataset(spec, root, { url: `${url}/corrupt/`, quiet: true }),
      new RegExp(
        `MD5 mismatch: expected ${digest("md5", tarball)} \\(published\\), got ` +
          digest("md5", corrupt),
      ),
    );
    assert.deepEqual(await listDir(root), []);
    await assert.rejects(
      downloadDataset(spec, root, { url: `${url}/missing/`, quiet: true }),
      /HTTP 404/,
    );
    assert.deepEqual(await listDir(root), []);
    await assert.rejects(
      downloadDataset(spec, root, { url: `${url}/cut/`, quiet: true }),
      /error reading a body|interrupted/,
    );
    assert.deepEqual(await listDir(root), []);
    await assert.rejects(
      downloadFile(`${url}/cut/cifar-10-binary.tar.gz`, `${root}/f`, { md5: "x", quiet: true }),
      /error reading a body|interrupted/,
    );
    assert.deepEqual(await listDir(root), []);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadDataset: individual IDX files; one bad file discards them all", async () => {
  const img = encodeIdx(syntheticDataset(6, { shape: [28, 28, 1] }).images, [6, 28, 28]);
  const lab = encodeIdx(Uint8Array.from([3, 1, 4, 1, 5, 9]), [6]);
  const gz = await Promise.all([img, lab, img, lab].map(gzip));
  const names = DATASETS["fashion-mnist"].files.train.concat(DATASETS["fashion-mnist"].files.test)
    .map((n) => `${n}.gz`);
  const routes = new Map(names.map((n, i) => [`/ok/${n}`, gz[i]]));
  const { url, server } = serve(routes);
  const files = names.map((name, i) => ({ name, md5: digest("md5", gz[i]) }));
  const spec: DatasetSpec = { ...DATASETS["fashion-mnist"], remote: { files } };
  const root = await Deno.makeTempDir();
  try {
    const badFiles = files.map((f, i) => i === 3 ? { ...f, md5: "0".repeat(32) } : f);
    const bad: DatasetSpec = { ...spec, remote: { files: badFiles } };
    await assert.rejects(
      downloadDataset(bad, root, { url: `${url}/ok`, quiet: true }),
      /MD5 mismatch/,
    );
    assert.deepEqual(await listDir(root), []);
    await downloadDataset(spec, root, { url: `${url}/ok`, quiet: false });
    const d = await loadDataset("fashion-mnist", { dataDir: root, strict: false, split: "test" });
    assert.deepEqual([...d.labels], [3, 1, 4, 1, 5, 9]);
    assert.deepEqual(d.shape, [28, 28, 1]);
    assert.deepEqual(d.images, img.subarray(16));
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("removeStaleDownloads: work dirs of killed processes go, live ones stay", async () => {
  const root = await Deno.makeTempDir();
  try {
    const host = Deno.hostname();
    const dead = `.cifar10.download-${host}-2147483646-abc123`;
    const live = `.cifar10.download-${host}-${Deno.pid}-def456`;
    const other = `.cifar10.download-otherhost-2147483646-aaa`;
    const unrelated = `.mnist.download-${host}-2147483646-bbb`;
    for (const d of [dead, live, other, unrelated]) {
      await Deno.mkdir(`${root}/${d}/cifar10`, { recursive: true });
    }
    assert.deepEqual(await removeStaleDownloads(root, "cifar10"), [`${root}/${dead}`]);
    assert.deepEqual(await listDir(root), [live, unrelated, other].sort());
    // A failing download also clears what a killed earlier attempt left behind.
    await Deno.mkdir(`${root}/${dead}`);
    await assert.rejects(
      downloadDataset(cifarSpec("0".repeat(32)), root, { url: "http://127.0.0.1:9/", quiet: true }),
    );
    assert.deepEqual(await listDir(root), [live, unrelated, other].sort());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadFile: a server that accepts and never answers fails at the timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) conns.push(c); // accept, never read or answer
  })();
  const root = await Deno.makeTempDir();
  try {
    const url = `http://127.0.0.1:${listener.addr.port}/x.bin`;
    const t0 = performance.now();
    await assert.rejects(
      downloadFile(url, `${root}/x.bin`, { md5: "x", quiet: true, timeoutMs: 300 }),
      /x\.bin: no response for 0\.3 s \(timeout\)/,
    );
    const ms = performance.now() - t0;
    assert.ok(ms >= 250 && ms < 5000, `failed after ${ms} ms`);
    assert.deepEqual(await listDir(root), []);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const c of conns) c.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("downloadFile: a server that stops sending mid-body fails at the idle timeout", async () => {
  let release = () => {};
  const hold = new Promise<void>((r) => release = r);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(new Uint8Array(1000));
        await hold; // then nothing until the test ends
        c.close();
      },
    });
    return new Response(stream, { headers: { "content-length": "100000" } });
  });
  const root = await Deno.makeTempDir();
  try {
    const url = `http://127.0.0.1:${server.addr.port}/y.bin`;
    await assert.rejects(
      downloadFile(url, `${root}/y.bin`, { md5: "x", quiet: true, timeoutMs: 300 }),
      /y\.bin: no data for 0\.3 s \(timeout\)/,
    );
    assert.deepEqual(await listDir(root), []);
  } finally {
    release();
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});
