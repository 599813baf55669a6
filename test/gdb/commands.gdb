# commands.gdb - what test/emu/test_gdb.py asks gdb, after
# scripts/gdb/pagewise.gdb has connected and stopped at kernel_main (QEMU
# with -smp 2: one gdb thread per CPU). Each answer follows an "@@ name"
# line, for the test to cut the output apart.
echo @@ stop\n
info symbol $pc
echo @@ threads-kernel_main\n
info threads
echo @@ cpus-kernel_main\n
pw-cpus
# At kernel_main nothing is parsed yet; at paging_init() the map and the
# image are, mem_map is not.
echo @@ memmap-kernel_main\n
pw-memmap
hbreak paging_init
continue
echo @@ memmap-paging_init\n
pw-memmap
delete
# serial_getc(): the monitor waits for a key, after its run= script ran.
hbreak serial_getc
continue
echo @@ monitor\n
info symbol $pc
echo @@ cpus\n
pw-cpus
# CPU 1: its own CR3, the same tables; then back to CPU 0 (thread 1).
echo @@ thread-2\n
thread 2
echo @@ walk-cpu1\n
pw-walk &_text
echo @@ buddyinfo-cpu1\n
pw-buddyinfo
echo @@ thread-1\n
thread 1
echo @@ buddyinfo\n
pw-buddyinfo
echo @@ memmap\n
pw-memmap
echo @@ freelist\n
pw-freelist 10 dma32
echo @@ pcp\n
pw-freelist pcp
echo @@ walk-direct\n
pw-walk 0xffff888000100000
echo @@ walk-text\n
pw-walk &_text
echo @@ page-0\n
pw-page 0
echo @@ page-0x2345\n
pw-page 0x2345
echo @@ page-phys\n
pw-page 0x100000
echo @@ page-hole\n
pw-page 0xa0
echo @@ page-kernel\n
pw-page (unsigned long)&_text - 0xffffffff80000000
echo @@ page-max_pfn\n
pw-page 0x7fe0
echo @@ page-freelist\n
# The first block on DMA32's order-10 list, by the pw- commands' own helpers.
python gdb.execute("pw-page %d" % pw_mm.free_list_pfns(pw_mm.zones()[1], 10)[0])
# The hottest page on DMA32's per-CPU list, the PGD (CR3) and mem_map's
# first page, which the run= script cannot name in advance.
echo @@ page-pcp\n
python gdb.execute("pw-page %d" % pw_mm.pcp_list_pfns(pw_mm.zones()[1])[0])
echo @@ page-table\n
python gdb.execute("pw-page %d" % (int(gdb.parse_and_eval("$cr3")) >> 12))
echo @@ page-mem_map\n
python gdb.execute("pw-page %d" % ((pw_mm.mem_map() - pw_common.PAGE_OFFSET) >> 12))
echo @@ help\n
help pw-buddyinfo
help pw-freelist
help pw-page
help pw-walk
help pw-memmap
help pw-cpus
echo @@ end\n
