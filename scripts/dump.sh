#!/bin/sh
# dump.sh - boot an ISO headless in QEMU and save the kernel's COM1
# transcript, without GRUB's screen output and escape sequences.
# Usage: scripts/dump.sh ISO MEM OUT.txt
# The ISO's command line should end in poweroff (make dump adds it); QEMU's
# isa-debug-exit then ends QEMU with status 33, which counts as success.
#
# A kernel that stops for good before that is not waited for: once COM1
# shows one of the STOPPED lines below (a panic ends in "reboot: System
# halted", the 32-bit boot stub's errors in "Pagewise: halted.", GRUB's
# failure to load the kernel in its own words), QEMU is ended at once. A
# triple fault ends QEMU by itself (-no-reboot, status 0). A kernel waiting
# at its prompt (the commands did not end in poweroff) is ended too. Otherwise
# the dump gives up after DUMP_TIMEOUT seconds (default 300).
#
# Exit status: 0 when the kernel powered off without a panic; 1 otherwise,
# with the reason (the panic line, when there is one) on stderr. The
# transcript is written in every case.
set -u

iso=$1 mem=$2 out=$3
raw=$out.raw
stopped=$out.stopped
errors=$out.qemu-errors
qemu=${QEMU:-qemu-system-x86_64}
limit=${DUMP_TIMEOUT:-300}
# Lines after which nothing more comes: the kernel halted for good, or GRUB
# gave up on it. (tools/emulators.py's STOP_MARKERS says the same.)
STOPPED='reboot: System halted
reboot: power-off failed
Pagewise: halted.
error: you need to load the kernel first.
Failed to boot both default and fallback entries.'
# The monitor's prompt, waiting for a key (monitor_run()): COM1 ends in it,
# with no newline. No key ever comes here, so the kernel would wait for ever.
# COM1 also ends in it for a moment while a run= command is echoed byte by
# byte ("pagewise> meminfo"): only PROMPT_POLLS polls in a row (2 s) of a
# log that ends in it and has not grown count.
PROMPT='pagewise> '
PROMPT_POLLS=10

# watch_serial PID: end QEMU (PID) as soon as $raw holds a STOPPED line or
# ends in the waiting prompt, or after $limit seconds; note that line,
# "prompt" or "timeout" in $stopped.
watch_serial() {
	ticks=0 at_prompt=0 size=-1
	while kill -0 "$1" 2>/dev/null; do
		if line=$(grep -a -o -m 1 -F -e "$STOPPED" "$raw" 2>/dev/null); then
			printf '%s\n' "$line" | head -n 1 >"$stopped"
			break
		fi
		last=$size
		size=$({ wc -c <"$raw"; } 2>/dev/null || echo 0)
		if [ "$size" = "$last" ] &&
			[ "$(tail -c ${#PROMPT} "$raw" 2>/dev/null)" = "$PROMPT" ]; then
			at_prompt=$((at_prompt + 1))
		else
			at_prompt=0
		fi
		if [ "$at_prompt" -ge "$PROMPT_POLLS" ]; then
			echo prompt >"$stopped"
			break
		fi
		if [ "$ticks" -ge $((limit * 5)) ]; then
			echo timeout >"$stopped"
			break
		fi
		sleep 0.2
		ticks=$((ticks + 1))
	done
	kill "$1" 2>/dev/null
}

rm -f "$raw" "$stopped"
"$qemu" -m "$mem" -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -serial "file:$raw" -monitor none </dev/null 2>"$errors" &
qemu_pid=$!
watch_serial "$qemu_pid" &
watch_pid=$!
wait "$qemu_pid"
status=$?
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
# QEMU's own complaints, less the one our kill makes it say.
grep -v -F 'terminating on signal' "$errors" >&2
rm -f "$errors"

/usr/bin/python3 - "$raw" "$out" <<'PY'
import sys
sys.path.insert(0, "tools")
import serial_log
with open(sys.argv[1], "rb") as f:
    lines = serial_log.kernel_lines(serial_log.clean_lines(f.read()))
with open(sys.argv[2], "w") as f:
    f.write("\n".join(lines) + "\n")
PY
rm -f "$raw"

# The verdict: a panic or a boot error, wherever it was printed, fails the
# dump even when the machine then powered off; so does any other ending
# than QEMU's power-off status.
panic=$(grep -m 1 -e '^Kernel panic - not syncing: ' -e '^Pagewise: boot error: ' "$out")
ended=$(cat "$stopped" 2>/dev/null)
rm -f "$stopped"
if [ -z "$panic" ] && [ -z "$ended" ] && [ "$status" -eq 33 ]; then
	echo "dump.sh: transcript in $out"
	exit 0
fi
if grep -q -F "$PROMPT" "$out"; then
	when="while running the commands"
	where="the last command it started: \"$(grep -F "$PROMPT" "$out" | tail -n 1 | cut -c $((${#PROMPT} + 1))-)\""
else
	when="before its prompt, so none of the commands ran"
	where="it never reached its prompt"
fi
case $panic/$ended in
Kernel*) echo "dump.sh: the kernel panicked $when:" >&2 ;;
?*/*) echo "dump.sh: the kernel stopped $when:" >&2 ;;
/timeout) echo "dump.sh: no power-off within $limit s (DUMP_TIMEOUT), so QEMU was ended;" \
	"$where" >&2 ;;
/prompt) echo "dump.sh: the kernel did not power off: it waits at its prompt" \
	"(does the command list end in poweroff?)" >&2 ;;
/?*) echo "dump.sh: the kernel stopped $when: \"$ended\"" >&2 ;;
*) echo "dump.sh: QEMU ended with status $status, not 33 (power-off), $when:" \
	"a triple fault or a reset?" >&2 ;;
esac
if [ -n "$panic" ]; then
	grep -m 1 '^BUG: ' "$out" | sed 's/^/  /' >&2
	echo "  $panic" >&2
fi
echo "dump.sh: what COM1 showed is in $out" >&2
exit 1
