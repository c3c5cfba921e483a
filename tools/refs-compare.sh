#!/usr/bin/env bash
# refs-compare.sh: the suite's figures beside the public reference tools', on this
# machine, in interleaved rounds (in each round every reference, then every figure of
# ours). The reference tools are built by you from their public sources, outside this
# repository (see docs/records.md, "Side by side with the reference tools"):
#   -o DIR   OSU Micro-Benchmarks' mpi/pt2pt (osu_latency, osu_bw), MPI at 2 ranks through
#            tools/mpilaunch, as ours: 8 B one-way latency; streaming bandwidth at 1 and 4
#            MiB against ours with the same buffers reused (ipc's cached phase: in cache,
#            as osu_bw), and beside it ours out of the cache (its stream phase)
#   -l DIR   lmbench's bin directory (lat_proc): `lat_proc fork` (fork + exit + wait)
#            against squares --variant spawn on procs at W = 1 (a process per item, one
#            at a time), per process; and bench/spawnref's pthread_create + join loop
#            against the same on pthreads
# EPCC's syncbench has its own: tools/syncbench-compare.sh.
# Prints a markdown table: per figure, the medians over the rounds of the reference's and
# ours, and ours / the reference's.
#   tools/refs-compare.sh [-b BUILD] [-r ROUNDS] [-o OSU-PT2PT-DIR] [-l LMBENCH-BIN-DIR]
set -euo pipefail
build=build rounds=5 osu='' lmb=''
usage() { echo "usage: $0 [-b BUILD] [-r ROUNDS] [-o OSU-PT2PT-DIR] [-l LMBENCH-BIN-DIR]" >&2; exit 2; }
while getopts b:r:o:l: opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	o) osu=$OPTARG ;;
	l) lmb=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $rounds in '' | *[!0-9]* | 0) echo "$0: option -r: ROUNDS must be a positive whole number (got '$rounds')" >&2; exit 2 ;; esac
[ -n "$osu$lmb" ] || { echo "$0: give -o OSU-PT2PT-DIR or -l LMBENCH-BIN-DIR (or both)" >&2; exit 2; }
[ -z "$osu" ] || [ -x "$osu/osu_latency" ] || { echo "$0: option -o: no osu_latency in '$osu'" >&2; exit 2; }
[ -z "$lmb" ] || [ -x "$lmb/lat_proc" ] || { echo "$0: option -l: no lat_proc in '$lmb'" >&2; exit 2; }
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the value of KEY in the note of our first record of PHASE (or the column COL=...)
pick() { # KEY PHASE
	awk -F, -v k="$1" -v ph="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		!found && (ph == "" || $col["phase"] == ph) {
			if (k ~ /^col:/) { print $col[substr(k, 5)]; found = 1; next }
			if (match($0, "(^|[ ,\"])" k "=[-0-9.e+]+")) {
				s = substr($0, RSTART, RLENGTH); sub(/^.*=/, "", s); print s; found = 1 } }
		END { if (!found) exit 1 }'
}
mpi() { "$here/mpilaunch" 2 "$@"; }
for ((r = 1; r <= rounds; r++)); do
	echo "refs-compare: round $r of $rounds" >&2
	if [ -n "$osu" ]; then
		mpi "$osu/osu_latency" | awk '$1 == 8 { print $2 }' >>"$tmp/osu-lat"
		mpi "$osu/osu_bw" >"$tmp/bw"
		awk '$1 == 1048576 { print $2 / 1000 }' "$tmp/bw" >>"$tmp/osu-bw1"
		awk '$1 == 4194304 { print $2 / 1000 }' "$tmp/bw" >>"$tmp/osu-bw4"
		mpi "$build/mpi/ipc" --variant sendrecv -w 2 -m 8:8 -r 9 -x 1 -q --csv |
			pick one_way_us latency >>"$tmp/our-lat"
		mpi "$build/mpi/ipc" --variant nonblocking -w 2 -m 1M:4M -r 5 -x 1 -q --csv >"$tmp/ours-bw"
		for m in 1 4; do
			{ head -1 "$tmp/ours-bw"; awk -F, -v s=$((m << 20)) '$5 == s' "$tmp/ours-bw"; } >"$tmp/one"
			pick cached_gb_per_s cached <"$tmp/one" >>"$tmp/our-bw$m"
			pick gb_per_s stream <"$tmp/one" >>"$tmp/our-out$m"
		done
	fi
	if [ -n "$lmb" ]; then
		"$lmb/lat_proc" fork 2>&1 | awk '/fork\+exit/ { print $3 }' >>"$tmp/lmb-fork"
		"$build/bench/spawnref" -n 200 | tr ' ' '\n' | sed -n 's/^create_join_us=//p' >>"$tmp/ref-thread"
		"$build/procs/squares" --variant spawn -n 200 --work 0 -w 1 -r 5 -x 1 -q --csv |
			pick col:ns_per_op work | awk '{ print $1 / 1000 }' >>"$tmp/our-fork"
		"$build/pthreads/squares" --variant spawn -n 200 --work 0 -w 1 -r 5 -x 1 -q --csv |
			pick col:ns_per_op work | awk '{ print $1 / 1000 }' >>"$tmp/our-thread"
	fi
done

median() { # FILE: the median of its lines, "nan" when it has none
	touch "$1"
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"; else print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() { # FIGURE REFERENCE-NAME REF-FILE OUR-NAME OUR-FILE UNIT
	local e o
	e=$(median "$tmp/$3") o=$(median "$tmp/$5")
	awk -v f="$1" -v rn="$2" -v e="$e" -v on="$4" -v o="$o" -v u="$6" 'BEGIN {
		ratio = (e != "nan" && o != "nan" && e > 0) ? sprintf("%.3f", o / e) : "n/a"
		printf "| %s | %s | %s | %s | %s | %s |\n", f, rn, e == "nan" ? "-" : sprintf("%.4g %s", e, u),
			on, o == "nan" ? "-" : sprintf("%.4g %s", o, u), ratio }'
}
echo "$rounds interleaved rounds, load average $(cut -d' ' -f1 /proc/loadavg) at the end"
echo
echo "| figure | reference | reference's median | ours | our median | ours / reference |"
echo "|---|---|---:|---|---:|---:|"
if [ -n "$osu" ]; then
	row "MPI 8 B one-way" osu_latency osu-lat "ipc sendrecv" our-lat us
	row "MPI streaming 1 MiB, in cache" osu_bw osu-bw1 "ipc nonblocking, cached" our-bw1 GB/s
	row "MPI streaming 4 MiB, in cache" osu_bw osu-bw4 "ipc nonblocking, cached" our-bw4 GB/s
	row "MPI streaming 1 MiB, out of cache" osu_bw osu-bw1 "ipc nonblocking, stream" our-out1 GB/s
	row "MPI streaming 4 MiB, out of cache" osu_bw osu-bw4 "ipc nonblocking, stream" our-out4 GB/s
fi
if [ -n "$lmb" ]; then
	row "a process: fork, exit, wait" "lat_proc fork" lmb-fork "squares spawn, procs" our-fork us
	row "a thread: create, join" "spawnref create+join" ref-thread "squares spawn, pthreads" our-thread us
fi
