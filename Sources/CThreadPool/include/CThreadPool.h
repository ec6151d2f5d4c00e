#ifndef CTHREADPOOL_H
#define CTHREADPOOL_H

/// One process-wide pool of worker threads for the network engine: every parallel loop and every
/// split matrix product runs on it, and OpenBLAS itself stays single-threaded, so no two thread
/// pools ever spin against each other on the same cores.
///
/// A run hands out parts 0..<parts dynamically; the calling thread takes parts too. Workers spin
/// briefly between runs (a training step is dozens of runs microseconds apart) and then sleep. A
/// waiting thread yields its CPU while another of the pool's threads is on the same one.

typedef void (*threadpool_task)(void *context, long part);

/// The most threads a pool can have.
#define THREADPOOL_MAX_THREADS 64

/// Threads that take parts, the caller included (1 = everything runs on the caller). Clamped to
/// [1, THREADPOOL_MAX_THREADS]. Must not be called from inside a part.
void threadpool_set_threads(int threads);
int threadpool_threads(void);

/// Threads a run started now would use: 1 inside a part or while another thread's run is in
/// progress (such runs execute inline, in order), `threadpool_threads()` otherwise.
int threadpool_available(void);

/// Calls task(context, p) for every p in [0, parts) and returns when all have returned. A part
/// must not depend on which thread runs it. Nested or concurrent runs execute inline.
/// The calling thread is switched to flushing denormals first (threadpool_flush_denormals), and
/// stays so, so that a part computes the same on whichever thread runs it.
void threadpool_run(long parts, threadpool_task task, void *context);

/// How many times a waiting thread has given its CPU to another of the pool's threads that was on
/// the same CPU (more threads than free CPUs). For tests and diagnostics.
long threadpool_yields(void);

/// Test helper, for tests that need the pool's threads to share one CPU: confines the calling
/// thread (and the threads it creates from then on) to the CPU it is on (confine != 0), or gives it
/// back the CPUs it had before (confine == 0). One thread at a time, in pairs; returns 0 on
/// success, -1 when out of pairs or when the system refuses.
int threadpool_confine_to_one_cpu(int confine);

/// Makes the calling thread's float arithmetic treat denormal inputs as zero and flush denormal
/// results to zero (x86 MXCSR FTZ+DAZ, ARM FPCR.FZ), as TensorFlow does on its threads. Every
/// worker does this when it starts. Why: gradients and Adam's second moments decay into the
/// denormal range as a network trains, and every operation on a denormal takes a microcode
/// assist of ~100 cycles: measured on an AVX-512 Xeon, Colab MLP epochs slowed from 1.4 s to
/// 2.1 s over three epochs without it. Values below ~1.2e-38 carry no weight in training.
void threadpool_flush_denormals(void);

#endif
