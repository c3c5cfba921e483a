/* support.c: see support.h. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the one script that starts MPI programs, relative to the checkout */
#define TX_MPILAUNCH "tools/mpilaunch"

static void die(const char *what)
{
	fprintf(stderr, "test support: %s: %s\n", what, strerror(errno));
	exit(99);
}

struct buf {
	char *p;
	size_t n, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			die("realloc");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tx_run(struct tx_result *r, int timeout_s, char *const argv[])
{
	int out[2], err[2], open_fds = 2, status;
	struct buf bo = { 0 }, be = { 0 };
	double deadline = now() + timeout_s;
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe(out) != 0 || pipe(err) != 0)
		die("pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a timeout kills mpirun and every rank */
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	while (open_fds > 0) {
		struct pollfd pf[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		int left = (int)((deadline - now()) * 1000), k;
		char chunk[4096];
		if (left <= 0) {
			r->timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		k = poll(pf, 2, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("poll");
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[i].fd, chunk, sizeof chunk);
			if (n > 0) {
				buf_add(i == 0 ? &bo : &be, chunk, (size_t)n);
			} else {
				close(pf[i].fd);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
			}
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (!r->timed_out)
		kill(-pid, SIGKILL); /* nothing of the group may outlive the test */
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	buf_add(&bo, "", 0);
	buf_add(&be, "", 0);
	r->out = bo.p;
	r->err = be.p;
}

void tx_result_free(struct tx_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}

const char *tx_build(void)
{
	const char *b = getenv("HX_BUILD");
	return b && *b ? b : "build";
}

/* Removes what an MPI launch left in its private session directory. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT)
		fprintf(stderr, "test support: remove %s: %s\n", path, strerror(errno));
	return 0;
}

void tx_launch(struct tx_result *r, const char *backend, const char *ex, int workers,
	       const char *const args[])
{
	char bin[512], nbuf[16], session[256] = "";
	const char *argv[64];
	int n = 0;

	snprintf(bin, sizeof bin, "%s/%s/%s", tx_build(), backend, ex);
	snprintf(nbuf, sizeof nbuf, "%d", workers > 0 ? workers : 1);
	if (strcmp(backend, "mpi") == 0) {
		/* tools/mpilaunch knows how to start the ranks (MPIRUN, else the launcher
		 * matching MPICC; as root and oversubscribed when needed); the tests run
		 * from the checkout */
		const char *tmp = getenv("TMPDIR");
		if (access(TX_MPILAUNCH, X_OK) != 0)
			die(TX_MPILAUNCH " (run the tests from the checkout)");
		/* a session directory of its own: Open MPI launches at the same moment (other
		 * tests, other builds) cannot collide in /tmp/ompi.<host>.<uid>; removed
		 * below even when the launch was killed */
		snprintf(session, sizeof session, "%s/tx-mpi.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(session) == NULL)
			die("mkdtemp");
		if (setenv("OMPI_MCA_orte_tmpdir_base", session, 1) != 0)
			die("setenv");
		/* a sanitizer build: Open MPI's own allocations (in plugins it has unloaded
		 * by exit) are not ours to report; the same harness code is leak-checked on
		 * the other backends */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 0);
		argv[n++] = TX_MPILAUNCH;
		argv[n++] = nbuf;
		argv[n++] = bin;
	} else {
		argv[n++] = bin;
		if (workers > 0) {
			argv[n++] = "-w";
			argv[n++] = nbuf;
		}
	}
	for (int i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tx_run(r, TX_TIMEOUT, (char *const *)argv);
	if (session[0] != '\0') {
		unsetenv("OMPI_MCA_orte_tmpdir_base");
		if (nftw(session, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
			fprintf(stderr, "test support: removing %s: %s\n", session, strerror(errno));
	}
}

/* ---- CSV (RFC 4180 quoting) ----------------------------------------------------- */
static char *field(const char **pp)
{
	const char *p = *pp;
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	if (*p == '"') {
		p++;
		for (;;) {
			if (*p == '\0')
				break;
			if (*p == '"' && p[1] == '"') {
				buf_add(&b, "\"", 1);
				p += 2;
			} else if (*p == '"') {
				p++;
				break;
			} else {
				buf_add(&b, p++, 1);
			}
		}
	} else {
		size_t n = strcspn(p, ",\n");
		buf_add(&b, p, n);
		p += n;
	}
	*pp = p;
	return b.p;
}

static char **line(const char **pp, int *n)
{
	char **f = NULL;
	*n = 0;
	for (;;) {
		char **g = realloc(f, (size_t)(*n + 1) * sizeof *f);
		if (g == NULL)
			die("realloc");
		f = g;
		f[(*n)++] = field(pp);
		if (**pp == ',') {
			(*pp)++;
			continue;
		}
		if (**pp == '\n')
			(*pp)++;
		return f;
	}
}

int tx_csv_parse(const char *text, struct tx_csv *t)
{
	const char *p = text;
	memset(t, 0, sizeof *t);
	if (text == NULL || *text == '\0')
		return -1;
	t->head = line(&p, &t->ncols);
	while (*p != '\0') {
		int n;
		char **row = line(&p, &n);
		char ***rows;
		if (n != t->ncols) {
			for (int i = 0; i < n; i++)
				free(row[i]);
			free(row);
			return -1;
		}
		rows = realloc(t->rows, (size_t)(t->nrows + 1) * sizeof *rows);
		if (rows == NULL)
			die("realloc");
		t->rows = rows;
		t->rows[t->nrows++] = row;
	}
	return 0;
}

const char *tx_csv_get(const struct tx_csv *t, int row, const char *col)
{
	if (row < 0 || row >= t->nrows)
		return NULL;
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->head[i], col) == 0)
			return t->rows[row][i];
	return NULL;
}

void tx_csv_free(struct tx_csv *t)
{
	for (int r = 0; r < t->nrows; r++) {
		for (int i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	for (int i = 0; i < t->ncols; i++)
		free(t->head[i]);
	free(t->rows);
	free(t->head);
	memset(t, 0, sizeof *t);
}

void tx_dump(const char *what, const struct tx_result *r)
{
	fprintf(stderr, "--- %s: exit %d, signal %d%s\n--- stdout:\n%s--- stderr:\n%s---\n", what,
		r->exit_code, r->signal, r->timed_out ? ", TIMED OUT" : "", r->out ? r->out : "",
		r->err ? r->err : "");
}

/* ---- assertions -------------------------------------------------------------------- */
const char *const tx_backends[4] = { "openmp", "mpi", "pthreads", "procs" };

static int listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int tx_passed(const char *verdict)
{
	return strcmp(verdict, "pass") == 0 || strcmp(verdict, "suspect") == 0;
}

void tx_expect_records(struct tx_csv *t, const char *backend, const char *ex, int workers,
		       const char *const args[], const char *verdicts, int min_rows)
{
	struct tx_result r;
	const char *all[48];
	char wbuf[16], what[256];
	int n = 0, ok;

	all[n++] = "--csv";
	all[n++] = "-q";
	all[n++] = "--all-records"; /* the n/a cases too, with their reasons */
	if (strcmp(backend, "mpi") == 0) { /* -np W, and the case at W ranks only */
		snprintf(wbuf, sizeof wbuf, "%d", workers);
		all[n++] = "-w";
		all[n++] = wbuf;
	}
	for (int i = 0; args != NULL && args[i] != NULL && n < 47; i++)
		all[n++] = args[i];
	all[n] = NULL;
	tx_launch(&r, backend, ex, strcmp(backend, "mpi") == 0 ? workers : workers, all);
	snprintf(what, sizeof what, "%s on %s at %d workers", ex, backend, workers);
	ok = !r.timed_out && r.exit_code == 0 && tx_csv_parse(r.out, t) == 0 && t->nrows >= min_rows;
	if (!ok) {
		tx_dump(what, &r);
		fprintf(stderr, "%s: expected exit 0 and at least %d CSV records (got %d)\n", what,
			min_rows, t->nrows);
	}
	tx_result_free(&r);
	assert_true(ok);
	for (int row = 0; row < t->nrows; row++) {
		const char *e = tx_csv_get(t, row, "exercise"), *b = tx_csv_get(t, row, "backend"),
			   *w = tx_csv_get(t, row, "workers"), *v = tx_csv_get(t, row, "verdict");
		assert_non_null(e);
		assert_non_null(b);
		assert_non_null(w);
		assert_non_null(v);
		assert_string_equal(e, ex);
		assert_string_equal(b, backend);
		assert_int_equal(atoi(w), workers);
		if (!listed(verdicts, v) && !(listed(verdicts, "pass") && tx_passed(v))) {
			fprintf(stderr, "%s: record %d (variant %s) has verdict '%s', expected one of %s; note: %s\n",
				what, row, tx_csv_get(t, row, "variant"), v, verdicts, tx_csv_get(t, row, "note"));
			fail();
		}
	}
}

void tx_expect_usage_error_saying(const char *backend, const char *ex, const char *const args[],
				  const char *option, const char *reason)
{
	struct tx_result r;
	char prefix[64], what[512];
	int ours = 0, named = 0, reasoned = reason == NULL;
	size_t u = 0;

	tx_launch(&r, backend, ex, strcmp(backend, "mpi") == 0 ? 2 : 0, args);
	u += (size_t)snprintf(what + u, sizeof what - u, "%s on %s with", ex, backend);
	for (int i = 0; args[i] != NULL && u < sizeof what - 64; i++)
		u += (size_t)snprintf(what + u, sizeof what - u, " '%.40s'", args[i]);
	snprintf(prefix, sizeof prefix, "%s: ", ex);
	for (char *line = r.err; line != NULL && *line != '\0';) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			ours++;
			named |= memmem(line, len, option, strlen(option)) != NULL;
			reasoned |= reason != NULL && memmem(line, len, reason, strlen(reason)) != NULL;
		}
		line = end ? end + 1 : NULL;
	}
	if (r.timed_out || r.exit_code != 2 || ours != 1 || !named || !reasoned || r.out[0] != '\0') {
		tx_dump(what, &r);
		fprintf(stderr, "%s: expected exit 2, nothing on stdout, and one line '%s...' naming %s%s%s\n",
			what, prefix, option, reason ? " and saying " : "", reason ? reason : "");
	}
	assert_false(r.timed_out);
	assert_int_equal(r.exit_code, 2);
	assert_int_equal(ours, 1);
	assert_true(named);
	assert_true(reasoned);
	assert_string_equal(r.out, ""); /* nothing was run or printed */
	tx_result_free(&r);
}

void tx_expect_usage_error(const char *backend, const char *ex, const char *const args[],
			   const char *option)
{
	tx_expect_usage_error_saying(backend, ex, args, option, NULL);
}

double tx_note(const char *note, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = note; p != NULL && (p = strstr(p, key)) != NULL; p += n)
		if ((p == note || p[-1] == ' ') && p[n] == '=')
			return strtod(p + n + 1, NULL);
	fprintf(stderr, "no '%s=' in the note '%s'\n", key, note ? note : "(null)");
	fail();
	return 0;
}

void tx_expect_usage_errors(const char *backend, const char *ex, const struct tx_bad *bad, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tx_expect_usage_error(backend, ex, bad[i].args, bad[i].option);
}

/* ---- how many MPI ranks the tests start ------------------------------------------- */
/* Open MPI yields the core while a rank waits, so ranks past the cores only share them.
 * MPICH's ch4 device polls without yielding: past one rank per core every hand-off waits
 * for a scheduler time slice (milliseconds), and a test of a few thousand hand-offs takes
 * minutes. Under MPICH's launcher (hydra) the tests start at most one rank per core. */
int tx_mpi_max_ranks(void)
{
	static int max;
	if (max == 0) {
		char flavour[32] = "";
		FILE *p = popen(TX_MPILAUNCH " --flavour 2>/dev/null", "r");
		if (p != NULL) {
			if (fgets(flavour, sizeof flavour, p) == NULL)
				flavour[0] = '\0';
			pclose(p);
		}
		max = 1 << 20;
		if (strncmp(flavour, "hydra", 5) == 0) {
			long cores = sysconf(_SC_NPROCESSORS_ONLN);
			max = cores < 2 ? 2 : (int)cores;
		}
	}
	return max;
}

int tx_top(const char *backend, int want)
{
	if (strcmp(backend, "mpi") != 0 || want <= tx_mpi_max_ranks())
		return want;
	printf("    mpi: at most %d ranks, not %d (this MPI polls while it waits: one rank a "
	       "core)\n", tx_mpi_max_ranks(), want);
	return tx_mpi_max_ranks();
}
