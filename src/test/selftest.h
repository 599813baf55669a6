/* SPDX-License-Identifier: MIT */
/* selftest.h - the boot self-test ("selftest" on the command line). */
#ifndef SELFTEST_H
#define SELFTEST_H

/*
 * run_selftests() - run every self-test as one KTAP document. The seed is
 * "seed=N" from the command line, else the TSC; it is printed.
 * Return: the number of failed cases.
 */
unsigned int run_selftests(void);

#endif
