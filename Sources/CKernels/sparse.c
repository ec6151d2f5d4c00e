// Products with one sparse operand: see CKernels.h for the contract and why.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>

#pragma STDC FP_CONTRACT OFF

long kernels_compress(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                      long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value) {
    long p = at;
    for (long o = 0; o < outer; o++) {
        const float *line = a + o * outer_stride;
        begin[o] = (int32_t)p;
        // Branch-free: every value is written at p and kept only when nonzero. p never passes
        // the number of values scanned, so the writes stay inside this call's region.
        for (long q = 0; q < inner; q++) {
            float v = line[q * inner_stride];
            index[p] = (int32_t)q;
            value[p] = v;
            p += v != 0;
        }
        end[o] = (int32_t)p;
        if (p - at > limit) return -1;
    }
    return p - at;
}

// The portable product: each output is summed over the row's nonzeros in order.
static void sparse_gemm_scalar(long m, long n, const int32_t *begin, const int32_t *end,
                               const int32_t *index, const float *value, const float *b, long ldb,
                               int trans_b, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        float *out = c + i * ldc;
        memset(out, 0, sizeof(float) * (size_t)n);
        for (long p = begin[i]; p < end[i]; p++) {
            float v = value[p];
            long k = index[p];
            if (trans_b) {
                for (long j = 0; j < n; j++) out[j] += v * b[j * ldb + k];
            } else {
                const float *row = b + k * ldb;
                for (long j = 0; j < n; j++) out[j] += v * row[j];
            }
        }
    }
}

void kernels_sparse_gemm_portable(long m, long n, long k, const int32_t *begin, const int32_t *end,
                                  const int32_t *index, const float *value, const float *b, long ldb,
                                  int trans_b, float *c, long ldc) {
    (void)k;
    sparse_gemm_scalar(m, n, begin, end, index, value, b, ldb, trans_b, c, ldc);
}

#if defined(__x86_64__)
#include <immintrin.h>

// B is read in panels of PANEL columns by DEPTH rows, copied contiguous (32 KB, L1-sized): rows of
// B sit 2 KB apart in a 512-wide layer, so read in place they all fall into the same few cache
// sets and the product ran at 40 % of peak instead of 75 %.
enum { PANEL = 64, DEPTH = 128 };

// Copies rows k0 ..< k0+depth, columns j0 ..< j0+width of B into pack (PANEL floats per row,
// zeros past width). With trans_b, B is given as its transpose, so the copy is a transpose,
// done 8 x 8 in registers.
__attribute__((target("avx2,fma")))
static void pack_panel(const float *b, long ldb, int trans_b, long k0, long depth, long j0, long width,
                       float *pack) {
    if (!trans_b) {
        for (long q = 0; q < depth; q++) {
            memcpy(pack + q * PANEL, b + (k0 + q) * ldb + j0, sizeof(float) * (size_t)width);
            memset(pack + q * PANEL + width, 0, sizeof(float) * (size_t)(PANEL - width));
        }
        return;
    }
    long j = 0, q8 = depth / 8 * 8;
    for (; j + 8 <= width; j += 8) {
        const float *src = b + (j0 + j) * ldb + k0;
        long q = 0;
        for (; q < q8; q += 8) {
            __m256 r0 = _mm256_loadu_ps(src + q), r1 = _mm256_loadu_ps(src + ldb + q);
            __m256 r2 = _mm256_loadu_ps(src + 2 * ldb + q), r3 = _mm256_loadu_ps(src + 3 * ldb + q);
            __m256 r4 = _mm256_loadu_ps(src + 4 * ldb + q), r5 = _mm256_loadu_ps(src + 5 * ldb + q);
            __m256 r6 = _mm256_loadu_ps(src + 6 * ldb + q), r7 = _mm256_loadu_ps(src + 7 * ldb + q);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float *dst = pack + q * PANEL + j;
            _mm256_store_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_store_ps(dst + PANEL, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_store_ps(dst + 2 * PANEL, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_store_ps(dst + 3 * PANEL, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_store_ps(dst + 4 * PANEL, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_store_ps(dst + 5 * PANEL, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_store_ps(dst + 6 * PANEL, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_store_ps(dst + 7 * PANEL, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        for (; q < depth; q++) {
            for (long jj = 0; jj < 8; jj++) pack[q * PANEL + j + jj] = src[jj * ldb + q];
        }
    }
    for (; j < width; j++) {
        const float *src = b + (j0 + j) * ldb + k0;
        for (long q = 0; q < depth; q++) pack[q * PANEL + j] = src[q];
    }
    for (long q = 0; q < depth; q++) memset(pack + q * PANEL + width, 0, sizeof(float) * (size_t)(PANEL - width));
}

__attribute__((target("avx2,fma")))
static void sparse_gemm_avx2(long m, long n, long k, const int32_t *begin, const int32_t *end,
                             const int32_t *index, const float *value, const float *b, long ldb,
                             int trans_b, float *c, long ldc, int32_t *cursor, float *narrow) {
    float pack[DEPTH * PANEL] __attribute__((aligned(32)));
    for (long j0 = 0; j0 < n; j0 += PANEL) {
        long width = n - j0 < PANEL ? n - j0 : PANEL;
        // A last panel narrower than PANEL is computed full width into `narrow` (its packed
        // columns past `width` are zero) and copied out.
        float *out = width == PANEL ? c + j0 : narrow;
        long ldo = width == PANEL ? ldc : PANEL;
        for (long i = 0; i < m; i++) cursor[i] = begin[i];
        for (long k0 = 0; k0 < k; k0 += DEPTH) {
            long depth = k - k0 < DEPTH ? k - k0 : DEPTH;
            pack_panel(b, ldb, trans_b, k0, depth, j0, width, pack);
            int32_t stop = (int32_t)(k0 + depth);
            for (long i = 0; i < m; i++) {
                float *o = out + i * ldo;
                __m256 a0, a1, a2, a3, a4, a5, a6, a7;
                if (k0 == 0) {
                    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm256_setzero_ps();
                } else {
                    a0 = _mm256_loadu_ps(o); a1 = _mm256_loadu_ps(o + 8);
                    a2 = _mm256_loadu_ps(o + 16); a3 = _mm256_loadu_ps(o + 24);
                    a4 = _mm256_loadu_ps(o + 32); a5 = _mm256_loadu_ps(o + 40);
                    a6 = _mm256_loadu_ps(o + 48); a7 = _mm256_loadu_ps(o + 56);
                }
                int32_t p = cursor[i], e = end[i];
                for (; p < e && index[p] < stop; p++) {
                    __m256 s = _mm256_broadcast_ss(value + p);
                    const float *r = pack + (long)(index[p] - k0) * PANEL;
                    a0 = _mm256_fmadd_ps(s, _mm256_load_ps(r), a0);
                    a1 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 8), a1);
                    a2 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 16), a2);
                    a3 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 24), a3);
                    a4 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 32), a4);
                    a5 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 40), a5);
                    a6 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 48), a6);
                    a7 = _mm256_fmadd_ps(s, _mm256_load_ps(r + 56), a7);
                }
                cursor[i] = p;
                _mm256_storeu_ps(o, a0); _mm256_storeu_ps(o + 8, a1);
                _mm256_storeu_ps(o + 16, a2); _mm256_storeu_ps(o + 24, a3);
                _mm256_storeu_ps(o + 32, a4); _mm256_storeu_ps(o + 40, a5);
                _mm256_storeu_ps(o + 48, a6); _mm256_storeu_ps(o + 56, a7);
            }
        }
        if (width < PANEL) {
            for (long i = 0; i < m; i++) memcpy(c + i * ldc + j0, narrow + i * PANEL, sizeof(float) * (size_t)width);
        }
    }
}

static int has_avx2_fma(void) {
    static atomic_int cached = -1;
    int known = atomic_load_explicit(&cached, memory_order_relaxed);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        atomic_store_explicit(&cached, known, memory_order_relaxed);
    }
    return known;
}
#endif

void kernels_sparse_gemm(long m, long n, long k, const int32_t *begin, const int32_t *end,
                         const int32_t *index, const float *value, const float *b, long ldb,
                         int trans_b, float *c, long ldc) {
#if defined(__x86_64__)
    if (has_avx2_fma()) {
        int32_t *cursor = malloc(sizeof(int32_t) * (size_t)m);
        float *narrow = n % PANEL ? aligned_alloc(32, sizeof(float) * (size_t)(m * PANEL)) : NULL;
        if (cursor && (narrow || n % PANEL == 0)) {
            sparse_gemm_avx2(m, n, k, begin, end, index, value, b, ldb, trans_b, c, ldc, cursor, narrow);
            free(cursor);
            free(narrow);
            return;
        }
        free(cursor);
        free(narrow);
    }
#endif
    sparse_gemm_scalar(m, n, begin, end, index, value, b, ldb, trans_b, c, ldc);
}
