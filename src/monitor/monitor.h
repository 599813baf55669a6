/* SPDX-License-Identifier: MIT */
/*
 * monitor.h - the serial-console monitor: after boot, a `pagewise> ` prompt
 * on COM1 where a person (or a run="..." script) inspects memory and drives
 * the page allocator by hand. README "The monitor" lists the commands.
 */
#ifndef MONITOR_H
#define MONITOR_H

/*
 * monitor_run() - run the commands of run="cmd; cmd" from the kernel
 * command line, each echoed after the prompt as if typed, then read and
 * run commands from COM1 for ever. Only `poweroff` and `reboot` end it.
 * Context: after boot, interrupts off (COM1 is polled).
 */
void monitor_run(void) __attribute__((noreturn));

#endif
