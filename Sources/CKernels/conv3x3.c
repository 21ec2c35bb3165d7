#include "CKernels.h"
#include <immintrin.h>
#include <stdlib.h>

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))

int dyn_direct_conv_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// An image plane of h×w pixels is read as a flat array in tiles of 16 consecutive pixels (so
// narrow images still fill the vectors: an 8×8 plane is 4 tiles of two rows). Tap t = dy·3 + dx
// of the pixel p = i·w + j reads p + (dy − 1)·w + (dx − 1); mask[tile·10 + t] keeps the lanes
// whose row and column stay inside the image, mask[tile·10 + 9] the lanes inside the plane.
static __mmask16 *plane_masks(int h, int w, int tiles) {
    __mmask16 *m = malloc(sizeof(__mmask16) * 10 * (size_t)tiles);
    for (int t = 0; t < tiles; t++) {
        for (int tap = 0; tap < 10; tap++) {
            unsigned bits = 0;
            for (int l = 0; l < 16; l++) {
                int p = 16 * t + l;
                if (p >= h * w) continue;
                int i = p / w, j = p % w;
                if (tap == 9) { bits |= 1u << l; continue; }
                int si = i + tap / 3 - 1, sj = j + tap % 3 - 1;
                if (si >= 0 && si < h && sj >= 0 && sj < w) bits |= 1u << l;
            }
            m[t * 10 + tap] = (__mmask16)bits;
        }
    }
    return m;
}

// Tap t = dy·3 + dx reads the flat pixel offset (dy − 1)·w + (dx − 1).
static void tap_offsets(int w, long offsets[9]) {
    for (int tap = 0; tap < 9; tap++) offsets[tap] = (long)(tap / 3 - 1) * w + (tap % 3 - 1);
}

// A tile is interior when all its lanes are in the plane and so are the rows above and below
// them: its tap masks are then only the column masks m[3] (off where j = 0, for dx = −1) and
// m[5] (off where j = w − 1, for dx = +1), and dx = 0 needs none. Kernels take a mask-light path
// there, since mask registers are few and nine or eighteen masks per tile were reloaded from
// memory: measured, one thread, +8% on the weight gradient and about +5% forward.
static inline int interior(const __mmask16 *m) { return m[1] == 0xFFFF && m[7] == 0xFFFF && m[9] == 0xFFFF; }

// Loads the 16 lanes of tap `tap` at `src`, zero outside the image.
#define TAP_LOAD(inner, m, tap, src) \
    ((inner) ? ((tap) % 3 == 1 ? _mm512_loadu_ps(src) : _mm512_maskz_loadu_ps((m)[(tap) % 3 == 0 ? 3 : 5], src)) \
             : _mm512_maskz_loadu_ps((m)[tap], src))

// Eight output channels × two pixel tiles of one image, accumulated in 16 registers, then
// y ← alpha·acc + beta·y. `packed` holds the group's weights as [ci][tap][8 output channels],
// so the eight broadcasts of a tap read one cache line (measured: 5–10% faster than reading
// them at stride Cin·9). `inner`: both tiles interior (a constant in each instantiation).
TARGET __attribute__((always_inline)) static inline void
forward_tiles(const int inner, const float *x, int cin, long stride, const long *offsets, const __mmask16 *m0,
              const __mmask16 *m1, const float *packed, float alpha, float beta, float *y0, float *y1, long ystride) {
    __m512 a[8][2];
    for (int c = 0; c < 8; c++) { a[c][0] = _mm512_setzero_ps(); a[c][1] = _mm512_setzero_ps(); }
    for (int ci = 0; ci < cin; ci++) {
        const float *src = x + ci * stride;
        const float *wp = packed + ci * 72;
#pragma clang loop unroll(full)
        for (int tap = 0; tap < 9; tap++) {
            __m512 v0 = TAP_LOAD(inner, m0, tap, src + offsets[tap]);
            __m512 v1 = TAP_LOAD(inner, m1, tap, src + 16 + offsets[tap]);
            for (int c = 0; c < 8; c++) {
                __m512 wv = _mm512_set1_ps(wp[tap * 8 + c]);
                a[c][0] = _mm512_fmadd_ps(wv, v0, a[c][0]);
                a[c][1] = _mm512_fmadd_ps(wv, v1, a[c][1]);
            }
        }
    }
    const __m512 al = _mm512_set1_ps(alpha), be = _mm512_set1_ps(beta);
    for (int c = 0; c < 8; c++) {
        float *o0 = y0 + c * ystride, *o1 = y1 + c * ystride;
        if (beta != 0) {
            a[c][0] = _mm512_fmadd_ps(al, a[c][0], _mm512_mul_ps(be, _mm512_maskz_loadu_ps(m0[9], o0)));
            a[c][1] = _mm512_fmadd_ps(al, a[c][1], _mm512_mul_ps(be, _mm512_maskz_loadu_ps(m1[9], o1)));
        } else if (alpha != 1) {
            a[c][0] = _mm512_mul_ps(al, a[c][0]);
            a[c][1] = _mm512_mul_ps(al, a[c][1]);
        }
        _mm512_mask_storeu_ps(o0, m0[9], a[c][0]);
        _mm512_mask_storeu_ps(o1, m1[9], a[c][1]);
    }
}

TARGET static void forward_block(const float *x, int cin, long stride, const long *offsets, const __mmask16 *m0,
                                 const __mmask16 *m1, const float *packed, float alpha, float beta,
                                 float *y0, float *y1, long ystride) {
    if (interior(m0) && interior(m1))
        forward_tiles(1, x, cin, stride, offsets, m0, m1, packed, alpha, beta, y0, y1, ystride);
    else
        forward_tiles(0, x, cin, stride, offsets, m0, m1, packed, alpha, beta, y0, y1, ystride);
}

TARGET void dyn_conv3x3_forward(const float *x, int cin, int batch, int first, int count, int h, int w,
                                const float *weights, int cout, float alpha, float beta, float *y) {
    const int plane = h * w, tiles = (plane + 15) / 16, k = cin * 9;
    const long stride = (long)batch * plane;
    __mmask16 *masks = plane_masks(h, w, tiles);
    float *packed = malloc(sizeof(float) * (size_t)k * cout);
    for (int co = 0; co < cout; co++)
        for (int i = 0; i < k; i++) packed[(long)(co / 8) * k * 8 + i * 8 + co % 8] = weights[(long)co * k + i];
    long offsets[9];
    tap_offsets(w, offsets);
    static const __mmask16 none[10] = {0};
    for (int n = first; n < first + count; n++)
        for (int co0 = 0; co0 < cout; co0 += 8)
            for (int t = 0; t < tiles; t += 2) {
                const __mmask16 *m1 = t + 1 < tiles ? masks + (t + 1) * 10 : none;
                float *out = y + ((long)co0 * batch + n) * plane + 16 * t;
                forward_block(x + (long)n * plane + 16 * t, cin, stride, offsets, masks + t * 10, m1,
                              packed + (long)co0 * k, alpha, beta, out, out + 16, stride);
            }
    free(packed);
    free(masks);
}

// Two output channels × one input channel: the nine taps of both in 18 registers, summed over
// every pixel of images [first, first + count).
TARGET static void gradient_block(const float *x, const float *g0, const float *g1, int plane, int tiles,
                                  const long *offsets, int first, int count, const __mmask16 *masks,
                                  float *out0, float *out1, float scale) {
    __m512 a0[9], a1[9];
    for (int t = 0; t < 9; t++) { a0[t] = _mm512_setzero_ps(); a1[t] = _mm512_setzero_ps(); }
    for (int n = first; n < first + count; n++) {
        const long base = (long)n * plane;
        for (int t = 0; t < tiles; t++) {
            const __mmask16 *m = masks + t * 10;
            const long p = base + 16 * t;
            __m512 d0 = _mm512_maskz_loadu_ps(m[9], g0 + p), d1 = _mm512_maskz_loadu_ps(m[9], g1 + p);
            // Lanes outside the image are never loaded: masking the product instead would let
            // whatever lies beyond (another image, memory past the tensor) in as 0·∞ = NaN.
            if (interior(m)) {
#pragma clang loop unroll(full)
                for (int tap = 0; tap < 9; tap++) {
                    __m512 v = TAP_LOAD(1, m, tap, x + p + offsets[tap]);
                    a0[tap] = _mm512_fmadd_ps(d0, v, a0[tap]);
                    a1[tap] = _mm512_fmadd_ps(d1, v, a1[tap]);
                }
            } else {
#pragma clang loop unroll(full)
                for (int tap = 0; tap < 9; tap++) {
                    __m512 v = TAP_LOAD(0, m, tap, x + p + offsets[tap]);
                    a0[tap] = _mm512_fmadd_ps(d0, v, a0[tap]);
                    a1[tap] = _mm512_fmadd_ps(d1, v, a1[tap]);
                }
            }
        }
    }
    for (int tap = 0; tap < 9; tap++) {
        out0[tap] += scale * _mm512_reduce_add_ps(a0[tap]);
        out1[tap] += scale * _mm512_reduce_add_ps(a1[tap]);
    }
}

TARGET void dyn_conv3x3_weight_gradient(const float *x, int cin, int batch, int first, int count, int h, int w,
                                        const float *g, int cout, float scale, float *dw) {
    const int plane = h * w, tiles = (plane + 15) / 16, k = cin * 9;
    const long stride = (long)batch * plane;
    __mmask16 *masks = plane_masks(h, w, tiles);
    long offsets[9];
    tap_offsets(w, offsets);
    for (int co0 = 0; co0 < cout; co0 += 2)
        for (int ci = 0; ci < cin; ci++)
            gradient_block(x + ci * stride, g + co0 * stride, g + (co0 + 1) * stride, plane, tiles, offsets, first, count,
                           masks, dw + (long)co0 * k + ci * 9, dw + (long)(co0 + 1) * k + ci * 9, scale);
    free(masks);
}
