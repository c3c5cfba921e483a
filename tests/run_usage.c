/* run_usage.c: the harness's command line and output on every backend. Bad input of any
 * kind exits 2 with one line naming the option and nothing on stdout, before anything is
 * run or printed; a record that cannot be written (a full disk) exits 3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define LONG_VALUE                                                                             \
	"123456789012345678901234567890123456789012345678901234567890123456789012345678901234" \
	"567890123456789012345678901234567890123456789012345678901234567890123456789012x"
#define LONG_NAME                                                                              \
	"--abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"   \
	"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"

/* A bad command line, the option its one line must name, and a word of the reason (so a
 * long value can never push the reason out of the line). */
struct bad {
	const char *args[8];
	const char *option, *reason;
};

static const struct bad common_bad[] = {
	{ { "--csv", "--json" }, "--json", "--csv" },
	{ { "--json", "--csv" }, "--csv", "--json" },
	{ { "--variant", "lock,lock" }, "--variant", "twice" },
	{ { "--variant", "all,lock" }, "--variant", "all" },
	{ { "-w", "1,1" }, "--workers", "twice" },
	{ { "--save", "a.csv", "--save", "b.csv" }, "--save", "twice" },
	{ { "--save", "/tmp" }, "--save", "directory" },
	{ { "--save", "/nonexistent-dir-of-tvp/x.csv" }, "--save", "No such file" },
	{ { "--save", "/sys/devices/system/cpu/online" }, "--save", "denied" },
	{ { "-n", LONG_VALUE }, "--size", "too large" },
	{ { "-r", LONG_VALUE }, "--reps", "too large" },
	{ { "--variant", LONG_VALUE }, "--variant", "bad list" },
	{ { LONG_NAME }, "--abcdefghij", "unknown option" },
	{ { "--", "-n", "5" }, "-n", "after --" },
	{ { "--watchdog", "-1" }, "--watchdog", "too small" },
	{ { "--bind", "core" }, "--bind", "unknown value" },
	{ { "--bind=sockets" }, "--bind", "cores, none" },
	{ { "--bind", "" }, "--bind", "unknown value" },
};

static const struct bad ipc_bad[] = {
	{ { "-m", "7:9" }, "--message-size", "power of two" },
	{ { "-m", "8:12" }, "--message-size", "power of two" },
	{ { "-m", "8:8:8" }, "--message-size", "MIN:MAX" },
	{ { "-m", "8:" LONG_VALUE }, "--message-size", "too large" },
};

static void expect_bad(const char *backend, const char *ex, const struct bad *b)
{
	tx_expect_usage_error_saying(backend, ex, b->args, b->option, b->reason);
}

static void refuses_bad_input(void **state)
{
	const char *backend = *state;
	for (size_t i = 0; i < sizeof common_bad / sizeof common_bad[0]; i++)
		expect_bad(backend, "race", &common_bad[i]);
	for (size_t i = 0; i < sizeof ipc_bad / sizeof ipc_bad[0]; i++)
		expect_bad(backend, "ipc", &ipc_bad[i]);
	assert_int_equal(access("a.csv", F_OK), -1); /* a refused --save creates nothing */
}

/* Runs `bin args` with stdout on /dev/full, stderr into a buffer; returns the exit code
 * (-1 when killed: a timeout or a crash). */
static int run_to_full(char *const argv[], char *err, size_t errlen)
{
	char path[] = "/tmp/tvp-run-usage-XXXXXX";
	int fd = mkstemp(path), status;
	ssize_t n;
	pid_t pid;

	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int full = open("/dev/full", O_WRONLY);
		if (full < 0 || dup2(full, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		alarm(TX_TIMEOUT);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	n = pread(fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `build/<backend>/race --csv -n 8 > /dev/full` (and the table, and --help): exit 3 with a
 * line saying why, never 0 with the records lost. MPI runs as a singleton here (under
 * mpirun the launcher forwards the output and owns stdout). */
static void full_disk_exits_3(void **state)
{
	const char *backend = *state;
	static const char *const modes[][6] = {
		{ "--csv", "-n", "8", "-w", "1", NULL },
		{ "-n", "8", "-w", "1", "-r", NULL },
		{ "--json", "-q", "-n", "8", "-w", NULL },
		{ "--help", NULL },
	};
	char bin[512], err[4096];

	snprintf(bin, sizeof bin, "%s/%s/race", tx_build(), backend);
	if (strcmp(backend, "mpi") == 0) {
		setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
		setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
		setenv("OMPI_MCA_pml", "ob1", 0);
	}
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		char *argv[10];
		int n = 0, rc;
		argv[n++] = bin;
		for (int i = 0; modes[m][i] != NULL; i++)
			argv[n++] = (char *)modes[m][i];
		if (strcmp(modes[m][0], "-n") == 0) /* table mode: -r 1 */
			argv[n++] = "1";
		else if (strcmp(modes[m][0], "--json") == 0)
			argv[n++] = "1";
		argv[n] = NULL;
		rc = run_to_full(argv, err, sizeof err);
		if (rc != 3 || strstr(err, "race: cannot write") == NULL)
			fprintf(stderr, "%s %s > /dev/full: exit %d, stderr:\n%s\n", bin, modes[m][0], rc,
				err);
		assert_int_equal(rc, 3);
		assert_non_null(strstr(err, "race: cannot write"));
	}
}

/* A bad TVP_BIND in the environment (the default of --bind) is a usage error too,
 * naming --bind and the variable; --bind given wins over it. */
static void bad_bind_environment(void **state)
{
	const char *backend = *state;
	static const char *const none[] = { NULL };
	static const char *const given[] = { "--bind", "none", "-n", "8", "-r", "1", "-x", "0",
					     "--variant", "lock", "--csv", "-q", NULL };
	struct tx_result r;
	setenv("TVP_BIND", "everything", 1);
	tx_expect_usage_error_saying(backend, "race", none, "--bind", "TVP_BIND");
	tx_launch(&r, backend, "race", 1, given);
	unsetenv("TVP_BIND");
	if (r.exit_code != 0)
		tx_dump("--bind none over a bad TVP_BIND", &r);
	assert_int_equal(r.exit_code, 0);
	tx_result_free(&r);
}

/* The records of `race --variant lock` at W workers with `bind` ("cores", "none") */
static void bind_records(struct tx_csv *t, const char *backend, int workers, const char *bind)
{
	char w[16];
	const char *const args[] = { "--bind", bind, "-n", "100", "-r", "1", "-x", "0",
				     "--variant", "lock", "-w", w, NULL };
	snprintf(w, sizeof w, "%d", workers);
	/* MPI: W ranks, and the case at W (the others take -w from tx_launch) */
	if (strcmp(backend, "mpi") != 0)
		((const char **)args)[10] = NULL;
	tx_expect_records(t, backend, "race", workers, args, "pass", 1);
}

/* --bind cores at W = 2: each worker's CPU is recorded ("cores: thread:CPU 0:a 1:b",
 * two different CPUs of the process's when it may use two or more); --bind none leaves
 * them unbound and says so. */
static void bind_cores_records_each_cpu(void **state)
{
	const char *backend = *state;
	struct tx_csv t;
	char want[64];
	int a = -1, b = -1;
	const char *bind, *aff;

	bind_records(&t, backend, 2, "cores");
	bind = tx_csv_get(&t, 0, "binding");
	aff = tx_csv_get(&t, 0, "affinity");
	assert_non_null(bind);
	assert_non_null(aff);
	snprintf(want, sizeof want, "cores: %s:CPU 0:", strcmp(backend, "procs") ? "thread" : "process");
	if (strncmp(bind, want, strlen(want)) != 0)
		fprintf(stderr, "binding '%s', wanted it to start '%s'\n", bind, want);
	assert_int_equal(strncmp(bind, want, strlen(want)), 0);
	assert_int_equal(sscanf(bind + strlen(want), "%d 1:%d", &a, &b), 2);
	assert_true(a >= 0 && b >= 0);
	if (strchr(aff, '-') != NULL || strchr(aff, ',') != NULL) /* two CPUs or more */
		assert_int_not_equal(a, b);
	tx_csv_free(&t);

	bind_records(&t, backend, 2, "none");
	bind = tx_csv_get(&t, 0, "binding");
	assert_non_null(bind);
	if (strncmp(bind, "none: every ", 12) != 0 || strstr(bind, "CPU 0:") != NULL ||
	    strstr(bind, "bound") != NULL)
		fprintf(stderr, "binding '%s' under --bind none\n", bind);
	assert_int_equal(strncmp(bind, "none: every ", 12), 0);
	assert_null(strstr(bind, "CPU 0:"));
	assert_null(strstr(bind, "bound"));
	tx_csv_free(&t);
}

/* OpenMP binds through its places: --bind cores sets OMP_PROC_BIND=close and
 * OMP_PLACES=cores before the runtime starts (the records' env says so). */
static void bind_cores_openmp_places(void **state)
{
	struct tx_csv t;
	const char *bind, *env;
	(void)state;
	unsetenv("OMP_PROC_BIND");
	unsetenv("OMP_PLACES");
	bind_records(&t, "openmp", 2, "cores");
	bind = tx_csv_get(&t, 0, "binding");
	env = tx_csv_get(&t, 0, "env");
	assert_non_null(bind);
	assert_non_null(env);
	assert_int_equal(strncmp(bind, "cores: ", 7), 0);
	assert_non_null(strstr(bind, "OMP_PROC_BIND close"));
	assert_non_null(strstr(env, "OMP_PROC_BIND=close"));
	assert_non_null(strstr(env, "OMP_PLACES=cores"));
	tx_csv_free(&t);
}

/* The hosts of a case: MPI gathers its ranks' processor names (2 ranks on one host:
 * hosts=1, crossed_nodes=0, the one name); the others name this host. */
static void hosts_fields(void **state)
{
	const char *backend = *state;
	struct tx_csv t;
	char host[256] = "";
	const char *names, *binding;
	int w = strcmp(backend, "mpi") == 0 ? tx_top(backend, 2) : 2;

	gethostname(host, sizeof host - 1);
	bind_records(&t, backend, w, "cores");
	for (int i = 0; i < t.nrows; i++) {
		assert_string_equal(tx_csv_get(&t, i, "hosts"), "1");
		assert_string_equal(tx_csv_get(&t, i, "crossed_nodes"), "0");
		names = tx_csv_get(&t, i, "host_names");
		assert_non_null(names);
		assert_string_equal(names, tx_csv_get(&t, i, "host"));
		if (host[0] != '\0' && strcmp(backend, "mpi") != 0)
			assert_string_equal(names, host);
		binding = tx_csv_get(&t, i, "binding");
		assert_non_null(binding);
		if (strcmp(backend, "mpi") == 0) /* each rank's CPUs, as the launcher gave them */
			assert_non_null(strstr(binding, "rank:CPUs 0:"));
	}
	tx_csv_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(refuses_bad_input),
		TX_ON_ALL(bad_bind_environment),
		TX_ON(bind_cores_records_each_cpu, "pthreads"),
		TX_ON(bind_cores_records_each_cpu, "procs"),
		TX_ON(bind_cores_openmp_places, "openmp"),
		TX_ON_ALL(hosts_fields),
		TX_ON_ALL(full_disk_exits_3),
	};
	return cmocka_run_group_tests_name("usage and output (integration)", tests, NULL, NULL);
}
