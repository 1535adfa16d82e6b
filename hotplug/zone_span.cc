#include "hotplug/zone_span.h"

#include <algorithm>
#include <optional>

#include "model/check.h"

namespace memhp::hotplug {

using model::NodeId;
using model::NrPages;
using model::Pfn;

namespace {

// The zone and node of an online page, as page_zone() / pfn_to_nid() read
// them from its flags.
bool OnlinePageOf(sparse::Sparse& sparse, Pfn pfn, NodeId nid, ZoneType zone) {
  if (!sparse.PfnToOnlinePage(pfn)) return false;
  const sparse::PageState st = sparse.memmap().Get(pfn);
  if (st.nid != nid) return false;
  return st.zone == static_cast<int>(zone);
}

}  // namespace

void ResizeZoneRange(Zone& zone, Pfn start_pfn, NrPages nr_pages) {
  const Pfn old_end_pfn = zone.zone_end_pfn();
  if (zone.IsEmpty() || start_pfn < zone.zone_start_pfn) {
    zone.zone_start_pfn = start_pfn;
  }
  zone.spanned_pages =
      std::max(start_pfn + nr_pages, old_end_pfn) - zone.zone_start_pfn;
}

void ResizePgdatRange(PgData& pgdat, Pfn start_pfn, NrPages nr_pages) {
  const Pfn old_end_pfn = pgdat.node_start_pfn + pgdat.node_spanned_pages;
  if (pgdat.node_spanned_pages.IsZero() || start_pfn < pgdat.node_start_pfn) {
    pgdat.node_start_pfn = start_pfn;
  }
  pgdat.node_spanned_pages =
      std::max(start_pfn + nr_pages, old_end_pfn) - pgdat.node_start_pfn;
}

void MovePfnRangeToZone(sparse::Sparse& sparse, PgData& pgdat, ZoneType type,
                        Pfn start_pfn, NrPages nr_pages) {
  Zone& zone = pgdat.zone(type);
  const model::Geometry& g = sparse.geometry();
  // init_currently_empty_zone(): the zone starts here.
  if (zone.IsEmpty()) zone.zone_start_pfn = start_pfn;
  ResizeZoneRange(zone, start_pfn, nr_pages);
  ResizePgdatRange(pgdat, start_pfn, nr_pages);
  if (type == ZoneType::kDevice) {
    if (!model::IsAligned(start_pfn, g.PagesPerSection())) {
      sparse.SectionTaintZoneDevice(start_pfn);
    }
    if (!model::IsAligned(start_pfn + nr_pages, g.PagesPerSection())) {
      sparse.SectionTaintZoneDevice(start_pfn + nr_pages);
    }
  }
  // memmap_init_range(..., MEMINIT_HOTPLUG): every page of the range gets
  // its zone and node and PG_reserved.
  sparse.mutable_memmap().Assign(
      model::PfnRange::FromSize(start_pfn, nr_pages),
      sparse::PageState::Initialised(static_cast<int>(type), pgdat.node_id,
                                     /*reserved=*/true));
}

Pfn FindSmallestSectionPfn(sparse::Sparse& sparse, NodeId nid, ZoneType zone,
                           Pfn start_pfn, Pfn end_pfn) {
  const NrPages step = sparse.geometry().PagesPerSubsection();
  for (; start_pfn < end_pfn; start_pfn += step) {
    if (OnlinePageOf(sparse, start_pfn, nid, zone)) return start_pfn;
  }
  return Pfn(0);
}

Pfn FindBiggestSectionPfn(sparse::Sparse& sparse, NodeId nid, ZoneType zone,
                          Pfn start_pfn, Pfn end_pfn) {
  const NrPages step = sparse.geometry().PagesPerSubsection();
  if (end_pfn <= start_pfn) return Pfn(0);
  // pfn is the end pfn of a memory (sub)section; the kernel's unsigned loop
  // stops once pfn drops below start_pfn (or wraps below 0).
  Pfn pfn = end_pfn - NrPages(1);
  while (true) {
    if (OnlinePageOf(sparse, pfn, nid, zone)) return pfn;
    if (pfn.value() < start_pfn.value() + step.value()) break;
    pfn -= step;
  }
  return Pfn(0);
}

void ShrinkZoneSpan(sparse::Sparse& sparse, PgData& pgdat, ZoneType type,
                    Pfn start_pfn, Pfn end_pfn) {
  Zone& zone = pgdat.zone(type);
  const NodeId nid = pgdat.node_id;
  if (zone.zone_start_pfn == start_pfn) {
    // The range was the zone's lowest: the zone starts at the next online
    // subsection of its own.
    const Pfn pfn =
        FindSmallestSectionPfn(sparse, nid, type, end_pfn, zone.zone_end_pfn());
    if (pfn.value() != 0) {
      zone.spanned_pages = zone.zone_end_pfn() - pfn;
      zone.zone_start_pfn = pfn;
    } else {
      zone.zone_start_pfn = Pfn(0);
      zone.spanned_pages = NrPages(0);
    }
  } else if (zone.zone_end_pfn() == end_pfn) {
    // The range was the zone's highest: the zone ends after the last online
    // subsection of its own.
    const Pfn pfn = FindBiggestSectionPfn(sparse, nid, type,
                                          zone.zone_start_pfn, start_pfn);
    if (pfn.value() != 0) {
      zone.spanned_pages = pfn - zone.zone_start_pfn + NrPages(1);
    } else {
      zone.zone_start_pfn = Pfn(0);
      zone.spanned_pages = NrPages(0);
    }
  }
}

void UpdatePgdatSpan(PgData& pgdat) {
  uint64_t node_start_pfn = 0, node_end_pfn = 0;
  for (const Zone& zone : pgdat.node_zones) {
    const uint64_t end_pfn = zone.zone_end_pfn().value();
    if (zone.spanned_pages.IsZero()) continue;
    if (node_end_pfn == 0) {
      node_start_pfn = zone.zone_start_pfn.value();
      node_end_pfn = end_pfn;
      continue;
    }
    node_end_pfn = std::max(node_end_pfn, end_pfn);
    node_start_pfn = std::min(node_start_pfn, zone.zone_start_pfn.value());
  }
  pgdat.node_start_pfn = Pfn(node_start_pfn);
  pgdat.node_spanned_pages = NrPages(node_end_pfn - node_start_pfn);
}

void RemovePfnRangeFromZone(sparse::Sparse& sparse, PgData& pgdat,
                            ZoneType zone, Pfn start_pfn, NrPages nr_pages) {
  // page_init_poison(): the struct pages are uninitialised again.
  sparse.mutable_memmap().Assign(model::PfnRange::FromSize(start_pfn, nr_pages),
                                 sparse::PageState::Poisoned());
  // Zone shrinking cannot deal with ZONE_DEVICE: its span stays.
  if (zone == ZoneType::kDevice) return;
  ShrinkZoneSpan(sparse, pgdat, zone, start_pfn, start_pfn + nr_pages);
  UpdatePgdatSpan(pgdat);
}

namespace {

// v5.3 find_smallest_section_pfn / find_biggest_section_pfn: pfn_valid(),
// the node, and the zone unless it is NULL (the pgdat search).
bool ValidPageOf(sparse::Sparse& sparse, Pfn pfn, NodeId nid,
                 std::optional<ZoneType> zone) {
  if (!sparse.PfnValid(pfn)) return false;
  const sparse::PageState st = sparse.memmap().Get(pfn);
  if (st.nid != nid) return false;
  return !zone || st.zone == static_cast<int>(*zone);
}

Pfn FindSmallestV53(sparse::Sparse& sparse, NodeId nid,
                    std::optional<ZoneType> zone, Pfn start_pfn, Pfn end_pfn) {
  const NrPages step = sparse.geometry().PagesPerSubsection();
  for (; start_pfn < end_pfn; start_pfn += step) {
    if (ValidPageOf(sparse, start_pfn, nid, zone)) return start_pfn;
  }
  return Pfn(0);
}

Pfn FindBiggestV53(sparse::Sparse& sparse, NodeId nid,
                   std::optional<ZoneType> zone, Pfn start_pfn, Pfn end_pfn) {
  const NrPages step = sparse.geometry().PagesPerSubsection();
  if (end_pfn <= start_pfn) return Pfn(0);
  for (Pfn pfn = end_pfn - NrPages(1);; pfn -= step) {
    if (ValidPageOf(sparse, pfn, nid, zone)) return pfn;
    if (pfn.value() < start_pfn.value() + step.value()) break;
  }
  return Pfn(0);
}

// The shared shape of v5.3's shrink_zone_span and shrink_pgdat_span over a
// span [*start, *start + *spanned).
void ShrinkSpanV53(sparse::Sparse& sparse, NodeId nid,
                   std::optional<ZoneType> zone, Pfn* span_start,
                   NrPages* spanned, Pfn start_pfn, Pfn end_pfn) {
  const Pfn old_start = *span_start;
  const Pfn old_end = *span_start + *spanned;
  if (old_start == start_pfn) {
    const Pfn pfn = FindSmallestV53(sparse, nid, zone, end_pfn, old_end);
    if (pfn.value() != 0) {
      *span_start = pfn;
      *spanned = old_end - pfn;
    }
  } else if (old_end == end_pfn) {
    const Pfn pfn = FindBiggestV53(sparse, nid, zone, old_start, start_pfn);
    if (pfn.value() != 0) *spanned = pfn - old_start + NrPages(1);
  }
  // The span may hold only holes now: any valid page of it outside the
  // removed range keeps it.
  const NrPages step = sparse.geometry().PagesPerSubsection();
  for (Pfn pfn = old_start; pfn < old_end; pfn += step) {
    if (!ValidPageOf(sparse, pfn, nid, zone)) continue;
    if (pfn >= start_pfn && pfn < end_pfn) continue;
    return;
  }
  *span_start = Pfn(0);
  *spanned = NrPages(0);
}

}  // namespace

void RemoveZoneV53(sparse::Sparse& sparse, PgData& pgdat, ZoneType type,
                   Pfn start_pfn, NrPages nr_pages) {
  Zone& zone = pgdat.zone(type);
  const Pfn end_pfn = start_pfn + nr_pages;
  ShrinkSpanV53(sparse, pgdat.node_id, type, &zone.zone_start_pfn,
                &zone.spanned_pages, start_pfn, end_pfn);
  ShrinkSpanV53(sparse, pgdat.node_id, std::nullopt, &pgdat.node_start_pfn,
                &pgdat.node_spanned_pages, start_pfn, end_pfn);
}

void AdjustPresentPageCount(const sparse::Sparse& sparse, PgData& pgdat,
                            ZoneType type, Pfn pfn, int64_t nr_pages,
                            MemoryGroup* group) {
  Zone& zone = pgdat.zone(type);
  auto add = [&](NrPages& n) {
    const int64_t v = static_cast<int64_t>(n.value()) + nr_pages;
    MEMHP_CHECK(v >= 0) << "present pages below zero";
    n = NrPages(static_cast<uint64_t>(v));
  };
  if (sparse.EarlySection(sparse.geometry().SectionOf(pfn))) {
    add(zone.present_early_pages);
  }
  add(zone.present_pages);
  add(pgdat.node_present_pages);
  if (group != nullptr) {
    add(type == ZoneType::kMovable ? group->present_movable_pages
                                   : group->present_kernel_pages);
  }
}

}  // namespace memhp::hotplug
