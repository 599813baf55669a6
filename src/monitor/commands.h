/* SPDX-License-Identifier: MIT */
/*
 * commands.h - what the monitor's files share: a command's entry in the
 * table (monitor.c, in `help` order), the argument helpers every command
 * uses, and each area's commands. Each handler gets the words of its line,
 * argv[0] the command's name, with argc already checked against the
 * entry's min_args and max_args.
 */
#ifndef MONITOR_COMMANDS_H
#define MONITOR_COMMANDS_H

#include <stdbool.h>

struct mon_cmd {
	const char *name;
	const char *args;	/* after the name in the usage line */
	const char *help;	/* one line, for `help` */
	const char *example;	/* a whole command line */
	int min_args, max_args; /* words after the name */
	void (*fn)(int argc, char **argv);
};

/* find_cmd() - the table's entry for command @name, or NULL. */
const struct mon_cmd *find_cmd(const char *name);

/* usage() - print "usage: NAME ARGS" for command @c. */
void usage(const struct mon_cmd *c);

/*
 * get_number() - parse @s as a number for command @c (decimal or 0x-hex,
 * optional K/M/G suffix) into *@val. Return: true when it is one; false
 * after printing the error and the usage.
 */
bool get_number(const struct mon_cmd *c, const char *s, unsigned long *val);

/* reports.c: the allocator's reports and checks. */
void cmd_meminfo(int argc, char **argv);
void cmd_buddyinfo(int argc, char **argv);
void cmd_zoneinfo(int argc, char **argv);
void cmd_drain(int argc, char **argv);
void cmd_verify(int argc, char **argv);

/* views.c: pages and pfns, one by one or as runs, and the lists. */
void cmd_memmap(int argc, char **argv);
void cmd_pfnmap(int argc, char **argv);
void cmd_page(int argc, char **argv);
void cmd_free_area(int argc, char **argv);
void cmd_pcp(int argc, char **argv);

/* memory.c: memory read through the page tables, and the walk itself. */
void cmd_x(int argc, char **argv);
void cmd_xp(int argc, char **argv);
void cmd_walk(int argc, char **argv);

/* held.c: blocks allocated by hand and held until freed by hand. */
void cmd_alloc(int argc, char **argv);
void cmd_free(int argc, char **argv);
void cmd_allocs(int argc, char **argv);

/* cpus.c: the CPUs (smp.h). */
void cmd_cpus(int argc, char **argv);

#endif
