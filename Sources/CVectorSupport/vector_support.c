#include "vector_support.h"
#include <immintrin.h>

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
