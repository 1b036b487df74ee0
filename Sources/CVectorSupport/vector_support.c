#include "vector_support.h"
#include <immintrin.h>
#include <math.h>

__attribute__((target("avx2,fma")))
static inline __m256 svx_codes8(const uint8_t *codes) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)codes)));
}

__attribute__((target("avx2,fma")))
static inline float svx_sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
float svx_l2_sq8(const float *shifted, const float *scale, const uint8_t *codes, long n) {
    __m256 acc = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_fnmadd_ps(svx_codes8(codes + i), _mm256_loadu_ps(scale + i), _mm256_loadu_ps(shifted + i));
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    float sum = svx_sum8(acc);
    for (; i < n; i++) {
        float d = shifted[i] - (float)codes[i] * scale[i];
        sum += d * d;
    }
    return sum;
}

__attribute__((target("avx2,fma")))
float svx_dot_sq8(const float *weighted, const uint8_t *codes, long n) {
    __m256 acc = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(svx_codes8(codes + i), _mm256_loadu_ps(weighted + i), acc);
    float sum = svx_sum8(acc);
    for (; i < n; i++) sum += weighted[i] * (float)codes[i];
    return sum;
}

/* Float32 kernels behind VectorCore's Distance.l2 and Distance.dot: AVX-512 where the CPU has it (chosen
 * once at load; with 128-d rows it answers graph searches about a quarter faster than AVX2, as hnswlib's own
 * runtime choice does), else AVX2+FMA. Swift has no per-function target, hence C. */

/* Set once, before main, by the loader (constructors run before any thread exists); read only after. */
static int svx_has_avx512;

__attribute__((constructor)) static void svx_detect(void) {
    __builtin_cpu_init();
    svx_has_avx512 = __builtin_cpu_supports("avx512f");
}

/* The lanes of the last, partial 16-float block: the rest load as zeros. */
__attribute__((target("avx512f")))
static inline __mmask16 svx_tail_mask(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

__attribute__((target("avx512f")))
static float svx_l2_512(const float *a, const float *b, long n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        acc0 = _mm512_fmadd_ps(d0, d0, acc0);
        acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    }
    for (; i < n; i += 16) {
        __mmask16 m = svx_tail_mask(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        acc0 = _mm512_fmadd_ps(d, d, acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

__attribute__((target("avx512f")))
static float svx_dot_512(const float *a, const float *b, long n) {
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
        acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    }
    for (; i < n; i += 16) {
        __mmask16 m = svx_tail_mask(n - i);
        acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

__attribute__((target("avx2,fma")))
static float svx_l2_256(const float *a, const float *b, long n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        acc0 = _mm256_fmadd_ps(d0, d0, acc0);
        acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    }
    float sum = svx_sum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

__attribute__((target("avx2,fma")))
static float svx_dot_256(const float *a, const float *b, long n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    float sum = svx_sum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

float svx_l2(const float *a, const float *b, long n) {
    return svx_has_avx512 ? svx_l2_512(a, b, n) : svx_l2_256(a, b, n);
}

float svx_dot(const float *a, const float *b, long n) {
    return svx_has_avx512 ? svx_dot_512(a, b, n) : svx_dot_256(a, b, n);
}

/* One query against `count` consecutive rows: the kernel inlined into a loop built for the same target, so
 * that the query stays in L1 and the loads of one row overlap the arithmetic of the previous one (IVF lists
 * and centroids). */
#define SVX_ROWS(name, kernel, target_spec)                                                        \
    __attribute__((target(target_spec)))                                                          \
    static void name(const float *q, const float *rows, long count, long n, float *out) {          \
        for (long r = 0; r < count; r++) out[r] = kernel(q, rows + r * n, n);                      \
    }
SVX_ROWS(svx_l2_rows_512, svx_l2_512, "avx512f")
SVX_ROWS(svx_dot_rows_512, svx_dot_512, "avx512f")
SVX_ROWS(svx_l2_rows_256, svx_l2_256, "avx2,fma")
SVX_ROWS(svx_dot_rows_256, svx_dot_256, "avx2,fma")

void svx_l2_rows(const float *q, const float *rows, long count, long n, float *out) {
    if (svx_has_avx512) svx_l2_rows_512(q, rows, count, n, out); else svx_l2_rows_256(q, rows, count, n, out);
}

void svx_dot_rows(const float *q, const float *rows, long count, long n, float *out) {
    if (svx_has_avx512) svx_dot_rows_512(q, rows, count, n, out); else svx_dot_rows_256(q, rows, count, n, out);
}

float svx_kernel_on(int avx512, int dot, const float *q, const float *rows, long count, long n, float *out) {
    int wide = avx512 && svx_has_avx512;
    if (dot) {
        if (wide) svx_dot_rows_512(q, rows, count, n, out); else svx_dot_rows_256(q, rows, count, n, out);
        return wide ? svx_dot_512(q, rows, n) : svx_dot_256(q, rows, n);
    }
    if (wide) svx_l2_rows_512(q, rows, count, n, out); else svx_l2_rows_256(q, rows, count, n, out);
    return wide ? svx_l2_512(q, rows, n) : svx_l2_256(q, rows, n);
}

/* k-means assignment as a small matrix product: four rows at a time against a block of 16 centroids, one
 * broadcast of a row's component times one load of 16 centroid components per step (the row block stays in
 * L1, each centroid block is read once per four rows), then a lane-wise running minimum per row. */
void svx_transpose16(const float *centroids, long k, long n, int inner_product, float *blocks, float *bias) {
    long nb = (k + 15) / 16;
    for (long b = 0; b < nb; b++) {
        for (long j = 0; j < 16; j++) {
            long c = b * 16 + j;
            float norm = 0;
            for (long d = 0; d < n; d++) {
                float v = c < k ? centroids[c * n + d] : 0;
                blocks[(b * n + d) * 16 + j] = v;
                norm += v * v;
            }
            bias[c] = c < k ? (inner_product ? 0 : norm) : INFINITY;
        }
    }
}

/* The best lane-wise score per row, then across lanes: the smallest score, ties to the smaller centroid. */
static int32_t svx_pick(const float *score, const int32_t *which, int lanes) {
    int32_t pick = which[0];
    float low = score[0];
    for (int j = 1; j < lanes; j++)
        if (score[j] < low || (score[j] == low && which[j] < pick)) { low = score[j]; pick = which[j]; }
    return pick;
}

__attribute__((target("avx512f")))
static void svx_nearest16_512(const float *rows, long count, long n, const float *blocks, const float *bias, long k,
                              int inner_product, int32_t *out) {
    long nb = (k + 15) / 16;
    const __m512 scale = _mm512_set1_ps(inner_product ? 1.0f : 2.0f);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long r0 = 0; r0 < count; r0 += 4) {
        long m = count - r0 < 4 ? count - r0 : 4;
        /* A short last block repeats its first row in the missing places (their answers are not stored). */
        const float *x[4];
        for (long i = 0; i < 4; i++) x[i] = rows + (r0 + (i < m ? i : 0)) * n;
        __m512 best[4];
        __m512i which[4];
        for (int i = 0; i < 4; i++) { best[i] = _mm512_set1_ps(INFINITY); which[i] = lane; }
        for (long b = 0; b < nb; b++) {
            const float *block = blocks + b * n * 16;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            for (long d = 0; d < n; d++) {
                __m512 c = _mm512_loadu_ps(block + d * 16);
                a0 = _mm512_fmadd_ps(_mm512_set1_ps(x[0][d]), c, a0);
                a1 = _mm512_fmadd_ps(_mm512_set1_ps(x[1][d]), c, a1);
                a2 = _mm512_fmadd_ps(_mm512_set1_ps(x[2][d]), c, a2);
                a3 = _mm512_fmadd_ps(_mm512_set1_ps(x[3][d]), c, a3);
            }
            __m512 bv = _mm512_loadu_ps(bias + b * 16);
            __m512i idx = _mm512_add_epi32(lane, _mm512_set1_epi32((int)(b * 16)));
            __m512 acc[4] = {a0, a1, a2, a3};
            for (int i = 0; i < 4; i++) {
                __m512 score = _mm512_fnmadd_ps(scale, acc[i], bv);
                __mmask16 better = _mm512_cmp_ps_mask(score, best[i], _CMP_LT_OQ);
                best[i] = _mm512_mask_blend_ps(better, best[i], score);
                which[i] = _mm512_mask_blend_epi32(better, which[i], idx);
            }
        }
        for (long i = 0; i < m; i++) {
            float score[16];
            int32_t ids[16];
            _mm512_storeu_ps(score, best[i]);
            _mm512_storeu_si512(ids, which[i]);
            out[r0 + i] = svx_pick(score, ids, 16);
        }
    }
}

__attribute__((target("avx2,fma")))
static void svx_nearest16_256(const float *rows, long count, long n, const float *blocks, const float *bias, long k,
                              int inner_product, int32_t *out) {
    long nb = (k + 15) / 16;
    const __m256 scale = _mm256_set1_ps(inner_product ? 1.0f : 2.0f);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long r0 = 0; r0 < count; r0 += 4) {
        long m = count - r0 < 4 ? count - r0 : 4;
        const float *x[4];
        for (long i = 0; i < 4; i++) x[i] = rows + (r0 + (i < m ? i : 0)) * n;
        __m256 best[4][2];
        __m256i which[4][2];
        for (int i = 0; i < 4; i++)
            for (int h = 0; h < 2; h++) { best[i][h] = _mm256_set1_ps(INFINITY); which[i][h] = _mm256_add_epi32(lane, _mm256_set1_epi32(h * 8)); }
        for (long b = 0; b < nb; b++) {
            const float *block = blocks + b * n * 16;
            for (int h = 0; h < 2; h++) {
                __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
                for (long d = 0; d < n; d++) {
                    __m256 c = _mm256_loadu_ps(block + d * 16 + h * 8);
                    a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(x[0] + d), c, a0);
                    a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(x[1] + d), c, a1);
                    a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(x[2] + d), c, a2);
                    a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(x[3] + d), c, a3);
                }
                __m256 bv = _mm256_loadu_ps(bias + b * 16 + h * 8);
                __m256i idx = _mm256_add_epi32(lane, _mm256_set1_epi32((int)(b * 16 + h * 8)));
                __m256 acc[4] = {a0, a1, a2, a3};
                for (int i = 0; i < 4; i++) {
                    __m256 score = _mm256_fnmadd_ps(scale, acc[i], bv);
                    __m256 better = _mm256_cmp_ps(score, best[i][h], _CMP_LT_OQ);
                    best[i][h] = _mm256_blendv_ps(best[i][h], score, better);
                    which[i][h] = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(which[i][h]), _mm256_castsi256_ps(idx), better));
                }
            }
        }
        for (long i = 0; i < m; i++) {
            float score[16];
            int32_t ids[16];
            for (int h = 0; h < 2; h++) {
                _mm256_storeu_ps(score + h * 8, best[i][h]);
                _mm256_storeu_si256((__m256i *)(ids + h * 8), which[i][h]);
            }
            out[r0 + i] = svx_pick(score, ids, 16);
        }
    }
}

void svx_nearest16(const float *rows, long count, long n, const float *blocks, const float *bias, long k, int inner_product,
                   int avx512, int32_t *out) {
    int wide = avx512 < 0 ? svx_has_avx512 : (avx512 && svx_has_avx512);
    if (wide) svx_nearest16_512(rows, count, n, blocks, bias, k, inner_product, out);
    else svx_nearest16_256(rows, count, n, blocks, bias, k, inner_product, out);
}
