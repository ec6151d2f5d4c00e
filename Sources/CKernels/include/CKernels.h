#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdint.h>

/// Loops that need wider vectors than Swift can emit for a baseline x86-64 build: each has a
/// 256-bit version (and some a 512-bit one) picked at run time, and a portable one or a fallback.

/// Keras Adam on n values: m' = b1·m + (1-b1)·g; v' = b2·v + (1-b2)·g·g; w' = w - alpha·m'/(√v' + eps).
/// Outputs may alias their inputs. The AVX and portable versions do the same operations in the same
/// order (no fused multiply-add), so results are bit-identical on every machine.
void kernels_adam(long n, const float *w, const float *g, const float *m, const float *v,
                  float *w_out, float *m_out, float *v_out,
                  float alpha, float beta1, float beta2, float epsilon);

/// out[i] = (float)x[i] · scale + offset for n bytes (a batch of pixels to the network's input): a
/// multiply then an add, rounded separately, as in the portable loop, so every width gives the same bits.
void kernels_bytes_to_floats(long n, const uint8_t *x, float *out, float scale, float offset);

/// Inverted dropout of values first ..< first + n of a batch (x and out point at value `first`):
/// out[i] = x[i] · 0 when a hash of (i, seed) falls below `threshold` (rate · 2³²), else x[i] ·
/// scale. The mask is a function of (i, seed), so any split of the batch between threads draws the
/// same one, and backward is the same call on the gradient. Every vector width gives the same bits.
void kernels_dropout(long n, long first, const float *x, float *out, uint64_t seed, uint32_t threshold, float scale);

/// Products with one sparse operand, for activations that are mostly zeros (relu outputs after
/// dropout: ~20-40 % nonzero once a network has trained a little). Skipping the zeros beats a dense
/// sgemm below roughly half density; the caller decides (see SparseProduct.swift).
///
/// A sparse matrix is given by its lines (rows, or columns for a transpose): line o's nonzeros are
/// index[begin[o] ..< end[o]] (their positions along the line, increasing) and the same range of value.

/// Compresses `outer` lines of `inner` values each; value q of line o is a[o·outer_stride + q·inner_stride]
/// (rows: strides (lda, 1); columns: (1, lda)). Writes from offset `at` of index/value, which must
/// have room for outer·inner values past `at`. Returns the nonzeros written, or -1 as soon as more
/// than `limit` are found (the caller then uses a dense product).
long kernels_compress(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                      long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value);

/// The portable loop behind `kernels_compress`, callable directly so tests cover it on any CPU.
long kernels_compress_portable(long outer, long inner, const float *a, long outer_stride, long inner_stride,
                               long at, long limit, int32_t *begin, int32_t *end, int32_t *index, float *value);

/// C = S·B (C is m x n, row stride ldc, overwritten), S sparse m x k by rows; B is k x n (row
/// stride ldb) or, with trans_b, given as its transpose (n x k, row stride ldb); with trans_c, C is
/// written as its transpose (n x m, row stride ldc). Each output is summed over the row's nonzeros
/// in index order, so the result does not depend on how callers split the columns. Uses fused
/// multiply-adds (AVX-512, or AVX2 + FMA) where the CPU has them.
void kernels_sparse_gemm(long m, long n, long k, const int32_t *begin, const int32_t *end,
                         const int32_t *index, const float *value, const float *b, long ldb,
                         int trans_b, float *c, long ldc, int trans_c);

/// Columns per panel of `kernels_sparse_gemm` on this CPU (128 with AVX-512, else 64): callers
/// that split the columns between threads cut them on multiples of it.
long kernels_sparse_panel_width(void);

/// The widest vectors the kernels use on this CPU (512: AVX-512F; 256: AVX2 + FMA; 0: neither),
/// within the cap set by kernels_limit_vector_bits.
int kernels_vector_bits(void);

/// Caps the vector width the sparse and convolution kernels use (512, 256, or 0 for the portable
/// loops and the im2col path; the CPU's own limit still applies) and returns the previous cap. For
/// tests and comparisons: the 512- and 256-bit kernels give identical bits, so a cap changes speed only.
int kernels_limit_vector_bits(int bits);

/// The portable loop behind `kernels_sparse_gemm`, callable directly so tests cover it on any CPU.
void kernels_sparse_gemm_portable(long m, long n, long k, const int32_t *begin, const int32_t *end,
                                  const int32_t *index, const float *value, const float *b, long ldb,
                                  int trans_b, float *c, long ldc, int trans_c);

/// The geometry of a convolution (the fields of NeuralNet's ConvGeometry): output (oy, ox) covers
/// input rows oy·stride - pad_top + i, columns ox·stride - pad_left + j for the kernel's (i, j);
/// positions outside the image read zeros.
typedef struct {
    long height, width, kernel_h, kernel_w, stride, pad_top, pad_left, out_h, out_w;
} kernels_conv_shape;

/// A dropout mask as kernels_dropout draws it, for a kernel that applies it to its own output:
/// value i of the call's output is value first + i of the masked tensor.
typedef struct {
    uint64_t seed;
    uint32_t threshold;
    float scale;
    long first;
} kernels_dropout_key;

/// Direct convolution for single-channel images (a first conv layer): no patch matrix, no sgemm.
/// Im2col + sgemm spends a third of its time packing such skinny products (k = 25 for a 5x5
/// kernel); these keep each position's filters in vector registers and read the image in place.
///
/// Whether the kernels below run `filters` filters on this CPU (AVX2 + FMA, filters a multiple of 8).
int kernels_conv1_supported(long filters);

/// For each of `samples` images (height x width x 1, consecutive), the convolution with `weights`
/// (kernel_h x kernel_w x filters): each output is the bias, then one fused multiply-add per tap in
/// (i, j) order, so every vector width gives the same bits. With pool 1, writes the outputs
/// (out_h, out_w, filters) per sample; with pool p > 1, max pools p x p windows at stride p
/// (out_h / p by out_w / p per sample) and writes each pooled value's window position (i·p + j, the
/// first of equal maxima) to argmax. relu clamps the written values at zero. With a dropout key
/// (pool > 1 only; else NULL), the written values are then masked as kernels_dropout would mask
/// them, with the same bits. Returns 0, or -1 when
/// unsupported (see kernels_conv1_supported) or out of memory, having written nothing.
int kernels_conv1_forward(const kernels_conv_shape *shape, long samples, const float *images, const float *weights,
                          const float *bias, long filters, long pool, int relu, const kernels_dropout_key *dropout,
                          float *out, int32_t *argmax);

/// Weight and bias gradients after a pooled kernels_conv1_forward (pool > 1): `gradient` is the
/// loss gradient of its outputs; where `pooled` (those outputs, relu-clamped, or NULL without relu)
/// is not positive it counts as zero, elsewhere it is multiplied by `scale` (a forward that applied
/// dropout: its scale; else 1), which is what dropout's backward does to a kept value. Each pooled
/// gradient belongs to the conv output at its argmax. Adds to dw (kernel_h x kernel_w x filters)
/// and bias_sum (Double, per sample). Returns 0, or -1 as kernels_conv1_forward, having changed
/// nothing.
int kernels_conv1_pooled_weight_gradient(const kernels_conv_shape *shape, long samples, const float *images,
                                         const float *gradient, const float *pooled, float scale,
                                         const int32_t *argmax, long filters, long pool, float *dw, double *bias_sum);

#endif
