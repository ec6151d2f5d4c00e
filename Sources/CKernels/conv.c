// Direct convolution of single-channel images: see CKernels.h for the contract and why.
#include "CKernels.h"
#include "hash.h"
#include <stdlib.h>
#include <string.h>

// Only the explicit fused multiply-adds: no other contraction, so every width rounds alike.
#pragma STDC FP_CONTRACT OFF

// What one call needs besides the data: the geometry, and where each tap reads from a patch corner.
struct conv_plan {
    long filters, stride, pool, image_size, height, width, pad_top, pad_left;
    long out_h, out_w, pooled_h, pooled_w;
    long padded_h, padded_w;  // the rows and columns the outputs read (past the border: zeros)
    int needs_padding;
    long row_stride;           // of the image the taps read: the input, or its padded copy
    long taps;
    long *tap;                 // tap (i, j) of the kernel: i·row_stride + j
};

// The image the taps read: the input itself, or (with padding) a zero-bordered copy in `padded`.
static const float *source_image(const struct conv_plan *plan, const float *image, float *padded) {
    if (!plan->needs_padding) return image;
    memset(padded, 0, sizeof(float) * (size_t)(plan->padded_h * plan->padded_w));
    for (long r = 0; r < plan->padded_h; r++) {
        long ih = r - plan->pad_top;
        if (ih < 0 || ih >= plan->height) continue;
        long c0 = plan->pad_left, c1 = plan->pad_left + plan->width;
        if (c1 > plan->padded_w) c1 = plan->padded_w;
        if (c0 < c1) memcpy(padded + r * plan->padded_w + c0, image + ih * plan->width, sizeof(float) * (size_t)(c1 - c0));
    }
    return padded;
}

#if defined(__x86_64__)
// Taps per pass of the weight gradient: 5 taps x 2 vectors of filters = 10 accumulators, which
// leaves room in AVX2's 16 registers for the gradient and the broadcast image value.
enum { TAP_GROUP = 5 };
#include <immintrin.h>
// PG positions x 2 vectors of filters in accumulators: 12 of AVX2's 16 registers, 16 of AVX-512's 32.
#define VL 8
#define PG 6
#define SUFFIX avx2
#define TARGET "avx2,fma"
#define SPLAT _mm256_set1_ps
#define IOTA {0, 1, 2, 3, 4, 5, 6, 7}
#include "conv_body.h"
#define VL 16
#define PG 8
#define SUFFIX avx512
#define TARGET "avx512f,avx2,fma"
#define SPLAT _mm512_set1_ps
#define IOTA {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
#include "conv_body.h"

// The weight gradient for 2 x 2 pools at stride 1 on AVX-512: only the argmax position of each
// window has a nonzero gradient, so instead of four multiply-adds per window (one per position,
// three of them by zero) each lane takes the image value under its own argmax: the window's four
// candidates for a tap are two pairs of adjacent floats, each broadcast to a register, and a
// two-source permute picks lane by lane (index (a & 1) + 16·(a >> 1) for argmax a). Each lane adds
// the same nonzero terms in the same order as weight_gradient_avx2 (window by window), so the
// widths still give the same bits.
enum { GATHER_TAPS = 9 };  // 9 taps x 2 vectors = 18 accumulators, leaving room for the operands

// p[0], p[1] repeated across the lanes (one broadcast load, no shuffle).
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) __m512 pair(const float *p) {
    double d;
    memcpy(&d, p, sizeof d);
    return _mm512_castpd_ps(_mm512_set1_pd(d));
}

// dw[t][fb ..< fb + 16·nv] for taps t0 ..< t0 + GATHER_TAPS (past `taps`: computed on tap 0,
// not stored) over one sample's windows, from their gradients and permute indices.
static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
void pool2_taps(const struct conv_plan *plan, const float *img, const float *gradient, const int32_t *lane_index,
                long t0, long fb, int nv, float *dw) {
    long f = plan->filters, pw = plan->pooled_w, rs = plan->row_stride;
    long tap[GATHER_TAPS];
    __m512 acc[GATHER_TAPS][2];
    for (int t = 0; t < GATHER_TAPS; t++) {
        int real = t0 + t < plan->taps;
        tap[t] = real ? plan->tap[t0 + t] : 0;
        for (int v = 0; v < nv; v++) acc[t][v] = real ? _mm512_loadu_ps(dw + (t0 + t) * f + fb + 16 * v) : _mm512_setzero_ps();
    }
    for (long py = 0; py < plan->pooled_h; py++) {
        for (long px = 0; px < pw; px++) {
            const float *top = img + 2 * py * rs + 2 * px, *bottom = top + rs;
            long w = py * pw + px;
            __m512 g[2];
            __m512i index[2];
            for (int v = 0; v < nv; v++) {
                g[v] = _mm512_loadu_ps(gradient + w * f + fb + 16 * v);
                index[v] = _mm512_loadu_si512(lane_index + w * f + fb + 16 * v);
            }
            for (int t = 0; t < GATHER_TAPS; t++) {
                __m512 upper = pair(top + tap[t]), lower = pair(bottom + tap[t]);
                for (int v = 0; v < nv; v++) {
                    acc[t][v] = _mm512_fmadd_ps(_mm512_permutex2var_ps(upper, index[v], lower), g[v], acc[t][v]);
                }
            }
        }
    }
    for (int t = 0; t < GATHER_TAPS && t0 + t < plan->taps; t++) {
        for (int v = 0; v < nv; v++) _mm512_storeu_ps(dw + (t0 + t) * f + fb + 16 * v, acc[t][v]);
    }
}

__attribute__((target("avx512f,avx2,fma")))
static void weight_gradient_pool2_avx512(const struct conv_plan *plan, long samples, const float *images,
                                         const float *dy, const float *pooled, float scale, const int32_t *argmax, float *dw,
                                         double *bias_sum, float *padded, float *gradient, int32_t *lane_index,
                                         float *sample_bias) {
    long f = plan->filters, windows = plan->pooled_h * plan->pooled_w;
    for (long n = 0; n < samples; n++) {
        const float *img = source_image(plan, images + n * plan->image_size, padded);
        // Each window's gradient (times the dropout scale, zero where relu clipped the pooled value
        // or dropout dropped it) and permute index.
        for (long c = 0; c < f; c++) sample_bias[c] = 0;
        for (long w = 0; w < windows; w++) {
            for (long c = 0; c < f; c += 16) {
                long k = (n * windows + w) * f + c;
                __m512 g = _mm512_mul_ps(_mm512_loadu_ps(dy + k), _mm512_set1_ps(scale));
                if (pooled) g = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(pooled + k), _mm512_setzero_ps(), _CMP_GT_OQ), g);
                _mm512_storeu_ps(sample_bias + c, _mm512_add_ps(_mm512_loadu_ps(sample_bias + c), g));
                _mm512_storeu_ps(gradient + w * f + c, g);
                __m512i a = _mm512_loadu_si512(argmax + k);
                __m512i index = _mm512_add_epi32(_mm512_and_si512(a, _mm512_set1_epi32(1)),
                                                 _mm512_slli_epi32(_mm512_srli_epi32(a, 1), 4));
                _mm512_storeu_si512(lane_index + w * f + c, index);
            }
        }
        for (long fb = 0; fb < f; fb += 32) {
            for (long t0 = 0; t0 < plan->taps; t0 += GATHER_TAPS) {
                if (f - fb >= 32) {
                    pool2_taps(plan, img, gradient, lane_index, t0, fb, 2, dw);
                } else {
                    pool2_taps(plan, img, gradient, lane_index, t0, fb, 1, dw);
                }
            }
        }
        for (long c = 0; c < f; c++) bias_sum[c] += sample_bias[c];
    }
}
#endif

// The vector width for `filters` filters: 512 or 256 bits, 0 when neither applies.
static int width_for(long filters) {
    int bits = kernels_vector_bits();
    if (bits >= 512 && filters % 16 == 0) return 512;
    if (bits >= 256 && filters % 8 == 0) return 256;
    return 0;
}

int kernels_conv1_supported(long filters) { return filters > 0 && width_for(filters) != 0; }

// Fills the plan and allocates its scratch (padded image, band of conv outputs, tap offsets).
// Returns 0, or -1 when memory runs out.
static int make_plan(const kernels_conv_shape *shape, long filters, long pool, struct conv_plan *plan,
                     float **padded, float **band) {
    plan->filters = filters;
    plan->stride = shape->stride;
    plan->pool = pool;
    plan->height = shape->height;
    plan->width = shape->width;
    plan->image_size = shape->height * shape->width;
    plan->pad_top = shape->pad_top;
    plan->pad_left = shape->pad_left;
    plan->out_h = shape->out_h;
    plan->out_w = shape->out_w;
    plan->pooled_h = shape->out_h / pool;
    plan->pooled_w = shape->out_w / pool;
    plan->padded_h = (shape->out_h - 1) * shape->stride + shape->kernel_h;
    plan->padded_w = (shape->out_w - 1) * shape->stride + shape->kernel_w;
    plan->needs_padding = shape->pad_top > 0 || shape->pad_left > 0 ||
                          plan->padded_h - shape->pad_top > shape->height ||
                          plan->padded_w - shape->pad_left > shape->width;
    plan->row_stride = plan->needs_padding ? plan->padded_w : shape->width;
    plan->taps = shape->kernel_h * shape->kernel_w;
    plan->tap = malloc(sizeof(long) * (size_t)plan->taps);
    *padded = plan->needs_padding ? malloc(sizeof(float) * (size_t)(plan->padded_h * plan->padded_w)) : NULL;
    *band = malloc(sizeof(float) * (size_t)(pool * shape->out_w * filters));
    if (!plan->tap || (plan->needs_padding && !*padded) || !*band) {
        free(plan->tap);
        free(*padded);
        free(*band);
        return -1;
    }
    for (long i = 0; i < shape->kernel_h; i++) {
        for (long j = 0; j < shape->kernel_w; j++) plan->tap[i * shape->kernel_w + j] = i * plan->row_stride + j;
    }
    return 0;
}

int kernels_conv1_forward(const kernels_conv_shape *shape, long samples, const float *images, const float *weights,
                          const float *bias, long filters, long pool, int relu, const kernels_dropout_key *dropout,
                          float *out, int32_t *argmax) {
    int width = width_for(filters);
    if (!width || pool < 1 || (dropout && pool == 1)) return -1;
    struct conv_plan plan;
    float *padded, *band;
    if (make_plan(shape, filters, pool, &plan, &padded, &band)) return -1;
#if defined(__x86_64__)
    if (width == 512) {
        forward_avx512(&plan, samples, images, weights, bias, relu, dropout, out, argmax, padded, band);
    } else {
        forward_avx2(&plan, samples, images, weights, bias, relu, dropout, out, argmax, padded, band);
    }
#endif
    free(plan.tap);
    free(padded);
    free(band);
    return 0;
}

int kernels_conv1_pooled_weight_gradient(const kernels_conv_shape *shape, long samples, const float *images,
                                         const float *gradient, const float *pooled, float scale,
                                         const int32_t *argmax, long filters, long pool, float *dw, double *bias_sum) {
    int width = width_for(filters);
    if (!width || pool < 2) return -1;
    struct conv_plan plan;
    float *padded, *band;
    if (make_plan(shape, filters, pool, &plan, &padded, &band)) return -1;
    // Per sample: the bias sums; with AVX-512 for 2 x 2 pools, the window gradients and indices.
    int gather = width == 512 && pool == 2 && shape->stride == 1;
    long windows = plan.pooled_h * plan.pooled_w * filters;
    float *sample_bias = malloc(sizeof(float) * (size_t)filters);
    float *gathered = gather ? malloc(sizeof(float) * (size_t)(2 * windows)) : NULL;
    int status = sample_bias && (gathered || !gather) ? 0 : -1;
#if defined(__x86_64__)
    if (status == 0 && gather) {
        weight_gradient_pool2_avx512(&plan, samples, images, gradient, pooled, scale, argmax, dw, bias_sum, padded, gathered,
                                     (int32_t *)(gathered + windows), sample_bias);
    } else if (status == 0 && width == 512) {
        weight_gradient_avx512(&plan, samples, images, gradient, pooled, scale, argmax, dw, bias_sum, padded, band, sample_bias);
    } else if (status == 0) {
        weight_gradient_avx2(&plan, samples, images, gradient, pooled, scale, argmax, dw, bias_sum, padded, band, sample_bias);
    }
#endif
    free(gathered);
    free(sample_bias);
    free(plan.tap);
    free(padded);
    free(band);
    return status;
}
