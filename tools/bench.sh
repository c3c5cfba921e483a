#!/usr/bin/env bash
# bench.sh: the suite's performance targets, measured in one run (make bench).
# Not a test: this machine's timings are noisy, so the figures are printed, with the
# target beside each, and the records kept in BUILD/results/bench.csv.
# Last, MPI start-up at 1, 2 and 4 ranks (tools/mpistart.sh, records in mpi-startup.csv).
#   tools/bench.sh [-b BUILD] [-q]      (-q: shorter runs)
set -euo pipefail
build=build quick=0
while getopts b:q opt; do
	case $opt in
	b) build=$OPTARG ;;
	q) quick=1 ;;
	*) echo "usage: $0 [-b BUILD] [-q]" >&2; exit 2 ;;
	esac
done
out=$build/results/bench.csv
mkdir -p "$(dirname "$out")"
: >"$out"
# MPI runs go through tools/mpilaunch: the launcher MPIRUN (or the one matching MPICC),
# as root and oversubscribed when needed
mpilaunch=$(dirname "$0")/mpilaunch
run() { # BACKEND EXERCISE ARGS...: records appended to $out
	local b=$1 e=$2
	shift 2
	if [ "$b" = mpi ]; then
		"$mpilaunch" 2 "$build/mpi/$e" -q --csv --save "$out" "$@" >/dev/null
	else
		"$build/$b/$e" -q --csv --save "$out" "$@" >/dev/null
	fi
}
ss_n=40000 fac_r=15 ipc_n=20000
[ $quick = 1 ] && ss_n=20000 fac_r=5 ipc_n=5000

# Creating and ending one worker, stamped where it happens (posix/team.h's px_life):
# workload's team and squares' one worker per item, one at a time (W = 1, like the
# reference), beside bench/spawnref's fork + waitpid and pthread_create + join with
# nothing of the suite around them, timed before and after (their mean is the reference).
# First, while the machine is quietest (the MPI runs below leave it loaded for a while).
echo "bench: creating and ending a worker: workload, squares --variant spawn, spawnref" >&2
spawnref=$("$build/bench/spawnref" -n 200)
for b in pthreads procs; do
	run "$b" workload --variant io -n 1 -w 1 --sleep-us 0 -r 9 -x 1
	run "$b" squares --variant spawn -n 100 --work 0 -w 1 -r 9 -x 1
done
spawnref="$spawnref $("$build/bench/spawnref" -n 200)"
# The same on one core: on a VM whose idle cores halt (cpuidle haltpoll), a new worker
# placed on the other core waits for it to wake (tens of microseconds, more than a thread
# costs); pinned, the parent and its worker share a core that is awake, and what is left
# is creating and ending the worker (see docs/records.md).
pinned=$build/results/bench-one-core.csv
: >"$pinned"
pinnedref=''
if command -v taskset >/dev/null; then
	pinnedref=$(taskset -c 0 "$build/bench/spawnref" -n 200)
	for b in pthreads procs; do
		taskset -c 0 "$build/$b/workload" -q --csv --save "$pinned" --variant io -n 1 -w 1 \
			--sleep-us 0 -r 9 -x 1 >/dev/null
		taskset -c 0 "$build/$b/squares" -q --csv --save "$pinned" --variant spawn -n 100 \
			--work 0 -w 1 -r 9 -x 1 >/dev/null
	done
	pinnedref="$pinnedref $(taskset -c 0 "$build/bench/spawnref" -n 200)"
fi

echo "bench: sumsquares -n $ss_n at 1 and 2 workers, every schedule" >&2
for b in openmp pthreads procs; do run "$b" sumsquares -n "$ss_n" -w 1,2 -r 3 -x 1; done
run mpi sumsquares -n "$ss_n" -w 1,2 -r 3 -x 1
echo "bench: factorial --variant small (dispatch overhead), 2 workers" >&2
for b in openmp pthreads; do run "$b" factorial --variant small -n 20000 -w 2 -r "$fac_r" -x 2; done
echo "bench: ipc one-way latency, 8 bytes" >&2
run procs ipc --variant pipe -w 2 -m 8:8 -n "$ipc_n" -r 10 -x 2
run pthreads ipc --variant condvar -w 2 -m 8:8 -n "$ipc_n" -r 10 -x 2
run mpi ipc --variant sendrecv -w 2 -m 8:8 -n "$ipc_n" -r 10 -x 2
# The same on one core: on a VM whose idle cores halt (cpuidle haltpoll), waking the
# other core dominates a blocking hand-off; pinned, what is left is the channel itself.
if command -v taskset >/dev/null; then
	echo "bench: ipc one-way latency, 8 bytes, both workers on one core" >&2
	taskset -c 0 "$build/procs/ipc" -q --csv --save "$pinned" --variant pipe -w 2 -m 8:8 \
		-n "$ipc_n" -r 10 -x 2 >/dev/null
	taskset -c 0 "$build/pthreads/ipc" -q --csv --save "$pinned" --variant condvar -w 2 \
		-m 8:8 -n "$ipc_n" -r 10 -x 2 >/dev/null
fi
echo "bench: workload --variant io, 1 and 8 workers" >&2
for b in openmp pthreads procs; do run "$b" workload --variant io -w 1,8 -n 16 --sleep-us 2000 -r 5 -x 1; done
"$mpilaunch" 8 "$build/mpi/workload" -q --csv --save "$out" --variant io -w 1,8 \
	-n 16 --sleep-us 2000 -r 5 -x 1 >/dev/null

echo "bench: MPI start-up at -np 1, 2, 4 (the launcher and MPI_Init apart)" >&2
startup=$(mktemp)
trap 'rm -f "$startup"' EXIT
startup_reps=5
[ $quick = 1 ] && startup_reps=3
"$(dirname "$0")/mpistart.sh" -b "$build" -r "$startup_reps" 1 2 4 >"$startup"
# Memory per MPI rank as a slope over ranks: one launch has one rank count, so two
# launches (-np 1 and -np 64, oversubscribed; about 20-30 s here)
echo "bench: workload memory per MPI rank, -np 1 and -np 64" >&2
mpimem=$("$(dirname "$0")/mpimem.sh" -b "$build" -n 64)

awk -v spawnref="$spawnref" -f "$(dirname "$0")/csv.awk" -f "$(dirname "$0")/bench.awk" "$out"
echo "$mpimem"
[ -s "$pinned" ] && awk -v where=", one core" -v spawnref="$pinnedref" -f "$(dirname "$0")/csv.awk" -f "$(dirname "$0")/bench.awk" "$pinned"
grep -v '^records:' "$startup"
echo "records: $out $pinned $build/results/mpi-startup.csv"
