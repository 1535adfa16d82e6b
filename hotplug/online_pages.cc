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
using model::Sprintf;

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

// set_migratetype_isolate() with REPORT_FAILURE on the unmovable page of
// `zone`: v5.3's has_unmovable_pages() first WARN_ON_ONCEs for ZONE_MOVABLE.
void ReportUnmovablePage(Machine& m, ZoneType zone) {
  if (!m.profile().unmovable_in_movable_zone_silent &&
      zone == ZoneType::kMovable) {
    m.log().WarnOnOnce({"mm/page_alloc.c", "has_unmovable_pages"},
                       "zone_idx(zone) == ZONE_MOVABLE");
  }
  m.log().Printk(model::LogLevel::kWarning,
                 "page dumped because: unmovable page");
}

// The part of __offline_pages both releases share: start_isolate_page_range
// (MEMORY_OFFLINE | REPORT_FAILURE: set_migratetype_isolate dumps the first
// unmovable page, reason "failure to isolate range", -EBUSY), then
// MEM_GOING_OFFLINE (reason "notifier failure": undo_isolate_page_range and
// MEM_CANCEL_OFFLINE). 0 with *arg filled, or the error.
int IsolateAndNotifyGoingOffline(Machine& m, PgData& pgdat, Pfn start_pfn,
                                 NrPages nr_pages, ZoneType zone,
                                 MemoryNotify* arg) {
  if (FirstUnmovablePage(m.sparse(),
                         model::PfnRange(start_pfn, start_pfn + nr_pages))) {
    ReportUnmovablePage(m, zone);
    return -static_cast<int>(model::Errno::kEBUSY);
  }
  *arg = CheckChangesOffline(pgdat, start_pfn, nr_pages, zone);
  if (const int ret = m.MemoryNotify(MemoryAction::kGoingOffline, *arg);
      ret != 0) {
    m.MemoryNotify(MemoryAction::kCancelOffline, *arg);
    return ret;
  }
  return 0;
}

// The "Offlined Pages %ld" line of a successful offline (pr_info in v5.3).
void ReportOfflinedPages(Machine& m, uint64_t offlined_pages) {
  if (m.profile().offlined_pages_is_pr_debug) return;
  m.log().Printk(
      model::LogLevel::kInfo,
      Sprintf("Offlined Pages %ld", static_cast<long>(offlined_pages)));
}

// The zone of a struct page: page_to_nid() and page_zonenum().
struct PageZone {
  NodeId nid;
  ZoneType zone;
};

// Kernel: mm/memory_hotplug.c test_pages_in_a_zone (v5.3): the first page of
// every MAX_ORDER_NR_PAGES chunk of the present sections of [start_pfn,
// end_pfn) must lie in the span of the first such page's zone and be of that
// zone. Returns that zone, or nullopt (several zones, or no page at all).
// DIVERGENCE: pfn_valid_within() is taken as true (no CONFIG_HOLES_IN_ZONE,
// as on x86); a struct page that is not initialised counts as another zone
// (the kernel would read its poisoned flags).
std::optional<PageZone> TestPagesInAZone(const Machine& m, Pfn start_pfn,
                                         Pfn end_pfn) {
  const sparse::Sparse& sparse = m.sparse();
  const model::Geometry& g = sparse.geometry();
  std::optional<PageZone> zone;
  for (Pfn pfn = start_pfn,
           sec_end_pfn = g.SectionAlignUp(start_pfn + NrPages(1));
       pfn < end_pfn; pfn = sec_end_pfn, sec_end_pfn += g.PagesPerSection()) {
    // Make sure the memory section is present first.
    if (!sparse.PresentSection(g.SectionOf(pfn))) continue;
    for (; pfn < sec_end_pfn && pfn < end_pfn; pfn += g.MaxOrderNrPages()) {
      const sparse::PageState st = sparse.memmap().Get(pfn);
      // Check if we got outside of the zone.
      if (zone && !m.NodeData(zone->nid)->zone(zone->zone).SpansPfn(pfn)) {
        return std::nullopt;
      }
      if (st.kind != sparse::MemmapKind::kInitialised || st.zone < 0 ||
          st.zone >= kMaxNrZones) {
        return std::nullopt;
      }
      const PageZone page_zone{st.nid, ZoneAt(st.zone)};
      if (zone &&
          (page_zone.nid != zone->nid || page_zone.zone != zone->zone)) {
        return std::nullopt;
      }
      zone = page_zone;
    }
  }
  return zone;
}

// Kernel: mm/memory_hotplug.c __offline_pages (v5.3), after
// mem_hotplug_begin() (the caller holds the lock): test_pages_in_a_zone()
// ("multizone range", -EINVAL), start_isolate_page_range() ("failure to
// isolate range", -EBUSY), MEM_GOING_OFFLINE ("notifier failure"), then the
// System RAM pieces of the range are offlined (offline_isolated_pages_cb:
// sections offline, pages PG_reserved), pr_info "Offlined Pages %ld", present
// pages shrink by the pages offlined, MEM_OFFLINE. With memory_holes_refused
// (v5.10 .. v5.17) the "memory holes" check comes first.
int OfflinePagesInAZone(Machine& m, Pfn start_pfn, NrPages nr_pages,
                        MemoryGroup* group) {
  sparse::Sparse& sparse = m.sparse();
  const model::Geometry& g = sparse.geometry();
  const Pfn end_pfn = start_pfn + nr_pages;
  if (m.profile().memory_holes_refused) {
    uint64_t system_ram_pages = 0;
    m.iomem().WalkSystemRamRange(g, start_pfn, nr_pages, [&](Pfn, NrPages n) {
      system_ram_pages += n.value();
      return 0;
    });
    // reason "memory holes" (pr_debug).
    if (system_ram_pages != nr_pages.value()) {
      return -static_cast<int>(model::Errno::kEINVAL);
    }
  }
  // This makes hotplug much easier...and readable.
  const std::optional<PageZone> page_zone =
      TestPagesInAZone(m, start_pfn, end_pfn);
  // reason "multizone range" (pr_debug, no WARN).
  if (!page_zone) return -static_cast<int>(model::Errno::kEINVAL);
  const ZoneType zone = page_zone->zone;
  PgData* pgdat = m.NodeData(page_zone->nid);
  MEMHP_CHECK(pgdat != nullptr) << "offline_pages on node without pgdat";
  MemoryNotify arg;
  if (const int ret = IsolateAndNotifyGoingOffline(m, *pgdat, start_pfn,
                                                   nr_pages, zone, &arg);
      ret != 0) {
    return ret;
  }
  // Ok, all of our target is isolated: offline_isolated_pages_cb() on each
  // System RAM piece; holes keep their (PG_reserved) struct pages.
  uint64_t offlined_pages = 0;
  m.iomem().WalkSystemRamRange(g, start_pfn, nr_pages, [&](Pfn pfn, NrPages n) {
    sparse.OfflineMemSections(pfn, pfn + n);
    sparse.mutable_memmap().Assign(
        model::PfnRange::FromSize(pfn, n),
        sparse::PageState::Initialised(static_cast<int>(zone), page_zone->nid,
                                       /*reserved=*/true));
    offlined_pages += n.value();
    return 0;
  });
  ReportOfflinedPages(m, offlined_pages);
  AdjustPresentPageCount(sparse, *pgdat, zone, start_pfn,
                         -static_cast<int64_t>(offlined_pages), group);
  m.MemoryNotify(MemoryAction::kOffline, arg);
  if (m.profile().shrink_zone_span_on_offline) {
    RemovePfnRangeFromZone(sparse, *pgdat, zone, start_pfn, nr_pages);
  }
  return 0;
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
    // v5.3 leaves the range in the zone (no remove_pfn_range_from_zone).
    if (m.profile().shrink_zone_span_on_offline) {
      RemovePfnRangeFromZone(sparse, *pgdat, zone, pfn, nr_pages);
    }
    return ret;
  }
  if (!m.profile().memory_holes_refused) {
    // v5.3: walk_system_ram_range(pfn, nr_pages, &onlined_pages,
    // online_pages_range): a System RAM piece whose first page is
    // PageReserved goes to the buddy; its sections go online either way.
    // Holes stay PG_reserved and are not present.
    uint64_t onlined_pages = 0;
    const int ret = m.iomem().WalkSystemRamRange(
        sparse.geometry(), pfn, nr_pages, [&](Pfn start, NrPages n) {
          if (sparse.memmap().Get(start).PageReserved()) {
            sparse.mutable_memmap().Assign(
                model::PfnRange::FromSize(start, n),
                sparse::PageState::Initialised(static_cast<int>(zone), nid));
            onlined_pages += n.value();
          }
          sparse.OnlineMemSections(start, start + n);
          return 0;
        });
    if (ret != 0) {
      // failed_addition: no System RAM at all (-EINVAL); the range stays
      // in the zone.
      m.MemoryNotify(MemoryAction::kCancelOnline, arg);
      return ret;
    }
    AdjustPresentPageCount(sparse, *pgdat, zone, pfn,
                           static_cast<int64_t>(onlined_pages), group);
    if (onlined_pages != 0) m.MemoryNotify(MemoryAction::kOnline, arg);
    return 0;
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
  if (!m.profile().offline_uses_memory_block_zone) {
    return OfflinePagesInAZone(m, start_pfn, nr_pages, group);
  }
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
  MemoryNotify arg;
  if (const int ret = IsolateAndNotifyGoingOffline(m, *pgdat, start_pfn,
                                                   nr_pages, zone, &arg);
      ret != 0) {
    return ret;
  }
  // scan_movable_pages() / do_migrate_range() move everything movable;
  // test_pages_isolated() then holds. __offline_isolated_pages() marks the
  // sections offline.
  sparse.OfflineMemSections(start_pfn, end_pfn);
  ReportOfflinedPages(m, nr_pages.value());
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
