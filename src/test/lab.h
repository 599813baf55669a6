/* SPDX-License-Identifier: MIT */
/*
 * lab.h - what a lab handout's stubs call (docs/labs/). In the full tree
 * nothing calls these; `make handout LAB=n` replaces the solution of every
 * lab >= n by a stub that does. Portable: the host tests build it too.
 */
#ifndef LAB_H
#define LAB_H

/*
 * lab_missing() - say once on the console that lab @lab's function @fn
 * (its name, without "()") is not written yet, and go on: the stub then
 * returns something harmless (no page, nothing merged). Repeated calls for
 * the same @fn print nothing more. Line printed:
 *   "lab: LAB 3: expand() is not written yet (docs/labs/lab3.md)"
 */
void lab_missing(int lab, const char *fn);

/*
 * lab_stop() - for a function boot cannot do without (__va, pfn_to_page,
 * ...): print the lab_missing() line with "; boot cannot go on without it",
 * then panic() (which powers off with "poweroff" on the command line, and
 * aborts a host test). Never returns.
 */
void lab_stop(int lab, const char *fn) __attribute__((noreturn));

/* How many different lab functions lab_missing() has reported. */
unsigned int lab_missing_count(void);

#endif
