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
#include "cpu.h"
#include "lib/kernel.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"
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

/* The first online CPU other than the calling one, or -1 when alone. */
static int other_online_cpu(void)
{
	unsigned int me = smp_processor_id(), cpu;

	for_each_online_cpu (cpu)
		if (cpu != me)
			return (int)cpu;
	return -1;
}

/*
 * Run @fn(@info) on CPU @cpu through smp_call_function_single() (@wait as
 * there), for the crashtest @what. Return: 0, or its error (reported).
 */
static int crashtest_call(const char *what, int cpu, void (*fn)(void *),
			  void *info, int wait)
{
	int err = smp_call_function_single((unsigned int)cpu, fn, info, wait);

	if (err)
		pr_err("%s: smp_call_function_single(%d) failed: %d\n", what,
		       cpu, err);
	return err;
}

#define RACE_SPINS 100000000UL /* bound of each wait below: seconds */
/* panic-race: set by the other CPU when it runs the call, then by this
 * one to start both panics; each written by one CPU, read by the other. */
static volatile int race_ready, race_go;

/* The other CPU's half of panic-race, from its function-call IPI. */
static noipa void crashtest_panic_race_other(void *unused)
{
	(void)unused;
	race_ready = 1;
	for (unsigned long i = 0; !race_go && i < RACE_SPINS; i++)
		cpu_relax();
	panic("crashtest: panic-race on CPU %u", smp_processor_id());
}

/*
 * Two CPUs call panic() at once: the other CPU spins in its function call
 * until this one says go, then both panic within a few instructions of
 * each other. One "Kernel panic" block must come out, no mixed lines.
 */
static noipa void crashtest_panic_race(void)
{
	int cpu = other_online_cpu();
	unsigned long i;

	if (crashtest_call("panic-race", cpu, crashtest_panic_race_other, NULL,
			   0))
		return;
	for (i = 0; !race_ready && i < RACE_SPINS; i++)
		cpu_relax();
	if (!race_ready) {
		pr_err("panic-race: CPU %d did not run the call\n", cpu);
		return;
	}
	race_go = 1;
	/* 0 to 1023 pauses: sometimes the other CPU gets there first. */
	for (i = rdtsc() & 1023; i; i--)
		cpu_relax();
	panic("crashtest: panic-race on CPU %u", smp_processor_id());
}

#define PRINTING_LINES 40 /* lines each CPU prints before the panic */
/* panic-printing: the lines the other CPU printed; written by it only. */
static volatile unsigned long printing_count;

/* The other CPU's half of panic-printing: print until stopped. */
static noipa void crashtest_print_forever(void *unused)
{
	(void)unused;
	for (unsigned long n = 1;; n++) {
		pr_info("panic-printing: CPU %u line %lu: the quick brown fox jumps over the lazy dog\n",
			smp_processor_id(), n);
		printing_count = n;
	}
}

/*
 * Both CPUs print lines as fast as they can, then this one panics while
 * the other is still printing: no line may mix the two CPUs' text, the
 * other CPU is stopped (maybe holding the console lock, cut off mid-line),
 * and the panic lines come out whole after it.
 */
static noipa void crashtest_panic_printing(void)
{
	int cpu = other_online_cpu();
	unsigned long i;

	if (crashtest_call("panic-printing", cpu, crashtest_print_forever, NULL,
			   0))
		return;
	for (i = 1; i <= PRINTING_LINES; i++)
		pr_info("panic-printing: CPU %u line %lu: the quick brown fox jumps over the lazy dog\n",
			smp_processor_id(), i);
	for (i = 0; printing_count < PRINTING_LINES && i < RACE_SPINS; i++)
		cpu_relax();
	panic("crashtest: panic-printing on CPU %u", smp_processor_id());
}

struct crashtest {
	const char *name;
	void (*fn)(void);
	bool needs_other_cpu; /* runs only with a second CPU online */
};

static const struct crashtest crashtests[] = {
	{ "null", crashtest_null, false },
	{ "write-text", crashtest_write_text, false },
	{ "exec-data", crashtest_exec_data, false },
	{ "stack-overflow", crashtest_stack_overflow, false },
	{ "panic", crashtest_panic, false },
	{ "printk-fault", crashtest_printk_fault, false },
	{ "panic-race", crashtest_panic_race, true },
	{ "panic-printing", crashtest_panic_printing, true },
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

/* ap-<test>: @info is the test, run on this CPU from its function-call IPI. */
static noipa void crashtest_on_this_cpu(void *info)
{
	const struct crashtest *t = info;

	pr_info("%s: running on CPU %u (APIC id %u)\n", t->name,
		smp_processor_id(), (unsigned int)this_cpu()->apic_id);
	t->fn();
	no_tail_call();
}

/* Out of line, so that its buffer is not in crashtest_run()'s frame, which
 * docs/debugging.md reads word by word in the crash dump. */
static noinline void report_unknown(const char *what)
{
	char known[200];

	known_names(known, sizeof(known));
	pr_err("unknown test '%s' (known: %s; ap-<test> runs <test> on another CPU)\n",
	       what, known);
}

void crashtest_run(void)
{
	char what[32];
	const char *name = what;
	int cpu = -1;

	if (!cmdline_value("crashtest", what, sizeof(what)))
		return;
	if (!strncmp(what, "ap-", 3))
		name = what + 3;
	for (unsigned int i = 0; i < NR_CRASHTESTS; i++) {
		const struct crashtest *t = &crashtests[i];

		if (strcmp(name, t->name))
			continue;
		if (name != what || t->needs_other_cpu) {
			cpu = other_online_cpu();
			if (cpu < 0) {
				pr_err("%s: needs a second CPU online, and only CPU %u is: not run\n",
				       what, smp_processor_id());
				return;
			}
		}
		pr_info("%s: this fault is on purpose; a crash dump follows\n",
			what);
		/* ap-<test>: run it on @cpu and wait; the fault or panic
		 * there stops this CPU (by its NMI) before the call returns. */
		if (name != what)
			crashtest_call(what, cpu, crashtest_on_this_cpu,
				       (void *)t, 1);
		else
			t->fn();
		pr_err("%s: no fault happened: the protection is missing\n",
		       what);
		return;
	}
	report_unknown(what);
}
