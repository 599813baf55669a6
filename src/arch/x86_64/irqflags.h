/* SPDX-License-Identifier: MIT */
/*
 * irqflags.h - this CPU's interrupt flag (RFLAGS.IF), as Linux's
 * <asm/irqflags.h>, and the lock forms that keep interrupts off while held.
 */
#ifndef ARCH_X86_64_IRQFLAGS_H
#define ARCH_X86_64_IRQFLAGS_H

#include <stdbool.h>

#include "spinlock.h"

#define X86_EFLAGS_IF (1UL << 9)

static inline unsigned long native_save_fl(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0" : "=rm"(flags) : : "memory");
	return flags;
}

static inline void local_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void local_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* Interrupts off; Return: the flags to give back to local_irq_restore(). */
static inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = native_save_fl();

	local_irq_disable();
	return flags;
}
#define local_irq_save(flags) ((flags) = arch_local_irq_save())

static inline void local_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
}

static inline bool irqs_disabled(void)
{
	return !(native_save_fl() & X86_EFLAGS_IF);
}

/*
 * safe_halt() - enable interrupts and halt in one step: STI's one
 * instruction of delay means no interrupt can slip in between the two, so
 * a wake-up that arrives after the caller checked its condition still ends
 * the hlt. As Linux's native_safe_halt().
 */
static inline void safe_halt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

/* halt() - wait for the next interrupt with IF as it is. */
static inline void halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

#define spin_lock_irqsave(lock, flags) \
	do {                           \
		local_irq_save(flags); \
		spin_lock(lock);       \
	} while (0)

static inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock(lock);
	local_irq_restore(flags);
}

#endif
