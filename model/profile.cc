#include "model/profile.h"

#include "model/strings.h"

namespace memhp::model {

std::string_view KernelVersionName(KernelVersion v) {
  switch (v) {
    case KernelVersion::kV5_3:
      return "v5.3";
    case KernelVersion::kV6_1:
      return "v6.1";
    case KernelVersion::kV7_1:
      return "v7.1";
  }
  return "?";
}

std::vector<KernelVersion> AllKernelVersions() {
  return {KernelVersion::kV5_3, KernelVersion::kV6_1, KernelVersion::kV7_1};
}

KernelProfile KernelProfile::For(KernelVersion v) {
  KernelProfile p;
  p.version = v;
  switch (v) {
    case KernelVersion::kV5_3:
      p.pfn_valid_rejects_pfn_overflow = false;
      p.nr_to_section_checks_root_bound = false;
      p.has_section_taint_zone_device = false;
      p.pfn_section_valid_null_safe = false;
      p.pfn_to_online_page_checks_subsection = false;
      p.early_partial_removal_keeps_memmap = false;
      p.boot_usage_never_freed = false;
      p.clear_has_mem_map_before_freeing_usage = false;
      p.emptied_section_mem_map_is_zero = false;
      p.sparse_remove_section_checks_valid = false;
      p.misaligned_warn_hex_prefix_fixed = false;
      p.online_mem_sections_warns_invalid = true;
      p.shrink_zone_span_on_offline = false;
      p.memory_groups = false;
      p.kmem_multi_range = false;
      p.memory_holes_refused = false;
      p.offline_uses_memory_block_zone = false;
      p.memory_block_online_takes_hotplug_lock = false;
      p.offlined_pages_is_pr_debug = false;
      p.unmovable_in_movable_zone_silent = false;
      p.state_store_parses_before_lock = false;
      p.try_remove_memory_checks_before_hotplug_lock = false;
      break;
    case KernelVersion::kV6_1:
      // Defaults are 6.1.192 (Debian), stable backports included.
      break;
    case KernelVersion::kV7_1:
      p.sparse_remove_section_checks_valid = true;
      p.misaligned_warn_hex_prefix_fixed = true;
      p.online_mem_sections_warns_invalid = false;
      break;
  }
  return p;
}

absl::StatusOr<KernelProfile> KernelProfile::Parse(std::string_view name) {
  std::string_view n = name;
  if (!n.empty() && n.front() == 'v') n.remove_prefix(1);
  for (KernelVersion v : AllKernelVersions()) {
    if (KernelVersionName(v).substr(1) == n) return For(v);
  }
  std::vector<std::string> names;
  for (KernelVersion v : AllKernelVersions()) {
    names.emplace_back(KernelVersionName(v));
  }
  return absl::InvalidArgumentError(Cat("unknown kernel profile '", name,
                                        "'; expected one of ",
                                        Join(names, ", ")));
}

}  // namespace memhp::model
