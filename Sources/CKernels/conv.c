// Direct convolution of single-channel images: see CKernels.h for the contract and why.
#include "CKernels.h"
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
#define VL 8
#define PG 6
#define SUFFIX avx2
#define TARGET "avx2,fma"
#define SPLAT _mm256_set1_ps
#include "conv_body.h"
#undef VL
#undef PG
#undef SUFFIX
#undef TARGET
#undef SPLAT
#define VL 16
#define PG 8
#define SUFFIX avx512
#define TARGET "avx512f,avx2,fma"
#define SPLAT _mm512_set1_ps
#include "conv_body.h"
#undef VL
#undef PG
#undef SUFFIX
#undef TARGET
#undef SPLAT
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
                          const float *bias, long filters, long pool, int relu, float *out, int32_t *argmax) {
    int width = width_for(filters);
    if (!width || pool < 1) return -1;
    struct conv_plan plan;
    float *padded, *band;
    if (make_plan(shape, filters, pool, &plan, &padded, &band)) return -1;
#if defined(__x86_64__)
    if (width == 512) {
        forward_avx512(&plan, samples, images, weights, bias, relu, out, argmax, padded, band);
    } else {
        forward_avx2(&plan, samples, images, weights, bias, relu, out, argmax, padded, band);
    }
#endif
    free(plan.tap);
    free(padded);
    free(band);
    return 0;
}

int kernels_conv1_pooled_weight_gradient(const kernels_conv_shape *shape, long samples, const float *images,
                                         const float *gradient, const float *pooled, const int32_t *argmax,
                                         long filters, long pool, float *dw, double *bias_sum) {
    int width = width_for(filters);
    if (!width || pool < 2) return -1;
    struct conv_plan plan;
    float *padded, *band;
    if (make_plan(shape, filters, pool, &plan, &padded, &band)) return -1;
    float *sample_bias = malloc(sizeof(float) * (size_t)filters);
    if (!sample_bias) {
        free(plan.tap);
        free(padded);
        free(band);
        return -1;
    }
#if defined(__x86_64__)
    if (width == 512) {
        weight_gradient_avx512(&plan, samples, images, gradient, pooled, argmax, dw, bias_sum, padded, band, sample_bias);
    } else {
        weight_gradient_avx2(&plan, samples, images, gradient, pooled, argmax, dw, bias_sum, padded, band, sample_bias);
    }
#endif
    free(sample_bias);
    free(plan.tap);
    free(padded);
    free(band);
    return 0;
}
