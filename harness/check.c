/* check.c: what happens when a checked call fails: file:line, the call, the reason,
 * then the whole program ends (MPI_Abort on MPI, so no rank is left waiting). */
#include "hx.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int hx_in_child;

_Noreturn void hx_die(const char *file, int line, const char *what, const char *reason)
{
	/* one report: a thread failing while another already ends the program waits */
	if (!hx_in_child)
		hx_fault_claim();
	fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, reason);
	fflush(stderr);
	if (hx_in_child)
		_exit(HX_EXIT_SYSTEM);
	hx_backend_abort(HX_EXIT_SYSTEM);
}

_Noreturn void hx_die_errno(const char *file, int line, const char *what, int err)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", strerror(err));
	hx_die(file, line, what, buf);
}

void *hx_alloc_at(const char *file, int line, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		hx_die(file, line, "malloc", "out of memory");
	return p;
}

void *hx_calloc_at(const char *file, int line, size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (p == NULL)
		hx_die(file, line, "calloc", "out of memory");
	return p;
}

int hx_fork(void)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1)
		hx_die_errno(__FILE__, __LINE__, "fork", errno);
	if (pid == 0) {
		hx_in_child = 1;
		/* die with the parent; and if it is already gone, do not run on */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
			hx_die_errno(__FILE__, __LINE__, "prctl(PR_SET_PDEATHSIG)", errno);
		if (getppid() != parent)
			_exit(HX_EXIT_SYSTEM);
	} else {
		hx_child_name((int)pid, -1); /* known, not yet named: see hx_child_name */
	}
	return (int)pid;
}
