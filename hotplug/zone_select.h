// Which zone memory goes to when it is onlined (mm/memory_hotplug.c, v6.1):
// the online policies "contig-zones" (default_zone_for_pfn) and
// "auto-movable" (auto_movable_zone_for_pfn with its MOVABLE:KERNEL_EARLY
// ratio over the system, the node and the memory groups), chosen by the
// module parameters memory_hotplug.online_policy, auto_movable_ratio and
// auto_movable_numa_aware; default_kernel_zone_for_pfn and
// zone_for_pfn_range.
// DIVERGENCE: CMA pages (which auto-movable counts as movable) do not exist
// in the model: cma_pages is 0 everywhere.

#ifndef MEMHP_HOTPLUG_ZONE_SELECT_H_
#define MEMHP_HOTPLUG_ZONE_SELECT_H_

#include <map>
#include <optional>
#include <string_view>

#include "hotplug/memory_group.h"
#include "hotplug/zone.h"
#include "model/types.h"
#include "sparse/sparse.h"

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

// ONLINE_POLICY_CONTIG_ZONES, ONLINE_POLICY_AUTO_MOVABLE.
enum class OnlinePolicy { kContigZones = 0, kAutoMovable };
// online_policy_to_str[]: "contig-zones", "auto-movable".
std::string_view OnlinePolicyName(OnlinePolicy p);

// The module parameters of mm/memory_hotplug.c that choose a zone (v6.1),
// with their defaults.
struct MemoryHotplugParams {
  // memory_hotplug.online_policy.
  OnlinePolicy online_policy = OnlinePolicy::kContigZones;
  // memory_hotplug.auto_movable_ratio: the maximum MOVABLE:KERNEL ratio in
  // percent.
  unsigned auto_movable_ratio = 301;
  // memory_hotplug.auto_movable_numa_aware (CONFIG_NUMA).
  bool auto_movable_numa_aware = true;
};

// The kernel_param_ops .set of a memory_hotplug parameter, as parse_one()
// reaches it for `param` (the full name, "memory_hotplug.online_policy";
// parameq(): '-' and '_' are the same) with `val` (nullopt: no '='):
// set_online_policy (sysfs_match_string), param_set_uint (kstrtouint base
// 0) or param_set_bool (no value is "1", kstrtobool). Returns 0, the
// setter's -EINVAL or -ERANGE for a value it refuses, or -ENOENT for a name
// that is not one of the three (parse_one() then hands it to the
// unknown-option handler).
// DIVERGENCE: memory_hotplug.memmap_on_memory is not modelled (-ENOENT).
int MemoryHotplugParamSet(MemoryHotplugParams& params, std::string_view param,
                          std::optional<std::string_view> val);

// What zone_for_pfn_range() reads besides its arguments, all kernel
// globals: the module parameters, movable_node_enabled, NODE_DATA() of
// every node (for_each_populated_zone), the memory groups
// (walk_dynamic_memory_groups) and the memmap (pfn_to_online_page,
// page_zone). A null pointer stands for "only the node passed in" / "no
// groups" / "no online pages".
struct ZoneSelectGlobals {
  MemoryHotplugParams params;
  bool movable_node_enabled = false;
  const std::map<int, PgData>* node_data = nullptr;
  const MemoryGroups* memory_groups = nullptr;
  sparse::Sparse* sparse = nullptr;
};

// Kernel: mm/memory_hotplug.c default_kernel_zone_for_pfn (v6.1): the first
// zone below ZONE_NORMAL the range intersects, else ZONE_NORMAL.
ZoneType DefaultKernelZoneForPfn(const PgData& pgdat, model::Pfn start_pfn,
                                 model::NrPages nr_pages);

// Kernel: mm/memory_hotplug.c zone_for_pfn_range (v6.1): MMOP_ONLINE_KERNEL
// -> default_kernel_zone_for_pfn; MMOP_ONLINE_MOVABLE -> ZONE_MOVABLE; the
// "auto-movable" policy -> auto_movable_zone_for_pfn; else
// default_zone_for_pfn (which honours movable_node). `pgdat` is
// NODE_DATA(nid) of the memory; `group` its memory group or nullptr.
ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         const MemoryGroup* group, model::Pfn start_pfn,
                         model::NrPages nr_pages,
                         const ZoneSelectGlobals& globals);
// The same with the default parameters and no group ("contig-zones").
ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         model::Pfn start_pfn, model::NrPages nr_pages,
                         bool movable_node_enabled);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ZONE_SELECT_H_
