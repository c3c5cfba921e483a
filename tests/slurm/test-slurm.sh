#!/usr/bin/env bash
# tests/slurm/test-slurm.sh: what `make test-slurm` runs. The job scripts in jobs/ against
# a real Slurm: tools/local-slurm.sh starts a private single-node cluster advertising
# SLURM_TEST_CPUS (default 8) CPUs, whatever the real core count, and this script
# submits every job small, waits (with a timeout), and checks each job's state and exit
# code AND the records it wrote (a job that never ran can still look COMPLETED), then the
# sweep: an array over worker counts 0 (invalid, must fail alone), 1, 2, 4, 8, whose
# collected file must hold one validated record per expected run. The cluster is stopped
# whatever happens (trap), and the last check is that none of its daemons is left.
#   tests/slurm/test-slurm.sh [BUILD]        (as root; BUILD default build)
# Knobs: SLURM_TEST_CPUS, TEST_SLURM_TIMEOUT (seconds per wait, default 240),
# TEST_SLURM_KEEP=1 (keep the work directory and the cluster's logs),
# TEST_SLURM_FORCE_FAIL=1 (one check fails on purpose: the clean-up path).
# Last line: "test-slurm: N passed, M failed".
# shellcheck disable=SC2317 # functions run through check and the EXIT trap
# shellcheck disable=SC2016 # eval'ed checks expand at eval time, on purpose
set -uo pipefail

build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 3
timeout_s=${TEST_SLURM_TIMEOUT:-240}
pass=0
fail=0
ok() {
	pass=$((pass + 1))
	printf 'ok    %s\n' "$*"
}
nok() {
	fail=$((fail + 1))
	printf 'FAIL  %s\n' "$*"
}
# check DESCRIPTION COMMAND...: one counted check
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
note() { printf '      %s\n' "$*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tvp-test-slurm.XXXXXX")
chmod 755 "$work" # munged wants every directory above its socket searchable by all
export SLURM_TEST_BASE=$work/cluster SLURM_TEST_CPUS=${SLURM_TEST_CPUS:-8}
export SLURM_CONF=$SLURM_TEST_BASE/etc/slurm.conf
mkdir -p "$SLURM_TEST_BASE" "$work/out" "$work/tmp"
export TMPDIR=$work/tmp # Open MPI's session files too: nothing shared with another test run
: >"$SLURM_TEST_BASE/.local-slurm"
daemons=""

# every process of this test's cluster: the daemons started (pids from their pid files),
# and any Slurm or munge process whose environment holds this cluster's SLURM_CONF
cluster_procs() {
	local f p comm
	for p in $daemons; do
		[ -d "/proc/$p" ] && echo "$p"
	done
	for f in /proc/[0-9]*; do
		comm=$(cat "$f/comm" 2>/dev/null) || continue
		case $comm in slurmctld | slurmd | slurmstepd | munged) ;; *) continue ;; esac
		grep -qzxF "SLURM_CONF=$SLURM_CONF" "$f/environ" 2>/dev/null && echo "${f#/proc/}"
	done
}
# none left running (a zombie has exited: it waits for init to reap it)
no_daemons() {
	local p s left
	for _ in $(seq 40); do
		left=""
		for p in $(cluster_procs | sort -u); do
			s=$(ps -o stat= -p "$p" 2>/dev/null) || continue
			[ "${s#Z}" != "$s" ] && continue
			left="$left $p($(cat "/proc/$p/comm" 2>/dev/null))"
		done
		[ -z "$left" ] && return 0
		sleep 0.25
	done
	note "still running:$left"
	return 1
}

finish() {
	local rc=$?
	trap - EXIT INT TERM HUP
	[ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] && nok "the test script itself ended early (status $rc)"
	if [ -f "$SLURM_TEST_BASE/.local-slurm" ]; then
		if [ "${TEST_SLURM_KEEP:-0}" = 1 ]; then
			SLURM_TEST_KEEP=1 tools/local-slurm.sh stop
		else
			tools/local-slurm.sh stop
		fi
	fi
	check "no slurmctld, slurmd, slurmstepd or munged of the test cluster left running" no_daemons
	if [ "${TEST_SLURM_KEEP:-0}" = 1 ]; then
		note "kept: $work"
	else
		rm -rf "$work"
	fi
	echo "test-slurm: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && exit 0
	exit 1
}
trap finish EXIT
trap 'nok "interrupted"; exit 99' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	nok "the local cluster runs as root (run make test-slurm as root)"
	exit 99
fi

# ---- the scripts: shellcheck -------------------------------------------------------------
scripts=(jobs/lib.sh jobs/*.sbatch jobs/submit-sweep tools/local-slurm.sh tests/slurm/test-slurm.sh)
if command -v shellcheck >/dev/null; then
	check "shellcheck is clean on jobs/, tools/local-slurm.sh and this script" shellcheck "${scripts[@]}"
else
	note "shellcheck not installed (make deps): not checked"
fi

# ---- the cluster ------------------------------------------------------------------------------
t0=$SECONDS
check "local-slurm.sh install: Slurm and munge present or installed" tools/local-slurm.sh install
if ! tools/local-slurm.sh start >/dev/null; then
	nok "local-slurm.sh start: the cluster did not come up"
	exit 99
fi
for f in slurmctld slurmd munged; do
	[ -s "$SLURM_TEST_BASE/run/$f.pid" ] && daemons="$daemons $(cat "$SLURM_TEST_BASE/run/$f.pid" 2>/dev/null)"
done
check "cluster up, $SLURM_TEST_CPUS CPUs advertised on $(nproc) real ones ($((SECONDS - t0)) s)" \
	test "$(sinfo -h -o %c 2>/dev/null)" = "$SLURM_TEST_CPUS"

# ---- what the jobs run: race only, small and quick ----------------------------------------------
bin=$build
case $bin in /*) ;; *) bin=$root/$bin ;; esac
for b in openmp mpi pthreads procs; do
	[ -x "$bin/$b/race" ] || { nok "no $bin/$b/race: build first (make test-slurm does)"; exit 99; }
done
variants=$("$bin/openmp/race" --help | awk '/^variants:/ { f = 1; next } f && /^$/ { exit } f { print $1 }')
nvar=$(echo "$variants" | wc -l)
export TVP_ROOT=$root TVP_BUILD=$build TVP_EXERCISES=race TVP_RESULTS_DIR=$work/results
export TVP_ARGS="-n 300 -r 1 -x 0 --variant all"
export OMPI_MCA_pml=ob1 # one machine: skip probing for network transports
out=$work/out

# records FILE: "backend workers variant verdict" per record, CSV or JSON lines
records() {
	awk '
	function csv(line, f,    n, i, c, s, q) {
		n = 0; s = ""; q = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (q) { if (c == "\"" && substr(line, i + 1, 1) == "\"") { s = s c; i++ } else if (c == "\"") q = 0; else s = s c }
			else if (c == "\"") q = 1
			else if (c == ",") { f[++n] = s; s = "" }
			else s = s c
		}
		f[++n] = s
		return n
	}
	function js(line, key,    m) {
		if (!match(line, "\"" key "\":(\"[^\"]*\"|[0-9]+)")) return ""
		m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
		gsub(/"/, "", m)
		return m
	}
	/^\{/ { print js($0, "backend"), js($0, "workers"), js($0, "variant"), js($0, "verdict"); next }
	/^exercise,/ { csv($0, h); for (i in h) col[h[i]] = i; next }
	NF { csv($0, f); print f[col["backend"]], f[col["workers"]], f[col["variant"]], f[col["verdict"]] }
	' "$1" 2>/dev/null
}

# expect_records FILE BACKEND WORKERS...: exactly one validated record (verdict pass, or
# unsafe: the unsafe variant judged and reported as such) per variant and worker count,
# and no other record of that backend at those counts
expect_records() {
	local file=$1 b=$2 w v n all bad=0
	shift 2
	[ -s "$file" ] || { note "$file: missing or empty"; return 1; }
	all=$(records "$file")
	for w in "$@"; do
		for v in $variants; do
			n=$(grep -cE "^$b $w $v (pass|unsafe)$" <<<"$all")
			[ "$n" = 1 ] || { note "$file: $b $w workers $v: $n validated records, want 1"; bad=1; }
		done
		n=$(grep -c "^$b $w " <<<"$all")
		[ "$n" = "$nvar" ] || { note "$file: $n $b records at $w workers, want $nvar"; bad=1; }
	done
	return "$bad"
}

# job_state JOBID: "STATE EXIT" for a plain job; for an array, one "TASK STATE EXIT" a line
job_state() {
	scontrol -o show job "$1" 2>/dev/null | awk '{
		t = ""; s = ""; e = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ArrayTaskId=/) t = substr($i, 13)
			if ($i ~ /^JobState=/) s = substr($i, 10)
			if ($i ~ /^ExitCode=/) e = substr($i, 10)
		}
		print (t != "" ? t " " : "") s " " e
	}' | sort -n
}
# wait_jobs JOBID...: until none is pending or running; 1 on timeout (they are cancelled)
wait_jobs() {
	local ids t=$((timeout_s * 4))
	ids=$(
		IFS=,
		echo "$*"
	)
	while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do
		t=$((t - 1))
		if [ "$t" -le 0 ]; then
			note "timed out after $timeout_s s: $(squeue -h -j "$ids" 2>&1 | tr '\n' ';')"
			scancel "$@" 2>/dev/null
			return 1
		fi
		sleep 0.25
	done
}
completed() { [ "$(job_state "$1")" = "COMPLETED 0:0" ] || { note "job $1: $(job_state "$1")"; return 1; }; }
# provenance LOG: date, host, job id, nodes, git revision, compiler and MPI versions first
provenance() {
	local k
	[ "$(head -n 1 "$1")" = "== provenance" ] || { note "$1 does not start with its provenance"; return 1; }
	for k in date host job nodes checkout compiler mpi; do
		grep -qE "^$k: +[^ ]" "$1" || { note "$1: no '$k:' line"; return 1; }
	done
	grep -qE '^checkout: .*\(git [0-9a-f]{7,}' "$1" || { note "$1: no git revision"; return 1; }
}
log_has() { grep -qE "$2" "$1" || { note "$1: no line matching '$2'"; return 1; }; }

# ---- the single jobs: submitted together, they share the node -------------------------------
sub() { sbatch --parsable --output="$out/%x-%j.out" "$@" | cut -d';' -f1; }
t0=$SECONDS
j_omp=$(TVP_WORKERS=1,2 sub --cpus-per-task=2 jobs/openmp.sbatch)
j_posix=$(TVP_FORMAT=json sub --cpus-per-task=2 jobs/posix.sbatch)
j_srun=$(TVP_MPI_LAUNCH=srun sub --ntasks=2 jobs/mpi.sbatch)
# mpirun binds each rank to a core: on a one-core machine two ranks must share it
mpirun_args=${TVP_MPIRUN_ARGS---bind-to core --map-by core}
[ "$(nproc)" -ge 2 ] || mpirun_args="--bind-to core:overload-allowed --map-by core:oversubscribe"
j_mpirun=$(TVP_MPI_LAUNCH=mpirun TVP_MPIRUN_ARGS=$mpirun_args sub --nodes=1 --ntasks-per-node=2 --ntasks=2 jobs/mpi.sbatch)
check "openmp, posix, mpi (srun) and mpi (mpirun) jobs submitted" \
	test -n "$j_omp" -a -n "$j_posix" -a -n "$j_srun" -a -n "$j_mpirun"

# ---- impossible requests: rejected at once, with a message ---------------------------------------
impossible() {
	local t=$SECONDS msg rc=0
	msg=$(timeout 20 sbatch --parsable --output="$out/never-%j.out" "$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		note "accepted (job $msg): it would pend forever"
		scancel "${msg%%;*}" 2>/dev/null
		return 1
	fi
	[ "$rc" != 124 ] || { note "sbatch hung"; return 1; }
	note "sbatch said: $msg ($((SECONDS - t)) s)"
	[ $((SECONDS - t)) -le 5 ] && grep -qiE 'error.*(more processors|not available|permitted)' <<<"$msg"
}
check "impossible: --cpus-per-task=$((SLURM_TEST_CPUS * 2)) on a $SLURM_TEST_CPUS-CPU cluster is refused at once" \
	impossible --cpus-per-task=$((SLURM_TEST_CPUS * 2)) jobs/openmp.sbatch
check "impossible: --ntasks=$((SLURM_TEST_CPUS * 2)) --nodes=1 is refused at once" \
	impossible --ntasks=$((SLURM_TEST_CPUS * 2)) --nodes=1 jobs/mpi.sbatch

# ---- the sweep: 0 is an invalid worker count, that element must fail alone ------------------------
sweep_dir=$work/sweep
sweep_out=$(SWEEP_WORKERS=0,1,2,4,8 SWEEP_DIR=$sweep_dir jobs/submit-sweep 2>&1)
j_array=$(sed -n 's/^sweep array job: *\([0-9]*\).*/\1/p' <<<"$sweep_out")
j_collect=$(sed -n 's/^collect job: *\([0-9]*\).*/\1/p' <<<"$sweep_out")
printf '%s\n' "$sweep_out" | sed 's/^/      /'
check "submit-sweep printed the array and collect job ids and the results file" \
	eval 'test -n "$j_array" -a -n "$j_collect" && grep -q "^results: *$sweep_dir/sweep.csv" <<<"$sweep_out"'

# ---- wait, then check every job -----------------------------------------------------------------
check "every job ended within $timeout_s s" wait_jobs "$j_omp" "$j_posix" "$j_srun" "$j_mpirun" ${j_array:+"$j_array"} ${j_collect:+"$j_collect"}
note "all jobs done in $((SECONDS - t0)) s"

check "openmp job: COMPLETED, exit 0" completed "$j_omp"
check "openmp job: provenance first, binding set (OMP_PROC_BIND, OMP_PLACES)" \
	eval 'provenance "$out/tvp-openmp-$j_omp.out" && log_has "$out/tvp-openmp-$j_omp.out" "^openmp: +OMP_NUM_THREADS=2 OMP_PROC_BIND=[a-z]+ OMP_PLACES="'
check "openmp job: one validated record per variant at 1 and 2 threads" \
	expect_records "$TVP_RESULTS_DIR/tvp-openmp-$j_omp.csv" openmp 1 2

check "posix job: COMPLETED, exit 0" completed "$j_posix"
check "posix job: provenance first" provenance "$out/tvp-posix-$j_posix.out"
check "posix job: one validated pthreads record per variant at 2 workers (JSON lines)" \
	expect_records "$TVP_RESULTS_DIR/tvp-posix-$j_posix.jsonl" pthreads 2
check "posix job: one validated procs record per variant at 2 workers (JSON lines)" \
	expect_records "$TVP_RESULTS_DIR/tvp-posix-$j_posix.jsonl" procs 2

check "mpi job, srun --mpi=pmix: COMPLETED, exit 0" completed "$j_srun"
check "mpi job, srun --mpi=pmix: provenance, launcher and both ranks' binding reported" \
	eval 'f=$out/tvp-mpi-$j_srun.out; provenance "$f" && log_has "$f" "^launcher: +srun .*--mpi=pmix" &&
		log_has "$f" "^binding: rank 0 on " && log_has "$f" "^binding: rank 1 on "'
check "mpi job, srun --mpi=pmix: one validated record per variant on 1 and 2 ranks" \
	expect_records "$TVP_RESULTS_DIR/tvp-mpi-$j_srun.csv" mpi 1 2

check "mpi job, mpirun: COMPLETED, exit 0" completed "$j_mpirun"
check "mpi job, mpirun: provenance, launcher and both ranks' binding reported" \
	eval 'f=$out/tvp-mpi-$j_mpirun.out; provenance "$f" && log_has "$f" "^launcher: +mpirun -np 2" &&
		log_has "$f" "MCW rank 0 bound" && log_has "$f" "MCW rank 1 bound"'
check "mpi job, mpirun: one validated record per variant on 1 and 2 ranks" \
	expect_records "$TVP_RESULTS_DIR/tvp-mpi-$j_mpirun.csv" mpi 1 2

# binding like for like, hosts, and the toolchain as the binaries say it
# every_record FILE PATTERN: each record line (header aside) matches PATTERN
every_record() {
	local n bad
	n=$(grep -vc '^exercise,' "$1" || true)
	bad=$(grep -v '^exercise,' "$1" | grep -vcE "$2" || true)
	if [ "$n" -gt 0 ] && [ "$bad" = 0 ]; then return 0; fi
	note "$1: $bad of $n records do not match '$2'"
	return 1
}
# toolchain_named LOG...: the provenance's compiler and mpi lines come from the binaries
toolchain_named() {
	local f
	for f in "$@"; do
		log_has "$f" "^compiler: +openmp: [a-z]+ [0-9].*pthreads: .*\(the binaries. --version\)" &&
			log_has "$f" "^mpi: +.*\(the binaries. mpi.h\); launcher " &&
			log_has "$f" "^bind: +--bind cores" || return 1
	done
}
# mpi_bound_one_host CSV...: --bind cores asked, each rank's CPUs, hosts=1 crossed_nodes=0
mpi_bound_one_host() {
	local f
	for f in "$@"; do
		every_record "$f" ',"?cores: [^"]*rank:CPUs 0:' && every_record "$f" ',1,[^,]+,0$' || return 1
	done
}
check "every job's provenance names the compiler and MPI the binaries were built with" \
	toolchain_named "$out/tvp-openmp-$j_omp.out" "$out/tvp-posix-$j_posix.out" "$out/tvp-mpi-$j_srun.out"
check "posix job: --bind cores, each thread's and each process's CPU in its records" \
	eval 'every_record "$TVP_RESULTS_DIR/tvp-posix-$j_posix.jsonl" "\"binding\":\"cores: (thread|process):CPU 0:[0-9]+ 1:[0-9]+\""'
check "openmp job: --bind cores, threads on places (OMP_PROC_BIND close)" \
	every_record "$TVP_RESULTS_DIR/tvp-openmp-$j_omp.csv" ',"cores: [^"]*OMP_PROC_BIND close'
check "mpi jobs: --bind cores asked, each rank's CPUs; one host, not crossed (hosts=1 crossed_nodes=0)" \
	mpi_bound_one_host "$TVP_RESULTS_DIR/tvp-mpi-$j_srun.csv" "$TVP_RESULTS_DIR/tvp-mpi-$j_mpirun.csv"

# the sweep
sweep_states() {
	local s
	s=$(job_state "$j_array")
	printf '%s\n' "$s" | sed 's/^/      element /'
	[ "$(printf '%s\n' "$s" | tr '\n' ';')" = "0 FAILED 2:0;1 COMPLETED 0:0;2 COMPLETED 0:0;4 COMPLETED 0:0;8 COMPLETED 0:0;" ]
}
check "sweep: one array job, elements 1, 2, 4, 8 COMPLETED 0:0, element 0 FAILED 2:0" sweep_states
check "sweep: the invalid element's log says why (the harness's usage error)" \
	log_has "$sweep_dir/sweep-${j_array}_0.out" "option -w/--workers: 0 is too small"
check "sweep: collect ran after the failure and reports it (exit 1, element w=0 FAILED)" \
	eval '[ "$(job_state "$j_collect")" = "FAILED 1:0" ] && log_has "$sweep_dir/collect-$j_collect.out" "element w=0: FAILED" &&
		log_has "$sweep_dir/collect-$j_collect.out" "failed elements \(worker counts\): 0$"'
merged=$sweep_dir/sweep.csv
sweep_at() {
	local b bad=0
	for b in openmp mpi pthreads procs; do expect_records "$merged" "$b" "$1" || bad=1; done
	return "$bad"
}
for w in 1 2 4 8; do
	check "sweep: collected file holds one validated record per backend and variant at $w workers" sweep_at "$w"
done
sweep_whole() {
	local n_rec n_el
	n_rec=$(records "$merged" | wc -l)
	n_el=$(cat "$sweep_dir"/w*.csv 2>/dev/null | grep -vc '^exercise,')
	[ "$(grep -c '^exercise,' "$merged")" = 1 ] || { note "$merged: not one header"; return 1; }
	[ "$n_rec" = $((4 * 4 * nvar)) ] || { note "$merged: $n_rec records, want $((4 * 4 * nvar))"; return 1; }
	[ "$n_rec" = "$n_el" ] || { note "$merged: $n_rec records, the elements wrote $n_el"; return 1; }
	! records "$merged" | grep -qE '^[a-z]+ 0 |fail$' || { note "$merged: a record at 0 workers or failed"; return 1; }
}
check "sweep: collected file has one header, every element's records and nothing else" sweep_whole

if [ "${TEST_SLURM_FORCE_FAIL:-0}" = 1 ]; then
	check "a check that fails on purpose (TEST_SLURM_FORCE_FAIL=1)" false
fi
note "checks done in $((SECONDS - t0)) s; stopping the cluster"
exit 0
