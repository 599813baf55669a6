/* SPDX-License-Identifier: MIT */
/* power.h - ending the machine. */
#ifndef ARCH_X86_64_POWER_H
#define ARCH_X86_64_POWER_H

/*
 * machine_power_off() - print "reboot: Power down", drain COM1, then try
 * QEMU's isa-debug-exit (exit status 33), Bochs's shutdown port, QEMU's PIIX4
 * ACPI port, and finally halt. Never returns.
 */
void machine_power_off(void) __attribute__((noreturn));
/* machine_halt() - print "reboot: System halted", drain COM1, halt forever. */
void machine_halt(void) __attribute__((noreturn));
/*
 * machine_restart() - print "reboot: Restarting system", drain COM1, pulse
 * the reset line through the keyboard controller (command 0xfe to port
 * 0x64), and if the machine is still running, triple-fault it with an
 * empty IDT. Never returns. (Under QEMU -no-reboot either way ends QEMU,
 * with exit status 0.)
 */
void machine_restart(void) __attribute__((noreturn));

#endif
