// Kernel behaviour profiles: which release's rules the model follows.
//
// A profile is a set of named behaviour switches, each set from the release
// and commented with the kernel version where it changed (see
// ../shared/reference/kernel-core-spec.md §11 and the v6.1 source, Debian
// linux-source-6.1 6.1.192-2). Model code asks the switch, never the version,
// so a bug toggle (bug_toggle.h) can bring back one old rule on a new release.
//
// Profiles:
//   v5.3  the release where sub-section hotplug landed;
//   v6.1  Debian's 6.1.192, the kernel the oracle runs (with its stable
//         backports, e.g. the ms->usage RCU fix 5ec8e8ea8b77);
//   v7.1  current mainline.

#ifndef MEMHP_MODEL_PROFILE_H_
#define MEMHP_MODEL_PROFILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace memhp::model {

enum class KernelVersion { kV5_3, kV6_1, kV7_1 };

std::string_view KernelVersionName(KernelVersion v);  // "v6.1"

struct KernelProfile {
  KernelVersion version = KernelVersion::kV6_1;

  // --- include/linux/mmzone.h -------------------------------------------
  // pfn_valid() first rejects pfns whose upper PAGE_SHIFT bits are set
  // (PHYS_PFN(PFN_PHYS(pfn)) != pfn). v5.15+.
  bool pfn_valid_rejects_pfn_overflow = true;
  // __nr_to_section() returns NULL for root >= NR_SECTION_ROOTS. ~v5.18+.
  bool nr_to_section_checks_root_bound = true;
  // SECTION_TAINT_ZONE_DEVICE exists (v5.12+; with CONFIG_ZONE_DEVICE).
  bool has_section_taint_zone_device = true;
  // pfn_section_valid() tolerates a NULL ms->usage (READ_ONCE + NULL check;
  // v6.10, backported to 6.1.y). Without it a NULL usage is dereferenced.
  bool pfn_section_valid_null_safe = true;

  // --- mm/memory_hotplug.c: pfn_to_online_page() -------------------------
  // v5.12+ (Dan Williams' series): out of line, checks the subsection map
  // (no early-section shortcut) and ZONE_DEVICE collisions. Before: section
  // online && pfn_valid_within(pfn).
  bool pfn_to_online_page_checks_subsection = true;

  // --- mm/sparse.c: section_deactivate() ----------------------------------
  // Partial removal from an early section frees nothing (ef69bc9f689d, 2020).
  // False in v5.3: it depopulates part of the boot memmap.
  bool early_partial_removal_keeps_memmap = true;
  // The usage of a section is kfree()d only if it was not boot-allocated
  // (PageReserved test, v5.5 / 5.4.y). False in v5.3: a re-added early
  // section's boot usage is kfree()d on its second complete removal.
  bool boot_usage_never_freed = true;
  // An emptied section loses SECTION_HAS_MEM_MAP before ms->usage is freed
  // (kfree_rcu + WRITE_ONCE NULL; 5ec8e8ea8b77, v6.8, in 6.1.192). False:
  // usage is freed first while the section still reads valid.
  bool clear_has_mem_map_before_freeing_usage = true;
  // An emptied section's section_mem_map becomes 0 (v5.7-ish). False in v5.3:
  // it becomes the encoded NULL memmap (flags cleared, value non-zero).
  bool emptied_section_mem_map_is_zero = true;

  // --- __remove_section / sparse_remove_section ---------------------------
  // The WARN_ON_ONCE(!valid_section(ms)) guard is in sparse_remove_section
  // (v6.6+) rather than in its caller __remove_section.
  bool sparse_remove_section_checks_valid = false;
  // check_pfn_span's WARN prints "end: %#lx" (v6.6+) instead of "end: #%lx".
  bool misaligned_warn_hex_prefix_fixed = false;

  // --- mm/memory_hotplug.c: zone and node spans ---------------------------
  // Zones shrink when memory is offlined (remove_pfn_range_from_zone at the
  // end of offline_pages, which also poisons the struct pages; v5.5,
  // "mm/memory_hotplug: shrink zones when offlining memory"). False in v5.3:
  // offline_pages leaves the span and the memmap; __remove_pages ->
  // __remove_zone shrinks zone and node at removal, searching with
  // pfn_valid() and scanning the whole zone for any page of it left; a
  // failed online_pages() leaves its range in the zone.
  bool shrink_zone_span_on_offline = true;

  // Memory groups and the online policies (v5.15, "drivers/base/memory:
  // introduce memory groups", "mm/memory_hotplug: memory group aware
  // auto-movable online policy"): ACPI memory devices and kmem add their
  // ranges as one static group (MHP_NID_IS_MGID), and memory_hotplug's
  // online_policy / auto_movable_* parameters exist. False in v5.3: each
  // range is added on its node, zone choice is contig-zones only.
  bool memory_groups = true;

  // --- drivers/dax/kmem.c ----------------------------------------------------
  // kmem handles every range of a device and names its System RAM "System RAM
  // (kmem)" (v5.8 add_memory_driver_managed, v5.10 multi-range, with the
  // per-range "mapping%d:" messages). False in v5.3: one range, the whole
  // region aligned to the block size, add_memory() with a "System RAM"
  // child, "could not reserve region [%pa-%pa]" and "DAX region %pR cannot
  // be hotremoved until the next reboot".
  bool kmem_multi_range = true;

  // --- mm/memory_hotplug.c: online_pages / offline_pages ------------------
  // online_pages() frees the whole range and offline_pages() refuses a range
  // with holes ("memory holes", -EINVAL) (v5.10, "mm/memory_hotplug: don't
  // allow to online/offline memory blocks with holes"). False in v5.3: both
  // walk_system_ram_range(); only System RAM pieces are onlined (when their
  // first page is PageReserved) and offlined, present pages follow them,
  // and MEM_ONLINE is sent only when pages were onlined.
  bool memory_holes_refused = true;
  // offline_pages() works on mem->zone: memory_block_offline() returns
  // -EINVAL before any lock without one, offline_pages() WARNs on a first or
  // last page in another zone (v5.18, 395f6081bad4 "drivers/base/memory:
  // determine and store zone for single-zone memory blocks"). False in v5.3:
  // test_pages_in_a_zone() under mem_hotplug_lock ("multizone range").
  bool offline_uses_memory_block_zone = true;
  // memory_block_online/offline() take mem_hotplug_lock, the zone chosen
  // before it (v5.12, memmap_on_memory: "drivers/base/memory: introduce
  // memory_block_{online,offline}"). False in v5.3: online_pages() and
  // __offline_pages() take it themselves, zone_for_pfn_range() under it.
  bool memory_block_online_takes_hotplug_lock = true;
  // "Offlined Pages %ld" is pr_debug (by v6.1). False in v5.3: pr_info.
  bool offlined_pages_is_pr_debug = true;
  // An unmovable page in ZONE_MOVABLE fails the isolation without a WARN
  // (v5.9, "mm/page_isolation: drop WARN_ON_ONCE() in
  // set_migratetype_isolate()"). False in v5.3: has_unmovable_pages()
  // WARN_ON_ONCE(zone_idx(zone) == ZONE_MOVABLE)s before the dump_page().
  bool unmovable_in_movable_zone_silent = true;

  // --- drivers/base/memory.c, mm/memory_hotplug.c: sysfs and removal ------
  // state_store() parses the value before lock_device_hotplug_sysfs() (v5.7,
  // "drivers/base/memory: store mapping between MMOP_* and string in an
  // array", mhp_online_type_from_str). False in v5.3: the lock first.
  bool state_store_parses_before_lock = true;
  // try_remove_memory() checks the blocks are offline and removes their
  // devices before mem_hotplug_begin() (by v6.1). False in v5.3: all of it
  // under mem_hotplug_lock.
  bool try_remove_memory_checks_before_hotplug_lock = true;

  // --- mm/sparse.c: online_mem_sections / offline_mem_sections ------------
  // WARN_ON(!valid_section_nr(nr)) and skip (v5.3 .. v6.19); v7.1 flips the
  // bit unconditionally.
  bool online_mem_sections_warns_invalid = true;

  // The profile of a release, with every switch at that release's value.
  static KernelProfile For(KernelVersion v);
  // Parses "v5.3", "v6.1", "v7.1" (also without the leading 'v').
  static absl::StatusOr<KernelProfile> Parse(std::string_view name);

  std::string_view name() const { return KernelVersionName(version); }
  bool AtLeast(KernelVersion v) const { return version >= v; }
};

// All profiles, oldest first.
std::vector<KernelVersion> AllKernelVersions();

}  // namespace memhp::model

#endif  // MEMHP_MODEL_PROFILE_H_
