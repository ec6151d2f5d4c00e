#define _GNU_SOURCE
#include "CThreadPool.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

void threadpool_flush_denormals(void) {
#if defined(__x86_64__) || defined(__i386__)
    // MXCSR bit 15: flush results to zero (FTZ); bit 6: treat inputs as zero (DAZ).
    unsigned int csr = _mm_getcsr();
    if ((csr & 0x8040) != 0x8040) _mm_setcsr(csr | 0x8040);
#elif defined(__aarch64__)
    // FPCR bit 24 (FZ) does both for single and double precision.
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    if (!(fpcr & (1UL << 24))) __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));
#endif
}

#define MAX_THREADS THREADPOOL_MAX_THREADS
// How long an idle worker spins before sleeping. Between the runs of one training step the gap
// is a few microseconds; waking a sleeping thread costs tens.
#define SPIN_NANOSECONDS 300000L

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static atomic_int thread_count = 0;  // caller included, 0 until first use; changed only under run_lock
static pthread_t workers[MAX_THREADS];
static int worker_count = 0;           // live workers; changed only under run_lock
static atomic_int stop_from = MAX_THREADS;  // workers with this index or above exit at the next run
static atomic_ulong generation = 0;     // bumped once per run; every live worker sees every one
static atomic_int sleeping = 0;
static atomic_long next_part = 0;
static atomic_int checked_out = 0;     // workers done with the current run

// The current run; written before `generation` is bumped (release), read after it is seen.
static long run_parts;
static threadpool_task run_task;
static void *run_context;
static _Thread_local int inside_part = 0;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

// The CPU each of our threads was last seen on, plus one (thread 0: the caller, i + 1: worker i;
// 0: not seen yet, or gone). A waiting thread spins, but gives its CPU away (sched_yield) while
// another of ours was last seen on the same CPU: on a busy machine the scheduler may put two of
// our threads on one CPU, and a spinning thread then keeps the one it waits for from running
// until its time slice ends. It does not yield otherwise: that would only hand its CPU to other
// processes. (A sleeping worker keeps its entry: it is usually woken on the CPU it slept on.)
// Measured on the 2-vCPU machine, Colab MLP epochs: two threads pinned to one CPU 4.6-5.4 s
// before, 2.3 s after (one thread: 2.4 s); with a busy loop pinned to one of the two CPUs,
// 3.1-3.8 s before, 2.0-2.6 s after; idle, no change.
static atomic_int seen_on[MAX_THREADS];
static atomic_long yields = 0;

/// Records the calling thread's CPU (plus one; 0 if unknown) and returns it. Stores only on a
/// change: the entries share cache lines.
static int publish_cpu(int self) {
    int cpu = sched_getcpu() + 1;
    if (atomic_load_explicit(&seen_on[self], memory_order_relaxed) != cpu)
        atomic_store_explicit(&seen_on[self], cpu, memory_order_relaxed);
    return cpu;
}

/// Whether another of our threads was last seen on the calling thread's CPU.
static int shares_cpu(int self) {
    int cpu = publish_cpu(self);
    if (cpu == 0) return 0;
    int threads = atomic_load_explicit(&thread_count, memory_order_relaxed);
    for (int t = 0; t < threads; t++) {
        if (t != self && atomic_load_explicit(&seen_on[t], memory_order_relaxed) == cpu) return 1;
    }
    return 0;
}

/// Gives the CPU to the other of our threads that shares it.
static void yield_to_sibling(void) {
    atomic_fetch_add_explicit(&yields, 1, memory_order_relaxed);
    sched_yield();
}

long threadpool_yields(void) {
    return atomic_load_explicit(&yields, memory_order_relaxed);
}

int threadpool_confine_to_one_cpu(int confine) {
    static cpu_set_t before;
    static int saved = 0;
    if (!confine) {
        if (!saved) return -1;
        saved = 0;
        return sched_setaffinity(0, sizeof before, &before);
    }
    if (saved || sched_getaffinity(0, sizeof before, &before) != 0) return -1;
    saved = 1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    return sched_setaffinity(0, sizeof one, &one);
}

static void take_parts(int self) {
    publish_cpu(self);
    inside_part = 1;
    long p;
    while ((p = atomic_fetch_add(&next_part, 1)) < run_parts) run_task(run_context, p);
    inside_part = 0;
}

static unsigned long wait_for_run(int self, unsigned long seen) {
    long deadline = now_ns() + SPIN_NANOSECONDS;
    for (int i = 1;; i++) {
        unsigned long g = atomic_load_explicit(&generation, memory_order_acquire);
        if (g != seen) return g;
        cpu_relax();
        if ((i & 255) == 0) {
            if (now_ns() > deadline) break;
            if (shares_cpu(self)) yield_to_sibling();
        }
    }
    pthread_mutex_lock(&sleep_lock);
    atomic_fetch_add(&sleeping, 1);  // before re-checking: the runner checks `sleeping` after bumping
    unsigned long g;
    while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &sleep_lock);
    atomic_fetch_sub(&sleeping, 1);
    pthread_mutex_unlock(&sleep_lock);
    return g;
}

/// Where a new worker starts: its index and the generation current when it was created (a
/// thread may start running after the first run has already been announced).
struct worker_start {
    int index;
    unsigned long generation;
};

static void *worker_main(void *arg) {
    struct worker_start start = *(struct worker_start *)arg;
    free(arg);
    threadpool_flush_denormals();
    unsigned long seen = start.generation;
    for (;;) {
        // The runner waits for every live worker to check out before it announces the next
        // run, so a worker sees each generation exactly once.
        seen = wait_for_run(start.index + 1, seen);
        if (start.index >= atomic_load(&stop_from)) {
            atomic_store_explicit(&seen_on[start.index + 1], 0, memory_order_relaxed);
            return 0;
        }
        take_parts(start.index + 1);
        atomic_fetch_add_explicit(&checked_out, 1, memory_order_release);
    }
}

/// Announces a run of `parts` to every live worker, takes parts itself and waits until all
/// workers have checked out. Holds run_lock.
static void announce_and_wait(long parts, threadpool_task task, void *context, int staying) {
    run_parts = parts;
    run_task = task;
    run_context = context;
    atomic_store(&next_part, 0);
    atomic_store(&checked_out, 0);
    atomic_fetch_add(&generation, 1);  // seq_cst: pairs with the worker's `sleeping` increment
    if (atomic_load(&sleeping) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    take_parts(0);
    for (int i = 1; atomic_load_explicit(&checked_out, memory_order_acquire) < staying; i++) {
        cpu_relax();
        // Also yield now and then regardless, in case a worker moved to this CPU unseen.
        if ((i & 4095) == 0) sched_yield();
        else if ((i & 255) == 0 && shares_cpu(0)) yield_to_sibling();
    }
}

static void no_task(void *context, long part) {
    (void)context;
    (void)part;
}

void threadpool_set_threads(int threads) {
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pthread_mutex_lock(&run_lock);
    if (worker_count > threads - 1) {
        // An empty run tells the extra workers to exit; the others check out as usual.
        atomic_store(&stop_from, threads - 1);
        announce_and_wait(0, no_task, 0, threads - 1);
        for (int i = threads - 1; i < worker_count; i++) pthread_join(workers[i], 0);
        worker_count = threads - 1;
        atomic_store(&stop_from, MAX_THREADS);
    }
    // Workers block every signal (they inherit the creator's mask), so SIGINT always reaches a
    // thread that handles it: the shell's main thread, whose blocking read must see EINTR.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    while (worker_count < threads - 1) {
        struct worker_start *start = malloc(sizeof *start);
        if (!start) break;
        start->index = worker_count;
        start->generation = atomic_load(&generation);  // no run in progress: we hold run_lock
        if (pthread_create(&workers[worker_count], 0, worker_main, start) != 0) {
            free(start);
            break;  // fewer threads than asked; runs still complete with the ones we have
        }
        worker_count++;
    }
    pthread_sigmask(SIG_SETMASK, &previous, 0);
    atomic_store(&thread_count, worker_count + 1);
    pthread_mutex_unlock(&run_lock);
}

/// The first use sizes the pool to the CPUs this process may run on. Threads are not pinned:
/// pinning the caller to CPU 0 and the worker to CPU 1 made every training epoch 1.4-1.8x slower
/// on the 2-vCPU KVM machine (2026-12-06), where the scheduler moving threads between vCPUs helps.
static void ensure_started(void) {
    if (atomic_load(&thread_count) != 0) return;
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    pthread_mutex_lock(&run_lock);
    int unset = thread_count == 0;
    pthread_mutex_unlock(&run_lock);
    if (unset) threadpool_set_threads(cpus);
}

int threadpool_threads(void) {
    ensure_started();
    return thread_count;
}

int threadpool_available(void) {
    ensure_started();
    if (inside_part || thread_count == 1) return 1;
    if (pthread_mutex_trylock(&run_lock) != 0) return 1;
    int n = thread_count;
    pthread_mutex_unlock(&run_lock);
    return n;
}

void threadpool_run(long parts, threadpool_task task, void *context) {
    threadpool_flush_denormals();
    if (parts <= 0) return;
    ensure_started();
    if (parts == 1 || inside_part || thread_count == 1 || pthread_mutex_trylock(&run_lock) != 0) {
        int was_inside = inside_part;
        inside_part = 1;
        for (long p = 0; p < parts; p++) task(context, p);
        inside_part = was_inside;
        return;
    }
    announce_and_wait(parts, task, context, worker_count);
    pthread_mutex_unlock(&run_lock);
}
