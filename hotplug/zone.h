// struct zone and struct pglist_data as the hotplug core uses them
// (include/linux/mmzone.h, v6.1): zone spans and present pages per node.
//
// The zones are those of Debian's x86_64 and arm64 6.1 configurations:
// ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE
// (MAX_NR_ZONES 5).
// DIVERGENCE: configurations without ZONE_DMA/ZONE_DMA32 (or with HIGHMEM)
// keep the same five zones; the missing ones stay empty.
//
// Invariants of a Zone:
//  1. spanned_pages == 0 implies zone_start_pfn == 0 at boot
//     (calculate_node_totalpages);
//  2. present_pages <= spanned_pages.

#ifndef MEMHP_HOTPLUG_ZONE_H_
#define MEMHP_HOTPLUG_ZONE_H_

#include <array>
#include <optional>
#include <string_view>

#include "model/types.h"

namespace memhp::hotplug {

enum class ZoneType : int {
  kDma = 0,
  kDma32 = 1,
  kNormal = 2,
  kMovable = 3,
  kDevice = 4,
};
inline constexpr int kMaxNrZones = 5;

// zone_names[]: "DMA", "DMA32", "Normal", "Movable", "Device".
std::string_view ZoneName(ZoneType z);
std::optional<ZoneType> ZoneFromName(std::string_view name);
inline ZoneType ZoneAt(int idx) { return static_cast<ZoneType>(idx); }

struct Zone {
  ZoneType type = ZoneType::kNormal;
  model::Pfn zone_start_pfn{0};
  model::NrPages spanned_pages{0};
  model::NrPages present_pages{0};
  model::NrPages present_early_pages{0};

  model::Pfn zone_end_pfn() const { return zone_start_pfn + spanned_pages; }
  // zone_is_empty(): spans nothing.
  bool IsEmpty() const { return spanned_pages.IsZero(); }
  // populated_zone(): has present pages.
  bool Populated() const { return !present_pages.IsZero(); }
  // zone_spans_pfn().
  bool SpansPfn(model::Pfn pfn) const {
    return zone_start_pfn <= pfn && pfn < zone_end_pfn();
  }
  // zone_intersects(zone, start_pfn, nr_pages).
  bool Intersects(model::Pfn start_pfn, model::NrPages nr_pages) const {
    if (IsEmpty()) return false;
    return !(start_pfn >= zone_end_pfn() ||
             start_pfn + nr_pages <= zone_start_pfn);
  }
};

struct PgData {
  model::NodeId node_id{0};
  model::Pfn node_start_pfn{0};
  model::NrPages node_spanned_pages{0};
  model::NrPages node_present_pages{0};
  std::array<Zone, kMaxNrZones> node_zones;

  PgData() {
    for (int i = 0; i < kMaxNrZones; ++i) node_zones[i].type = ZoneAt(i);
  }
  Zone& zone(ZoneType t) { return node_zones[static_cast<int>(t)]; }
  const Zone& zone(ZoneType t) const { return node_zones[static_cast<int>(t)]; }
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ZONE_H_
