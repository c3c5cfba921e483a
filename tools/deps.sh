#!/usr/bin/env bash
# deps.sh: install what the suite needs on Debian/Ubuntu, and nothing when all is there.
# Uses sudo when not root. Extra packages: DEPS_EXTRA="clang libomp-dev mpich" tools/deps.sh
set -euo pipefail
pkgs=(gcc make pkg-config libc6-dev libopenmpi-dev openmpi-bin libcmocka-dev libgmp-dev
	libhwloc-dev gnuplot-nox procps git shellcheck python3)
# shellcheck disable=SC2206  # word splitting of the list is intended
pkgs+=(${DEPS_EXTRA:-})
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: everything is installed (${pkgs[*]})"
	exit 0
fi
command -v apt-get >/dev/null || {
	echo "deps: no apt-get here; install by hand: ${missing[*]}" >&2
	exit 1
}
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
