/* workload_memprobe.c: the memory of an MPI rank (mpi library code; see workload_memprobe.h). Each rank
 * reads its own /proc/self/smaps_rollup (Pss; Private_Clean + Private_Dirty: USS) and
 * status (VmPTE) while every rank of the case is alive, and an MPI_Reduce brings the
 * sums to rank 0. A rank is a whole program with the MPI library, its shared-memory
 * segments and its progress threads in it; the PSS splits what the ranks share (the
 * library's code, the shared-memory transport's segments) between them. */
#include "workload_memprobe.h"

#include "hx_mpi.h"

void mp_memprobe(struct wl_mem *out)
{
	MPI_Comm comm = hx_mpi_comm();
	struct wl_procmem m;
	double v[4] = { 0, 0, 0, 0 }, sum[4] = { 0, 0, 0, 0 }; /* v[3]: ranks that could not read */
	int rank, size;

	HX_CHECK_MPI(MPI_Comm_rank(comm, &rank));
	HX_CHECK_MPI(MPI_Comm_size(comm, &size));
	if (wl_proc_mem(0, &m) == 0) {
		v[0] = m.pss;
		v[1] = m.uss;
		v[2] = m.pte;
	} else {
		v[3] = 1;
	}
	HX_CHECK_MPI(MPI_Reduce(v, sum, 4, MPI_DOUBLE, MPI_SUM, 0, comm));
	wl_mem_unmeasured(out);
	out->kind = WL_MEM_RANKS;
	out->workers = size;
	if (rank == 0 && sum[3] == 0) {
		out->pss = sum[0] / size;
		out->uss = sum[1] / size;
		out->pte = sum[2] / size;
	}
}
