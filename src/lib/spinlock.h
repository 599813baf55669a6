/* SPDX-License-Identifier: MIT */
/*
 * spinlock.h - a ticket spinlock, as Linux's old x86 ticket locks: each
 * locker takes the next ticket and waits until the owner field reaches it,
 * so CPUs get the lock in the order they asked (no starvation).
 * Portable (GCC's __atomic builtins): the kernel and the host build alike.
 * This file has no interrupt handling: the kernel's irqflags.h adds
 * spin_lock_irqsave() on top.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint16_t next;	/* the ticket the next locker takes */
	uint16_t owner; /* the ticket that holds the lock now */
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED \
	{                    \
		0, 0         \
	}
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *lock)
{
	__atomic_store_n(&lock->owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lock->next, 0, __ATOMIC_RELAXED);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#endif
}

/* spin_lock() - wait for and take @lock. Context: never from a handler that
 * may interrupt a holder on the same CPU (use the _irqsave form). */
static inline void spin_lock(spinlock_t *lock)
{
	uint16_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&lock->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
}

/* spin_trylock() - take @lock if it is free. Return: true when taken. */
static inline bool spin_trylock(spinlock_t *lock)
{
	uint16_t owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
	uint16_t expected = owner;

	return __atomic_compare_exchange_n(&lock->next, &expected,
					   (uint16_t)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->owner, (uint16_t)(lock->owner + 1),
			 __ATOMIC_RELEASE);
}

/* spin_is_locked() - is @lock held by anyone (a snapshot)? */
static inline bool spin_is_locked(spinlock_t *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&lock->next, __ATOMIC_RELAXED);
}

#endif
