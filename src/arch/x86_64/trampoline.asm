; SPDX-License-Identifier: MIT
; trampoline.asm - where an application processor (AP) starts: the startup
; IPI (SIPI) wakes it in 16-bit real mode at CS:IP = (vector << 8):0000,
; that is at physical address vector * 4096. smpboot.c copies the bytes from
; trampoline_start to trampoline_end to a page below 1 MiB and fills in the
; header (tr_*) before each AP; the AP then goes, as Linux's
; arch/x86/realmode/rm/trampoline_64.S does it in several steps, in one:
;   real mode -> CR4.PAE, CR3 = the trampoline PML4 (below 1 MiB), EFER.LME
;   (+NXE), CR0.PG|PE -> far jump to 64-bit code (still in the low page,
;   identity-mapped) -> check it is the CPU the header is for -> jump to the
;   kernel's higher half (ap_higher_half, .text) -> CR3 = the kernel's PML4,
;   RSP = the AP's own stack -> start_secondary(cpu) (smpboot.c).
;
; The code runs from wherever it was copied: 16-bit code addresses the page
; through DS = CS, with offsets from trampoline_start (T()); 64-bit code
; uses RIP-relative addresses, which the copy keeps.

MSR_EFER     equ 0xc0000080
CR4_PAE      equ 1 << 5
; CR0 as the AP starts 64-bit code: PE, MP, ET, NE, WP, AM, PG; CD and NW
; (set by INIT) cleared, so the caches work (Linux's CR0_STATE).
CR0_STATE    equ 0x80050033
TR_CODE64    equ 0x08                   ; tr_gdt's 64-bit code selector
TR_DATA      equ 0x10

%define T(x) ((x) - trampoline_start)

extern start_secondary

section .rodata
align 16
global trampoline_start, trampoline_end
global trampoline_header
trampoline_start:
bits 16
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx esi, ax
	shl esi, 4                          ; esi = the page's physical address
	; The GDT's and the 64-bit entry's linear addresses, from where we run.
	lea eax, [esi + T(tr_gdt)]
	mov [T(tr_gdtr) + 2], eax
	lea eax, [esi + T(tr_long_mode)]
	mov [T(tr_jmp64)], eax

	mov eax, [T(tr_cr4)]
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [T(tr_cr3)]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [T(tr_efer)]
	wrmsr
	o32 lgdt [T(tr_gdtr)]
	mov eax, CR0_STATE
	mov cr0, eax                        ; paging and long mode on
	jmp far dword [T(tr_jmp64)]        ; CS = TR_CODE64: 64-bit code

bits 64
tr_long_mode:
	mov eax, TR_DATA
	mov ds, eax
	mov es, eax
	mov ss, eax
	xor eax, eax
	mov fs, eax
	mov gs, eax
	; A CPU that wakes after CPU 0 gave up on it may find the header
	; already filled in for the next CPU: it must not take that CPU's
	; stack. The header names the APIC id it is for (CPUID leaf 1,
	; EBX[31:24], the low 8 bits of the id); any other CPU halts here.
	mov eax, 1
	cpuid
	shr ebx, 24
	cmp bl, [rel tr_apic_id]
	jne .not_mine
	mov rsp, [rel tr_stack]
	mov rdi, [rel tr_cpu]
	mov rbx, [rel tr_kernel_cr3]
	mov rax, ap_higher_half
	jmp rax
.not_mine:
	cli
	hlt
	jmp .not_mine

; The header, filled by smpboot.c (struct trampoline_header, same order).
align 8
trampoline_header:
tr_cr3:        dd 0                     ; the trampoline PML4 (physical, < 1 MiB)
tr_cr4:        dd 0                     ; CR4 bits to set (PAE is added)
tr_efer:       dd 0                     ; EFER bits to set: LME, NXE
tr_apic_id:    dd 0                     ; the APIC id of the CPU it is for
tr_kernel_cr3: dq 0                     ; the kernel's PML4 (physical)
tr_stack:      dq 0                     ; the AP's initial RSP
tr_cpu:        dq 0                     ; its logical number
align 8
tr_gdt:                                 ; a GDT of its own, in the low page
	dq 0
	dq 0x00af9b000000ffff               ; 0x08: 64-bit code, DPL 0
	dq 0x00cf93000000ffff               ; 0x10: data, writable
tr_gdt_end:
tr_gdtr:
	dw tr_gdt_end - tr_gdt - 1
	dd 0                                ; linear base: set by the 16-bit code
tr_jmp64:
	dd 0                                ; linear offset: set by the 16-bit code
	dw TR_CODE64
trampoline_end:

section .text
bits 64
; In the kernel's higher half, still on the trampoline's tables (which share
; the kernel's higher-half PML4 entries): the kernel's own tables, the AP's
; stack, then C. RBX = kernel CR3, RSP = stack top, RDI = cpu.
ap_higher_half:
	mov cr3, rbx
	xor ebp, ebp                        ; the Call Trace ends here
	call start_secondary
.hang:
	cli
	hlt
	jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
