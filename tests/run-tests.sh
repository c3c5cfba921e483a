#!/usr/bin/env bash
# run-tests.sh BUILD [NAME...]: run the test programs of BUILD/tests (all, or the NAMEs)
# under a timeout, unit tests (test_*) first, then integration tests (run_*), each
# showing cmocka's report; and tests/test_report.py (the report on golden records,
# Python's unittest), with the unit tests.
# Exits non-zero when any program fails, times out or was not built; the last line
# says how many passed and failed.
set -uo pipefail
build=${1:-build}
shift || true
timeout_s=${TEST_TIMEOUT:-600}
export HX_BUILD=$build
failed=()
shopt -s nullglob
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
	progs=()
	for n in "$@"; do case $n in test_report) progs+=("$here/test_report.py") ;; test_*) progs+=("$build/tests/$n") ;; esac; done
	for n in "$@"; do case $n in run_*) progs+=("$build/tests/$n") ;; esac; done
else
	progs=("$build"/tests/test_* "$here/test_report.py" "$build"/tests/run_*)
fi
[ ${#progs[@]} -gt 0 ] || { echo "run-tests.sh: no test programs in $build/tests" >&2; exit 1; }
passed=0
for t in "${progs[@]}"; do
	case $t in *.d | *.o) continue ;; esac
	if [ ! -x "$t" ]; then
		echo "$(basename "$t"): MISSING (not built: $t)" >&2
		failed+=("$(basename "$t") (missing)")
		continue
	fi
	echo "=== $(basename "$t")"
	timeout --kill-after=10 "$timeout_s" "$t"
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "$(basename "$t"): TIMED OUT after ${timeout_s}s" >&2
		failed+=("$(basename "$t") (timeout)")
	elif [ $rc -ne 0 ]; then
		failed+=("$(basename "$t")")
	else
		passed=$((passed + 1))
	fi
done
[ ${#failed[@]} -eq 0 ] || echo "FAILED test programs: ${failed[*]}" >&2
echo "test-programs: $passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
