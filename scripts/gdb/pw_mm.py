# pw_mm.py - pw-buddyinfo, pw-freelist, pw-page and pw-memmap: the zones, their
# buddy free lists, mem_map's struct pages and the firmware memory map, read
# from contig_page_data, mem_map and boot_params (src/mm/mmzone.h,
# mm_types.h, src/arch/x86_64/multiboot2.h). Formats as the kernel prints.

import gdb

from pw_common import DIRECT_MAP_SIZE, MAX_DMA32_PFN, MAX_DMA_PFN, PAGE_OFFSET, PAGE_SHIFT, PAGE_SIZE, hx, number, var

# mb2_mmap_type_name() in multiboot2.c, for the MB2_MEMORY_* types.
MMAP_TYPE_NAMES = {1: "usable", 2: "reserved", 3: "ACPI data", 4: "ACPI NVS", 5: "unusable"}


def zones():
    """contig_page_data.node_zones[], every zone, lowest first."""
    node_zones = var("contig_page_data")["node_zones"]
    first, last = node_zones.type.range()
    return [node_zones[i] for i in range(first, last + 1)]


def populated_zones():
    """The zones with pages for the buddy allocator (populated_zone());
    gdb.GdbError when there is none yet."""
    populated = [z for z in zones() if int(z["managed_pages"]) != 0]
    if not populated:
        raise gdb.GdbError("no populated zone yet (mm_core_init() has not run)")
    return populated


def nr_page_orders():
    """NR_PAGE_ORDERS, from the length of struct zone's free_area[]."""
    first, last = gdb.lookup_type("struct zone")["free_area"].type.range()
    return last - first + 1


def page_type():
    return gdb.lookup_type("struct page")


def mem_map():
    """mem_map's address; gdb.GdbError while mm_core_init() has not set it."""
    addr = int(var("mem_map"))
    if not addr:
        raise gdb.GdbError("mem_map is not set up yet (mm_core_init() has not run)")
    return addr


def page_at(pfn):
    """mem_map[pfn] as a gdb.Value of struct page."""
    return var("mem_map")[pfn]


def page_to_pfn(page_addr):
    return (page_addr - mem_map()) // page_type().sizeof


def free_list_pfns(zone, order):
    """The pfns of the blocks on zone's free_area[order], in list order,
    walking page->lru from the list head. Stops (with an error) after
    nr_free + 1 entries, so a broken list cannot loop for ever."""
    area = zone["free_area"][order]
    head = area["free_list"].address
    lru_offset = page_type()["lru"].bitpos // 8
    nr_free = int(area["nr_free"])
    pfns = []
    entry = area["free_list"]["next"]
    while int(entry) != int(head):
        if len(pfns) > nr_free:
            raise gdb.GdbError(f"free_area[{order}] of zone {zone['name'].string()}: "
                               f"more than nr_free {nr_free} entries on the list")
        pfns.append(page_to_pfn(int(entry) - lru_offset))
        entry = entry["next"]
    return pfns


class PwBuddyinfo(gdb.Command):
    """The free blocks of each order, per populated zone, as /proc/buddyinfo.

Usage: pw-buddyinfo
One line per populated zone: "Node 0, zone    DMA32" and the nr_free of
free_area[0] .. free_area[MAX_PAGE_ORDER] (blocks, not pages), as the
kernel's show_buddyinfo() and the monitor's buddyinfo print them."""

    def __init__(self):
        super().__init__("pw-buddyinfo", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        for zone in populated_zones():
            counts = "".join("%6d " % int(zone["free_area"][o]["nr_free"]) for o in range(nr_page_orders()))
            gdb.write("Node 0, zone %8s %s\n" % (zone["name"].string(), counts))


class PwFreelist(gdb.Command):
    """The blocks on one buddy free list: pfns and physical range.

Usage: pw-freelist ORDER [ZONE]
ORDER: 0 .. MAX_PAGE_ORDER. ZONE: DMA, DMA32 or Normal (any case); without
it, every populated zone. Lists every block of free_area[ORDER], in list
order (the next allocation takes the first), in the format of the monitor's
free_area command (which stops after a few)."""

    def __init__(self):
        super().__init__("pw-freelist", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if not argv or len(argv) > 2:
            raise gdb.GdbError("usage: pw-freelist ORDER [ZONE]")
        order = number(argv[0], "pw-freelist")
        if order >= nr_page_orders():
            raise gdb.GdbError(f"pw-freelist: order {order} is above MAX_PAGE_ORDER ({nr_page_orders() - 1})")
        chosen = populated_zones()
        if len(argv) == 2:
            chosen = [z for z in zones() if z["name"].string().lower() == argv[1].lower()]
            if not chosen:
                names = ", ".join(z["name"].string() for z in zones())
                raise gdb.GdbError(f"pw-freelist: no zone {argv[1]} (zones: {names})")
        for zone in chosen:
            nr_free = int(zone["free_area"][order]["nr_free"])
            gdb.write(f"free_area: zone {zone['name'].string()} order {order} nr_free {nr_free}\n")
            for pfn in free_list_pfns(zone, order):
                end = pfn + (1 << order)
                gdb.write(f"  pfn {hx(pfn)}-{hx(end - 1)} "
                          f"[mem {hx(pfn << PAGE_SHIFT, 18)}-{hx((end << PAGE_SHIFT) - 1, 18)}]\n")


def page_block_head(pfn):
    """The pfn of the first page of the free or allocated block holding pfn,
    or None (a reserved page, or no block found). As vmstat.c's
    page_block_head()."""
    flags = int(page_at(pfn)["flags"])
    if flags & (1 << pageflag("PG_reserved")):
        return None
    block_flags = (1 << pageflag("PG_buddy")) | (1 << pageflag("PG_head"))
    for order in range(nr_page_orders()):
        head = page_at(pfn & ~((1 << order) - 1))
        if int(head["flags"]) & block_flags and int(head["private"]) == order:
            return pfn & ~((1 << order) - 1)
    return None


def pageflag(name):
    """The bit number of PG_<name> in enum pageflags (from the debug info)."""
    return int(gdb.parse_and_eval(name))


def page_flag_names(flags):
    """The set flags by name, "|"-separated, as vmstat.c's page_flag_names()."""
    fields = gdb.lookup_type("enum pageflags").fields()
    nr = next(f.enumval for f in fields if f.name == "NR_PAGEFLAGS")
    names = [f.name[len("PG_"):] for f in sorted(fields, key=lambda f: f.enumval)
             if f.enumval < nr and flags & (1 << f.enumval)]
    if flags >> nr:
        names.append("unknown:" + hx(flags >> nr << nr))
    return "|".join(names)


def zone_name_of(pfn):
    """page_zone()'s name: the zone from the pfn limits (pfn_zonenum())."""
    index = 0 if pfn < MAX_DMA_PFN else 1 if pfn < MAX_DMA32_PFN else 2
    return zones()[index]["name"].string()


class PwPage(gdb.Command):
    """A decoded struct page, as the kernel's dump_page() prints it.

Usage: pw-page PFN|ADDR
A direct-map address (from 0xffff888000000000) means its page; a value
below max_pfn is a pfn; anything else is a physical address. Prints the
monitor's page command output: dump_page()'s "page:... pfn:... phys:...
refcount:N order:N zone:NAME" and "flags: 0x..(names)", the block holding
the page, and the block's buddy."""

    def __init__(self):
        super().__init__("pw-page", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        v = number(arg.strip(), "pw-page")
        max_pfn = int(var("max_pfn"))
        if PAGE_OFFSET <= v < PAGE_OFFSET + DIRECT_MAP_SIZE:
            pfn = (v - PAGE_OFFSET) >> PAGE_SHIFT
        elif v < max_pfn:
            pfn = v
        else:
            pfn = v >> PAGE_SHIFT
        if pfn >= max_pfn:
            raise gdb.GdbError(f"page: {hx(v)} is beyond mem_map (pfn {hx(pfn)}, max_pfn {hx(max_pfn)})")
        page = page_at(pfn)
        flags, private = int(page["flags"]), int(page["private"])
        head = page_block_head(pfn)
        gdb.write(f"page:{hx(mem_map() + pfn * page_type().sizeof, 18)} pfn:{hx(pfn)} "
                  f"phys:{hx(pfn << PAGE_SHIFT)} refcount:{int(page['_refcount'])} "
                  f"order:{private} zone:{zone_name_of(pfn)}\n")
        gdb.write(f"flags: {hx(flags)}({page_flag_names(flags)})\n")
        if head is None:
            gdb.write("buddy: none (reserved page)\n")
            return
        head_page = page_at(head)
        order = int(head_page["private"])
        if head != pfn:
            kind = "free" if int(head_page["flags"]) & (1 << pageflag("PG_buddy")) else "allocated"
            gdb.write(f"page is inside the {kind} block at pfn {hx(head)} of order {order}\n")
        gdb.write(f"buddy: pfn {hx(head ^ (1 << order))} (of the order-{order} block at pfn {hx(head)})\n")


class PwMemmap(gdb.Command):
    """The firmware memory map the kernel kept, and where the kernel sits.

Usage: pw-memmap
boot_params.mmap[0 .. nr_mmap - 1] in firmware order, as the boot log's
"mmap:" lines (mb2_print_mmap()); then the kernel image's pfns (reserved)
and mem_map's place, as the boot log's "mm: mem_map at" line."""

    def __init__(self):
        super().__init__("pw-memmap", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        bp = var("boot_params")
        nr = int(bp["nr_mmap"])
        basic = " basic meminfo" if bool(bp["mmap_from_basic_meminfo"]) else ""
        gdb.write(f"Firmware memory map (multiboot2{basic}, {nr} entries):\n")
        for i in range(nr):
            m = bp["mmap"][i]
            addr, length, kind = int(m["addr"]), int(m["len"]), int(m["type"])
            if not length:
                gdb.write(f"mmap: [mem {hx(addr, 18)}, empty] type {kind}: zero length, ignored\n")
                continue
            name = MMAP_TYPE_NAMES.get(kind, f"type {kind}")
            gdb.write(f"mmap: [mem {hx(addr, 18)}-{hx(addr + length - 1, 18)}] {name}\n")
        start, end = int(var("kernel_image_start_pfn")), int(var("kernel_image_end_pfn"))
        gdb.write(f"kernel image: pfn {hx(start)}-{hx(end - 1)} "
                  f"[mem {hx(start << PAGE_SHIFT, 18)}-{hx((end << PAGE_SHIFT) - 1, 18)}] (reserved)\n")
        max_pfn = int(var("max_pfn"))
        size = (max_pfn * page_type().sizeof + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        pa = mem_map() - PAGE_OFFSET
        gdb.write(f"mm: mem_map at [mem {hx(pa, 18)}-{hx(pa + size - 1, 18)}]: "
                  f"{max_pfn} pages x {page_type().sizeof} bytes\n")


PwBuddyinfo()
PwFreelist()
PwPage()
PwMemmap()
