# shellcheck shell=bash
# jobs/lib.sh: what the job scripts in jobs/ share (sourced, not run): finding the
# binaries, printing provenance, running every chosen exercise of a backend and saving its
# records. Every variable below may be set in the environment of sbatch (sbatch passes the
# submitter's environment on by default) or on its command line with --export=ALL,VAR=...
#
#   TVP_ROOT        the checkout (default: the submit directory or the first parent of it
#                   holding jobs/lib.sh; Slurm runs a copy of the script from its spool)
#   TVP_BUILD       build directory, relative to TVP_ROOT or absolute (default build)
#   TVP_EXERCISES   exercises to run, space or comma separated (default: every binary built
#                   for the backend)
#   TVP_ARGS        extra arguments for every exercise, after those of exercises/<e>.run
#                   (e.g. "-n 1000 -r 3 -x 1 --variant all")
#   TVP_WORKERS     worker counts (-w LIST); each job script has its own default
#   TVP_FORMAT      csv (default) or json: the records file format
#   TVP_RESULTS_DIR where records go (default $TVP_ROOT/results)
#   TVP_SAVE        the records file itself (default $TVP_RESULTS_DIR/<job name>-<job id>.csv
#                   or .jsonl); records are appended, a CSV header is written when it is new
#   TVP_BIND        how every backend binds its workers: cores (default) or none, passed to
#                   every program as --bind (pthreads, procs: sched_setaffinity; OpenMP:
#                   OMP_PROC_BIND=close OMP_PLACES=cores; MPI: the launcher binds, srun
#                   --cpu-bind=cores or mpirun --bind-to core, and the program checks it)

tvp_log() { printf 'tvp: %s\n' "$*"; }
tvp_die() {
	printf 'tvp: error: %s\n' "$*" >&2
	exit 3
}

# tvp_setup: check TVP_ROOT and the build, choose the records file
tvp_setup() {
	[ -n "${TVP_ROOT:-}" ] || tvp_die "TVP_ROOT is not set"
	TVP_BUILD=${TVP_BUILD:-build}
	case $TVP_BUILD in
	/*) TVP_BIN=$TVP_BUILD ;;
	*) TVP_BIN=$TVP_ROOT/$TVP_BUILD ;;
	esac
	[ -d "$TVP_BIN" ] || tvp_die "no build in $TVP_BIN: run make (on the login node) first, or set TVP_BUILD"
	TVP_FORMAT=${TVP_FORMAT:-csv}
	local ext
	case $TVP_FORMAT in
	csv) ext=csv ;;
	json) ext=jsonl ;;
	*) tvp_die "TVP_FORMAT must be csv or json (got '$TVP_FORMAT')" ;;
	esac
	TVP_BIND=${TVP_BIND:-cores}
	case $TVP_BIND in
	cores | none) ;;
	*) tvp_die "TVP_BIND must be cores or none (got '$TVP_BIND')" ;;
	esac
	TVP_RESULTS_DIR=${TVP_RESULTS_DIR:-$TVP_ROOT/results}
	if [ -z "${TVP_SAVE:-}" ]; then
		local id=${SLURM_JOB_ID:-local-$$}
		[ -n "${SLURM_ARRAY_JOB_ID:-}" ] && id=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
		TVP_SAVE=$TVP_RESULTS_DIR/${SLURM_JOB_NAME:-tvp}-$id.$ext
	fi
	mkdir -p "$(dirname "$TVP_SAVE")"
	export TVP_ROOT TVP_BUILD TVP_BIN TVP_FORMAT TVP_RESULTS_DIR TVP_SAVE TVP_BIND
}

# first line of a command's output, or "none"
tvp_first() { { "$@" 2>&1 || true; } | sed -n '/./{p;q}' | grep . || echo none; }

# tvp_mpi_version: the MPI launcher tools/mpilaunch would use (MPIRUN, else the one
# matching MPICC), its flavour and version
tvp_mpi_version() {
	local l f v
	l=$("$TVP_ROOT/tools/mpilaunch" --launcher 2>/dev/null) || { echo none; return 0; }
	f=$("$TVP_ROOT/tools/mpilaunch" --flavour 2>/dev/null) || { echo "$l: not found"; return 0; }
	case $f in
	hydra) v=$({ "$l" --version 2>&1 || true; } | sed -n 's/^[[:space:]]*Version:[[:space:]]*/hydra /p;T;q') ;;
	*) v=$(tvp_first "$l" --version) ;;
	esac
	echo "$l ($f): ${v:-unknown}"
}

# tvp_built BACKEND: what built BACKEND's binaries, as the first of them says itself
# (--version's "built with: gcc 12.2.0, MPI Open MPI 4.1.4, OpenMP none"); nothing when
# none is built. An MPI binary starts as a singleton for it (bounded: 60 s).
tvp_built() {
	local f
	for f in "$TVP_BIN/$1"/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		{ timeout 60 "$f" --version </dev/null 2>/dev/null || true; } | sed -n 's/^built with: //p'
		return 0
	done
}

# tvp_toolchain: the compiler line and the MPI line of the provenance, from the binaries
# themselves (not from gcc or mpirun on the PATH, which may not be what built them):
# TVP_BUILT_COMPILER ("openmp: gcc 12.2.0; mpi: gcc 12.2.0; ...") and TVP_BUILT_MPI
# ("Open MPI 4.1.4", the mpi.h the MPI binaries were compiled against)
tvp_toolchain() {
	local b v c m
	TVP_BUILT_COMPILER="" TVP_BUILT_MPI=""
	for b in openmp mpi pthreads procs hybrid; do
		v=$(tvp_built "$b")
		[ -n "$v" ] || continue
		c=${v%%, MPI *}
		m=${v#*, MPI }
		m=${m%%, OpenMP *}
		TVP_BUILT_COMPILER+="${TVP_BUILT_COMPILER:+; }$b: $c"
		case $b in mpi | hybrid) [ -n "$TVP_BUILT_MPI" ] || TVP_BUILT_MPI=$m ;; esac
	done
	TVP_BUILT_COMPILER=${TVP_BUILT_COMPILER:-unknown (no binary in $TVP_BIN said)}
	TVP_BUILT_MPI=${TVP_BUILT_MPI:-none built}
}

# tvp_provenance: what ran where, before anything runs
tvp_provenance() {
	local rev built=unknown
	[ -s "$TVP_BIN/git-rev" ] && built=$(cat "$TVP_BIN/git-rev")
	rev=$(git -C "$TVP_ROOT" describe --always --dirty 2>/dev/null || echo unknown)
	echo "== provenance"
	echo "date:        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "host:        $(hostname)"
	echo "job:         ${SLURM_JOB_ID:-none} (${SLURM_JOB_NAME:-no name})${SLURM_ARRAY_JOB_ID:+, array ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}"
	echo "partition:   ${SLURM_JOB_PARTITION:-none}"
	echo "nodes:       ${SLURM_JOB_NUM_NODES:-1} (${SLURM_JOB_NODELIST:-$(hostname)})"
	echo "tasks:       ${SLURM_NTASKS:-unset} (per node: ${SLURM_TASKS_PER_NODE:-unset}), cpus per task: ${SLURM_CPUS_PER_TASK:-unset}, cpus on this node: ${SLURM_CPUS_ON_NODE:-$(nproc)}"
	echo "cpus usable: $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status) ($(nproc) online here)"
	echo "checkout:    $TVP_ROOT (git $rev)"
	echo "binaries:    $TVP_BIN (built from git $built)"
	tvp_toolchain
	echo "compiler:    $TVP_BUILT_COMPILER (the binaries' --version)"
	echo "mpi:         $TVP_BUILT_MPI (the binaries' mpi.h); launcher $(tvp_mpi_version)"
	echo "bind:        --bind $TVP_BIND for every backend (MPI: the launcher binds, the program checks)"
	echo "slurm:       $(tvp_first srun --version)"
	echo "records:     $TVP_SAVE"
	echo "=="
}

# tvp_exercises BACKEND: the exercises to run on BACKEND, one per line
tvp_exercises() {
	local b=$1 e
	if [ -n "${TVP_EXERCISES:-}" ]; then
		for e in ${TVP_EXERCISES//,/ }; do
			[ -x "$TVP_BIN/$b/$e" ] || tvp_die "no $TVP_BIN/$b/$e: not built (make ONLY=\"...\" on the login node?)"
			echo "$e"
		done
	elif [ -d "$TVP_BIN/$b" ]; then
		for e in "$TVP_BIN/$b"/*; do
			[ -f "$e" ] && [ -x "$e" ] && basename "$e"
		done
	fi
	return 0
}

# tvp_args EXERCISE [MAX]: fills the array TVP_ARGV with exercises/<e>.run, then TVP_ARGS;
# with MAX (the job's ranks), a worker list of the .run file keeps the counts that fit
# (MAX when none does): a .run file never asks for more workers than the job has
tvp_args() {
	local f=$TVP_ROOT/exercises/$1.run max=${2:-} extra=() i
	TVP_ARGV=()
	if [ -f "$f" ]; then
		read -r -a TVP_ARGV < <(grep -v '^[[:space:]]*#' "$f" | tr '\n' ' '; echo)
	fi
	if [ -n "$max" ]; then
		for i in "${!TVP_ARGV[@]}"; do
			[ "${TVP_ARGV[$i]}" = -w ] || continue
			TVP_ARGV[i + 1]=$(tr , '\n' <<<"${TVP_ARGV[$((i + 1))]}" | awk -v m="$max" '$1 <= m' | paste -sd, -)
			[ -n "${TVP_ARGV[$((i + 1))]}" ] || TVP_ARGV[i + 1]=$max
		done
	fi
	read -r -a extra <<<"${TVP_ARGS:-}"
	TVP_ARGV+=("${extra[@]}")
}

# tvp_nrecords: how many records TVP_SAVE holds (header lines not counted)
tvp_nrecords() {
	if [ -f "$TVP_SAVE" ]; then
		grep -vc '^exercise,' "$TVP_SAVE" || true
	else
		echo 0
	fi
}

# tvp_run BACKEND WORKERS [LAUNCHER...]: run every chosen exercise of BACKEND at -w
# WORKERS (empty: the .run file's counts that fit in TVP_MAX_WORKERS, the job's ranks),
# started by LAUNCHER (e.g. srun ... or mpirun ...; nothing: run here), records
# appended to TVP_SAVE. A failing exercise does not stop the others. Returns the worst
# exit status (0 validated, 1 validation failed, 2 usage, 3 system error; a launcher's
# own failure counts as 3).
tvp_run() {
	local b=$1 w=$2 e rc worst=0 n=0 before
	shift 2
	local exes
	exes=$(tvp_exercises "$b") || return 3
	[ -n "$exes" ] || tvp_die "nothing built for $b in $TVP_BIN/$b"
	for e in $exes; do
		tvp_args "$e" "${TVP_MAX_WORKERS:-}"
		# --bind first: a --bind in TVP_ARGS, later, wins
		local cmd=("$@" "$TVP_BIN/$b/$e" --bind "${TVP_BIND:-cores}" "${TVP_ARGV[@]}")
		[ -n "$w" ] && cmd+=(-w "$w")
		cmd+=(--save "$TVP_SAVE")
		tvp_log "run: ${cmd[*]}"
		before=$(tvp_nrecords)
		rc=0
		"${cmd[@]}" || rc=$?
		[ "$rc" -le 3 ] || rc=3
		# a clean exit that saved nothing is not a result (a launcher that lost its ranks)
		if [ "$rc" = 0 ] && [ "$(tvp_nrecords)" -le "$before" ]; then
			tvp_log "error: $e on $b exited 0 but saved no records to $TVP_SAVE"
			rc=3
		fi
		tvp_log "exit $rc: $e on $b${w:+ at $w workers}"
		[ "$rc" -gt "$worst" ] && worst=$rc
		n=$((n + 1))
	done
	tvp_log "$b: $n exercise(s), worst exit status $worst"
	return "$worst"
}

# tvp_binding LAUNCHER...: one line per task: where it runs and which CPUs it may use
tvp_binding() {
	# shellcheck disable=SC2016 # expanded by the remote bash, not here
	"$@" bash -c 'echo "binding: rank ${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${SLURM_PROCID:-?}}} on $(hostname): cpus $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)"' |
		sort -t' ' -k3n || tvp_log "binding report failed (exit $?)"
}

# tvp_mpi_launcher RANKS: sets the array TVP_LAUNCHER, the command that starts RANKS MPI
# ranks as TVP_MPI_LAUNCH says (srun, or mpirun: tools/mpilaunch, with the launcher
# MPIRUN or the one matching MPICC, Open MPI's or MPICH's), TVP_LAUNCHER_TEXT, that
# command as the launcher itself will run it (for the log), and TVP_BINDING, the same
# for a non-MPI probe that reports each rank's CPUs
# shellcheck disable=SC2034 # all three are for the caller
tvp_mpi_launcher() {
	local n=$1 extra=() launch=$TVP_ROOT/tools/mpilaunch flavour bind=cores to=core
	# TVP_BIND none: the launcher binds nothing either (the same for every backend)
	[ "${TVP_BIND:-cores}" = none ] && bind=none to=none
	case ${TVP_MPI_LAUNCH:-srun} in
	srun)
		# srun does not take --cpus-per-task from sbatch (Slurm >= 22.05): pass it on
		TVP_LAUNCHER=(srun --ntasks="$n" --cpus-per-task="${SLURM_CPUS_PER_TASK:-1}"
			--cpu-bind="${TVP_CPU_BIND:-$bind}" --kill-on-bad-exit=1)
		TVP_BINDING=("${TVP_LAUNCHER[@]}" --mpi=none)
		TVP_LAUNCHER+=(--mpi="${TVP_SRUN_MPI:-pmix}")
		TVP_LAUNCHER_TEXT=${TVP_LAUNCHER[*]}
		;;
	mpirun)
		flavour=$("$launch" --flavour) || tvp_die "no MPI launcher: set MPIRUN (e.g. mpirun, mpiexec.mpich)"
		read -r -a extra <<<"${TVP_MPIRUN_ARGS---bind-to $to --map-by core}"
		TVP_LAUNCHER=("$launch" "$n")
		[ ${#extra[@]} -eq 0 ] || TVP_LAUNCHER+=("${extra[@]}" --)
		TVP_BINDING=("${TVP_LAUNCHER[@]}")
		# Open MPI's mpirun prints each rank's binding itself
		[ "$flavour" = openmpi ] && TVP_BINDING=("$launch" "$n" "${extra[@]}" --report-bindings --)
		TVP_LAUNCHER_TEXT="$("$launch" --show "${TVP_LAUNCHER[@]:1}") (through tools/mpilaunch)"
		;;
	*) tvp_die "TVP_MPI_LAUNCH must be srun or mpirun (got '$TVP_MPI_LAUNCH')" ;;
	esac
}
