#!/usr/bin/env bash
# bench.sh: make bench. Each of the suite's overheads beside the same operation in a bare
# raw-API program (bench/, nothing of the suite around it), in interleaved rounds: in each
# round every reference runs, then every suite figure, so both see the machine alike.
# Each figure's line: the medians over the rounds of the suite's value and the
# reference's, and the median of the per-round ratios suite / reference, against its
# target (1.05: the suite adds at most 5% to what it measures). Not a test: this
# machine's timings are noisy, so the figures are printed, never judged by make test.
# Records: BUILD/results/bench.csv (the suite's records, a round per file kept apart as
# bench-rN.csv), bench-refs.txt (the references' lines), bench-figures.txt (one line per
# round and figure). Last, MPI start-up and memory per rank, printed without a target.
#   tools/bench.sh [-b BUILD] [-r ROUNDS] [-q]      (-q: 3 rounds, no start-up/memory)
set -euo pipefail
build=build rounds=5 quick=0
usage() { echo "usage: $0 [-b BUILD] [-r ROUNDS (3..50)] [-q]" >&2; exit 2; }
while getopts b:r:q opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	q) quick=1 rounds=3 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $rounds in '' | *[!0-9]*) echo "$0: option -r: '$rounds' must be a whole number from 3 to 50" >&2; exit 2 ;; esac
if [ "$rounds" -lt 3 ] || [ "$rounds" -gt 50 ]; then
	echo "$0: option -r: $rounds must be a whole number from 3 to 50" >&2
	exit 2
fi
here=$(dirname "$0")
res=$build/results
mkdir -p "$res"
out=$res/bench.csv refs=$res/bench-refs.txt figs=$res/bench-figures.txt
rm -f "$res"/bench-r*.csv
: >"$refs"
: >"$figs"
# MPI runs go through tools/mpilaunch (MPIRUN, as root and oversubscribed when needed)
mpilaunch=$here/mpilaunch
export OMP_NUM_THREADS=2
# the same wait policy for the suite and the bare references: the suite's own default
# (passive: a waiting thread sleeps, as pthreads and procs do), or the caller's
[ -n "${OMP_WAIT_POLICY:-}${GOMP_SPINCOUNT:-}" ] || export OMP_WAIT_POLICY=passive
run() { # ROUND BACKEND EXERCISE ARGS...: records appended to bench-rROUND.csv
	local r=$1 b=$2 e=$3
	shift 3
	if [ "$b" = mpi ]; then
		"$mpilaunch" 2 "$build/mpi/$e" -q --csv --save "$res/bench-r$r.csv" "$@" >/dev/null
	else
		"$build/$b/$e" -q --csv --save "$res/bench-r$r.csv" "$@" >/dev/null
	fi
}
ref() { # ROUND PROGRAM...: the reference's key=value line, tagged with its round
	echo "round=$1 $("${@:2}")" >>"$refs"
}
fac_n=20000 ss_n=40000
python=$(command -v python3 || true)
[ -n "$python" ] || echo "bench: no python3: the factorial figure beside Python's is left out" >&2
[ $quick = 1 ] && fac_n=10000 ss_n=20000

for r in $(seq "$rounds"); do
	echo "bench: round $r of $rounds" >&2
	ref "$r" "$build/bench/spawnref" -n 200
	ref "$r" "$build/bench/pingref"
	ref "$r" "$build/bench/ompref"
	ref "$r" "$mpilaunch" 2 "$build/bench/mpiref"
	if [ -n "$python" ]; then ref "$r" "$python" "$here/../bench/pyfactorial.py" -n 1000 -s 5; fi
	# creating and ending a worker, one at a time, back to back as spawnref does:
	# squares' worker per item at W = 1 with no work, its time per item
	for b in pthreads procs; do
		run "$r" "$b" squares --variant spawn -n 200 --work 0 -w 1 -r 5 -x 1
	done
	# 8-byte one-way hand-offs, calibrated as the references are (1 ms samples)
	run "$r" procs ipc --variant pipe -w 2 -m 8:8 -r 9 -x 1
	run "$r" pthreads ipc --variant condvar -w 2 -m 8:8 -r 9 -x 1
	run "$r" mpi ipc --variant sendrecv -w 2 -m 8:8 -r 9 -x 1
	# OpenMP's constructs: a parallel region (squares' pool start-up), a barrier
	run "$r" openmp squares -n 10 --work 0 -w 2 -r 9 -x 1
	run "$r" openmp sync --variant barrier -w 2 -r 9 -x 1
	# dispatching tiny tasks: the POSIX pools against OpenMP's tasks, same tasks, W = 2
	for b in openmp pthreads procs; do
		run "$r" "$b" factorial --variant small -n "$fac_n" -w 2 -r 5 -x 1
	done
	# factorials of 1..1000 on two threads, beside the seeds' Q7 in Python
	run "$r" pthreads factorial --variant large -n 1000 -w 2 -r 5 -x 1
	# the speedup at W = 1 and 2 against the serial baseline of the same run
	for b in openmp pthreads procs; do run "$r" "$b" sumsquares -n "$ss_n" -w 1,2 -r 3 -x 1; done
	run "$r" mpi sumsquares -n "$ss_n" -w 2 -r 3 -x 1
done
# one file of records, as make report reads them
first=1
: >"$out"
for r in $(seq "$rounds"); do
	if [ $first = 1 ]; then cat "$res/bench-r$r.csv" >>"$out"; first=0
	else tail -n +2 "$res/bench-r$r.csv" >>"$out"; fi
done
awk -f "$here/csv.awk" -f "$here/bench.awk" "$refs" "$res"/bench-r*.csv >"$figs"
awk -v table=1 -f "$here/csv.awk" -f "$here/bench.awk" "$figs"

if [ $quick = 0 ]; then
	echo "bench: MPI start-up at -np 1, 2, 4 (the launcher and MPI_Init apart)" >&2
	startup=$(mktemp)
	trap 'rm -f "$startup"' EXIT
	"$here/mpistart.sh" -b "$build" -r 5 1 2 4 >"$startup"
	echo "bench: workload memory per MPI rank, -np 1 and -np 64" >&2
	"$here/mpimem.sh" -b "$build" -n 64
	grep -v '^records:' "$startup"
fi
echo "records: $out $refs $figs"
