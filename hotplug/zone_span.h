// Zones and nodes that grow when memory is onlined and shrink when it is
// offlined (mm/memory_hotplug.c, v6.1): move_pfn_range_to_zone with
// init_currently_empty_zone, resize_zone_range and resize_pgdat_range;
// remove_pfn_range_from_zone with shrink_zone_span,
// find_smallest_section_pfn / find_biggest_section_pfn and
// update_pgdat_span; adjust_present_page_count.
//
// Granularity: the v6.1 and v7.1 profiles step the span searches by
// PAGES_PER_SUBSECTION and accept a pfn only when pfn_to_online_page()
// returns it; the v5.3 profile is described at ShrinkZoneSpan.
//
// Invariants after RemovePfnRangeFromZone (ZONE_DEVICE excepted, whose span
// never shrinks in v6.1):
//  1. a zone that still has an online pfn of its own node and zone starts at
//     the first such subsection and ends after the last;
//  2. a zone without one spans nothing (start 0, 0 pages);
//  3. the node spans from its first to the end of its last non-empty zone.

#ifndef MEMHP_HOTPLUG_ZONE_SPAN_H_
#define MEMHP_HOTPLUG_ZONE_SPAN_H_

#include <cstdint>

#include "hotplug/memory_group.h"
#include "hotplug/zone.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// Kernel: mm/memory_hotplug.c resize_zone_range (v6.1).
void ResizeZoneRange(Zone& zone, model::Pfn start_pfn, model::NrPages nr_pages);
// Kernel: mm/memory_hotplug.c resize_pgdat_range (v6.1).
void ResizePgdatRange(PgData& pgdat, model::Pfn start_pfn,
                      model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c move_pfn_range_to_zone (v6.1): an empty zone
// starts at start_pfn (init_currently_empty_zone), zone and node spans grow
// to cover the range, a ZONE_DEVICE range that does not start or end on a
// section boundary taints those sections, and memmap_init_range
// (MEMINIT_HOTPLUG) initialises the struct pages of exactly this range:
// zone, node, PageReserved.
// DIVERGENCE: the altmap (memmap_init_zone_device's self-hosted pages) is
// not distinguished; the pages are initialised the same way.
void MovePfnRangeToZone(sparse::Sparse& sparse, PgData& pgdat, ZoneType zone,
                        model::Pfn start_pfn, model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c find_smallest_section_pfn (v6.1): the first
// subsection start in [start_pfn, end_pfn) with an online page of `nid` and
// `zone`, or 0.
model::Pfn FindSmallestSectionPfn(sparse::Sparse& sparse, model::NodeId nid,
                                  ZoneType zone, model::Pfn start_pfn,
                                  model::Pfn end_pfn);
// Kernel: mm/memory_hotplug.c find_biggest_section_pfn (v6.1): the last
// subsection end pfn (end_pfn - 1 stepping down by subsections) in
// [start_pfn, end_pfn) with an online page of `nid` and `zone`, or 0.
model::Pfn FindBiggestSectionPfn(sparse::Sparse& sparse, model::NodeId nid,
                                 ZoneType zone, model::Pfn start_pfn,
                                 model::Pfn end_pfn);

// Kernel: mm/memory_hotplug.c shrink_zone_span (v6.1): only a range at the
// start or at the end of the zone shrinks it, to the next online subsection
// of the zone; a range in the middle leaves the span as it is.
void ShrinkZoneSpan(sparse::Sparse& sparse, PgData& pgdat, ZoneType zone,
                    model::Pfn start_pfn, model::Pfn end_pfn);
// Kernel: mm/memory_hotplug.c update_pgdat_span (v6.1).
void UpdatePgdatSpan(PgData& pgdat);

// Kernel: mm/memory_hotplug.c remove_pfn_range_from_zone (v6.1): poisons
// the struct pages of the range (page_init_poison), then, unless the zone
// is ZONE_DEVICE, shrinks the zone and the node.
void RemovePfnRangeFromZone(sparse::Sparse& sparse, PgData& pgdat,
                            ZoneType zone, model::Pfn start_pfn,
                            model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c __remove_zone (v5.3) with its
// shrink_zone_span and shrink_pgdat_span: run for each section before
// sparse_remove_section() when the profile shrinks at removal
// (!shrink_zone_span_on_offline). The searches step by sub-sections and
// accept any pfn_valid() pfn of the node (and zone) outside the removed
// range; when no such pfn is left anywhere in the old span, the zone (node)
// becomes empty. A range in the middle leaves the span.
void RemoveZoneV53(sparse::Sparse& sparse, PgData& pgdat, ZoneType zone,
                   model::Pfn start_pfn, model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c adjust_present_page_count (v6.1): the zone's
// and node's present pages change by nr_pages (negative to remove); for an
// early section the zone's present_early_pages too; with a memory group,
// its present_movable_pages (ZONE_MOVABLE) or present_kernel_pages.
void AdjustPresentPageCount(const sparse::Sparse& sparse, PgData& pgdat,
                            ZoneType zone, model::Pfn pfn, int64_t nr_pages,
                            MemoryGroup* group = nullptr);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ZONE_SPAN_H_
