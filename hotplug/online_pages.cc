#include "hotplug/online_pages.h"

#include <optional>

#include "hotplug/zone_span.h"
#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::NodeId;
using model::NrPages;
using model::Pfn;

namespace {

constexpr model::Site kOnlinePages{"mm/memory_hotplug.c", "online_pages"};
constexpr model::Site kOfflinePages{"mm/memory_hotplug.c", "offline_pages"};

// The {on,off}lining range check both functions share: full memory
// sections (pageblock-aligned start for memmap_on_memory).
bool MisalignedRange(const model::Geometry& g, Pfn pfn, NrPages nr_pages) {
  return nr_pages.IsZero() || !model::IsAligned(pfn, g.PageblockNrPages()) ||
         !model::IsAligned(pfn + nr_pages, g.PagesPerSection());
}

// node_states_check_changes_online().
MemoryNotify CheckChangesOnline(const Machine& m, Pfn pfn, NrPages nr_pages,
                                NodeId nid, ZoneType zone) {
  MemoryNotify arg{.start_pfn = pfn, .nr_pages = nr_pages};
  if (!NodeHasMemory(m, nid)) arg.status_change_nid = nid.value();
  if (zone <= ZoneType::kNormal && !NodeHasNormalMemory(m, nid)) {
    arg.status_change_nid_normal = nid.value();
  }
  return arg;
}

// node_states_check_changes_offline().
MemoryNotify CheckChangesOffline(const PgData& pgdat, Pfn pfn, NrPages nr_pages,
                                 ZoneType zone) {
  MemoryNotify arg{.start_pfn = pfn, .nr_pages = nr_pages};
  uint64_t present_pages = 0;
  for (int zt = 0; zt <= static_cast<int>(ZoneType::kNormal); ++zt) {
    present_pages += pgdat.node_zones[zt].present_pages.value();
  }
  if (zone <= ZoneType::kNormal && nr_pages.value() >= present_pages) {
    arg.status_change_nid_normal = pgdat.node_id.value();
  }
  present_pages += pgdat.zone(ZoneType::kMovable).present_pages.value();
  if (nr_pages.value() >= present_pages) {
    arg.status_change_nid = pgdat.node_id.value();
  }
  return arg;
}

// has_unmovable_pages() as start_isolate_page_range() reaches it: the first
// PageReserved page of the range.
std::optional<Pfn> FirstUnmovablePage(const sparse::Sparse& sparse,
                                      model::PfnRange r) {
  std::optional<Pfn> found;
  sparse.memmap().ForEach(
      r, [&](model::PfnRange run, const sparse::PageState& st) {
        if (!found && st.kind == sparse::MemmapKind::kInitialised &&
            st.PageReserved()) {
          found = run.start();
        }
      });
  return found;
}

}  // namespace

bool NodeHasMemory(const Machine& m, NodeId nid) {
  const PgData* pgdat = m.NodeData(nid);
  if (pgdat == nullptr) return false;
  for (const Zone& z : pgdat->node_zones) {
    if (z.type != ZoneType::kDevice && z.Populated()) return true;
  }
  return false;
}

bool NodeHasNormalMemory(const Machine& m, NodeId nid) {
  const PgData* pgdat = m.NodeData(nid);
  if (pgdat == nullptr) return false;
  for (const Zone& z : pgdat->node_zones) {
    if (z.type <= ZoneType::kNormal && z.Populated()) return true;
  }
  return false;
}

int OnlinePages(Machine& m, Pfn pfn, NrPages nr_pages, NodeId nid,
                ZoneType zone, MemoryGroup* group) {
  sparse::Sparse& sparse = m.sparse();
  if (MisalignedRange(sparse.geometry(), pfn, nr_pages)) {
    m.log().WarnOnOnce(kOnlinePages,
                       "!nr_pages || !pageblock_aligned(pfn) || "
                       "!IS_ALIGNED(pfn + nr_pages, PAGES_PER_SECTION)");
    return -static_cast<int>(model::Errno::kEINVAL);
  }
  PgData* pgdat = m.NodeData(nid);
  MEMHP_CHECK(pgdat != nullptr) << "online_pages on node without pgdat";

  // Associate the pfn range with the zone (pages isolated, PG_reserved).
  MovePfnRangeToZone(sparse, *pgdat, zone, pfn, nr_pages);
  const MemoryNotify arg = CheckChangesOnline(m, pfn, nr_pages, nid, zone);
  if (const int ret = m.MemoryNotify(MemoryAction::kGoingOnline, arg);
      ret != 0) {
    // failed_addition (the pr_debug is not printed).
    m.MemoryNotify(MemoryAction::kCancelOnline, arg);
    RemovePfnRangeFromZone(sparse, *pgdat, zone, pfn, nr_pages);
    return ret;
  }
  // online_pages_range(): generic_online_page() hands every page to the
  // buddy, then online_mem_sections().
  sparse.mutable_memmap().Assign(
      model::PfnRange::FromSize(pfn, nr_pages),
      sparse::PageState::Initialised(static_cast<int>(zone), nid));
  sparse.OnlineMemSections(pfn, pfn + nr_pages);
  AdjustPresentPageCount(sparse, *pgdat, zone, pfn,
                         static_cast<int64_t>(nr_pages.value()), group);
  // node_states_set_node(), build_all_zonelists() for a zone that was not
  // populated, undo_isolate_page_range(), kswapd/kcompactd: not modelled
  // beyond the present pages they follow.
  m.MemoryNotify(MemoryAction::kOnline, arg);
  return 0;
}

int OfflinePages(Machine& m, Pfn start_pfn, NrPages nr_pages, NodeId nid,
                 ZoneType zone, MemoryGroup* group) {
  sparse::Sparse& sparse = m.sparse();
  const model::Geometry& g = sparse.geometry();
  if (MisalignedRange(g, start_pfn, nr_pages)) {
    m.log().WarnOnOnce(kOfflinePages,
                       "!nr_pages || !pageblock_aligned(start_pfn) || "
                       "!IS_ALIGNED(start_pfn + nr_pages, PAGES_PER_SECTION)");
    return -static_cast<int>(model::Errno::kEINVAL);
  }
  const Pfn end_pfn = start_pfn + nr_pages;
  PgData* pgdat = m.NodeData(nid);
  MEMHP_CHECK(pgdat != nullptr) << "offline_pages on node without pgdat";

  // Don't allow to offline memory blocks that contain holes.
  uint64_t system_ram_pages = 0;
  m.iomem().WalkSystemRamRange(g, start_pfn, nr_pages, [&](Pfn, NrPages n) {
    system_ram_pages += n.value();
    return 0;
  });
  if (system_ram_pages != nr_pages.value()) {
    // reason "memory holes" (pr_debug).
    return -static_cast<int>(model::Errno::kEINVAL);
  }
  // Only ranges of a single zone (checked by the caller already).
  auto page_zone = [&](Pfn pfn) { return sparse.memmap().Get(pfn).zone; };
  if (page_zone(start_pfn) != static_cast<int>(zone) ||
      page_zone(end_pfn - NrPages(1)) != static_cast<int>(zone)) {
    m.log().WarnOnOnce(kOfflinePages,
                       "page_zone(pfn_to_page(start_pfn)) != zone || "
                       "page_zone(pfn_to_page(end_pfn - 1)) != zone");
    // reason "multizone range".
    return -static_cast<int>(model::Errno::kEINVAL);
  }
  // start_isolate_page_range(..., MEMORY_OFFLINE | REPORT_FAILURE).
  if (FirstUnmovablePage(sparse, model::PfnRange(start_pfn, end_pfn))) {
    // set_migratetype_isolate(): dump_page(unmovable, "unmovable page");
    // reason "failure to isolate range".
    m.log().Printk(model::LogLevel::kWarning,
                   "page dumped because: unmovable page");
    return -static_cast<int>(model::Errno::kEBUSY);
  }
  const MemoryNotify arg =
      CheckChangesOffline(*pgdat, start_pfn, nr_pages, zone);
  if (const int ret = m.MemoryNotify(MemoryAction::kGoingOffline, arg);
      ret != 0) {
    // reason "notifier failure": undo_isolate_page_range, then
    // MEM_CANCEL_OFFLINE.
    m.MemoryNotify(MemoryAction::kCancelOffline, arg);
    return ret;
  }
  // scan_movable_pages() / do_migrate_range() move everything movable;
  // test_pages_isolated() then holds. __offline_isolated_pages() marks the
  // sections offline.
  sparse.OfflineMemSections(start_pfn, end_pfn);
  AdjustPresentPageCount(sparse, *pgdat, zone, start_pfn,
                         -static_cast<int64_t>(nr_pages.value()), group);
  m.MemoryNotify(MemoryAction::kOffline, arg);
  if (m.profile().shrink_zone_span_on_offline) {
    RemovePfnRangeFromZone(sparse, *pgdat, zone, start_pfn, nr_pages);
  } else {
    // v5.3: __offline_isolated_pages() leaves the pages PG_reserved in
    // their zone; the span shrinks when the memory is removed.
    sparse.mutable_memmap().Assign(
        model::PfnRange(start_pfn, end_pfn),
        sparse::PageState::Initialised(static_cast<int>(zone), nid,
                                       /*reserved=*/true));
  }
  return 0;
}

}  // namespace memhp::hotplug
