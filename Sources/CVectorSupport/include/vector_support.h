#ifndef SWIFTVEC_VECTOR_SUPPORT_H
#define SWIFTVEC_VECTOR_SUPPORT_H

#include <stdint.h>

/// Asks the CPU to start loading the cache line at `p` (read, keep in all cache levels). Swift has no
/// prefetch of its own; graph traversal hides the latency of the next neighbour's vector with it.
static inline void svx_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// IVF_SQ8 rows, component d = offset[d] + code[d] * scale[d]. Swift's generic SIMD conversions from
/// bytes to floats compile to calls, so these two kernels are C with AVX2 (the VectorCore targets assume
/// an AVX2 machine too).

/// Σ (shifted[d] − code[d]·scale[d])², with shifted = query − offset: the squared L2 distance to the row.
float svx_l2_sq8(const float *shifted, const float *scale, const uint8_t *codes, long n);

/// Σ weighted[d]·code[d], with weighted = query·scale: the inner product with the row minus Σ query·offset.
float svx_dot_sq8(const float *weighted, const uint8_t *codes, long n);

/// Σ (a[d] − b[d])² and Σ a[d]·b[d] over n floats: AVX-512 when the CPU has it, else AVX2+FMA.
float svx_l2(const float *a, const float *b, long n);
float svx_dot(const float *a, const float *b, long n);

/// out[r] = svx_l2 (svx_dot) of q and row r, for `count` consecutive rows of n floats.
void svx_l2_rows(const float *q, const float *rows, long count, long n, float *out);
void svx_dot_rows(const float *q, const float *rows, long count, long n, float *out);

/// The nearest of k centroids to each of `count` rows of n floats (k-means assignment, IVF lists). The
/// centroids come transposed in blocks of 16 (`svx_transpose16`): block b holds centroids 16b…16b+15
/// dimension by dimension, so that each dimension of a row multiplies 16 centroids at once and no sum is
/// reduced across lanes. Score = bias[c] − 2·row·c (L2: bias = |c|², the row's own norm does not change
/// the nearest) or −row·c (inner product: bias = 0). Ties go to the smaller centroid; `out[r]` gets its number.
/// `avx512` < 0 chooses by CPU, 0 forces AVX2, 1 AVX-512 where the CPU has it (for tests of both builds).
void svx_nearest16(const float *rows, long count, long n, const float *blocks, const float *bias, long k, int inner_product,
                   int avx512, int32_t *out);

/// Lays out k centroids of n floats for `svx_nearest16`: ceil(k/16) blocks of n × 16 floats; the missing
/// centroids of the last block are zeros, with a bias of +infinity so that they are never nearest.
void svx_transpose16(const float *centroids, long k, long n, int inner_product, float *blocks, float *bias);

/// For tests of both builds of the kernels, whatever the CPU: with the AVX-512 build if `avx512` and the CPU
/// has it, else the AVX2 one, the row form of L2 (or of dot if `dot`) into `out`, and the single-row kernel
/// of q against the first row as the result.
float svx_kernel_on(int avx512, int dot, const float *q, const float *rows, long count, long n, float *out);

#endif
