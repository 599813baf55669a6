; SPDX-License-Identifier: MIT
; entry.asm - the CPU exception entry points 0..31 and the interrupt entry
; points 32..255. Each pushes a dummy error code where the CPU pushes none,
; then its vector, saves the general registers as struct pt_regs (traps.h)
; and calls do_exception(regs) or, for an interrupt, do_IRQ(regs) (irq.c),
; as Linux's common_interrupt. Interrupts come through interrupt gates: IF
; is off in the handler, so they never nest.

extern do_exception
extern do_IRQ

FIRST_EXTERNAL_VECTOR equ 32            ; the first vector that is no exception
NR_VECTORS            equ 256

%macro EXC_NOERR 1
exc_%1:
	push 0
	push %1
	jmp exc_common
%endmacro

%macro EXC_ERR 1
exc_%1:
	push %1
	jmp exc_common
%endmacro

section .text
EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR   8
EXC_NOERR 9
EXC_ERR   10
EXC_ERR   11
EXC_ERR   12
EXC_ERR   13
EXC_ERR   14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR   17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR   21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR   29
EXC_ERR   30
EXC_NOERR 31

; The register save and restore around a C handler: struct pt_regs from
; the top of the stack down, lowest address first (traps.h).
%macro SAVE_REGS 0
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
%endmacro

%macro RESTORE_REGS 0
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                         ; vector and error code
%endmacro

exc_common:
	SAVE_REGS
	mov rdi, rsp
	cld
	call do_exception
	RESTORE_REGS
	iretq

; irq_N: interrupt vector N (32..255): no error code from the CPU.
%assign i FIRST_EXTERNAL_VECTOR
%rep NR_VECTORS - FIRST_EXTERNAL_VECTOR
irq_%+i:
	push 0
	push i
	jmp irq_common
%assign i i+1
%endrep

; The C handler keeps the System V ABI's callee-saved registers itself;
; saving all of them keeps pt_regs whole for a dump. RSP is 16-byte aligned
; at the call, as the ABI wants: in 64-bit mode the CPU aligns RSP before
; its 5-word frame, and 2 + 15 words follow it (22 words, an even count).
irq_common:
	SAVE_REGS
	mov rdi, rsp
	cld
	call do_IRQ
	RESTORE_REGS
	iretq

section .rodata
align 8
global exception_stubs
exception_stubs:
%assign i 0
%rep 32
	dq exc_%+i
%assign i i+1
%endrep

; irq_entries[v - 32]: the entry point of interrupt vector v (traps.c).
global irq_entries
irq_entries:
%assign i FIRST_EXTERNAL_VECTOR
%rep NR_VECTORS - FIRST_EXTERNAL_VECTOR
	dq irq_%+i
%assign i i+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
