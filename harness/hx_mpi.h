/* hx_mpi.h: what MPI exercises see of the harness's MPI adapter. */
#ifndef HX_MPI_H
#define HX_MPI_H

#include "hx.h"

#include <mpi.h>

/* The thread level MPI_Init_thread asks for, the one place that names it. The MPI
 * programs are pure MPI: the main thread makes every MPI call and no other thread runs
 * MPI code, so they ask for MPI_THREAD_SINGLE. Above it Open MPI takes its locks inside
 * every call (opal_using_threads; docs/records.md, "Measuring well", has what that
 * costs). The harness's watchdog thread (harness/watchdog.c) makes no MPI call:
 * it only sleeps, and on a hang leaves with _exit; a fatal error on it ends the rank
 * without MPI (hx_backend_abort). A hybrid backend, MPI ranks of OpenMP threads with MPI
 * called outside the parallel regions, builds harness/backend_mpi.c with
 * -DHX_MPI_THREAD_LEVEL=MPI_THREAD_FUNNELED. hx_backend_init leaves with an error when
 * the library provides less than this level; the records' `mpi` field names the level
 * provided. */
#ifndef HX_MPI_THREAD_LEVEL
#define HX_MPI_THREAD_LEVEL MPI_THREAD_SINGLE
#endif

/* The communicator of the current case: its first `workers` ranks of MPI_COMM_WORLD.
 * Valid between hx_backend_enter and hx_backend_leave, on the ranks that take part. */
MPI_Comm hx_mpi_comm(void);

/* MPI_Barrier on `comm` for a rank that has nothing to do meanwhile: it waits with a
 * sleep between tests instead of MPI's busy poll, so it leaves the cores to the ranks
 * that work (200 us late at most). */
void hx_mpi_sleeping_barrier(MPI_Comm comm);

/* MPI calls return an error code (MPI_ERRORS_RETURN is set on every communicator the
 * harness makes); a failure prints file:line, the call and MPI's reason, then
 * MPI_Abort ends every rank. */
_Noreturn void hx_die_mpi(const char *file, int line, const char *what, int code);
#define HX_CHECK_MPI(call)                                                     \
	do {                                                                   \
		int hx_rc_ = (call);                                           \
		if (hx_rc_ != MPI_SUCCESS)                                     \
			hx_die_mpi(__FILE__, __LINE__, #call, hx_rc_);         \
	} while (0)

#endif
