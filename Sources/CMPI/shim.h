// MPI's C interface (MPI-3: Open MPI, MPICH and derivatives). Some MPI handles and constants
// are macros Swift cannot import (Open MPI's are casts of addresses of globals), so they are
// returned by these functions; everything else is imported as declared in <mpi.h>.
#include <mpi.h>

static inline MPI_Comm dynamics_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype dynamics_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype dynamics_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype dynamics_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op dynamics_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op dynamics_mpi_max(void) { return MPI_MAX; }
static inline void *dynamics_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int dynamics_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int dynamics_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }

// Requests and communicators are pointers in Open MPI and integers in MPICH; Swift code that
// stores them would compile against one only. These wrappers keep them in C.
typedef struct { MPI_Request request; } dynamics_mpi_request;

static inline dynamics_mpi_request dynamics_mpi_request_make(void) {
    dynamics_mpi_request r = { MPI_REQUEST_NULL };
    return r;
}

static inline int dynamics_mpi_iallreduce_sum(void *buffer, int count, MPI_Datatype type, dynamics_mpi_request *r) {
    return MPI_Iallreduce(MPI_IN_PLACE, buffer, count, type, MPI_SUM, MPI_COMM_WORLD, &r->request);
}

static inline int dynamics_mpi_wait(dynamics_mpi_request *r) { return MPI_Wait(&r->request, MPI_STATUS_IGNORE); }

static inline int dynamics_mpi_test(dynamics_mpi_request *r) {
    int done = 0;
    MPI_Test(&r->request, &done, MPI_STATUS_IGNORE);
    return done;
}

/// The number of ranks on this machine (those sharing memory with this one).
static inline int dynamics_mpi_local_size(void) {
    MPI_Comm local;
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local) != MPI_SUCCESS) return 1;
    MPI_Comm_size(local, &size);
    MPI_Comm_free(&local);
    return size;
}
