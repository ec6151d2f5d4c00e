#ifndef CKERNELS_H
#define CKERNELS_H

/// Element-wise loops that need wider vectors than Swift can emit for a baseline x86-64 build:
/// each has a 256-bit AVX version picked at run time and a portable one. The versions do the same
/// operations in the same order (no fused multiply-add), so results are bit-identical on every
/// machine.

/// Keras Adam on n values: m' = b1·m + (1-b1)·g; v' = b2·v + (1-b2)·g·g; w' = w - alpha·m'/(√v' + eps).
/// Outputs may alias their inputs.
void kernels_adam(long n, const float *w, const float *g, const float *m, const float *v,
                  float *w_out, float *m_out, float *v_out,
                  float alpha, float beta1, float beta2, float epsilon);

#endif
