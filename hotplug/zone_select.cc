#include "hotplug/zone_select.h"

#include <string>

#include "model/cmdline.h"
#include "model/kstrtox.h"
#include "model/status.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::NodeId;
using model::NrPages;
using model::Pfn;

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

std::string_view OnlinePolicyName(OnlinePolicy p) {
  switch (p) {
    case OnlinePolicy::kContigZones:
      return "contig-zones";
    case OnlinePolicy::kAutoMovable:
      return "auto-movable";
  }
  return "?";
}

namespace {

// parameq(): dashes and underscores are interchangeable.
bool Parameq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto dash_to_underscore = [](char c) { return c == '-' ? '_' : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (dash_to_underscore(a[i]) != dash_to_underscore(b[i])) return false;
  }
  return true;
}

}  // namespace

int MemoryHotplugParamSet(MemoryHotplugParams& params, std::string_view param,
                          std::optional<std::string_view> val) {
  if (Parameq(param, "memory_hotplug.online_policy")) {
    // parse_one(): an option without a value needs KERNEL_PARAM_OPS_FL_NOARG.
    if (!val) return rc::kEINVAL;
    // set_online_policy(): sysfs_match_string(online_policy_to_str, val).
    std::string_view s = *val;
    if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
    for (OnlinePolicy p :
         {OnlinePolicy::kContigZones, OnlinePolicy::kAutoMovable}) {
      if (OnlinePolicyName(p) == s) {
        params.online_policy = p;
        return 0;
      }
    }
    return rc::kEINVAL;
  }
  if (Parameq(param, "memory_hotplug.auto_movable_ratio")) {
    if (!val) return rc::kEINVAL;
    // param_set_uint(): kstrtouint(val, 0, ...), that is kstrtoull and
    // -ERANGE above UINT_MAX (-EINVAL and -ERANGE are both "invalid" to
    // parse_args()).
    const model::KstrtoResult<uint64_t> v = model::Kstrtoull(*val, 0);
    if (!v.ok()) return v.error;
    if (v.value > UINT32_MAX) return -static_cast<int>(model::Errno::kERANGE);
    params.auto_movable_ratio = static_cast<unsigned>(v.value);
    return 0;
  }
  if (Parameq(param, "memory_hotplug.auto_movable_numa_aware")) {
    // param_set_bool(): no value means "1".
    const std::optional<bool> v = model::Kstrtobool(val.value_or("1"));
    if (!v) return rc::kEINVAL;
    params.auto_movable_numa_aware = *v;
    return 0;
  }
  return rc::kENOENT;
}

ZoneType DefaultKernelZoneForPfn(const PgData& pgdat, Pfn start_pfn,
                                 NrPages nr_pages) {
  for (int zid = 0; zid < static_cast<int>(ZoneType::kNormal); ++zid) {
    if (pgdat.node_zones[zid].Intersects(start_pfn, nr_pages)) {
      return ZoneAt(zid);
    }
  }
  return ZoneType::kNormal;
}

namespace {

// struct auto_movable_stats. The kernel's unsigned long arithmetic (and its
// wrap-around) is kept.
struct AutoMovableStats {
  uint64_t kernel_early_pages = 0;
  uint64_t movable_pages = 0;
};

// Kernel: mm/memory_hotplug.c auto_movable_stats_account_zone (v6.1);
// zone->cma_pages is 0 (no CMA in the model).
void AutoMovableStatsAccountZone(AutoMovableStats& stats, const Zone& zone) {
  if (zone.type == ZoneType::kMovable) {
    stats.movable_pages += zone.present_pages.value();
  } else {
    stats.kernel_early_pages += zone.present_early_pages.value();
  }
}

// struct auto_movable_group_stats.
struct AutoMovableGroupStats {
  uint64_t movable_pages = 0;
  uint64_t req_kernel_early_pages = 0;
};

// Kernel: mm/memory_hotplug.c auto_movable_stats_account_group (v6.1).
int AutoMovableStatsAccountGroup(const MemoryGroup& group,
                                 AutoMovableGroupStats& stats,
                                 unsigned auto_movable_ratio) {
  const int ratio = static_cast<int>(auto_movable_ratio);
  // Avoid the division by zero (the kernel does not support changing the
  // ratio while the policy is active).
  if (ratio == 0) return 0;
  // How many early kernel pages this group requires to satisfy the ratio.
  int64_t pages = static_cast<int64_t>(group.present_movable_pages.value() *
                                       100 / static_cast<uint64_t>(ratio));
  pages -= static_cast<int64_t>(group.present_kernel_pages.value());
  if (pages > 0) stats.req_kernel_early_pages += static_cast<uint64_t>(pages);
  stats.movable_pages += group.present_movable_pages.value();
  return 0;
}

// Kernel: mm/memory_hotplug.c auto_movable_can_online_movable (v6.1): could
// nr_pages more ZONE_MOVABLE pages stay within the ratio, over every
// populated zone (nid NUMA_NO_NODE) or over the zones of `pgdat`?
bool AutoMovableCanOnlineMovable(NodeId nid, const PgData& pgdat,
                                 const MemoryGroup* group, uint64_t nr_pages,
                                 const ZoneSelectGlobals& globals) {
  AutoMovableStats stats;
  // Walk all relevant zones and collect MOVABLE vs. KERNEL stats.
  if (nid.IsNoNode() && globals.node_data != nullptr) {
    // for_each_populated_zone().
    for (const auto& [n, node] : *globals.node_data) {
      for (const Zone& zone : node.node_zones) {
        if (zone.Populated()) AutoMovableStatsAccountZone(stats, zone);
      }
    }
  } else {
    for (const Zone& zone : pgdat.node_zones) {
      if (zone.Populated()) AutoMovableStatsAccountZone(stats, zone);
    }
  }
  uint64_t kernel_early_pages = stats.kernel_early_pages;
  uint64_t movable_pages = stats.movable_pages;

  // Kernel memory inside dynamic memory groups allows for more MOVABLE
  // memory within the same group: remove the effect of all but the current
  // group from the stats.
  AutoMovableGroupStats group_stats;
  if (globals.memory_groups != nullptr) {
    globals.memory_groups->WalkDynamicMemoryGroups(
        nid,
        [&](const MemoryGroup& g) {
          return AutoMovableStatsAccountGroup(
              g, group_stats, globals.params.auto_movable_ratio);
        },
        group);
  }
  if (kernel_early_pages <= group_stats.req_kernel_early_pages) return false;
  kernel_early_pages -= group_stats.req_kernel_early_pages;
  movable_pages -= group_stats.movable_pages;

  if (group != nullptr && group->is_dynamic) {
    kernel_early_pages += group->present_kernel_pages.value();
  }
  // Could nr_pages go to ZONE_MOVABLE and stay within the ratio?
  movable_pages += nr_pages;
  return movable_pages <=
         (globals.params.auto_movable_ratio * kernel_early_pages) / 100;
}

// Kernel: mm/memory_hotplug.c auto_movable_zone_for_pfn (v6.1).
ZoneType AutoMovableZoneForPfn(const PgData& pgdat, const MemoryGroup* group,
                               Pfn pfn, NrPages nr_pages,
                               const ZoneSelectGlobals& globals) {
  const NodeId nid = pgdat.node_id;
  uint64_t online_pages = 0, max_pages = 0;
  // kernel_zone: default_kernel_zone_for_pfn(nid, pfn, nr_pages) with pfn
  // and nr_pages as they are at the jump (the kernel changes both on the
  // way).
  auto kernel_zone = [&] {
    return DefaultKernelZoneForPfn(pgdat, pfn, nr_pages);
  };

  if (globals.params.auto_movable_ratio == 0) return kernel_zone();

  if (group != nullptr && !group->is_dynamic) {
    max_pages = group->max_pages.value();
    online_pages = group->present_movable_pages.value();
    // If anything is !MOVABLE online the rest !MOVABLE.
    if (!group->present_kernel_pages.IsZero()) return kernel_zone();
  } else if (group == nullptr || group->unit_pages == nr_pages) {
    max_pages = nr_pages.value();
  } else {
    max_pages = group->unit_pages.value();
    // Every online section of the unit: all pages of a section are in one
    // zone (dynamic groups only hold hotplugged memory).
    pfn = Pfn(pfn.value() / max_pages * max_pages);  // ALIGN_DOWN
    const Pfn end_pfn = pfn + NrPages(max_pages);
    if (globals.sparse == nullptr) {
      pfn = end_pfn;  // no memmap: nothing is online
    } else {
      const NrPages per_section = globals.sparse->geometry().PagesPerSection();
      for (; pfn < end_pfn; pfn += per_section) {
        if (!globals.sparse->PfnToOnlinePage(pfn)) continue;
        // If anything is !MOVABLE online the rest !MOVABLE.
        if (globals.sparse->memmap().Get(pfn).zone !=
            static_cast<int>(ZoneType::kMovable)) {
          return kernel_zone();
        }
        online_pages += per_section.value();
      }
    }
  }

  // Online MOVABLE if we could *currently* online all remaining parts
  // MOVABLE: they are expected to be (added and) onlined next.
  nr_pages = NrPages(max_pages - online_pages);
  if (!AutoMovableCanOnlineMovable(model::kNumaNoNode, pgdat, group,
                                   nr_pages.value(), globals)) {
    return kernel_zone();
  }
  if (globals.params.auto_movable_numa_aware &&
      !AutoMovableCanOnlineMovable(nid, pgdat, group, nr_pages.value(),
                                   globals)) {
    return kernel_zone();
  }
  return ZoneType::kMovable;
}

// Kernel: mm/memory_hotplug.c default_zone_for_pfn (v6.1).
ZoneType DefaultZoneForPfn(const PgData& pgdat, Pfn start_pfn, NrPages nr_pages,
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

}  // namespace

ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         const MemoryGroup* group, Pfn start_pfn,
                         NrPages nr_pages, const ZoneSelectGlobals& globals) {
  if (online_type == OnlineType::kOnlineKernel) {
    return DefaultKernelZoneForPfn(pgdat, start_pfn, nr_pages);
  }
  if (online_type == OnlineType::kOnlineMovable) return ZoneType::kMovable;
  if (globals.params.online_policy == OnlinePolicy::kAutoMovable) {
    return AutoMovableZoneForPfn(pgdat, group, start_pfn, nr_pages, globals);
  }
  return DefaultZoneForPfn(pgdat, start_pfn, nr_pages,
                           globals.movable_node_enabled);
}

ZoneType ZoneForPfnRange(OnlineType online_type, const PgData& pgdat,
                         Pfn start_pfn, NrPages nr_pages,
                         bool movable_node_enabled) {
  return ZoneForPfnRange(
      online_type, pgdat, /*group=*/nullptr, start_pfn, nr_pages,
      ZoneSelectGlobals{.movable_node_enabled = movable_node_enabled});
}

}  // namespace memhp::hotplug
