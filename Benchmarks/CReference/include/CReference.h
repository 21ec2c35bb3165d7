// Plain-C reference loops the benchmark times beside the Swift code, so a figure can be read
// as "the Swift layer costs X% over C on this machine".
#ifndef DYNAMICS_CREFERENCE_H
#define DYNAMICS_CREFERENCE_H

/// Best GFLOP/s of `reps` calls of cblas_sgemm on n×n column-major matrices, called from C.
double creference_sgemm_gflops(int n, int reps);

/// Best GFLOP/s of `reps` calls of cblas_dgemm on n×n column-major matrices, called from C.
double creference_dgemm_gflops(int n, int reps);

/// Advances x (3 doubles) by `steps` RK4 steps of size h on the Lorenz system.
void creference_lorenz_rk4(double *x, double h, long steps);

#endif
