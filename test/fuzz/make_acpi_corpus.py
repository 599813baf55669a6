#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make_acpi_corpus.py - write the seed inputs of fuzz_acpi to test/fuzz/corpus-acpi/.

An input is a flags byte, then a physical memory image from address 0
(fuzz_acpi.c). Seeds with FIX let the harness write the checksums, so the
fuzzer's changes reach the structure behind them; one seed keeps a stale
checksum on purpose. Run it again after changing the input format:
/usr/bin/python3 test/fuzz/make_acpi_corpus.py
"""
import os
import struct
import sys

FIX, MADT_ONLY = 0x01, 0x02
HDR = 36
ENABLED, ONLINE_CAPABLE = 0x1, 0x2


def rsdp(rev, rsdt, xsdt=0):
    """An RSDP; checksums left 0 (the harness fixes them under FIX)."""
    out = b"RSD PTR " + b"\0" + b"BOCHS " + bytes([rev]) + struct.pack("<I", rsdt)
    if rev >= 2:
        out += struct.pack("<IQ", 36, xsdt) + b"\0" * 4
    return out


def table(sig, body, rev=1):
    """A table: the 36-byte header (checksum 0), then body."""
    return (sig + struct.pack("<IBB", HDR + len(body), rev, 0) + b"BOCHS "
            + b"BXPC    " + struct.pack("<I", 1) + b"BXPC"
            + struct.pack("<I", 1) + body)


def lapic(uid, apic_id, flags=ENABLED):
    return struct.pack("<BBBBI", 0, 8, uid, apic_id, flags)


def ioapic(apic_id, addr, gsi):
    return struct.pack("<BBBBII", 1, 12, apic_id, 0, addr, gsi)


def iso(source, gsi, flags):
    return struct.pack("<BBBBIH", 2, 10, 0, source, gsi, flags)


def nmi(uid, flags, lint):
    return struct.pack("<BBBHB", 4, 6, uid, flags, lint)


def lapic_addr(addr):
    return struct.pack("<BBHQ", 5, 12, 0, addr)


def x2apic(apic_id, flags, uid):
    return struct.pack("<BBHIII", 9, 16, 0, apic_id, flags, uid)


def x2apic_nmi(uid, flags, lint):
    return struct.pack("<BBHIB3x", 0xa, 12, flags, uid, lint)


def madt(entries, lapic_base=0xfee00000, flags=1):
    return table(b"APIC", struct.pack("<II", lapic_base, flags) + b"".join(entries))


def qemu_madt(cpus, possible):
    return madt([lapic(i, i, ENABLED if i < cpus else 0) for i in range(possible)]
                + [ioapic(0, 0xfec00000, 0), iso(0, 2, 0), iso(5, 5, 0xd),
                   iso(9, 9, 0xd), nmi(0xff, 0, 1)])


def image(pieces):
    """pieces: {address: bytes}; the image is zero elsewhere."""
    size = max(a + len(b) for a, b in pieces.items())
    out = bytearray(size)
    for a, b in sorted(pieces.items()):
        out[a:a + len(b)] = b
    return bytes(out)


def machine(rev, xsdt, tables):
    """RSDP at 0, root at 0x40, the tables from 0x100 on, 0x100 apart."""
    addrs = [0x100 * (i + 1) for i in range(len(tables))]
    if xsdt:
        root = table(b"XSDT", b"".join(struct.pack("<Q", a) for a in addrs))
        pieces = {0: rsdp(rev, 0, 0x40)}
    else:
        root = table(b"RSDT", b"".join(struct.pack("<I", a) for a in addrs))
        pieces = {0: rsdp(rev, 0x40)}
    pieces[0x40] = root
    for a, t in zip(addrs, tables):
        pieces[a] = t
    return image(pieces)


SEEDS = {
    "qemu-rsdt": bytes([FIX]) + machine(0, False, [
        table(b"FACP", b"\0" * 80), qemu_madt(4, 4), table(b"HPET", b"\0" * 20)]),
    "qemu-xsdt": bytes([FIX]) + machine(2, True, [
        table(b"FACP", b"\0" * 80), qemu_madt(2, 8), table(b"WAET", b"\0" * 4)]),
    "stale-checksums": bytes([0]) + machine(0, False, [qemu_madt(1, 1)]),
    "madt-every-type": bytes([MADT_ONLY]) + madt([
        lapic(0, 0), lapic(1, 1, ONLINE_CAPABLE), lapic(2, 2, 0),
        x2apic(0x100, ENABLED, 0x100), x2apic_nmi(0xffffffff, 0, 1),
        ioapic(0, 0xfec00000, 0), ioapic(1, 0xfec01000, 24),
        iso(0, 2, 0), nmi(0xff, 5, 1), lapic_addr(0xfee00000),
        struct.pack("<BB3x", 3, 5),  # an entry type the parser skips
    ]),
    "madt-bad-entries": bytes([MADT_ONLY]) + madt([
        lapic(0, 0), lapic(1, 0), lapic(2, 0xff), struct.pack("<BB", 0, 6),
        struct.pack("<BB", 0, 0)]),
    "madt-overflow": bytes([MADT_ONLY]) + madt(
        [x2apic(i, ENABLED, i) for i in range(260)]
        + [ioapic(i, 0xfec00000 + i * 0x1000, i * 24) for i in range(9)]
        + [iso(i, i, 0) for i in range(17)]),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus-acpi")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
