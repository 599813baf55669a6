// SPDX-License-Identifier: MIT
/*
 * traps.c - the IDT, and the crash dump every CPU exception ends in: why
 * (the vector, its error code and, for a page fault, the address and the
 * page-table entries), the registers, the stack, and a symbolized Call Trace,
 * in Linux's oops format. Then the kernel stops: a fault here is always a bug.
 * Double faults, NMIs and machine checks run on IST stacks of their own
 * (tss.h), so even a kernel stack overflow is reported, not a triple fault.
 * Vectors 32..255 are interrupts: their gates lead to do_IRQ() (irq.c).
 */
#include "traps.h"

#include "cpu.h"
#include "init.h"
#include "kallsyms.h"
#include "memlayout.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "smp_stop.h"
#include "tss.h"

#define IDT_ENTRIES    32   /* the exceptions; NR_VECTORS (smp.h) in all */
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define KERNEL_CS      0x08

#define X86_TRAP_NMI 2
#define X86_TRAP_DF  8
#define X86_TRAP_PF  14
#define X86_TRAP_MC  18

/* Page-fault error code bits (Intel SDM vol. 3, "Page-Fault Exceptions"). */
#define X86_PF_PROT  (1u << 0) /* 0: page not present; 1: protection violation */
#define X86_PF_WRITE (1u << 1) /* 0: read; 1: write */
#define X86_PF_USER  (1u << 2) /* 0: supervisor (CPL 0-2); 1: user (CPL 3) */
#define X86_PF_RSVD  (1u << 3) /* a reserved bit was set in an entry */
#define X86_PF_INSTR (1u << 4) /* the access was an instruction fetch */

#define STACK_DUMP_WORDS 24 /* quadwords shown from RSP up */
#define MAX_TRACE_FRAMES 32 /* Call Trace entries, the faulting RIP included */

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist; /* bits 2..0: IST slot, 0 for the current stack */
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
extern const uint64_t irq_entries[NR_VECTORS - IDT_ENTRIES];
/* idt: written once by CPU 0 in idt_init(); every CPU loads it after
 * (idt_load()) and only the CPU reads it then. */
static struct idt_entry idt[NR_VECTORS];

/* Each vector's mnemonic and name, as the Intel SDM lists them. */
static const char *const exception_names[IDT_ENTRIES][2] = {
	{ "#DE", "divide error" },
	{ "#DB", "debug" },
	{ "NMI", "non-maskable interrupt" },
	{ "#BP", "int3" },
	{ "#OF", "overflow" },
	{ "#BR", "bounds" },
	{ "#UD", "invalid opcode" },
	{ "#NM", "device not available" },
	{ "#DF", "double fault" },
	{ "-", "coprocessor segment overrun" },
	{ "#TS", "invalid TSS" },
	{ "#NP", "segment not present" },
	{ "#SS", "stack segment" },
	{ "#GP", "general protection fault" },
	{ "#PF", "page fault" },
	{ "-", "reserved" },
	{ "#MF", "x87 FPU error" },
	{ "#AC", "alignment check" },
	{ "#MC", "machine check" },
	{ "#XM", "SIMD exception" },
	{ "#VE", "virtualization exception" },
	{ "#CP", "control protection" },
	{ "-", "reserved" },
	{ "-", "reserved" },
	{ "-", "reserved" },
	{ "-", "reserved" },
	{ "-", "reserved" },
	{ "-", "reserved" },
	{ "#HV", "hypervisor injection" },
	{ "#VC", "VMM communication" },
	{ "#SX", "security exception" },
	{ "-", "reserved" },
};

static unsigned int ist_of(unsigned int vec)
{
	switch (vec) {
	case X86_TRAP_DF:
		return IST_DF;
	case X86_TRAP_NMI:
		return IST_NMI;
	case X86_TRAP_MC:
		return IST_MC;
	default:
		return 0;
	}
}

/*
 * idt_init() - load the TSS (for the IST stacks), then an IDT whose entry i
 * is an interrupt gate to exception_stubs[i] (entry.asm), on its IST stack
 * for #DF, NMI and #MC and on the current stack otherwise; entries 32..255
 * are interrupt gates to irq_entries[i - 32], on the current stack.
 */
void __init idt_init(void)
{
	tss_init();
	for (unsigned int i = 0; i < NR_VECTORS; i++) {
		uint64_t addr = i < IDT_ENTRIES ? exception_stubs[i]
						: irq_entries[i - IDT_ENTRIES];

		idt[i] = (struct idt_entry){
			.offset_low = addr & 0xffff,
			.selector = KERNEL_CS,
			.ist = ist_of(i),
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_high = addr >> 32,
		};
	}
	idt_load();
}

/* idt_load() - as Linux's load_idt(): lidt of the one shared table. */
void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}

/*
 * Can the 8 bytes at @va be read without a fault? They must be aligned (so
 * on one page), canonical (bits 63..47 all equal: the page tables ignore
 * bits 63..48, the CPU raises #GP) and mapped.
 */
static bool kernel_word_mapped(unsigned long va)
{
	int level;

	return !(va & 7) && (unsigned long)((long)(va << 16) >> 16) == va &&
	       lookup_address(va, &level);
}

/* One line of three 64-bit registers, named: "RAX: %016lx RBX: ...". */
static void show_three(const char *n1, uint64_t v1, const char *n2, uint64_t v2,
		       const char *n3, uint64_t v3)
{
	printk("%s: %016lx %s: %016lx %s: %016lx\n", n1, (unsigned long)v1, n2,
	       (unsigned long)v2, n3, (unsigned long)v3);
}

/* The registers, as Linux's __show_regs() lays them out. */
static void show_regs(const struct pt_regs *r, unsigned long cr2)
{
	unsigned short ds, es;

	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	__asm__ volatile("mov %%es, %0" : "=r"(es));
	printk("RIP: %04lx:%pS\n", (unsigned long)r->cs, (void *)r->ip);
	printk("RSP: %04lx:%016lx EFLAGS: %08lx\n", (unsigned long)r->ss,
	       (unsigned long)r->sp, (unsigned long)r->flags);
	show_three("RAX", r->ax, "RBX", r->bx, "RCX", r->cx);
	show_three("RDX", r->dx, "RSI", r->si, "RDI", r->di);
	show_three("RBP", r->bp, "R08", r->r8, "R09", r->r9);
	show_three("R10", r->r10, "R11", r->r11, "R12", r->r12);
	show_three("R13", r->r13, "R14", r->r14, "R15", r->r15);
	printk("CS:  %04lx DS: %04x ES: %04x CR0: %016lx\n",
	       (unsigned long)r->cs, ds, es, read_cr0());
	printk("CR2: %016lx CR3: %016lx CR4: %016lx\n", cr2, read_cr3(),
	       read_cr4());
}

/*
 * The length of the indirect call (opcode ff /2) at @p, from its ModRM byte
 * and, if there is one, its SIB byte (Intel SDM vol. 2, table 2-2); 0 if
 * @p is not one.
 */
static unsigned int indirect_call_len(const unsigned char *p)
{
	unsigned int mod = p[1] >> 6, rm = p[1] & 7, len = 2;

	if (p[0] != 0xff || ((p[1] >> 3) & 7) != 2)
		return 0;
	if (mod == 3)
		return len;
	if (rm == 4) /* a SIB byte follows */
		len++;
	if (mod == 1)
		len += 1; /* disp8 */
	else if (mod == 2 || (mod == 0 && rm == 5))
		len += 4; /* disp32, or RIP-relative */
	else if (mod == 0 && rm == 4 && (p[2] & 7) == 5)
		len += 4; /* SIB without a base: disp32 */
	return len;
}

/*
 * Is @ret a return address: in kernel text, right after a call instruction?
 * Checks the forms gcc emits: e8 rel32, and the indirect ff /2 with or
 * without a REX prefix, decoded so that it must end exactly at @ret.
 */
static bool is_return_address(unsigned long ret)
{
	const unsigned char *p = (const unsigned char *)ret;
	unsigned long offset, size;
	const char *name;
	int level;

	/* The whole call must be in the same function (so it is mapped):
	 * its first byte, ret - n, is offset + 1 - n bytes into it. */
	if (!kallsyms_lookup(ret - 1, &name, &offset, &size))
		return false;
	/* Text that is no longer mapped (freed __init code, which a stale
	 * stack slot may still point into) cannot be read. */
	if (!lookup_address((ret - 8) & PAGE_MASK, &level) ||
	    !lookup_address((ret - 1) & PAGE_MASK, &level))
		return false;
	if (offset + 1 >= 5 && p[-5] == 0xe8)
		return true;
	for (unsigned int n = 2; n <= 8 && n <= offset + 1; n++) {
		const unsigned char *insn = p - n;
		bool rex = (insn[0] & 0xf0) == 0x40;

		if (indirect_call_len(insn + rex) + rex == n)
			return true;
	}
	return false;
}

/*
 * The quadwords from RSP up, each with its address; those that point into
 * kernel text are symbolized: %pB for what looks like a return address (the
 * caller), %pS for any other text address (a function pointer, say).
 * Stops at the top of the stack RSP is on, and never reads an unmapped page;
 * an RSP in a guard page (a stack overflow) starts at the stack's bottom.
 */
static void show_stack(unsigned long sp)
{
	const struct kernel_stack *stack = kernel_stack_of(sp);
	unsigned long end = stack ? stack->top : sp + STACK_DUMP_WORDS * 8;

	if (stack && in_guard_page(stack, sp)) {
		printk("Stack: RSP in the guard page of the %s stack [%016lx-%016lx]; from its lowest quadword\n",
		       stack->name, stack->base, stack->top - 1);
		sp = stack->base;
	} else if (stack) {
		printk("Stack: RSP on the %s stack [%016lx-%016lx]\n",
		       stack->name, stack->base, stack->top - 1);
	} else {
		printk("Stack: RSP is on no kernel stack\n");
	}
	for (unsigned int i = 0; i < STACK_DUMP_WORDS && sp + 8 <= end;
	     i++, sp += 8) {
		unsigned long word, offset, size;
		const char *name;

		if (!kernel_word_mapped(sp)) {
			printk(" %016lx: (not mapped)\n", sp);
			break;
		}
		word = *(const unsigned long *)sp;
		if (is_return_address(word))
			printk(" %016lx: %016lx %pB\n", sp, word, (void *)word);
		else if (kallsyms_lookup(word, &name, &offset, &size))
			printk(" %016lx: %016lx %pS\n", sp, word, (void *)word);
		else
			printk(" %016lx: %016lx\n", sp, word);
	}
}

/*
 * The Call Trace by the frame pointers (the kernel is built with
 * -fno-omit-frame-pointer): each function's prologue pushes the caller's RBP
 * and points RBP there, so [rbp] is the caller's RBP and [rbp + 8] the return
 * address into the caller. The walk stops at RBP 0 (boot.asm starts the chain
 * so), at an RBP that is not on a kernel stack, not mapped or not above the
 * last one, or after MAX_TRACE_FRAMES lines. As Linux's old frame-pointer
 * trace, with "? " before an entry that is a guess.
 */
static void show_trace(const struct pt_regs *regs)
{
	unsigned long bp = regs->bp, prev = 0;
	unsigned int frames = 1;

	printk("Call Trace:\n");
	printk(" [<%016lx>] %pS\n", (unsigned long)regs->ip, (void *)regs->ip);
	/*
	 * At a function's first instruction, or after its epilogue popped
	 * RBP, RBP is still the caller's and the walk below would skip the
	 * caller; the return address into it is then at [RSP]. So is the one
	 * of a call to a bad address (text in .data, NULL). Shown as a guess
	 * when it looks like a return address and the walk will not show it.
	 */
	if (kernel_word_mapped(regs->sp)) {
		unsigned long ret = *(const unsigned long *)regs->sp;

		if (is_return_address(ret) &&
		    !(kernel_word_mapped(bp) && kernel_word_mapped(bp + 8) &&
		      ((const unsigned long *)bp)[1] == ret)) {
			printk(" ? [<%016lx>] %pB\n", ret, (void *)ret);
			frames++;
		}
	}
	while (bp) {
		const struct kernel_stack *stack = kernel_stack_of(bp);
		unsigned long ret;

		if (!stack || in_guard_page(stack, bp) ||
		    bp + 16 > stack->top || bp <= prev ||
		    !kernel_word_mapped(bp) || !kernel_word_mapped(bp + 8)) {
			printk(" (frame pointer %016lx is not a frame on a kernel stack: the trace ends here)\n",
			       bp);
			break;
		}
		if (frames == MAX_TRACE_FRAMES) {
			printk(" ... (more frames not shown)\n");
			break;
		}
		ret = ((const unsigned long *)bp)[1];
		printk(" [<%016lx>] %pB\n", ret, (void *)ret);
		frames++;
		prev = bp;
		bp = ((const unsigned long *)bp)[0];
	}
}

/*
 * The reason lines of a page fault, as Linux's show_fault_oops() and
 * dump_pagetable() word them (Linux prints the address without "0x"; here
 * it has one, as every address Pagewise prints), plus one line that spells
 * out the error code's bits.
 */
static void show_fault_oops(unsigned long err, unsigned long address)
{
	int level;
	pteval_t *pte = lookup_address(address, &level);

	if ((err & X86_PF_INSTR) && pte && (*pte & _PAGE_NX))
		printk("kernel tried to execute NX-protected page - exploit attempt?\n");
	if (address < PAGE_SIZE)
		printk("BUG: kernel NULL pointer dereference, address: %#018lx\n",
		       address);
	else
		printk("BUG: unable to handle page fault for address: %#018lx\n",
		       address);
	printk("#PF: %s %s in %s mode\n",
	       err & X86_PF_USER ? "user" : "supervisor",
	       err & X86_PF_INSTR   ? "instruction fetch"
	       : err & X86_PF_WRITE ? "write access"
				    : "read access",
	       err & X86_PF_USER ? "user" : "kernel");
	printk("#PF: error_code(%#06lx) - %s\n", err,
	       !(err & X86_PF_PROT) ? "not-present page"
	       : err & X86_PF_RSVD  ? "reserved bit violation"
				    : "permissions violation");
	printk("#PF: error_code bits: present=%d write=%d user=%d reserved=%d fetch=%d\n",
	       !!(err & X86_PF_PROT), !!(err & X86_PF_WRITE),
	       !!(err & X86_PF_USER), !!(err & X86_PF_RSVD),
	       !!(err & X86_PF_INSTR));
	dump_pagetable(address);
}

/*
 * A double fault whose CR2 or RSP is in a guard page: the stack ran into it,
 * and the CPU could not push the page fault's frame there. Linux's old
 * handle_stack_overflow() wording. Return: the message for die(), or NULL.
 */
static const char *stack_overflow(const struct pt_regs *regs, unsigned long cr2)
{
	const struct kernel_stack *stack = kernel_stack_of(cr2);

	if (!stack || !in_guard_page(stack, cr2)) {
		stack = kernel_stack_of(regs->sp);
		if (!stack || !in_guard_page(stack, regs->sp))
			return NULL;
	}
	printk("BUG: stack guard page was hit at %#018lx (stack is %#lx..%#lx)\n",
	       cr2, stack->base, stack->top - 1);
	return "kernel stack overflow (double-fault)";
}

/* Where this handler runs: the IST stack of #DF, NMI, #MC, or the boot stack. */
static void show_handler_stack(unsigned int vec)
{
	unsigned long sp = (unsigned long)__builtin_frame_address(0);
	const struct kernel_stack *stack = kernel_stack_of(sp);

	if (stack && stack->ist)
		printk("traps: handler running on the %s stack (IST%u) [%016lx-%016lx]\n",
		       stack->name, stack->ist, stack->base, stack->top - 1);
	else if (ist_of(vec))
		printk("traps: handler is not on its IST stack (RSP %#lx)\n",
		       sp);
}

/*
 * An NMI while a panic is in progress: on any CPU but the panic's owner it
 * is the owner's stop request (smp_send_stop()): stop here, on the NMI's
 * IST stack, without a word. Return: only on the owner itself (an NMI from
 * elsewhere, say QEMU's "nmi"): it goes on with its panic.
 */
static void nmi_during_panic(void)
{
	if (!this_cpu_in_panic())
		stop_this_cpu();
}

/*
 * do_exception() - the C side of every exception (entry.asm): print the
 * crash dump for @regs and panic. The CPU that gets here first owns the
 * panic (panic_try_start()) and stops the other CPUs before it dumps; one
 * that faults while another CPU's panic is in progress stops itself
 * silently, so there is one readable dump. An NMI during a panic is the
 * stop request (or, on the panicking CPU, ignored: the only return). A
 * fault while dumping (a bug in this file) is reported in one line and
 * panics at once.
 */
void do_exception(struct pt_regs *regs)
{
	/* Exceptions the panic's owner is in: only it writes this. */
	static int in_exception;
	unsigned int vec = (unsigned int)regs->vector;
	unsigned long err = regs->error_code, cr2 = read_cr2();
	const char *const *names = exception_names[vec % IDT_ENTRIES];
	const char *die_str = names[1];
	const char *overflow = NULL;
	int owner;

	if (vec == X86_TRAP_NMI) {
		this_cpu()->nmi_count++;
		if (panic_in_progress()) {
			nmi_during_panic();
			return;
		}
	}
	owner = panic_try_start();
	if (owner != PANIC_CPU_INVALID && owner != (int)smp_processor_id())
		stop_this_cpu(); /* another CPU's dump is on its way */
	panic_stop_other_cpus();
	if (in_exception++) {
		printk("traps: %s (vector %u) at %pS while handling an exception\n",
		       names[1], vec, (void *)regs->ip);
		panic("Fatal exception in exception handler");
	}
	if (vec == X86_TRAP_PF) {
		show_fault_oops(err, cr2);
		die_str = "Oops";
	} else if (vec == X86_TRAP_DF) {
		overflow = stack_overflow(regs, cr2);
		if (overflow)
			die_str = overflow;
		else
			printk("PANIC: double fault, error_code: %#lx\n", err);
	}
	/* As Linux's die(): "<what>: <error code> [#<oops count>]", then
	 * the CPU, as Linux's "CPU: <n> PID: ..." line. */
	printk("%s: %04lx [#1]\n", die_str, err);
	printk("CPU: %u APIC id %u\n", smp_processor_id(),
	       (unsigned int)this_cpu()->apic_id);
	printk("traps: vector %u (%s, %s), error_code %#lx\n", vec, names[0],
	       names[1], err);
	show_handler_stack(vec);
	show_regs(regs, cr2);
	show_stack(regs->sp);
	show_trace(regs);
	printk("---[ end trace 0000000000000000 ]---\n");
	panic("%s", overflow ? overflow : "Fatal exception");
}
