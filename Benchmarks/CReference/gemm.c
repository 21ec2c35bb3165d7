#include "CReference.h"
#include <cblas.h>
#include <stdlib.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define GEMM_REFERENCE(NAME, T, GEMM)                                                  \
    double NAME(int n, int reps) {                                                     \
        size_t count = (size_t)n * (size_t)n;                                          \
        T *a = malloc(count * sizeof(T)), *b = malloc(count * sizeof(T)),              \
          *c = malloc(count * sizeof(T));                                              \
        for (size_t i = 0; i < count; i++) {                                           \
            a[i] = (T)((i * 7919) % 1000) / 1000 - (T)0.5;                             \
            b[i] = (T)((i * 104729) % 1000) / 1000 - (T)0.5;                           \
            c[i] = 0;                                                                  \
        }                                                                              \
        GEMM(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); \
        double best = 1e300;                                                           \
        for (int r = 0; r < reps; r++) {                                               \
            double t0 = now_seconds();                                                 \
            GEMM(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); \
            double t = now_seconds() - t0;                                             \
            if (t < best) best = t;                                                    \
        }                                                                              \
        free(a); free(b); free(c);                                                     \
        return 2.0 * n * (double)n * n / best / 1e9;                                   \
    }

GEMM_REFERENCE(creference_sgemm_gflops, float, cblas_sgemm)
GEMM_REFERENCE(creference_dgemm_gflops, double, cblas_dgemm)
