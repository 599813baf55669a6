/* SPDX-License-Identifier: MIT */
/*
 * crashtest.h - faults on purpose ("crashtest=X" on the command line), to see
 * and test the crash dumps, as Linux's lkdtm does with its crash points.
 */
#ifndef CRASHTEST_H
#define CRASHTEST_H

/*
 * crashtest_run() - if the command line says "crashtest=X", announce it and
 * make fault X happen:
 *   null            read from virtual address 0 (page 0 is never mapped);
 *   write-text      write to kernel text (mapped read-only);
 *   exec-data       call into .data (mapped no-execute);
 *   stack-overflow  recurse until the boot stack runs into its guard page:
 *                   a double fault, handled on the #DF IST stack;
 *   panic           call panic() (the panic lines name the CPU);
 *   printk-fault    printk() a string at an address in page 0: the page
 *                   fault comes with the console lock held, and the dump
 *                   must come out all the same (printk's re-entry path);
 *   panic-race      this CPU and another one call panic() at once: one
 *                   "Kernel panic" block, the other CPU stopped silently;
 *   panic-printing  this CPU and another one print lines without pause,
 *                   then this one panics while the other still prints: no
 *                   mixed lines, the panic lines whole after the stop;
 *   ap-<X>          run X on another online CPU (the first after this one),
 *                   through smp_call_function_single(): the dump names that
 *                   CPU, and its NMI stops this one.
 * The fault ends in a crash dump and a panic, so this does not return then.
 * Context: boot, after smp_init(); on the boot stack, interrupts on.
 * Return: only without "crashtest=", with an unknown X (reported on the
 * console with the known names), or when X needs a second CPU and none is
 * online (reported).
 */
void crashtest_run(void);

#endif
