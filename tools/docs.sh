#!/bin/bash
# tools/docs.sh [FILE...]: regenerate the program output shown in the documentation
# (make docs). A line `<!-- output: COMMAND -->` followed by a fenced block marks a
# sample: the block is replaced by `$ COMMAND` and what COMMAND prints (stdout and
# stderr), run with bash from the checkout's top directory. Nothing in a sample is
# typed by hand. Default files: README.md and docs/*.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- README.md docs/*.md

tmp=$(mktemp "${TMPDIR:-/tmp}/tvp-docs-XXXXXX")
trap 'rm -f "$tmp" "$tmp.out"' EXIT INT TERM

for f in "$@"; do
	grep -q '^<!-- output: ' "$f" || continue
	: > "$tmp"
	in_sample=0
	while IFS= read -r line || [ -n "$line" ]; do
		if [ "$in_sample" = 2 ]; then # inside the old block: skip to its fence
			[ "$line" = '```' ] && in_sample=0
			continue
		fi
		if [ "$in_sample" = 1 ]; then # the line after the marker opens the old block
			in_sample=2
			[ "$line" = '```' ] && continue
			echo "docs.sh: $f: a fenced block must follow '<!-- output: $cmd -->'" >&2
			exit 1
		fi
		printf '%s\n' "$line" >> "$tmp"
		case $line in
		'<!-- output: '*' -->')
			cmd=${line#'<!-- output: '}
			cmd=${cmd%' -->'}
			rc=0
			bash -c "$cmd" < /dev/null > "$tmp.out" 2>&1 || rc=$?
			if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then # 2: a sample of bad usage
				echo "docs.sh: $f: '$cmd' exited $rc:" >&2
				cat "$tmp.out" >&2
				exit 1
			fi
			{ echo '```'; echo "\$ $cmd"; cat "$tmp.out"; echo '```'; } >> "$tmp"
			in_sample=1
			echo "docs.sh: $f: $cmd" >&2
			;;
		esac
	done < "$f"
	[ "$in_sample" = 0 ] || { echo "docs.sh: $f: unterminated sample block" >&2; exit 1; }
	cat "$tmp" > "$f"
done
