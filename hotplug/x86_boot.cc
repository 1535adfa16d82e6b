#include "hotplug/x86_boot.h"

#include <algorithm>

#include "hotplug/arch_zones.h"
#include "hotplug/memblock_alloc.h"
#include "hotplug/memblock_boot.h"
#include "model/check.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::NodeId;
using model::PfnRange;
using model::PhysAddr;
using model::PhysRange;
using model::Sprintf;
using model::Ull;

namespace {

// memblock.memory with the nodes numa_init() gives it: the SRAT range
// containing each page, or node 0 when there is no SRAT (dummy_numa_init).
// numa_cleanup_meminfo (below) only merges same-node blocks or fails the
// whole SRAT, so the SRAT range of each page is its node.
// DIVERGENCE: memory outside every SRAT range goes to node 0 (the kernel's
// numa_meminfo_cover_memory() refuses such a SRAT when more than 1 MiB is
// left out).
std::vector<sparse::MemblockRegion> AssignNodes(
    const std::vector<PhysRange>& memory, const std::vector<SratMemory>& srat,
    const model::Geometry& g) {
  std::vector<sparse::MemblockRegion> out;
  auto push = [&](PhysRange r, NodeId nid) {
    PfnRange p = g.PfnsOf(r);
    if (p.empty()) return;
    if (!out.empty() && out.back().nid == nid &&
        out.back().range.end() == p.start()) {
      out.back().range = PfnRange(out.back().range.start(), p.end());
      return;
    }
    out.push_back({p, nid});
  };
  for (const PhysRange& m : memory) {
    // Cut at every SRAT boundary inside the range.
    std::vector<uint64_t> cuts = {m.start().value(), m.end().value()};
    for (const SratMemory& s : srat) {
      for (uint64_t c : {s.range.start().value(), s.range.end().value()}) {
        if (m.start().value() < c && c < m.end().value()) cuts.push_back(c);
      }
    }
    std::sort(cuts.begin(), cuts.end());
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      PhysRange piece(PhysAddr(cuts[i]), PhysAddr(cuts[i + 1]));
      if (piece.empty()) continue;
      NodeId nid(0);
      for (const SratMemory& s : srat) {
        if (s.range.Contains(piece)) nid = s.node;
      }
      push(piece, nid);
    }
  }
  return out;
}

}  // namespace

NumaMeminfo NumaCleanupMeminfo(const std::vector<SratMemory>& srat,
                               const std::vector<model::PhysRange>& memory,
                               model::PhysAddr high, model::EventLog& log) {
  NumaMeminfo out;
  std::vector<NumaMemblk>& mi = out.meminfo;
  for (const SratMemory& s : srat) {
    mi.push_back({s.range.start().value(), s.range.end().value(), s.node});
  }
  // First, trim all entries.
  for (size_t i = 0; i < mi.size();) {
    NumaMemblk& bi = mi[i];
    // Move / save reserved memory ranges (memblock_overlaps_region).
    const bool has_memory = std::any_of(
        memory.begin(), memory.end(), [&](const model::PhysRange& m) {
          return m.start().value() < bi.end && bi.start < m.end().value();
        });
    if (!has_memory) {
      out.reserved.push_back(bi);
      mi.erase(mi.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    // Non-RAM above max_pfn is preserved.
    if (bi.end > high.value()) {
      out.reserved.push_back({high.value(), bi.end, bi.nid});
      bi.end = high.value();
    }
    if (bi.start >= bi.end) {
      mi.erase(mi.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
  // Merge neighbouring / overlapping entries of a node whose hole holds no
  // other node's memory.
  for (size_t i = 0; i < mi.size(); ++i) {
    for (size_t j = i + 1; j < mi.size(); ++j) {
      NumaMemblk& bi = mi[i];
      const NumaMemblk bj = mi[j];
      // Overlapping blocks: an error between two nodes (numa_init fails),
      // a warning within one (they merge below).
      if (bi.end > bj.start && bi.start < bj.end) {
        if (bi.nid != bj.nid) {
          log.Printk(model::LogLevel::kErr,
                     Sprintf("node %d [mem 0x%08llx-0x%08llx] overlaps with "
                             "node %d [mem 0x%08llx-0x%08llx]",
                             bi.nid.value(), Ull(bi.start), Ull(bi.end - 1),
                             bj.nid.value(), Ull(bj.start), Ull(bj.end - 1)));
          out.error = -static_cast<int>(model::Errno::kEINVAL);
          return out;
        }
        log.Printk(model::LogLevel::kWarning,
                   Sprintf("Warning: node %d [mem 0x%08llx-0x%08llx] overlaps "
                           "with itself [mem 0x%08llx-0x%08llx]",
                           bi.nid.value(), Ull(bi.start), Ull(bi.end - 1),
                           Ull(bj.start), Ull(bj.end - 1)));
      }
      if (bi.nid != bj.nid) continue;
      const uint64_t start = std::min(bi.start, bj.start);
      const uint64_t end = std::max(bi.end, bj.end);
      const bool other_node_inside =
          std::any_of(mi.begin(), mi.end(), [&](const NumaMemblk& bk) {
            return bk.nid != bi.nid && start < bk.end && end > bk.start;
          });
      if (other_node_inside) continue;
      log.Printk(
          model::LogLevel::kInfo,
          Sprintf("NUMA: Node %d [mem 0x%08llx-0x%08llx] + [mem "
                  "0x%08llx-0x%08llx] -> [mem 0x%08llx-0x%08llx]",
                  bi.nid.value(), Ull(bi.start), Ull(bi.end - 1), Ull(bj.start),
                  Ull(bj.end - 1), Ull(start), Ull(end - 1)));
      bi.start = start;
      bi.end = end;
      mi.erase(mi.begin() + static_cast<std::ptrdiff_t>(j));
      --j;
    }
  }
  return out;
}

absl::StatusOr<X86BootResult> BootX86(Machine& m, const X86BootInput& in) {
  const model::Geometry& g = m.geometry();
  MEMHP_CHECK(g.arch() == model::Arch::kX86_64) << "BootX86 on " << g.name();
  model::EventLog& log = m.log();
  absl::StatusOr<E820SetupResult> e820 =
      SetupArchE820(in.firmware, in.cmdline, in.cmdline_at, &log);
  if (!e820.ok()) return e820.status();
  X86BootResult result{.malformed = e820->malformed, .halted = e820->halted};
  if (e820->halted) return result;

  // max_pfn; max_low_pfn becomes max_pfn on x86_64 (init_mem_mapping).
  const model::Pfn max_pfn = E820EndOfRamPfn(e820->table, g, &log);
  if (max_pfn > model::Pfn(uint64_t{1} << (32 - g.page_shift()))) {
    E820EndOfLowRamPfn(e820->table, g, &log);
  }
  const E820Memblock memblock = E820MemblockSetup(e820->table, g);
  if (memblock.memory.empty()) {
    return absl::InvalidArgumentError("the memory map has no usable memory");
  }

  BootMemory boot;
  // memory_hotplug.* and memhp_default_state= (Machine::Boot parses them).
  boot.cmdline = in.cmdline;
  // x86_numa_init(): numa_init(x86_acpi_numa_init) parses the SRAT and runs
  // numa_cleanup_meminfo(); when that fails (-EINVAL: two nodes overlap),
  // numa_init(dummy_numa_init) starts over with one node, and numa_init()'s
  // memblock_clear_hotplug() drops the SRAT's hotplug flags.
  // DIVERGENCE: amd_numa_init (CONFIG_AMD_NUMA, tried in between) finds no
  // AMD northbridge NUMA setup, as in a QEMU guest.
  NumaMeminfo cleaned;
  bool srat_ok = !in.srat.empty();
  if (srat_ok) {
    cleaned =
        NumaCleanupMeminfo(in.srat, memblock.memory, g.PfnPhys(max_pfn), log);
    srat_ok = cleaned.error == 0;
  }
  const std::vector<SratMemory> no_srat;
  const std::vector<SratMemory>& srat = srat_ok ? in.srat : no_srat;
  if (srat.empty()) {
    // arch/x86/mm/numa.c dummy_numa_init (v6.1).
    log.Printk(model::LogLevel::kInfo, "No NUMA configuration found");
    log.Printk(model::LogLevel::kInfo,
               Sprintf("Faking a node at [mem 0x%016llx-0x%016llx]", 0ull,
                       static_cast<unsigned long long>(
                           g.PfnPhys(max_pfn).value() - 1)));
  }
  boot.memory = AssignNodes(memblock.memory, srat, g);
  for (const SratMemory& s : srat) {
    if (s.hotplug) boot.zones.hotpluggable.push_back(g.PfnsOf(s.range));
  }
  // numa_register_memblks(): node_possible_map is every parsed SRAT node;
  // numa_cleanup_meminfo() trims numa_meminfo to max_pfn, keeps what has no
  // memory or lies above in numa_reserved_meminfo, and merges neighbours.
  if (srat.empty()) {
    boot.numa_meminfo.push_back(
        {model::PfnRange(model::Pfn(0), max_pfn), model::NodeId(0)});
  }
  for (const SratMemory& s : srat) boot.possible_nodes.push_back(s.node);
  if (!srat.empty()) {
    for (const NumaMemblk& b : cleaned.meminfo) {
      boot.numa_meminfo.push_back(
          {g.PfnsOf(model::PhysRange(PhysAddr(b.start), PhysAddr(b.end))),
           b.nid});
    }
    for (const NumaMemblk& b : cleaned.reserved) {
      boot.numa_reserved_meminfo.push_back(
          {g.PfnsOf(model::PhysRange(PhysAddr(b.start), PhysAddr(b.end))),
           b.nid});
    }
  }
  // zone_sizes_init(); max_low_pfn is max_pfn on x86_64.
  boot.zones.max_zone_pfn = X86ZoneSizesInit(g, max_pfn);
  for (const sparse::MemblockRegion& r : boot.memory) {
    if (std::find(boot.zones.nodes.begin(), boot.zones.nodes.end(), r.nid) ==
        boot.zones.nodes.end()) {
      boot.zones.nodes.push_back(r.nid);
    }
  }
  ParseZoneParams(in.cmdline, g, boot.zones, log);
  boot.block_size.max_pfn = max_pfn;
  boot.block_size.hypervisor = true;  // QEMU guests
  if (e820->max_mem_size) {
    boot.max_mem_size = model::PhysAddr(e820->max_mem_size->value());
  }
  boot.reserved = X86BootAllocations(g, boot.memory, max_pfn);
  if (absl::Status s = m.Boot(boot); !s.ok()) return s;

  // setup_arch(): iomem_resource.end from the CPU's physical address bits;
  // e820__reserve_resources() inserts the busy entries at once,
  // e820__reserve_resources_late() the others with
  // insert_resource_expand_to_fit().
  ResourceTree& iomem = m.iomem();
  iomem.root()->end = PhysAddr((uint64_t{1} << in.x86_phys_bits) - 1);
  std::vector<Resource*> late;
  for (const E820Resource& e : E820ReserveResources(e820->table)) {
    Resource* r = iomem.Alloc(
        e.name, e.range.start(), PhysAddr(e.range.end().value() - 1),
        (e.system_ram ? kIoresourceSystemRam : kIoresourceMem) |
            (e.busy ? kIoresourceBusy : 0),
        e.desc);
    if (e.busy) {
      // An entry beyond iomem_resource.end fails to insert, as in the
      // kernel, and is not shown.
      (void)iomem.InsertResource(iomem.root(), r);
    } else {
      late.push_back(r);
    }
  }
  // acpi_pci_root_add -> pci_acpi_root_add_resources: insert_resource of
  // each window (a window that conflicts is left out, as the kernel's
  // "can't claim" path does).
  for (const model::PhysRange& w : in.pci_windows) {
    Resource* r =
        iomem.Alloc("PCI Bus 0000:00", w.start(), PhysAddr(w.end().value() - 1),
                    kIoresourceMem, IoresDesc::kNone);
    (void)iomem.InsertResource(iomem.root(), r);
  }
  for (Resource* r : late) iomem.InsertResourceExpandToFit(iomem.root(), r);
  E820ReserveResourcesLate(e820->table, &log);
  return result;
}

}  // namespace memhp::hotplug
