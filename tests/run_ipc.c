/* run_ipc.c: integration tests of `ipc`: every backend, every channel, at exactly 2
 * workers (MPI: -np 2, and -np 3 using the first 2), message sizes 8 B to 4 KiB and
 * 1 MiB to 4 MiB; every payload checksum verified; the channels a backend lacks are
 * "not applicable" with the reason (pointer: why, in one line); condvar, pipe,
 * socketpair and mqueue on both pthreads and procs, pointer on the threads; the
 * latency/bandwidth table printed per channel; other worker counts refused with exit 2
 * (MPI -np 1 too); bad input refused. */
#include "support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const channels[] = { "condvar", "spin", "pointer", "pipe", "socketpair",
					"mqueue", "shm", "sendrecv", "nonblocking", "rma", "shmwin" };
#define NCH 11

/* the channels each backend has */
static int has(const char *backend, const char *ch)
{
	static const char *const list[4][7] = {
		{ "spin", "pointer" },                                            /* openmp */
		{ "sendrecv", "nonblocking", "rma", "shmwin" },                   /* mpi */
		{ "condvar", "spin", "pointer", "pipe", "socketpair", "mqueue" }, /* pthreads */
		{ "condvar", "pipe", "socketpair", "mqueue", "shm" },             /* procs */
	};
	for (int b = 0; b < 4; b++)
		if (strcmp(tx_backends[b], backend) == 0)
			for (int i = 0; i < 7 && list[b][i] != NULL; i++)
				if (strcmp(list[b][i], ch) == 0)
					return 1;
	return 0;
}


/* sizes MIN..MAX: nsizes of them */
static void sweep(const char *backend, int np, const char *range, const char *n, int nsizes)
{
	const char *args[] = { "-m", range, "-n", n, "-r", "1", "-x", "0", NULL };
	struct tx_csv t;
	int passed[NCH] = { 0 };

	(void)np;
	tx_expect_records(&t, backend, "ipc", 2, args, "pass,n/a", NCH * nsizes * 3);
	assert_int_equal(t.nrows, NCH * nsizes * 3); /* latency, stream, cached */
	for (int row = 0; row < t.nrows; row++) {
		const char *v = tx_csv_get(&t, row, "variant"), *note = tx_csv_get(&t, row, "note");
		const char *verdict = tx_csv_get(&t, row, "verdict");
		int c;
		for (c = 0; c < NCH && strcmp(channels[c], v) != 0; c++)
			;
		assert_true(c < NCH);
		if (!has(backend, v)) {
			assert_string_equal(verdict, "n/a");
			assert_non_null(strstr(note, "not applicable"));
			continue;
		}
		assert_true(tx_passed(verdict));
		assert_non_null(strstr(note, "checksums=ok"));
		assert_true(tx_note(note, "one_way_us") > 0);
		assert_true(tx_note(note, "gb_per_s") > 0);
		assert_true(tx_note(note, "cached_gb_per_s") > 0);
		assert_non_null(strstr(note, "llc="));
		assert_true(atof(tx_csv_get(&t, row, "median_s")) > 0);
		if (strcmp(tx_csv_get(&t, row, "phase"), "latency") == 0) {
			passed[c]++;
			printf("    %-8s %-11s %8s B  one-way %10.3f us  %8.3f GB/s  checksums ok\n",
			       backend, v, tx_csv_get(&t, row, "size"), tx_note(note, "one_way_us"),
			       tx_note(note, "gb_per_s"));
		}
	}
	for (int c = 0; c < NCH; c++)
		assert_int_equal(passed[c], has(backend, channels[c]) ? nsizes : 0);
	tx_csv_free(&t);
}

static void validates_on(const char *backend)
{
	sweep(backend, 2, "8:4K", "50", 10);
	sweep(backend, 2, "1M:4M", "4", 3);
}

static void validates(void **state) { validates_on(*state); }

/* pointer where a pointer means nothing (procs, MPI): n/a, the reason one line naming
 * the address space */
static void pointer_na_on(const char *backend)
{
	static const char *const args[] = { "--csv", "-q", "--all-records", "-m", "8:16", "-n", "4",
					    "-r", "1", "-x", "0", "--variant", "pointer", NULL };
	struct tx_result r;
	struct tx_csv t;
	if (has(backend, "pointer"))
		return;
	tx_launch(&r, backend, "ipc", 2, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
		tx_dump("ipc --variant pointer", &r);
		fail();
	}
	assert_int_equal(t.nrows, 2 * 3); /* 8 and 16 bytes, three phases */
	for (int row = 0; row < t.nrows; row++) {
		const char *note = tx_csv_get(&t, row, "note");
		assert_string_equal(tx_csv_get(&t, row, "verdict"), "n/a");
		assert_non_null(strstr(note, "a pointer means nothing in another address space"));
		assert_null(strchr(note, '\n'));
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

static void pointer_na(void **state) { pointer_na_on(*state); }

/* -np 3: the case uses ranks 0 and 1, rank 2 waits; a 1-byte message too; the records
 * name the thread level MPI was initialised at (pure MPI: MPI_THREAD_SINGLE) */
static void mpi_three_ranks_uses_two(void **state)
{
	static const char *const args[] = { "--csv", "-q", "-m", "1:8", "-n", "20", "-r", "1", "-x",
					    "0", "--variant", "sendrecv,nonblocking,rma,shmwin", NULL };
	struct tx_result r;
	struct tx_csv t;
	(void)state;
	tx_launch(&r, "mpi", "ipc", 3, args);
	if (r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
		tx_dump("ipc mpi -np 3", &r);
		fail();
	}
	assert_int_equal(t.nrows, 4 * 4 * 3); /* 1, 2, 4, 8 bytes; three phases */
	for (int row = 0; row < t.nrows; row++) {
		assert_true(tx_passed(tx_csv_get(&t, row, "verdict")));
		assert_string_equal(tx_csv_get(&t, row, "workers"), "2");
		assert_non_null(strstr(tx_csv_get(&t, row, "note"), "checksums=ok"));
		assert_non_null(strstr(tx_csv_get(&t, row, "mpi"), " (MPI_THREAD_SINGLE)"));
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

/* Any worker count runs: W = 1 is n/a with a one-line reason (exit 0), W = 3 and 4 pass
 * with workers 0 and 1 passing the messages (MPI: as many ranks as workers) */
static void any_worker_count(void **state)
{
	static const char *const counts[] = { "1", "3", "4" };
	(void)state;
	for (int b = 0; b < 4; b++)
		for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
			const char *args[] = { "--csv", "-q", "--all-records", "-w", counts[i], "-m",
					       "8:64", "-n", "20", "-r", "1", "-x", "0", NULL };
			struct tx_result r;
			struct tx_csv t;
			int w = atoi(counts[i]);
			tx_launch(&r, tx_backends[b], "ipc", w, args);
			if (r.timed_out || r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
				tx_dump("ipc at another worker count", &r);
				fail();
			}
			assert_int_equal(t.nrows, NCH * 4 * 3); /* 8..64 B, three phases */
			for (int row = 0; row < t.nrows; row++) {
				const char *v = tx_csv_get(&t, row, "variant");
				const char *verdict = tx_csv_get(&t, row, "verdict");
				const char *note = tx_csv_get(&t, row, "note");
				assert_string_equal(tx_csv_get(&t, row, "workers"), counts[i]);
				if (w == 1) {
					assert_string_equal(verdict, "n/a");
					assert_non_null(strstr(note, "not applicable"));
					assert_null(strchr(note, '\n'));
				} else if (has(tx_backends[b], v)) {
					assert_true(tx_passed(verdict));
					assert_non_null(strstr(note, "checksums=ok"));
				} else {
					assert_string_equal(verdict, "n/a");
				}
			}
			if (w == 1)
				assert_non_null(strstr(tx_csv_get(&t, 0, "note"), "a team of one has no peer"));
			tx_csv_free(&t);
			tx_result_free(&r);
		}
}

/* mpirun -np 1 with the defaults: the one rank is a team of one, n/a, exit 0 (not a
 * usage error: a job of one rank runs the suite) */
static void mpi_one_rank_na(void **state)
{
	static const char *const args[] = { "--csv", "-q", "--all-records", "-m", "8:8", "-n", "20",
					    "-r", "1", "-x", "0", "--variant", "sendrecv", NULL };
	struct tx_result r;
	struct tx_csv t;
	(void)state;
	tx_launch(&r, "mpi", "ipc", 1, args);
	if (r.timed_out || r.exit_code != 0 || tx_csv_parse(r.out, &t) != 0) {
		tx_dump("ipc on mpi with 1 rank", &r);
		fail();
	}
	assert_int_equal(t.nrows, 3);
	for (int row = 0; row < t.nrows; row++) {
		assert_string_equal(tx_csv_get(&t, row, "workers"), "1");
		assert_string_equal(tx_csv_get(&t, row, "verdict"), "n/a");
		assert_non_null(strstr(tx_csv_get(&t, row, "note"), "a team of one has no peer"));
	}
	tx_csv_free(&t);
	tx_result_free(&r);
}

static const struct tx_bad bad_inputs[] = {
	{ { "-m", "0:8" }, "--message-size" },
	{ { "-m", "8" }, "--message-size" },
	{ { "-m", "16:8" }, "--message-size" },
	{ { "-m", "8:5M" }, "--message-size" },
	{ { "-m", "8:abc" }, "--message-size" },
	{ { "--message-size" }, "--message-size" },
	{ { "-n", "0" }, "--size" },
	{ { "--variant", "carrier-pigeon" }, "--variant" },
	{ { "-r", "0" }, "--reps" },
	{ { "--frobnicate" }, "--frobnicate" },
};

static void bad_input_on(const char *backend)
{
	tx_expect_usage_errors(backend, "ipc", bad_inputs, sizeof bad_inputs / sizeof bad_inputs[0]);
}

static void refuses_bad_input(void **state) { bad_input_on(*state); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX_ON_ALL(validates),
		TX_ON_ALL(pointer_na),
		cmocka_unit_test(mpi_three_ranks_uses_two),
		cmocka_unit_test(any_worker_count),
		cmocka_unit_test(mpi_one_rank_na),
		TX_ON_ALL(refuses_bad_input),
	};
	return cmocka_run_group_tests_name("ipc (integration)", tests, NULL, NULL);
}
