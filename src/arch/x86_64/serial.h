/* SPDX-License-Identifier: MIT */
/* serial.h - COM1, 115200 8N1: the kernel's console. Output polled; input
 * by the receive interrupt once irq_init() routed it. */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* serial_write() - send @len bytes, "\n" as "\r\n"; waits for THRE per byte. */
void serial_write(const char *s, size_t len);
/* serial_flush() - wait until the transmitter is empty (before power-off). */
void serial_flush(void);
/*
 * serial_enable_rx_irq() - route COM1's IRQ 4 to CPU 0 (request_isa_irq())
 * and turn on its received-data interrupt. Context: CPU 0, in irq_init().
 */
void serial_enable_rx_irq(void);

/*
 * serial_getc() - wait for one byte from COM1. After serial_enable_rx_irq()
 * the byte comes from the receive ring, and the wait sleeps in hlt
 * (safe_halt()) until an interrupt; the caller's interrupt flag is given
 * back as it was. Before it (or when the IRQ could not be routed) it polls
 * LSR.DR. Context: any CPU; a CPU other than CPU 0 only wakes on its own
 * tick, so it sees a byte up to one jiffy late. Return: the byte, as
 * received (no CR/LF translation).
 */
char serial_getc(void);

#endif
