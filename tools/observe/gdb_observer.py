"""gdb_observer.py - the instructor's gdb script of tools/observe_kernel.py:
boot a Pagewise ISO in QEMU stopped for gdb, and read what the kernel built
from guest memory, never from what it prints.

Run inside the sandbox, as
    gdb -nx -batch -iex 'set auto-load off' \
        -ex 'python import sys; sys.argv = ["gdb_observer", "CONFIG.json"]' \
        -x tools/observe/gdb_observer.py
CONFIG (written by the grader) names the kernel ELF (symbols and types only),
the ISO, the machine (mem, cpu), the lab, the op plan, and the files to write
under scratch. QEMU is started here (-S, its gdb stub on a unix socket in
scratch), so QEMU and gdb are both in the sandbox.

Every read of guest memory is physical (QEMU's Qqemu.PhyMemMode:1): kernel
virtual addresses are turned into physical ones here (kernel image,
direct map), so nothing read depends on the page tables under test.
Breakpoints are hardware ones (no write to guest memory).

Output: OUT.events.jsonl (one JSON object a line, each with "kind") and,
for labs 3-5, OUT.states.jsonl (tools/observe_model.py's state schema, one
state a line). The last event is {"kind": "end", "reason": ...}.
"""

import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import gdb

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_OFFSET = 0xFFFF888000000000
START_KERNEL_MAP = 0xFFFFFFFF80000000
DIRECT_MAP_SIZE = 64 << 40
PTE_PFN_MASK = 0x000FFFFFFFFFF000
PAGE_PRESENT = 1 << 0
PAGE_PSE = 1 << 7
PML4_DIRECT_FIRST = (PAGE_OFFSET >> 39) & 511  # 273
PML4_DIRECT_COUNT = DIRECT_MAP_SIZE >> 39  # 128 entries of 512 GiB
MAX_TABLES = 8192  # page-table pages read at most in one walk
# List nodes followed at most in one state: a buddy allocator's free lists
# hold a few blocks per 4 MiB of RAM (NODES_PER_MAX_BLOCK) plus the small
# ones near holes and the per-CPU lists; far more means blocks that never
# merged, and reading them all would only waste the time limit.
LIST_NODES_BASE = 8192
NODES_PER_MAX_BLOCK = 4
MAX_MBI = 1 << 16  # bytes of the multiboot2 information dumped at most
MAX_REGIONS = 1024  # memblock regions dumped at most
MAX_MMAP = 128  # BOOT_MMAP_MAX
SCAN_CHUNK = 2048  # struct pages read at once from mem_map
GFP_CODES = {"GFP_KERNEL": 0, "GFP_DMA": 1, "GFP_DMA32": 2, "GFP_ATOMIC": 3}
OP_CODES = {"take": 1, "give": 2, "get_free_pages": 3, "get_zeroed_page": 4, "free_pages": 5,
            "alloc_page": 6, "free_page": 7, "drain": 8, "va": 9, "pa": 10, "pfn_to_page": 11,
            "page_to_pfn": 12, "free_pages_bad": 14, "cycle": 15}
OP_QUIT = 13
MAILBOX_MAGIC = 0x6F627365
SPURIOUS_STOPS = 5  # stops at grade_agent_stop before the agent ran, tolerated per op
U64 = (1 << 64) - 1


class Stop(Exception):
    """The observation ends here: reason for the end event."""


class BadPointer(Exception):
    pass


class Skip(Exception):
    """A plan op that refers to a step which gave no page: not done."""


class Observer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.lab = int(cfg["lab"])
        self.events = open(cfg["out"] + ".events.jsonl", "w")
        self.states = open(cfg["out"] + ".states.jsonl", "w") if self.lab >= 3 else None
        self.qemu = None
        self.timed_out = False
        self.inf = None
        self.dump_seconds = 0.0
        self.too_long = False
        self.spurious = 0
        self.prev_zones = None

    # -- output ---------------------------------------------------------------
    def event(self, kind, **fields):
        fields = {"kind": kind, **fields}
        self.events.write(json.dumps(fields) + "\n")
        self.events.flush()

    # -- memory -----------------------------------------------------------------
    def phys(self, pa, size):
        try:
            return bytes(self.inf.read_memory(pa, size))
        except (gdb.MemoryError, gdb.error, OverflowError, ValueError) as e:
            raise BadPointer(f"cannot read {size} bytes at physical {pa:#x}: {e}")

    def kv2p(self, va):
        """A kernel virtual address (image or direct map) as physical."""
        if va >= START_KERNEL_MAP:
            return va - START_KERNEL_MAP
        if PAGE_OFFSET <= va < PAGE_OFFSET + DIRECT_MAP_SIZE:
            return va - PAGE_OFFSET
        if va < (1 << 32):  # the boot stub, linked at its physical address
            return va
        raise BadPointer(f"{va:#x} is neither a kernel image nor a direct-map address")

    def kread(self, va, size):
        return self.phys(self.kv2p(va), size)

    def u64(self, va):
        return struct.unpack("<Q", self.kread(va, 8))[0]

    def u32(self, va):
        return struct.unpack("<I", self.kread(va, 4))[0]

    def write(self, va, data):
        self.inf.write_memory(self.kv2p(va), data)

    # -- symbols and types (from the ELF; no memory read) ----------------------
    @staticmethod
    def addr(expr):
        return int(gdb.parse_and_eval(expr)) & U64

    @staticmethod
    def off(typename, path):
        t = gdb.lookup_type(typename)
        total = 0
        for name in path.split("."):
            t = t.strip_typedefs()
            field = next(f for f in t.fields() if f.name == name)
            total += field.bitpos // 8
            t = field.type
        return total

    @staticmethod
    def size(typename):
        return gdb.lookup_type(typename).sizeof

    # -- QEMU and the run ---------------------------------------------------------
    def start(self):
        cfg = self.cfg
        sock = cfg["socket"]
        if os.path.exists(sock):
            os.unlink(sock)
        argv = [cfg.get("qemu", "qemu-system-x86_64"), "-m", cfg["mem"], "-display", "none",
                "-nic", "none", "-no-reboot", "-monitor", "none",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-cdrom", cfg["iso"], "-serial", "file:" + cfg["serial"], "-S",
                "-chardev", f"socket,id=gdb0,path={sock},server=on,wait=off", "-gdb", "chardev:gdb0"]
        if cfg.get("cpu"):
            argv += ["-cpu", cfg["cpu"]]
        self.event("qemu", argv=argv)
        log = open(cfg["out"] + ".qemu.log", "wb")
        self.qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(sock):
            if self.qemu.poll() is not None:
                raise Stop(f"QEMU exited with status {self.qemu.returncode} before its gdb stub listened")
            if time.monotonic() > deadline:
                raise Stop("QEMU's gdb stub never listened")
            time.sleep(0.02)
        timer = threading.Timer(float(cfg.get("deadline", 60)), self.on_deadline)
        timer.daemon = True
        timer.start()
        gdb.execute("set confirm off")
        gdb.execute("set pagination off")
        gdb.execute("set architecture i386:x86-64")
        gdb.execute("set print entry-values no")
        gdb.execute("set remotetimeout 60")  # a loaded machine answers late
        gdb.execute("file " + cfg["kernel"], to_string=True)
        # The socket file appears when QEMU binds it, a moment before it
        # listens: a refused connection is tried again.
        while True:
            try:
                gdb.execute("target remote " + sock, to_string=True)
                break
            except gdb.error:
                if self.qemu.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
        self.inf = gdb.selected_inferior()

    def on_deadline(self):
        self.timed_out = True
        if self.qemu and self.qemu.poll() is None:
            self.qemu.send_signal(signal.SIGTERM)

    def stop_qemu(self):
        if self.qemu and self.qemu.poll() is None:
            self.qemu.send_signal(signal.SIGTERM)
            try:
                self.qemu.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.qemu.kill()
                self.qemu.wait()

    def hbreak(self, name):
        bp = gdb.Breakpoint(name, type=gdb.BP_HARDWARE_BREAKPOINT, internal=True)
        return self.addr("&" + name), bp

    def run_to(self, *names):
        """Continue until the kernel stops at one of names (functions with a
        hardware breakpoint); return that name. Stop on panic, power-off,
        the deadline."""
        try:
            gdb.execute("continue", to_string=True)
        except gdb.error as e:
            if self.timed_out:
                raise Stop(f"timeout: the kernel never reached {' or '.join(names)}")
            raise Stop(f"the machine stopped before {' or '.join(names)} ({str(e).strip()})")
        if self.timed_out:
            raise Stop(f"timeout: the kernel never reached {' or '.join(names)}")
        try:
            pc = int(gdb.parse_and_eval("$pc")) & U64
        except gdb.error as e:
            raise Stop(f"the machine stopped before {' or '.join(names)} ({str(e).strip()})")
        for name in names:
            if pc == self.breaks[name]:
                return name
        if pc == self.breaks.get("panic"):
            raise Stop(f"panic: the kernel called panic() before {' or '.join(names)}")
        raise Stop(f"stopped at {pc:#x}, not at {' or '.join(names)}")

    # -- lab 1 and 2: boot ---------------------------------------------------------------
    def read_mbi(self):
        """At kernel_main: the multiboot2 information as GRUB left it, before
        any lab code ran. Its address is the one boot.asm saved."""
        pa = self.u32(self.addr("&mb_info_pa"))
        total = struct.unpack("<I", self.phys(pa, 4))[0]
        data = self.phys(pa, min(max(total, 8), MAX_MBI))
        self.event("mbi", pa=pa, total_size=total, hex=data.hex())
        syms = {}
        for name in ("_kernel_phys_start", "_text", "_end"):
            syms[name] = self.addr("&" + name)
        self.event("symbols", **syms)

    def read_boot_mmap(self):
        base = self.addr("&boot_params")
        t = "struct boot_params"
        n = self.u32(base + self.off(t, "nr_mmap"))
        esz = self.size("struct boot_mmap_entry")
        count = min(n, MAX_MMAP)
        raw = self.kread(base + self.off(t, "mmap"), count * esz) if count else b""
        entries = []
        for i in range(count):
            a, ln, ty = struct.unpack_from("<QQI", raw, i * esz)
            entries.append([a, ln, ty])
        self.event("boot_mmap", nr_mmap=n, entries=entries)

    def read_memblock_type(self, name):
        base = self.addr("&memblock." + name)
        t = "struct memblock_type"
        cnt = self.u64(base + self.off(t, "cnt"))
        n = min(cnt, MAX_REGIONS)
        raw = self.kread(base + self.off(t, "regions"), n * 16) if n else b""
        return cnt, [list(struct.unpack_from("<QQ", raw, i * 16)) for i in range(n)]

    def read_memblock(self):
        mcnt, memory = self.read_memblock_type("memory")
        rcnt, reserved = self.read_memblock_type("reserved")
        self.event("memblock", memory_cnt=mcnt, memory=memory, reserved_cnt=rcnt, reserved=reserved)

    def read_cpu(self):
        base = self.addr("&boot_cpu_data")
        t = "struct cpuinfo_x86"
        nx = self.kread(base + self.off(t, "has_nx"), 1)[0]
        gb = self.kread(base + self.off(t, "has_gbpages"), 1)[0]
        return bool(nx), bool(gb)

    def walk_direct_map(self):
        """The page tables from CR3: every leaf of the direct map's PML4
        entries, as runs [va, pa, page_size, count, flags]; the PML4 entries
        present in the lower half; the flags of the tables above the leaves."""
        cr3 = int(gdb.parse_and_eval("$cr3")) & U64
        root = cr3 & PTE_PFN_MASK
        tables = [0]
        errors = []

        def table(pa):
            tables[0] += 1
            if tables[0] > MAX_TABLES:
                raise Stop(f"more than {MAX_TABLES} page-table pages")
            return struct.unpack("<512Q", self.phys(pa, PAGE_SIZE))

        runs, upper_flags = [], set()

        def leaf(va, entry, size):
            pa = entry & PTE_PFN_MASK & ~(size - 1)
            flags = entry & ~PTE_PFN_MASK
            if size > PAGE_SIZE:
                flags |= entry & PTE_PFN_MASK & (size - 1)  # PAT bit and junk below the frame
            if runs and runs[-1][2] == size and runs[-1][4] == flags and \
                    runs[-1][0] + runs[-1][2] * runs[-1][3] == va and runs[-1][1] + runs[-1][2] * runs[-1][3] == pa:
                runs[-1][3] += 1
            else:
                runs.append([va, pa, size, 1, flags])

        def descend(pa, level, va_base):
            try:
                entries = table(pa)
            except BadPointer as e:
                errors.append(f"level-{level} table at {pa:#x}: {e}")
                return
            shift = 12 + 9 * (level - 1)
            for i, e in enumerate(entries):
                if not e & PAGE_PRESENT:
                    continue
                va = va_base + (i << shift)
                if level == 1 or (level in (2, 3) and e & PAGE_PSE):
                    leaf(va, e, 1 << shift)
                else:
                    upper_flags.add(e & ~PTE_PFN_MASK)
                    descend(e & PTE_PFN_MASK, level - 1, va)

        pml4 = table(root)
        lower = [i for i in range(256) if pml4[i] & PAGE_PRESENT]
        for i in range(PML4_DIRECT_FIRST, PML4_DIRECT_FIRST + PML4_DIRECT_COUNT):
            e = pml4[i]
            if not e & PAGE_PRESENT:
                continue
            va = 0xFFFF000000000000 | (i << 39)
            if e & PAGE_PSE:
                errors.append(f"PML4[{i}] has PS set")
                continue
            upper_flags.add(e & ~PTE_PFN_MASK)
            descend(e & PTE_PFN_MASK, 3, va)
        has_nx, has_gb = self.read_cpu()
        self.event("direct_map", cr3=cr3, has_nx=has_nx, has_gbpages=has_gb, runs=runs,
                   lower_half_pml4=lower, upper_flags=sorted(upper_flags), tables=tables[0], errors=errors)

    # -- the agent ---------------------------------------------------------------------
    def mailbox_layout(self):
        t = "struct grade_mailbox"
        self.mb = self.addr("&grade_mailbox")
        self.mb_off = {f: self.off(t, f) for f in ("magic", "op", "args", "result", "status", "done")}

    def agent_call(self, code, a0=0, a1=0):
        """One operation through the mailbox: write it, run to the next stop,
        read (result, status)."""
        done = self.u32(self.mb + self.mb_off["done"])
        self.write(self.mb + self.mb_off["args"], struct.pack("<QQ", a0 & U64, a1 & U64))
        self.write(self.mb + self.mb_off["op"], struct.pack("<I", code))
        if code == OP_QUIT:
            try:
                gdb.execute("continue", to_string=True)
            except gdb.error:
                pass
            return None, None
        for _ in range(SPURIOUS_STOPS):
            self.run_to("grade_agent_stop")
            now = self.u32(self.mb + self.mb_off["done"])
            if now == done + 1:
                break
            # A stop at the breakpoint before the agent ran (the op still
            # waits, done unchanged) is gdb's or QEMU's, not the kernel's.
            if now != done or self.u32(self.mb + self.mb_off["op"]) != code:
                raise Stop("the grade agent did not answer the operation")
            self.spurious += 1
        else:
            raise Stop("the grade agent did not answer the operation")
        return self.u64(self.mb + self.mb_off["result"]), self.u32(self.mb + self.mb_off["status"])

    def agent_start(self):
        self.mailbox_layout()
        if self.u32(self.mb + self.mb_off["magic"]) != MAILBOX_MAGIC:
            raise Stop("the grade agent is not serving (no magic in grade_mailbox)")
        self.mem_map = self.u64(self.addr("&mem_map"))
        self.max_pfn = self.u64(self.addr("&max_pfn"))
        self.event("mm", mem_map=self.mem_map, max_pfn=self.max_pfn)

    def resolve(self, arg, results):
        """A plan argument: an int, "$k" (the pfn step k returned), a gfp
        name, or "sym:NAME" (the address of a kernel symbol)."""
        if isinstance(arg, bool):
            raise Stop(f"bad plan argument {arg!r}")
        if isinstance(arg, int):
            return arg
        if isinstance(arg, str) and arg in GFP_CODES:
            return GFP_CODES[arg]
        if isinstance(arg, str) and arg.startswith("$"):
            k, _, plus = arg[1:].partition("+")
            if not k.isdigit() or (plus and not plus.isdigit()):
                raise Stop(f"bad plan argument {arg!r}")
            r = results.get(int(k))
            if not isinstance(r, int) or r < 0:
                raise Skip(f"step {k} gave no page")
            return r + (int(plus) if plus else 0)
        if isinstance(arg, str) and arg.startswith("mem_map_page:") and arg[13:].isdigit():
            return self.mem_map + int(arg[13:]) * self.size("struct page")
        if isinstance(arg, str) and arg.startswith("sym:"):
            name, _, plus = arg[4:].partition("+")
            return self.addr("&" + name) + (int(plus, 0) if plus else 0)
        raise Stop(f"bad plan argument {arg!r}")

    # -- labs 3-5: states -------------------------------------------------------------
    def page_pfn(self, ptr):
        """The pfn of a struct page pointer into mem_map, or None."""
        d = ptr - self.mem_map
        if ptr < self.mem_map or d % self.page_size or d // self.page_size >= self.max_pfn:
            return None
        return d // self.page_size

    def walk_list(self, head, budget):
        """pfns of the pages on the list at head (linked through page->lru),
        head first; (pfns, error or None)."""
        pfns, seen = [], set()
        node = self.u64(head)
        while node != head:
            if budget[0] <= 0:
                self.too_long = True
                return pfns, "the free and per-CPU lists hold more blocks than a buddy allocator's can " \
                    "(blocks that never merged, or a cycle); the rest is not read"
            pfn = self.page_pfn(node - self.lru_off)
            if pfn is None:
                return pfns, f"list node {node:#x} is not the lru of a page in mem_map"
            if pfn in seen:
                return pfns, f"pfn {pfn:#x} twice on the list (a cycle)"
            seen.add(pfn)
            pfns.append(pfn)
            budget[0] -= 1
            node = self.u64(node)
        return pfns, None

    def zones_state(self, errors):
        tz = "struct zone"
        zsize = self.size(tz)
        base = self.addr("&contig_page_data.node_zones")
        nzones = gdb.parse_and_eval("contig_page_data.node_zones").type.sizeof // zsize
        fa_off, fa_size = self.off(tz, "free_area"), self.size("struct free_area")
        norders = gdb.parse_and_eval("((struct zone *)0)->free_area").type.sizeof // fa_size
        pcp_off, pcp_size = self.off(tz, "per_cpu_pageset"), self.size("struct per_cpu_pages")
        nr_cpus = gdb.parse_and_eval("((struct zone *)0)->per_cpu_pageset").type.sizeof // pcp_size
        # Only the possible CPUs' lists are ever set up (nr_cpu_ids, smp.h):
        # the rest of the NR_CPUS entries stay zero.
        ncpus = struct.unpack("<I", self.kread(self.addr("&nr_cpu_ids"), 4))[0]
        if not 1 <= ncpus <= nr_cpus:
            errors.append(f"nr_cpu_ids is {ncpus}, not 1..NR_CPUS ({nr_cpus})")
            ncpus = 1
        budget = [LIST_NODES_BASE + NODES_PER_MAX_BLOCK * (self.max_pfn >> 10)]
        zones = []
        for z in range(nzones):
            zva = base + z * zsize
            raw = self.kread(zva, zsize)

            def field(name, fmt="<Q"):
                return struct.unpack_from(fmt, raw, self.off(tz, name))[0]

            name_ptr = field("name")
            try:
                name = self.kread(name_ptr, 16).split(b"\0")[0].decode("ascii", "replace")
            except BadPointer:
                name = f"zone{z}"
            zone = {"name": name, "start_pfn": field("zone_start_pfn"), "spanned": field("spanned_pages"),
                    "present": field("present_pages"), "managed": field("managed_pages"),
                    "free_pages": field("free_pages"), "nr_free": [], "free_lists": [], "pcp": [],
                    "watermark": list(struct.unpack_from("<3Q", raw, self.off(tz, "_watermark"))),
                    "lowmem_reserve": list(struct.unpack_from(f"<{nzones}Q", raw, self.off(tz, "lowmem_reserve")))}
            for o in range(norders):
                a = fa_off + o * fa_size
                zone["nr_free"].append(struct.unpack_from("<Q", raw, a + self.off("struct free_area", "nr_free"))[0])
                head = zva + a + self.off("struct free_area", "free_list")
                pfns, err = self.walk_list(head, budget)
                if err and "bad_list" not in zone:
                    zone["bad_list"] = f"free_area[{o}]: {err}"
                zone["free_lists"].append(pfns)
            for c in range(ncpus):
                a = pcp_off + c * pcp_size
                count, high, batch = struct.unpack_from("<iii", raw, a)
                head = zva + a + self.off("struct per_cpu_pages", "list")
                pfns, err = self.walk_list(head, budget)
                if err and "bad_list" not in zone:
                    zone["bad_list"] = f"the per-CPU list of cpu {c}: {err}"
                zone["pcp"].append({"cpu": c, "count": count, "high": high, "batch": batch, "list": pfns})
            zones.append(zone)
        return zones

    def scan_mem_map(self):
        """(buddy_pages, pcp_pages, free_runs) from every struct page of
        mem_map; free_runs: [start, end) pfn runs of the pages that are
        neither PG_reserved nor in an allocated block (PG_head, its order)."""
        buddy, pcp, runs = [], [], []
        rb, hb = 1 << self.pg_reserved, 1 << self.pg_head
        skip_to = 0
        chunk = 2048  # pages a read
        bb, pb = 1 << self.pg_buddy, 1 << self.pg_pcp
        fmt = "<I4xQQQ"  # flags, _refcount, lru.next, lru.prev, private
        assert struct.calcsize(fmt) == self.page_size
        for start in range(0, self.max_pfn, chunk):
            n = min(chunk, self.max_pfn - start)
            data = self.phys(self.kv2p(self.mem_map) + start * self.page_size, n * self.page_size)
            for i, (flags, _n, _p, private) in enumerate(struct.iter_unpack(fmt, data)):
                pfn = start + i
                if flags & bb:
                    buddy.append([pfn, private])
                if flags & pb:
                    pcp.append(pfn)
                if flags & hb:
                    skip_to = max(skip_to, pfn + (1 << min(private, 63)))
                if flags & rb or flags & hb or pfn < skip_to:
                    continue
                if runs and runs[-1][1] == pfn:
                    runs[-1][1] = pfn + 1
                else:
                    runs.append([pfn, pfn + 1])
        return buddy, pcp, runs

    def scan_chunks(self, chunks):
        """PG_buddy heads [pfn, order] and PG_pcp pfns of the struct pages
        of the given chunks (SCAN_CHUNK pages each); ([start, end) ranges
        read, buddy, pcp)."""
        buddy, pcp, ranges = [], [], []
        bb, pb = 1 << self.pg_buddy, 1 << self.pg_pcp
        for c in chunks:
            start = c * SCAN_CHUNK
            n = min(SCAN_CHUNK, self.max_pfn - start)
            if n <= 0:
                continue
            data = self.phys(self.kv2p(self.mem_map) + start * self.page_size, n * self.page_size)
            for i, (flags, _n, _p, private) in enumerate(struct.iter_unpack("<I4xQQQ", data)):
                if flags & bb:
                    buddy.append([start + i, private])
                if flags & pb:
                    pcp.append(start + i)
            ranges.append([start, start + n])
        return ranges, buddy, pcp

    def partial_scan(self, zones, op, result):
        """mem_map where this step can have changed a flag: the chunks
        holding a page on a per-CPU list now or before the step, a free
        block that came or went, or the op's pfn or result."""
        prev = self.prev_zones or []
        interest = set()
        heads = [set(), set()]
        for k, zs in enumerate((prev, zones)):
            for z in zs:
                for pc in z.get("pcp", []):
                    interest.update(pc["list"])
                for o, lst in enumerate(z.get("free_lists", [])):
                    heads[k].update((p, o) for p in lst)
        interest.update(p for p, _o in heads[0] ^ heads[1])
        for x in list(op or [])[1:] + [result]:
            if isinstance(x, int) and not isinstance(x, bool) and 0 <= x < self.max_pfn:
                interest.add(x)
        chunks = sorted({p // SCAN_CHUNK for p in interest if 0 <= p < self.max_pfn})
        ranges, buddy, pcp = self.scan_chunks(chunks)
        return {"ranges": ranges, "buddy_pages": buddy, "pcp_pages": pcp}

    def state(self, step, op, result, full, extra=None):
        t0 = time.monotonic()
        errors = []
        st = {"step": step, "op": op, "result": result}
        try:
            st["zones"] = self.zones_state(errors)
        except BadPointer as e:
            errors.append(str(e))
            st["zones"] = []
        if full:
            st["buddy_pages"], st["pcp_pages"], free_runs = self.scan_mem_map()
            if step == 0:
                st["ram"] = free_runs
        elif self.cfg.get("scan_every_state"):
            try:
                st["mem_map_scan"] = self.partial_scan(st["zones"], op, result)
            except BadPointer as e:
                errors.append(str(e))
        self.prev_zones = st["zones"]
        if extra:
            st.update(extra)
        if errors:
            st["errors"] = errors
        self.states.write(json.dumps(st) + "\n")
        self.states.flush()
        self.dump_seconds += time.monotonic() - t0
        if self.too_long:
            raise Stop(f"step {step}: the lists are too long to read")

    def serve_plan(self, plan):
        self.page_size = self.size("struct page")
        self.lru_off = self.off("struct page", "lru")
        self.pg_buddy = int(gdb.parse_and_eval("PG_buddy"))
        self.pg_pcp = int(gdb.parse_and_eval("PG_pcp"))
        self.pg_reserved = int(gdb.parse_and_eval("PG_reserved"))
        self.pg_head = int(gdb.parse_and_eval("PG_head"))
        results = {}
        self.state(0, None, None, True)
        for step, op in enumerate(plan, 1):
            if not isinstance(op, list) or not op or op[0] not in OP_CODES:
                raise Stop(f"bad plan op {op!r}")
            try:
                if op[0] == "free_pages_bad":
                    kind, args, call = self.bad_free(op, results)
                elif op[0] == "cycle":
                    # ["cycle", zone, count, seed]: take up to count
                    # order-0 pages, give them back shuffled by seed
                    if len(op) != 4 or not all(isinstance(x, int) and not isinstance(x, bool)
                                               and 0 <= x < 1 << 32 for x in op[1:]):
                        raise Stop(f"bad plan op {op!r}")
                    args, call = op[1:], [op[1], op[2] | op[3] << 32]
                else:
                    args = call = [self.resolve(a, results) for a in op[1:3]]
            except Skip as e:
                self.event("skipped", step=step, op=op, why=str(e))
                continue
            raw, status = self.agent_call(OP_CODES[op[0]], *call)
            extra = {}
            if status != 0:
                extra["error"] = f"the grade agent refused {op} (status {status})"
                result = None
            else:
                result, err = self.interpret(op[0], raw)
                if err and op[0] in ("take", "alloc_page"):
                    extra["bad_result"] = err
                elif err:
                    if op[0] in ("get_free_pages", "get_zeroed_page"):
                        extra["bad_addr"] = (raw - PAGE_OFFSET) & U64
                        if extra["bad_addr"] >= 1 << 63:
                            extra["bad_addr"] -= 1 << 64
                if op[0] == "get_zeroed_page" and isinstance(result, int) and result >= 0:
                    page = self.phys(result << PAGE_SHIFT, PAGE_SIZE)
                    extra["nonzero_bytes"] = PAGE_SIZE - page.count(0)
            results[step] = result
            if op[0] in ("get_free_pages", "get_zeroed_page", "alloc_page"):
                shown = op
            elif op[0] == "free_pages_bad":
                shown = [op[0], kind, *args]
            else:
                shown = [op[0], *args]
            self.state(step, shown, result, step == len(plan) or op[0] in ("cycle", "drain"), extra)

    def bad_free(self, op, results):
        """["free_pages_bad", kind, pfn, order]: the address free_pages() is
        given, which it must refuse: 0, inside the block (misaligned), a
        kernel-image address (foreign), or a block freed already (double).
        Returns (kind, [pfn, order] for the state, [address, order])."""
        if len(op) != 4 or op[1] not in ("zero", "misaligned", "foreign", "double"):
            raise Stop(f"bad plan op {op!r}")
        kind = op[1]
        pfn, order = self.resolve(op[2], results), self.resolve(op[3], results)
        addr = {"zero": 0, "misaligned": PAGE_OFFSET + (pfn << PAGE_SHIFT) + PAGE_SIZE // 2,
                "foreign": self.mb, "double": PAGE_OFFSET + (pfn << PAGE_SHIFT)}[kind]
        return kind, [pfn, order], [addr, order]

    def interpret(self, name, raw):
        """(result for the state, error): pfns for pointers and addresses,
        -1 for NULL/0, None for the void calls."""
        if name in ("take", "alloc_page"):
            if raw == 0:
                return -1, None
            pfn = self.page_pfn(raw)
            if pfn is None:
                return -1, f"{raw:#x}, not a struct page in mem_map"
            return pfn, None
        if name in ("get_free_pages", "get_zeroed_page"):
            if raw == 0:
                return -1, None
            if raw & (PAGE_SIZE - 1) or not PAGE_OFFSET <= raw < PAGE_OFFSET + (self.max_pfn << PAGE_SHIFT):
                return -1, f"{name} returned {raw:#x}, not the direct-map address of a page of RAM"
            return (raw - PAGE_OFFSET) >> PAGE_SHIFT, None
        if name == "cycle":
            return raw if raw < 1 << 32 else -1, None
        return None, None

    # -- the labs -------------------------------------------------------------------------------
    def run(self):
        lab = self.lab
        self.breaks = {}
        self.start()
        if lab in (1, 2):
            gdb.execute("thbreak kernel_main", to_string=True)
            self.breaks["kernel_main"] = self.addr("&kernel_main")
            self.breaks["panic"] = self.hbreak("panic")[0]
            self.run_to("kernel_main")
            self.event("checkpoint", name="kernel_main")
            self.read_mbi()
        else:
            self.breaks["panic"] = self.hbreak("panic")[0]
        if lab == 1:
            for name in ("observe_before_memblock", "observe_after_memblock"):
                self.breaks[name] = self.hbreak(name)[0]
            self.run_to("observe_before_memblock")
            self.event("checkpoint", name="observe_before_memblock")
            self.read_boot_mmap()
            self.run_to("observe_after_memblock")
            self.event("checkpoint", name="observe_after_memblock")
            self.read_memblock()
            return "done"
        if lab == 2:
            self.breaks["observe_after_paging"] = self.hbreak("observe_after_paging")[0]
            self.run_to("observe_after_paging")
            self.event("checkpoint", name="observe_after_paging")
            self.walk_direct_map()
        self.breaks["grade_agent_stop"] = self.hbreak("grade_agent_stop")[0]
        self.run_to("grade_agent_stop")
        self.event("checkpoint", name="grade_agent_stop")
        self.agent_start()
        plan = self.load_plan()
        if lab == 2:
            results = {}
            for i, op in enumerate(plan):
                if isinstance(op, list) and len(op) == 4 and op[0] == "raw" and \
                        all(isinstance(x, int) and not isinstance(x, bool) for x in op[1:]) and op[1] != OP_QUIT:
                    # any mailbox contents, to test the agent's refusals
                    raw, status = self.agent_call(op[1] & 0xFFFFFFFF, op[2], op[3])
                    self.event("op", op=op, result=raw, status=status)
                    continue
                if not isinstance(op, list) or len(op) != 2 or op[0] not in ("va", "pa", "pfn_to_page", "page_to_pfn"):
                    raise Stop(f"bad plan op {op!r}")
                arg = self.resolve(op[1], results)
                raw, status = self.agent_call(OP_CODES[op[0]], arg)
                self.event("op", op=[op[0], arg], result=raw, status=status)
        else:
            self.serve_plan(plan)
        self.agent_call(OP_QUIT)
        return "quit"

    def load_plan(self):
        path = self.cfg.get("plan")
        if not path:
            return []
        with open(path) as f:
            plan = json.load(f)
        if not isinstance(plan, list) or len(plan) > 10000:
            raise Stop("bad plan file")
        return plan


def main():
    cfg_path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PAGEWISE_OBSERVE_CONFIG")
    with open(cfg_path) as f:
        cfg = json.load(f)
    obs = Observer(cfg)
    start = time.monotonic()
    try:
        reason = obs.run()
    except Stop as e:
        reason = str(e)
    except BadPointer as e:
        reason = f"unreadable guest memory: {e}"
    except gdb.error as e:
        reason = f"gdb: {str(e).strip()}"
    finally:
        obs.stop_qemu()
    obs.event("end", reason=reason, seconds=round(time.monotonic() - start, 3),
              dump_seconds=round(obs.dump_seconds, 3), spurious_stops=obs.spurious)
    obs.events.close()
    if obs.states:
        obs.states.close()


main()
