#!/usr/bin/env bash
# mpistart.sh: what starting MPI costs, in seconds, at each rank count (make mpi-startup;
# make bench runs it too). Each repetition launches build/tools/mpistart (MPI_Init and
# MPI_Finalize, timed inside) through tools/mpilaunch, which stamps the wall clock just
# before and after the launcher itself (TVP_LAUNCH_TIMES), and, interleaved, the same
# launcher on /bin/true (no MPI at all). Medians over the repetitions, per NP:
#   launch       the launcher's whole run, start to exit (`mpirun -np NP mpistart`)
#   to main      from the launcher's start to main() in the slowest rank
#   MPI_Init     the slowest rank's MPI_Init
#   Finalize     rank 0's MPI_Finalize
#   launcher     launch - (rank 0's MPI_Init + program + MPI_Finalize): what the launcher
#                itself adds (starting its daemon and the ranks, wiring up, tearing down)
#   true         the launcher running /bin/true: a second view of its own cost
# Every repetition is kept in BUILD/results/mpi-startup.csv (or -o FILE); docs/records.md
# describes the columns.
#   tools/mpistart.sh [-b BUILD] [-r REPS] [-o CSV] [NP...]     (NP: 1 2 4 by default)
set -euo pipefail
me=mpistart.sh
here=$(dirname "$0")
usage() {
	echo "$me: $1 (usage: $me [-b BUILD] [-r REPS] [-o CSV] [NP...])" >&2
	exit 2
}
build=build reps=5 out=
while getopts :b:r:o: opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) case $OPTARG in '' | *[!0-9]* | 0*) usage "option -r: REPS must be a positive whole number (got '$OPTARG')" ;; esac
	   reps=$OPTARG ;;
	o) out=$OPTARG ;;
	:) usage "option -$OPTARG needs a value" ;;
	*) usage "unknown option -$OPTARG" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 1 2 4
for np in "$@"; do
	case $np in '' | *[!0-9]* | 0*) usage "NP must be a positive whole number (got '$np')" ;; esac
done
prog=$build/tools/mpistart
[ -x "$prog" ] || { echo "$me: $prog is not built (make $prog, or make mpi)" >&2; exit 1; }
[ -n "$out" ] || out=$build/results/mpi-startup.csv
mkdir -p "$(dirname "$out")"
launcher=$("$here/mpilaunch" --launcher)

work=$(mktemp -d "${TMPDIR:-/tmp}/tvp-mpistart.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# launch NP PROGRAM: runs it through mpilaunch; sets t0 and t1, the wall clock just
# before the launcher started and just after it ended; its output in $work/out
launch() {
	local times=$work/times rc=0
	: >"$times"
	TVP_LAUNCH_TIMES=$times "$here/mpilaunch" "$1" "$2" >"$work/out" 2>"$work/err" || rc=$?
	t0='' t1=''
	[ ! -s "$times" ] || read -r t0 t1 _ <"$times"
	if [ $rc -ne 0 ] || [ -z "$t1" ]; then
		echo "$me: '$here/mpilaunch $1 $2' failed (exit $rc):" >&2
		cat "$work/err" "$work/out" >&2
		exit 1
	fi
}

echo "np,rep,launch_s,to_main_s,init_s,finalize_s,main_s,end_s,launcher_s,true_launch_s,launcher_cmd" >"$out"
for np in "$@"; do
	for ((rep = 1; rep <= reps; rep++)); do
		launch "$np" /bin/true
		s0=$t0 s1=$t1
		launch "$np" "$prog"
		line=$(grep '^mpistart: ' "$work/out") || { echo "$me: no figures from $prog:" >&2; cat "$work/out" "$work/err" >&2; exit 1; }
		# the figures, or a message and exit 1 when one is missing or not positive
		awk -v np="$np" -v rep="$rep" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" \
			-v line="$line" -v cmd="$launcher" -v me="$me" 'BEGIN {
			n = split(line, kv, " ")
			for (i = 2; i <= n; i++) { split(kv[i], p, "="); f[p[1]] = p[2] }
			if (f["np"] != np) { print me ": mpistart ran " f["np"] " ranks, not " np > "/dev/stderr"; exit 1 }
			split("init_s finalize_s main_s", need, " ")
			for (i = 1; i <= 3; i++)
				if (!(f[need[i]] + 0 > 0)) { print me ": no positive " need[i] " in: " line > "/dev/stderr"; exit 1 }
			launch = t1 - t0; other = launch - f["main_s"]; tr = s1 - s0
			if (!(launch > 0) || !(tr > 0)) { print me ": the clock did not advance over a launch" > "/dev/stderr"; exit 1 }
			printf "%d,%d,%.6f,%s,%s,%s,%s,%s,%.6f,%.6f,%s\n", np, rep, launch, f["to_main_s"],
				f["init_s"], f["finalize_s"], f["main_s"], f["end_s"], other, tr, cmd
		}' >>"$out"
	done
done

# the medians, one row per NP
awk -F, -v reps="$reps" '
function median(key,    n, i, j, t, v) {
	n = split(vals[key], v, " ")
	for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function cell(key,    m) { if (vals[key] == "") return sprintf("%10s", ""); return sprintf("%10.3f", median(key)) }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	np = $1; if (!(np in seen)) { seen[np] = 1; order[++nnp] = np }
	split("launch_s to_main_s init_s finalize_s launcher_s true_launch_s", names, " ")
	for (i = 1; i <= 6; i++) if ($col[names[i]] != "") vals[np, names[i]] = vals[np, names[i]] " " $col[names[i]]
	cmd = $col["launcher_cmd"]
}
END {
	printf "\nMPI start-up (%s), seconds, median of %d launches\n", cmd, reps
	printf "%4s %10s %10s %10s %10s %10s %10s\n", "np", "launch", "to main", "MPI_Init", "Finalize", "launcher", "/bin/true"
	for (k = 1; k <= nnp; k++) {
		np = order[k]
		printf "%4d %s %s %s %s %s %s\n", np, cell(np SUBSEP "launch_s"), cell(np SUBSEP "to_main_s"),
			cell(np SUBSEP "init_s"), cell(np SUBSEP "finalize_s"), cell(np SUBSEP "launcher_s"),
			cell(np SUBSEP "true_launch_s")
	}
}' "$out"
echo "records: $out"
