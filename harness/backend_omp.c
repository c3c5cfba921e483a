/* backend_omp.c: what every adapter of an OpenMP program shares (included by
 * harness/backend_local.c for the openmp backend and hybrid/hx_backend.c, not compiled
 * alone): a team shorter than asked ends the run (exit 3), with the likely cause. */
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void hx_omp_team_check_at(const char *file, int line, int want)
{
	int got = omp_get_num_threads();
	char msg[512];
	int n;

	if (got >= want)
		return;
	/* every thread of the short team is here: one reports, the others wait for the
	 * end (none may go on into work laid out for `want` threads) */
	hx_fault_claim();
	n = snprintf(msg, sizeof msg, "%s:%d: %s: OpenMP gave %d thread%s where %d were asked (%s)\n",
		     file, line, hx_current_exercise(), got, got == 1 ? "" : "s", want,
		     omp_get_dynamic() ? "OMP_DYNAMIC is true: the runtime shrinks a team to the "
					 "idle cores; unset it"
				       : "OMP_THREAD_LIMIT? OMP_MAX_ACTIVE_LEVELS? ulimit -u?");
	if (n > 0 && write(STDERR_FILENO, msg, strlen(msg)) < 0) {
		/* the exit status still tells */
	}
	hx_exit_now(HX_EXIT_SYSTEM);
}
