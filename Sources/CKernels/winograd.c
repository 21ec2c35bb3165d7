#include "CKernels.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512vl,fma")))

// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", CVPR 2016): each 2×2 output tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for the 4×4
// input patch d around it, so a 3×3 convolution becomes 16 independent products over channels
// (one per position of the 4×4 transformed tile) with 16 multiplies per tile instead of 36.
//
//      ⎡1  0 −1  0⎤        ⎡1    0    0 ⎤        ⎡1  1  1  0⎤
// Bᵀ = ⎢0  1  1  0⎥    G = ⎢½    ½    ½ ⎥   Aᵀ = ⎣0  1 −1 −1⎦
//      ⎢0 −1  1  0⎥        ⎢½   −½    ½ ⎥
//      ⎣0  1  0 −1⎦        ⎣0    0    1 ⎦
//
// Its entries are 0, ±1 and ±½, so the transforms round little: the result differs from the
// direct sum by a few units in the last place times the number of terms (tests bound it).

// Per-thread scratch for the transformed tiles, kept between calls: allocating megabytes per
// call costs a page fault and a zeroed page per 4 KB, which took longer than the arithmetic.
// Slot k holds one buffer, grown on demand and freed when the thread exits.
typedef struct {
    float *buffer[3];
    size_t size[3];
} Scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_release(void *p) {
    Scratch *s = p;
    for (int k = 0; k < 3; k++) free(s->buffer[k]);
    free(s);
}

static void scratch_key_create(void) { pthread_key_create(&scratch_key, scratch_release); }

static float *scratch(int k, size_t floats) {
    pthread_once(&scratch_once, scratch_key_create);
    Scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = calloc(1, sizeof(Scratch));
        pthread_setspecific(scratch_key, s);
    }
    if (s->size[k] < floats) {
        free(s->buffer[k]);
        s->buffer[k] = aligned_alloc(64, (sizeof(float) * floats + 63) / 64 * 64);
        s->size[k] = floats;
    }
    return s->buffer[k];
}

// U[pos][co/8][ci][8] = (G g Gᵀ)[pos] for the weights w[co][ci][3][3]: eight output channels of
// one position and input channel sit in one cache line for the products' broadcasts.
static void transform_weights(const float *w, int cin, int cout, float *u) {
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            const float *g = w + ((long)co * cin + ci) * 9;
            float t[4][3];  // G g
            for (int c = 0; c < 3; c++) {
                t[0][c] = g[c];
                t[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
                t[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
                t[3][c] = g[6 + c];
            }
            for (int r = 0; r < 4; r++) {
                float v[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]), t[r][2]};
                for (int c = 0; c < 4; c++)
                    u[(((long)(r * 4 + c) * (cout / 8) + co / 8) * cin + ci) * 8 + co % 8] = v[c];
            }
        }
}

// Lanes are 16 tiles of one tile row. Planes of width 8, 16 or 32 are "packed": the tile
// columns j of `group` = 16 / (w/2) images side by side, so that an image row of each of them
// (a "virtual row", 32 floats) is two vectors and the four input columns 2j−1 … 2j+2 of every
// lane are one permutation each. Other even widths ≥ 24 are "wide": one image, each tile row in
// chunks of 16 tile columns, read by masked loads. Within a block of tile rows, tiles are
// numbered by tile row, then chunk, then lane (16 per chunk; packed, one chunk per tile row).
static int packed_width(int w) { return w == 8 || w == 16 || w == 32; }

int dyn_winograd_suits(int h, int w) {
    return h % 2 == 0 && h >= 2 &&
           (packed_width(w) || (w % 2 == 0 && w >= 24));
}

// Image row q of images k = 0 … images−1 (planes `imageStride` apart) as a virtual row; zero
// outside the image rows and for absent images.
TARGET static inline void vrow_load(const float *plane, long imageStride, int q, int h, int w, int images, __m512 *a,
                                    __m512 *b) {
    *a = *b = _mm512_setzero_ps();
    if (q < 0 || q >= h) return;
    const float *row = plane + (long)q * w;
    if (w == 32) {
        *a = _mm512_loadu_ps(row);
        *b = _mm512_loadu_ps(row + 16);
    } else if (w == 16) {
        *a = _mm512_loadu_ps(row);
        if (images > 1) *b = _mm512_loadu_ps(row + imageStride);
    } else {
        // Two 8-float rows per vector: the second lands in the upper half by a masked load.
        *a = _mm512_maskz_loadu_ps(0x00FF, row);
        if (images > 1) *a = _mm512_mask_loadu_ps(*a, 0xFF00, row + imageStride - 8);
        if (images > 2) *b = _mm512_maskz_loadu_ps(0x00FF, row + 2 * imageStride);
        if (images > 3) *b = _mm512_mask_loadu_ps(*b, 0xFF00, row + 3 * imageStride - 8);
    }
}

// Stores a virtual row back into the images' row q.
TARGET static inline void vrow_store(float *plane, long imageStride, int q, int w, int images, __m512 a, __m512 b) {
    float *row = plane + (long)q * w;
    if (w == 32) {
        _mm512_storeu_ps(row, a);
        _mm512_storeu_ps(row + 16, b);
    } else if (w == 16) {
        _mm512_storeu_ps(row, a);
        if (images > 1) _mm512_storeu_ps(row + imageStride, b);
    } else {
        _mm512_mask_storeu_ps(row, 0x00FF, a);
        if (images > 1) _mm512_mask_storeu_ps(row + imageStride - 8, 0xFF00, a);
        if (images > 2) _mm512_mask_storeu_ps(row + 2 * imageStride, 0x00FF, b);
        if (images > 3) _mm512_mask_storeu_ps(row + 3 * imageStride - 8, 0xFF00, b);
    }
}

// How a block's tiles map to the image: images side by side (packed) or chunks of a wide row,
// and the permutations giving, per lane, the input columns 2j−1, 2j, 2j+1, 2j+2 (packed: of a
// virtual row, with the lanes where 2j−1 or 2j+2 leaves the image; wide: even and odd lanes of
// rows loaded from columns 2j₀−1 and 2j₀+1).
typedef struct {
    int h, w, packed, group, chunks;
    __m512i index[4], even, odd;
    __mmask16 first, last;
} Layout;

TARGET static void layout(int h, int w, Layout *c) {
    const int tw = w / 2;
    c->h = h;
    c->w = w;
    c->packed = packed_width(w);
    c->group = c->packed ? 32 / w : 1;
    c->chunks = c->packed ? 1 : (tw + 15) / 16;
    int idx[4][16], even[16], odd[16];
    unsigned first = 0, last = 0;
    for (int l = 0; l < 16; l++) {
        for (int d = 0; d < 4; d++) {
            int i = 2 * l + d - 1;
            idx[d][l] = i < 0 ? 0 : i > 31 ? 31 : i;
        }
        even[l] = 2 * l;
        odd[l] = 2 * l + 1;
        if (l % tw != 0) first |= 1u << l;
        if (l % tw != tw - 1) last |= 1u << l;
    }
    for (int d = 0; d < 4; d++) c->index[d] = _mm512_loadu_si512(idx[d]);
    c->even = _mm512_loadu_si512(even);
    c->odd = _mm512_loadu_si512(odd);
    c->first = (__mmask16)first;
    c->last = (__mmask16)last;
}

// The lanes of 16 columns from column c0 that lie in [0, w).
static inline __mmask16 inside(int c0, int w) {
    int lo = c0 < 0 ? -c0 : 0, hi = w - c0 > 16 ? 16 : w - c0;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// Output columns 2j₀ … 2j₀+31 of image row q for the block's lanes (zero outside the image).
TARGET __attribute__((always_inline)) static inline void pair_load(const int packed, const Layout *c, const float *plane,
                                                                   long imageStride, int q, int chunk, int images,
                                    __m512 *a, __m512 *b) {
    if (packed) {
        vrow_load(plane, imageStride, q, c->h, c->w, images, a, b);
        return;
    }
    *a = *b = _mm512_setzero_ps();
    if (q < 0 || q >= c->h) return;
    const int c0 = 32 * chunk;
    const float *row = plane + (long)q * c->w + c0;
    *a = _mm512_maskz_loadu_ps(inside(c0, c->w), row);
    *b = _mm512_maskz_loadu_ps(inside(c0 + 16, c->w), row + 16);
}

TARGET __attribute__((always_inline)) static inline void pair_store(const int packed, const Layout *c, float *plane,
                                                                    long imageStride, int q, int chunk, int images,
                                     __m512 a, __m512 b) {
    if (packed) {
        vrow_store(plane, imageStride, q, c->w, images, a, b);
        return;
    }
    const int c0 = 32 * chunk;
    float *row = plane + (long)q * c->w + c0;
    _mm512_mask_storeu_ps(row, inside(c0, c->w), a);
    _mm512_mask_storeu_ps(row + 16, inside(c0 + 16, c->w), b);
}

// Bᵀ applied along image row q: the four column combinations of every lane's 4 columns.
TARGET __attribute__((always_inline)) static inline void row_transform(const int packed, const Layout *c, const float *plane,
                                                                       long imageStride, int q, int chunk,
                                        int images, __m512 out[4]) {
    __m512 d0, d1, d2, d3;
    if (packed) {
        __m512 a, b;
        vrow_load(plane, imageStride, q, c->h, c->w, images, &a, &b);
        d0 = _mm512_maskz_permutex2var_ps(c->first, a, c->index[0], b);
        d1 = _mm512_permutex2var_ps(a, c->index[1], b);
        d2 = _mm512_permutex2var_ps(a, c->index[2], b);
        d3 = _mm512_maskz_permutex2var_ps(c->last, a, c->index[3], b);
    } else if (q < 0 || q >= c->h) {
        d0 = d1 = d2 = d3 = _mm512_setzero_ps();
    } else {
        const int c0 = 32 * chunk - 1, w = c->w;
        const float *row = plane + (long)q * w + c0;
        __m512 a = _mm512_maskz_loadu_ps(inside(c0, w), row), b = _mm512_maskz_loadu_ps(inside(c0 + 16, w), row + 16);
        __m512 e = _mm512_maskz_loadu_ps(inside(c0 + 2, w), row + 2), f = _mm512_maskz_loadu_ps(inside(c0 + 18, w), row + 18);
        d0 = _mm512_permutex2var_ps(a, c->even, b);
        d1 = _mm512_permutex2var_ps(a, c->odd, b);
        d2 = _mm512_permutex2var_ps(e, c->even, f);
        d3 = _mm512_permutex2var_ps(e, c->odd, f);
    }
    out[0] = _mm512_sub_ps(d0, d2);
    out[1] = _mm512_add_ps(d1, d2);
    out[2] = _mm512_sub_ps(d2, d1);
    out[3] = _mm512_sub_ps(d1, d3);
}

// V[pos][ci][tile] = (Bᵀ d B)[pos] for tile rows [i0, i1) of the block whose first plane is x
// (rows of V `ld` floats apart).
TARGET __attribute__((always_inline)) static inline void transform_input(const int packed, const float *x, int cin, long stride,
                                                                         long imageStride, int images, const Layout *c,
                                   int i0, int i1, int ld, float *v) {
    const long posStride = (long)cin * ld;
    const int chunks = packed ? 1 : c->chunks, rowTiles = 16 * chunks;
    for (int ci = 0; ci < cin; ci++) {
        const float *plane = x + ci * stride;
        for (int chunk = 0; chunk < chunks; chunk++) {
            __m512 r[4][4];  // image rows 2i−1 … 2i+2, each row-transformed
            for (int k = 0; k < 2; k++) row_transform(packed, c, plane, imageStride, 2 * i0 + k - 1, chunk, images, r[k]);
            for (int i = i0; i < i1; i++) {
                for (int k = 2; k < 4; k++) row_transform(packed, c, plane, imageStride, 2 * i + k - 1, chunk, images, r[k]);
                float *out = v + (long)ci * ld + (i - i0) * rowTiles + 16 * chunk;
                for (int col = 0; col < 4; col++) {
                    _mm512_store_ps(out + (0 * 4 + col) * posStride, _mm512_sub_ps(r[0][col], r[2][col]));
                    _mm512_store_ps(out + (1 * 4 + col) * posStride, _mm512_add_ps(r[1][col], r[2][col]));
                    _mm512_store_ps(out + (2 * 4 + col) * posStride, _mm512_sub_ps(r[2][col], r[1][col]));
                    _mm512_store_ps(out + (3 * 4 + col) * posStride, _mm512_sub_ps(r[1][col], r[3][col]));
                }
                for (int col = 0; col < 4; col++) {
                    r[0][col] = r[2][col];
                    r[1][col] = r[3][col];
                }
            }
        }
    }
}

// M[pos][co][tile] = Σ_ci U[pos][co][ci] · V[pos][ci][tile]: eight output channels × 32 tiles
// in 16 registers (the direct kernel's blocking, without its masks and unaligned loads).
TARGET static void products(const float *u, const float *v, int cin, int cout, int tiles, int ld, float *m) {
    for (int pos = 0; pos < 16; pos++) {
        const float *vp = v + (long)pos * cin * ld;
        float *mp = m + (long)pos * cout * ld;
        for (int co0 = 0; co0 < cout; co0 += 8) {
            const float *up = u + ((long)pos * (cout / 8) + co0 / 8) * cin * 8;
            int t = 0;
            for (; t + 32 <= tiles; t += 32) {
                __m512 acc[8][2];
                for (int c = 0; c < 8; c++) { acc[c][0] = _mm512_setzero_ps(); acc[c][1] = _mm512_setzero_ps(); }
                for (int ci = 0; ci < cin; ci++) {
                    __m512 v0 = _mm512_load_ps(vp + (long)ci * ld + t);
                    __m512 v1 = _mm512_load_ps(vp + (long)ci * ld + t + 16);
                    for (int c = 0; c < 8; c++) {
                        __m512 wv = _mm512_set1_ps(up[ci * 8 + c]);
                        acc[c][0] = _mm512_fmadd_ps(wv, v0, acc[c][0]);
                        acc[c][1] = _mm512_fmadd_ps(wv, v1, acc[c][1]);
                    }
                }
                for (int c = 0; c < 8; c++) {
                    _mm512_store_ps(mp + (long)(co0 + c) * ld + t, acc[c][0]);
                    _mm512_store_ps(mp + (long)(co0 + c) * ld + t + 16, acc[c][1]);
                }
            }
            for (; t < tiles; t += 16) {
                __m512 acc[8];
                for (int c = 0; c < 8; c++) acc[c] = _mm512_setzero_ps();
                for (int ci = 0; ci < cin; ci++) {
                    __m512 v0 = _mm512_load_ps(vp + (long)ci * ld + t);
                    for (int c = 0; c < 8; c++) acc[c] = _mm512_fmadd_ps(_mm512_set1_ps(up[ci * 8 + c]), v0, acc[c]);
                }
                for (int c = 0; c < 8; c++) _mm512_store_ps(mp + (long)(co0 + c) * ld + t, acc[c]);
            }
        }
    }
}

// y ← alpha·Aᵀ M A + beta·y for every output channel and tile of tile rows [i0, i1) of a block.
TARGET __attribute__((always_inline)) static inline void transform_output(const int packed, const float *m, int cout, long stride,
                                                                          long imageStride, int images, const Layout *c,
                                    int i0, int i1, int ld, float alpha, float beta, float *y) {
    const long posStride = (long)cout * ld;
    const int chunks = packed ? 1 : c->chunks, rowTiles = 16 * chunks;
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512 al = _mm512_set1_ps(alpha), be = _mm512_set1_ps(beta);
    for (int co = 0; co < cout; co++) {
        float *plane = y + co * stride;
        for (int i = i0; i < i1; i++)
            for (int chunk = 0; chunk < chunks; chunk++) {
                const float *q = m + (long)co * ld + (i - i0) * rowTiles + 16 * chunk;
                __m512 s0[4], s1[4];
                for (int k = 0; k < 4; k++) {
                    __m512 m0 = _mm512_load_ps(q + (0 * 4 + k) * posStride), m1 = _mm512_load_ps(q + (1 * 4 + k) * posStride);
                    __m512 m2 = _mm512_load_ps(q + (2 * 4 + k) * posStride), m3 = _mm512_load_ps(q + (3 * 4 + k) * posStride);
                    s0[k] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
                    s1[k] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
                }
                __m512 out[2][2];  // [row 2i or 2i+1][columns 2j, 2j+1]
                out[0][0] = _mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]);
                out[0][1] = _mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]);
                out[1][0] = _mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]);
                out[1][1] = _mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]);
                for (int r = 0; r < 2; r++) {
                    __m512 a = _mm512_permutex2var_ps(out[r][0], lo, out[r][1]);
                    __m512 b = _mm512_permutex2var_ps(out[r][0], hi, out[r][1]);
                    if (beta != 0) {
                        __m512 ya, yb;
                        pair_load(packed, c, plane, imageStride, 2 * i + r, chunk, images, &ya, &yb);
                        a = _mm512_fmadd_ps(al, a, _mm512_mul_ps(be, ya));
                        b = _mm512_fmadd_ps(al, b, _mm512_mul_ps(be, yb));
                    } else if (alpha != 1) {
                        a = _mm512_mul_ps(al, a);
                        b = _mm512_mul_ps(al, b);
                    }
                    pair_store(packed, c, plane, imageStride, 2 * i + r, chunk, images, a, b);
                }
            }
    }
}

// Tile rows per block: packed, all of them (a group of images); wide, enough rows for about
// 256 tiles, so that a block's V and M stay in L2 however wide the plane.
static int block_rows(const Layout *c) {
    if (c->packed) return c->h / 2;
    const int rows = 256 / (16 * c->chunks);
    return rows < 1 ? 1 : rows;
}

TARGET __attribute__((always_inline)) static inline void forward(const int packed, const Layout *c, const float *x, int cin,
                                                                 int batch, int first, int count, const float *weights,
                                                                 int cout, float alpha, float beta, float *y) {
    const int h = c->h, w = c->w;
    // ld: the row stride of V and M, padded by a cache line so that the 16 positions' rows do
    // not all fall in the same L1 sets (they would be a multiple of 4 KB apart).
    const int rows = block_rows(c), ld = rows * 16 * c->chunks + 16;
    const long imageStride = (long)h * w, stride = (long)batch * imageStride;
    float *u = scratch(0, 16 * (size_t)cin * cout);
    float *v = scratch(1, 16 * (size_t)cin * ld);
    float *m = scratch(2, 16 * (size_t)cout * ld);
    transform_weights(weights, cin, cout, u);
    for (int n = first; n < first + count; n += c->group) {
        const int images = n + c->group <= first + count ? c->group : first + count - n;
        for (int i0 = 0; i0 < h / 2; i0 += rows) {
            const int i1 = i0 + rows < h / 2 ? i0 + rows : h / 2;
            transform_input(packed, x + n * imageStride, cin, stride, imageStride, images, c, i0, i1, ld, v);
            products(u, v, cin, cout, (i1 - i0) * 16 * c->chunks, ld, m);
            transform_output(packed, m, cout, stride, imageStride, images, c, i0, i1, ld, alpha, beta, y + n * imageStride);
        }
    }
}

// The layout is a compile-time constant in each instantiation: a run-time branch inside the
// transforms cost 5–10%.
TARGET void dyn_conv3x3_forward_winograd(const float *x, int cin, int batch, int first, int count, int h, int w,
                                         const float *weights, int cout, float alpha, float beta, float *y) {
    Layout c;
    layout(h, w, &c);
    if (c.packed) forward(1, &c, x, cin, batch, first, count, weights, cout, alpha, beta, y);
    else forward(0, &c, x, cin, batch, first, count, weights, cout, alpha, beta, y);
}

// The weight gradient by the same algorithm, transposed: with Y = Aᵀ[(G w Gᵀ) ⊙ V]A per tile,
// ∂⟨dY, Y⟩/∂w = Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ V]G — 16 products per tile and channel pair instead of 36,
// summed over tiles as 16 dot products (one per position) of long vectors.

// Gt[pos][co][tile] = (A dY Aᵀ)[pos] for the 2×2 output-gradient tiles of tile rows [i0, i1).
TARGET __attribute__((always_inline)) static inline void transform_gradient(const int packed, const float *g, int cout,
                                                                            long stride, long imageStride, int images,
                                                                            const Layout *c,
                                      int i0, int i1, int ld, float *gt) {
    const long posStride = (long)cout * ld;
    const int chunks = packed ? 1 : c->chunks, rowTiles = 16 * chunks;
    for (int co = 0; co < cout; co++) {
        const float *plane = g + co * stride;
        for (int i = i0; i < i1; i++)
            for (int chunk = 0; chunk < chunks; chunk++) {
                __m512 d[2][2], a, b;  // [row 2i or 2i+1][column 2j or 2j+1]
                for (int r = 0; r < 2; r++) {
                    pair_load(packed, c, plane, imageStride, 2 * i + r, chunk, images, &a, &b);
                    d[r][0] = _mm512_permutex2var_ps(a, c->even, b);
                    d[r][1] = _mm512_permutex2var_ps(a, c->odd, b);
                }
                __m512 t[4][2];  // A dY
                for (int k = 0; k < 2; k++) {
                    t[0][k] = d[0][k];
                    t[1][k] = _mm512_add_ps(d[0][k], d[1][k]);
                    t[2][k] = _mm512_sub_ps(d[0][k], d[1][k]);
                    t[3][k] = _mm512_sub_ps(_mm512_setzero_ps(), d[1][k]);
                }
                float *out = gt + (long)co * ld + (i - i0) * rowTiles + 16 * chunk;
                for (int r = 0; r < 4; r++) {
                    _mm512_store_ps(out + (r * 4 + 0) * posStride, t[r][0]);
                    _mm512_store_ps(out + (r * 4 + 1) * posStride, _mm512_add_ps(t[r][0], t[r][1]));
                    _mm512_store_ps(out + (r * 4 + 2) * posStride, _mm512_sub_ps(t[r][0], t[r][1]));
                    _mm512_store_ps(out + (r * 4 + 3) * posStride, _mm512_sub_ps(_mm512_setzero_ps(), t[r][1]));
                }
            }
    }
}

// S[pos][co][ci] += Σ_tile Gt[pos][co][tile] · V[pos][ci][tile]: 4 output × 4 input channels in 16
// registers, so each 16-tile step loads 8 vectors for 16 FMAs; lanes are summed once per call.
TARGET static void gradient_products(const float *gt, const float *v, int cin, int cout, int tiles, int ld, float *s) {
    for (int pos = 0; pos < 16; pos++) {
        const float *gp = gt + (long)pos * cout * ld, *vp = v + (long)pos * cin * ld;
        for (int co0 = 0; co0 < cout; co0 += 4)
            for (int ci0 = 0; ci0 < cin; ci0 += 4) {
                __m512 acc[4][4];
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++) acc[a][b] = _mm512_setzero_ps();
                for (int t = 0; t < tiles; t += 16) {
                    __m512 gv[4], xv[4];
                    for (int a = 0; a < 4; a++) gv[a] = _mm512_load_ps(gp + (long)(co0 + a) * ld + t);
                    for (int b = 0; b < 4; b++) xv[b] = _mm512_load_ps(vp + (long)(ci0 + b) * ld + t);
                    for (int a = 0; a < 4; a++)
                        for (int b = 0; b < 4; b++) acc[a][b] = _mm512_fmadd_ps(gv[a], xv[b], acc[a][b]);
                }
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++) s[((long)pos * cout + co0 + a) * cin + ci0 + b] += _mm512_reduce_add_ps(acc[a][b]);
            }
    }
}

int dyn_winograd_gradient_suits(int h, int w, int cin, int cout) {
    return dyn_winograd_suits(h, w) && cin % 4 == 0 && cout % 4 == 0;
}

TARGET __attribute__((always_inline)) static inline void weight_gradient(const int packed, const Layout *c, const float *x,
                                                                         int cin, int batch, int first, int count,
                                                                         const float *g, int cout, float scale, float *dw) {
    // Blocks are transformed into a span until it holds `budget` tiles, which are then reduced
    // position by position: one position's rows of V and Gt, 4·(Cin + Cout)·tiles bytes, at most
    // 128 KB (V and Gt 2 MB), so that a position's rows stay in L2 while they are reduced; much
    // larger spans make the transforms' stores miss L2 (`make bench` times the kernel).
    const int h = c->h, w = c->w;
    const int rows = block_rows(c), blockTiles = rows * 16 * c->chunks;
    int budget = (1 << 15) / (cin + cout);
    if (budget < blockTiles) budget = blockTiles;
    const int ld = budget / blockTiles * blockTiles + 16;
    const long imageStride = (long)h * w, stride = (long)batch * imageStride;
    float *v = scratch(1, 16 * (size_t)cin * ld);
    float *gt = scratch(2, 16 * (size_t)cout * ld);
    float *s = scratch(0, 16 * (size_t)cin * cout);
    memset(s, 0, sizeof(float) * 16 * (size_t)cin * cout);
    int tiles = 0;
    for (int n = first; n < first + count; n += c->group) {
        const int images = n + c->group <= first + count ? c->group : first + count - n;
        for (int i0 = 0; i0 < h / 2; i0 += rows) {
            const int i1 = i0 + rows < h / 2 ? i0 + rows : h / 2, size = (i1 - i0) * 16 * c->chunks;
            if (tiles + size > ld - 16) {
                gradient_products(gt, v, cin, cout, tiles, ld, s);
                tiles = 0;
            }
            transform_input(packed, x + n * imageStride, cin, stride, imageStride, images, c, i0, i1, ld, v + tiles);
            transform_gradient(packed, g + n * imageStride, cout, stride, imageStride, images, c, i0, i1, ld, gt + tiles);
            tiles += size;
        }
    }
    if (tiles > 0) gradient_products(gt, v, cin, cout, tiles, ld, s);
    // dW += scale · Gᵀ S G per channel pair.
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            float m[4][4], t[3][4];
            for (int pos = 0; pos < 16; pos++) m[pos / 4][pos % 4] = s[((long)pos * cout + co) * cin + ci];
            for (int k = 0; k < 4; k++) {
                t[0][k] = m[0][k] + 0.5f * (m[1][k] + m[2][k]);
                t[1][k] = 0.5f * (m[1][k] - m[2][k]);
                t[2][k] = 0.5f * (m[1][k] + m[2][k]) + m[3][k];
            }
            float *out = dw + ((long)co * cin + ci) * 9;
            for (int r = 0; r < 3; r++) {
                out[r * 3 + 0] += scale * (t[r][0] + 0.5f * (t[r][1] + t[r][2]));
                out[r * 3 + 1] += scale * (0.5f * (t[r][1] - t[r][2]));
                out[r * 3 + 2] += scale * (0.5f * (t[r][1] + t[r][2]) + t[r][3]);
            }
        }
}

TARGET void dyn_conv3x3_weight_gradient_winograd(const float *x, int cin, int batch, int first, int count, int h, int w,
                                                 const float *g, int cout, float scale, float *dw) {
    Layout c;
    layout(h, w, &c);
    if (c.packed) weight_gradient(1, &c, x, cin, batch, first, count, g, cout, scale, dw);
    else weight_gradient(0, &c, x, cin, batch, first, count, g, cout, scale, dw);
}
