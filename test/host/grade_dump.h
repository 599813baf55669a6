/* SPDX-License-Identifier: MIT */
/*
 * grade_dump.h - what the grade harnesses (test/host/grade_harness*.c, the
 * host children of tools/observe_host.py) share: the line that ends a dump
 * when the code under test panics.
 */
#ifndef GRADE_DUMP_H
#define GRADE_DUMP_H

#include <stdio.h>
#include <unistd.h>

/*
 * grade_dump_panic() - end the dump @out with {"panic": "@msg"} (only
 * printable ASCII of @msg, no quotes or backslashes, so the line stays one
 * JSON object whatever @msg holds), and exit with status 3. The grader
 * reads the panic from the dump, never from the exit status alone.
 */
static inline void __attribute__((noreturn))
grade_dump_panic(FILE *out, const char *msg)
{
	fprintf(out, "{\"panic\": \"");
	for (; *msg; msg++)
		if (*msg >= 0x20 && *msg <= 0x7e && *msg != '"' && *msg != '\\')
			fputc(*msg, out);
	fprintf(out, "\"}\n");
	fflush(out);
	_exit(3);
}

#endif /* GRADE_DUMP_H */
