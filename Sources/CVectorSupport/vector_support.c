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
