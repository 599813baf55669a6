// SPDX-License-Identifier: MIT
/*
 * traps.c - every CPU exception is reported on COM1 with the registers (and,
 * for a page fault, the faulting address and why), then the kernel stops.
 * Nothing here resumes: a fault in this kernel is always a bug.
 */
#include "traps.h"

#include "cpu.h"
#include "panic.h"
#include "printk.h"

#define IDT_ENTRIES    32
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define KERNEL_CS      0x08

#define PF_PROT	 (1u << 0) /* 0: page not present; 1: protection violation */
#define PF_WRITE (1u << 1)
#define PF_USER	 (1u << 2)
#define PF_RSVD	 (1u << 3)
#define PF_INSTR (1u << 4)

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t exception_stubs[IDT_ENTRIES];
static struct idt_entry idt[IDT_ENTRIES];

static const char *const exception_names[IDT_ENTRIES] = {
	"divide error",
	"debug",
	"NMI",
	"int3",
	"overflow",
	"bounds",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor segment overrun",
	"invalid TSS",
	"segment not present",
	"stack segment",
	"general protection fault",
	"page fault",
	"reserved",
	"x87 FPU error",
	"alignment check",
	"machine check",
	"SIMD exception",
	"virtualization exception",
	"control protection",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"reserved",
	"hypervisor injection",
	"VMM communication",
	"security exception",
	"reserved",
};

void idt_init(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int i = 0; i < IDT_ENTRIES; i++) {
		uint64_t addr = exception_stubs[i];

		idt[i] = (struct idt_entry){
			.offset_low = addr & 0xffff,
			.selector = KERNEL_CS,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_high = addr >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

static void show_regs(const struct pt_regs *r)
{
	printk("RIP: %#06llx:%#018llx RFLAGS: %#010llx\n",
	       (unsigned long long)r->cs, (unsigned long long)r->ip,
	       (unsigned long long)r->flags);
	printk("RSP: %#06llx:%#018llx CR3: %#018lx\n",
	       (unsigned long long)r->ss, (unsigned long long)r->sp,
	       read_cr3());
	printk("RAX: %016llx RBX: %016llx RCX: %016llx\n",
	       (unsigned long long)r->ax, (unsigned long long)r->bx,
	       (unsigned long long)r->cx);
	printk("RDX: %016llx RSI: %016llx RDI: %016llx\n",
	       (unsigned long long)r->dx, (unsigned long long)r->si,
	       (unsigned long long)r->di);
	printk("RBP: %016llx R8:  %016llx R9:  %016llx\n",
	       (unsigned long long)r->bp, (unsigned long long)r->r8,
	       (unsigned long long)r->r9);
	printk("R10: %016llx R11: %016llx R12: %016llx\n",
	       (unsigned long long)r->r10, (unsigned long long)r->r11,
	       (unsigned long long)r->r12);
	printk("R13: %016llx R14: %016llx R15: %016llx\n",
	       (unsigned long long)r->r13, (unsigned long long)r->r14,
	       (unsigned long long)r->r15);
}

void do_exception(struct pt_regs *regs)
{
	unsigned int vec = (unsigned int)regs->vector;
	uint64_t err = regs->error_code;

	if (vec == 14) {
		/* As Linux's page_fault_oops() wording. */
		printk("BUG: unable to handle page fault for address: %#018lx\n",
		       read_cr2());
		printk("#PF: supervisor %s access in %s mode\n",
		       err & PF_INSTR	? "instruction fetch"
		       : err & PF_WRITE ? "write"
					: "read",
		       err & PF_USER ? "user" : "kernel");
		printk("#PF: error_code(%#06llx) - %s\n",
		       (unsigned long long)err,
		       err & PF_RSVD   ? "reserved bit violation"
		       : err & PF_PROT ? "permissions violation"
				       : "not-present page");
	} else {
		printk("traps: %s (vector %u), error_code %#llx\n",
		       vec < IDT_ENTRIES ? exception_names[vec] : "?", vec,
		       (unsigned long long)err);
	}
	show_regs(regs);
	panic("Fatal exception");
}
