# report.awk: the seeds' claims, each beside the figure this machine measured for it
# (make report, from the records of make run).
#   awk -f tools/csv.awk -f tools/report.awk build/results/run.csv
# A claim the records cannot speak to (its exercise or backend was not run) says so.

function key(ex, b, v, w, ph) { return ex SUBSEP b SUBSEP v SUBSEP w SUBSEP ph }
function med(ex, b, v, w, ph) { return (key(ex, b, v, w, ph) in M) ? M[key(ex, b, v, w, ph)] : "" }
function nt(ex, b, v, w, ph) { return (key(ex, b, v, w, ph) in N) ? N[key(ex, b, v, w, ph)] : "" }
function note(s, k,    i, n, kv) {
	n = split(s, kv, " ")
	for (i = 1; i <= n; i++) if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
	return ""
}
function have(x) { return x != "" }
function claim(n, text, figure, verdict) {
	printf "%2d. %s\n    measured: %s\n    so: %s\n\n", n, text, figure, verdict
}
function missing(n, text, what) { claim(n, text, "-", "not measured here (" what " not in the records)") }

NR == 1 || $0 ~ /^exercise,/ {
	n = split_csv($0, h)
	for (i = 1; i <= n; i++) col[h[i]] = i
	next
}
{
	split_csv($0, f)
	ex = f[col["exercise"]]; sz = f[col["size"]] + 0
	k = key(ex, f[col["backend"]], f[col["variant"]], f[col["workers"]], f[col["phase"]])
	# several sizes (squares, ipc): keep the smallest, the one the claims are about
	if ((k in S) && S[k] <= sz) next
	S[k] = sz; M[k] = f[col["median_s"]]; N[k] = f[col["note"]]; D[k] = f[col["verdict"]]
	P[k] = f[col["ns_per_op"]]
	if (host == "") {
		host = f[col["host"]] ", " f[col["cores"]] " cores, " f[col["compiler"]]
		cores = f[col["cores"]]
	}
	records++
	if (("loaded" in col) && f[col["loaded"]] == "1") busy++
}

END {
	printf "What the numbers say on %s\n(from make run's records: medians; the seeds' claims in order)\n", host
	if (busy > 0)
		printf "Warning: %d of the %d records were measured while the machine was busy (loaded=1: a load\naverage above the cores, or stolen time): their figures may be noisy; run again on a quiet machine.\n", busy, records
	printf "\n"

	# 1. threads win for I/O-bound work
	a = note(nt("workload", "pthreads", "io", 4, "work"), "speedup")
	b = note(nt("workload", "procs", "io", 4, "work"), "speedup")
	if (have(a) && have(b))
		claim(1, "threads win for I/O-bound work",
		      "blocking waits, 4 workers on " cores " cores: speedup " a " with threads, " b " with processes",
		      (a + 0 > 1.5 * b) ? "backed" : "both overlap waits past the cores; in C this is not the threads' privilege (it is in Python, where the GIL stops threads from computing, not from waiting)")
	else missing(1, "threads win for I/O-bound work", "workload io at 4 workers")

	# 2. threads share data more cheaply
	a = P[key("ipc", "pthreads", "spin", 2, "latency")]; b = P[key("ipc", "procs", "shm", 2, "latency")]
	c = P[key("ipc", "procs", "pipe", 2, "latency")]
	if (have(a) && have(b) && have(c))
		claim(2, "threads share data more cheaply than processes",
		      sprintf("one-way 8 B hand-off through shared memory: %.0f ns between threads, %.0f ns between processes; through a pipe %.2f us", a, b, c / 1000),
		      (b + 0 < 1.5 * a) ? "refuted as stated: memory shared on purpose costs processes what it costs threads; what costs is copying through the kernel (a pipe)" : "backed")
	else missing(2, "threads share data more cheaply than processes", "ipc spin/shm/pipe")

	# 3. switching between threads is cheaper
	a = P[key("ipc", "pthreads", "condvar", 2, "latency")]; b = P[key("ipc", "procs", "pipe", 2, "latency")]
	if (have(a) && have(b))
		claim(3, "switching between threads is cheaper than between processes",
		      sprintf("a blocking hand-off (sleep, wake the other): %.2f us between threads (condition variable), %.2f us between processes (pipe)", a / 1000, b / 1000),
		      (b + 0 > 1.5 * a) ? "backed here; but on a VM whose idle cores halt, waking the other core dominates either hand-off: compare make bench's one-core figures" : "about the same: a wake-up is a wake-up; what differs is the address-space switch, small next to the sleep and wake")
	else missing(3, "switching between threads is cheaper", "ipc condvar/pipe")

	# 4. threads use less memory
	t = nt("workload", "pthreads", "cpu", 4, "work"); p = nt("workload", "procs", "cpu", 4, "work")
	if (have(note(t, "thread_kib_per_worker")) && have(note(p, "process_kib_per_worker")))
		claim(4, "threads use less memory than processes",
		      "per worker: a thread " note(t, "thread_kib_per_worker") " KiB (" note(t, "uss_kib_per_worker") " of stack and TLS, " note(t, "kernel_kib_per_worker") " of kernel stack and page tables); a process " note(p, "process_kib_per_worker") " KiB (USS " note(p, "uss_kib_per_worker") ", PSS " note(p, "pss_kib_per_worker") ", kernel " note(p, "kernel_kib_per_worker") ")",
		      "backed, though a fork()ed process shares most of its pages until it writes them")
	else missing(4, "threads use less memory", "workload memory notes")

	# 5. creating a process costs more than creating a thread
	t = nt("workload", "pthreads", "cpu", 4, "work"); p = nt("workload", "procs", "cpu", 4, "work")
	a = note(t, "create_us_per_worker"); b = note(p, "create_us_per_worker")
	if (have(a) && have(b))
		claim(5, "creating a process costs more than creating a thread",
		      "per worker, create call to running, then end to reaped: " a " + " note(t, "reap_us_per_worker") " us a thread, " b " + " note(p, "reap_us_per_worker") " us a process",
		      (b + 0 > a + 0) ? sprintf("backed: %.1fx", b / (a > 0 ? a : 1)) : "refuted here")
	else missing(5, "creating a process costs more", "workload create notes")

	# 6. processes are needed for CPU-bound work
	for (i = 1; i <= 2; i++) {
		bk = i == 1 ? "pthreads" : "procs"; best[bk] = ""
		split("static cyclic dynamic guided", sch, " ")
		for (j = 1; j <= 4; j++) {
			e = note(nt("sumsquares", bk, sch[j], 2, "run"), "efficiency")
			if (have(e) && (best[bk] == "" || e + 0 > best[bk] + 0)) best[bk] = e
		}
	}
	if (have(best["pthreads"]) && have(best["procs"]))
		claim(6, "processes are needed for CPU-bound work",
		      "parallel efficiency at 2 workers, best schedule: threads " best["pthreads"] ", processes " best["procs"],
		      "refuted for C: threads compute in parallel as well as processes; the claim is about Python's GIL")
	else missing(6, "processes are needed for CPU-bound work", "sumsquares at 2 workers")

	# 7. processes contain crashes / 11. an unhandled error can take down the program
	a = D[key("errors", "procs", "crash", 2, "run")]; t = nt("errors", "pthreads", "crash", 2, "run")
	if (have(a) && have(t)) {
		claim(7, "processes contain crashes",
		      "a worker dies by SIGSEGV: with processes the parent sees the signal and goes on (verdict " a ")",
		      (a == "pass" || a == "suspect") ? "backed" : "not shown")
		claim(11, "an unhandled error in one worker can take down the program",
		      "the same crash in a thread: " (index(t, "whole") ? "the whole process died (run in a forked sandbox to report it)" : t),
		      index(t, "whole") ? "backed: threads share one fate" : "not shown")
	} else {
		missing(7, "processes contain crashes", "errors crash")
		missing(11, "an unhandled error can take down the program", "errors crash")
	}

	# 8. a pool saves the cost of creating workers
	a = M[key("squares", "procs", "pool", 4, "startup")] + M[key("squares", "procs", "pool", 4, "work")] + M[key("squares", "procs", "pool", 4, "teardown")]
	b = M[key("squares", "procs", "spawn", 4, "work")]
	if (have(M[key("squares", "procs", "spawn", 4, "work")]) && a > 0)
		claim(8, "a pool saves the cost of creating workers",
		      sprintf("squares of 1..%d, 4 processes: %.2f ms with a pool (start-up included), %.2f ms with a process per item", S[key("squares", "procs", "pool", 4, "work")], a * 1e3, b * 1e3),
		      (b > a) ? sprintf("backed: %.1fx", b / a) : "not here: too few items to matter")
	else missing(8, "a pool saves the cost of creating workers", "squares pool/spawn on procs at 4")

	# 9. a bigger pool is faster "up to a point"
	line = ""; prev = ""; slower = 0
	for (w = 1; w <= 8; w *= 2) {
		x = key("squares", "procs", "pool", w, "startup")
		if (!(x in M)) continue
		tot = M[x] + M[key("squares", "procs", "pool", w, "work")] + M[key("squares", "procs", "pool", w, "teardown")]
		line = line sprintf("%s%d: %.2f ms", line == "" ? "" : ", ", w, tot * 1e3)
		if (prev != "" && tot > prev) slower = 1
		prev = tot
	}
	if (line != "")
		claim(9, "a bigger pool is faster, up to a point",
		      "the seed's 10 squares with a pool of processes, total time by pool size: " line,
		      slower ? "backed: for small work a bigger pool only costs more start-up" : "the pool sizes run here did not reach the point")
	else missing(9, "a bigger pool is faster up to a point", "squares pool on procs")

	# 10. a lock prevents lost updates
	a = note(nt("race", "pthreads", "none", 2, "run"), "lost_updates_max")
	b = D[key("race", "pthreads", "lock", 2, "run")]
	if (have(a) && have(b))
		claim(10, "a lock prevents lost updates",
		      "2 threads updating one counter: up to " a " updates lost in a repetition without a lock; with it the count is exact (verdict " b ")",
		      (a + 0 > 0 && (b == "pass" || b == "suspect")) ? "backed" : (b == "pass" || b == "suspect" ? "backed for the lock; no update happened to be lost this time (run longer: -n 1000000)" : "not shown"))
	else missing(10, "a lock prevents lost updates", "race none/lock at 2")
}
