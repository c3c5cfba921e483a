#!/usr/bin/env bash
# local-slurm.sh: a real, throwaway, single-node Slurm cluster (slurmctld, slurmd, munged)
# in a private directory, as root, without systemd: what `make test-slurm` runs the job
# scripts in jobs/ against. Debian/Ubuntu packages (Slurm 22.05 and munge on Debian 12).
#
#   tools/local-slurm.sh install        apt-get what is missing (quick when all is there)
#   eval "$(tools/local-slurm.sh start)"   start; prints SLURM_TEST_BASE=... and SLURM_CONF=...
#   tools/local-slurm.sh status         sinfo and squeue
#   tools/local-slurm.sh stop           cancel jobs, stop the daemons, remove the directory
#   tools/local-slurm.sh run CMD...     install, start, run CMD (SLURM_CONF exported), stop
#                                       whatever happens; exits with CMD's status
#
# Environment:
#   SLURM_TEST_BASE   the cluster's directory (config, state, spool, logs, munge key and
#                     socket). start makes a new one with mktemp -d when unset; stop needs it
#                     (or SLURM_CONF, which lies in it) and removes it.
#   SLURM_TEST_CPUS   CPUs the node advertises (default: nproc). More than the real count is
#                     allowed (SlurmdParameters=config_overrides): sweeps past the core count
#                     are then scheduled, oversubscribed, instead of pending forever.
#   SLURM_TEST_PARTITION  partition name (default debug)
#   SLURM_TEST_PORT   slurmctld port, slurmd gets the next one (default: a free pair)
#   SLURM_TEST_KEEP=1 stop leaves the directory (logs) in place
# Clients (sbatch, srun, squeue, scontrol, sinfo) need SLURM_CONF=$SLURM_TEST_BASE/etc/slurm.conf.
#
# What the configuration means for jobs: ProctrackType=proctrack/linuxproc and
# TaskPlugin=task/none, so there is no cgroup confinement and no binding by Slurm (a job
# sees every real core); EnforcePartLimits=ALL, so a request the node cannot ever satisfy
# is rejected at submission instead of pending forever; no accounting (use scontrol -o show
# job, not sacct; finished jobs stay visible for MinJobAge=3600 s).
set -euo pipefail

log() { printf '[local-slurm %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

PART=${SLURM_TEST_PARTITION:-debug}
NODE=$(hostname -s)

# the cluster's directory, from SLURM_TEST_BASE or SLURM_CONF; empty when neither is set
base_dir() {
	if [ -n "${SLURM_TEST_BASE:-}" ]; then
		printf '%s\n' "$SLURM_TEST_BASE"
	elif [ -n "${SLURM_CONF:-}" ] && [ -f "$(dirname "$SLURM_CONF")/../.local-slurm" ]; then
		(cd "$(dirname "$SLURM_CONF")/.." && pwd)
	fi
}

do_install() {
	local need=() p
	# srun --mpi=pmix needs the PMIx plugin (slurm-wlm-basic-plugins, pulled in by slurmd)
	# and the PMIx library it loads (libpmix2, which Open MPI uses too)
	for p in slurmctld slurmd slurm-client munge libpmix2; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
	done
	if [ ${#need[@]} -eq 0 ]; then
		log "install: slurmctld slurmd slurm-client munge libpmix2 are installed"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "install: run as root to install ${need[*]}"
	command -v apt-get >/dev/null || die "install: no apt-get; install by hand: ${need[*]}"
	log "install: apt-get install ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# the packages' scripts must not start system-wide munged, slurmctld or slurmd (on a
	# machine with systemd they would, and stay): a policy-rc.d saying "no" for the install
	local policy=/usr/sbin/policy-rc.d made=0 rc=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# local-slurm.sh install: start no service\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made=1
	fi
	apt-get update -qq || rc=$?
	[ "$rc" = 0 ] && { apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
		"${need[@]}" >/dev/null || rc=$?; }
	[ "$made" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || die "install: apt-get failed (status $rc)"
	dpkg-query -W "${need[@]}" >&2
}

# spawn NAME COMMAND...: run a daemon in the foreground, in a session of its own, under a
# small shell that waits for it, so that when it stops its parent reaps it at once (init
# may take its time, and a zombie named slurmctld looks like a leftover); output in
# log/NAME.out
spawn() {
	local name=$1
	shift
	# the shell lets go of the caller's stdout too: $(local-slurm.sh start) must not wait
	# setsid: a Ctrl-C meant for the caller does not reach the daemons (which would take
	# it as "shut down now"); the caller's trap stops them in order
	(setsid "$@" &
		wait) </dev/null >>"$SLURM_TEST_BASE/log/$name.out" 2>&1 &
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

do_start() {
	[ "$(id -u)" = 0 ] || die "start: the local cluster runs as root"
	local b cpus mem over="" port p msock i
	for p in slurmctld slurmd munged mungekey sbatch; do
		command -v "$p" >/dev/null || die "start: $p not found: run '$0 install'"
	done
	b=$(base_dir)
	if [ -z "$b" ]; then
		b=$(mktemp -d "${TMPDIR:-/tmp}/tvp-slurm.XXXXXX")
	fi
	mkdir -p "$b"
	b=$(cd "$b" && pwd)
	[ ! -s "$b/run/slurmctld.pid" ] || die "start: $b already holds a cluster (stop it first)"
	: >"$b/.local-slurm"            # marks the directory as ours: stop may remove it
	export SLURM_TEST_BASE=$b SLURM_CONF=$b/etc/slurm.conf
	mkdir -p "$b"/{etc,state,spool,log,run,munge,tmp}
	chmod 755 "$b" "$b/munge"         # munged wants its socket directory o+x
	msock=$b/munge/munge.socket
	[ -s "$b/munge/munge.key" ] || mungekey --create --keyfile="$b/munge/munge.key"
	chmod 600 "$b/munge/munge.key"
	spawn munged munged --foreground --key-file="$b/munge/munge.key" --socket="$msock" \
		--pid-file="$b/run/munged.pid" --log-file="$b/log/munged.log" --seed-file="$b/munge/munged.seed"
	for i in $(seq 50); do
		[ -S "$msock" ] && munge -n -S "$msock" 2>/dev/null | unmunge -S "$msock" >/dev/null 2>&1 && break
		[ "$i" -lt 50 ] || { tail -n 5 "$b/log/munged."* >&2; die "start: munged did not come up"; }
		sleep 0.1
	done

	cpus=${SLURM_TEST_CPUS:-$(nproc)}
	case $cpus in '' | *[!0-9]* | 0) die "SLURM_TEST_CPUS must be a positive number (got '$cpus')" ;; esac
	[ "$cpus" -gt "$(nproc)" ] && over="SlurmdParameters=config_overrides"
	mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
	port=${SLURM_TEST_PORT:-}
	if [ -z "$port" ]; then
		for i in $(seq 50); do
			p=$((20000 + (RANDOM % 20000)))
			if port_free "$p" && port_free $((p + 1)); then port=$p; break; fi
			[ "$i" -lt 50 ] || die "start: no free port pair found"
		done
	fi
	cat >"$SLURM_CONF" <<EOF
# local-slurm.sh: single-node throwaway cluster in $b
ClusterName=tvplocal
# job ids start at a random point and scratch files live in this directory: another local
# cluster on the same machine must not meet these jobs' PMIx or Open MPI files in /tmp
FirstJobId=$(((RANDOM % 9000 + 1) * 1000))
TmpFS=$b/tmp
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
StateSaveLocation=$b/state
SlurmdSpoolDir=$b/spool
SlurmctldPidFile=$b/run/slurmctld.pid
SlurmdPidFile=$b/run/slurmd.pid
SlurmctldLogFile=$b/log/slurmctld.log
SlurmdLogFile=$b/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge=3600
KillWait=5
MailProg=/bin/true
$over
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PART Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
	echo "PMIxCliTmpDirBase=$b/tmp" >"$b/etc/mpi.conf"
	spawn slurmctld slurmctld -D
	spawn slurmd slurmd -D -N "$NODE"   # explicit node name: no reliance on hostname matching
	for _ in $(seq 150); do
		if [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ]; then
			log "cluster up in $b: $(sinfo -h -o '%P %D %c CPUs %T')"
			printf 'SLURM_TEST_BASE=%q\nSLURM_CONF=%q\nexport SLURM_TEST_BASE SLURM_CONF\n' \
				"$b" "$SLURM_CONF"
			return 0
		fi
		sleep 0.2
	done
	log "start: the node never became idle"
	tail -n 20 "$b"/log/slurm*.log >&2 || true
	return 1
}

# alive PID: a running (not zombie) process
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }

# pids of processes that belong to this cluster: the daemons from their pid files, and
# any slurmctld/slurmd/slurmstepd/munged or job process whose environment holds our
# SLURM_CONF (jobs inherit it from the submitter), except this script and its ancestors
ours() {
	local f p comm skip=" " a=$$
	while [ -n "$a" ] && [ "$a" -gt 1 ]; do
		skip="$skip$a "
		a=$(ps -o ppid= -p "$a" 2>/dev/null | tr -d ' ')
	done
	skip="$skip$BASHPID "
	for f in slurmctld slurmd munged; do
		[ -s "$SLURM_TEST_BASE/run/$f.pid" ] && cat "$SLURM_TEST_BASE/run/$f.pid" 2>/dev/null
	done
	for f in /proc/[0-9]*; do
		p=${f#/proc/}
		case $skip in *" $p "*) continue ;; esac
		grep -qzxF "SLURM_CONF=$SLURM_CONF" "$f/environ" 2>/dev/null || continue
		comm=$(cat "$f/comm" 2>/dev/null) || continue
		case $comm in
		slurmctld | slurmd | slurmstepd | munged) echo "$p" ;;
		*) grep -qz '^SLURM_JOB_ID=' "$f/environ" 2>/dev/null && echo "$p" ;;
		esac
	done
}

do_stop() {
	local b p left
	b=$(base_dir)
	[ -n "$b" ] || die "stop: set SLURM_TEST_BASE (or SLURM_CONF) to the cluster's directory"
	[ -f "$b/.local-slurm" ] || die "stop: $b is not a local-slurm directory"
	export SLURM_TEST_BASE=$b SLURM_CONF=$b/etc/slurm.conf
	if [ -s "$b/run/slurmctld.pid" ] && alive "$(cat "$b/run/slurmctld.pid")"; then
		# cancel what is left, so that no job step outlives slurmd
		timeout 10 squeue -h -o %A 2>/dev/null | sort -u | xargs -r timeout 10 scancel 2>/dev/null || true
		for _ in $(seq 25); do
			alive "$(cat "$b/run/slurmctld.pid" 2>/dev/null || echo 0)" || break
			[ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break
			sleep 0.2
		done
		timeout 10 scontrol shutdown 2>/dev/null || true     # slurmctld and slurmd
	fi
	for _ in $(seq 40); do
		left=""
		for p in $(ours); do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		# after slurmctld/slurmd have had their chance, munged and stragglers get TERM
		for p in $left; do
			case $(cat "/proc/$p/comm" 2>/dev/null) in
			slurmctld | slurmd) ;;
			*) kill "$p" 2>/dev/null || true ;;
			esac
		done
		sleep 0.25
	done
	if [ -n "$left" ]; then
		log "stop: had to kill -9:$left"
		for p in $left; do kill -9 "$p" 2>/dev/null || true; done
		sleep 0.2
	fi
	if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then
		log "stopped; logs kept in $b/log"
	else
		rm -rf "$b"
		log "stopped; removed $b"
	fi
}

do_run() {
	[ $# -gt 0 ] || die "run: no command given"
	local env rc=0
	do_install
	# the directory is made here, so that stop finds it even when start fails half-way
	if [ -z "$(base_dir)" ]; then
		SLURM_TEST_BASE=$(mktemp -d "${TMPDIR:-/tmp}/tvp-slurm.XXXXXX")
		export SLURM_TEST_BASE
		: >"$SLURM_TEST_BASE/.local-slurm"
	fi
	env=$(do_start) || { do_stop || true; exit 1; }
	eval "$env"
	trap 'do_stop' EXIT
	trap 'exit 130' INT TERM
	"$@" || rc=$?
	return $rc
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
install) do_install ;;
start) do_start ;;
stop) do_stop ;;
status)
	b=$(base_dir)
	[ -n "$b" ] || die "status: set SLURM_TEST_BASE or SLURM_CONF"
	export SLURM_CONF=$b/etc/slurm.conf
	sinfo
	squeue
	;;
run) do_run "$@" ;;
*)
	echo "usage: $0 install|start|stop|status|run CMD..." >&2
	exit 2
	;;
esac
