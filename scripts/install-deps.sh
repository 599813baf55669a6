#!/bin/sh
# install-deps.sh - install the Debian 12 packages Pagewise needs, if missing.
# Usage: scripts/install-deps.sh [build|run|debug|plot|bench|docs|grade|test|all]   (default: all)
# Runs apt-get only when something is missing; uses sudo when not root.
set -eu

build="gcc binutils make nasm grub-pc-bin grub-efi-amd64-bin grub-common mtools xorriso"
run="$build qemu-system-x86 ovmf"
# make qemu-gdb / make gdb (scripts/gdb/).
debug="$run gdb"
# tools/memplot (docs/memplot.md) renders pfnmap dumps with matplotlib.
plot="python3-matplotlib python3-numpy"
# make bench / bench-callgrind (docs/bench.md): callgrind and its header.
bench="$build valgrind"
# make docs / docs-check (docs/README.md): the runs are driven through a
# pseudo-terminal (pexpect); Sybil parses the docs for the check.
docs="python3-pexpect python3-pytest python3-sybil"
# The instructor's grader (tools/grade --submission, docs/labs/INSTRUCTORS.md):
# builds and runs student code in a bubblewrap sandbox, drives QEMU's gdbstub.
grade="$debug bubblewrap git python3"
test="$grade $plot $docs valgrind bochs bochsbios vgabios libcmocka-dev python3 python3-pytest python3-pexpect python3-pytest-xdist clang-format clang-14 libclang-rt-14-dev"

case "${1:-all}" in
build) want=$build ;;
run) want=$run ;;
debug) want=$debug ;;
plot) want="$run $plot" ;;
bench) want=$bench ;;
docs) want="$docs" ;;
grade) want=$grade ;;
test | all) want=$test ;;
*) echo "usage: $0 [build|run|debug|plot|bench|docs|grade|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "Installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
