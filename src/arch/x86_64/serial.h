/* SPDX-License-Identifier: MIT */
/* serial.h - COM1, 115200 8N1, polled: the kernel's console. */
#ifndef ARCH_X86_64_SERIAL_H
#define ARCH_X86_64_SERIAL_H

#include <stddef.h>

void serial_init(void);
/* serial_write() - send @len bytes, "\n" as "\r\n"; waits for THRE per byte. */
void serial_write(const char *s, size_t len);
/* serial_flush() - wait until the transmitter is empty (before power-off). */
void serial_flush(void);
/*
 * serial_getc() - wait for one byte from COM1, polling LSR.DR (interrupts
 * stay off in this kernel). Return: the byte, as received (no CR/LF
 * translation).
 */
char serial_getc(void);

#endif
