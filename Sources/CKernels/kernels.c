#include "CKernels.h"
#include "hash.h"
#include <math.h>
#include <stdatomic.h>

// Same rounding on every path and every compiler: no contraction into fused multiply-adds.
#pragma STDC FP_CONTRACT OFF

// The portable loop, also the tail of the vector versions. sqrtf is correctly rounded, like the
// vector square roots.
static void adam_scalar(long n, const float *w, const float *g, const float *m, const float *v,
                        float *w_out, float *m_out, float *v_out,
                        float alpha, float beta1, float beta2, float epsilon) {
    float c1 = 1 - beta1, c2 = 1 - beta2;
    for (long j = 0; j < n; j++) {
        float gj = g[j];
        float nm = beta1 * m[j] + c1 * gj;
        float nv = beta2 * v[j] + c2 * gj * gj;
        m_out[j] = nm;
        v_out[j] = nv;
        w_out[j] = w[j] - alpha * nm / (sqrtf(nv) + epsilon);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx")))
static void adam_avx(long n, const float *w, const float *g, const float *m, const float *v,
                     float *w_out, float *m_out, float *v_out,
                     float alpha, float beta1, float beta2, float epsilon) {
    __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
    __m256 k1 = _mm256_set1_ps(1 - beta1), k2 = _mm256_set1_ps(1 - beta2);
    __m256 a = _mm256_set1_ps(alpha), e = _mm256_set1_ps(epsilon);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 gj = _mm256_loadu_ps(g + j);
        __m256 nm = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + j)), _mm256_mul_ps(k1, gj));
        __m256 nv = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + j)), _mm256_mul_ps(_mm256_mul_ps(k2, gj), gj));
        __m256 step = _mm256_div_ps(_mm256_mul_ps(a, nm), _mm256_add_ps(_mm256_sqrt_ps(nv), e));
        __m256 nw = _mm256_sub_ps(_mm256_loadu_ps(w + j), step);
        _mm256_storeu_ps(m_out + j, nm);
        _mm256_storeu_ps(v_out + j, nv);
        _mm256_storeu_ps(w_out + j, nw);
    }
    adam_scalar(n - j, w + j, g + j, m + j, v + j, w_out + j, m_out + j, v_out + j, alpha, beta1, beta2, epsilon);
}

static int has_avx(void) {
    static atomic_int cached = -1;
    int known = atomic_load_explicit(&cached, memory_order_relaxed);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx") ? 1 : 0;
        atomic_store_explicit(&cached, known, memory_order_relaxed);
    }
    return known;
}
#endif

void kernels_adam(long n, const float *w, const float *g, const float *m, const float *v,
                  float *w_out, float *m_out, float *v_out,
                  float alpha, float beta1, float beta2, float epsilon) {
#if defined(__x86_64__)
    if (has_avx()) {
        adam_avx(n, w, g, m, v, w_out, m_out, v_out, alpha, beta1, beta2, epsilon);
        return;
    }
#endif
    adam_scalar(n, w, g, m, v, w_out, m_out, v_out, alpha, beta1, beta2, epsilon);
}

static void bytes_to_floats_scalar(long n, const uint8_t *x, float *out, float scale, float offset) {
    for (long i = 0; i < n; i++) out[i] = (float)x[i] * scale + offset;
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static void bytes_to_floats_avx2(long n, const uint8_t *x, float *out, float scale, float offset) {
    __m256 s = _mm256_set1_ps(scale), o = _mm256_set1_ps(offset);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(x + i)));
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(b), s), o));
    }
    bytes_to_floats_scalar(n - i, x + i, out + i, scale, offset);
}
#endif

void kernels_bytes_to_floats(long n, const uint8_t *x, float *out, float scale, float offset) {
#if defined(__x86_64__)
    if (kernels_vector_bits() >= 256) return bytes_to_floats_avx2(n, x, out, scale, offset);
#endif
    bytes_to_floats_scalar(n, x, out, scale, offset);
}

static inline __attribute__((always_inline)) void dropout_loop(long n, long first, const float *x, float *out,
                                                               uint64_t seed, uint32_t threshold, float scale) {
    for (long i = 0; i < n; i++) {
        uint32_t h;
        KERNELS_DROPOUT_DRAW(h, (uint32_t)(first + i), seed);
        out[i] = x[i] * (h < threshold ? 0.0f : scale);
    }
}

static void dropout_portable(long n, long first, const float *x, float *out, uint64_t seed, uint32_t threshold,
                             float scale) {
    dropout_loop(n, first, x, out, seed, threshold, scale);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void dropout_avx2(long n, long first, const float *x, float *out, uint64_t seed, uint32_t threshold,
                         float scale) {
    dropout_loop(n, first, x, out, seed, threshold, scale);
}

__attribute__((target("avx512f,avx2,fma")))
static void dropout_avx512(long n, long first, const float *x, float *out, uint64_t seed, uint32_t threshold,
                           float scale) {
    dropout_loop(n, first, x, out, seed, threshold, scale);
}
#endif

void kernels_dropout(long n, long first, const float *x, float *out, uint64_t seed, uint32_t threshold, float scale) {
#if defined(__x86_64__)
    int bits = kernels_vector_bits();
    if (bits >= 512) return dropout_avx512(n, first, x, out, seed, threshold, scale);
    if (bits >= 256) return dropout_avx2(n, first, x, out, seed, threshold, scale);
#endif
    dropout_portable(n, first, x, out, seed, threshold, scale);
}
