#include "model/profile.h"

#include "model/strings.h"

namespace memhp::model {

std::string_view KernelVersionName(KernelVersion v) {
  switch (v) {
    case KernelVersion::kV5_1:
      return "v5.1";
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
  return {KernelVersion::kV5_1, KernelVersion::kV5_3, KernelVersion::kV6_1,
          KernelVersion::kV7_1};
}

std::string KernelVersionNames() {
  std::string out;
  for (KernelVersion v : AllKernelVersions()) {
    if (!out.empty()) out += ", ";
    out += KernelVersionName(v);
  }
  return out;
}

KernelProfile KernelProfile::For(KernelVersion v) {
  KernelProfile p;
  p.version = v;
  switch (v) {
    case KernelVersion::kV5_1:
      // v5.1 is v5.3 before Dan Williams' sub-section series (v5.3-rc1) and
      // before eca499ab3749. Every switch that changed after v5.3 keeps its
      // v5.3 value. Checked against v5.1 text (lore patches that removed or
      // quoted the v5.1 lines; linux-5.1.15's arch/arm64 files):
      // pfn_to_online_page_checks_subsection (v5.1 has the v5.0-rc fix
      // "mm/hotplug: invalid PFNs from pfn_to_online_page()",
      // pfn_valid_within included), online_mem_sections_warns_invalid, and
      // the five switches below. The others (shrink_zone_span_on_offline,
      // memory_holes_refused, offline_uses_memory_block_zone, ...) describe
      // v5.5+ changes whose v5.3 side the model already has; their v5.1 code
      // was not read in full (the stored trees lack v5.1's mm/). The
      // section_deactivate() switches (early_partial_removal_keeps_memmap,
      // boot_usage_never_freed, clear_has_mem_map_before_freeing_usage,
      // emptied_section_mem_map_is_zero) describe a function v5.1 does not
      // have: sparse_remove_one_section() (subsection_hotplug = false) never
      // kfree()s a boot usemap and zeroes section_mem_map first; they keep
      // their v5.3 values so that the v5.3 bug toggles refuse this profile
      // instead of doing nothing.
      p = For(KernelVersion::kV5_3);
      p.version = v;
      p.subsection_hotplug = false;
      p.pfn_valid_checks_subsection = false;
      p.has_mem_section_usage = false;
      p.memremap_pages_exact_range = false;
      p.remove_memory_returns_ebusy = false;
      // drivers/dax/kmem.c as merged in v5.1 (c221c0b0308f): remove leaks
      // the reservation, a failed add_memory() keeps it.
      p.kmem_remove_leaks_reservation = true;
      p.kmem_add_failure_leaks_reservation = true;
      p.nd_pfn_section_padding = true;
      break;
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
      p.arm64_zone_dma = false;
      p.nd_pfn_eopnotsupp = false;
      p.nd_memremap_compat_align = false;
      p.nsio_enable_takes_size = false;
      p.dev_dax_multi_range = false;
      p.dax_hmem = false;
      p.dax_pmem_compat_driver = true;
      break;
    case KernelVersion::kV6_1:
      // Defaults are 6.1.192 (Debian), stable backports included.
      break;
    case KernelVersion::kV7_1:
      p.sparse_remove_section_checks_valid = true;
      p.misaligned_warn_hex_prefix_fixed = true;
      p.online_mem_sections_warns_invalid = false;
      p.arm64_zone_dma_limit_is_address = true;
      p.kmem_warns_truncation = true;
      p.dax_match_type = true;
      p.hmem_regions_default_to_kmem = true;
      p.hmem_platform_device = true;
      p.mapping_store_keeps_lock_rc = true;
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
