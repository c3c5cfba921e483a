#!/usr/bin/env bash
# syncbench-compare.sh: our OpenMP overheads beside EPCC's syncbench, on this machine.
#   tools/syncbench-compare.sh [-b BUILD] [-r ROUNDS] [-t MS] SYNCBENCH
# SYNCBENCH: a syncbench binary built from EPCC's public source (github.com/EPCCed/
# epcc-openmp-microbenchmarks, openmpbench_C_v40: `make syncbench`), never part of this
# repository; a libgomp without omp_init_lock_with_hint (gcc 12 here) builds it with
# make syncbench CFLAGS="-fopenmp -D'omp_init_lock_with_hint(l,h)=omp_init_lock(l)'".
# Both programs run at 2 threads (OMP_NUM_THREADS=2) with the same
# OMP_WAIT_POLICY and GOMP_SPINCOUNT (the caller's, else passive as ours), one after
# the other, ROUNDS times (default 3) so that both see the machine's load alike; each
# figure is the median over the rounds of each program's median overhead. Both calibrate
# their samples to MS milliseconds (default 1: syncbench's --test-time, our --target-ms).
# syncbench's calibration times one call: when that first call of 10 inner repetitions
# passes the target (it also creates the OpenMP team, and a busy machine may preempt it),
# it stops at 20 ("Computing ATOMIC time using 20 reps") and its samples are a fraction
# of a microsecond, a parallel region's start divided by 20. Such a syncbench run is left
# out (the table says how many rounds count); -t 10 makes it rarer.
#   syncbench   "<NAME> median_ovrhd" (per op: test time minus reference time over the
#               inner repetitions, its samples >= 1 ms by its own calibration)
#   ours        overhead_ns= of the record's note (median per op minus the reference
#               loop's, calibrated to >= 1 ms samples): sync --variant barrier (a round
#               with the barrier minus the same round without it), race --variant lock
#               (omp critical around the update), atomic (omp atomic), each minus race's
#               reference loop (the update on a private word); squares --variant pool
#               (-n 1 --work 0) startup: empty parallel regions back to back, overhead_ns=
#               and reduction_overhead_ns= (each region with reduction(+)) minus the
#               reference loop of the regions' body on one thread (openmp/squares.c),
#               beside syncbench's PARALLEL and REDUCTION (regions of a 0.1 us delay
#               minus the delay alone).
# syncbench holds its locks for its delay, 0.1 us by default: its waiter then backs off
# and the holder mostly takes the lock again uncontended, which is not what race lock's
# few-nanosecond update measures. So CRITICAL runs twice, with the default delay and
# with --delay-time 0.001 (a 1-iteration delay, as short as race's update), and
# LOCK_CONTENDED with the short one; the like-for-like rows are the short ones.
# The table is markdown: docs/records.md quotes one.
set -euo pipefail
build=build rounds=3 ms=1
usage() { echo "usage: $0 [-b BUILD] [-r ROUNDS] [-t MS] SYNCBENCH" >&2; exit 2; }
while getopts b:r:t: opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	t) ms=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
sb=$1
case $rounds in '' | *[!0-9]* | 0) echo "$0: option -r: ROUNDS must be a positive whole number (got '$rounds')" >&2; exit 2 ;; esac
case $ms in '' | *[!0-9]* | 0) echo "$0: option -t: MS must be a positive whole number (got '$ms')" >&2; exit 2 ;; esac
[ -x "$sb" ] || { echo "$0: SYNCBENCH: '$sb' is not an executable file" >&2; exit 2; }
for p in sync race squares; do
	[ -x "$build/openmp/$p" ] || { echo "$0: no $build/openmp/$p: run make first" >&2; exit 1; }
done
export OMP_NUM_THREADS=2
# the waiting policy our OpenMP programs use, for syncbench too: theirs is passive unless
# OMP_WAIT_POLICY or GOMP_SPINCOUNT is set (harness/backend_local.c)
if [ -z "${OMP_WAIT_POLICY:-}" ] && [ -z "${GOMP_SPINCOUNT:-}" ]; then
	export OMP_WAIT_POLICY=passive
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# syncbench's median overhead of one construct, in ns; nothing when its calibration
# stopped at 20 inner repetitions
epcc() { # NAME (as --measureonly takes it) [DELAY-US]
	"$sb" --measureonly "$1" --test-time "$((ms * 1000))" ${2:+--delay-time "$2"} | awk -v n="$1" '
		$1 == "Computing" && $2 == n { reps = $5 }
		$1 == n && $2 == "median_ovrhd" { v = $4 * 1000; found = 1 }
		END { if (!found) exit 1; if (reps > 20) print v }'
}
# ours: overhead_ns= (or KEY=) of a variant's first record
ours() { # PROGRAM VARIANT [KEY [ARGS...]]
	local p=$1 v=$2 key=${3:-overhead_ns}
	shift $(($# < 3 ? $# : 3))
	"$build/openmp/$p" --variant "$v" -w 2 --target-ms "$ms" "$@" --csv -q 2>/dev/null | awk -F, -v v="$v" -v k="$key" '
		NR > 1 && $3 == v && !found { if (match($0, "(^|[ ,\"])" k "=[-0-9.e+]+")) {
			s = substr($0, RSTART, RLENGTH); sub(/^.*=/, "", s); print s; found = 1 } }
		END { if (!found) exit 1 }'
}

for ((r = 1; r <= rounds; r++)); do
	epcc PARALLEL >>"$tmp/epcc-parallel"
	ours squares pool overhead_ns -n 1 --work 0 >>"$tmp/ours-parallel"
	epcc REDUCTION >>"$tmp/epcc-reduction"
	ours squares pool reduction_overhead_ns -n 1 --work 0 >>"$tmp/ours-reduction"
	epcc BARRIER >>"$tmp/epcc-barrier"
	ours sync barrier >>"$tmp/ours-barrier"
	epcc CRITICAL >>"$tmp/epcc-critical"
	epcc CRITICAL 0.001 >>"$tmp/epcc-critical0"
	epcc LOCK_CONTENDED 0.001 >>"$tmp/epcc-lock0"
	ours race lock >>"$tmp/ours-lock"
	epcc ATOMIC >>"$tmp/epcc-atomic"
	ours race atomic >>"$tmp/ours-atomic"
done

median() { # FILE: the median of its lines, "nan" when it has none
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"; else print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() { # CONSTRUCT EPCC-FILE OURS-FILE OUR-NAME
	local e o ne
	touch "$tmp/$2" "$tmp/$3"
	e=$(median "$tmp/$2") o=$(median "$tmp/$3") ne=$(wc -l <"$tmp/$2")
	awk -v c="$1" -v e="$e" -v o="$o" -v n="$4" -v ne="$ne" -v r="$rounds" 'BEGIN {
		ratio = (e != "nan" && o != "nan" && e > 0 && o > 0) ? sprintf("%.2f", o > e ? o / e : e / o) : "n/a"
		printf "| %s | %s | %s | %s | %s | %d of %d |\n", c, e == "nan" ? "-" : sprintf("%.1f", e),
			n, o == "nan" ? "-" : sprintf("%.1f", o), ratio, ne, r }'
}
echo "OMP_NUM_THREADS=2 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-unset}, samples >= $ms ms, $rounds rounds, load average $(cut -d' ' -f1 /proc/loadavg) at the end"
echo
echo "| syncbench | overhead ns | ours | overhead ns | ratio (larger / smaller) | syncbench rounds that count |"
echo "|---|---:|---|---:|---:|---:|"
row PARALLEL epcc-parallel ours-parallel "squares startup (empty regions)"
row REDUCTION epcc-reduction ours-reduction "squares startup, reduction(+)"
row BARRIER epcc-barrier ours-barrier "sync barrier"
row "CRITICAL (0.1 us held)" epcc-critical ours-lock "race lock (omp critical)"
row "CRITICAL (1-iteration delay held)" epcc-critical0 ours-lock "race lock (omp critical)"
row "LOCK_CONTENDED (1-iteration delay held)" epcc-lock0 ours-lock "race lock (omp critical)"
row ATOMIC epcc-atomic ours-atomic "race atomic"
