// SPDX-License-Identifier: MIT
/*
 * cpu.c - probe the boot CPU once, so paging and the report know what it has.
 * The boot stub already refused CPUs without long mode.
 */
#include "cpu.h"

#include "init.h"
#include "printk.h"

struct cpuinfo_x86 boot_cpu_data;

/* The brand string into @id (CPU_MODEL_ID_LEN + 1 bytes), without the
 * leading spaces Intel pads it with. As Linux's get_model_name(). */
static void __init read_model_id(char *id)
{
	uint32_t regs[CPU_MODEL_ID_LEN / sizeof(uint32_t)];
	const char *s = (const char *)regs;
	unsigned int i = 0, n = 0;

	for (uint32_t leaf = CPUID_BRAND_FIRST; leaf <= CPUID_BRAND_LAST;
	     leaf++, i += 4)
		cpuid(leaf, &regs[i], &regs[i + 1], &regs[i + 2], &regs[i + 3]);
	while (n < CPU_MODEL_ID_LEN && s[n] == ' ')
		n++;
	for (i = 0; n < CPU_MODEL_ID_LEN && s[n]; i++, n++)
		id[i] = s[n];
	id[i] = '\0';
}

/*
 * cpu_init() - fill boot_cpu_data from CPUID and switch on global pages.
 * Context: boot, before paging_init(). EFER.NXE was set by the boot stub
 * when the CPU has NX.
 */
void __init cpu_init(void)
{
	uint32_t a, b, c, d, max_ext;

	cpuid(0, &a, &b, &c, &d);
	*(uint32_t *)&boot_cpu_data.vendor[0] = b;
	*(uint32_t *)&boot_cpu_data.vendor[4] = d;
	*(uint32_t *)&boot_cpu_data.vendor[8] = c;
	boot_cpu_data.vendor[12] = '\0';

	cpuid(1, &a, &b, &c, &d);
	boot_cpu_data.has_pge = d & (1u << X86_FEATURE_PGE_BIT);

	cpuid(0x80000000, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		boot_cpu_data.has_nx = d & (1u << X86_FEATURE_NX_BIT);
		boot_cpu_data.has_gbpages = d & (1u << X86_FEATURE_GBPAGES_BIT);
	}
	if (max_ext >= CPUID_BRAND_LAST)
		read_model_id(boot_cpu_data.x86_model_id);
	if (max_ext >= CPUID_POWER_LEAF) {
		cpuid(CPUID_POWER_LEAF, &a, &b, &c, &d);
		boot_cpu_data.has_invariant_tsc =
			d & (1u << X86_FEATURE_INVARIANT_TSC_BIT);
	}
	if (boot_cpu_data.has_pge)
		write_cr4(read_cr4() | X86_CR4_PGE);

	pr_info("cpu: %s, NX %s, 1 GiB pages %s, global pages %s\n",
		boot_cpu_data.vendor, boot_cpu_data.has_nx ? "yes" : "no",
		boot_cpu_data.has_gbpages ? "yes" : "no",
		boot_cpu_data.has_pge ? "yes" : "no");
}
