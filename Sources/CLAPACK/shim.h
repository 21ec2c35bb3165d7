// CBLAS and LAPACKE as shipped by Debian's libopenblas-dev and liblapacke-dev.
// Debian's OpenBLAS is built without LAPACKE, so the module map links both libraries.
#ifndef DYNAMICS_CLAPACK_SHIM_H
#define DYNAMICS_CLAPACK_SHIM_H

#include <cblas.h>
#include <lapacke.h>

// OpenBLAS extensions, declared here too so the module does not depend on which cblas.h
// the include path finds first (they are identical to OpenBLAS's own declarations).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
int openblas_get_num_procs(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

// The x86-64 features OpenBLAS's kernels need (`BLASKernelSelection`), as bits: 1 AVX, 2 AVX2 and
// FMA, 4 AVX-512 F, CD, BW, DQ and VL (what its SkylakeX kernels use), 8 AVX-512 BF16
// (Cooperlake). The compiler's CPU model checks the operating system's support for the
// registers too. 0 on other architectures.
static inline int dynamics_cpu_features(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int f = 0;
    if (__builtin_cpu_supports("avx")) f |= 1;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= 2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) f |= 4;
    if (__builtin_cpu_supports("avx512bf16")) f |= 8;
    return f;
#else
    return 0;
#endif
}

#endif
