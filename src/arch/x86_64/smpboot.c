// SPDX-License-Identifier: MIT
/*
 * smpboot.c - bring up the other CPUs (smp.h), as Linux's
 * arch/x86/kernel/smpboot.c: the possible CPUs from the MADT and the
 * command line, the real-mode trampoline below 1 MiB (trampoline.asm),
 * INIT-SIPI-SIPI, each AP's first C code, and the function-call IPI.
 *
 * An AP starts in real mode at a page below 1 MiB; the trampoline takes it
 * to long mode on page tables of its own (the trampoline PML4: an identity
 * map of the trampoline's code page, plus the kernel's higher-half PML4
 * entries, copied from the live PML4), then into the kernel's higher half,
 * the kernel's page tables and its own stack, and calls start_secondary().
 *
 * CPU 0 starts one AP at a time and waits for it, so the trampoline's one
 * header serves every AP in turn.
 */
#define pr_fmt(fmt) "smpboot: " fmt

#include "acpi.h"
#include "apic.h"
#include "bochs_break.h"
#include "cmdline.h"
#include "cpu.h"
#include "init.h"
#include "io.h"
#include "irq.h"
#include "irqflags.h"
#include "kernel.h"
#include "memblock.h"
#include "memlayout.h"
#include "multiboot2.h"
#include "paging.h"
#include "printk.h"
#include "smp.h"
#include "string.h"
#include "time.h"
#include "traps.h"
#include "tss.h"

#define LOW_MEMORY_END	     0x100000UL
#define TRAMPOLINE_PAGES     5		/* code + header, PML4, PDPT, PD, PT */
#define X86_FEATURE_X2APIC   (1u << 21) /* CPUID leaf 1, ECX */
#define CPUID_LEAF_TOPOLOGY  0xb	/* EDX: the x2APIC id */
#define X86_CR4_PAE	     (1UL << 5)
#define EFER_LME	     (1UL << 8)
#define AP_ANSWER_MS	     1000  /* how long CPU 0 waits for an AP */
#define INIT_DELAY_US	     10000 /* after INIT (Intel SDM vol. 3, 9.4.4) */
#define SIPI_DELAY_US	     200   /* after each SIPI */
#define APIC_ESR_SEND_ERRORS 0xef  /* all but bit 4 (receive illegal vector) */

/* The header in trampoline.asm (tr_*), same order and sizes. */
struct trampoline_header {
	uint32_t cr3;	  /* the trampoline PML4, physical, below 1 MiB */
	uint32_t cr4;	  /* CR4 bits the AP sets (PAE is added) */
	uint32_t efer;	  /* EFER bits the AP sets: LME, NXE */
	uint32_t apic_id; /* the CPU this header is for (low 8 bits count) */
	uint64_t kernel_cr3;
	uint64_t stack; /* the AP's initial RSP */
	uint64_t cpu;	/* its logical number: start_secondary()'s argument */
};

extern const char trampoline_start[], trampoline_end[]; /* trampoline.asm */
extern const char trampoline_header[];

/*
 * What smp_prepare_cpus() decided, for smp_init(). Written by CPU 0 at
 * boot before any AP runs; read by CPU 0 only.
 *   nr_present: CPUs 0 .. nr_present-1 are the MADT's enabled ones (the
 *     rest of nr_cpu_ids are hotplug-only);
 *   max_cpus: how many of them to bring up (nosmp, maxcpus=, NR_CPUS);
 *   trampoline_pa: the trampoline's first page, 0 when none was found.
 */
static unsigned int nr_present = 1, max_cpus = 1;
static phys_addr_t trampoline_pa;

/* The APIC id of the CPU that runs this: the x2APIC id (CPUID leaf 0xb)
 * where the CPU has x2APIC, else the initial APIC id in CPUID leaf 1
 * EBX[31:24]. The local APIC need not be mapped. */
static uint32_t cpuid_apic_id(void)
{
	uint32_t max, a, b, c, d;

	cpuid(0, &max, &b, &c, &d);
	cpuid(1, &a, &b, &c, &d);
	if ((c & X86_FEATURE_X2APIC) && max >= CPUID_LEAF_TOPOLOGY) {
		uint32_t a2, b2, c2, d2;

		cpuid(CPUID_LEAF_TOPOLOGY, &a2, &b2, &c2, &d2);
		if (b2) /* leaf 0xb is valid */
			return d2;
	}
	return b >> 24;
}

const char *cpu_state_name(enum cpu_state state)
{
	static const char *const names[] = {
		[CPU_ABSENT] = "absent",   [CPU_OFFLINE] = "offline",
		[CPU_BOOTING] = "booting", [CPU_ONLINE] = "online",
		[CPU_FAILED] = "failed",   [CPU_STOPPED] = "stopped",
	};

	return (unsigned int)state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* Is @l's APIC id one no CPU can have: 0xff in an xAPIC entry (the
 * broadcast id), 0xffffffff in an x2APIC one? As Linux's MADT parsing,
 * such entries are skipped. */
static bool __init invalid_apic_id(const struct madt_lapic *l)
{
	return l->apic_id == (l->x2apic ? 0xffffffffu : 0xffu);
}

/* Make @lapic CPU @cpu (OFFLINE: started later, or hotplug-only). */
static void __init add_cpu(unsigned int cpu, const struct madt_lapic *lapic)
{
	struct percpu *p = per_cpu(cpu);

	p->apic_id = lapic->apic_id;
	p->acpi_uid = lapic->acpi_uid;
	p->state = CPU_OFFLINE;
}

/* Does [@start, @end) overlap what GRUB may have put below 1 MiB (the
 * multiboot2 information, boot modules)? Their pages are in use. */
static bool __init low_range_busy(phys_addr_t start, phys_addr_t end)
{
	if (boot_params.mbi_pa < end &&
	    boot_params.mbi_pa + boot_params.mbi_size > start)
		return true;
	for (unsigned int i = 0; i < boot_params.nr_modules; i++)
		if (boot_params.modules[i].start < end &&
		    boot_params.modules[i].end > start)
			return true;
	return false;
}

/*
 * The highest TRAMPOLINE_PAGES usable pages below 1 MiB (memblock.memory,
 * page 0 left out: the real-mode IVT), as Linux's reserve_real_mode()
 * allocates top-down. Return: their physical address, or 0.
 */
static phys_addr_t __init find_trampoline_pages(void)
{
	unsigned long size = TRAMPOLINE_PAGES * PAGE_SIZE;

	for (unsigned long i = memblock.memory.cnt; i-- > 0;) {
		const struct memblock_region *r = &memblock.memory.regions[i];
		phys_addr_t lo = r->base < PAGE_SIZE ? PAGE_SIZE : r->base;
		phys_addr_t hi = r->base + r->size;

		if (hi > LOW_MEMORY_END)
			hi = LOW_MEMORY_END;
		lo = (lo + PAGE_SIZE - 1) & PAGE_MASK;
		hi &= PAGE_MASK;
		for (phys_addr_t pa = hi; pa >= lo + size; pa -= PAGE_SIZE)
			if (!low_range_busy(pa - size, pa))
				return pa - size;
	}
	return 0;
}

void __init smp_prepare_cpus(void)
{
	struct percpu *boot = per_cpu(0);
	uint32_t boot_apic_id = cpuid_apic_id();
	unsigned int n = 1, hotplug = 0, dropped = 0;
	unsigned long long maxcpus;
	bool found = false;

	boot->apic_id = boot_apic_id;
	boot->state = CPU_ONLINE;
	boot->stack_base = kernel_stacks[0].base;
	boot->stack_top = kernel_stacks[0].top;

	/* CPU 0 is the running CPU; then the enabled ones, then the
	 * hot-pluggable disabled ones, each in MADT order. */
	for (unsigned int i = 0; i < acpi_madt.nr_lapics; i++) {
		const struct madt_lapic *l = &acpi_madt.lapics[i];

		if (l->apic_id == boot_apic_id) {
			boot->acpi_uid = l->acpi_uid;
			found = true;
		} else if (invalid_apic_id(l)) {
			if (l->enabled || l->online_capable)
				pr_warn("MADT entry with APIC id %#x (ACPI UID %u): not a CPU's id, skipped\n",
					l->apic_id, l->acpi_uid);
		} else if (l->enabled && n < NR_CPUS) {
			add_cpu(n++, l);
		} else if (l->enabled) {
			dropped++;
		}
	}
	nr_present = n;
	for (unsigned int i = 0; i < acpi_madt.nr_lapics; i++) {
		const struct madt_lapic *l = &acpi_madt.lapics[i];

		/* A disabled entry may be hot-added (Linux's
		 * acpi_is_processor_usable()): online-capable, or any
		 * before MADT revision 5, which had no such flag. */
		if (l->enabled || l->apic_id == boot_apic_id ||
		    invalid_apic_id(l) ||
		    (acpi_madt.revision >= 5 && !l->online_capable))
			continue;
		if (n < NR_CPUS) {
			add_cpu(n++, l);
			hotplug++;
		} else {
			dropped++;
		}
	}
	if (acpi_madt.present && !found)
		pr_warn("boot CPU (APIC id %u) is not in the MADT: counted as CPU 0\n",
			boot_apic_id);
	if (dropped)
		pr_warn("NR_CPUS=%u: %u more CPUs in the MADT left out\n",
			NR_CPUS, dropped);

	max_cpus = nr_present;
	if (cmdline_has("nosmp")) {
		/* As Linux's disable_smp(): CPU 0 is the only possible CPU. */
		for (unsigned int cpu = 1; cpu < n; cpu++)
			per_cpu(cpu)->state = CPU_ABSENT;
		n = nr_present = max_cpus = 1;
		hotplug = 0;
		pr_info("nosmp: one CPU, the others are not started\n");
	} else if (cmdline_ull("maxcpus", &maxcpus) && maxcpus < max_cpus) {
		/* As Linux: the others stay possible, never started. */
		max_cpus = maxcpus ? (unsigned int)maxcpus : 1;
		pr_info("maxcpus=%llu: bringing up %u of %u CPUs\n", maxcpus,
			max_cpus, nr_present);
	}
	nr_cpu_ids = n;
	pr_info("Allowing %u CPUs, %u hotplug CPUs\n", n, hotplug);

	trampoline_pa = find_trampoline_pages();
	if (trampoline_pa)
		pr_info("real-mode trampoline at [mem %#018llx-%#018llx]\n",
			(unsigned long long)trampoline_pa,
			(unsigned long long)trampoline_pa +
				TRAMPOLINE_PAGES * PAGE_SIZE - 1);
	else if (max_cpus > 1)
		pr_err("no %u usable pages below 1 MiB for the real-mode trampoline: booting one CPU\n",
		       TRAMPOLINE_PAGES);
	if (!trampoline_pa)
		max_cpus = 1;
}

/*
 * The trampoline (its pages at trampoline_pa): CPU 0 writes the code, the
 * tables and the header before each AP's SIPI, and only while no AP runs
 * the trampoline (it waits for each, or parks it with INIT); the AP only
 * reads them.
 *
 * Copy the trampoline to its pages and build its page tables there: PML4
 * (page 1) -> PDPT (2) -> PD (3) -> PT (4) -> the code page (0), identity
 * mapped and executable; PML4 entries 256..511 (the kernel's half) are the
 * live PML4's. The header's fixed fields are filled in here.
 */
static struct trampoline_header *setup_trampoline(void)
{
	char *page = __va(trampoline_pa);
	pteval_t *table[4]; /* PML4, PDPT, PD, PT */
	const pteval_t *kernel_pml4 = __va(read_cr3() & PTE_PFN_MASK);
	unsigned long size = trampoline_end - trampoline_start;
	struct trampoline_header *h;

	BUILD_BUG_ON(sizeof(struct trampoline_header) != 40);
	memset(page, 0, TRAMPOLINE_PAGES * PAGE_SIZE);
	memcpy(page, trampoline_start, size);
	for (int i = 0; i < 4; i++)
		table[i] = (pteval_t *)(page + (i + 1) * PAGE_SIZE);
	for (int l = 4; l > 1; l--) /* each table -> the next, RW */
		table[4 - l][table_index(trampoline_pa, l)] =
			(trampoline_pa + (6 - l) * PAGE_SIZE) | _PAGE_PRESENT |
			_PAGE_RW;
	table[3][table_index(trampoline_pa, 1)] =
		trampoline_pa | _PAGE_PRESENT | _PAGE_RW;
	for (unsigned int i = PTRS_PER_TABLE / 2; i < PTRS_PER_TABLE; i++)
		table[0][i] = kernel_pml4[i];

	h = (struct trampoline_header *)(page + (trampoline_header -
						 trampoline_start));
	h->cr3 = (uint32_t)(trampoline_pa + PAGE_SIZE);
	h->cr4 = (uint32_t)(X86_CR4_PAE |
			    (boot_cpu_data.has_pge ? X86_CR4_PGE : 0));
	h->efer = (uint32_t)(EFER_LME | (boot_cpu_data.has_nx ? EFER_NX : 0));
	h->kernel_cr3 = read_cr3();
	return h;
}

/* After the last AP: the identity map goes (the PML4's low half), and
 * when no AP may still run the code, the pages are wiped too. */
static void teardown_trampoline(bool wipe)
{
	pteval_t *pml4 = __va(trampoline_pa + PAGE_SIZE);

	memset(pml4, 0, PAGE_SIZE / 2);
	if (wipe)
		memset(__va(trampoline_pa), 0, TRAMPOLINE_PAGES * PAGE_SIZE);
}

/* Clear the xAPIC's error status (write, then read: Linux's
 * apic_read(APIC_ESR) after apic_write(APIC_ESR, 0)) and return it. */
static uint32_t apic_esr(void)
{
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

/*
 * INIT, INIT deassert, 10 ms, then SIPI twice with 200 us after each, to
 * the CPU with APIC id @apic_id, as the Intel SDM (vol. 3, 9.4.4.1) and
 * Linux's wakeup_secondary_cpu_via_init(). Return: the send errors (ESR).
 */
static uint32_t wakeup_secondary_cpu_via_init(uint32_t apic_id)
{
	uint32_t errors = 0;

	apic_esr();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT,
		       apic_id);
	apic_wait_icr_idle();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, apic_id);
	apic_wait_icr_idle();
	udelay(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		apic_esr();
		apic_icr_write(APIC_DM_STARTUP |
				       (uint32_t)(trampoline_pa >> PAGE_SHIFT),
			       apic_id);
		udelay(SIPI_DELAY_US);
		apic_wait_icr_idle();
		errors |= apic_esr() & APIC_ESR_SEND_ERRORS;
	}
	return errors;
}

/* Start CPU @cpu. Return: true when it said it is online within 1 s. */
static bool do_boot_cpu(unsigned int cpu, struct trampoline_header *h)
{
	struct percpu *p = per_cpu(cpu);
	enum cpu_state expected = CPU_BOOTING;
	uint32_t errors;

	if (tss_alloc_cpu(cpu)) {
		pr_err("CPU %u (APIC id %u): no memory for its stacks: left out\n",
		       cpu, p->apic_id);
		p->state = CPU_FAILED;
		return false;
	}
	h->apic_id = p->apic_id;
	h->stack = p->stack_top;
	h->cpu = cpu;
	__atomic_store_n(&p->state, CPU_BOOTING, __ATOMIC_RELEASE);
	errors = wakeup_secondary_cpu_via_init(p->apic_id);
	if (errors)
		pr_err("CPU %u (APIC id %u): the local APIC reports send errors %#x (ESR)\n",
		       cpu, p->apic_id, errors);
	for (unsigned int ms = 0; ms < AP_ANSWER_MS; ms++) {
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
			return true;
		mdelay(1);
	}
	/* Too late from now on: the AP sees FAILED and halts. */
	if (!__atomic_compare_exchange_n(&p->state, &expected, CPU_FAILED,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return true; /* it came online at the last moment */
	pr_err("CPU %u (APIC id %u) did not answer the startup IPIs: left out\n",
	       cpu, p->apic_id);
	/* Back to wait-for-SIPI, so it cannot run the trampoline later. */
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT,
		       p->apic_id);
	apic_wait_icr_idle();
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, p->apic_id);
	apic_wait_icr_idle();
	return false;
}

void smp_init(void)
{
	struct trampoline_header *h;
	bool all_answered = true;
	unsigned int cpu, online;

	printk("smp: Bringing up secondary CPUs ...\n");
	if (max_cpus > 1 && !x2apic_enabled && !lapic_base) {
		/* irq_init() maps the local APIC whenever there is a MADT. */
		pr_err("the local APIC is not mapped (irq_init() did not map it): booting one CPU\n");
		max_cpus = 1;
	}
	if (max_cpus > 1) {
		irq_vector_register(CALL_FUNCTION_VECTOR,
				    "Function call interrupts",
				    smp_call_function_interrupt);
		printk("x86: Booting SMP configuration:\n");
		h = setup_trampoline();
		for (cpu = 1; cpu < max_cpus; cpu++)
			if (!do_boot_cpu(cpu, h))
				all_answered = false;
		teardown_trampoline(all_answered);

		printk(".... node  #0, CPUs:   ");
		for_each_online_cpu (cpu)
			if (cpu)
				printk(" #%u", cpu);
		printk("\n");
	}
	online = num_online_cpus();
	printk("smp: Brought up 1 node, %u CPU%s\n", online,
	       online == 1 ? "" : "s");
	pr_info("Total of %u processors activated\n", online);
	/* What boot took from the page allocator for good, so a log can
	 * account for every page (test/emu/boot_checks.py does). */
	printk("vmalloc: %lu pages of the page allocator held: %lu for kernel stacks, %lu page-table pages\n",
	       vmalloc_stats.stack_pages + vmalloc_stats.buddy_table_pages,
	       vmalloc_stats.stack_pages, vmalloc_stats.buddy_table_pages);
}

void start_secondary(unsigned long cpu)
{
	struct percpu *p;
	enum cpu_state expected = CPU_BOOTING;

	percpu_init_cpu(cpu); /* first: printk and this_cpu() need GS */
	p = this_cpu();
	bochs_break_point(
		BREAK_AP, ap,
		"CPU %lu (APIC id %u) in start_secondary(): its first C code, on its stack [%#lx-%#lx], CR3=%#lx; try 'info gdt', 'r', 'creg'",
		cpu, p->apic_id, p->stack_base, p->stack_top - 1, read_cr3());
	tss_load_cpu(cpu);
	idt_load();
	lapic_setup_cpu(); /* its LAPIC on, its timer ticking at HZ */
	pr_info("CPU %lu (APIC id %u) online: stack [%#lx-%#lx], guard page at %#lx\n",
		cpu, p->apic_id, p->stack_base, p->stack_top - 1,
		p->stack_base - PAGE_SIZE);
	if (!__atomic_compare_exchange_n(&p->state, &expected, CPU_ONLINE,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		pr_err("CPU %lu: too late, CPU 0 gave up on it: halted\n", cpu);
		halt_forever();
	}
	for (;;)
		safe_halt();
}

int smp_call_function_single(unsigned int cpu, void (*func)(void *), void *info,
			     int wait)
{
	struct percpu *p;
	unsigned long flags;

	if (cpu >= nr_cpu_ids || !func || per_cpu(cpu)->state != CPU_ONLINE)
		return -EINVAL;
	if (cpu == smp_processor_id()) {
		local_irq_save(flags);
		func(info);
		local_irq_restore(flags);
		return 0;
	}
	p = per_cpu(cpu);
	if (__atomic_exchange_n(&p->csd_busy, 1, __ATOMIC_ACQUIRE))
		return -EBUSY;
	p->csd_func = func;
	p->csd_info = info;
	p->csd_wait = wait;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	apic_icr_write(APIC_DM_FIXED | CALL_FUNCTION_VECTOR, p->apic_id);
	if (wait)
		while (__atomic_load_n(&p->csd_busy, __ATOMIC_ACQUIRE))
			cpu_relax();
	return 0;
}

void smp_call_function_interrupt(struct pt_regs *regs)
{
	struct percpu *p = this_cpu();
	void (*func)(void *);
	void *info;

	(void)regs;
	if (!__atomic_load_n(&p->csd_busy, __ATOMIC_ACQUIRE))
		return; /* nothing asked: counted by do_IRQ all the same */
	func = p->csd_func;
	info = p->csd_info;
	if (!p->csd_wait) {
		__atomic_store_n(&p->csd_busy, 0, __ATOMIC_RELEASE);
		func(info);
		return;
	}
	func(info);
	__atomic_store_n(&p->csd_busy, 0, __ATOMIC_RELEASE);
}
