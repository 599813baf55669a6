// SPDX-License-Identifier: MIT
/*
 * bochs_break.c - the C side of the Bochs magic breakpoints (bochs_break.h):
 * the command-line report, arming the buddy allocator's points, and the
 * lines of the two 64-bit boot points, which boot.asm cannot format itself.
 */
#include "bochs_break.h"

#include "cmdline.h"
#include "cpu.h"
#include "init.h"
#include "memlayout.h"
#include "mm.h"
#include "string.h"

#define EFER_LME       (1u << 8)
#define EFER_LMA       (1u << 10)
#define BREAK_LIST_SZ  64 /* bytes of break= kept; longer values are cut */
#define NR_BREAK_NAMES (ARRAY_SIZE(break_names))

_Static_assert(BREAK_SPLIT == MM_BREAK_SPLIT && BREAK_MERGE == MM_BREAK_MERGE,
	       "bochs_break.h and mm.h must agree on the buddy points");

/* The names break= accepts, in the order the points come at boot. */
static const struct {
	const char *name;
	unsigned int bit;
} break_names[] = {
	{ "boot", BREAK_BOOT },	    { "longmode", BREAK_LONGMODE },
	{ "higher", BREAK_HIGHER }, { "directmap", BREAK_DIRECTMAP },
	{ "split", BREAK_SPLIT },   { "merge", BREAK_MERGE },
	{ "ap", BREAK_AP },	    { "all", BREAK_ALL },
};

/* boot.asm: the labels the 64-bit boot points report. */
extern char long_mode_entry[], higher_half_entry[];

static unsigned long read_rsp(void)
{
	unsigned long rsp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	return rsp;
}

void __init bochs_break_report64(unsigned int bit)
{
	uint64_t efer = rdmsr(MSR_EFER);

	if (bit == BREAK_LONGMODE)
		printk("bochs-break: longmode: first 64-bit code at long_mode_entry %#lx (identity map): CR0=%#lx CR3=%#lx CR4=%#lx EFER=%#llx (LME %d, LMA %d) rsp=%#lx\n",
		       (unsigned long)long_mode_entry, read_cr0(), read_cr3(),
		       read_cr4(), (unsigned long long)efer,
		       !!(efer & EFER_LME), !!(efer & EFER_LMA), read_rsp());
	else
		printk("bochs-break: higher: jmp rax to higher_half_entry %#lx (from the identity map, CR3=%#lx); kernel_main next\n",
		       (unsigned long)higher_half_entry, read_cr3());
}

void __init bochs_break_setup(void)
{
	unsigned long long count;
	char list[BREAK_LIST_SZ];

	if (cmdline_value("break", list, sizeof(list))) {
		for (char *w = list; *w;) {
			char *end = w;
			bool known = false;

			while (*end && *end != ',')
				end++;
			for (size_t i = 0; i < NR_BREAK_NAMES; i++)
				known |= strlen(break_names[i].name) ==
						 (size_t)(end - w) &&
					 !strncmp(w, break_names[i].name,
						  end - w);
			if (!known)
				pr_warn("break: unknown point '%.*s' ignored (known: boot, longmode, higher, directmap, split, merge, ap, all)\n",
					(int)(end - w), w);
			w = *end ? end + 1 : end;
		}
	}
	if (cmdline_ull("break_count", &count) && count)
		mm_break_limit = count;
	mm_break_mask = bochs_break_mask & (BREAK_SPLIT | BREAK_MERGE);
	if (!bochs_break_mask)
		return;
	printk("magic breakpoints armed:");
	for (size_t i = 0; i + 1 < NR_BREAK_NAMES; i++)
		if (bochs_break_mask & break_names[i].bit)
			printk(" %s", break_names[i].name);
	printk(" (split and merge stop the first %lu time%s each)\n",
	       mm_break_limit, mm_break_limit == 1 ? "" : "s");
}
