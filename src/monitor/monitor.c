// SPDX-License-Identifier: MIT
/*
 * monitor.c - the serial-console monitor, in the spirit of JOS's K> and
 * gdb's x: commands that show the allocator's state in Linux's formats and
 * drive it by hand. Bad input gets a one-line error and the usage, never a
 * fault: every address is checked against the page tables before a read.
 * This file holds the command table, help, the run="..." script and the
 * prompt's loop; the commands live by area in reports.c, views.c, memory.c,
 * held.c and cpus.c, the portable line editor and number parser in
 * monitor_core.c.
 */
#include "monitor.h"

#include "cmdline.h"
#include "commands.h"
#include "irq.h"
#include "kbench.h"
#include "lib/kernel.h"
#include "monitor_core.h"
#include "power.h"
#include "printk.h"
#include "selftest.h"
#include "serial.h"
#include "string.h"

#define PROMPT	"pagewise> "
#define RUN_MAX CMDLINE_MAX /* bytes of the run="..." script */

void usage(const struct mon_cmd *c)
{
	printk("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
}

bool get_number(const struct mon_cmd *c, const char *s, unsigned long *val)
{
	if (!mon_parse_ulong(s, val))
		return true;
	printk("%s: '%s' is not a number (decimal or 0x-hex, optional K/M/G suffix)\n",
	       c->name, s);
	usage(c);
	return false;
}

static void cmd_help(int argc, char **argv);

static void cmd_selftest(int argc, char **argv)
{
	(void)argc, (void)argv;
	printk("selftest: %s\n", run_selftests() ? "FAILED" : "all passed");
}

/* bench [order0|mixed|zero|all] [N]: src/test/kbench.c does the work. */
static void cmd_bench(int argc, char **argv)
{
	const struct mon_cmd *c = find_cmd("bench");
	unsigned int mask = KBENCH_ALL;
	unsigned long ops = 0;

	if (argc > 1 && !(mask = kbench_workload(argv[1]))) {
		printk("bench: unknown workload '%s' (order0, mixed, zero, all)\n",
		       argv[1]);
		usage(c);
		return;
	}
	if (argc > 2) {
		if (!get_number(c, argv[2], &ops))
			return;
		if (!ops || ops > KBENCH_MAX_OPS) {
			printk("bench: N must be 1 to %lu\n", KBENCH_MAX_OPS);
			usage(c);
			return;
		}
	}
	kbench_run(mask, ops);
}

/* interrupts: /proc/interrupts, from arch/x86_64/irq.c. */
static void cmd_interrupts(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_interrupts();
}

static void cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_power_off();
}

static void cmd_reboot(int argc, char **argv)
{
	(void)argc, (void)argv;
	machine_restart();
}

static const struct mon_cmd commands[] = {
	{ "help", "[CMD]", "list the commands, or show one's usage", "help x",
	  0, 1, cmd_help },
	{ "meminfo", "", "memory totals, as /proc/meminfo", "meminfo", 0, 0,
	  cmd_meminfo },
	{ "buddyinfo", "",
	  "free blocks per zone and order, as /proc/buddyinfo, then free_pcp: each zone's pages on per-CPU lists",
	  "buddyinfo", 0, 0, cmd_buddyinfo },
	{ "zoneinfo", "",
	  "each zone's counters and watermarks, as /proc/zoneinfo", "zoneinfo",
	  0, 0, cmd_zoneinfo },
	{ "memmap", "",
	  "the firmware memory map, each range's pages by state (free, pcp, allocated, memblock-reserved, not-RAM), then what the kernel made of it",
	  "memmap", 0, 0, cmd_memmap },
	{ "pfnmap", "",
	  "every pfn's state as runs, for tools/memplot (docs/memplot.md)",
	  "pfnmap", 0, 0, cmd_pfnmap },
	{ "page", "PFN|pfn:PFN|phys:PADDR|ADDR",
	  "a struct page decoded: a pfn below max_pfn, else an address (direct map, or physical: said so)",
	  "page 0x1000", 1, 1, cmd_page },
	{ "free_area", "[ORDER]",
	  "the blocks on the free lists (8 per order, then a count)",
	  "free_area 10", 0, 1, cmd_free_area },
	{ "pcp", "",
	  "each zone's per-CPU lists of free order-0 pages: count, high, batch, the first 16 pages (hottest first)",
	  "pcp", 0, 0, cmd_pcp },
	{ "drain", "",
	  "give every page on the per-CPU lists back to the buddy lists (drain_all_pages)",
	  "drain", 0, 0, cmd_drain },
	{ "x", "VADDR [LEN]",
	  "hex dump of virtual memory (LEN bytes, 64 by default)",
	  "x 0xffff888000100000 32", 1, 2, cmd_x },
	{ "xp", "PADDR [LEN]",
	  "hex dump of physical memory, read via the direct map",
	  "xp 0x100000 32", 1, 2, cmd_xp },
	{ "walk", "VADDR", "the page-table walk of VADDR, level by level",
	  "walk 0xffff888000100000", 1, 1, cmd_walk },
	{ "alloc", "ORDER [zero|dma|dma32]...",
	  "allocate 2^ORDER pages and hold them", "alloc 3 zero dma32", 1, 3,
	  cmd_alloc },
	{ "free", "PFN ORDER | #ID",
	  "free a block the monitor holds, by its pfn and order or its #ID (as alloc and allocs print them)",
	  "free 0x7ed0 3", 1, 2, cmd_free },
	{ "allocs", "", "the blocks the monitor holds", "allocs", 0, 0,
	  cmd_allocs },
	{ "interrupts", "",
	  "interrupts taken per CPU, as /proc/interrupts: each routed ISA IRQ, then LOC, SPU, NMI, ERR, CAL",
	  "interrupts", 0, 0, cmd_interrupts },
	{ "selftest", "", "run the boot self-test again (KTAP)", "selftest", 0,
	  0, cmd_selftest },
	{ "verify", "", "check every allocator invariant (buddy_verify)",
	  "verify", 0, 0, cmd_verify },
	{ "bench", "[order0|mixed|zero|all] [N]",
	  "time N alloc+free pairs of each workload in TSC cycles (default N 100000, mixed 20000)",
	  "bench order0 10000", 0, 2, cmd_bench },
	{ "cpus", "",
	  "each CPU: APIC id, state, kernel stack, timer ticks, interrupts taken",
	  "cpus", 0, 0, cmd_cpus },
	{ "poweroff", "", "power the machine off", "poweroff", 0, 0,
	  cmd_poweroff },
	{ "reboot", "", "restart the machine", "reboot", 0, 0, cmd_reboot },
};

#define NR_COMMANDS (ARRAY_SIZE(commands))

const struct mon_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void cmd_help(int argc, char **argv)
{
	const struct mon_cmd *c;

	if (argc == 1) {
		for (size_t i = 0; i < NR_COMMANDS; i++)
			printk("%-10s %s\n", commands[i].name,
			       commands[i].help);
		return;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		printk("help: no command '%s'\n", argv[1]);
		usage(find_cmd("help"));
		return;
	}
	usage(c);
	printk("%s\nexample: %s\n", c->help, c->example);
}

/* Run one command line (cut up in place). */
static void run_line(char *line)
{
	char *argv[MON_MAX_ARGS];
	int argc = mon_split(line, argv, MON_MAX_ARGS);
	const struct mon_cmd *c;

	if (!argc)
		return;
	c = find_cmd(argv[0]);
	if (!c) {
		printk("%s: unknown command\n", argv[0]);
		usage(find_cmd("help"));
		return;
	}
	if (argc < 0 || argc - 1 < c->min_args || argc - 1 > c->max_args) {
		printk("%s: wrong number of arguments\n", c->name);
		usage(c);
		return;
	}
	c->fn(argc, argv);
}

/* A line longer than the editor's buffer is refused, never cut and run. */
static void refuse_long_line(size_t len)
{
	printk("line too long (%zu characters, at most %d): not run\n", len,
	       MON_LINE_MAX - 1);
}

static struct mon_line line;

/* run="cmd; cmd": each command echoed after the prompt, then run; one
 * longer than a typed line may be is refused as a typed one would be. */
static void run_script(void)
{
	char script[RUN_MAX], cmd[MON_LINE_MAX];
	const char *p = script;
	size_t len;

	if (!cmdline_value("run", script, sizeof(script)))
		return;
	while ((p = mon_next_command(p, cmd, sizeof(cmd), &len))) {
		printk(PROMPT "%s\n", cmd);
		if (len >= sizeof(cmd)) {
			refuse_long_line(len);
			continue;
		}
		mon_history_add(&line, cmd);
		run_line(cmd);
	}
}

void monitor_run(void)
{
	mon_line_init(&line, console_write);
	run_script();
	for (;;) {
		enum mon_feed r;

		printk(PROMPT);
		do
			r = mon_line_feed(&line, serial_getc());
		while (r == MON_MORE);
		if (r == MON_ENTER)
			run_line(line.buf);
		else if (r == MON_TOO_LONG)
			refuse_long_line(line.len + line.over);
	}
}
