# pw_mm.py - pw-buddyinfo, pw-freelist, pw-page and pw-memmap: the zones, their
# buddy free lists and per-CPU lists, mem_map's struct pages and the firmware
# memory map, read from contig_page_data, mem_map, memblock and boot_params
# (src/mm/mmzone.h, mm_types.h, memblock.h, src/arch/x86_64/multiboot2.h).
# Formats as the kernel prints.

import gdb

from pw_common import (DIRECT_MAP_SIZE, MAX_DMA32_PFN, MAX_DMA_PFN, PAGE_OFFSET, PAGE_SHIFT, PAGE_SIZE, SHARED, hx, number,
                       say_cpu, var)
from pw_walk import table_pfns

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


def list_pfns(head, nr, what):
    """The pfns of the pages on the list_head @head (a gdb.Value), linked
    via page->lru, in list order. Stops (with an error naming @what) after
    @nr + 1 entries, @nr being the list's own counter, so a broken list
    cannot loop for ever."""
    lru_offset = page_type()["lru"].bitpos // 8
    pfns = []
    entry = head["next"]
    while int(entry) != int(head.address):
        if len(pfns) > nr:
            raise gdb.GdbError(f"{what}: more than its counter's {nr} entries on the list")
        pfns.append(page_to_pfn(int(entry) - lru_offset))
        entry = entry["next"]
    return pfns


def free_list_pfns(zone, order):
    """The pfns of the blocks on zone's free_area[order], in list order
    (the next allocation takes the first)."""
    area = zone["free_area"][order]
    return list_pfns(area["free_list"], int(area["nr_free"]),
                     f"free_area[{order}] of zone {zone['name'].string()}")


def pagesets(zone):
    """zone's per_cpu_pageset[] of the possible CPUs (0 .. nr_cpu_ids - 1,
    as mmzone.h's for_each_pcp()), one struct per_cpu_pages each; the array
    has NR_CPUS entries, and those past nr_cpu_ids are never used."""
    pcp = zone["per_cpu_pageset"]
    return [pcp[cpu] for cpu in range(int(var("nr_cpu_ids")))]


def pcp_list_pfns(zone, cpu=0):
    """The pfns on zone's per-CPU list of @cpu, hottest first (the next
    order-0 allocation takes the first)."""
    pcp = pagesets(zone)[cpu]
    return list_pfns(pcp["list"], int(pcp["count"]), f"the per-CPU list of zone {zone['name'].string()}, cpu {cpu}")


def block_line(pfn, order):
    """One block of a list as the monitor's free_area and pcp print it."""
    end = pfn + (1 << order)
    return f"  pfn {hx(pfn)}-{hx(end - 1)} [mem {hx(pfn << PAGE_SHIFT, 18)}-{hx((end << PAGE_SHIFT) - 1, 18)}]\n"


class PwBuddyinfo(gdb.Command):
    """The free blocks of each order, per populated zone, as /proc/buddyinfo.

Usage: pw-buddyinfo
One line per populated zone: "Node 0, zone    DMA32" and the nr_free of
free_area[0] .. free_area[MAX_PAGE_ORDER] (blocks, not pages); then one
"free_pcp: DMA 0, DMA32 N (...)" line: each populated zone's free order-0
pages on its per-CPU lists, in no count above, so the lines add up to
MemFree. As the kernel's show_buddyinfo() and the monitor's buddyinfo
print them; pw-freelist pcp shows the lists themselves. A first line names
the selected CPU (gdb thread) and says that all this is shared memory, the
same from every CPU."""

    def __init__(self):
        super().__init__("pw-buddyinfo", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        zones_now = populated_zones()
        say_cpu(SHARED + "; free_pcp adds up every CPU's per-CPU lists")
        for zone in zones_now:
            counts = "".join("%6d " % int(zone["free_area"][o]["nr_free"]) for o in range(nr_page_orders()))
            gdb.write("Node 0, zone %8s %s\n" % (zone["name"].string(), counts))
        pcp = ", ".join(f"{zone['name'].string()} {sum(int(p['count']) for p in pagesets(zone))}"
                        for zone in populated_zones())
        gdb.write(f"free_pcp: {pcp} (free order-0 pages on the per-CPU lists, in no count above; "
                  "the monitor's pcp shows the lists)\n")


class PwFreelist(gdb.Command):
    """The blocks on one buddy free list, or a per-CPU list: pfns and range.

Usage: pw-freelist ORDER|pcp [ZONE]
ORDER: 0 .. MAX_PAGE_ORDER. ZONE: DMA, DMA32 or Normal (any case); without
it, every populated zone. Lists every block of free_area[ORDER], in list
order (the next allocation takes the first), in the format of the monitor's
free_area command (which stops after a few). With pcp: each CPU's list of
free order-0 pages (per_cpu_pageset[cpu].list, hottest first, for each
possible CPU), in the format of the monitor's pcp command (which stops
after 16). A first line names the selected CPU (gdb thread); the lists,
every CPU's included, are shared memory, the same from every CPU."""

    def __init__(self):
        super().__init__("pw-freelist", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if not argv or len(argv) > 2:
            raise gdb.GdbError("usage: pw-freelist ORDER|pcp [ZONE]")
        pcp = argv[0].lower() == "pcp"
        order = 0 if pcp else number(argv[0], "pw-freelist")
        if order >= nr_page_orders():
            raise gdb.GdbError(f"pw-freelist: order {order} is above MAX_PAGE_ORDER ({nr_page_orders() - 1})")
        chosen = populated_zones()
        say_cpu(SHARED + (": every CPU's per-CPU list below" if pcp else ""))
        if len(argv) == 2:
            chosen = [z for z in zones() if z["name"].string().lower() == argv[1].lower()]
            if not chosen:
                names = ", ".join(z["name"].string() for z in zones())
                raise gdb.GdbError(f"pw-freelist: no zone {argv[1]} (zones: {names})")
        for zone in chosen:
            name = zone["name"].string()
            if pcp:
                for cpu, pageset in enumerate(pagesets(zone)):
                    gdb.write(f"pcp: zone {name} cpu {cpu}: count {int(pageset['count'])} "
                              f"high {int(pageset['high'])} batch {int(pageset['batch'])}\n")
                    for pfn in pcp_list_pfns(zone, cpu):
                        gdb.write(block_line(pfn, 0))
                continue
            nr_free = int(zone["free_area"][order]["nr_free"])
            gdb.write(f"free_area: zone {name} order {order} nr_free {nr_free}\n")
            for pfn in free_list_pfns(zone, order):
                gdb.write(block_line(pfn, order))


def page_block_head(pfn):
    """The pfn of the first page of the free or allocated block holding pfn
    (a page on a per-CPU list is a block of its own), or None (a reserved
    page, or no block found). As debug.c's page_block_head()."""
    flags = int(page_at(pfn)["flags"])
    if flags & (1 << pageflag("PG_reserved")):
        return None
    block_flags = (1 << pageflag("PG_buddy")) | (1 << pageflag("PG_head")) | (1 << pageflag("PG_pcp"))
    for order in range(nr_page_orders()):
        head = page_at(pfn & ~((1 << order) - 1))
        if int(head["flags"]) & block_flags and int(head["private"]) == order:
            return pfn & ~((1 << order) - 1)
    return None


def pageflag(name):
    """The bit number of PG_<name> in enum pageflags (from the debug info)."""
    return int(gdb.parse_and_eval(name))


def page_flag_names(flags):
    """The set flags by name, "|"-separated, as debug.c's page_flag_names()."""
    fields = gdb.lookup_type("enum pageflags").fields()
    nr = next(f.enumval for f in fields if f.name == "NR_PAGEFLAGS")
    names = [f.name[len("PG_"):] for f in sorted(fields, key=lambda f: f.enumval)
             if f.enumval < nr and flags & (1 << f.enumval)]
    if flags >> nr:
        names.append("unknown:" + hx(flags >> nr << nr))
    return "|".join(names)


def pfn_is_ram(pfn):
    """Is the whole page pfn in memblock.memory (usable RAM)?"""
    memory = var("memblock")["memory"]
    for i in range(int(memory["cnt"])):
        base, size = int(memory["regions"][i]["base"]), int(memory["regions"][i]["size"])
        if -(-base // PAGE_SIZE) <= pfn < (base + size) // PAGE_SIZE:
            return True
    return False


# Why a reserved page is in no block, by its pfnmap code: the monitor's page
# (src/monitor/views.c).
RESERVED_WHY = {"H": "not RAM", "R": "RAM memblock reserved at boot", "K": "the kernel image", "M": "mem_map",
                "T": "a page table"}


def pfn_kind(pfn):
    """pfn's pfnmap code without the order, as src/monitor/views.c's pfn_kind(): what
    mem_map says ("P" on a per-CPU list, "F" free, "A" allocated, "R" for a
    page in no block that is not reserved either), then why a reserved page
    is: "M" mem_map, "K" kernel image, "T" a page table, "R" other RAM, "H"
    not RAM."""
    if not int(page_at(pfn)["flags"]) & (1 << pageflag("PG_reserved")):
        head = page_block_head(pfn)
        if head is None:
            return "R"
        flags = int(page_at(head)["flags"])
        if flags & (1 << pageflag("PG_pcp")):
            return "P"
        return "F" if flags & (1 << pageflag("PG_buddy")) else "A"
    map_pa = mem_map() - PAGE_OFFSET
    map_end = map_pa + int(var("max_pfn")) * page_type().sizeof
    if map_pa >> PAGE_SHIFT <= pfn < -(-map_end // PAGE_SIZE):
        return "M"
    if int(var("kernel_image_start_pfn")) <= pfn < int(var("kernel_image_end_pfn")):
        return "K"
    if pfn in table_pfns():
        return "T"
    return "R" if pfn_is_ram(pfn) else "H"


def zone_name_of(pfn):
    """page_zone()'s name: the zone from the pfn limits (pfn_zonenum())."""
    index = 0 if pfn < MAX_DMA_PFN else 1 if pfn < MAX_DMA32_PFN else 2
    return zones()[index]["name"].string()


class PwPage(gdb.Command):
    """A decoded struct page, as the kernel's dump_page() prints it.

Usage: pw-page PFN|pfn:PFN|phys:PADDR|ADDR
pfn:PFN is a pfn and phys:PADDR a physical address, whatever the number. A
bare number in the direct map (from 0xffff888000000000) means its page;
one below max_pfn is a pfn; any other is read as a physical address, and a
first line says so (a pfn just past mem_map looks the same). As the
monitor's page command. Prints its output: dump_page()'s "page:... pfn:...
phys:... refcount:N order:N zone:NAME" and "flags: 0x..(names)", the block
holding the page, and the block's buddy; for a page in no block, why: on a
per-CPU list (PG_pcp, free), reserved (not RAM, RAM memblock reserved at
boot, the kernel image, mem_map, a page table), or neither (stopped
mid-free or mid-allocation, or a broken mem_map). A first line names the
selected CPU (gdb thread); mem_map is shared memory, the same from every
CPU."""

    def __init__(self):
        super().__init__("pw-page", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        max_pfn = int(var("max_pfn"))
        say_cpu(SHARED)
        if arg.startswith("pfn:"):
            v = pfn = number(arg[4:], "pw-page")
            if pfn >= max_pfn:
                raise gdb.GdbError(f"page: pfn {hx(pfn)} is beyond mem_map (max_pfn {hx(max_pfn)})")
        elif arg.startswith("phys:"):
            v = number(arg[5:], "pw-page")
            pfn = v >> PAGE_SHIFT
            if pfn >= max_pfn:
                raise gdb.GdbError(f"page: physical address {hx(v)} (pfn {hx(pfn)}) is beyond mem_map "
                                   f"(max_pfn {hx(max_pfn)})")
        else:
            v = number(arg, "pw-page")
            if PAGE_OFFSET <= v < PAGE_OFFSET + DIRECT_MAP_SIZE:
                pfn = (v - PAGE_OFFSET) >> PAGE_SHIFT
            elif v < max_pfn:
                pfn = v
            elif v < DIRECT_MAP_SIZE:
                pfn = v >> PAGE_SHIFT
                said = (f"page: {hx(v)} is not below max_pfn ({hx(max_pfn)}), so no pfn: read as physical "
                        f"address {hx(v)} (pfn {hx(pfn)})")
                if pfn >= max_pfn:
                    raise gdb.GdbError(said + ", which is beyond mem_map")
                gdb.write(said + "\n")
            else:
                raise gdb.GdbError(f"page: {hx(v)} is no pfn (max_pfn {hx(max_pfn)}), physical address (below "
                                   f"{DIRECT_MAP_SIZE >> 40} TiB) or direct-map address (walk shows where a "
                                   "virtual address maps)")
        page = page_at(pfn)
        flags, private = int(page["flags"]), int(page["private"])
        head = page_block_head(pfn)
        gdb.write(f"page:{hx(mem_map() + pfn * page_type().sizeof, 18)} pfn:{hx(pfn)} "
                  f"phys:{hx(pfn << PAGE_SHIFT)} refcount:{int(page['_refcount'])} "
                  f"order:{private} zone:{zone_name_of(pfn)}\n")
        gdb.write(f"flags: {hx(flags)}({page_flag_names(flags)})\n")
        if head is not None and head != pfn:
            head_page = page_at(head)
            kind = "allocated" if int(head_page["flags"]) & (1 << pageflag("PG_head")) else "free"
            gdb.write(f"page is inside the {kind} block at pfn {hx(head)} of order {int(head_page['private'])}\n")
        kind = pfn_kind(pfn)
        if kind == "P":
            gdb.write(f"buddy: none (free, on the per-CPU list of zone {zone_name_of(pfn)}; "
                      "drain gives it back to the buddy)\n")
        elif head is not None:
            order = int(page_at(head)["private"])
            gdb.write(f"buddy: pfn {hx(head ^ (1 << order))} (of the order-{order} block at pfn {hx(head)})\n")
        elif not flags & (1 << pageflag("PG_reserved")):
            gdb.write("buddy: none (not reserved, yet in no block: mid-free, mid-allocation, or a broken mem_map)\n")
        else:
            gdb.write(f"buddy: none (reserved page: {RESERVED_WHY[kind]})\n")


class PwMemmap(gdb.Command):
    """The firmware memory map the kernel kept, and where the kernel sits.

Usage: pw-memmap
boot_params.mmap[0 .. nr_mmap - 1] in firmware order, as the boot log's
"mmap:" lines (mb2_print_mmap()); then the kernel image's pfns (memblock-reserved)
and mem_map's place, as the boot log's "mm: mem_map at" line. Each part
the kernel has not filled in yet (stopped early in kernel_main) says so
and which boot step fills it: mb2_parse() the map,
memblock_setup_from_mmap() the image's pfns, mm_core_init() mem_map. A
first line names the selected CPU (gdb thread); all this is shared memory,
the same from every CPU."""

    def __init__(self):
        super().__init__("pw-memmap", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        bp = var("boot_params")
        nr = int(bp["nr_mmap"])
        say_cpu(SHARED)
        basic = " basic meminfo" if bool(bp["mmap_from_basic_meminfo"]) else ""
        if not int(bp["mbi_pa"]):  # mb2_parse() sets it first of all
            gdb.write("Firmware memory map: not parsed yet (mb2_parse() has not run)\n")
        else:
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
        if end <= start:  # both 0 until memblock_setup_from_mmap() sets them
            gdb.write("kernel image: not reserved yet (memblock_setup_from_mmap() has not run)\n")
        else:
            gdb.write(f"kernel image: pfn {hx(start)}-{hx(end - 1)} "
                      f"[mem {hx(start << PAGE_SHIFT, 18)}-{hx((end << PAGE_SHIFT) - 1, 18)}] (memblock-reserved)\n")
        if not int(var("mem_map")):
            gdb.write("mm: mem_map not set up yet (mm_core_init() has not run)\n")
            return
        max_pfn = int(var("max_pfn"))
        size = (max_pfn * page_type().sizeof + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        pa = mem_map() - PAGE_OFFSET
        gdb.write(f"mm: mem_map at [mem {hx(pa, 18)}-{hx(pa + size - 1, 18)}]: "
                  f"{max_pfn} pages x {page_type().sizeof} bytes\n")


PwBuddyinfo()
PwFreelist()
PwPage()
PwMemmap()
