// Dropout's hash (private to CKernels), shared by kernels_dropout and the conv kernels that apply
// a dropout mask themselves, so both draw the same mask.
#ifndef CKERNELS_HASH_H
#define CKERNELS_HASH_H

// Chris Wellons's "lowbias32" 32-bit integer hash, in place on an unsigned 32-bit lvalue: a scalar
// or a vector of them (the same operations lane by lane).
#define KERNELS_MIX32(x) ((x) ^= (x) >> 16, (x) *= 0x7feb352dU, (x) ^= (x) >> 15, (x) *= 0x846ca68bU, (x) ^= (x) >> 16)

// The draw for value index i under a mask keyed by `seed`: two rounds keyed by its two halves.
// Value i is dropped when the draw is below the threshold (rate · 2³²).
#define KERNELS_DROPOUT_DRAW(h, i, seed) \
    ((h) = (i) ^ (uint32_t)(seed), KERNELS_MIX32(h), (h) += (uint32_t)((seed) >> 32), KERNELS_MIX32(h))

#endif
