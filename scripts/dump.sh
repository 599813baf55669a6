#!/bin/sh
# dump.sh - boot an ISO headless in QEMU and save the kernel's COM1
# transcript, without GRUB's screen output and escape sequences.
# Usage: scripts/dump.sh ISO MEM OUT.txt
# The ISO's command line should end in poweroff (make dump adds it); QEMU's
# isa-debug-exit then ends QEMU with status 33, which counts as success.
# Gives up after 300 s. Exit status: 0 when the kernel powered off.
set -u

iso=$1 mem=$2 out=$3
raw=$out.raw
qemu=${QEMU:-qemu-system-x86_64}

rm -f "$raw"
timeout 300 "$qemu" -m "$mem" -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -serial "file:$raw" -monitor none
status=$?
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
if [ "$status" -ne 33 ]; then
	echo "dump.sh: QEMU ended with status $status, not 33 (power-off); the transcript may be incomplete: $out" >&2
	exit 1
fi
echo "dump.sh: transcript in $out"
