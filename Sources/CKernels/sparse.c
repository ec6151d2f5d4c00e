// Products with one sparse operand: see CKernels.h for the contract and why.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>

#pragma STDC FP_CONTRACT OFF

// The portable compression: branch-free, every value is written at p and kept only when nonzero.
// p never passes the number of values scanned, so the writes stay inside this call's region.
static long compress_scalar(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                            long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value) {
    long p = at;
    for (long o = 0; o < outer; o++) {
        const float *line = a + o * outer_stride;
        begin[o] = (int32_t)p;
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

long kernels_compress_portable(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                               long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value) {
    return compress_scalar(outer, inner, a, outer_stride, inner_stride, at, limit, begin, end, index, value);
}

// The portable product: each output is summed over the row's nonzeros in order.
static void sparse_gemm_scalar(long m, long n, const int32_t *begin, const int32_t *end,
                               const int32_t *index, const float *value, const float *b, long ldb,
                               int trans_b, float *c, long ldc, int trans_c) {
    // Row i of C: out[j * step] for j < n.
    long step = trans_c ? ldc : 1;
    for (long i = 0; i < m; i++) {
        float *out = trans_c ? c + i : c + i * ldc;
        for (long j = 0; j < n; j++) out[j * step] = 0;
        for (long p = begin[i]; p < end[i]; p++) {
            float v = value[p];
            long k = index[p];
            if (trans_b) {
                for (long j = 0; j < n; j++) out[j * step] += v * b[j * ldb + k];
            } else {
                const float *row = b + k * ldb;
                for (long j = 0; j < n; j++) out[j * step] += v * row[j];
            }
        }
    }
}

void kernels_sparse_gemm_portable(long m, long n, long k, const int32_t *begin, const int32_t *end,
                                  const int32_t *index, const float *value, const float *b, long ldb,
                                  int trans_b, float *c, long ldc, int trans_c) {
    (void)k;
    sparse_gemm_scalar(m, n, begin, end, index, value, b, ldb, trans_b, c, ldc, trans_c);
}

#if defined(__x86_64__)
#include <immintrin.h>

// B is read in panels of PANEL columns by DEPTH rows, copied contiguous (32 KB, L1-sized): rows of
// B sit 2 KB apart in a 512-wide layer, so read in place they all fall into the same few cache
// sets and the product ran at 40 % of peak instead of 75 %.
enum { PANEL = 64, DEPTH = 128 };

// dst[j * ldd + q] = src[q * lds + j] for q, j < 8, in registers.
__attribute__((target("avx2,fma")))
static inline void transpose8x8(const float *src, long lds, float *dst, long ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds);
    __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
    __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols: 8 x 8 blocks in registers, edges one
// by one.
__attribute__((target("avx2,fma")))
static void transpose(const float *src, long lds, long rows, long cols, float *dst, long ldd) {
    long r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    for (long j = 0; j < c8; j += 8) {
        for (long i = 0; i < r8; i += 8) transpose8x8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
        for (long i = r8; i < rows; i++) {
            for (long jj = j; jj < j + 8; jj++) dst[jj * ldd + i] = src[i * lds + jj];
        }
    }
    for (long j = c8; j < cols; j++) {
        for (long i = 0; i < rows; i++) dst[j * ldd + i] = src[i * lds + j];
    }
}

// Copies rows k0 ..< k0+depth, columns j0 ..< j0+width of B into pack (`panel` floats per row,
// zeros past width). With trans_b, B is given as its transpose, so the copy is a transpose.
__attribute__((target("avx2,fma")))
static void pack_panel(const float *b, long ldb, int trans_b, long k0, long depth, long j0, long width,
                       float *pack, long panel) {
    if (trans_b) {
        transpose(b + j0 * ldb + k0, ldb, width, depth, pack, panel);
    } else {
        for (long q = 0; q < depth; q++) memcpy(pack + q * panel, b + (k0 + q) * ldb + j0, sizeof(float) * (size_t)width);
    }
    for (long q = 0; q < depth; q++) memset(pack + q * panel + width, 0, sizeof(float) * (size_t)(panel - width));
}

// One row of a panel product for one block of depth rows: adds value[p] times packed row
// index[p] - k0 into the row's outputs `o` for its nonzeros p from `p` while index[p] < stop
// (starting from zero when `first`), and returns where it stopped.
typedef int32_t (*panel_row)(float *o, int first, const float *pack, const int32_t *index, const float *value,
                             int32_t p, int32_t e, int32_t k0, int32_t stop);

__attribute__((target("avx2,fma")))
static inline int32_t panel_row_avx2(float *o, int first, const float *pack, const int32_t *index, const float *value,
                                     int32_t p, int32_t e, int32_t k0, int32_t stop) {
    __m256 a0, a1, a2, a3, a4, a5, a6, a7;
    if (first) {
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm256_setzero_ps();
    } else {
        a0 = _mm256_loadu_ps(o); a1 = _mm256_loadu_ps(o + 8);
        a2 = _mm256_loadu_ps(o + 16); a3 = _mm256_loadu_ps(o + 24);
        a4 = _mm256_loadu_ps(o + 32); a5 = _mm256_loadu_ps(o + 40);
        a6 = _mm256_loadu_ps(o + 48); a7 = _mm256_loadu_ps(o + 56);
    }
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
    _mm256_storeu_ps(o, a0); _mm256_storeu_ps(o + 8, a1);
    _mm256_storeu_ps(o + 16, a2); _mm256_storeu_ps(o + 24, a3);
    _mm256_storeu_ps(o + 32, a4); _mm256_storeu_ps(o + 40, a5);
    _mm256_storeu_ps(o + 48, a6); _mm256_storeu_ps(o + 56, a7);
    return p;
}

// The same row 16 lanes wide: panels of PANEL512 columns, eight 16-float accumulators, so one
// nonzero still feeds eight independent fused multiply-adds (FMA latency 4, two per cycle). Each
// output sees the same fused multiply-adds in the same order as in panel_row_avx2, so the two
// widths give identical bits. The panel is as many bytes as the AVX2 one (DEPTH512 rows).
enum { PANEL512 = 128, DEPTH512 = 64 };

__attribute__((target("avx512f,avx2,fma")))
static inline int32_t panel_row_avx512(float *o, int first, const float *pack, const int32_t *index, const float *value,
                                       int32_t p, int32_t e, int32_t k0, int32_t stop) {
    __m512 a0, a1, a2, a3, a4, a5, a6, a7;
    if (first) {
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm512_setzero_ps();
    } else {
        a0 = _mm512_loadu_ps(o); a1 = _mm512_loadu_ps(o + 16);
        a2 = _mm512_loadu_ps(o + 32); a3 = _mm512_loadu_ps(o + 48);
        a4 = _mm512_loadu_ps(o + 64); a5 = _mm512_loadu_ps(o + 80);
        a6 = _mm512_loadu_ps(o + 96); a7 = _mm512_loadu_ps(o + 112);
    }
    for (; p < e && index[p] < stop; p++) {
        __m512 s = _mm512_set1_ps(value[p]);
        const float *r = pack + (long)(index[p] - k0) * PANEL512;
        a0 = _mm512_fmadd_ps(s, _mm512_load_ps(r), a0);
        a1 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 16), a1);
        a2 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 32), a2);
        a3 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 48), a3);
        a4 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 64), a4);
        a5 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 80), a5);
        a6 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 96), a6);
        a7 = _mm512_fmadd_ps(s, _mm512_load_ps(r + 112), a7);
    }
    _mm512_storeu_ps(o, a0); _mm512_storeu_ps(o + 16, a1);
    _mm512_storeu_ps(o + 32, a2); _mm512_storeu_ps(o + 48, a3);
    _mm512_storeu_ps(o + 64, a4); _mm512_storeu_ps(o + 80, a5);
    _mm512_storeu_ps(o + 96, a6); _mm512_storeu_ps(o + 112, a7);
    return p;
}

// C = S·op(B) panel by panel: B's columns in panels `panel` wide, its rows in blocks of `depth_max`,
// each block copied into `pack` and every row of S run over it by `row` (inlined into each
// width's entry point below, so the row kernel is inlined too).
static inline __attribute__((always_inline)) void sparse_gemm_panels(
    long panel, long depth_max, panel_row row, float *pack, long m, long n, long k, const int32_t *begin,
    const int32_t *end, const int32_t *index, const float *value, const float *b, long ldb, int trans_b, float *c,
    long ldc, int trans_c, int32_t *cursor, float *narrow) {
    for (long j0 = 0; j0 < n; j0 += panel) {
        long width = n - j0 < panel ? n - j0 : panel;
        // A last panel narrower than `panel`, or any panel of a transposed C, is computed full
        // width into `narrow` (its packed columns past `width` are zero) and copied out.
        int direct = width == panel && !trans_c;
        float *out = direct ? c + j0 : narrow;
        long ldo = direct ? ldc : panel;
        for (long i = 0; i < m; i++) cursor[i] = begin[i];
        for (long k0 = 0; k0 < k; k0 += depth_max) {
            long depth = k - k0 < depth_max ? k - k0 : depth_max;
            pack_panel(b, ldb, trans_b, k0, depth, j0, width, pack, panel);
            int32_t stop = (int32_t)(k0 + depth);
            for (long i = 0; i < m; i++) {
                cursor[i] = row(out + i * ldo, k0 == 0, pack, index, value, cursor[i], end[i], (int32_t)k0, stop);
            }
        }
        if (trans_c) {
            transpose(narrow, panel, m, width, c + j0 * ldc, ldc);
        } else if (!direct) {
            for (long i = 0; i < m; i++) memcpy(c + i * ldc + j0, narrow + i * panel, sizeof(float) * (size_t)width);
        }
    }
}

__attribute__((target("avx2,fma")))
static void sparse_gemm_avx2(long m, long n, long k, const int32_t *begin, const int32_t *end,
                             const int32_t *index, const float *value, const float *b, long ldb,
                             int trans_b, float *c, long ldc, int trans_c, int32_t *cursor, float *narrow) {
    float pack[DEPTH * PANEL] __attribute__((aligned(32)));
    sparse_gemm_panels(PANEL, DEPTH, panel_row_avx2, pack, m, n, k, begin, end, index, value, b, ldb, trans_b, c, ldc,
                       trans_c, cursor, narrow);
}

__attribute__((target("avx512f,avx2,fma")))
static void sparse_gemm_avx512(long m, long n, long k, const int32_t *begin, const int32_t *end,
                               const int32_t *index, const float *value, const float *b, long ldb,
                               int trans_b, float *c, long ldc, int trans_c, int32_t *cursor, float *narrow) {
    float pack[DEPTH512 * PANEL512] __attribute__((aligned(64)));
    sparse_gemm_panels(PANEL512, DEPTH512, panel_row_avx512, pack, m, n, k, begin, end, index, value, b, ldb, trans_b,
                       c, ldc, trans_c, cursor, narrow);
}

// For each 8-bit mask of nonzero lanes, the lanes to keep, first to last (then zeros).
static int32_t keep_lanes[256][8] __attribute__((aligned(32)));
static pthread_once_t keep_lanes_once = PTHREAD_ONCE_INIT;

static void fill_keep_lanes(void) {
    for (int mask = 0; mask < 256; mask++) {
        int n = 0;
        for (int lane = 0; lane < 8; lane++) {
            if (mask & (1 << lane)) keep_lanes[mask][n++] = lane;
        }
        while (n < 8) keep_lanes[mask][n++] = 0;
    }
}

// Appends a contiguous line's nonzeros at p, 8 values at a time (a left-pack: the kept lanes
// permuted to the front, all 8 stored, p advanced by the count; the stores stay inside the region
// for the same reason as in compress_scalar). Returns the new p.
__attribute__((target("avx2,fma")))
static long compress_line_avx2(const float *line, long inner, int32_t *index, float *value, long p) {
    long q = 0;
    for (; q + 8 <= inner; q += 8) {
        __m256 v = _mm256_loadu_ps(line + q);
        // Unordered-or-unequal keeps NaN, like `v != 0` in C.
        int mask = _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ));
        __m256i lanes = _mm256_load_si256((const __m256i *)keep_lanes[mask]);
        _mm256_storeu_ps(value + p, _mm256_permutevar8x32_ps(v, lanes));
        _mm256_storeu_si256((__m256i *)(index + p), _mm256_add_epi32(lanes, _mm256_set1_epi32((int)q)));
        p += __builtin_popcount((unsigned)mask);
    }
    for (; q < inner; q++) {
        index[p] = (int32_t)q;
        value[p] = line[q];
        p += line[q] != 0;
    }
    return p;
}

// Rows (inner_stride 1) directly; columns (outer_stride 1) 8 at a time, transposed into `lines`
// (8 x inner) first. Other layouts, and the last columns, by compress_scalar.
__attribute__((target("avx2,fma")))
static long compress_avx2(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                          long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value,
                          float *lines) {
    long p = at, o = 0;
    if (inner_stride == 1) {
        for (; o < outer; o++) {
            begin[o] = (int32_t)p;
            p = compress_line_avx2(a + o * outer_stride, inner, index, value, p);
            end[o] = (int32_t)p;
            if (p - at > limit) return -1;
        }
    } else if (outer_stride == 1) {
        for (; o + 8 <= outer; o += 8) {
            transpose(a + o, inner_stride, inner, 8, lines, inner);
            for (long l = 0; l < 8; l++) {
                begin[o + l] = (int32_t)p;
                p = compress_line_avx2(lines + l * inner, inner, index, value, p);
                end[o + l] = (int32_t)p;
            }
            if (p - at > limit) return -1;
        }
    }
    if (o == outer) return p - at;
    long rest = compress_scalar(outer - o, inner, a + o * outer_stride, outer_stride, inner_stride, p,
                                limit - (p - at), begin + o, end + o, index, value);
    return rest < 0 ? -1 : p - at + rest;
}

#endif

long kernels_sparse_panel_width(void) {
#if defined(__x86_64__)
    if (kernels_vector_bits() >= 512) return PANEL512;
#endif
    return 64;
}

void kernels_sparse_gemm(long m, long n, long k, const int32_t *begin, const int32_t *end,
                         const int32_t *index, const float *value, const float *b, long ldb,
                         int trans_b, float *c, long ldc, int trans_c) {
#if defined(__x86_64__)
    int bits = kernels_vector_bits();
    if (bits >= 256) {
        long panel = bits >= 512 ? PANEL512 : PANEL;
        int32_t *cursor = malloc(sizeof(int32_t) * (size_t)m);
        int needs_narrow = n % panel || trans_c;
        float *narrow = needs_narrow ? aligned_alloc(64, sizeof(float) * (size_t)(m * panel)) : NULL;
        if (cursor && (narrow || !needs_narrow)) {
            if (bits >= 512) {
                sparse_gemm_avx512(m, n, k, begin, end, index, value, b, ldb, trans_b, c, ldc, trans_c, cursor, narrow);
            } else {
                sparse_gemm_avx2(m, n, k, begin, end, index, value, b, ldb, trans_b, c, ldc, trans_c, cursor, narrow);
            }
            free(cursor);
            free(narrow);
            return;
        }
        free(cursor);
        free(narrow);
    }
#endif
    sparse_gemm_scalar(m, n, begin, end, index, value, b, ldb, trans_b, c, ldc, trans_c);
}

long kernels_compress(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                      long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value) {
#if defined(__x86_64__)
    if (kernels_vector_bits() >= 256) {
        pthread_once(&keep_lanes_once, fill_keep_lanes);
        int by_columns = inner_stride != 1 && outer_stride == 1;
        float *lines = by_columns ? malloc(sizeof(float) * (size_t)(8 * inner)) : NULL;
        if (lines || !by_columns) {
            long count = compress_avx2(outer, inner, a, outer_stride, inner_stride, at, limit, begin, end, index,
                                       value, lines);
            free(lines);
            return count;
        }
    }
#endif
    return compress_scalar(outer, inner, a, outer_stride, inner_stride, at, limit, begin, end, index, value);
}
