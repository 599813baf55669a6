// SPDX-License-Identifier: MIT
/*
 * page_ref.c - the reference count of an allocated block, and the calls
 * that change who holds which pages of it: get_page()/put_page() and
 * release_pages(), split_page(), alloc_pages_exact()/free_pages_exact().
 * Linux spreads these over mm/swap.c (put_page's __folio_put, release_pages:
 * the LRU caches of pages on their way out) and mm/page_alloc.c (split_page,
 * alloc_pages_exact); with no LRU here, the name says what they share, as
 * Linux's include/linux/page_ref.h: the _refcount of a block's head page.
 * Invariant: an allocated block's head has _refcount > 0, every other page
 * of it 0; the last put frees the block.
 */
#include "internal.h"

/* Reference counts ---------------------------------------------------------- */

/*
 * The allocated block that @page belongs to, for the reference-count calls:
 * its head page, or NULL (reported) when @page is not in an allocated block.
 */
static struct page *ref_block(struct page *page, const char *fn,
			      unsigned long caller)
{
	struct page *head;

	if (!page) {
		bad_call(NULL, caller, "%s: NULL page", fn);
		return NULL;
	}
	if (!page_in_mem_map(page, fn, caller))
		return NULL;
	head = page_block_head(page);
	if (!head || !PageHead(head) || head->_refcount <= 0) {
		bad_page(
			page, caller,
			"%s: pfn %#lx is not in an allocated block (free or reserved): no reference to take or drop",
			fn, page_to_pfn(page));
		return NULL;
	}
	return head;
}

void get_page(struct page *page)
{
	struct page *head = ref_block(page, "get_page", _RET_IP_);

	if (head)
		head->_refcount++;
}

void put_page(struct page *page)
{
	unsigned long caller = _RET_IP_;
	struct page *head = ref_block(page, "put_page", caller);

	if (head && !--head->_refcount)
		__free_pages_ok(head, (unsigned int)page_private(head),
				"put_page", caller);
}

void release_pages(struct page **pages, unsigned long nr)
{
	unsigned long caller = _RET_IP_;

	for (unsigned long i = 0; i < nr; i++) {
		struct page *head;

		if (!pages[i])
			continue;
		head = ref_block(pages[i], "release_pages", caller);
		if (head && !--head->_refcount)
			__free_pages_ok(head, (unsigned int)page_private(head),
					"release_pages", caller);
	}
}

/* Splitting and exact sizes -------------------------------------------------- */

/*
 * Turn the allocated order-@order block at @page into 2^@order allocated
 * order-0 pages, each with one reference. Returns false (reported) unless
 * @page heads an unshared block of exactly that order.
 */
static bool split_page_caller(struct page *page, unsigned int order,
			      unsigned long caller)
{
	if (!page) {
		bad_call(NULL, caller, "split_page: NULL page");
		return false;
	}
	if (!page_in_mem_map(page, "split_page", caller))
		return false;
	if (!PageHead(page) || page_private(page) != order ||
	    page->_refcount != 1) {
		bad_page(
			page, caller,
			"split_page: pfn %#lx is not the head of an unshared block of order %u",
			page_to_pfn(page), order);
		return false;
	}
	for (unsigned long i = 1; i < (1UL << order); i++) {
		__SetPageHead(&page[i]);
		set_page_private(&page[i], 0);
		page[i]._refcount = 1;
	}
	set_page_private(page, 0);
	debug_verify("split_page", caller);
	return true;
}

void split_page(struct page *page, unsigned int order)
{
	split_page_caller(page, order, _RET_IP_);
}

/* The smallest order whose block holds @size bytes (@size > 0). */
static unsigned int size_to_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size && order < 63 - PAGE_SHIFT)
		order++;
	return order;
}

void *alloc_pages_exact(unsigned long size, gfp_t gfp)
{
	unsigned long caller = _RET_IP_;
	unsigned long used, nr;
	unsigned int order;
	struct page *page;

	if (!size) {
		bad_call(NULL, caller, "alloc_pages_exact: size 0");
		return NULL;
	}
	order = size_to_order(size);
	page = alloc_pages_caller(gfp, order, caller);
	if (!page)
		return NULL;
	split_page_caller(page, order, caller);
	used = PFN_UP(size);
	nr = 1UL << order;
	for (unsigned long i = used; i < nr; i++)
		free_pages_caller(page + i, 0, caller);
	return page_address(page);
}

void free_pages_exact(void *virt, unsigned long size)
{
	unsigned long caller = _RET_IP_;
	unsigned long addr = (unsigned long)virt;

	if (!virt)
		return;
	if (addr & (PAGE_SIZE - 1) || !virt_addr_valid(virt)) {
		bad_call(
			NULL, caller,
			"free_pages_exact: %#lx is not a page-aligned direct-map address of RAM",
			addr);
		return;
	}
	for (unsigned long i = 0; i < PFN_UP(size); i++)
		free_pages_caller(virt_to_page(virt) + i, 0, caller);
}
