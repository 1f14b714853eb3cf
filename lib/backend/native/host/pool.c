// The native side of lib/backend/ffi.ts: kernel tables of the compiled variants, run-time variant
// choice (cpuid), and a pthread pool. Built into libbnn_kernels.<os>-<arch>.so by
// tools/build_kernels.sh, never for wasm.
//
// A kernel runs on a heap (tfjs-wasm's linear memory, in place): its pointer arguments are byte
// offsets into the heap (0 = none), exactly the i32 arguments its wasm export takes, and each
// variant's generated thunk turns them into native pointers (see build_kernels.sh). bnn_run
// splits `units` work units into `threads` contiguous near-equal ranges (shareOf in
// native_pool.ts: the same split as the wasm pool, so results are bit-identical), runs range 0 on
// the calling thread and the others on the pool's threads, and returns when all are done: one FFI
// call per kernel call.
//
// Threads: each pool has its own threads, mutex and job slot; a mutex serializes callers of one
// pool. Workers spin briefly on the job counter, then sleep on a condition variable; they block
// every signal (signals go to the runtime's threads) and never keep the process alive (exit()
// ends them). The library is linked with -z nodelete so that unloading cannot pull code from
// under a sleeping worker.
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define API __attribute__((visibility("default")))
#define MAX_ARGS 56

typedef void (*Thunk)(uint8_t* base, const int32_t* args, int u0, int u1, int thread);
typedef struct {
  const char* name;
  Thunk fn;
} Kernel;

// Generated per variant by build_kernels.sh (table.c), terminated by {0, 0}.
extern const Kernel bnn_table_avx2[], bnn_table_avx512[], bnn_table_neon[], bnn_table_base[];
#if defined(__x86_64__)
__attribute__((weak)) const Kernel bnn_table_neon[] = {{0, 0}};
__attribute__((weak)) const Kernel bnn_table_base[] = {{0, 0}};
#else
__attribute__((weak)) const Kernel bnn_table_avx2[] = {{0, 0}};
__attribute__((weak)) const Kernel bnn_table_avx512[] = {{0, 0}};
__attribute__((weak)) const Kernel bnn_table_base[] = {{0, 0}};
#endif

static const Kernel* table;
static const char* variant;

static void choose(void) {
  if (table) return;
#if defined(__x86_64__)
  __builtin_cpu_init();
  const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const char* force = getenv("BNN_NATIVE_ISA");  // "avx2": the AVX2 variant on an AVX-512 CPU
  if (avx512 && !(force && strcmp(force, "avx2") == 0)) {
    variant = "x86-64 AVX-512", table = bnn_table_avx512;
  } else if (avx2) {
    variant = "x86-64 AVX2+FMA", table = bnn_table_avx2;
  } else {
    variant = "", table = bnn_table_base;  // empty: the caller falls back to wasm
  }
#elif defined(__aarch64__)
  variant = "aarch64 NEON", table = bnn_table_neon;
#else
  variant = "", table = bnn_table_base;
#endif
}

// Interface version of this file's exports (ffi.ts checks it).
API int bnn_abi_version(void) { return 1; }

// The chosen variant ("x86-64 AVX-512", …; "" when this CPU has none).
API const char* bnn_variant(void) {
  choose();
  return variant;
}

// Kernels of the chosen variant.
API int bnn_kernel_count(void) {
  choose();
  int n = 0;
  while (table[n].name) n++;
  return n;
}

API const char* bnn_kernel_name(int i) {
  choose();
  return i >= 0 && i < bnn_kernel_count() ? table[i].name : 0;
}

typedef struct Pool Pool;
typedef struct {
  Pool* pool;
  int index;
} Worker;

struct Pool {
  int threads;
  pthread_t* tids;
  Worker* workers;
  pthread_mutex_t call;  // one caller at a time
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  // The job (written by the caller before seq is bumped).
  Thunk fn;
  uint8_t* base;
  int32_t args[MAX_ARGS];
  int units;
  unsigned seq;  // atomic
  int pending;   // atomic: workers still running the job
};

static void share(int units, int threads, int index, int* u0, int* u1) {
  *u0 = (int)(((long long)units * index) / threads);
  *u1 = (int)(((long long)units * (index + 1)) / threads);
}

static void run_share(Pool* p, int index) {
  int u0, u1;
  share(p->units, p->threads, index, &u0, &u1);
  if (u1 > u0) p->fn(p->base, p->args, u0, u1, index);
}

static inline void relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static void* worker_main(void* arg) {
  Worker* w = arg;
  Pool* p = w->pool;
  unsigned seen = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
  for (;;) {
    unsigned s;
    int spins = 0;
    while ((s = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE)) == seen && spins < 4000) {
      relax();
      spins++;
    }
    if (s == seen) {
      pthread_mutex_lock(&p->mu);
      while ((s = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE)) == seen) {
        pthread_cond_wait(&p->start, &p->mu);
      }
      pthread_mutex_unlock(&p->mu);
    }
    seen = s;
    run_share(p, w->index);
    if (__atomic_sub_fetch(&p->pending, 1, __ATOMIC_ACQ_REL) == 0) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
  return 0;
}

// A pool running kernels on `threads` threads (the caller's included); NULL on failure.
API Pool* bnn_pool_create(int threads) {
  choose();
  if (threads < 1) threads = 1;
  if (threads > 256) threads = 256;
  Pool* p = calloc(1, sizeof(Pool));
  if (!p) return 0;
  p->threads = threads;
  p->tids = calloc((size_t)threads, sizeof(pthread_t));
  p->workers = calloc((size_t)threads, sizeof(Worker));
  pthread_mutex_init(&p->call, 0);
  pthread_mutex_init(&p->mu, 0);
  pthread_cond_init(&p->start, 0);
  pthread_cond_init(&p->done, 0);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int ok = p->tids && p->workers;
  for (int i = 1; ok && i < threads; i++) {
    p->workers[i] = (Worker){p, i};
    if (pthread_create(&p->tids[i], &attr, worker_main, &p->workers[i]) != 0) {
      p->threads = i;  // run with the threads that started
      break;
    }
  }
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, 0);
  if (!ok) return 0;
  return p;
}

API int bnn_pool_threads(Pool* p) { return p ? p->threads : 0; }

// Runs kernel `k` of the chosen variant with `argc` i32 arguments on heap `base` over `units`
// work units. Returns 0, or −1 for a bad kernel index / argument count.
API int bnn_run(Pool* p, int k, uint8_t* base, const int32_t* args, int argc, int units) {
  if (!p || k < 0 || k >= bnn_kernel_count() || argc < 0 || argc > MAX_ARGS) return -1;
  if (units <= 0) return 0;
  pthread_mutex_lock(&p->call);
  p->fn = table[k].fn;
  p->base = base;
  memcpy(p->args, args, (size_t)argc * sizeof(int32_t));
  p->units = units;
  if (p->threads > 1) {
    // Every worker takes part (an empty range when units < threads): one counter, no per-job
    // choice of who runs.
    __atomic_store_n(&p->pending, p->threads - 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&p->mu);
    __atomic_add_fetch(&p->seq, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
  }
  run_share(p, 0);
  if (p->threads > 1) {
    int spins = 0;
    while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0 && spins < 20000) {
      relax();
      spins++;
    }
    if (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0) {
      pthread_mutex_lock(&p->mu);
      while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0) {
        pthread_cond_wait(&p->done, &p->mu);
      }
      pthread_mutex_unlock(&p->mu);
    }
  }
  pthread_mutex_unlock(&p->call);
  return 0;
}
