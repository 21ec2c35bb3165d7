#include "CReference.h"

// Classical RK4 on the Lorenz system (σ = 10, ρ = 28, β = 8/3), written as plainly as C allows:
// the same arithmetic as Dynamics' RungeKutta4<Lorenz<Double>>.
static inline void lorenz(const double *x, double *d) {
    d[0] = 10.0 * (x[1] - x[0]);
    d[1] = x[0] * (28.0 - x[2]) - x[1];
    d[2] = x[0] * x[1] - (8.0 / 3.0) * x[2];
}

void creference_lorenz_rk4(double *x, double h, long steps) {
    double k[3], sum[3], stage[3];
    for (long n = 0; n < steps; n++) {
        lorenz(x, k);
        for (int i = 0; i < 3; i++) { sum[i] = k[i]; stage[i] = x[i] + h / 2 * k[i]; }
        lorenz(stage, k);
        for (int i = 0; i < 3; i++) { sum[i] += 2 * k[i]; stage[i] = x[i] + h / 2 * k[i]; }
        lorenz(stage, k);
        for (int i = 0; i < 3; i++) { sum[i] += 2 * k[i]; stage[i] = x[i] + h * k[i]; }
        lorenz(stage, k);
        for (int i = 0; i < 3; i++) { sum[i] += k[i]; x[i] += h / 6 * sum[i]; }
    }
}
