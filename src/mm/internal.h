/* SPDX-License-Identifier: MIT */
/* internal.h - what the mm core's files share and nobody else may call. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include "mm.h"

void __free_pages_core(struct page *page, unsigned int order);

#endif
