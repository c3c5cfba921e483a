#!/usr/bin/env bash
# run.sh: what `make run*` runs. Each exercise of each backend given, with the
# arguments in exercises/<e>.run; the tables go to the terminal and the records to one
# CSV file, which ends in the side-by-side tables of tools/summary.awk.
#   tools/run.sh [-b BUILD] [-w WORKERS] [-n NP] [-o CSV] BACKEND...
# BACKEND: openmp mpi pthreads procs hybrid. MPI: NP ranks started by tools/mpilaunch (the
# launcher MPIRUN, or the one matching MPICC; as root, oversubscribed, each launch with
# its own session directory, as needed), each case on the first W of the NP ranks
# (W = 1, 2, 4, ... NP; a .run file's -w list keeps the counts that fit). NP is 4 by
# default, one rank a core under an MPI that polls while it waits (MPICH). hybrid:
# HYBRID_RANKS ranks (default 2) of HYBRID_THREADS OpenMP threads (OMP_NUM_THREADS,
# default 2) started the same way, unbound (OMPI_MCA_hwloc_base_binding_policy=none
# unless set: each rank's threads share the machine's cores), each case of W workers on
# the first ceil(W / T) ranks (a .run file's -w list keeps the counts that fit in R x T).
set -euo pipefail
build=build workers=1,2,4 np='' out=''
while getopts b:w:n:o: opt; do
	case $opt in
	b) build=$OPTARG ;;
	w) workers=$OPTARG ;;
	n) np=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-b BUILD] [-w WORKERS] [-n NP] [-o CSV] BACKEND..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-b BUILD] [-w WORKERS] [-n NP] [-o CSV] BACKEND..." >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$np" ]; then
	# 4 ranks, except under an MPI that polls while it waits (MPICH: hydra's mpiexec):
	# there ranks past the cores crawl, a scheduler time slice a hand-off, so one a core
	np=4
	cores=$(nproc)
	if [ "$np" -gt "$cores" ] && [ "$("$here/tools/mpilaunch" --flavour 2>/dev/null || true)" = hydra ]; then
		np=$cores
		echo "run.sh: MPI at $np ranks: $("$here/tools/mpilaunch" --launcher) polls while it waits, so ranks past the $cores cores would crawl (NP=4 asks anyway)" >&2
	fi
fi
case $np in '' | *[!0-9]* | 0) echo "$0: NP must be a positive whole number (got '$np')" >&2; exit 2 ;; esac
hyb_ranks=${HYBRID_RANKS:-2} hyb_threads=${HYBRID_THREADS:-2}
for v in "$hyb_ranks" "$hyb_threads"; do
	case $v in '' | *[!0-9]* | 0*) echo "$0: HYBRID_RANKS and HYBRID_THREADS must be positive whole numbers (got '$v')" >&2; exit 2 ;; esac
done
out=${out:-$build/results/run.csv}
mkdir -p "$(dirname "$out")"
: >"$out"

status=0
start=$SECONDS
for backend in "$@"; do
	[ -d "$build/$backend" ] || { echo "$0: no $build/$backend: run make first" >&2; exit 1; }
	for bin in "$build/$backend"/*; do
		if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
		ex=$(basename "$bin")
		args=()
		if [ -f "$here/exercises/$ex.run" ]; then
			read -r -a args < <(grep -v "^#" "$here/exercises/$ex.run" | tr "\n" " "; echo)
		fi
		has_w=0
		for a in "${args[@]}"; do [ "$a" = -w ] && has_w=1; done
		echo
		if [ "$backend" = mpi ]; then
			# a worker list of the .run file: the counts that fit in the NP ranks
			for i in "${!args[@]}"; do
				[ "${args[$i]}" = -w ] || continue
				args[i + 1]=$(tr , '\n' <<<"${args[$((i + 1))]}" | awk -v np="$np" '$1 <= np' | paste -sd, -)
				[ -n "${args[$((i + 1))]}" ] || args[i + 1]=$np
			done
			"$here/tools/mpilaunch" "$np" "$bin" "${args[@]}" --save "$out" || status=1
		elif [ "$backend" = hybrid ]; then
			for i in "${!args[@]}"; do
				[ "${args[$i]}" = -w ] || continue
				args[i + 1]=$(tr , '\n' <<<"${args[$((i + 1))]}" | awk -v m=$((hyb_ranks * hyb_threads)) '$1 <= m' | paste -sd, -)
				[ -n "${args[$((i + 1))]}" ] || args[i + 1]=$((hyb_ranks * hyb_threads))
			done
			OMP_NUM_THREADS=$hyb_threads OMPI_MCA_hwloc_base_binding_policy=${OMPI_MCA_hwloc_base_binding_policy:-none} \
				"$here/tools/mpilaunch" "$hyb_ranks" "$bin" "${args[@]}" --save "$out" || status=1
		else
			[ $has_w = 1 ] || args+=(-w "$workers")
			"$bin" "${args[@]}" --save "$out" || status=1
		fi
	done
done
echo
awk -f "$here/tools/csv.awk" -f "$here/tools/summary.awk" "$out"
echo "records: $out ($((SECONDS - start)) s)"
exit $status
