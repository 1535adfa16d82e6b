#include "hotplug/memremap.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "hotplug/add_pages.h"
#include "hotplug/resource.h"
#include "hotplug/zone.h"
#include "hotplug/zone_span.h"
#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::ByteSize;
using model::Cat;
using model::Errno;
using model::NodeId;
using model::NrPages;
using model::Operation;
using model::Pfn;
using model::PfnRange;
using model::PhysAddr;
using model::Sprintf;

namespace {

constexpr std::string_view kMemremapC = "mm/memremap.c";

// Debian's 6.1 configuration: CONFIG_DEVICE_PRIVATE=y; CONFIG_FS_DAX_LIMITED
// is selected only by s390's DCSSBLK (and s390 has no ZONE_DEVICE).
constexpr bool kConfigDevicePrivate = true;
constexpr bool kConfigFsDaxLimited = false;

constexpr int Neg(Errno e) { return -static_cast<int>(e); }

int ReturnCodeOf(const absl::Status& s) {
  return s.ok() ? 0 : model::ReturnCode(s);
}

// The kernel's "%#llx": vsprintf's number() writes the "0x" also for 0,
// where glibc's printf writes "0".
std::string KernelHexLL(uint64_t v) {
  return Sprintf("0x%llx", static_cast<unsigned long long>(v));
}

// The end of the physical address space sparsemem can hold (PHYSMEM_END).
uint64_t PhysmemEnd(const model::Geometry& g) {
  return g.max_physmem_bits() >= 64 ? UINT64_MAX
                                    : (uint64_t{1} << g.max_physmem_bits()) - 1;
}

bool TakesPerRangeRefs(const DevPagemap& pgmap) {
  return pgmap.type != MemoryType::kDevicePrivate &&
         pgmap.type != MemoryType::kDeviceCoherent;
}

// percpu_ref_put_many(&pgmap->ref, nr): a killed ref that drains to 0 runs
// dev_pagemap_percpu_release(), which completes pgmap->done.
void RefPutMany(DevPagemap& pgmap, uint64_t nr) {
  pgmap.ref_count -= static_cast<int64_t>(nr);
  MEMHP_CHECK(pgmap.ref_live || pgmap.ref_count >= 0)
      << "dev_pagemap ref underflow: " << pgmap.ref_count;
  if (!pgmap.ref_live && pgmap.ref_count == 0) pgmap.done = true;
}

// Kernel: mm/memremap.c pfn_first (v6.1).
Pfn PfnFirst(const model::Geometry& g, DevPagemap& pgmap, int range_id) {
  const Pfn pfn = g.PfnDown(pgmap.ranges[range_id].start);
  if (range_id != 0) return pfn;
  return pfn + sparse::VmemAltmapOffset(PgmapAltmap(pgmap));
}

// Kernel: mm/memremap.c pfn_end (v6.1).
Pfn PfnEnd(const model::Geometry& g, const DevPagemap& pgmap, int range_id) {
  const InclusiveRange& range = pgmap.ranges[range_id];
  return g.PfnDown(PhysAddr(range.start.value() + range.Len().value()));
}

// Kernel: mm/memremap.c pfn_len (v6.1), with its unsigned arithmetic.
uint64_t PfnLen(const model::Geometry& g, DevPagemap& pgmap, int range_id) {
  return (PfnEnd(g, pgmap, range_id).value() -
          PfnFirst(g, pgmap, range_id).value()) >>
         pgmap.vmemmap_shift;
}

// Kernel: mm/memremap.c pgmap_array_delete (v6.1); synchronize_rcu() has
// nothing to wait for in the model.
void PgmapArrayDelete(DevPagemapRegistry& pgmap_array, const model::Geometry& g,
                      const InclusiveRange& range) {
  pgmap_array.StoreRange(g.PfnDown(range.start), g.PfnDown(range.end), nullptr);
}

// Kernel: arch/x86/mm/init_64.c add_pages (v6.1.192); elsewhere the generic
// add_pages() is __add_pages(). A pagemap's pages do not raise max_pfn
// (params->pgmap is set).
int ArchAddPages(Machine& m, NodeId nid, Pfn start_pfn, NrPages nr_pages,
                 const MhpParams& params) {
  const model::Geometry& g = m.geometry();
  if (g.arch() != model::Arch::kX86_64) {
    return ReturnCodeOf(
        AddPages(m.sparse(), nid, start_pfn, nr_pages, params.altmap));
  }
  const uint64_t end = ((start_pfn + nr_pages).value() << g.page_shift()) - 1;
  if (end > PhysmemEnd(g)) {
    m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "add_pages"},
                       "end > PHYSMEM_END");
    return Neg(Errno::kERANGE);
  }
  const int ret = ReturnCodeOf(
      AddPages(m.sparse(), nid, start_pfn, nr_pages, params.altmap));
  if (ret != 0) {
    m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "add_pages"}, "ret");
  }
  if (params.pgmap == nullptr && start_pfn + nr_pages > m.max_pfn()) {
    // update_end_of_memory_vars().
    m.set_max_pfn(start_pfn + nr_pages);
  }
  return ret;
}

// Kernel: arch/x86/mm/init_64.c arch_add_memory (v6.1) with its mhp_params
// (the model's ArchAddMemory takes none): init_memory_mapping (the direct
// map, not modelled), then add_pages with the altmap.
int ArchAddMemoryWithParams(Machine& m, NodeId nid, PhysAddr start,
                            ByteSize size, const MhpParams& params) {
  const model::Geometry& g = m.geometry();
  return ArchAddPages(m, nid, g.PfnDown(start), g.PagesIn(size), params);
}

// Kernel: arch/x86/mm/init_64.c arch_remove_memory (v6.1) with the altmap:
// __remove_pages, then kernel_physical_mapping_remove (not modelled).
void ArchRemoveMemoryWithAltmap(Machine& m, PhysAddr start, ByteSize size,
                                sparse::VmemAltmap* altmap) {
  const model::Geometry& g = m.geometry();
  RemovePages(m.sparse(), g.PfnDown(start), g.PagesIn(size), altmap);
}

// Kernel: mm/memory_hotplug.c move_pfn_range_to_zone (v6.1) for ZONE_DEVICE:
// the model's MovePfnRangeToZone (spans, taint), whose memmap_init_range
// initialises every page of the range. For ZONE_DEVICE the kernel's
// memmap_init_range (mm/page_alloc.c) initialises only the altmap's memmap
// pages, [base_pfn + reserve, base_pfn + reserve + free), and nothing
// without an altmap; the other struct pages are put back as they were, for
// memmap_init_zone_device() to initialise after the lock.
void MovePfnRangeToZoneDevice(sparse::Sparse& sparse, PgData& pgdat,
                              Pfn start_pfn, NrPages nr_pages,
                              const sparse::VmemAltmap* altmap) {
  const PfnRange range = PfnRange::FromSize(start_pfn, nr_pages);
  std::vector<std::pair<PfnRange, sparse::PageState>> before;
  sparse.memmap().ForEach(range, [&](PfnRange r, const sparse::PageState& s) {
    before.emplace_back(r, s);
  });
  MovePfnRangeToZone(sparse, pgdat, ZoneType::kDevice, start_pfn, nr_pages);
  Pfn init_start = start_pfn;
  Pfn init_end = start_pfn;
  if (altmap != nullptr) {
    if (start_pfn == altmap->base_pfn) init_start = start_pfn + altmap->reserve;
    init_end = altmap->base_pfn + sparse::VmemAltmapOffset(altmap);
    init_start = std::min(std::max(init_start, range.start()), range.end());
    init_end = std::min(std::max(init_end, init_start), range.end());
  }
  for (const auto& [r, state] : before) {
    if (r.start() < init_start) {
      sparse.mutable_memmap().Assign(
          PfnRange(r.start(), std::min(r.end(), init_start)), state);
    }
    if (r.end() > init_end) {
      sparse.mutable_memmap().Assign(
          PfnRange(std::max(r.start(), init_end), r.end()), state);
    }
  }
}

// Kernel: mm/mm_init.c memmap_init_zone_device and __init_zone_device_page
// (Debian 6.1.192): every struct page from the end of the altmap's pages
// (the range start without one) gets its zone, node and PG_reserved.
// DIVERGENCE: page->pgmap, the page counts of PRIVATE/COHERENT pages,
// compound heads and tails (vmemmap_shift) and the pageblock migratetypes
// are not modelled.
void MemmapInitZoneDevice(sparse::Sparse& sparse, PgData& pgdat, ZoneType zone,
                          Pfn start_pfn, NrPages nr_pages, DevPagemap& pgmap) {
  if (zone != ZoneType::kDevice) {
    sparse.log().WarnOnOnce({"mm/mm_init.c", "memmap_init_zone_device"},
                            "!pgmap || zone_idx != ZONE_DEVICE");
    return;
  }
  const Pfn end_pfn = start_pfn + nr_pages;
  if (const sparse::VmemAltmap* altmap = PgmapAltmap(pgmap)) {
    start_pfn = altmap->base_pfn + sparse::VmemAltmapOffset(altmap);
  }
  if (start_pfn >= end_pfn) return;
  sparse.mutable_memmap().Assign(
      PfnRange(start_pfn, end_pfn),
      sparse::PageState::Initialised(static_cast<int>(zone), pgdat.node_id,
                                     /*reserved=*/true));
}

// Kernel: mm/memremap.c pagemap_range (v6.1).
Operation<int> PagemapRange(Machine& m, DevPagemapRegistry& pgmap_array,
                            DevPagemap& pgmap, const MhpParams& params,
                            int range_id, NodeId nid) {
  const model::Geometry& g = m.geometry();
  const bool is_private = pgmap.type == MemoryType::kDevicePrivate;
  const InclusiveRange range = pgmap.ranges[range_id];
  const Pfn start_pfn = g.PfnDown(range.start);
  const NrPages nr_pages = g.PagesIn(range.Len());
  const model::Site site{kMemremapC, "pagemap_range"};

  if (PgmapAltmap(pgmap) != nullptr && range_id > 0) {
    if (pgmap_array.FirstWarn("pagemap_range:altmap")) {
      m.log().Warn(site, "altmap not supported for multiple ranges");
    }
    co_return Neg(Errno::kEINVAL);
  }

  for (const PhysAddr phys : {range.start, range.end}) {
    DevPagemap* conflict_pgmap =
        pgmap_array.GetDevPagemap(g.PfnDown(phys), nullptr);
    if (conflict_pgmap != nullptr) {
      m.log().Warn(site, "Conflicting mapping in same section");
      pgmap_array.PutDevPagemap(conflict_pgmap);
      co_return Neg(Errno::kENOMEM);
    }
  }

  const RegionIntersection is_ram = m.iomem().RegionIntersects(
      range.start, range.Len(), kIoresourceSystemRam, IoresDesc::kNone);
  if (is_ram != RegionIntersection::kDisjoint) {
    if (pgmap_array.FirstWarn("pagemap_range:is_ram")) {
      m.log().Warn(site,
                   Cat("attempted on ",
                       is_ram == RegionIntersection::kMixed ? "mixed" : "ram",
                       " region ", KernelHexLL(range.start.value()), "-",
                       KernelHexLL(range.end.value())));
    }
    co_return Neg(Errno::kENXIO);
  }

  // xa_store_range(): its -ENOMEM is not modelled.
  pgmap_array.StoreRange(g.PfnDown(range.start), g.PfnDown(range.end), &pgmap);

  if (nid.value() < 0) nid = NodeId(0);  // numa_mem_id()
  MEMHP_CHECK(m.NodeData(nid) != nullptr)
      << "memremap_pages on node " << nid << " without NODE_DATA";

  // track_pfn_remap(): x86 PAT memtypes are not modelled; it succeeds.
  if (!MhpRangeAllowed(m.sparse(), range.start, range.Len(), !is_private)) {
    // err_kasan: untrack_pfn(); err_pfn_remap:
    PgmapArrayDelete(pgmap_array, g, range);
    co_return Neg(Errno::kEINVAL);
  }

  // mem_hotplug_begin().
  co_await m.mem_hotplug_lock().DownWrite();
  // Device private memory gets struct pages only (add_pages); memory the
  // CPU can access also gets the linear mapping (arch_add_memory).
  int error = 0;
  if (is_private) {
    error = ArchAddPages(m, nid, start_pfn, nr_pages, params);
  } else {
    // kasan_add_zero_shadow(): KASAN is off.
    error = ArchAddMemoryWithParams(m, nid, range.start, range.Len(), params);
  }
  if (error == 0) {
    MovePfnRangeToZoneDevice(m.sparse(), *m.NodeData(nid), start_pfn, nr_pages,
                             params.altmap);
  }
  // mem_hotplug_done().
  co_await m.mem_hotplug_lock().UpWrite();
  if (error != 0) {
    // err_add_memory: kasan_remove_zero_shadow(); err_kasan: untrack_pfn();
    // err_pfn_remap:
    PgmapArrayDelete(pgmap_array, g, range);
    co_return error;
  }

  // The struct pages are initialised outside the hotplug lock.
  MemmapInitZoneDevice(m.sparse(), *m.NodeData(nid), ZoneType::kDevice,
                       start_pfn, nr_pages, pgmap);
  if (TakesPerRangeRefs(pgmap)) {
    // percpu_ref_get_many(&pgmap->ref, pfn_len(pgmap, range_id)).
    pgmap.ref_count += static_cast<int64_t>(PfnLen(g, pgmap, range_id));
  }
  co_return 0;
}

// Kernel: mm/memremap.c pageunmap_range (v6.1). Returns false when reading
// the first struct page oopsed (the kernel's task dies there).
Operation<bool> PageunmapRange(Machine& m, DevPagemapRegistry& pgmap_array,
                               DevPagemap& pgmap, int range_id) {
  const model::Geometry& g = m.geometry();
  const InclusiveRange range = pgmap.ranges[range_id];
  const Pfn start_pfn = g.PfnDown(range.start);
  const NrPages nr_pages = g.PagesIn(range.Len());

  // first_page = pfn_to_page(pfn_first()): a struct page that was
  // initialised; page_zone(first_page) names the zone.
  const Pfn first_pfn = PfnFirst(g, pgmap, range_id);
  if (!m.sparse().CheckPageReadable(first_pfn).ok()) co_return false;
  const sparse::PageState first_page = m.sparse().memmap().Get(first_pfn);
  PgData* pgdat = m.NodeData(first_page.nid);
  MEMHP_CHECK(pgdat != nullptr)
      << "page_zone of pfn " << first_pfn << " names node " << first_page.nid
      << " without NODE_DATA";

  // Pages are dead and unused: undo the arch mapping.
  co_await m.mem_hotplug_lock().DownWrite();
  RemovePfnRangeFromZone(m.sparse(), *pgdat, ZoneAt(first_page.zone), start_pfn,
                         nr_pages);
  if (pgmap.type == MemoryType::kDevicePrivate) {
    RemovePages(m.sparse(), start_pfn, nr_pages, /*altmap=*/nullptr);
  } else {
    ArchRemoveMemoryWithAltmap(m, range.start, range.Len(), PgmapAltmap(pgmap));
    // kasan_remove_zero_shadow(): KASAN is off.
  }
  co_await m.mem_hotplug_lock().UpWrite();

  // untrack_pfn(): not modelled.
  PgmapArrayDelete(pgmap_array, g, range);
  co_return true;
}

// --- v5.1: kernel/memremap.c, section-aligned ------------------------------

constexpr std::string_view kMemremapV51C = "kernel/memremap.c";

// lib/vsprintf.c resource_string() for "%pr" (raw) of a memory resource:
// "[mem 0x%08llx-0x%08llx flags 0x%lx]" (mem_spec: field width 10 with the
// "0x", zero padded; one number when start == end).
std::string ResourceRaw(const InclusiveRange& res, uint64_t flags) {
  std::string out = Sprintf("[mem 0x%08llx",
                            static_cast<unsigned long long>(res.start.value()));
  if (res.start != res.end) {
    out +=
        Sprintf("-0x%08llx", static_cast<unsigned long long>(res.end.value()));
  }
  out += Sprintf(" flags 0x%llx]", static_cast<unsigned long long>(flags));
  return out;
}

// The section-aligned span of v5.1's devm_memremap_pages():
// align_start = res->start & ~(SECTION_SIZE - 1),
// align_size = ALIGN(res->start + resource_size(res), SECTION_SIZE) -
// align_start.
struct AlignedSpan {
  PhysAddr align_start;
  ByteSize align_size;
  PhysAddr AlignEnd() const {
    return PhysAddr(align_start.value() + align_size.value() - 1);
  }
};
AlignedSpan AlignToSections(const model::Geometry& g,
                            const InclusiveRange& res) {
  const uint64_t section = g.SectionSize().value();
  const uint64_t start = res.start.value() & ~(section - 1);
  const uint64_t end =
      (res.start.value() + res.Len().value() + section - 1) & ~(section - 1);
  return AlignedSpan{PhysAddr(start), ByteSize(end - start)};
}

// percpu_ref_kill(pgmap->ref) through the driver's pgmap->kill (v5.1).
void KillRefV51(DevPagemap& pgmap) {
  if (!pgmap.ref_live) return;
  pgmap.ref_live = false;
  RefPutMany(pgmap, 1);
}

// Kernel: kernel/memremap.c devm_memremap_pages (v5.1 shape, read from the
// lines 7cc7867fb061 "mm/devm_memremap_pages: Enable sub-section remap"
// replaced in its v10 posting, lore
// 156092355542.979959.10060071713397030576.stgit@dwillia2-desk3, whose base
// is v5.2-rc: mhp_restrictions there, (altmap, want_memblock = false) in
// v5.1), with v5.1's x86 add_pages (every add raises max_pfn).
// DIVERGENCE: dev_WARN's "<driver> <device>: " prefix is not printed (the
// model's pagemap has no struct device); the "Conflicting mapping" failure
// kills the ref like the other failures (the v5.2-rc base goes to err_array,
// which kills it; v4.20 returned at once, v5.1's own file is not stored);
// memmap_init_zone_device()'s pr_info "%s initialised, %lu pages in %ums" is
// not logged (it names the device and a time).
Operation<int> DevmMemremapPagesV51(Machine& m, DevPagemapRegistry& pgmap_array,
                                    NodeId dev_node, DevPagemap& pgmap) {
  const model::Geometry& g = m.geometry();
  MEMHP_CHECK(g.vmemmap()) << "ZONE_DEVICE needs SPARSEMEM_VMEMMAP ("
                           << g.name() << ")";
  MEMHP_CHECK(&pgmap_array.machine() == &m)
      << "pgmap_array belongs to another machine";
  MEMHP_CHECK(pgmap.nr_range == 1 && !pgmap.ranges.empty())
      << "v5.1's dev_pagemap has one resource, got nr_range " << pgmap.nr_range;
  const model::Site site{kMemremapV51C, "devm_memremap_pages"};
  const InclusiveRange res = pgmap.ranges[0];
  sparse::VmemAltmap* altmap = PgmapAltmap(pgmap);
  // The driver's percpu_ref_init(pgmap->ref) before the call; the check
  // "!pgmap->ref || !pgmap->kill" (-EINVAL) cannot fail in the model.
  pgmap.done = false;
  pgmap.ref_count = 1;
  pgmap.ref_live = true;

  const AlignedSpan span = AlignToSections(g, res);
  for (const PhysAddr phys : {span.align_start, span.AlignEnd()}) {
    DevPagemap* conflict_pgmap =
        pgmap_array.GetDevPagemap(g.PfnDown(phys), nullptr);
    if (conflict_pgmap != nullptr) {
      m.log().Warn(site, "Conflicting mapping in same section");
      pgmap_array.PutDevPagemap(conflict_pgmap);
      KillRefV51(pgmap);
      co_return Neg(Errno::kENOMEM);
    }
  }

  const RegionIntersection is_ram =
      m.iomem().RegionIntersects(span.align_start, span.align_size,
                                 kIoresourceSystemRam, IoresDesc::kNone);
  if (is_ram != RegionIntersection::kDisjoint) {
    if (pgmap_array.FirstWarn("devm_memremap_pages:is_ram")) {
      m.log().Warn(site,
                   Cat("devm_memremap_pages attempted on ",
                       is_ram == RegionIntersection::kMixed ? "mixed" : "ram",
                       " region ", ResourceRaw(res, pgmap.res_flags)));
    }
    // err_array: pgmap->kill(pgmap->ref).
    KillRefV51(pgmap);
    co_return Neg(Errno::kENXIO);
  }

  // pgmap->dev = dev; xa_store_range(): the resource's own pfns, not the
  // padding (its -ENOMEM is not modelled).
  pgmap_array.StoreRange(g.PfnDown(res.start), g.PfnDown(res.end), &pgmap);

  NodeId nid = dev_node;
  if (nid.value() < 0) nid = NodeId(0);  // numa_mem_id()
  MEMHP_CHECK(m.NodeData(nid) != nullptr)
      << "devm_memremap_pages on node " << nid << " without NODE_DATA";
  // track_pfn_remap() of the aligned range: succeeds.

  const Pfn align_pfn = g.PfnDown(span.align_start);
  const NrPages align_pages = g.PagesIn(span.align_size);
  co_await m.mem_hotplug_lock().DownWrite();
  // Device private memory gets add_pages() (no linear map, no altmap); the
  // other types kasan_add_zero_shadow (KASAN off) and arch_add_memory().
  // v5.1's x86 add_pages() raises max_pfn whatever the caller: no pgmap is
  // passed down.
  int error = 0;
  if (pgmap.type == MemoryType::kDevicePrivate) {
    error = ArchAddPages(m, nid, align_pfn, align_pages, MhpParams{});
  } else {
    error = ArchAddPages(m, nid, align_pfn, align_pages,
                         MhpParams{.altmap = altmap});
  }
  if (error == 0) {
    MovePfnRangeToZoneDevice(m.sparse(), *m.NodeData(nid), align_pfn,
                             align_pages, altmap);
  }
  co_await m.mem_hotplug_lock().UpWrite();
  if (error != 0) {
    // err_add_memory: kasan; err_kasan: untrack_pfn; err_pfn_remap:
    // pgmap_array_delete(res); err_array: pgmap->kill(pgmap->ref).
    PgmapArrayDelete(pgmap_array, g, res);
    KillRefV51(pgmap);
    co_return error;
  }
  // Initialised outside the hotplug lock, the padding too.
  MemmapInitZoneDevice(m.sparse(), *m.NodeData(nid), ZoneType::kDevice,
                       align_pfn, align_pages, pgmap);
  // percpu_ref_get_many(pgmap->ref, pfn_end(pgmap) - pfn_first(pgmap)):
  // every type, the resource's pages only.
  pgmap.ref_count += static_cast<int64_t>(PfnLen(g, pgmap, 0));
  // devm_add_action_or_reset(): no devres in the model.
  co_return 0;
}

// Kernel: kernel/memremap.c devm_memremap_pages_release (v5.1 shape, same
// source as DevmMemremapPagesV51), with v5.1's x86 arch_remove_memory and
// __remove_pages (their zone: __remove_zone per section, ZONE_DEVICE too).
// There is no wait for the references (the v5.2 fix "mm/devm_memremap_pages:
// fix final page put race" added pgmap->cleanup): the sections go even while
// pages are still referenced.
// DIVERGENCE: dev_WARN_ONCE's device prefix is not printed.
Operation<bool> DevmMemremapPagesReleaseV51(Machine& m,
                                            DevPagemapRegistry& pgmap_array,
                                            DevPagemap& pgmap) {
  const model::Geometry& g = m.geometry();
  MEMHP_CHECK(pgmap.ref_live)
      << "devm_memremap_pages_release of a pagemap that is not mapped";
  const InclusiveRange res = pgmap.ranges[0];
  // pgmap->kill(pgmap->ref); put_page() of every device pfn.
  KillRefV51(pgmap);
  RefPutMany(pgmap, PfnLen(g, pgmap, 0));

  // Pages are dead and unused: undo the arch mapping.
  const AlignedSpan span = AlignToSections(g, res);
  const Pfn align_pfn = g.PfnDown(span.align_start);
  const NrPages align_pages = g.PagesIn(span.align_size);
  sparse::VmemAltmap* altmap = PgmapAltmap(pgmap);
  // nid = page_to_nid(pfn_to_page(align_start >> PAGE_SHIFT)); x86's
  // arch_remove_memory() takes page_zone() of the page after the altmap's.
  if (!m.sparse().CheckPageReadable(align_pfn).ok()) co_return false;
  const bool is_private = pgmap.type == MemoryType::kDevicePrivate;
  const Pfn zone_pfn =
      is_private ? align_pfn : align_pfn + sparse::VmemAltmapOffset(altmap);
  if (!m.sparse().CheckPageReadable(zone_pfn).ok()) co_return false;
  const sparse::PageState zone_page = m.sparse().memmap().Get(zone_pfn);
  PgData* pgdat = m.NodeData(zone_page.nid);
  MEMHP_CHECK(pgdat != nullptr)
      << "page_zone of pfn " << zone_pfn << " names node " << zone_page.nid
      << " without NODE_DATA";

  co_await m.mem_hotplug_lock().DownWrite();
  sparse::VmemAltmap* remove_altmap = is_private ? nullptr : altmap;
  for (Pfn pfn = align_pfn; pfn < align_pfn + align_pages;
       pfn += g.PagesPerSection()) {
    // __remove_section(): a section that is not valid stops the walk.
    if (!m.sparse().ValidSection(g.SectionOf(pfn))) {
      if (!is_private && g.arch() == model::Arch::kX86_64) {
        m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "arch_remove_memory"},
                           "ret");
      }
      break;
    }
    RemoveZoneV53(m.sparse(), *pgdat, ZoneAt(zone_page.zone), pfn,
                  g.PagesPerSection());
    (void)RemovePages(m.sparse(), pfn, g.PagesPerSection(), remove_altmap);
  }
  co_await m.mem_hotplug_lock().UpWrite();

  // untrack_pfn(); pgmap_array_delete(res).
  PgmapArrayDelete(pgmap_array, g, res);
  if (!pgmap.altmap.alloc.IsZero() &&
      pgmap_array.FirstWarn("devm_memremap_pages_release:alloc")) {
    m.log().Warn({kMemremapV51C, "devm_memremap_pages_release"},
                 "devm_memremap_pages_release: failed to free all reserved "
                 "pages");
  }
  co_return true;
}

}  // namespace

InclusiveRange InclusiveRange::Of(model::PhysRange r) {
  MEMHP_CHECK(!r.empty()) << "struct range of an empty range";
  return InclusiveRange{r.start(), PhysAddr(r.end().value() - 1)};
}

sparse::VmemAltmap* PgmapAltmap(DevPagemap& pgmap) {
  return (pgmap.flags & kPgmapAltmapValid) ? &pgmap.altmap : nullptr;
}

bool PgmapPfnValid(const model::Geometry& g, DevPagemap& pgmap, Pfn pfn) {
  for (int i = 0; i < pgmap.nr_range; ++i) {
    const InclusiveRange& range = pgmap.ranges[i];
    if (pfn >= g.PfnDown(range.start) && pfn <= g.PfnDown(range.end)) {
      return pfn >= PfnFirst(g, pgmap, i);
    }
  }
  return false;
}

// --- DevPagemapRegistry ------------------------------------------------------

DevPagemapRegistry::DevPagemapRegistry(Machine& m) : m_(m) {
  m_.sparse().set_dev_pagemap_lookup([this](Pfn pfn) {
    // pfn_to_online_page()'s slow path: get_dev_pagemap(pfn, NULL), then
    // put_dev_pagemap() at once.
    DevPagemap* pgmap = GetDevPagemap(pfn, nullptr);
    PutDevPagemap(pgmap);
    return pgmap != nullptr;
  });
}

DevPagemapRegistry::~DevPagemapRegistry() {
  m_.sparse().set_dev_pagemap_lookup(nullptr);
}

void DevPagemapRegistry::StoreRange(Pfn first, Pfn last, DevPagemap* pgmap) {
  MEMHP_CHECK(first <= last) << "xa_store_range " << first << " > " << last;
  const uint64_t lo = first.value();
  const uint64_t hi = last.value();
  // The entries overlapping [lo, hi]: the one starting at or before lo, and
  // every one starting inside.
  auto it = entries_.upper_bound(lo);
  if (it != entries_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.last >= lo) it = prev;
  }
  std::vector<std::pair<uint64_t, Stored>> keep;
  while (it != entries_.end() && it->first <= hi) {
    const uint64_t s = it->first;
    const Stored e = it->second;
    if (s < lo) keep.push_back({s, Stored{lo - 1, e.pgmap}});
    if (e.last > hi) keep.push_back({hi + 1, Stored{e.last, e.pgmap}});
    it = entries_.erase(it);
  }
  for (const auto& [s, e] : keep) entries_.emplace(s, e);
  if (pgmap != nullptr) entries_.emplace(lo, Stored{hi, pgmap});
}

DevPagemap* DevPagemapRegistry::Load(Pfn pfn) const {
  auto it = entries_.upper_bound(pfn.value());
  if (it == entries_.begin()) return nullptr;
  --it;
  return pfn.value() <= it->second.last ? it->second.pgmap : nullptr;
}

std::vector<DevPagemapRegistry::Entry> DevPagemapRegistry::Entries() const {
  std::vector<Entry> out;
  for (const auto& [first, e] : entries_) {
    out.push_back(Entry{Pfn(first), Pfn(e.last), e.pgmap});
  }
  return out;
}

DevPagemap* DevPagemapRegistry::GetDevPagemap(Pfn pfn, DevPagemap* pgmap) {
  const model::Geometry& g = m_.geometry();
  const PhysAddr phys = g.PfnPhys(pfn);
  // In the cached case a live reference is held already.
  if (pgmap != nullptr) {
    MEMHP_CHECK(!pgmap->ranges.empty()) << "get_dev_pagemap: no pgmap->range";
    if (phys >= pgmap->ranges[0].start && phys <= pgmap->ranges[0].end) {
      return pgmap;
    }
    PutDevPagemap(pgmap);
  }
  // The slow path: xa_load under RCU, percpu_ref_tryget_live_rcu().
  pgmap = Load(g.PfnDown(phys));
  if (pgmap == nullptr || !pgmap->ref_live) return nullptr;
  ++pgmap->ref_count;
  return pgmap;
}

void DevPagemapRegistry::PutDevPagemap(DevPagemap* pgmap) {
  if (pgmap != nullptr) RefPutMany(*pgmap, 1);
}

bool DevPagemapRegistry::FirstWarn(std::string_view site) {
  return warned_.emplace(site).second;
}

// --- memremap_pages / memunmap_pages -----------------------------------------

Operation<int> MemremapPages(Machine& m, DevPagemapRegistry& pgmap_array,
                             DevPagemap& pgmap, NodeId nid) {
  MEMHP_CHECK(m.geometry().vmemmap())
      << "ZONE_DEVICE needs SPARSEMEM_VMEMMAP (" << m.geometry().name() << ")";
  MEMHP_CHECK(&pgmap_array.machine() == &m)
      << "pgmap_array belongs to another machine";
  const model::Site site{kMemremapC, "memremap_pages"};
  MhpParams params{.altmap = PgmapAltmap(pgmap), .pgmap = &pgmap};
  const int nr_range = pgmap.nr_range;
  MEMHP_CHECK(nr_range >= 0 &&
              static_cast<size_t>(nr_range) <= pgmap.ranges.size())
      << "nr_range " << nr_range << " with " << pgmap.ranges.size()
      << " ranges";

  if (nr_range == 0) {
    if (pgmap_array.FirstWarn("memremap_pages:nr_range")) {
      m.log().Warn(site, "nr_range must be specified");
    }
    co_return Neg(Errno::kEINVAL);
  }

  switch (pgmap.type) {
    case MemoryType::kDevicePrivate:
      if (!kConfigDevicePrivate) {
        m.log().Warn(site, "Device private memory not supported");
        co_return Neg(Errno::kEINVAL);
      }
      if (pgmap.ops == nullptr || !pgmap.ops->migrate_to_ram) {
        m.log().Warn(site, "Missing migrate_to_ram method");
        co_return Neg(Errno::kEINVAL);
      }
      if (!pgmap.ops->page_free) {
        m.log().Warn(site, "Missing page_free method");
        co_return Neg(Errno::kEINVAL);
      }
      if (pgmap.owner == nullptr) {
        m.log().Warn(site, "Missing owner");
        co_return Neg(Errno::kEINVAL);
      }
      break;
    case MemoryType::kDeviceCoherent:
      MEMHP_CHECK(pgmap.ops != nullptr)
          << "MEMORY_DEVICE_COHERENT without ops (the kernel dereferences "
             "pgmap->ops)";
      if (!pgmap.ops->page_free) {
        m.log().Warn(site, "Missing page_free method");
        co_return Neg(Errno::kEINVAL);
      }
      if (pgmap.owner == nullptr) {
        m.log().Warn(site, "Missing owner");
        co_return Neg(Errno::kEINVAL);
      }
      break;
    case MemoryType::kDeviceFsDax:
      if (kConfigFsDaxLimited) {
        m.log().Warn(site, "File system DAX not supported");
        co_return Neg(Errno::kEINVAL);
      }
      // params.pgprot = pgprot_decrypted(params.pgprot): not modelled.
      break;
    case MemoryType::kDeviceGeneric:
      break;
    case MemoryType::kDevicePciP2pdma:
      // params.pgprot = pgprot_noncached(params.pgprot): not modelled.
      break;
    default:
      m.log().Warn(
          site, Sprintf("Invalid pgmap type %d", static_cast<int>(pgmap.type)));
      break;
  }

  // init_completion(&pgmap->done); percpu_ref_init(&pgmap->ref, ...).
  pgmap.done = false;
  pgmap.ref_count = 1;
  pgmap.ref_live = true;
  // devmap_managed_enable_get(): the static key is not modelled.

  // nr_range counts the ranges mapped: it says how many to unwind.
  pgmap.nr_range = 0;
  int error = 0;
  int i = 0;
  for (; i < nr_range; ++i) {
    error = co_await PagemapRange(m, pgmap_array, pgmap, params, i, nid);
    if (error != 0) break;
    ++pgmap.nr_range;
  }
  if (i < nr_range) {
    (void)co_await MemunmapPages(m, pgmap_array, pgmap);
    pgmap.nr_range = nr_range;
    co_return error;
  }
  co_return 0;
}

Operation<bool> MemunmapPages(Machine& m, DevPagemapRegistry& pgmap_array,
                              DevPagemap& pgmap) {
  const model::Geometry& g = m.geometry();
  MEMHP_CHECK(pgmap.ref_live)
      << "memunmap_pages of a pagemap whose ref is not live (not mapped, or "
         "unmapped twice)";
  MEMHP_CHECK(pgmap.nr_range >= 0 &&
              static_cast<size_t>(pgmap.nr_range) <= pgmap.ranges.size())
      << "nr_range " << pgmap.nr_range;

  // percpu_ref_kill(): no new references; the initial one goes.
  pgmap.ref_live = false;
  RefPutMany(pgmap, 1);
  if (TakesPerRangeRefs(pgmap)) {
    for (int i = 0; i < pgmap.nr_range; ++i) {
      RefPutMany(pgmap, PfnLen(g, pgmap, i));
    }
  }
  // wait_for_completion(&pgmap->done).
  while (!pgmap.done) {
    co_await model::Suspend(model::SuspendKind::kLockAcquire, "pgmap->done");
  }

  for (int i = 0; i < pgmap.nr_range; ++i) {
    const bool unmapped = co_await PageunmapRange(m, pgmap_array, pgmap, i);
    if (!unmapped) co_return true;
  }
  // percpu_ref_exit().

  if (!pgmap.altmap.alloc.IsZero() &&
      pgmap_array.FirstWarn("memunmap_pages:alloc")) {
    m.log().Warn({kMemremapC, "memunmap_pages"},
                 "failed to free all reserved pages");
  }
  // devmap_managed_enable_put(): the static key is not modelled.
  co_return true;
}

Operation<int> DevmMemremapPages(Machine& m, DevPagemapRegistry& pgmap_array,
                                 NodeId dev_node, DevPagemap& pgmap) {
  if (!m.profile().memremap_pages_exact_range) {
    const int error_v51 =
        co_await DevmMemremapPagesV51(m, pgmap_array, dev_node, pgmap);
    co_return error_v51;
  }
  const int error = co_await MemremapPages(m, pgmap_array, pgmap, dev_node);
  // devm_add_action_or_reset(dev, devm_memremap_pages_release, pgmap): no
  // devres in the model.
  co_return error;
}

Operation<bool> DevmMemunmapPages(Machine& m, DevPagemapRegistry& pgmap_array,
                                  DevPagemap& pgmap) {
  // devm_release_action(dev, devm_memremap_pages_release, pgmap).
  if (!m.profile().memremap_pages_exact_range) {
    const bool released =
        co_await DevmMemremapPagesReleaseV51(m, pgmap_array, pgmap);
    co_return released;
  }
  co_return co_await MemunmapPages(m, pgmap_array, pgmap);
}

}  // namespace memhp::hotplug
