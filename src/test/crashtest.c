// SPDX-License-Identifier: MIT
/*
 * crashtest.c - the "crashtest=X" command-line option: one deliberate fault
 * per X, each against one protection the page tables give (page 0 unmapped,
 * text read-only, data no-execute, a guard page below the stack), so the
 * crash dump it ends in can be read and tested (test/emu/test_crash.py).
 * Every function here shows up in the Call Trace under its own name.
 */
#define pr_fmt(fmt) "crashtest: " fmt

#include "crashtest.h"

#include "cmdline.h"
#include "lib/kernel.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "string.h"

/*
 * Not inlined, cloned (crashtest_recurse.isra.0) or merged: each function
 * keeps its own name in the Call Trace.
 */
#define noipa __attribute__((noipa))
/*
 * After a call, so the call is not the function's last act: gcc would
 * otherwise make it a jump, and the caller would vanish from the trace.
 */
#define no_tail_call() __asm__ volatile("" : : : "memory")

/*
 * volatile, so the compiler neither knows what they hold nor may drop the
 * access: gcc would otherwise turn a read through a known NULL into a trap
 * instruction, and a recursion with a known end into a loop.
 */
static volatile int *volatile null_pointer;
static volatile unsigned long recursion_limit = ~0UL;
/* An address in page 0 that is not NULL: printk's %s reads it. */
static const char *volatile bad_string = (const char *)0x10;
/* One byte of code (ret) in .data, which is mapped no-execute. */
static unsigned char code_in_data[] = { 0xc3 };

static noipa void crashtest_null(void)
{
	pr_info("reading from address %p\n", (const void *)null_pointer);
	(void)*null_pointer;
}

static noipa void crashtest_write_text(void)
{
	unsigned char *volatile text = (unsigned char *)crashtest_write_text;

	pr_info("writing to kernel text at %pS\n", text);
	*text = 0xc3;
}

static noipa void crashtest_exec_data(void)
{
	void (*volatile fn)(void) = (void (*)(void))code_in_data;

	pr_info("calling code in .data at %p\n", (void *)code_in_data);
	fn();
	no_tail_call();
}

/* 64 bytes of locals, used after the call, so it is no tail call. */
static noipa unsigned long crashtest_recurse(unsigned long depth)
{
	volatile unsigned long frame[8];

	frame[0] = depth;
	if (depth == recursion_limit)
		return depth;
	return crashtest_recurse(depth + 1) + frame[0];
}

static noipa void crashtest_stack_overflow(void)
{
	pr_info("recursing until the stack overflows\n");
	crashtest_recurse(0);
	no_tail_call();
}

static noipa void crashtest_panic(void)
{
	panic("crashtest: panic() called on purpose on CPU %u",
	      smp_processor_id());
}

/*
 * %s of a pointer into page 0 (not NULL, which prints "(null)"): the page
 * fault comes while printk() formats, so with the console lock held, and
 * the crash dump must still come out (printk's re-entry path).
 */
static noipa void crashtest_printk_fault(void)
{
	pr_info("printing a string at %p: %s\n", (const void *)bad_string,
		bad_string);
	no_tail_call();
}

struct crashtest {
	const char *name;
	void (*fn)(void);
};

static const struct crashtest crashtests[] = {
	{ "null", crashtest_null },
	{ "write-text", crashtest_write_text },
	{ "exec-data", crashtest_exec_data },
	{ "stack-overflow", crashtest_stack_overflow },
	{ "panic", crashtest_panic },
	{ "printk-fault", crashtest_printk_fault },
};

#define NR_CRASHTESTS (ARRAY_SIZE(crashtests))

/* The known names, for the "unknown test" line: "null, write-text, ...". */
static void known_names(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < NR_CRASHTESTS && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i ? ", " : "", crashtests[i].name);
}

void crashtest_run(void)
{
	char what[32], known[160];

	if (!cmdline_value("crashtest", what, sizeof(what)))
		return;
	for (unsigned int i = 0; i < NR_CRASHTESTS; i++) {
		if (!strcmp(what, crashtests[i].name)) {
			pr_info("%s: this fault is on purpose; a crash dump follows\n",
				what);
			crashtests[i].fn();
			pr_err("%s: no fault happened: the protection is missing\n",
			       what);
			return;
		}
	}
	known_names(known, sizeof(known));
	pr_err("unknown test '%s' (known: %s)\n", what, known);
}
