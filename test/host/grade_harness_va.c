// SPDX-License-Identifier: MIT
/*
 * grade_harness_va.c - the host child of the instructor's grader
 * (tools/observe_host.py, issue 18) for lab 2's address arithmetic: the
 * kernel's own __va() and __pa() (src/arch/x86_64/memlayout.h, not the
 * host's mm_env.h) on the numbers the grader chose. It never judges:
 * tools/observe_model.py computes them itself.
 *
 *   build/host/grade_harness_va OUTFILE < PLAN
 *
 * The plan, one a line: "va PA" (__va(PA)), "va_or A B" (__va(A | B): the
 * macro's argument is an expression), "pa VA" (__pa(VA)), "pa_ptr VA"
 * (__pa() of a pointer). The dump: {"op": [name, args...], "result": N} a
 * line, {"done": true} at the end; a panic (a stub's lab_stop()) ends it
 * with {"panic": message}.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86_64/memlayout.h"
#include "grade_dump.h"

extern void (*fake_panic_handler)(const char *msg);

static FILE *out;

static void on_panic(const char *msg)
{
	grade_dump_panic(out, msg);
}

int main(int argc, char **argv)
{
	char line[256];

	if (argc != 2) {
		fprintf(stderr, "usage: grade_harness_va OUTFILE < PLAN\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out)
		return 2;
	fake_panic_handler = on_panic;
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \t\r\n");
		char *a = strtok(NULL, " \t\r\n");
		char *b = strtok(NULL, " \t\r\n");
		unsigned long x, y = 0;

		if (!cmd || !a)
			continue;
		x = strtoul(a, NULL, 0);
		if (b)
			y = strtoul(b, NULL, 0);
		if (!strcmp(cmd, "va"))
			fprintf(out,
				"{\"op\": [\"va\", %lu], \"result\": %lu}\n", x,
				(unsigned long)__va(x));
		else if (!strcmp(cmd, "va_or"))
			fprintf(out,
				"{\"op\": [\"va_or\", %lu, %lu], \"result\": %lu}\n",
				x, y, (unsigned long)__va(x | y));
		else if (!strcmp(cmd, "pa"))
			fprintf(out,
				"{\"op\": [\"pa\", %lu], \"result\": %lu}\n", x,
				(unsigned long)__pa(x));
		else if (!strcmp(cmd, "pa_ptr"))
			fprintf(out,
				"{\"op\": [\"pa_ptr\", %lu], \"result\": %lu}\n",
				x, (unsigned long)__pa((const char *)x));
		else
			continue;
		fflush(out);
	}
	fprintf(out, "{\"done\": true}\n");
	fclose(out);
	return 0;
}
