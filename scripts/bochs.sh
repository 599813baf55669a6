#!/usr/bin/env bash
# bochs.sh - boot a Pagewise ISO in Bochs 2.7, from scripts/bochsrc.template.
#
# Usage: scripts/bochs.sh interactive|headless ISO MEM [RUNDIR]
#   interactive  Bochs's debugger on this terminal; it stops before the first
#                instruction: type `c` to run, `help` for the commands.
#   headless     no input: runs the kernel to its end (power-off, or halt or
#                the monitor's prompt: then Bochs is stopped), then prints
#                COM1. Exit status 0 iff COM1 ends with "reboot: Power down",
#                "reboot: System halted" or the prompt "pagewise> " and
#                has no panic and no failed self-test (Bochs's own status says
#                nothing: it is 1 even after a clean shutdown).
#   ISO          the ISO to boot; kernel.sym is taken from the same directory
#                (or from $BOCHS_SYMBOLS).
#   MEM          guest RAM: 128M, 1G or a number of MiB.
#   RUNDIR       where bochsrc, bochs-com1.log and bochs.log go (default: the
#                ISO's directory).
# Environment: BOCHS_CPUS (the number of CPUs, 1 to 8, default 1: bochsrc's
#   cpu: count=; the Bochs BIOS lists them in its ACPI MADT and MP table),
#   BOCHS_TIMEOUT (headless; seconds, default 600, then Bochs is stopped),
#   BOCHS_CMDS (headless; a debugger command file instead of 16 `c` lines),
#   BOCHS_VNC=1 (interactive; no network namespace: a VNC viewer on
#   localhost:5900 shows the VGA screen).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	echo "usage: $0 interactive|headless ISO MEM [RUNDIR]" >&2
	exit 2
}
if [ $# -lt 3 ] || [ $# -gt 4 ]; then usage; fi
mode=$1 iso=$2 mem=$3
case $mode in interactive | headless) ;; *) usage ;; esac
rundir=${4:-$(dirname "$iso")}

case $mem in
*[Gg] | *[Gg]i[Bb] | *[Gg][Bb]) megs=$((${mem%%[Gg]*} * 1024)) ;;
*[Mm] | *[Mm]i[Bb] | *[Mm][Bb]) megs=${mem%%[Mm]*} ;;
*) megs=$mem ;;
esac
case $megs in '' | *[!0-9]*)
	echo "$0: memory size '$mem' is not like 128M, 1G or 128" >&2
	exit 2
	;;
esac

cpus=${BOCHS_CPUS:-1}
case $cpus in [1-8]) ;; *)
	echo "$0: BOCHS_CPUS='$cpus' is not a number of CPUs from 1 to 8" >&2
	exit 2
	;;
esac

[ -f "$iso" ] || { echo "$0: no ISO at $iso (make iso builds one)" >&2; exit 2; }
symbols=${BOCHS_SYMBOLS:-$(dirname "$iso")/kernel.sym}
# Bochs PANICs at start on a missing symbol file: say why here instead.
[ -f "$symbols" ] || { echo "$0: no symbol file $symbols (the build writes build/kernel.sym)" >&2; exit 2; }
command -v bochs > /dev/null || { echo "$0: bochs is not installed (make deps-test)" >&2; exit 2; }

mkdir -p "$rundir"
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
rundir=$(cd "$rundir" && pwd)
rc=$rundir/bochsrc
com1=$rundir/bochs-com1.log
blog=$rundir/bochs.log
rm -f "$com1" "$blog"
# sed uses "|" as its delimiter here, as the paths contain "/".
sed -e "s|@ISO@|$(abs "$iso")|g" -e "s|@MEGS@|$megs|g" -e "s|@CPUS@|$cpus|g" \
	-e "s|@COM1_LOG@|$com1|g" -e "s|@SYMBOLS@|$(abs "$symbols")|g" \
	-e "s|@BOCHS_LOG@|$blog|g" "$here/bochsrc.template" > "$rc"

# The rfb display listens on TCP 5900 (or the next free port) on every
# address. A network namespace of its own keeps that listener private to
# this run: no collision between runs, nothing reachable from outside.
netns=()
if [ "$mode" = headless ] || [ "${BOCHS_VNC:-0}" != 1 ]; then
	if unshare --net true 2> /dev/null; then
		netns=(unshare --net)
	elif unshare --user --map-root-user --net true 2> /dev/null; then
		netns=(unshare --user --map-root-user --net)
	else
		echo "$0: note: cannot make a network namespace; Bochs's VNC display listens on port 5900+ of this machine" >&2
	fi
fi

if [ "$mode" = interactive ]; then
	cat <<EOF
==========================================================================
Pagewise in Bochs, $megs MiB of RAM, $cpus CPU(s): $iso
Bochs's debugger stops at <bochs:1> before the first instruction. Type
  c   to run (Ctrl-C stops it again),  help  for the commands,  q  to quit.
Once in the kernel, try:
  lb "kernel_main"   break at a symbol    info symbols "mem"  list symbols
  r / sreg / creg    registers            info gdt / info idt
  info tab           page tables          page 0xffff888000000000
  x /8gx ADDR        virtual memory       xp /8gx PADDR  physical memory
The kernel's console, COM1, goes to a file: in another terminal run
  tail -f $com1
(Bochs's own log: $blog)
==========================================================================
EOF
	status=0
	# Bochs's startup chatter (plugin loading, on stderr before its log file
	# is open) would push the lines above off the screen: drop those info
	# lines, keep anything else it says there.
	"${netns[@]}" bochs -q -f "$rc" 2> >(grep --line-buffered -vE '^[0-9]+i\[' >&2) || status=$?
	echo "Bochs exited ($status). COM1 log: $com1"
	exit 0
fi

# Headless: one `c` for the stop before the first instruction and one for each
# magic breakpoint (`xchg bx, bx`); when the file runs out, stdin is /dev/null,
# so the debugger reads end-of-file and Bochs quits instead of waiting.
# BOCHS_CMDS=FILE replaces these with your own debugger commands (e.g. `creg`
# at a magic breakpoint, as test/emu/bochs-break.cmds does).
cmds=$rundir/bochs-cmds
if [ -n "${BOCHS_CMDS:-}" ]; then
	cp "$BOCHS_CMDS" "$cmds"
else
	for _ in $(seq 1 16); do echo c; done > "$cmds"
fi
out=$rundir/bochs-stdout.log
limit=${BOCHS_TIMEOUT:-600}
# A kernel that halted (no "poweroff" on its command line, a panic, a boot
# error) never ends Bochs, nor does GRUB when it could not load the kernel
# (it waits at its menu): stop Bochs a second after either says so, or at the
# limit.
halted='reboot: System halted|reboot: power-off failed|Pagewise: halted\.|error: you need to load the kernel first'
# The monitor's prompt (src/monitor/monitor.c), at the very end of COM1: the kernel
# waits for a command that a headless run cannot type.
prompt='pagewise> '
"${netns[@]}" bochs -q -f "$rc" -rc "$cmds" < /dev/null > "$out" 2>&1 &
pid=$!
end=$((SECONDS + limit))
why=""
while kill -0 "$pid" 2> /dev/null; do
	if [ "$SECONDS" -ge "$end" ]; then
		why="timed out after $limit s (BOCHS_TIMEOUT)"
	elif [ -f "$com1" ] && grep -Eq "$halted" "$com1"; then
		sleep 1
		why="stopped: the kernel halted"
	elif [ -f "$com1" ] && [ "$(tail -c ${#prompt} "$com1")" = "$prompt" ]; then
		# Still at the prompt a second later: no input will come.
		sleep 1
		[ "$(tail -c ${#prompt} "$com1")" = "$prompt" ] &&
			why="stopped: the monitor waits for input, and headless has none"
	fi
	if [ -n "$why" ]; then
		kill "$pid" 2> /dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2> /dev/null || break
			sleep 0.5
		done
		kill -9 "$pid" 2> /dev/null || true
		break
	fi
	sleep 0.5
done
status=0
wait "$pid" || status=$?
[ -f "$com1" ] && tr -d '\r' < "$com1"
echo
echo "bochs.sh: Bochs exited with status $status${why:+ ($why)}; COM1: $com1, Bochs log: $blog"
# The verdict comes from COM1: the kernel's last line says how it ended.
last=$( { [ -f "$com1" ] && tr -d '\r' < "$com1"; } | grep -v '^[[:space:]]*$' | tail -n 1 || true)
if [ "$last" = "reboot: Power down" ] || [ "$last" = "reboot: System halted" ] ||
	[ "$last" = "$prompt" ]; then
	if ! grep -Eq 'Kernel panic|selftest: FAILED' "$com1"; then
		echo "bochs.sh: the kernel ended cleanly: $last"
		exit 0
	fi
fi
echo "bochs.sh: the kernel did not end cleanly (last line: '$last')" >&2
exit 1
