// Which zone memory goes to when it is onlined (mm/memory_hotplug.c, v6.1):
// default_kernel_zone_for_pfn, default_zone_for_pfn and zone_for_pfn_range
// with the default ("contig-zones") online policy.
// DIVERGENCE: the "auto-movable" online policy (memory_hotplug.online_policy)
// is not modelled yet; zone_for_pfn_range follows contig-zones.

#ifndef MEMHP_HOTPLUG_ZONE_SELECT_H_
#define MEMHP_HOTPLUG_ZONE_SELECT_H_

#include <optional>
#include <string_view>

#include "hotplug/zone.h"
#include "model/types.h"

namespace memhp::hotplug {

// enum mmop (include/linux/memory_hotplug.h, v5.8+): MMOP_OFFLINE 0,
// MMOP_ONLINE, MMOP_ONLINE_KERNEL, MMOP_ONLINE_MOVABLE.
enum class OnlineType { kOffline = 0, kOnline, kOnlineKernel, kOnlineMovable };

// online_type_to_str[]: "offline", "online", "online_kernel",
// "online_movable".
std::string_view OnlineTypeName(OnlineType t);
// mhp_online_type_from_str(): sysfs_streq (a trailing newline is allowed);
// nullopt where the kernel returns -EINVAL.
std::optional<OnlineType> OnlineTypeFromStr(std::string_view s);

// Kernel: mm/memory_hotplug.c default_kernel_zone_for_pfn (v6.1): the first
// zone below ZONE_NORMAL the range intersects, else ZONE_NORMAL.
ZoneType DefaultKernelZoneForPfn(const PgData& pgdat, model::Pfn start_pfn,
                                 model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c zone_for_pfn_range (v6.1).
ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         model::Pfn start_pfn, model::NrPages nr_pages,
                         bool movable_node_enabled);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ZONE_SELECT_H_
