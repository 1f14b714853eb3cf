/**
 * The project's native kernel library (`native/libbnn_kernels.<os>-<arch>.so`, built by
 * `tools/build_kernels.sh` from the same C sources as `kernels.wasm`) through Deno FFI.
 *
 * {@link FFI_SYMBOLS} is the one table of the library's exports: add an entry here for a new
 * export (and `API` it in the C source). Kernels run by the pool need no entry: every
 * `EXPORT("name") void name(…, int u0, int u1[, int thread])` in `native/*.c` is in the
 * library's kernel table, called through `bnn_run` by name (see `ffi_pool.ts`).
 *
 * The library holds an AVX2+FMA and an AVX-512 build of every kernel (x86-64; the variant is
 * chosen at load by cpuid, `BNN_NATIVE_ISA=avx2` forces AVX2), or a NEON build (aarch64).
 *
 * @module
 */

/** The library's exports (Deno FFI signatures), in one place. */
export const FFI_SYMBOLS = {
  /** Interface version, {@link FFI_ABI_VERSION}. */
  bnn_abi_version: { parameters: [], result: "i32" },
  /** The chosen variant as a C string ("x86-64 AVX-512", …; "" when the CPU has none). */
  bnn_variant: { parameters: [], result: "pointer" },
  /** Number of kernels in the chosen variant's table. */
  bnn_kernel_count: { parameters: [], result: "i32" },
  /** Name of kernel `i` (C string). */
  bnn_kernel_name: { parameters: ["i32"], result: "pointer" },
  /** A pthread pool of `threads` threads (the caller's included). */
  bnn_pool_create: { parameters: ["i32"], result: "pointer" },
  /** Threads of a pool. */
  bnn_pool_threads: { parameters: ["pointer"], result: "i32" },
  /** `bnn_run(pool, kernel, heapBase, args (i32[]), argc, units)`: 0, or −1 for bad input. */
  bnn_run: {
    parameters: ["pointer", "i32", "pointer", "buffer", "i32", "i32"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The interface version this module speaks. */
export const FFI_ABI_VERSION = 1;

/** The opened library. */
export type NativeSymbols = Deno.DynamicLibrary<typeof FFI_SYMBOLS>["symbols"];

/** A loaded native library: its symbols, variant and kernel names (index = kernel id). */
export interface NativeLibrary {
  /** Its exports. */
  symbols: NativeSymbols;
  /** The variant the CPU runs, e.g. "x86-64 AVX-512". */
  variant: string;
  /** Kernel names by id (the `kernel` argument of `bnn_run`). */
  kernels: string[];
  /** Its file. */
  path: string;
}

/** The library file for this OS / architecture (it may not exist). */
export function nativeLibraryUrl(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): URL {
  return new URL(`./native/libbnn_kernels.${os}-${arch}.so`, import.meta.url);
}

let loaded: NativeLibrary | string | undefined;

/**
 * Opens the native library once per process (per worker). Returns it, or a one-line reason why
 * it cannot be used here (no FFI permission, another OS or architecture, a missing file, a CPU
 * without AVX2 + FMA) for the caller's notice.
 */
export function loadNativeLibrary(): NativeLibrary | string {
  loaded ??= open();
  return loaded;
}

function open(): NativeLibrary | string {
  const url = nativeLibraryUrl();
  if (url.protocol !== "file:") return `the native library is not a local file (${url.href})`;
  const path = decodeURIComponent(url.pathname);
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return "no FFI permission (run with --allow-ffi or -A)";
  }
  try {
    Deno.statSync(path);
  } catch {
    return `no native library for ${Deno.build.os}-${Deno.build.arch} (${
      path.split("/").pop()
    } is not built)`;
  }
  let lib: Deno.DynamicLibrary<typeof FFI_SYMBOLS>;
  try {
    lib = Deno.dlopen(path, FFI_SYMBOLS);
  } catch (e) {
    return `the native library failed to load: ${
      String((e as Error).message ?? e).split("\n")[0].slice(0, 160)
    }`;
  }
  const s = lib.symbols;
  const version = s.bnn_abi_version();
  if (version !== FFI_ABI_VERSION) {
    lib.close();
    return `the native library speaks interface ${version}, expected ${FFI_ABI_VERSION}`;
  }
  const variant = cString(s.bnn_variant());
  if (!variant) {
    lib.close();
    return "this CPU has neither AVX2 + FMA nor AVX-512";
  }
  const kernels = Array.from({ length: s.bnn_kernel_count() }, (_, i) => {
    return cString(s.bnn_kernel_name(i));
  });
  return { symbols: s, variant, kernels, path };
}

function cString(p: Deno.PointerValue): string {
  return p === null ? "" : new Deno.UnsafePointerView(p).getCString();
}
