/**
 * MD5 and SHA-256 digests (hex) via `node:crypto`, which Deno provides (WebCrypto has no MD5).
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** Digest algorithms accepted by {@link digest} and {@link digestFile}. */
export type DigestName = "md5" | "sha256";

/** Hex digest of `bytes` (or a UTF-8 string). */
export function digest(algorithm: DigestName, bytes: Uint8Array | string): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/** An incremental hasher: `update` with chunks, then `hex()`. */
export function hasher(algorithm: DigestName): { update(b: Uint8Array): void; hex(): string } {
  const h: Hash = createHash(algorithm);
  return {
    update(b: Uint8Array): void {
      h.update(b);
    },
    hex(): string {
      return h.digest("hex");
    },
  };
}

/** Hex digest of the file at `path`, read as a stream. */
export async function digestFile(algorithm: DigestName, path: string): Promise<string> {
  const h = hasher(algorithm);
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) h.update(chunk);
  return h.hex();
}
