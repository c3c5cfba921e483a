# bench.awk: the targets of tools/bench.sh, from its CSV records.
#   awk -f tools/csv.awk -f tools/bench.awk build/results/bench.csv
function note(s, key,    i, n, kv) {
	n = split(s, kv, " ")
	for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) return substr(kv[i], length(key) + 2)
	return ""
}
NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
{
	split_csv($0, f)
	ex = f[col["exercise"]]; b = f[col["backend"]]; v = f[col["variant"]]
	w = f[col["workers"]]; ph = f[col["phase"]]; nt = f[col["note"]]
	if (f[col["verdict"]] == "fail") bad = bad " " ex "/" b "/" v
	if (ex == "sumsquares" && w == 2 && v != "serial" && note(nt, "efficiency") != "") {
		e = note(nt, "efficiency") + 0
		if (!(b in eff) || e > eff[b]) { eff[b] = e; sched[b] = v }
	}
	if (ex == "factorial" && v == "small") pertask[b] = f[col["ns_per_op"]] + 0
	if (ex == "ipc" && ph == "latency") { lat[v] = note(nt, "one_way_us") + 0; latb[v] = b }
	if (ex == "workload" && v == "io" && ph == "work" && w == 8) io[b] = note(nt, "speedup") + 0
	# bench.sh's creation runs: workload -n 1 -w 1, squares --variant spawn -w 1
	if (ph == "work" && w == 1 && note(nt, "create_us_per_worker") != "" &&
	    ((ex == "workload" && f[col["size"]] == 1) || (ex == "squares" && v == "spawn"))) {
		mk[ex, b, "create"] = note(nt, "create_us_per_worker") + 0
		mk[ex, b, "reap"] = note(nt, "reap_us_per_worker") + 0
	}
}
# spawnref's "fork_wait_us=A create_join_us=B", twice: the mean of each key
function refmean(key,    i, n, kv, s, k) {
	n = split(spawnref, kv, " ")
	for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) { s += substr(kv[i], length(key) + 2); k++ }
	return k ? s / k : -1
}
END {
	if (where == "")
		printf "\n%-52s %12s %12s  %s\n", "target", "measured", "goal", "met"
	for (b in eff)
		printf "%-52s %12.3f %12s  %s\n", "sumsquares efficiency at W=2, " b " (" sched[b] ")",
			eff[b], ">= 0.95", (eff[b] >= 0.95 ? "yes" : "NO")
	if (("openmp" in pertask) && ("pthreads" in pertask) && pertask["openmp"] > 0) {
		r = pertask["pthreads"] / pertask["openmp"]
		printf "%-52s %12s %12s  %s\n", "factorial task overhead, pool / OpenMP tasks",
			sprintf("%.0f/%.0f ns", pertask["pthreads"], pertask["openmp"]), "", ""
		printf "%-52s %12.2f %12s  %s\n", "  ratio", r, "<= 2", (r <= 2 ? "yes" : "NO")
	}
	ref["pipe"] = 2.4; ref["condvar"] = 2.5; ref["sendrecv"] = 0.40
	for (v in lat)
		printf "%-52s %12s %12s  %s\n", "ipc 8 B one-way latency, " latb[v] " " v where,
			sprintf("%.2f us", lat[v]), sprintf("<= %.2f us", 1.2 * ref[v]),
			(lat[v] <= 1.2 * ref[v] ? "yes" : "NO")
	for (b in io)
		printf "%-52s %12.2f %12s  %s\n", "workload io speedup, 8 workers vs 1, " b, io[b],
			">= 6", (io[b] >= 6 ? "yes" : "NO")
	ref["procs"] = refmean("fork_wait_us"); ref["pthreads"] = refmean("create_join_us")
	refname["procs"] = "fork+waitpid"; refname["pthreads"] = "create+join"
	for (i = 1; i <= 2; i++) {
		b = i == 1 ? "pthreads" : "procs"
		if (!(("workload", b, "create") in mk) || !(("squares", b, "create") in mk) || ref[b] <= 0)
			continue
		wc = mk["workload", b, "create"]; sc = mk["squares", b, "create"]
		wl = wc + mk["workload", b, "reap"]
		printf "%-52s %12s %12s\n", "worker create, workload / squares spawn, " b where,
			sprintf("%.0f/%.0f us", wc, sc), ""
		r = wc > sc ? wc / (sc > 0 ? sc : 1e-9) : sc / (wc > 0 ? wc : 1e-9)
		printf "%-52s %12.2f %12s  %s\n", "  ratio, the larger over the smaller", r, "<= 1.5",
			(r <= 1.5 ? "yes" : "NO")
		printf "%-52s %12s %12s\n", "create+reap, workload / " refname[b] ", " b where,
			sprintf("%.0f/%.0f us", wl, ref[b]), ""
		r = wl > ref[b] ? wl / ref[b] : ref[b] / (wl > 0 ? wl : 1e-9)
		printf "%-52s %12.2f %12s  %s\n", "  ratio, the larger over the smaller", r, "<= 3",
			(r <= 3 ? "yes" : "NO")
	}
	if (bad != "") printf "FAILED validation:%s\n", bad
}
