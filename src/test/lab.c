// SPDX-License-Identifier: MIT
/* lab.c - the report of a lab function a handout's student has yet to write. */
#include "lab.h"

#include "panic.h"
#include "printk.h"
#include "string.h"

#define LAB_MISSING_MAX 32

static const char *reported[LAB_MISSING_MAX];
static unsigned int nr_reported;

void lab_missing(int lab, const char *fn)
{
	for (unsigned int i = 0; i < nr_reported; i++)
		if (reported[i] == fn || !strcmp(reported[i], fn))
			return;
	if (nr_reported < LAB_MISSING_MAX)
		reported[nr_reported++] = fn;
	printk("lab: LAB %d: %s() is not written yet (docs/labs/lab%d.md)\n",
	       lab, fn, lab);
}

void lab_stop(int lab, const char *fn)
{
	printk("lab: LAB %d: %s() is not written yet; boot cannot go on without it (docs/labs/lab%d.md)\n",
	       lab, fn, lab);
	panic("LAB %d: %s() is missing", lab, fn);
}

unsigned int lab_missing_count(void)
{
	return nr_reported;
}
