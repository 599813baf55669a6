// SPDX-License-Identifier: MIT
/*
 * serial.c - the console on COM1 (16550 UART). Output is polled: each byte
 * waits for LSR.THRE (Bochs drops bytes written while the holding register
 * is full, see shared FIELD-NOTES); power-off waits for LSR.TEMT. Input,
 * once irq_init() ran, comes by COM1's receive interrupt (ISA IRQ 4) into
 * a ring buffer, and serial_getc() sleeps in hlt until a byte is there;
 * before that, it polls LSR.DR.
 */
#include "serial.h"

#include "init.h"
#include "io.h"
#include "irq.h"
#include "irqflags.h"
#include "printk.h"
#include "spinlock.h"

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
#define UART_IER_RDI	      0x01 /* interrupt: received data available */
#define UART_MCR_DTR_RTS_OUT2 0x0b
#define UART_LSR_DR	      0x01 /* data ready: a received byte waits in RX */
#define UART_LSR_THRE	      0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	      0x40 /* transmitter empty: everything is on the wire */
#define UART_BAUD_BASE	      115200
#define CONSOLE_BAUD	      115200
#define COM1_IRQ	      4

/*
 * The receive ring: bytes the IRQ handler took from the UART, waiting for
 * serial_getc(). rx_head is written by the handler (on CPU 0, where IRQ 4
 * goes), rx_tail by the reader, both under rx_lock with interrupts off;
 * one slot stays empty, so head == tail means empty. A byte that finds the
 * ring full is dropped and counted in rx_dropped (reported by the reader).
 */
#define RX_RING_SIZE 256 /* a power of two; a pasted screenful of lines */

static DEFINE_SPINLOCK(rx_lock);
static unsigned char rx_ring[RX_RING_SIZE];
static unsigned int rx_head, rx_tail;
static unsigned long rx_dropped, rx_dropped_reported;
/* rx_irq_on: the receive interrupt is routed; written once by CPU 0 in
 * serial_enable_rx_irq(), read by serial_getc() on any CPU after. */
static bool rx_irq_on;

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

/*
 * COM1's receive interrupt: take every byte the UART holds (the FIFO
 * raises its interrupt at 14 bytes or after 4 characters' time of quiet,
 * so a pasted line comes in bursts), until LSR.DR reads 0: the interrupt
 * line is low then, and the next byte raises a fresh edge.
 */
static void serial_rx_interrupt(struct pt_regs *regs)
{
	(void)regs;
	spin_lock(&rx_lock);
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		unsigned char c = inb(COM1 + UART_RX);
		unsigned int next = (rx_head + 1) % RX_RING_SIZE;

		if (next == rx_tail) {
			rx_dropped++;
			continue;
		}
		rx_ring[rx_head] = c;
		rx_head = next;
	}
	spin_unlock(&rx_lock);
}

void __init serial_enable_rx_irq(void)
{
	if (!request_isa_irq(COM1_IRQ, "COM1 receive", "ttyS0",
			     serial_rx_interrupt)) {
		printk("serial: COM1 receive interrupt not routed: the console polls its input\n");
		return;
	}
	rx_irq_on = true;
	outb(COM1 + UART_IER, UART_IER_RDI);
}

/* The ring's next byte, or -1 when it is empty. Caller holds rx_lock. */
static int rx_ring_get(void)
{
	int c;

	if (rx_head == rx_tail)
		return -1;
	c = rx_ring[rx_tail];
	rx_tail = (rx_tail + 1) % RX_RING_SIZE;
	return c;
}

char serial_getc(void)
{
	unsigned long flags, dropped;
	int c;

	if (!rx_irq_on) {
		while (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
			__asm__ volatile("pause");
		return (char)inb(COM1 + UART_RX);
	}
	local_irq_save(flags);
	for (;;) {
		spin_lock(&rx_lock);
		c = rx_ring_get();
		dropped = rx_dropped - rx_dropped_reported;
		rx_dropped_reported = rx_dropped;
		spin_unlock(&rx_lock);
		if (dropped)
			printk("serial: %lu received bytes dropped (the %d-byte ring was full)\n",
			       dropped, RX_RING_SIZE - 1);
		if (c >= 0)
			break;
		/* Empty, checked with interrupts off: sti;hlt sleeps, and a
		 * byte (or a tick) that came after the check still wakes it. */
		safe_halt();
		local_irq_disable();
	}
	local_irq_restore(flags);
	return (char)c;
}
