// SPDX-License-Identifier: MIT
/*
 * serial.c - the console on COM1 (16550 UART), polled.
 * Each byte waits for LSR.THRE: Bochs drops bytes written while the holding
 * register is full (see shared FIELD-NOTES); power-off waits for LSR.TEMT.
 */
#include "serial.h"

#include "init.h"
#include "io.h"

#define COM1	 0x3f8
#define UART_TX	 0 /* transmit holding register (DLAB 0) */
#define UART_RX	 0 /* receive buffer register (DLAB 0) */
#define UART_DLL 0 /* divisor latch low (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor latch high (DLAB 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define UART_LCR_DLAB	      0x80
#define UART_LCR_8N1	      0x03
#define UART_FCR_ENABLE_CLEAR 0xc7 /* FIFOs on, both cleared, 14-byte trigger */
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LSR_DR	      0x01 /* data ready: a received byte waits in RX */
#define UART_LSR_THRE	      0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	      0x40 /* transmitter empty: everything is on the wire */
#define UART_BAUD_BASE	      115200
#define CONSOLE_BAUD	      115200

void __init serial_init(void)
{
	unsigned int divisor = UART_BAUD_BASE / CONSOLE_BAUD;

	/* boot.asm may have left bytes in the FIFO, which the FCR write
	 * below would drop: let them go out first. */
	while (!(inb(COM1 + UART_LSR) & UART_LSR_TEMT))
		;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, divisor & 0xff);
	outb(COM1 + UART_DLM, divisor >> 8);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS_OUT2);
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		;
	outb(COM1 + UART_TX, (unsigned char)c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_flush(void)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_TEMT))
		;
}

char serial_getc(void)
{
	while (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
		__asm__ volatile("pause");
	return (char)inb(COM1 + UART_RX);
}
