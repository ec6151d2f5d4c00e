#include "CKernels.h"
#include <stdatomic.h>

static atomic_int vector_bits_limit = 512;

int kernels_limit_vector_bits(int bits) {
    return atomic_exchange(&vector_bits_limit, bits);
}

int kernels_vector_bits(void) {
    static atomic_int cached = -1;
    int known = atomic_load_explicit(&cached, memory_order_relaxed);
    if (known < 0) {
        known = 0;
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            known = __builtin_cpu_supports("avx512f") ? 512 : 256;
        }
#endif
        atomic_store_explicit(&cached, known, memory_order_relaxed);
    }
    int limit = atomic_load_explicit(&vector_bits_limit, memory_order_relaxed);
    return known < limit ? known : limit;
}
