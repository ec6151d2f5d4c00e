// The direct convolution kernels of conv.c for one vector width, included once per width with
// VL (floats per vector), PG (positions computed together), SPLAT, IOTA (lanes 0, 1, ...), SUFFIX
// and TARGET defined (and undefined at its end). Every output lane sees the same operations in the
// same order at every width, so the widths give identical bits; only the number of lanes and
// positions in flight differ.

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define W(name) CAT(name, SUFFIX)
#define INLINE static inline __attribute__((always_inline, target(TARGET)))

typedef float W(vec) __attribute__((vector_size(VL * 4), aligned(4)));
typedef int32_t W(ivec) __attribute__((vector_size(VL * 4), aligned(4)));
typedef uint32_t W(uvec) __attribute__((vector_size(VL * 4), aligned(4)));

INLINE W(vec) W(load)(const float *p) { return *(const W(vec) *)p; }
INLINE void W(store)(float *p, W(vec) v) { *(W(vec) *)p = v; }
INLINE W(vec) W(splat)(float x) { return (W(vec))SPLAT(x); }
INLINE W(vec) W(fma)(W(vec) a, W(vec) b, W(vec) c) { return __builtin_elementwise_fma(a, b, c); }
// Lanes of a where the mask is set (all ones), else of b.
INLINE W(vec) W(select)(W(ivec) mask, W(vec) a, W(vec) b) {
    return (W(vec))(((W(ivec))a & mask) | ((W(ivec))b & ~mask));
}
INLINE W(ivec) W(select_int)(W(ivec) mask, W(ivec) a, W(ivec) b) { return (a & mask) | (b & ~mask); }
INLINE W(vec) W(relu)(W(vec) v) { return W(select)(v > 0, v, (W(vec)){0}); }

// Dropout's factor (0 or scale) for values index ..< index + VL, drawn as kernels_dropout draws it.
INLINE W(vec) W(dropout_keep)(const kernels_dropout_key *d, long index) {
    W(uvec) h, i = (W(uvec))IOTA + (uint32_t)index;
    KERNELS_DROPOUT_DRAW(h, i, d->seed);
    return W(select)((W(ivec))(h < ((W(uvec)){0} + d->threshold)), (W(vec)){0}, (W(vec)){0} + d->scale);
}

// Outputs of PG positions for filters fb ..< fb + nv·VL: the bias, then one fused multiply-add
// per tap in tap order. Position q's patch corner is src[q] and its outputs go to dst[q]; or,
// when src is NULL, base + q·step and dst0 + q·f (with step 1 the compiler folds q into the
// addresses, which keeps the inner loop free of pointer loads).
INLINE void W(conv_group)(const float *const *src, float *const *dst, const float *base, long step, float *dst0,
                          const long *tap, long taps, const float *w, const float *bias, long f, long fb, int nv) {
    W(vec) acc[PG][2];
    for (int q = 0; q < PG; q++) {
        for (int v = 0; v < nv; v++) acc[q][v] = W(load)(bias + fb + v * VL);
    }
    for (long t = 0; t < taps; t++) {
        W(vec) wv[2];
        for (int v = 0; v < nv; v++) wv[v] = W(load)(w + t * f + fb + v * VL);
        for (int q = 0; q < PG; q++) {
            W(vec) x = W(splat)(src ? src[q][tap[t]] : base[tap[t] + q * step]);
            for (int v = 0; v < nv; v++) acc[q][v] = W(fma)(x, wv[v], acc[q][v]);
        }
    }
    for (int q = 0; q < PG; q++) {
        float *o = src ? dst[q] : dst0 + q * f;
        for (int v = 0; v < nv; v++) W(store)(o + fb + v * VL, acc[q][v]);
    }
}

// Filters fb ..< fb + nv·VL of positions (r, c0 ..< c0 + PG) in the band, written to dst at band
// row i (of `cols` positions).
INLINE void W(conv_run)(const struct conv_plan *plan, const float *img, long r, long c0, float *dst,
                        const float *w, const float *bias, long fb, int nv) {
    long f = plan->filters, s = plan->stride;
    const float *base = img + r * s * plan->row_stride + c0 * s;
    if (s == 1) {
        W(conv_group)(NULL, NULL, base, 1, dst, plan->tap, plan->taps, w, bias, f, fb, nv);
    } else {
        W(conv_group)(NULL, NULL, base, s, dst, plan->tap, plan->taps, w, bias, f, fb, nv);
    }
}

// Outputs of rows r0 ..< r0 + rows, columns 0 ..< cols into dst (rows·cols positions of f values).
// Rows are cut into runs of PG columns; a short last run starts earlier, overlapping the one
// before (same values to the same place), or, in a band narrower than PG, repeats its last
// position.
__attribute__((target(TARGET)))
static void W(conv_band)(const struct conv_plan *plan, const float *img, long r0, long rows, long cols,
                         const float *w, const float *bias, float *dst) {
    long f = plan->filters, s = plan->stride, rs = plan->row_stride;
    for (long fb = 0; fb < f;) {
        int nv = f - fb >= 2 * VL ? 2 : 1;
        for (long i = 0; i < rows; i++) {
            if (cols < PG) {
                const float *src[PG];
                float *out[PG];
                for (int q = 0; q < PG; q++) {
                    long c = q < cols ? q : cols - 1;
                    src[q] = img + (r0 + i) * s * rs + c * s;
                    out[q] = dst + (i * cols + c) * f;
                }
                if (nv == 2) {
                    W(conv_group)(src, out, NULL, 0, NULL, plan->tap, plan->taps, w, bias, f, fb, 2);
                } else {
                    W(conv_group)(src, out, NULL, 0, NULL, plan->tap, plan->taps, w, bias, f, fb, 1);
                }
                continue;
            }
            for (long c0 = 0; c0 < cols; c0 += PG) {
                long c = c0 + PG <= cols ? c0 : cols - PG;
                float *o = dst + (i * cols + c) * f;
                if (nv == 2) {
                    W(conv_run)(plan, img, r0 + i, c, o, w, bias, fb, 2);
                } else {
                    W(conv_run)(plan, img, r0 + i, c, o, w, bias, fb, 1);
                }
            }
        }
        fb += nv * VL;
    }
}

__attribute__((target(TARGET)))
static void W(forward)(const struct conv_plan *plan, long samples, const float *images, const float *w,
                       const float *bias, int relu, const kernels_dropout_key *drop, float *out, int32_t *argmax,
                       float *padded, float *band) {
    long f = plan->filters, p = plan->pool, ow = plan->out_w, ph = plan->pooled_h, pw = plan->pooled_w;
    for (long n = 0; n < samples; n++) {
        const float *img = source_image(plan, images + n * plan->image_size, padded);
        if (p == 1) {
            float *o = out + n * plan->out_h * ow * f;
            W(conv_band)(plan, img, 0, plan->out_h, ow, w, bias, o);
            if (relu) {
                for (long i = 0; i < plan->out_h * ow * f; i += VL) W(store)(o + i, W(relu)(W(load)(o + i)));
            }
            continue;
        }
        long cols = pw * p;
        for (long py = 0; py < ph; py++) {
            W(conv_band)(plan, img, py * p, p, cols, w, bias, band);
            float *o = out + (n * ph + py) * pw * f;
            int32_t *a = argmax + (n * ph + py) * pw * f;
            // Max over each window in (i, j) order; a later value wins only when greater, as in MaxPool2D.
            for (long px = 0; px < pw; px++) {
                for (long c = 0; c < f; c += VL) {
                    const float *corner = band + px * p * f + c;
                    W(vec) best = W(load)(corner);
                    W(ivec) at = (W(ivec)){0};
                    for (long i = 0; i < p; i++) {
                        for (long j = 0; j < p; j++) {
                            if (i == 0 && j == 0) continue;
                            W(vec) v = W(load)(corner + (i * cols + j) * f);
                            W(ivec) greater = v > best;
                            best = W(select)(greater, v, best);
                            at = W(select_int)(greater, (W(ivec)){0} + (int32_t)(i * p + j), at);
                        }
                    }
                    if (relu) best = W(relu)(best);
                    if (drop) best = best * W(dropout_keep)(drop, drop->first + (n * ph + py) * pw * f + px * f + c);
                    W(store)(o + px * f + c, best);
                    *(W(ivec) *)(a + px * f + c) = at;
                }
            }
        }
    }
}

// dw[t][fb ..< fb + nv·VL] += Σ over the band's positions of image value at tap t times the
// band gradient, for taps t0 ..< t0 + TAP_GROUP (past `taps`: computed on tap 0, not stored).
// Positions go window by window, so each lane adds its one nonzero term per window (at the
// argmax) in window order, as weight_gradient_pool2_avx512 does.
INLINE void W(weight_group)(const struct conv_plan *plan, const float *img, long r0, long cols,
                            const float *grad, long t0, long fb, int nv, float *dw) {
    long f = plan->filters, s = plan->stride, rs = plan->row_stride;
    long tap[TAP_GROUP];
    W(vec) acc[TAP_GROUP][2];
    for (int g = 0; g < TAP_GROUP; g++) {
        int real = t0 + g < plan->taps;
        tap[g] = real ? plan->tap[t0 + g] : 0;
        for (int v = 0; v < nv; v++) acc[g][v] = real ? W(load)(dw + (t0 + g) * f + fb + v * VL) : (W(vec)){0};
    }
    long p = plan->pool;
    for (long c0 = 0; c0 < cols; c0 += p) {
        for (long i = 0; i < p; i++) {
            const float *row = img + (r0 + i) * s * rs;
            for (long c = c0; c < c0 + p; c++) {
                const float *src = row + c * s;
                const float *d = grad + (i * cols + c) * f + fb;
                W(vec) m[2];
                for (int v = 0; v < nv; v++) m[v] = W(load)(d + v * VL);
                for (int g = 0; g < TAP_GROUP; g++) {
                    W(vec) x = W(splat)(src[tap[g]]);
                    for (int v = 0; v < nv; v++) acc[g][v] = W(fma)(x, m[v], acc[g][v]);
                }
            }
        }
    }
    for (int g = 0; g < TAP_GROUP && t0 + g < plan->taps; g++) {
        for (int v = 0; v < nv; v++) W(store)(dw + (t0 + g) * f + fb + v * VL, acc[g][v]);
    }
}

__attribute__((target(TARGET)))
static void W(weight_gradient)(const struct conv_plan *plan, long samples, const float *images, const float *dy,
                               const float *pooled, float scale, const int32_t *argmax, float *dw, double *bias_sum,
                               float *padded, float *band, float *sample_bias) {
    long f = plan->filters, p = plan->pool, ph = plan->pooled_h, pw = plan->pooled_w, cols = pw * p;
    for (long n = 0; n < samples; n++) {
        const float *img = source_image(plan, images + n * plan->image_size, padded);
        for (long c = 0; c < f; c += VL) W(store)(sample_bias + c, (W(vec)){0});
        for (long py = 0; py < ph; py++) {
            long at = (n * ph + py) * pw * f;
            // The band's conv-output gradient: each pooled gradient (times the dropout scale, zero
            // where relu clipped the pooled value or dropout dropped it) at its window's argmax,
            // zero elsewhere.
            for (long px = 0; px < pw; px++) {
                for (long c = 0; c < f; c += VL) {
                    long k = at + px * f + c;
                    W(vec) g = W(load)(dy + k) * scale;
                    if (pooled) g = W(select)(W(load)(pooled + k) > 0, g, (W(vec)){0});
                    W(store)(sample_bias + c, W(load)(sample_bias + c) + g);
                    W(ivec) a = *(const W(ivec) *)(argmax + k);
                    for (long i = 0; i < p; i++) {
                        for (long j = 0; j < p; j++) {
                            W(ivec) hit = a == (W(ivec)){0} + (int32_t)(i * p + j);
                            W(store)(band + (i * cols + px * p + j) * f + c, W(select)(hit, g, (W(vec)){0}));
                        }
                    }
                }
            }
            for (long fb = 0; fb < f;) {
                int nv = f - fb >= 2 * VL ? 2 : 1;
                for (long t0 = 0; t0 < plan->taps; t0 += TAP_GROUP) {
                    if (nv == 2) {
                        W(weight_group)(plan, img, py * p, cols, band, t0, fb, 2, dw);
                    } else {
                        W(weight_group)(plan, img, py * p, cols, band, t0, fb, 1, dw);
                    }
                }
                fb += nv * VL;
            }
        }
        for (long c = 0; c < f; c++) bias_sum[c] += sample_bias[c];
    }
}

#undef W
#undef INLINE
#undef CAT
#undef CAT_
#undef VL
#undef PG
#undef SUFFIX
#undef TARGET
#undef SPLAT
#undef IOTA
