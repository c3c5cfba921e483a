#!/usr/bin/env bash
# mpimem.sh: what one more MPI rank costs in memory, as a slope over ranks. One launch
# has one rank count, so this launches build/mpi/workload twice, at -np 1 and at -np N
# (64 by default; oversubscribed through tools/mpilaunch), each case on all its ranks,
# and reads the per-rank means its records note (pss_kib_per_rank, uss_kib_per_rank,
# pte_kib_per_rank: each rank's own /proc/self/smaps_rollup and status). The slope is
# (N * mean(N) - 1 * mean(1)) / (N - 1): what the N ranks hold together, less one rank
# alone, per added rank. mpirun's own processes are not in it.
#   tools/mpimem.sh [-b BUILD] [-n N] [-o CSV]     (-o: also keep the two launches' records)
# 64 ranks on 2 cores start in about 20 s here; each launch is bounded by 300 s.
set -euo pipefail
build=build np=64 out=''
usage() { echo "usage: $0 [-b BUILD] [-n N (2..256)] [-o CSV]" >&2; exit 2; }
while getopts b:n:o: opt; do
	case $opt in
	b) build=$OPTARG ;;
	n) np=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
case $np in '' | *[!0-9]*) echo "$0: option -n: '$np' must be a whole number from 2 to 256" >&2; exit 2 ;; esac
if [ "$np" -lt 2 ] || [ "$np" -gt 256 ]; then
	echo "$0: option -n: $np must be a whole number from 2 to 256" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
prog=$build/mpi/workload
[ -x "$prog" ] || { echo "$0: $prog is not built (make mpi)" >&2; exit 3; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one launch of P ranks: its first record's note, on stdout
launch() {
	local p=$1
	timeout 300 "$here/mpilaunch" "$p" "$prog" --csv -q --variant io -n "$p" -w "$p" \
		--sleep-us 0 -r 1 -x 0 >"$tmp/np$p.csv" 2>"$tmp/np$p.err" || {
		echo "$0: mpilaunch $p $prog failed:" >&2
		cat "$tmp/np$p.err" >&2
		exit 3
	}
	[ -z "$out" ] || cat "$tmp/np$p.csv" >>"$out"
}
launch 1
launch "$np"
# a key's value in the first record of launch P (empty: not measured)
value() { sed -n 2p "$tmp/np$1.csv" | grep -o "$2=[-0-9.]*" | head -n 1 | cut -d= -f2 || true; }
line="MPI memory per rank, slope from -np 1 to -np $np:"
for key in pss uss pte; do
	a=$(value 1 "${key}_kib_per_rank") b=$(value "$np" "${key}_kib_per_rank")
	if [ -z "$a" ] || [ -z "$b" ]; then
		line="$line $key not measured;"
		continue
	fi
	line="$line $(awk -v a="$a" -v b="$b" -v n="$np" -v k="$key" 'BEGIN {
		printf "%s %.0f KiB (one rank alone %.0f, mean of %d %.0f);", k, (n * b - a) / (n - 1), a, n, b }')"
done
echo "${line%;}"
