#!/bin/sh
# callgrind-report.sh - instructions per op from the dumps of
# `bench --callgrind` run under callgrind (make bench-callgrind). Each dump
# holds the timed sections of one workload on one allocator, named
# "bench WORKLOAD RAM ALLOCATOR ops=N" by bench.c; collection was off
# everywhere else, so Ir / N is the instructions per op of the measured loop.
# Usage: bench/callgrind-report.sh DUMP...
set -eu

printf '%-7s %5s  %-11s %10s %14s %10s\n' work RAM allocator ops/run Ir Ir/op
for f in $(printf '%s\n' "$@" | awk -F. '{ print $NF "\t" $0 }' | sort -n | cut -f2-); do
	awk '
	/^desc: Trigger: Client Request: bench / {
		sub(/^desc: Trigger: Client Request: bench /, "")
		label = $0
	}
	/^summary:/ { ir = $2 }
	END {
		if (label == "") exit
		n = split(label, w, " ")
		ops = w[n]; sub(/^ops=/, "", ops)
		name = w[3]; for (i = 4; i < n; i++) name = name " " w[i]
		printf "%-7s %5s  %-11s %10d %14d %10.1f\n", w[1], w[2], name, ops, ir, ir / ops
	}' "$f"
done
