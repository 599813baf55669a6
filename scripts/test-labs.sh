#!/bin/bash
# test-labs.sh - CI of the labs (make test-labs; docs/labs/INSTRUCTORS.md,
# "CI for the labs"). For each lab n, writes its handout (make handout
# LAB=n) and grades labs 1 to n in it with this tree's grader and table:
# lab n, not written there, must score below full marks, and every earlier
# lab, whose solution the handout keeps, full marks. Exit status 0 when all
# five runs meet that, 1 otherwise. Each run's output is in build/test-labs/,
# its logs in build/handout-labN/build/grade/. The full tree at full marks
# on every lab is test/tools/test_grade.py's
# test_the_full_tree_scores_full_marks (make test-tools), not run again here.
#
# TEST_LABS_RUNS grader runs go at a time (default 1), each with
# TEST_LABS_JOBS jobs (default 2: its builds, its two boots and its host
# tests two at a time). On 2 cores, two runs of one job each took as long.
set -u
cd "$(dirname "$0")/.." || exit 2

RUNS=${TEST_LABS_RUNS:-1}
JOBS=${TEST_LABS_JOBS:-2}
LABS="1 2 3 4 5"
out=build/test-labs
start=$(date +%s)
rm -rf "$out" && mkdir -p "$out"

# run STEP: grade lab STEP's handout; the output goes to $out/labSTEP.log,
# the exit status to $out/STEP.status.
run() {
	local step=$1
	tools/grade --jobs "$JOBS" --tree "build/handout-lab$step" --expect-fail "$step" "1-$step" \
		>>"$out/lab$step.log" 2>&1
	echo $? >"$out/$step.status"
}

# The handouts are written one after another (each reads the work tree and
# git's index; a failed one is reported as that lab's failure). Then they
# are graded, the later labs first (they run more host tests and boot
# through every suite), RUNS runs at a time.
for n in $LABS; do
	if ! make --no-print-directory handout LAB="$n" >"$out/lab$n.log" 2>&1; then
		echo 1 >"$out/$n.status"
	fi
done
for step in 5 4 3 2 1; do
	[ -e "$out/$step.status" ] && continue # its handout failed
	while [ "$(jobs -rp | wc -l)" -ge "$RUNS" ]; do
		wait -n
	done
	run "$step" &
done
wait

status=0
for step in $LABS; do
	what="lab $step's handout: lab $step below full marks, labs before it at full marks"
	log=$out/lab$step.log
	code=$(cat "$out/$step.status" 2>/dev/null || echo "none")
	if [ "$code" = 0 ]; then
		echo "test-labs: ok   $what"
		# A test of lab n that passes in lab n's handout gives points
		# for nothing written: worth a look, not a failure.
		grep -E "^$step +(host|ktap) .* PASS$" "$log" | sed 's/^/test-labs:      passes unwritten: /'
	else
		echo "test-labs: FAIL $what (exit status $code); its output ($log):"
		sed 's/^/    /' "$log"
		status=1
	fi
done
echo "test-labs: $(($(date +%s) - start)) s; outputs in $out/"
exit $status
