#!/usr/bin/env bash
# evidence.sh: what `make evidence` runs. For each of the seeds' claims (the list in
# tools/report.py), the experiment that can show it, on every backend where it applies,
# in ROUNDS interleaved rounds (round 1 runs every experiment once, then round 2, ...),
# so that a slow minute of the machine lands in one round of every figure, not in every
# round of one. All records go to one file; `make report` turns them into verdicts.
#   tools/evidence.sh [-b BUILD] [-o FILE] [-r ROUNDS] [-q]
# -q (QUICK=1): fewer worker counts (to 4 x cores), message sizes (to 1 MiB), items (300)
# and repetitions: the same claims in about a minute.
#
#   claim  experiment
#   1      workload io, 64 waits of 1 ms, W = 1, 2, 4 ... 16 x cores: speedup, and the
#          start, end and memory of each waiter (threads, processes, OpenMP, MPI ranks)
#   2      ipc bandwidth and latency 8 B .. 4 MiB: the zero-copy pointer hand-off
#          (threads) beside the copying channels (spin ring, shm ring, pipe, MPI)
#   3      ipc latency at 8 B pinned to one core (taskset): the same mechanism between
#          two threads and between two processes (condvar, pipe)
#   4, 5   memory and creation per worker: workload's slopes (the claim-1 runs)
#   6      sumsquares at W = 1 .. cores, every schedule, the serial baseline timed in the
#          same repetitions
#   7, 11  errors crash and exit (an unhandled error) in a thread and in a process; MPI's
#          answer is its n/a record (a rank's death ends the job)
#   8, 9   squares: a pool of 1, 2, 4, 8 against a worker per item, at 10 and 1000 items
#   10     race none, lock, atomic, local at W = 2 .. cores (exact lost updates)
set -euo pipefail
build=build out='' rounds=3 quick=0
usage() { echo "usage: $0 [-b BUILD] [-o FILE] [-r ROUNDS] [-q]" >&2; exit 2; }
while getopts b:o:r:q opt; do
	case $opt in
	b) build=$OPTARG ;;
	o) out=$OPTARG ;;
	r) rounds=$OPTARG ;;
	q) quick=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $rounds in '' | *[!0-9]* | 0) echo "$0: -r ROUNDS must be a positive whole number (got '$rounds')" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
out=${out:-$build/results/evidence.csv}
for b in openmp mpi pthreads procs; do
	[ -d "$build/$b" ] || { echo "$0: no $build/$b: run make first" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
: >"$out"
log=${out%.*}.log
: >"$log"

cores=$(nproc)
pow2() { # pow2 MAX: 1,2,4,... up to MAX, and MAX itself
	local w=1 s=""
	while [ "$w" -lt "$1" ]; do s="$s$w,"; w=$((w * 2)); done
	echo "$s$1"
}
if [ $quick = 1 ]; then
	reps=(-r 3 -x 1)
	io_w=$(pow2 $((4 * cores)))
	ipc_sizes=(8 64K 1M)
	mpi_np=$((4 * cores))
	spawn_n=300
else
	reps=(-r 5 -x 1)
	io_w=$(pow2 $((16 * cores)))
	ipc_sizes=(8 512 32K 1M 4M)
	mpi_np=$((16 * cores))
	spawn_n=1000
fi
cores_w=$(pow2 "$cores")
[ "$cores" -ge 2 ] || cores_w=1,2
io=(--variant io -n 64 --sleep-us 1000 --cpu-iters 1000)

status=0
run() { # run BACKEND NP-or-0 [PREFIX...] -- ARGS...: one program, its records appended
	local backend=$1 np=$2 ex=$3
	shift 3
	local pre=()
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	local cmd=("${pre[@]}")
	if [ "$backend" = mpi ]; then
		cmd+=("$here/tools/mpilaunch" "$np" "$build/mpi/$ex")
	else
		cmd+=("$build/$backend/$ex")
	fi
	cmd+=("$@" -q --all-records --save "$out")
	local t0=$SECONDS rc=0
	"${cmd[@]}" >/dev/null 2>>"$log" || rc=$?
	echo "$((SECONDS - t0)) s: ${cmd[*]}" >>"$log"
	if [ $rc -ne 0 ]; then
		echo "evidence: failed (exit $rc): ${cmd[*]} (see $log)" >&2
		status=1
	fi
}

experiments() {
	# claims 1, 4, 5: waiting workers, and what each costs to create and to keep
	for b in pthreads procs openmp; do run $b 0 workload -- "${io[@]}" -w "$io_w" "${reps[@]}"; done
	run mpi "$mpi_np" workload -- "${io[@]}" -w "$io_w" "${reps[@]}"
	# claim 2: bandwidth and latency through every kind of channel
	for m in "${ipc_sizes[@]}"; do
		run pthreads 0 ipc -- --variant pointer,spin,pipe -m "$m:$m" "${reps[@]}"
		run procs 0 ipc -- --variant shm,pipe -m "$m:$m" "${reps[@]}"
		run openmp 0 ipc -- --variant pointer,spin -w 2 -m "$m:$m" "${reps[@]}"
		run mpi 2 ipc -- --variant sendrecv,shmwin -m "$m:$m" "${reps[@]}"
	done
	# claim 3: a switch on one core, the same mechanism on both sides
	for b in pthreads procs; do
		run $b 0 ipc taskset -c 0 -- --variant condvar,pipe -m 8:8 -r 9 -x 1 --target-ms 10
	done
	# claim 6: CPU-bound scaling, every schedule, the serial baseline in each repetition
	for b in pthreads procs openmp; do run $b 0 sumsquares -- -n 8000 -w "$cores_w" "${reps[@]}"; done
	run mpi "$cores" sumsquares -- -n 8000 -w "$cores_w" "${reps[@]}"
	# claims 7, 11: a crash and an unhandled error in one worker
	for b in pthreads procs openmp; do run $b 0 errors -- --variant crash,exit -n 12 -w 2 -r 1 -x 0; done
	run mpi 2 errors -- --variant crash,exit -n 12 -w 2 -r 1 -x 0
	# claims 8, 9: a pool against a worker per item; the pool's size
	for b in pthreads procs; do
		run $b 0 squares -- --variant pool -n 10 -w 1,2,4,8 "${reps[@]}"
		run $b 0 squares -- --variant pool -n "$spawn_n" -w 1,2,4,8 "${reps[@]}"
		run $b 0 squares -- --variant spawn -n 10 -w "$cores" "${reps[@]}"
		run $b 0 squares -- --variant spawn -n "$spawn_n" -w "$cores" -r 3 -x 0
	done
	# claim 10: lost updates, exact, without a lock (a million updates a worker, so the
	# workers overlap even when one starts late) and with each kind of one (calibrated)
	for b in pthreads procs openmp mpi; do
		np=0
		[ $b != mpi ] || np=$cores
		run $b $np race -- --variant none -n 1000000 -w "$cores_w" "${reps[@]}"
		run $b $np race -- --variant lock,atomic,local -w "$cores_w" "${reps[@]}"
	done
}

start=$SECONDS
for ((round = 1; round <= rounds; round++)); do
	echo "evidence: round $round of $rounds ($((SECONDS - start)) s)"
	echo "# round $round" >>"$log"
	experiments
done
echo "evidence: $(grep -vc '^exercise,' "$out") records in $out, commands and errors in $log ($((SECONDS - start)) s)"
exit $status
