#!/bin/sh
# setup.sh - Gradescope runs this once, as root, when it builds the
# autograder's image from the zip that `make gradescope LAB=n` writes
# (docs/labs/INSTRUCTORS.md, "Gradescope"). The zip's files are in
# /autograder/source (AUTOGRADER_ROOT overrides /autograder, for trying the
# layout elsewhere). It installs what the grader needs and makes the source
# a git work tree again, since handouts are cut from the files git tracks.
set -eu
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source"
if [ "${PAGEWISE_SKIP_DEPS:-0}" != 1 ]; then
	scripts/install-deps.sh grade
fi
if [ ! -d .git ]; then
	git init -q
	git add -A
	git -c user.name=autograder -c user.email=autograder@localhost commit -qm "autograder source"
fi
python3 tools/grade --check-sandbox || echo "setup.sh: no sandbox here: run_autograder will say so in every result"
