#!/usr/bin/env bash
# plots.sh: pictures of make run's records (make plots), with gnuplot.
#   tools/plots.sh [CSV] [OUTDIR]     (default build/results/run.csv, its directory)
# race.png       time per update against workers, a panel per variant, a line per backend
# workload.png   speedup against workers, CPU-bound and I/O-bound, a line per backend
# ipc.png        one-way latency against message size, a line per channel
set -euo pipefail
csv=${1:-build/results/run.csv}
out=${2:-$(dirname "$csv")}
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "plots: gnuplot not found: run 'make deps'" >&2; exit 1; }
[ -s "$csv" ] || { echo "plots: no records in $csv: run 'make run' first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one data file per series: $tmp/<exercise>-<key>.dat with "x y" lines, sorted by x
cat >"$tmp/extract.awk" <<'AWK'
function note(s, k,    i, n, kv) {
	n = split(s, kv, " ")
	for (i = 1; i <= n; i++) if (index(kv[i], k "=") == 1) return substr(kv[i], length(k) + 2)
	return ""
}
NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
{
	split_csv($0, f)
	ex = f[col["exercise"]]; b = f[col["backend"]]; v = f[col["variant"]]
	w = f[col["workers"]]; ph = f[col["phase"]]; p = f[col["ns_per_op"]]
	if (f[col["verdict"]] == "n/a" || p == "") next
	if (ex == "race")
		print w, p > (dir "/race-" v "-" b ".dat")
	if (ex == "workload" && ph == "work" && (v == "cpu" || v == "io"))
		print w, note(f[col["note"]], "speedup") > (dir "/workload-" v "-" b ".dat")
	if (ex == "ipc" && ph == "latency")
		print f[col["size"]], p / 1000 > (dir "/ipc-all-" b "_" v ".dat")
}
AWK
awk -v dir="$tmp" -f "$here/csv.awk" -f "$tmp/extract.awk" "$csv"
for f in "$tmp"/*.dat; do sort -n -o "$f" "$f"; done

series() { # PATTERN: gnuplot plot clauses, one per <exercise>-<group>-<title>.dat file
	local sep="" f t
	for f in "$tmp"/$1; do
		[ -e "$f" ] || continue
		t=$(basename "$f" .dat)
		t=${t#*-}
		t=${t#*-}
		printf '%s"%s" using 1:2 with linespoints title "%s"' "$sep" "$f" "${t//_/ }"
		sep=", "
	done
}

cat >"$tmp/race.gp" <<EOF
set terminal pngcairo size 1200,800 font ",10"
set output "$out/race.png"
set multiplot layout 2,2 title "race: time per update against workers (make run, $(date -u +%F))"
set logscale y
set xlabel "workers"; set ylabel "ns per update"; set key top left; set grid
set logscale x 2; set xtics (1, 2, 4, 8, 16, 32, 64)
EOF
for v in none lock atomic local; do
	s=$(series "race-$v-*.dat")
	[ -n "$s" ] && printf 'set title "%s"\nplot %s\n' "$v" "$s" >>"$tmp/race.gp"
done
echo "unset multiplot" >>"$tmp/race.gp"

cat >"$tmp/workload.gp" <<EOF
set terminal pngcairo size 1200,500 font ",10"
set output "$out/workload.png"
set multiplot layout 1,2 title "workload: speedup over 1 worker (make run; $(nproc) cores here)"
set xlabel "workers"; set ylabel "speedup"; set key top left; set grid
set xtics 1
EOF
for v in cpu io; do
	s=$(series "workload-$v-*.dat")
	[ -n "$s" ] && printf 'set title "%s-bound"\nplot x title "ideal" with lines dashtype 2, %s\n' \
		"$v" "$s" >>"$tmp/workload.gp"
done
echo "unset multiplot" >>"$tmp/workload.gp"

s=$(series "ipc-all-*.dat")
cat >"$tmp/ipc.gp" <<EOF
set terminal pngcairo size 1000,600 font ",10"
set output "$out/ipc.png"
set title "ipc: one-way latency against message size (make run)"
set logscale xy; set xlabel "message size (bytes)"; set ylabel "one-way latency (us)"
set key outside right noenhanced; set grid
plot $s
EOF

for g in race workload ipc; do
	if grep -q "plot " "$tmp/$g.gp"; then
		gnuplot "$tmp/$g.gp"
		echo "plots: $out/$g.png"
	fi
done
