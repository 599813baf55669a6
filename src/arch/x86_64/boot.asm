; SPDX-License-Identifier: MIT
; boot.asm - from GRUB's multiboot2 handoff (32-bit protected mode, paging
; off) to kernel_main() running in the higher half in 64-bit long mode.
;
; The 32-bit entry reads as a table of contents:
;   serial_init32 -> check_multiboot -> parse_break_option -> check_cpuid
;   -> check_long_mode -> set_up_page_tables -> enable_paging -> far jump to
;   64-bit code
;   -> jump to the higher half -> kernel_main(magic, mbi_pa)
; Every failure prints "Pagewise: boot error: ..." on COM1 and halts; the CPU
; never triple-faults on an unsupported machine.

MB2_HEADER_MAGIC   equ 0xe85250d6   ; multiboot2 header magic
MB2_ARCH_I386      equ 0            ; "i386 protected mode" architecture
MB2_BOOT_MAGIC     equ 0x36d76289   ; what GRUB leaves in EAX
KERNEL_VMA         equ 0xffffffff80000000 ; __START_KERNEL_map
PAGE_SIZE          equ 4096

COM1               equ 0x3f8
UART_LSR           equ 5            ; line status register offset
UART_LSR_THRE      equ 0x20         ; transmit holding register empty

PTE_P              equ 1 << 0       ; present
PTE_RW             equ 1 << 1       ; writable
PTE_PS             equ 1 << 7       ; 2 MiB page in a PD entry
CR0_PG             equ 1 << 31
CR0_WP             equ 1 << 16
CR0_NW             equ 1 << 29          ; not write-through (with CD: no caching)
CR0_CD             equ 1 << 30          ; cache disable
CR4_PAE            equ 1 << 5
MSR_EFER           equ 0xc0000080
EFER_LME           equ 1 << 8       ; long mode enable
EFER_NXE           equ 1 << 11      ; no-execute enable
CPUID_EXT_LM       equ 1 << 29      ; 0x80000001 EDX: long mode
CPUID_EXT_NX       equ 1 << 20      ; 0x80000001 EDX: NX bit
EFLAGS_ID          equ 1 << 21      ; toggles iff CPUID exists

BOOT_PD_COUNT      equ 4            ; 4 page directories map 4 GiB with 2 MiB pages
PML4_IDX_PAGE_OFFSET equ 273        ; (0xffff888000000000 >> 39) & 511
PML4_IDX_KERNEL    equ 511          ; (0xffffffff80000000 >> 39) & 511
PDPT_IDX_KERNEL    equ 510          ; (0xffffffff80000000 >> 30) & 511

GDT_KERNEL_CS      equ 0x08
GDT_KERNEL_DS      equ 0x10

BOOT_STACK_SIZE    equ 16384

MB2_TAG_END        equ 0            ; multiboot2 information: the last tag
MB2_TAG_CMDLINE    equ 1            ; the command line tag: a string at +8
MB2_TAGS           equ 8            ; the first tag, after total_size, reserved
MB2_TAG_ALIGN      equ 8            ; tags start 8-byte aligned

; The magic breakpoints' points, as BREAK_* in bochs_break.h (keep in step).
BREAK_BOOT         equ 0x01
BREAK_LONGMODE     equ 0x02
BREAK_HIGHER       equ 0x04
BREAK_DIRECTMAP    equ 0x08
BREAK_SPLIT        equ 0x10
BREAK_MERGE        equ 0x20
BREAK_AP           equ 0x40
BREAK_ALL          equ 0x7f

extern kernel_main
extern bochs_break_report64

; BOCHS_BREAK name: Bochs's magic breakpoint, xchg bx, bx (with magic_break:
; enabled=1 Bochs stops in its debugger right after it; elsewhere it does
; nothing), then the label bochs_break_<name>: the instruction Bochs stops
; at, so its prompt shows "(bochs_break_<name>+0)". Armed-point code jumps
; to the label when the point is not armed.
%macro BOCHS_BREAK 1
	xchg bx, bx
global bochs_break_%1
bochs_break_%1:
%endmacro

; BOOT_BREAK64 name, bit: in 64-bit boot code, if break= armed bit, print
; the point's line (bochs_break_report64() in C, on the boot stack) and stop.
; Clobbers the registers C may clobber.
%macro BOOT_BREAK64 2
	test byte [bochs_break_mask], %2
	jz bochs_break_%1
	mov edi, %2
	mov rax, bochs_break_report64
	call rax
	BOCHS_BREAK %1
%endmacro

; ---------------------------------------------------------------------------
section .multiboot
align 8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; end tag: type 0, flags 0, size 8
	dw 0
	dw 0
	dd 8
mb2_header_end:

; ---------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top - KERNEL_VMA   ; the kernel stack, by its physical address
	mov [mb_magic], eax
	mov [mb_info_pa], ebx

	call serial_init32
	call check_multiboot
	call parse_break_option
	call check_cpuid
	call check_long_mode
	call set_up_page_tables
	call enable_paging
	lgdt [gdt64_ptr32]
	jmp GDT_KERNEL_CS:long_mode_entry

; EAX must hold the multiboot2 magic, or GRUB did not load us as multiboot2.
check_multiboot:
	cmp dword [mb_magic], MB2_BOOT_MAGIC
	jne .fail
	ret
.fail:
	mov esi, msg_no_multiboot
	jmp boot_error

; break=NAME,NAME... on the command line: set each named point's bit in
; bochs_break_mask (the C code reads it later). The command line is the
; string of the multiboot2 tag of type 1; break= counts only at the start of
; a space-separated word (quotes are not understood here), a later break=
; adds to an earlier one, and unknown names are skipped (bochs_break_setup()
; reports them once C runs). Clobbers eax, ebx, ecx, edx, esi, edi.
parse_break_option:
	mov esi, [mb_info_pa]
	add esi, MB2_TAGS
.tag:
	mov eax, [esi]                      ; tag type
	cmp eax, MB2_TAG_END
	je .done
	cmp eax, MB2_TAG_CMDLINE
	je .cmdline
	mov eax, [esi + 4]                  ; tag size, without the padding
	add eax, MB2_TAG_ALIGN - 1
	and eax, -MB2_TAG_ALIGN
	add esi, eax
	jmp .tag
.cmdline:
	add esi, 8                          ; the string
.word:                                  ; esi: at a word or at spaces
	cmp byte [esi], ' '
	jne .word_start
	inc esi
	jmp .word
.word_start:
	cmp byte [esi], 0
	je .done
	mov edi, str_break_eq
	mov ecx, str_break_eq_len
	mov edx, esi
	repe cmpsb
	je .name                            ; esi is past "break="
	mov esi, edx
.skip_word:
	cmp byte [esi], 0
	je .done
	cmp byte [esi], ' '
	je .word
	inc esi
	jmp .skip_word
.name:                                  ; a name runs from edx to , space NUL
	mov edx, esi
.name_end:
	mov al, [esi]
	cmp al, ','
	je .lookup
	cmp al, ' '
	je .lookup
	test al, al
	jz .lookup
	inc esi
	jmp .name_end
.lookup:
	mov ecx, esi
	sub ecx, edx                        ; ecx = the name's length
	mov ebx, break_names
.entry:                                 ; entries: length byte, name, bit byte
	movzx eax, byte [ebx]
	test eax, eax
	jz .next_name                       ; not in the table: skipped
	cmp eax, ecx
	jne .next_entry
	push esi
	push ecx
	mov esi, edx
	lea edi, [ebx + 1]
	repe cmpsb
	pop ecx
	pop esi
	jne .next_entry
	mov al, [ebx + 1 + ecx]
	or [bochs_break_mask - KERNEL_VMA], al
	jmp .next_name
.next_entry:
	movzx eax, byte [ebx]
	lea ebx, [ebx + eax + 2]
	jmp .entry
.next_name:
	cmp byte [esi], ','
	jne .word                           ; space or NUL: the next word
	inc esi
	jmp .name
.done:
	ret

; CPUID exists iff the ID flag in EFLAGS can be flipped.
check_cpuid:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, EFLAGS_ID
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .fail
	ret
.fail:
	mov esi, msg_no_cpuid
	jmp boot_error

; Long mode is CPUID 0x80000001 EDX bit 29; remember NX (bit 20) for EFER.
check_long_mode:
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .fail
	mov eax, 0x80000001
	cpuid
	test edx, CPUID_EXT_LM
	jz .fail
	and edx, CPUID_EXT_NX
	mov [cpu_has_nx], edx
	ret
.fail:
	mov esi, msg_no_long_mode
	jmp boot_error

; Boot page tables (all in .boot.bss, zeroed by GRUB's ELF loader):
;   PML4[0]   -> boot_pdpt_ident: identity map of 0..4 GiB (2 MiB pages),
;                so this code and GRUB's data stay reachable;
;   PML4[273] -> the same PDPT: an early direct map of 0..4 GiB at PAGE_OFFSET,
;                so C code can use __va() on the multiboot2 info at once;
;   PML4[511] -> boot_pdpt_kernel, entry 510 -> the first PD: physical
;                0..1 GiB at __START_KERNEL_map, where the kernel is linked.
; paging_init() replaces all of this; the identity part is then gone.
set_up_page_tables:
	mov edi, boot_pd
	xor ecx, ecx                        ; ecx = 2 MiB page number
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_RW | PTE_PS
	mov [edi + ecx * 8], eax
	mov dword [edi + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 512 * BOOT_PD_COUNT
	jne .fill_pd

	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, PTE_P | PTE_RW
	mov [boot_pdpt_ident + ecx * 8], eax
	inc ecx
	cmp ecx, BOOT_PD_COUNT
	jne .fill_pdpt

	mov eax, boot_pdpt_ident + (PTE_P | PTE_RW)
	mov [boot_pml4], eax
	mov [boot_pml4 + PML4_IDX_PAGE_OFFSET * 8], eax
	mov eax, boot_pdpt_kernel + (PTE_P | PTE_RW)
	mov [boot_pml4 + PML4_IDX_KERNEL * 8], eax
	mov eax, boot_pd + (PTE_P | PTE_RW)
	mov [boot_pdpt_kernel + PDPT_IDX_KERNEL * 8], eax
	ret

; PAE on, CR3 = boot PML4, EFER.LME (+NXE), then paging on: long mode is
; active (compatibility mode until the far jump loads a 64-bit CS).
; With break=boot, first print what is about to happen and stop.
enable_paging:
	test byte [bochs_break_mask - KERNEL_VMA], BREAK_BOOT
	jz bochs_break_boot
	mov esi, msg_break_boot_cr3
	call serial_puts32
	mov eax, boot_pml4
	call serial_puthex32
	mov esi, msg_break_boot_mbi
	call serial_puts32
	mov eax, [mb_info_pa]
	call serial_puthex32
	mov esi, msg_break_boot_entry
	call serial_puts32
	mov eax, long_mode_entry
	call serial_puthex32
	mov esi, msg_crlf
	call serial_puts32
	BOCHS_BREAK boot                    ; (a new local-label scope)
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	cmp dword [cpu_has_nx], 0
	je .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	and eax, ~(CR0_CD | CR0_NW)         ; caches on: a BIOS (Bochs's) may leave them off
	mov cr0, eax
	ret

; COM1 at 115200 8N1, FIFOs on; the same settings as serial.c.
serial_init32:
	mov dx, COM1 + 1
	xor al, al
	out dx, al                          ; IER: no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al                          ; LCR: DLAB on
	mov dx, COM1 + 0
	mov al, 1
	out dx, al                          ; divisor 1 = 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al                          ; LCR: 8N1, DLAB off
	mov dx, COM1 + 2
	mov al, 0xc7
	out dx, al                          ; FCR: FIFOs on and cleared
	mov dx, COM1 + 4
	mov al, 0x0b
	out dx, al                          ; MCR: DTR, RTS, OUT2
	ret

; Print the NUL-terminated string at ESI on COM1. Clobbers eax, edx, esi.
serial_puts32:
	lodsb
	test al, al
	jz .done
	call serial_putc32
	jmp serial_puts32
.done:
	ret

; Print the byte in AL on COM1, waiting for THRE first. Clobbers ah, dx.
serial_putc32:
	mov ah, al
	mov dx, COM1 + UART_LSR
.wait:
	in al, dx
	test al, UART_LSR_THRE
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	ret

; Print EAX as 0x and 8 hex digits. Clobbers eax, ecx, edx.
serial_puthex32:
	push eax
	mov al, '0'
	call serial_putc32
	mov al, 'x'
	call serial_putc32
	pop eax
	mov ecx, 8                          ; digits, the highest first
.digit:
	rol eax, 4
	push eax
	and eax, 0xf
	mov al, [hex_digits + eax]
	call serial_putc32
	pop eax
	loop .digit
	ret

; Print the message at ESI and halt for good.
boot_error:
	push esi
	mov esi, msg_error_prefix
	call serial_puts32
	pop esi
	call serial_puts32
	mov esi, msg_halt
	call serial_puts32
.halt:
	cli
	hlt
	jmp .halt

bits 64
; First 64-bit instruction; still running from the identity map, on the boot
; stack by its physical address (zero-extended here for the C calls).
global long_mode_entry
long_mode_entry:
	mov esp, esp
	BOOT_BREAK64 longmode, BREAK_LONGMODE
	mov ax, GDT_KERNEL_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	BOOT_BREAK64 higher, BREAK_HIGHER
	mov edi, [mb_magic]                 ; kernel_main's first argument
	mov esi, [mb_info_pa]               ; and its second
	mov rax, higher_half_entry
	jmp rax

; ---------------------------------------------------------------------------
section .boot.data progbits alloc noexec write
align 8
mb_magic:   dd 0
mb_info_pa: dd 0
cpu_has_nx: dd 0
gdt64_ptr32:                            ; the GDT by its physical address
	dw gdt64_end - gdt64 - 1
	dd gdt64 - KERNEL_VMA
msg_error_prefix: db "Pagewise: boot error: ", 0
msg_no_multiboot: db "not loaded by a multiboot2 boot loader (EAX is not 0x36d76289)", 0
msg_no_cpuid:     db "this CPU has no CPUID instruction", 0
msg_no_long_mode: db "this CPU has no long mode (x86_64): Pagewise needs a 64-bit CPU", 0
msg_halt:         db 13, 10, "Pagewise: halted.", 13, 10, 0
msg_break_boot_cr3:   db "bochs-break: boot: paging and long mode next: CR3 <- ", 0
msg_break_boot_mbi:   db " (boot_pml4), then PAE, EFER.LME, CR0.PG; multiboot2 info at ", 0
msg_break_boot_entry: db "; 64-bit entry long_mode_entry at ", 0
msg_crlf:         db 13, 10, 0
hex_digits:       db "0123456789abcdef"
str_break_eq:     db "break="
str_break_eq_len  equ $ - str_break_eq
; break= names: a length byte, the name, its bit; a 0 length ends the table.
; The same names as break_names[] in bochs_break.c.
break_names:
	db 4, "boot", BREAK_BOOT
	db 8, "longmode", BREAK_LONGMODE
	db 6, "higher", BREAK_HIGHER
	db 9, "directmap", BREAK_DIRECTMAP
	db 5, "split", BREAK_SPLIT
	db 5, "merge", BREAK_MERGE
	db 2, "ap", BREAK_AP
	db 3, "all", BREAK_ALL
	db 0

section .boot.bss nobits alloc noexec write
alignb PAGE_SIZE
global boot_pml4, boot_pdpt_ident, boot_pdpt_kernel, boot_pd
boot_pml4:        resb PAGE_SIZE
boot_pdpt_ident:  resb PAGE_SIZE
boot_pdpt_kernel: resb PAGE_SIZE
boot_pd:          resb PAGE_SIZE * BOOT_PD_COUNT

; ---------------------------------------------------------------------------
section .text
; Now at our linked address. Reload the GDT by its higher-half address so it
; survives the end of the identity map, switch to the kernel stack, call C.
global higher_half_entry
higher_half_entry:
	lgdt [rel gdt64_ptr]
	mov rsp, boot_stack_top
	xor ebp, ebp
	call kernel_main
.hang:
	cli
	hlt
	jmp .hang

section .data
; The GDT: null, 64-bit kernel code, kernel data, and a 16-byte slot for the
; TSS descriptor, which tss_init() (tss.c) fills in and loads. Accessed bits
; are preset so the CPU never has to write to the code and data entries.
align 16
global gdt64
gdt64:
	dq 0
	dq 0x00af9b000000ffff               ; 0x08: code, present, DPL 0, L=1
	dq 0x00cf93000000ffff               ; 0x10: data, present, writable
	dq 0, 0                             ; 0x18: TSS (GDT_TSS in tss.c)
gdt64_end:
gdt64_ptr:
	dw gdt64_end - gdt64 - 1
	dq gdt64
; The armed magic breakpoints (BREAK_*, bochs_break.h), from break=; set by
; parse_break_option through its physical address, before paging is on.
align 4
global bochs_break_mask
bochs_break_mask: dd 0

section .bss
; The one kernel stack, with a guard page below it that paging_init() leaves
; unmapped: a stack overflow then faults on the guard page (and, as the CPU
; cannot push the page fault's frame there either, becomes a double fault on
; its own IST stack) instead of silently overwriting the .bss below.
alignb PAGE_SIZE
global boot_stack_guard, boot_stack, boot_stack_top
boot_stack_guard: resb PAGE_SIZE
boot_stack:     resb BOOT_STACK_SIZE
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
