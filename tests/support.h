/* support.h: what the integration tests share: run a program under a timeout and
 * capture its output (libuv's runner does the same: a hang is a failure, not a stall),
 * launch an exercise on a backend, and read its CSV records. */
#ifndef TX_SUPPORT_H
#define TX_SUPPORT_H

#include <stddef.h>

#define TX_TIMEOUT 60 /* seconds for one program run */

struct tx_result {
	int exit_code;  /* exit status, or -1 when killed */
	int signal;     /* the signal that killed it, or 0 */
	int timed_out;  /* 1 when the timeout struck (the whole process group is killed) */
	char *out, *err;
};

/* Runs argv (NULL-terminated) with a timeout in seconds; captures stdout and stderr. */
void tx_run(struct tx_result *r, int timeout_s, char *const argv[]);
void tx_result_free(struct tx_result *r);

/* The build directory (HX_BUILD in the environment, else "build"). */
const char *tx_build(void);

/* Runs exercise `ex` on `backend` ("openmp", "mpi", "pthreads", "procs") with
 * `workers` workers (MPI: tools/mpilaunch with `workers` ranks, 1 for 0; others: -w
 * workers; 0: neither) and the extra arguments (NULL-terminated). MPI: the launcher is
 * MPIRUN's (or the one matching MPICC), each launch with its own session directory. */
void tx_launch(struct tx_result *r, const char *backend, const char *ex, int workers,
	       const char *const args[]);

/* CSV records: a header line, then rows. */
struct tx_csv {
	int ncols, nrows;
	char **head;
	char ***rows;
};
int tx_csv_parse(const char *text, struct tx_csv *t); /* 0, or -1 when malformed */
const char *tx_csv_get(const struct tx_csv *t, int row, const char *col); /* NULL if absent */
void tx_csv_free(struct tx_csv *t);

/* Prints a run's command, status and output: for failure messages. */
void tx_dump(const char *what, const struct tx_result *r);


/* The most MPI ranks a test may start under this MPI's launcher: one a core under MPICH
 * (it polls while it waits, so oversubscribed ranks crawl), no limit under Open MPI.
 * tx_top: the most workers a test of `backend` starts, `want` or fewer ranks (it says so);
 * loops read `for (int w = 1; w <= tx_top(backend, 4); w++)`. */
int tx_mpi_max_ranks(void);
int tx_top(const char *backend, int want);

#endif

/* ---- assertions shared by the integration tests (cmocka) ------------------------ */
/* 1 for a validated result: "pass", or "suspect" (validated, a figure in doubt: on a
 * busy machine a speedup or an interval can be, and that is the record's to say). */
int tx_passed(const char *verdict);

/* Runs `ex` on `backend` at `workers` with --csv -q and `args`; asserts that it exits
 * 0 within the timeout, and that every record is of this exercise, backend and worker
 * count, with a verdict listed in `verdicts` (e.g. "pass" or "pass,unsafe"; "pass"
 * admits "suspect", see tx_passed). At least
 * `min_rows` records. The parsed records are left in *t for further checks. */
void tx_expect_records(struct tx_csv *t, const char *backend, const char *ex, int workers,
		       const char *const args[], const char *verdicts, int min_rows);

/* Runs `ex` on `backend` with bad `args`; asserts exit 2 within the timeout (MPI: all
 * ranks leave), nothing on stdout, and exactly one line of the program's on stderr
 * ("<ex>: ...") that names `option`. (mpirun adds its own note about the non-zero exit; that is mpirun's.) */
void tx_expect_usage_error(const char *backend, const char *ex, const char *const args[],
			   const char *option);
/* The same, and the line also says `reason` (so a long value never pushes it out); in
 * both, nothing may be on stdout. */
void tx_expect_usage_error_saying(const char *backend, const char *ex, const char *const args[],
				  const char *option, const char *reason);

/* A table of bad command lines, each with the option its message must name. */
struct tx_bad {
	const char *args[8]; /* NULL-terminated */
	const char *option;
};
/* tx_expect_usage_error for every line of the table. */
void tx_expect_usage_errors(const char *backend, const char *ex, const struct tx_bad *bad, size_t n);

/* The number after `key=` in a record's note (`final=500 expected=500`); a missing key
 * fails the test, naming the key and the note. */
double tx_note(const char *note, const char *key);

/* A cmocka test entry running fn on one backend: fn's *state is the backend's name
 * ("openmp", "mpi", "pthreads", "procs"), and the test is named "fn (backend)". */
#define TX_ON(fn, backend) { #fn " (" backend ")", fn, NULL, NULL, (void *)(backend) }
/* fn on every backend, and on the three that run on one machine without MPI */
#define TX_ON_ALL(fn) TX_ON(fn, "openmp"), TX_ON(fn, "mpi"), TX_ON(fn, "pthreads"), TX_ON(fn, "procs")
#define TX_ON_LOCAL(fn) TX_ON(fn, "openmp"), TX_ON(fn, "pthreads"), TX_ON(fn, "procs")

/* The backends, for loops: "openmp", "mpi", "pthreads", "procs". */
extern const char *const tx_backends[4];
