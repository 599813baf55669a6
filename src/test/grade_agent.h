/* SPDX-License-Identifier: MIT */
/*
 * grade_agent.h - the instructor's grade agent (docs/labs/INSTRUCTORS.md,
 * tools/observe_kernel.py): with "observe" on the command line the kernel
 * stops at fixed checkpoints of boot and then serves operations that gdb
 * writes into grade_mailbox, so the grader reads every result and every
 * allocator structure from guest memory itself. Nothing here is a lab's
 * code, and nothing here decides a grade: it only calls and stops.
 */
#ifndef GRADE_AGENT_H
#define GRADE_AGENT_H

#include <stdint.h>

/* The operations gdb may ask for (grade_mailbox.op). The result of each is
 * the raw value the called function returned, as an unsigned long; gdb
 * interprets it (a struct page pointer, a direct-map address, ...). a0 and
 * a1 are grade_mailbox.args[0] and [1]. */
enum grade_op {
	GRADE_OP_NONE = 0,	       /* nothing: stop again */
	GRADE_OP_TAKE = 1,	       /* buddy_core_take(zone a0, order a1) */
	GRADE_OP_GIVE = 2,	       /* buddy_core_give(pfn a0, order a1) */
	GRADE_OP_GET_FREE_PAGES = 3,   /* __get_free_pages(gfp a0, order a1) */
	GRADE_OP_GET_ZEROED_PAGE = 4,  /* get_zeroed_page(gfp a0) */
	GRADE_OP_FREE_PAGES = 5,       /* free_pages(__va(pfn a0), order a1) */
	GRADE_OP_ALLOC_PAGE = 6,       /* alloc_page(gfp a0) */
	GRADE_OP_FREE_PAGE = 7,	       /* __free_page(pfn a0) */
	GRADE_OP_DRAIN = 8,	       /* drain_all_pages(NULL) */
	GRADE_OP_VA = 9,	       /* __va(a0) */
	GRADE_OP_PA = 10,	       /* __pa(a0) */
	GRADE_OP_PFN_TO_PAGE = 11,     /* pfn_to_page(a0) */
	GRADE_OP_PAGE_TO_PFN = 12,     /* page_to_pfn((struct page *)a0) */
	GRADE_OP_QUIT = 13,	       /* machine_power_off() */
	GRADE_OP_FREE_PAGES_ADDR = 14, /* free_pages(address a0, order a1) */
	GRADE_OP_CYCLE = 15, /* zone a0: buddy_core_take(zone, 0) up to
			      * (a1 & 0xffffffff) times (at most
			      * GRADE_CYCLE_MAX), then buddy_core_give() of
			      * each page at order 0, in an order shuffled
			      * by the seed a1 >> 32; result: pages taken */
	GRADE_NR_OPS
};

/* The gfp codes of args[0] (gdb knows no macros): index into a table. */
enum grade_gfp {
	GRADE_GFP_KERNEL = 0,
	GRADE_GFP_DMA = 1,
	GRADE_GFP_DMA32 = 2,
	GRADE_GFP_ATOMIC = 3,
	GRADE_NR_GFP
};

/* grade_mailbox.status after an operation. */
enum grade_status {
	GRADE_DONE = 0,	   /* the call was made; result holds its value */
	GRADE_BAD_OP = 1,  /* op unknown: nothing called */
	GRADE_BAD_ARG = 2, /* an argument out of range: nothing called */
};

/* The most pages one GRADE_OP_CYCLE takes (its pfns are kept in .bss). */
#define GRADE_CYCLE_MAX 8192

#define GRADE_MAILBOX_MAGIC 0x6f627365u /* "esbo": the agent is serving */

/*
 * struct grade_mailbox - one operation and its answer. Written by gdb (op,
 * args) while the kernel is stopped in grade_agent_stop(), read and
 * answered (result, status, done) by the agent when it runs again; no lock:
 * one CPU, and the two sides never run at the same time. volatile: the
 * compiler must read what gdb wrote.
 */
struct grade_mailbox {
	uint32_t magic; /* GRADE_MAILBOX_MAGIC once the agent serves */
	uint32_t op;	/* enum grade_op; the agent sets it to NONE when done */
	uint64_t args[2]; /* the operation's arguments (see enum grade_op) */
	uint64_t result;  /* the called function's value; 0 for a void one */
	uint32_t status;  /* enum grade_status of the last operation */
	uint32_t done;	  /* operations answered so far */
};

extern volatile struct grade_mailbox grade_mailbox;

/*
 * The checkpoints of boot where gdb breaks (each an empty call that is never
 * inlined): observe_before_memblock() right before
 * memblock_setup_from_mmap() (boot_params.mmap[] is parsed),
 * observe_after_memblock() right after it, observe_after_paging() right
 * after paging_init(). Called on every boot; they do nothing.
 */
void observe_before_memblock(void);
void observe_after_memblock(void);
void observe_after_paging(void);

/*
 * grade_agent_stop() - where gdb breaks between operations: the mailbox
 * holds the last answer, and gdb writes the next operation. Does nothing.
 */
void grade_agent_stop(void);

/*
 * grade_agent_run() - with "observe" on the command line: serve operations
 * for ever (stop, then do what the mailbox says) until GRADE_OP_QUIT powers
 * the machine off. Context: after boot, before the monitor. Return: at once
 * without "observe"; else never.
 */
void grade_agent_run(void);

#endif
