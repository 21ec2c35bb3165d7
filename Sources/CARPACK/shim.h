// ARPACK-NG's C interface (ISO_C_BINDING), as shipped by Debian's libarpack2-dev 3.8:
// dnaupd_c / dneupd_c, the implicitly restarted Arnoldi method in reverse communication.
#ifndef DYNAMICS_CARPACK_SHIM_H
#define DYNAMICS_CARPACK_SHIM_H

#include <arpack/arpack.h>

#endif
