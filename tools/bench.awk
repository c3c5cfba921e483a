# bench.awk: make bench's figures (tools/bench.sh), in two passes.
# Pass 1, the figures of each round, from the references' lines and the suite's records:
#   awk -f tools/csv.awk -f tools/bench.awk bench-refs.txt bench-r1.csv bench-r2.csv ...
# prints one line per round and figure:  ROUND|FIGURE|SUITE|REFERENCE|UNIT|GOAL
# where GOAL is "<= X" (the ratio suite / reference at most X), ">= X" or "" (shown only).
# Pass 2, the table: awk -v table=1 -f tools/bench.awk bench-figures.txt
# per figure, the medians over the rounds of the suite's value, the reference's and the
# per-round ratio, the goal and whether the median ratio meets it.
function note(s, key,    i, n, kv) {
	n = split(s, kv, " ")
	for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) return substr(kv[i], length(key) + 2)
	return ""
}
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function fig(r, name, suite, refv, unit, goal) {
	if (suite == "" || refv == "" || refv + 0 <= 0) return
	printf "%s|%s|%.6g|%.6g|%s|%s\n", r, name, suite, refv, unit, goal
}
# ---- pass 2 --------------------------------------------------------------------------
table {
	split($0, f, "|")
	if (!(f[2] in seen)) { seen[f[2]] = 1; order[++nf] = f[2] }
	k = ++cnt[f[2]]
	s[f[2], k] = f[3]; rf[f[2], k] = f[4]; ra[f[2], k] = f[3] / f[4]
	unit[f[2]] = f[5]; goal[f[2]] = f[6]
	next
}
# ---- pass 1 --------------------------------------------------------------------------
FNR == 1 && FILENAME ~ /bench-r[0-9]+\.csv$/ {
	round = FILENAME; sub(/.*bench-r/, "", round); sub(/\.csv$/, "", round)
	n = split_csv($0, h); delete col
	for (i = 1; i <= n; i++) col[h[i]] = i
	next
}
FILENAME !~ /\.csv$/ { # a reference's line: round=R key=value ...
	r = note($0, "round")
	for (i = 2; i <= NF; i++) { split($i, kv, "="); refv[r, kv[1]] = kv[2] }
	next
}
{
	split_csv($0, f)
	ex = f[col["exercise"]]; b = f[col["backend"]]; v = f[col["variant"]]
	w = f[col["workers"]]; ph = f[col["phase"]]; nt = f[col["note"]]
	if (f[col["verdict"]] == "fail") bad = bad " " ex "/" b "/" v
	if (ex == "squares" && v == "spawn" && ph == "work" && w == 1)
		life[round, b] = f[col["ns_per_op"]] / 1000
	if (ex == "ipc" && ph == "latency") lat[round, b, v] = note(nt, "one_way_us")
	if (ex == "squares" && b == "openmp" && ph == "startup" && note(nt, "overhead_ns") != "")
		region[round] = note(nt, "overhead_ns") / 1000
	if (ex == "sync" && b == "openmp" && v == "barrier") barrier[round] = note(nt, "overhead_ns") / 1000
	if (ex == "factorial" && v == "small") task[round, b] = f[col["ns_per_op"]]
	if (ex == "factorial" && v == "large" && b == "pthreads") large[round] = f[col["median_s"]] * 1e3
	if (ex == "sumsquares" && w == 1 && v == "static") one[round, b] = note(nt, "speedup")
	if (ex == "sumsquares" && w == 2 && v != "serial" && note(nt, "speedup") != "") {
		sp = note(nt, "speedup") + 0
		if (!((round, b) in best) || sp > best[round, b]) best[round, b] = sp
	}
	rounds[round] = 1
}
END {
	if (table) {
		printf "\n%-58s %11s %11s %7s %7s  %s\n", "figure (suite / bare reference)", "suite", "reference",
			"ratio", "goal", "met"
		for (i = 1; i <= nf; i++) {
			g = order[i]; n = cnt[g]
			for (k = 1; k <= n; k++) { a[k] = s[g, k]; c[k] = rf[g, k]; d[k] = ra[g, k] }
			ms = median(a, n); mr = median(c, n); mq = median(d, n)
			split(goal[g], gl, " ")
			if (goal[g] == "") met = ""
			else if (index(goal[g], "..")) { split(goal[g], gr, "\\.\\."); met = mq >= gr[1] + 0 && mq <= gr[2] + 0 ? "yes" : "NO" }
			else met = (gl[1] == "<=" ? mq <= gl[2] + 0 : mq >= gl[2] + 0) ? "yes" : "NO"
			printf "%-58s %8.4g %-2s %8.4g %-2s %7.3f %7s  %s\n", g, ms, unit[g], mr, unit[g], mq,
				goal[g], met
		}
		printf "(medians over %d interleaved rounds; ratio: the median of the per-round ratios)\n", n
		exit
	}
	for (r in rounds) {
		fig(r, "MPI 8 B one-way: ipc sendrecv / MPI_Send+MPI_Recv", lat[r, "mpi", "sendrecv"],
		    refv[r, "mpi_oneway_us"], "us", "<= 1.05")
		fig(r, "pipe 8 B one-way: procs ipc pipe / pipe ping-pong", lat[r, "procs", "pipe"],
		    refv[r, "pipe_oneway_us"], "us", "<= 1.05")
		fig(r, "condvar 8 B one-way: pthreads ipc / condvar ping-pong", lat[r, "pthreads", "condvar"],
		    refv[r, "condvar_oneway_us"], "us", "<= 1.05")
		fig(r, "create+end a process: squares spawn / fork+waitpid", life[r, "procs"],
		    refv[r, "fork_wait_us"], "us", "<= 1.05")
		fig(r, "create+end a thread: squares spawn / create+join", life[r, "pthreads"],
		    refv[r, "create_join_us"], "us", "<= 1.05")
		fig(r, "OpenMP parallel region: squares / empty region", region[r],
		    refv[r, "omp_parallel_us"], "us", "<= 1.05")
		fig(r, "OpenMP barrier: sync overhead / bare barrier", barrier[r],
		    refv[r, "omp_barrier_us"], "us", "<= 1.05")
		fig(r, "task dispatch, W=2: thread pool / OpenMP tasks", task[r, "pthreads"],
		    task[r, "openmp"], "ns", "<= 1.00")
		fig(r, "task dispatch, W=2: process pool / OpenMP tasks", task[r, "procs"],
		    task[r, "openmp"], "ns", "")
		fig(r, "factorial 1..1000, W=2: pthreads / Python Q7 (5 threads)", large[r],
		    refv[r, "py_factorial_ms"], "ms", "<= 0.10")
		split("openmp pthreads procs mpi", bs, " ")
		for (i = 1; i <= 3; i++)
			if ((r, bs[i]) in one)
				fig(r, "sumsquares speedup at W=1 (static): " bs[i], one[r, bs[i]], 1, "x",
				    "0.97..1.03")
		for (i = 1; i <= 4; i++)
			if ((r, bs[i]) in best)
				fig(r, "sumsquares speedup at W=2 / 2 workers: " bs[i], best[r, bs[i]], 2, "x",
				    ">= 0.97")
	}
	if (bad != "") printf "FAILED validation:%s\n", bad > "/dev/stderr"
}
