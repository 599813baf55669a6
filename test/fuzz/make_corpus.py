#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make_corpus.py - write the seed inputs of fuzz_buddy to test/fuzz/corpus/.

Each seed is a machine (the header decode_machine() in fuzz_buddy.c reads)
followed by calls (run_op()). One seed per theme, so libFuzzer starts with
every kind of call already reached. Run it again after changing the input
format: /usr/bin/python3 test/fuzz/make_corpus.py
"""
import os
import struct
import sys

# Bits of the first byte (CFG_* in fuzz_buddy.c).
POISON, VERIFY, LOW_RESERVE, KERNEL_IMAGE, PANIC, UNALIGNED = (
    0x01, 0x02, 0x04, 0x08, 0x40, 0x80)
NR_RAM_SHIFT = 4
MAX_RANGE_PAGES = 1024
# A hole byte with NEAR_DMA | k starts the range 4 * k pages below 16 MiB.
NEAR_DMA = 0x80

# Calls: the op byte is op + NR_OPS * variant; variant 1 uses free_pages()
# (an address) where the op frees, variant 0 __free_pages() (a struct page).
(ALLOC_PAGES, GET_FREE_PAGES, GET_ZEROED_PAGE, FREE, FREE_WRONG_ORDER,
 DOUBLE_FREE, FREE_INSIDE_FREE, FREE_MISALIGNED, FREE_MIDDLE, FREE_RESERVED,
 FREE_OUTSIDE, FREE_BAD_ADDR, FREE_NULL, FREE_ANY, USE_AFTER_FREE,
 NR_OPS) = range(16)

# gfp byte bits (decode_gfp()): ZERO, NOWARN, KERNEL, ATOMIC, HIGH, IO, FS,
# and 0x80 = a second byte follows: DMA, DMA32, MEMALLOC, and 0x80 = add an
# unknown bit chosen by a third byte.
G_ZERO, G_NOWARN, G_KERNEL, G_ATOMIC, G_MORE = 0x01, 0x02, 0x04, 0x08, 0x80
X_DMA, X_DMA32, X_MEMALLOC, X_UNKNOWN = 0x01, 0x02, 0x04, 0x80


def machine(cfg, ram, reserved=(0, 0, 0), low=None):
    """ram: (gap pages, pages[, head bytes/16, tail bytes/16]) per range;
    reserved: (start page, pages[, offset bytes/16]); low: pages - 1."""
    assert 1 <= len(ram) <= 4
    out = bytes([cfg | (len(ram) - 1) << NR_RAM_SHIFT])
    for r in ram:
        out += bytes([r[0]]) + struct.pack("<H", MAX_RANGE_PAGES - r[1])
        if cfg & UNALIGNED:
            out += bytes([r[2], r[3]])
    out += struct.pack("<H", reserved[0]) + bytes([reserved[1]])
    if cfg & UNALIGNED:
        out += bytes([reserved[2]])
    if cfg & LOW_RESERVE:
        out += bytes([low])
    return out


def op(code, *args, by_addr=False):
    return bytes([code + (NR_OPS if by_addr else 0)]) + bytes(args)


def gfp_bytes(gfp, more=0, unknown=None):
    """The gfp bytes: @more (X_*) adds the second byte, @unknown the third."""
    if unknown is not None:
        more |= X_UNKNOWN
    if not more:
        return (gfp,)
    return (gfp | G_MORE, more) + ((unknown,) if more & X_UNKNOWN else ())


def alloc(gfp, order, more=0, unknown=None, kind=ALLOC_PAGES):
    if kind == GET_ZEROED_PAGE:
        return op(kind, *gfp_bytes(gfp, more, unknown))
    return op(kind, *gfp_bytes(gfp, more, unknown), order)


def free(index, by_addr=False):
    return op(FREE, index & 0xff, index >> 8, by_addr=by_addr)


SEEDS = {
    # One 4 MiB range: allocate orders 0..10, free them by both APIs.
    "alloc-free": machine(0, [(0, 1024)])
    + b"".join(alloc(0, o) for o in range(11))
    + b"".join(free(0, by_addr=i & 1) for i in range(11)),
    # Four ranges with holes and ragged ends, firmware range, low pages,
    # kernel image: allocations land around the holes.
    "holes": machine(UNALIGNED | LOW_RESERVE | KERNEL_IMAGE,
                     [(0, 200, 1, 2), (5, 300, 0, 255), (63, 17, 128, 0),
                      (1, 500, 3, 3)], reserved=(300, 20, 7), low=15)
    + b"".join(alloc(G_KERNEL, o, kind=GET_FREE_PAGES) for o in (3, 0, 7, 1))
    + free(2) + free(1, by_addr=True) + alloc(G_ZERO, 6),
    # Every kind of bad free once, between good calls.
    "bad-frees": machine(0, [(2, 512), (9, 256)], reserved=(100, 4))
    + alloc(0, 3) + alloc(0, 0) + alloc(0, 5) + free(1)
    + op(FREE_WRONG_ORDER, 0, 0, 0x80) + op(FREE_WRONG_ORDER, 0, 0, 0x01)
    + op(DOUBLE_FREE, 1, 0) + op(DOUBLE_FREE, 2, 0, by_addr=True)
    + op(FREE_INSIDE_FREE, 5, 0, 0)
    + op(FREE_MISALIGNED, 0, 3, 0)
    + op(FREE_MIDDLE, 2, 0, 1) + op(FREE_MIDDLE, 9, 0, 0, by_addr=True)
    + op(FREE_RESERVED, 0, 0, 2) + op(FREE_RESERVED, 40, 0, 0, by_addr=True)
    + b"".join(op(FREE_OUTSIDE, how, 3, 0) for how in range(4))
    + op(FREE_OUTSIDE, 4, 0, 0, *b"\x00\x10\x00\x00\x00\x80\xff\xff")
    + b"".join(op(FREE_BAD_ADDR, how, 5, 0, 1) for how in range(4))
    + op(FREE_BAD_ADDR, 4, 0, 0, 0, *b"\x00\x00\x00\x00\x00\x88\xff\xff")
    + op(FREE_BAD_ADDR, 5, 0, 0, 0)
    + op(FREE_NULL, 0) + op(FREE_NULL, 0, by_addr=True)
    + op(FREE_ANY, 0x30, 0x02, 1) + op(FREE_ANY, 0x10, 0x00, 0xff),
    # gfp and order: unknown bits, orders past MAX (with and without
    # NOWARN), zeroed pages, then allocate until the memory runs out.
    "gfp-orders": machine(0, [(0, 96)])
    + alloc(0, 0, unknown=0) + alloc(G_NOWARN, 2, unknown=31)
    + alloc(0, 11) + alloc(G_NOWARN, 11) + alloc(0, 0xff) + alloc(0, 0xfb)
    + op(GET_ZEROED_PAGE, G_ATOMIC)
    + alloc(0, 0, unknown=9, kind=GET_ZEROED_PAGE)
    + alloc(G_ZERO, 4) + alloc(G_ZERO | G_KERNEL, 2, kind=GET_FREE_PAGES)
    + alloc(0, 6) + alloc(G_NOWARN, 6) + alloc(0, 5) + alloc(0, 4)
    + free(0) + free(0),
    # page_poison=1 and mm_debug=verify while blocks split and merge.
    "poison-verify": machine(POISON | VERIFY, [(3, 128), (0, 64)])
    + alloc(0, 2) + alloc(G_ZERO, 0) + alloc(0, 4) + free(1)
    + alloc(0, 1) + free(0, by_addr=True) + free(1)
    + op(DOUBLE_FREE, 1, 0),
    # page_poison=1: writes to free pages, reported when they are allocated.
    "use-after-free": machine(POISON, [(0, 32)])
    + alloc(0, 0) + free(0) + op(USE_AFTER_FREE, 30, 0, 0x10, 0, 0x42)
    + alloc(0, 0) + op(USE_AFTER_FREE, 16, 0, 0xff, 0x0f, 0)
    + alloc(G_ZERO, 3) + alloc(0, 2),
    # mm_debug=panic: each bad call must panic after its report.
    "panic": machine(PANIC, [(0, 64)])
    + alloc(0, 1) + op(FREE_WRONG_ORDER, 0, 0, 0x80) + op(FREE_NULL, 1)
    + op(FREE_MIDDLE, 0, 0, 0) + alloc(0, 0, unknown=12)
    + alloc(G_KERNEL, 0, more=X_DMA | X_DMA32),
    # Two zones: 4 MiB from 0 (DMA), 4 MiB across 16 MiB (DMA, DMA32). The
    # zone modifiers at every order, both together (refused), then GFP_DMA
    # until ZONE_DMA runs out while DMA32 still has blocks.
    "zones": machine(0, [(0, 1024), (NEAR_DMA | 64, 1024)])
    + b"".join(alloc(G_KERNEL, o, more=X_DMA) for o in range(11))
    + b"".join(alloc(G_ATOMIC, o, more=X_DMA32, kind=GET_FREE_PAGES)
               for o in range(11))
    + alloc(G_KERNEL, 10) + alloc(G_KERNEL | G_NOWARN, 10)
    + alloc(G_KERNEL, 0, more=X_DMA | X_DMA32)
    + alloc(G_NOWARN, 3, more=X_DMA | X_DMA32 | X_MEMALLOC)
    + alloc(G_ZERO, 0, more=X_DMA32, kind=GET_ZEROED_PAGE)
    + b"".join(alloc(G_KERNEL, 8, more=X_DMA | X_MEMALLOC)
               for _ in range(24))
    + alloc(G_KERNEL | G_NOWARN, 0, more=X_DMA) + alloc(G_KERNEL, 0,
                                                        more=X_DMA32)
    + free(3) + free(5, by_addr=True) + alloc(G_KERNEL, 7, more=X_DMA),
    # Three ranges, the last across 16 MiB from a page below it.
    "zone-line": machine(UNALIGNED, [(1, 700, 0, 9), (0, 300, 2, 0),
                                     (NEAR_DMA | 1, 900, 0, 0)])
    + b"".join(alloc(G_KERNEL, o) for o in (0, 1, 2, 9, 10, 0))
    + alloc(G_KERNEL, 2, more=X_DMA32) + alloc(G_KERNEL, 2, more=X_DMA)
    + free(0) + free(1),
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out_dir}")


if __name__ == "__main__":
    main()
