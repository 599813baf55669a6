// SPDX-License-Identifier: MIT
/*
 * grade_agent.c - the instructor's grade agent: boot checkpoints and the
 * mailbox loop that tools/observe/gdb_observer.py drives through QEMU's gdb
 * stub ("observe" on the command line). The agent calls the function of a
 * lab with arguments gdb chose and stops again; gdb reads the answer and
 * every structure from guest memory. What the kernel prints never counts.
 * Invariant: a bad mailbox is refused with a console line and status
 * GRADE_BAD_OP or GRADE_BAD_ARG, never passed on to the mm code.
 */
#define pr_fmt(fmt) "grade_agent: " fmt

#include "grade_agent.h"

#include "cmdline.h"
#include "gfp.h"
#include "internal.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "string.h"

/* Never inlined nor merged, and never dropped although empty: gdb breaks at
 * their first instruction. */
#define checkpoint __attribute__((noipa))

/* Written by gdb while the kernel stops in grade_agent_stop(); see
 * grade_agent.h for who writes which field. */
volatile struct grade_mailbox grade_mailbox;

/* Bytes written over every block the agent allocates, as a user would:
 * get_zeroed_page() must then clear a page it reuses. Blocks above
 * GRADE_FILL_ORDER get GRADE_FILL_HEAD bytes a page only: filling 4 MiB
 * byte by byte under TCG would cost more than the whole observation. */
#define GRADE_FILL	 0xa5
#define GRADE_FILL_ORDER 2
#define GRADE_FILL_HEAD	 64

static const gfp_t grade_gfp[GRADE_NR_GFP] = {
	[GRADE_GFP_KERNEL] = GFP_KERNEL,
	[GRADE_GFP_DMA] = GFP_DMA,
	[GRADE_GFP_DMA32] = GFP_DMA32,
	[GRADE_GFP_ATOMIC] = GFP_ATOMIC,
};

checkpoint void observe_before_memblock(void)
{
	__asm__ volatile("" : : : "memory");
}

checkpoint void observe_after_memblock(void)
{
	__asm__ volatile("" : : : "memory");
}

checkpoint void observe_after_paging(void)
{
	__asm__ volatile("" : : : "memory");
}

checkpoint void grade_agent_stop(void)
{
	__asm__ volatile("" : : : "memory");
}

/* Refuse the operation: say why on the console, change nothing. */
static void refuse(uint32_t status, const char *why, uint64_t a0, uint64_t a1)
{
	pr_err("op %u refused: %s (args %#llx %#llx)\n", grade_mailbox.op, why,
	       (unsigned long long)a0, (unsigned long long)a1);
	grade_mailbox.result = 0;
	grade_mailbox.status = status;
}

/* Write GRADE_FILL over the 2^@order pages from @pfn, as their user would. */
static void fill_block(unsigned long pfn, unsigned int order)
{
	size_t bytes = order <= GRADE_FILL_ORDER ? PAGE_SIZE : GRADE_FILL_HEAD;

	for (unsigned long i = 0; i < (1UL << order); i++)
		memset(__va((pfn + i) << PAGE_SHIFT), GRADE_FILL, bytes);
}

/* A pfn of RAM below max_pfn, aligned to @order, whose head is not free:
 * a block the agent may give back. */
static bool block_ok(uint64_t pfn, uint64_t order)
{
	struct page *page;

	if (order > MAX_PAGE_ORDER || pfn >= max_pfn ||
	    (pfn & ((1UL << order) - 1)) || pfn + (1UL << order) > max_pfn)
		return false;
	page = pfn_to_page(pfn);
	return !PageBuddy(page) && !PagePcp(page) && !PageReserved(page);
}

/* The pfns GRADE_OP_CYCLE took, in the order it gives them back. Only
 * serve() touches it, on the one CPU, between two stops. */
static uint32_t cycle_pfns[GRADE_CYCLE_MAX];

/* xorshift64: the give-back order of a cycle, from gdb's seed. */
static uint64_t cycle_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Take up to @count order-0 pages of @zone, then give each back at order
 * 0 in an order shuffled by @seed: from the boot state this splits the
 * largest blocks down to order 0 and must merge them all up again. A
 * page that is no block the agent may give (block_ok()) is not given
 * back. Return: the pages taken. */
static unsigned long cycle(struct zone *zone, unsigned long count,
			   uint64_t seed)
{
	unsigned long n = 0;
	uint64_t x = seed | 1;

	if (count > GRADE_CYCLE_MAX)
		count = GRADE_CYCLE_MAX;
	while (n < count) {
		struct page *page = buddy_core_take(zone, 0);

		if (!page || page < mem_map || page >= mem_map + max_pfn)
			break;
		cycle_pfns[n++] = (uint32_t)(page - mem_map);
	}
	for (unsigned long i = n; i > 1; i--) { /* Fisher-Yates */
		unsigned long j = cycle_next(&x) % i;
		uint32_t t = cycle_pfns[i - 1];

		cycle_pfns[i - 1] = cycle_pfns[j];
		cycle_pfns[j] = t;
	}
	for (unsigned long i = 0; i < n; i++)
		if (block_ok(cycle_pfns[i], 0))
			buddy_core_give(pfn_to_page(cycle_pfns[i]), 0);
	return n;
}

static void serve(void)
{
	const uint32_t op = grade_mailbox.op;
	const uint64_t a0 = grade_mailbox.args[0], a1 = grade_mailbox.args[1];
	unsigned long r = 0;

	switch (op) {
	case GRADE_OP_NONE:
		break;
	case GRADE_OP_TAKE: {
		struct page *page;

		if (a0 >= MAX_NR_ZONES || a1 > MAX_PAGE_ORDER) {
			refuse(GRADE_BAD_ARG, "take: zone or order", a0, a1);
			return;
		}
		page = buddy_core_take(&contig_page_data.node_zones[a0], a1);
		if (page && page >= mem_map && page < mem_map + max_pfn)
			fill_block(page - mem_map, a1);
		r = (unsigned long)page;
		break;
	}
	case GRADE_OP_GIVE:
		if (!block_ok(a0, a1)) {
			refuse(GRADE_BAD_ARG, "give: not a block in use", a0,
			       a1);
			return;
		}
		buddy_core_give(pfn_to_page(a0), a1);
		break;
	case GRADE_OP_GET_FREE_PAGES:
		if (a0 >= GRADE_NR_GFP || a1 > MAX_PAGE_ORDER) {
			refuse(GRADE_BAD_ARG, "get_free_pages: gfp or order",
			       a0, a1);
			return;
		}
		r = __get_free_pages(grade_gfp[a0], a1);
		if (r && virt_addr_valid((void *)r))
			fill_block(__pa(r) >> PAGE_SHIFT, a1);
		break;
	case GRADE_OP_GET_ZEROED_PAGE:
		if (a0 >= GRADE_NR_GFP) {
			refuse(GRADE_BAD_ARG, "get_zeroed_page: gfp", a0, a1);
			return;
		}
		r = get_zeroed_page(grade_gfp[a0]);
		break;
	case GRADE_OP_FREE_PAGES:
		if (a0 >= max_pfn || a1 > MAX_PAGE_ORDER) {
			refuse(GRADE_BAD_ARG, "free_pages: pfn or order", a0,
			       a1);
			return;
		}
		free_pages((unsigned long)__va(a0 << PAGE_SHIFT), a1);
		break;
	case GRADE_OP_FREE_PAGES_ADDR: /* any address: free_pages() must judge it */
		if (a1 > MAX_PAGE_ORDER) {
			refuse(GRADE_BAD_ARG, "free_pages: order", a0, a1);
			return;
		}
		free_pages(a0, a1);
		break;
	case GRADE_OP_ALLOC_PAGE: {
		struct page *page;

		if (a0 >= GRADE_NR_GFP) {
			refuse(GRADE_BAD_ARG, "alloc_page: gfp", a0, a1);
			return;
		}
		page = alloc_page(grade_gfp[a0]);
		if (page && page >= mem_map && page < mem_map + max_pfn)
			fill_block(page - mem_map, 0);
		r = (unsigned long)page;
		break;
	}
	case GRADE_OP_FREE_PAGE:
		if (a0 >= max_pfn) {
			refuse(GRADE_BAD_ARG, "free_page: pfn", a0, a1);
			return;
		}
		__free_page(mem_map + a0);
		break;
	case GRADE_OP_DRAIN:
		drain_all_pages(NULL);
		break;
	case GRADE_OP_CYCLE:
		if (a0 >= MAX_NR_ZONES) {
			refuse(GRADE_BAD_ARG, "cycle: zone", a0, a1);
			return;
		}
		r = cycle(&contig_page_data.node_zones[a0], a1 & 0xffffffffu,
			  a1 >> 32);
		break;
	case GRADE_OP_VA:
		r = (unsigned long)__va(a0);
		break;
	case GRADE_OP_PA:
		r = __pa(a0);
		break;
	case GRADE_OP_PFN_TO_PAGE:
		r = (unsigned long)pfn_to_page(a0);
		break;
	case GRADE_OP_PAGE_TO_PFN:
		r = page_to_pfn((struct page *)(unsigned long)a0);
		break;
	case GRADE_OP_QUIT:
		machine_power_off();
	default: {
		refuse(GRADE_BAD_OP, "unknown operation", a0, a1);
		return;
	}
	}
	grade_mailbox.result = r;
	grade_mailbox.status = GRADE_DONE;
}

void grade_agent_run(void)
{
	if (!cmdline_has("observe"))
		return;
	pr_info("serving gdb: break at grade_agent_stop, write grade_mailbox\n");
	grade_mailbox.op = GRADE_OP_NONE;
	grade_mailbox.magic = GRADE_MAILBOX_MAGIC;
	for (;;) {
		grade_agent_stop();
		serve();
		grade_mailbox.op = GRADE_OP_NONE;
		grade_mailbox.done++;
	}
}
