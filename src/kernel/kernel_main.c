// SPDX-License-Identifier: MIT
/*
 * kernel_main.c - the boot story, read top-down: each step one call.
 * GRUB -> boot.asm (long mode, higher half) -> here.
 */
#include "acpi.h"
#include "bochs_break.h"
#include "cmdline.h"
#include "cpu.h"
#include "crashtest.h"
#include "grade_agent.h"
#include "init.h"
#include "irq.h"
#include "labtest.h"
#include "memblock.h"
#include "memlayout.h"
#include "mm.h"
#include "monitor.h"
#include "multiboot2.h"
#include "paging.h"
#include "panic.h"
#include "power.h"
#include "printk.h"
#include "selftest.h"
#include "serial.h"
#include "setup.h"
#include "smp.h"
#include "string.h"
#include "traps.h"

#define PAGEWISE_VERSION "0.1"
#define LOW_MEMORY_END	 0x100000UL /* the first 1 MiB stays reserved */

/*
 * The mm debug policies (see mm.h): mm_debug=panic,verify and page_poison=1,
 * and the min_free_kbytes=N tunable (mmzone.h), read before the allocator
 * gets its first page.
 */
static void __init mm_debug_setup(void)
{
	unsigned long long kbytes;
	char val[32];

	if (cmdline_value("mm_debug", val, sizeof(val))) {
		for (char *w = val; *w;) {
			char *end = w;

			while (*end && *end != ',')
				end++;
			if (end - w == 5 && !strncmp(w, "panic", 5))
				mm_debug |= MM_DEBUG_PANIC;
			else if (end - w == 6 && !strncmp(w, "verify", 6))
				mm_debug |= MM_DEBUG_VERIFY;
			else
				pr_warn("mm_debug: unknown policy '%.*s' ignored (known: panic, verify)\n",
					(int)(end - w), w);
			w = *end ? end + 1 : end;
		}
	}
	if (cmdline_value("page_poison", val, sizeof(val)))
		page_poisoning_enabled =
			!strcmp(val, "1") || !strcmp(val, "on");
	/* min_free_kbytes=N: Linux's vm.min_free_kbytes sysctl, at boot. */
	if (cmdline_ull("min_free_kbytes", &kbytes)) {
		if (kbytes <= 262144) {
			user_min_free_kbytes = (int)kbytes;
			printk("mm: min_free_kbytes=%llu from the command line\n",
			       kbytes);
		} else {
			pr_warn("min_free_kbytes=%llu is above 262144: ignored\n",
				kbytes);
		}
	}
	if (mm_debug || page_poisoning_enabled)
		printk("mm: debug policies:%s%s%s\n",
		       mm_debug & MM_DEBUG_PANIC ? " panic" : "",
		       mm_debug & MM_DEBUG_VERIFY ? " verify" : "",
		       page_poisoning_enabled ? " page_poison" : "");
}

static void boot_report(void)
{
	show_meminfo();
	show_buddyinfo();
	show_zoneinfo();
	show_mem_map_info();
}

/* linker.ld: the boot stub from _kernel_phys_start (a physical address) up
 * to _text, where the higher-half image starts. */
extern char _kernel_phys_start[], _text[];

/*
 * Free [@start, @end) (physical, page-aligned, reserved) as @what: Linux's
 * "Freeing @what memory: NK" line, then the range, so a log shows exactly
 * which pages became free: "mm: freed [mem A-B] @what".
 */
static void free_boot_range(phys_addr_t start, phys_addr_t end, int poison,
			    const char *what)
{
	unsigned long pages;

	if (end <= start)
		return;
	pages = free_reserved_area(__va(start), __va(end), poison, what);
	printk("mm: freed [mem %#018llx-%#018llx] %s: %lu pages\n",
	       (unsigned long long)start, (unsigned long long)end - 1, what,
	       pages);
}

/* Does one region of memblock.memory hold all of [@start, @end)? */
static bool range_is_ram(phys_addr_t start, phys_addr_t end)
{
	for (unsigned long i = 0; i < memblock.memory.cnt; i++) {
		const struct memblock_region *r = &memblock.memory.regions[i];

		if (start >= r->base && end <= r->base + r->size)
			return true;
	}
	return false;
}

/*
 * The multiboot2 information's pages, as memblock_setup_from_mmap()
 * reserved them (widened to whole pages), less a first or last page that a
 * boot module or the first 1 MiB shares: those stay reserved.
 */
static void free_mbi(void)
{
	phys_addr_t start = boot_params.mbi_pa & PAGE_MASK;
	phys_addr_t end =
		(boot_params.mbi_pa + boot_params.mbi_size + PAGE_SIZE - 1) &
		PAGE_MASK;

	if (start < LOW_MEMORY_END)
		start = LOW_MEMORY_END;
	for (unsigned int i = 0; i < boot_params.nr_modules; i++) {
		phys_addr_t ms = boot_params.modules[i].start & PAGE_MASK;
		phys_addr_t me = (boot_params.modules[i].end + PAGE_SIZE - 1) &
				 PAGE_MASK;

		if (ms < start + PAGE_SIZE && me > start)
			start += PAGE_SIZE;
		if (end >= PAGE_SIZE && ms < end && me > end - PAGE_SIZE)
			end -= PAGE_SIZE;
	}
	/* GRUB may put the information past the RAM the map gives the
	 * kernel (a map cut short by cutmem, say): only pages that are RAM
	 * in memblock.memory have a struct page that can go to the buddy. */
	if (end > start && !range_is_ram(start, end)) {
		printk("mm: multiboot2 information [mem %#018llx-%#018llx] is not RAM of the map: left alone\n",
		       (unsigned long long)start, (unsigned long long)end - 1);
		return;
	}
	free_boot_range(start, end, -1, "multiboot2 information");
}

/*
 * free_boot_memory() - once boot is done, give what only boot needed to the
 * buddy allocator, as Linux's free_initmem():
 *  - the init region (__init code, __initdata): unmapped from the kernel
 *    image first, so a late call into it faults, and filled with
 *    POISON_FREE_INITMEM (int3) through the direct map;
 *  - the 32-bit boot stub and the boot page tables (.boot.*, below _text):
 *    the kernel's own tables replaced them in paging_init();
 *  - the multiboot2 information: mb2_parse() copied what we need into
 *    boot_params.
 * Never __init itself: it runs while the init region goes away.
 */
static void free_boot_memory(void)
{
	unmap_kernel_image_range(__init_begin, __init_end);
	free_boot_range(__pa(__init_begin), __pa(__init_end),
			POISON_FREE_INITMEM, "unused kernel image (initmem)");
	free_boot_range((unsigned long)_kernel_phys_start, __pa(_text), -1,
			"boot stub and page tables");
	free_mbi();
}

void kernel_main(uint32_t magic, uint32_t mbi_pa);

void kernel_main(uint32_t magic, uint32_t mbi_pa)
{
	bool grading;

	percpu_init_cpu(0); /* GS base: smp_processor_id() works from here */
	serial_init();
	printk("Pagewise %s: a teaching kernel for x86_64 physical memory\n",
	       PAGEWISE_VERSION);
	idt_init();
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic %#x)", magic);

	mb2_parse(mbi_pa);
	printk("Command line: %s\n", cmdline_get());
	printk("Boot loader: %s\n", boot_params.bootloader[0]
					    ? boot_params.bootloader
					    : "(unnamed)");
	bochs_break_setup();
	cpu_init();

	mb2_print_mmap();
	mb2_print_modules();
	observe_before_memblock(); /* tools/observe_kernel.py's checkpoints */
	memblock_setup_from_mmap();
	observe_after_memblock();
	grading = lab_grade_begin(); /* make grade: lab 1 is graded here */
	paging_init();
	observe_after_paging();
	acpi_boot_init();   /* RSDP, tables, MADT -> acpi_madt */
	smp_prepare_cpus(); /* nr_cpu_ids from the MADT; trampoline pages */
	mm_debug_setup();
	mm_core_init();
	irq_init(); /* PICs masked, LAPIC, I/O APIC, timer, COM1 IRQ, sti */

	boot_report();
	smp_init(); /* INIT-SIPI-SIPI each AP, wait, the summary */
	free_boot_memory();
	crashtest_run();
	grade_agent_run(); /* "observe": serves gdb, never returns */

	if (grading)
		lab_grade_end();
	else if (cmdline_has("selftest")) {
		unsigned int failed = run_selftests();

		printk("selftest: %s\n", failed ? "FAILED" : "all passed");
		if (failed)
			boot_report();
	}
	if (cmdline_has("poweroff"))
		machine_power_off();
	printk("Pagewise: boot complete. The monitor is on COM1: help lists its commands (in QEMU: Ctrl-A X quits).\n");
	monitor_run();
}
