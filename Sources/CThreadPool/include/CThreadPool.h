#ifndef CTHREADPOOL_H
#define CTHREADPOOL_H

/// One process-wide pool of worker threads for the network engine: every parallel loop and every
/// split matrix product runs on it, and OpenBLAS itself stays single-threaded, so no two thread
/// pools ever spin against each other on the same cores.
///
/// A run hands out parts 0..<parts dynamically; the calling thread takes parts too. Workers spin
/// briefly between runs (a training step is dozens of runs microseconds apart) and then sleep.

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
void threadpool_run(long parts, threadpool_task task, void *context);

#endif
