// Direct 3×3 convolution kernels (stride 1, zero padding 1) on channel-major float tensors,
// element (c, n, i, j) at ((c·N + n)·H + i)·W + j, with weights w[co][ci][dy][dx] stored as
// w[co·9·Cin + ci·9 + dy·3 + dx] — the layout of Networks' Convolution3x3.
//
// They exist because the convolutions of these networks have 8–64 output channels: as im2col +
// GEMM the GEMM is thin and OpenBLAS spends a third of its time packing. Compiled for AVX-512
// with a per-function target attribute (SwiftPM allows no unsafeFlags) and used only when the
// CPU has it; otherwise callers keep im2col + GEMM.
#ifndef DYNAMICS_CKERNELS_H
#define DYNAMICS_CKERNELS_H

/// 1 when the CPU supports the kernels (AVX-512F), else 0.
int dyn_direct_conv_available(void);

/// y[co, n, i, j] ← alpha · Σ_{ci,dy,dx} w[co][ci][dy][dx] · x[ci, n, i+dy−1, j+dx−1] + beta · y[co, n, i, j]
/// for images n ∈ [first, first + count) of a batch of `batch` (y is not read when beta = 0).
/// Requires cout % 8 == 0.
void dyn_conv3x3_forward(const float *x, int cin, int batch, int first, int count, int h, int w,
                         const float *weights, int cout, float alpha, float beta, float *y);

/// The same as dyn_conv3x3_forward by Winograd's F(2×2, 3×3) (winograd.c): 16 multiplies per
/// 2×2 output tile instead of 36. Requires dyn_winograd_suits(h, w) and cout % 8 == 0.
void dyn_conv3x3_forward_winograd(const float *x, int cin, int batch, int first, int count, int h, int w,
                                  const float *weights, int cout, float alpha, float beta, float *y);

/// 1 when dyn_conv3x3_forward_winograd takes h×w planes: h even, w ∈ {8, 16, 32} or w even and
/// ≥ 24. Which kernel runs is the caller's choice (Networks' ComputeContext); nothing here is
/// switched process-wide.
int dyn_winograd_suits(int h, int w);

/// dw[co][ci][dy][dx] += scale · Σ_{n,i,j} g[co, n, i, j] · x[ci, n, i+dy−1, j+dx−1] over images
/// [first, first + count). Requires cout % 2 == 0.
void dyn_conv3x3_weight_gradient(const float *x, int cin, int batch, int first, int count, int h, int w,
                                 const float *g, int cout, float scale, float *dw);

/// The same as dyn_conv3x3_weight_gradient by Winograd's F(2×2, 3×3), transposed (winograd.c).
/// Requires dyn_winograd_gradient_suits(h, w, cin, cout).
void dyn_conv3x3_weight_gradient_winograd(const float *x, int cin, int batch, int first, int count, int h, int w,
                                          const float *g, int cout, float scale, float *dw);

/// 1 when dyn_conv3x3_weight_gradient_winograd takes these shapes: dyn_winograd_suits(h, w) and
/// cin, cout multiples of 4.
int dyn_winograd_gradient_suits(int h, int w, int cin, int cout);

/// Runs twelve independent FP32 FMA chains of `iterations` steps on the calling thread in the
/// widest vectors the CPU has (peak.c); returns the seconds taken and sets *flops to the
/// floating-point operations done. dyn_fma_lanes: that vector width in floats (16 with
/// AVX-512, 8 with AVX2 + FMA, 1 otherwise).
double dyn_fma_chains(long iterations, double *flops);
int dyn_fma_lanes(void);

#endif
