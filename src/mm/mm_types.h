/* SPDX-License-Identifier: MIT */
/*
 * mm_types.h - struct page: one per physical page frame, in mem_map.
 *
 * The life of a page frame (each state is a set of flags, see below):
 *
 *            mm_core_init()                     alloc_pages()
 *   RESERVED ------------------> FREE (buddy) -----------------> ALLOCATED
 *   PG_reserved                 PG_buddy on the   <-----------------  PG_head on the
 *   (holes, firmware,           block's first      __free_pages()     block's first
 *    kernel, mem_map)           page, order in     (refcount -> 0)    page, order in
 *   never leaves this state     private                               private, refcount 1
 *                                  |    ^                               |    ^
 *                      rmqueue_bulk|    |free_pcppages_bulk   order-0   |    | order-0
 *                                  v    |                      free     v    | alloc
 *                               FREE (per-CPU cache) <------------------+----+
 *                               PG_pcp, order 0, on zone->per_cpu_pageset[cpu].list
 *
 * Every other page of a free or allocated block (a "tail") has flags 0 and
 * refcount 0. buddy_verify() walks exactly these rules.
 */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include "list.h"
#include "mm_env.h"

/* Page flag bits in page->flags. */
enum pageflags {
	PG_reserved, /* never handed to the buddy allocator: hole, firmware, kernel */
	PG_buddy, /* first page of a free block on a free_area list */
	PG_head,  /* first page of an allocated block; private = its order */
	PG_pcp,	  /* a free order-0 page on a per-CPU list (ours: Linux
		     keeps no flag for it; we do, to catch a double free) */
	NR_PAGEFLAGS
};

/*
 * struct page - the state of one page frame. 32 bytes (Linux's is 64).
 *
 * We differ from Linux here: flags is 32 bits, not an unsigned long, and
 * PG_head marks the first page of every allocated block (Linux only marks
 * __GFP_COMP compound pages) so that a free with the wrong order can be
 * caught. See docs/memory-layout.md.
 */
struct page {
	unsigned int flags; /* PG_* bits; 0 for a tail page */
	int _refcount; /* users of an allocated block's first page; 0 when free */
	struct list_head lru;  /* free_area link while PG_buddy, per-CPU list
				 link while PG_pcp; the owner's to use while
				 allocated; stale otherwise */
	unsigned long private; /* the block's order while PG_buddy or PG_head;
				  else 0 */
};

#define PAGE_FLAG_FNS(name, bit)                             \
	static inline bool Page##name(const struct page *p)  \
	{                                                    \
		return p->flags & (1u << (bit));             \
	}                                                    \
	static inline void __SetPage##name(struct page *p)   \
	{                                                    \
		p->flags |= 1u << (bit);                     \
	}                                                    \
	static inline void __ClearPage##name(struct page *p) \
	{                                                    \
		p->flags &= ~(1u << (bit));                  \
	}

PAGE_FLAG_FNS(Reserved, PG_reserved)
PAGE_FLAG_FNS(Buddy, PG_buddy)
PAGE_FLAG_FNS(Head, PG_head)
PAGE_FLAG_FNS(Pcp, PG_pcp)

static inline unsigned long page_private(const struct page *p)
{
	return p->private;
}

static inline void set_page_private(struct page *p, unsigned long v)
{
	p->private = v;
}

/*
 * page_ref_count() - @p's reference count: for the first page of an
 * allocated block, the users of the block; 0 for free pages and tails.
 * As Linux's page_ref_count(). get_page()/put_page() (gfp.h) change it.
 */
static inline int page_ref_count(const struct page *p)
{
	return p->_refcount;
}

/*
 * set_page_count() - set @p's reference count to @v, unchecked, as Linux's
 * set_page_count(). For code that builds pages by hand (boot, tests); the
 * allocator's own calls never need it.
 */
static inline void set_page_count(struct page *p, int v)
{
	p->_refcount = v;
}

#endif
