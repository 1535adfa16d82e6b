#include "hotplug/zone_select.h"

namespace memhp::hotplug {

std::string_view OnlineTypeName(OnlineType t) {
  switch (t) {
    case OnlineType::kOffline:
      return "offline";
    case OnlineType::kOnline:
      return "online";
    case OnlineType::kOnlineKernel:
      return "online_kernel";
    case OnlineType::kOnlineMovable:
      return "online_movable";
  }
  return "?";
}

std::optional<OnlineType> OnlineTypeFromStr(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  for (OnlineType t : {OnlineType::kOffline, OnlineType::kOnline,
                       OnlineType::kOnlineKernel, OnlineType::kOnlineMovable}) {
    if (OnlineTypeName(t) == s) return t;
  }
  return std::nullopt;
}

ZoneType DefaultKernelZoneForPfn(const PgData& pgdat, model::Pfn start_pfn,
                                 model::NrPages nr_pages) {
  for (int zid = 0; zid < static_cast<int>(ZoneType::kNormal); ++zid) {
    if (pgdat.node_zones[zid].Intersects(start_pfn, nr_pages)) {
      return ZoneAt(zid);
    }
  }
  return ZoneType::kNormal;
}

// Kernel: mm/memory_hotplug.c default_zone_for_pfn (v6.1).
static ZoneType DefaultZoneForPfn(const PgData& pgdat, model::Pfn start_pfn,
                                  model::NrPages nr_pages,
                                  bool movable_node_enabled) {
  const ZoneType kernel_zone =
      DefaultKernelZoneForPfn(pgdat, start_pfn, nr_pages);
  const bool in_kernel =
      pgdat.zone(kernel_zone).Intersects(start_pfn, nr_pages);
  const bool in_movable =
      pgdat.zone(ZoneType::kMovable).Intersects(start_pfn, nr_pages);
  // Inherit the existing zone where zones do not overlap in the range.
  if (in_kernel ^ in_movable) {
    return in_kernel ? kernel_zone : ZoneType::kMovable;
  }
  return movable_node_enabled ? ZoneType::kMovable : kernel_zone;
}

ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         model::Pfn start_pfn, model::NrPages nr_pages,
                         bool movable_node_enabled) {
  if (online_type == OnlineType::kOnlineKernel) {
    return DefaultKernelZoneForPfn(pgdat, start_pfn, nr_pages);
  }
  if (online_type == OnlineType::kOnlineMovable) return ZoneType::kMovable;
  return DefaultZoneForPfn(pgdat, start_pfn, nr_pages, movable_node_enabled);
}

}  // namespace memhp::hotplug
