// SPDX-License-Identifier: MIT
/*
 * power.c - power-off and halt. Each way out is harmless where its device is
 * absent, so one kernel ends cleanly under QEMU and Bochs alike.
 */
#include "power.h"

#include "cpu.h"
#include "io.h"
#include "printk.h"
#include "serial.h"

#define ISA_DEBUG_EXIT_PORT 0xf4   /* QEMU -device isa-debug-exit,iobase=0xf4 */
#define ISA_DEBUG_EXIT_CODE 0x10   /* QEMU exits with (0x10 << 1) | 1 = 33 */
#define BOCHS_SHUTDOWN_PORT 0x8900 /* "Shutdown" written here ends Bochs */
#define PIIX4_PM1A_CNT	    0x604  /* QEMU i440fx ACPI PM1a control */
#define PIIX4_SLP_EN_S5	    0x2000 /* SLP_EN with sleep type S5 (soft off) */
#define I8042_COMMAND_PORT  0x64   /* keyboard controller: command/status */
#define I8042_STATUS_IBF    0x02 /* input buffer full: not ready for a command */
#define I8042_PULSE_RESET   0xfe /* pulse output line 0: the CPU's reset */

void machine_power_off(void)
{
	const char *s = "Shutdown";

	printk("reboot: Power down\n");
	serial_flush();
	outb(ISA_DEBUG_EXIT_PORT, ISA_DEBUG_EXIT_CODE);
	while (*s)
		outb(BOCHS_SHUTDOWN_PORT, (unsigned char)*s++);
	outw(PIIX4_PM1A_CNT, PIIX4_SLP_EN_S5);
	printk("reboot: power-off failed; System halted\n");
	serial_flush();
	halt_forever();
}

void machine_halt(void)
{
	printk("reboot: System halted\n");
	serial_flush();
	halt_forever();
}

void machine_restart(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	printk("reboot: Restarting system\n");
	serial_flush();
	for (int tries = 0; tries < 0x10000; tries++)
		if (!(inb(I8042_COMMAND_PORT) & I8042_STATUS_IBF))
			break;
	outb(I8042_COMMAND_PORT, I8042_PULSE_RESET);
	/* Still here: any exception now finds no IDT and triple-faults. */
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	halt_forever();
}
