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

#endif
