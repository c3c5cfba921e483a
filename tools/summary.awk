# summary.awk: side-by-side tables from harness CSV records (make run's last word).
# One table per exercise and phase: backend x variant x workers (x size) -> median,
# the per-op figure, and the ratio to the fastest row of the same size.
#   awk -f tools/csv.awk -f tools/summary.awk build/results/run.csv

NR == 1 || $0 ~ /^exercise,/ {
	n = split_csv($0, h)
	for (i = 1; i <= n; i++) col[h[i]] = i
	next
}

{
	split_csv($0, f)
	ex = f[col["exercise"]]; ph = f[col["phase"]]; key = ex SUBSEP ph
	if (!(key in nrows)) { order[++ngroups] = key; nrows[key] = 0 }
	r = ++nrows[key]
	B[key, r] = f[col["backend"]]; V[key, r] = f[col["variant"]]
	W[key, r] = f[col["workers"]]; S[key, r] = f[col["size"]]
	M[key, r] = f[col["median_s"]]; P[key, r] = f[col["ns_per_op"]]
	O[key, r] = f[col["op"]]; D[key, r] = f[col["verdict"]]
	if (M[key, r] != "" && (!((key, S[key, r]) in best) || M[key, r] + 0 < best[key, S[key, r]]))
		best[key, S[key, r]] = M[key, r] + 0
}

END {
	for (g = 1; g <= ngroups; g++) {
		key = order[g]; split(key, kp, SUBSEP)
		title = kp[1] (kp[2] == "run" ? "" : " (" kp[2] ")")
		# the sizes of the group, in the order they came
		nsz = 0; split("", seen); split("", szs)
		for (r = 1; r <= nrows[key]; r++)
			if (!(S[key, r] in seen)) { seen[S[key, r]] = 1; szs[++nsz] = S[key, r] }
		na = ""
		for (r = 1; r <= nrows[key]; r++)
			if (D[key, r] == "n/a") {
				c = B[key, r] "/" V[key, r]
				if (index(" " na " ", " " c " ") == 0) na = na (na == "" ? "" : " ") c
			}
		if (nsz == 1) table(key, title)
		else pivot(key, title)
		if (na != "") printf "not applicable (see the note in the records): %s\n", na
	}
}

# one row per case: median, per op, ratio to the fastest case of its size
function table(key, title,    r, po, ratio) {
	printf "\n== %s: median per case, and its ratio to the fastest case\n", title
	printf "%-9s %-10s %7s %11s %10s %16s %9s  %s\n", "backend", "variant", "workers",
		"size", "median", "per op", "x fastest", "verdict"
	for (r = 1; r <= nrows[key]; r++) {
		if (D[key, r] == "n/a") continue
		po = P[key, r] == "" ? "-" : human(P[key, r] * 1e-9) "/" O[key, r]
		ratio = (M[key, r] == "" || best[key, S[key, r]] <= 0) ? "-" : \
			sprintf("%.2f", M[key, r] / best[key, S[key, r]])
		printf "%-9s %-10s %7s %11s %10s %16s %9s  %s\n", B[key, r], V[key, r],
			W[key, r], S[key, r], human(M[key, r]), po, ratio, D[key, r]
	}
}

# several sizes (ipc's messages, squares' items): one row per backend, variant and
# workers, one column per size, the per-op figure (else the median) in each cell
function pivot(key, title,    r, i, id, nid, ids, cell, unit, line) {
	unit = ""
	for (r = 1; r <= nrows[key]; r++) if (P[key, r] != "") { unit = O[key, r]; break }
	printf "\n== %s: %s per size\n", title, unit == "" ? "median" : "time per " unit
	nid = 0; split("", ids); split("", cell)
	for (r = 1; r <= nrows[key]; r++) {
		if (D[key, r] == "n/a") continue
		id = B[key, r] SUBSEP V[key, r] SUBSEP W[key, r]
		if (!(id in cell)) { ids[++nid] = id; cell[id] = 1 }
		cell[id, S[key, r]] = (P[key, r] != "" ? human(P[key, r] * 1e-9) : human(M[key, r])) \
			(D[key, r] == "fail" ? "!" : "")
	}
	line = sprintf("%-9s %-10s %7s", "backend", "variant", "workers")
	for (i = 1; i <= nsz; i++) line = line sprintf(" %9s", szs[i])
	print line
	for (r = 1; r <= nid; r++) {
		split(ids[r], kq, SUBSEP)
		line = sprintf("%-9s %-10s %7s", kq[1], kq[2], kq[3])
		for (i = 1; i <= nsz; i++)
			line = line sprintf(" %9s", ((ids[r], szs[i]) in cell) ? cell[ids[r], szs[i]] : "-")
		print line
	}
}
