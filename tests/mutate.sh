#!/usr/bin/env bash
# mutate.sh [BUILD] [ID...]: proves that the tests catch real bugs. Every mutant of
# tests/mutants.txt (a deliberate bug: a lock removed, a barrier dropped, a validator
# inverted, ...) is applied, one at a time, to a scratch copy of the source tree; the
# programs it touches are rebuilt there and the tests it names are run. A mutant is
# caught when one of them fails (exits non-zero within its time); it is MISSED when all
# pass. A test that runs out of time does not count as a catch.
#
# Before any mutant, the unmutated copy must pass every test selection of the list (the
# baseline): a failure there is a broken tree or machine, not a caught mutant, and stops
# the run. A mutant whose text is not found, is found more than once, or does not build
# is an error: the list cannot rot silently. The scratch copy is built once in full,
# then each mutant rebuilds only what its change touches (make's timestamps).
#
# BUILD (default build) names the build directory inside the scratch copy; IDs run only
# those mutants. MUTATE_TIMEOUT (seconds, default 300) bounds each test program run,
# MUTATE_KEEP=1 keeps the scratch copy, MUTATE_LIST names another list. Exit 0 when
# every mutant is caught, 1 when one is missed, 3 on an error (baseline failed, mutant
# not applicable, build failed). The last line reads "N caught, M missed".
set -uo pipefail

# all in one function, read whole before it runs: editing this file during a run is safe
main() {
build=${1:-build}
[ $# -gt 0 ] && shift
only_ids=("$@")
timeout_s=${MUTATE_TIMEOUT:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
list=${MUTATE_LIST:-$root/tests/mutants.txt}
start_s=$(date +%s)
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

die() {
	echo "mutate: $*" >&2
	exit 3
}
case $build in /* | *..*) die "BUILD must be a directory name inside the tree, not '$build'" ;; esac
[ -r "$list" ] || die "cannot read $list"

# ---- the list: records of "key: value" lines, blank lines between them -----------
ids=() files=() froms=() tos=() tests=() whats=()
parse_list() {
	local line key val n=0 id="" file="" from="" to="" tst="" what="" lineno=0
	flush() {
		if [ -n "$id$file$from$to$tst$what" ]; then
			if [ -z "$id" ] || [ -z "$file" ] || [ -z "$from" ] || [ -z "$tst" ] || [ -z "$what" ]; then
				die "$list: the record ending at line $lineno lacks id, file, from, tests or what"
			fi
			ids+=("$id") files+=("$file") froms+=("$from") tos+=("$to") tests+=("$tst") whats+=("$what")
			n=$((n + 1))
		fi
		id="" file="" from="" to="" tst="" what=""
	}
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		case $line in
		'#'*) continue ;;
		'') flush; continue ;;
		esac
		key=${line%%:*}
		val=${line#*:}
		val=${val# }
		case $key in
		id) id=$val ;;
		file) file=$val ;;
		from) from=$val ;;
		to) to=$val ;;
		tests) tst=$val ;;
		what) what=$val ;;
		*) die "$list:$lineno: unknown key '$key'" ;;
		esac
	done <"$list"
	flush
}
parse_list
[ ${#ids[@]} -gt 0 ] || die "no mutants in $list"
declare -A seen_id=()
for id in "${ids[@]}"; do
	[ -z "${seen_id[$id]:-}" ] || die "$list: mutant id '$id' appears twice"
	seen_id[$id]=1
done
if [ ${#only_ids[@]} -gt 0 ]; then
	for id in "${only_ids[@]}"; do [ -n "${seen_id[$id]:-}" ] || die "no mutant '$id' in $list"; done
fi
selected() {
	local id
	[ ${#only_ids[@]} -eq 0 ] && return 0
	for id in "${only_ids[@]}"; do [ "$id" = "$1" ] && return 0; done
	return 1
}

# unescape VAR TEXT: TEXT with "\n", "\t" and "\\" made a newline, a tab, a backslash
unescape() {
	local s=${2//\\\\/$'\x01'}
	s=${s//\\n/$'\n'}
	s=${s//\\t/$'\t'}
	printf -v "$1" '%s' "${s//$'\x01'/\\}"
}

# ---- the scratch copy ---------------------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tvp-mutants.XXXXXX") || die "mktemp failed"
cleanup() {
	if [ "${MUTATE_KEEP:-0}" = 1 ]; then
		echo "mutate: scratch copy kept in $scratch" >&2
	else
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
trap 'echo "mutate: interrupted" >&2; exit 130' INT TERM HUP

cd "$root" || die "cannot enter $root"
# tracked files and new ones not ignored (work in progress is tested as it is)
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	xargs -0 cp --parents -p -t "$scratch" || die "copying the tree into $scratch failed"
cd "$scratch" || die "cannot enter $scratch"
log="$scratch/.mutate.log"

mk() { make -j2 WERROR=0 BUILD="$build" "$@" >>"$log" 2>&1; }

echo "mutate: scratch copy $scratch, building it in full ($build)"
if ! mk all tests; then
	tail -n 30 "$log" >&2
	die "the unmutated scratch copy does not build"
fi

# one test selection: "prog" or "prog:pattern" (cmocka test names, * and ?, through
# TX_FILTER, tests/filter.c). Returns 0 passed, 1 failed, 2 timed out, 3 ran no test.
sel_prog() { printf '%s' "${1%%:*}"; }
sel_filter() { case $1 in *:*) printf '%s' "${1#*:}" ;; esac; }
out="$scratch/.mutate.out"
run_sel() {
	local sel=$1 prog filter rc
	prog=$(sel_prog "$sel")
	filter=$(sel_filter "$sel")
	if [ -x "tests/$prog.py" ]; then # a Python unittest program (test_report): -k PATTERN
		timeout --kill-after=10 "$timeout_s" "tests/$prog.py" ${filter:+-k "$filter"} >"$out" 2>&1
		rc=$?
		[ $rc -eq 124 ] || [ $rc -eq 137 ] && return 2
		grep -q '^Ran [1-9][0-9]* test' "$out" || return 3
		[ $rc -eq 0 ] && return 0
		return 1
	fi
	[ -x "$build/tests/$prog" ] || { echo "no test program $build/tests/$prog" >"$out"; return 3; }
	HX_BUILD=$build TX_FILTER=$filter timeout --kill-after=10 "$timeout_s" "$build/tests/$prog" >"$out" 2>&1
	rc=$?
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && return 2
	grep -q '^\[==========\] 0 test(s) run' "$out" && return 3
	grep -q '^\[==========\] [1-9][0-9]* test(s) run' "$out" || [ $rc -ne 0 ] || return 3
	[ $rc -eq 0 ] && return 0
	return 1
}
split_sels() { # "a; b:c d" -> one selection a line
	local IFS=';' s
	for s in $1; do
		s=${s#"${s%%[! ]*}"}
		s=${s%"${s##*[! ]}"}
		[ -n "$s" ] && printf '%s\n' "$s"
	done
}
# the programs a selection needs built: the test, and for run_<e> the four backends' <e>
targets_of() {
	local prog e
	prog=$(sel_prog "$1")
	[ -x "tests/$prog.py" ] && return 0 # nothing to build
	printf '%s\n' "$build/tests/$prog"
	case $prog in run_*)
		if e=$(exercise_of "$1"); then
			for b in openmp mpi pthreads procs; do printf '%s\n' "$build/$b/$e"; done
		fi
		;;
	esac
}
# the exercise a test program is about: run_<e>, test_<e>, or run_<e>_<more>
exercise_of() {
	local prog e
	prog=$(sel_prog "$1")
	e=${prog#run_}
	e=${e#test_}
	[ -f "exercises/$e.c" ] || e=${e%%_*}
	[ -f "exercises/$e.c" ] && printf '%s\n' "$e"
}

# ---- the baseline: every selection of the chosen mutants, unmutated -----------------
declare -A base_done=()
nsel=0
for i in "${!ids[@]}"; do
	selected "${ids[$i]}" || continue
	while IFS= read -r sel; do
		[ -n "${base_done[$sel]:-}" ] && continue
		base_done[$sel]=1
		nsel=$((nsel + 1))
		t0=$(date +%s)
		run_sel "$sel"
		rc=$?
		case $rc in
		0) echo "baseline: $sel: passed ($(($(date +%s) - t0)) s)" ;;
		2) tail -n 40 "$out" >&2; die "baseline: $sel timed out after ${timeout_s}s on the unmutated tree" ;;
		3) tail -n 20 "$out" >&2; die "baseline: $sel runs no test (a wrong program or pattern in $list?)" ;;
		*) tail -n 60 "$out" >&2; die "baseline: $sel FAILS on the unmutated tree: fix that first" ;;
		esac
	done < <(split_sels "${tests[$i]}")
done
echo "baseline: $nsel test selections pass unmutated"

# ---- the mutants ----------------------------------------------------------------------
caught=0 missed=0 errors=0
missed_ids=()
for i in "${!ids[@]}"; do
	id=${ids[$i]} file=${files[$i]}
	selected "$id" || continue
	unescape from "${froms[$i]}"
	unescape to "${tos[$i]}"
	[ -f "$file" ] || { echo "$id: ERROR: no file $file"; errors=$((errors + 1)); continue; }
	IFS= read -r -d '' text <"$file"
	rest=${text//"$from"/}
	count=$(((${#text} - ${#rest}) / ${#from}))
	if [ "$count" -ne 1 ]; then
		echo "$id: ERROR: the text to change is found $count times in $file (must be once): ${froms[$i]}"
		errors=$((errors + 1))
		continue
	fi
	cp -p "$file" "$scratch/.mutate.orig"
	printf '%s' "${text/"$from"/"$to"}" >"$file"
	touch "$file"

	mapfile -t sels < <(split_sels "${tests[$i]}")
	targets=() only=()
	for sel in "${sels[@]}"; do
		mapfile -t -O ${#targets[@]} targets < <(targets_of "$sel")
		e=$(exercise_of "$sel") && only+=("$e")
	done
	t0=$(date +%s)
	verdict=""
	if ! mk ${only[@]+ONLY="${only[*]}"} "${targets[@]}"; then
		tail -n 15 "$log" | sed 's/^/    /'
		verdict="ERROR: the mutant does not build"
		errors=$((errors + 1))
	else
		timeouts=()
		for sel in "${sels[@]}"; do
			run_sel "$sel"
			case $? in
			1) verdict="caught by $sel"; break ;;
			2) timeouts+=("$sel") ;;
			3) verdict="ERROR: $sel runs no test"; errors=$((errors + 1)); break ;;
			esac
		done
		if [ -z "$verdict" ]; then
			verdict="MISSED${timeouts[0]+ (timed out, not counted: ${timeouts[*]})}"
			missed=$((missed + 1))
			missed_ids+=("$id")
		elif [ "${verdict#caught}" != "$verdict" ]; then
			caught=$((caught + 1))
		fi
	fi
	echo "$id: $verdict ($(($(date +%s) - t0)) s) - ${whats[$i]}"
	# put the original back, newer than anything built from the mutant: the next build
	# that needs those objects rebuilds them from it
	cp -p "$scratch/.mutate.orig" "$file"
	touch "$file"
done

took=$(($(date +%s) - start_s))
printf 'mutate: took %dm%02ds\n' $((took / 60)) $((took % 60))
[ $missed -gt 0 ] && echo "mutate: missed: ${missed_ids[*]}"
[ $errors -gt 0 ] && echo "mutate: $errors mutants could not be applied or built (see ERROR above)"
suffix=""
[ $errors -gt 0 ] && suffix=", $errors errors"
echo "$caught caught, $missed missed$suffix"
[ $errors -gt 0 ] && exit 3
[ $missed -gt 0 ] && exit 1
exit 0
}
main "$@"
