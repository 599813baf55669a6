// SPDX-License-Identifier: MIT
/*
 * reports.c - the monitor's reports of the allocator in Linux's /proc
 * formats (meminfo, buddyinfo, zoneinfo), its check (verify) and drain.
 * All only read, but drain, which gives the per-CPU lists to the buddy.
 */
#include "commands.h"

#include "mm.h"
#include "printk.h"

void cmd_meminfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_meminfo();
}

void cmd_buddyinfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_buddyinfo();
}

void cmd_zoneinfo(int argc, char **argv)
{
	(void)argc, (void)argv;
	show_zoneinfo();
}

void cmd_drain(int argc, char **argv)
{
	unsigned long listed = nr_pcp_pages();

	(void)argc, (void)argv;
	drain_all_pages(NULL);
	printk("drain: %lu pages from the per-CPU lists back to the buddy\n",
	       listed - nr_pcp_pages());
}

void cmd_verify(int argc, char **argv)
{
	unsigned long problems = buddy_verify();

	(void)argc, (void)argv;
	printk("verify: %lu problems%s\n", problems,
	       problems ? "" : " (every free-list invariant holds)");
}
