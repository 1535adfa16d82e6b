// Kernel behaviour profiles: which release's rules the model follows.
//
// A profile is a set of named behaviour switches, each set from the release
// and commented with the kernel version where it changed (see
// ../shared/reference/kernel-core-spec.md §11 and the v6.1 source, Debian
// linux-source-6.1 6.1.192-2). Model code asks the switch, never the version,
// so a bug toggle (bug_toggle.h) can bring back one old rule on a new release.
//
// Profiles:
//   v5.1  the first release with drivers/dax/kmem.c, before sub-section
//         hotplug: sections come and go whole (see subsection_hotplug);
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

enum class KernelVersion { kV5_1, kV5_3, kV6_1, kV7_1 };

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

  // --- sub-section hotplug (v5.3-rc1, Dan Williams: "mm/sparsemem: Support
  // sub-section hotplug" ba72b4c8cf60 and its series) ----------------------
  // Hot-add and hot-remove work in sub-sections: __add_pages() and
  // __remove_pages() check_pfn_span() (WARN "Misaligned __%s_pages",
  // -EINVAL) and sparse_add_section() / sparse_remove_section() activate
  // part of a section. False in v5.1: __add_pages() adds every section the
  // range touches, whole (__add_section(): pfn_valid() of the section start
  // is -EEXIST, which the loop ignores; sparse_add_one_section());
  // __remove_pages() BUG_ONs a range that is not section aligned and
  // __remove_section() returns -EINVAL, silently, for a section that is not
  // valid, which stops the loop; sparse_remove_one_section() zeroes the whole
  // section_mem_map.
  bool subsection_hotplug = true;
  // pfn_valid() answers per sub-section for hot-added sections, per section
  // for early ones (same commit). False in v5.1: valid_section() alone.
  bool pfn_valid_checks_subsection = true;
  // struct mem_section_usage (its subsection_map and the pageblock flags)
  // replaces ms->pageblock_flags, boot sections carry SECTION_IS_EARLY
  // (326e1b8f83a4) and boot fills the map from memblock (f46edbd1b151
  // "mm/sparsemem: Add helpers track active portions of a section at
  // boot"); all v5.3. False in v5.1: a section has only pageblock_flags.
  // The model keeps MemSectionUsage as the stand-in for pageblock_flags: an
  // allocation that comes and goes with the whole section, carved from
  // memblock at boot (never kfree()d: free_section_usemap() tests
  // PageSlab/PageCompound) or kmalloc()ed at hot-add. Its subsection_map is
  // kept full while the section is valid and nothing in v5.1 reads it; no
  // section is SECTION_IS_EARLY.
  bool has_mem_section_usage = true;

  // --- kernel/memremap.c (v5.1), mm/memremap.c: devm_memremap_pages() -----
  // The pagemap's range is mapped exactly (7cc7867fb061
  // "mm/devm_memremap_pages: Enable sub-section remap", v5.3). False in
  // v5.1: align_start/align_size widen it to whole sections; the conflict
  // checks test the first and last pfn of the aligned range, the
  // region_intersects() check covers it, and arch_add_memory, the ZONE_DEVICE
  // span and memmap_init_zone_device() take the padding too, while
  // pgmap_array holds only the resource's own pfns.
  bool memremap_pages_exact_range = true;

  // --- mm/memory_hotplug.c: remove_memory() -------------------------------
  // remove_memory() returns -EBUSY when a block is not offline (eca499ab3749
  // "mm/hotplug: make remove_memory() interface usable", v5.3, in 5.2.y).
  // False in v5.1: the walk's "removing memory fails" warning is followed by
  // BUG() in __remove_memory(), which remove_memory() calls.
  bool remove_memory_returns_ebusy = true;

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
  // dev_dax_kmem_remove() releases nothing and returns 0: the reservation
  // and the memory stay until reboot (v5.1, c221c0b0308f; hot-remove came
  // in v5.3, 9f960da72b25). False from v5.3.
  bool kmem_remove_leaks_reservation = false;
  // A failed add_memory() in dev_dax_kmem_probe() returns without releasing
  // the request_mem_region() (v5.1; fixed in v5.3 by 4447e30357dc
  // "device-dax: fix memory and resource leak if hotplug fails").
  bool kmem_add_failure_leaks_reservation = false;
  // dev_dax_kmem_probe() warns "DAX region truncated by %s due to
  // alignment" (string_get_size, binary units) when the block-aligned
  // ranges are shorter than the device. Present in v6.19 and later, absent
  // in 6.1.192 and v6.11 (the release that added it is not pinned).
  bool kmem_warns_truncation = false;

  // --- drivers/dax/bus.c, bus.h, hmem/ -------------------------------------
  // dax_bus_match(): an id match, else dax_match_type(): a driver of type
  // DAXDRV_KMEM_TYPE matches devices of IORESOURCE_DAX_KMEM regions,
  // DAXDRV_DEVICE_TYPE the others; no match_always driver (v6.3, "dax: Assign
  // RAM regions to memory-hotplug by default", e9ee9fe3a9d4). False in 6.1:
  // device_dax has match_always, every other driver needs an id.
  bool dax_match_type = false;
  // dax_hmem_probe() creates its region with IORESOURCE_DAX_KMEM unless
  // dax_hmem.region_idle (v6.3, same series): at boot a soft-reserved range
  // ends up System RAM under kmem.
  bool hmem_regions_default_to_kmem = false;
  // hmem_init() only records the Soft Reserved ranges (hmem_register_resource
  // into "HMEM devices") and adds one "hmem_platform" device; dax_hmem's
  // dax_hmem_platform_probe() creates the hmem.N devices, whose range is
  // platform data, not an iomem resource (v6.3, "dax/hmem: Convert to a
  // platform device"). False in 6.1: hmem_register_device() at boot, hmem.N
  // with an IORESOURCE_MEM resource inserted above "Soft Reserved".
  bool hmem_platform_device = false;
  // mapping_store() returns the result of taking dax_region_rwsem (0) when
  // the provider is unbound, and len when the size is not aligned (v6.9,
  // c05ae9d85b47 "dax/bus.c: replace driver-core lock usage by a local
  // rwsem"). False in 6.1: -ENXIO for both.
  bool mapping_store_keeps_lock_rc = false;

  // --- drivers/nvdimm (pfn/dax personalities), drivers/dax/pmem ----------
  // The pfn info block checks that a kernel cannot honour return
  // -EOPNOTSUPP, the seeds advance after -EOPNOTSUPP, nd_pmem's probe of a
  // raw namespace returns it instead of falling back to a raw disk, and
  // nd_pfn_validate checks the page size, struct page size and (devdax) the
  // alignment (v5.4, the libnvdimm-for-5.4 runtime-alignment series). False
  // in v5.3: "init failed, settings mismatch" and "alignment: %lx exceeds
  // capacity %llx" are -EINVAL, "pfn array size exceeds capacity of %s"
  // -EBUSY, "bad offset: ..." -ENXIO; seeds advance only after a successful
  // probe; a namespace whose info block fails validation becomes a raw disk.
  bool nd_pfn_eopnotsupp = true;
  // memremap_compat_align() is enforced: nvdimm_namespace_common_probe's
  // "%pr misaligned, unable to map", nd_pfn_init's "%s: start %pa
  // misaligned to %#lx" and nd_pfn_validate's "resource start/end
  // misaligned" (v5.7, "libnvdimm/namespace: Enforce
  // memremap_compat_align()"). False in v5.3: none of them; a misaligned
  // range fails later, in __add_pages().
  bool nd_memremap_compat_align = true;
  // devm_namespace_enable() takes a size: the probes request only the
  // info-block reserve (8 KiB) of the namespace and return the real errno
  // (after v5.3; the release is not pinned). False in v5.3:
  // devm_nsio_enable() requests the whole namespace and nd_pmem_probe turns
  // its failure into -ENXIO.
  bool nsio_enable_takes_size = true;
  // Multi-range dax devices (v5.10, "device-dax: introduce 'mapping'
  // devices" and the series): device_dax's probe warns "mapping%d:
  // %#llx-%#llx could not reserve range", dax_bus_probe refuses a 0-size
  // device (-ENXIO), and the device has align, mapping and numa_node
  // attributes. False in v5.3: "could not reserve region %pR", no align,
  // mapping, numa_node attribute (writes: -ENOENT), size 0444.
  bool dev_dax_multi_range = true;
  // drivers/dax/hmem exists: hmem_init() and the dax_hmem driver turn Soft
  // Reserved ranges into dax regions (v5.5, "device-dax: Add a driver for
  // \"hmem\" devices"). False in v5.3: no hmem devices; the guest's
  // dax_hmem module does not exist.
  bool dax_hmem = true;
  // The dax_pmem_compat driver exists (CONFIG_DEV_DAX_PMEM_COMPAT, v5.1
  // through v5.16): loaded in place of dax_pmem it registers the dax
  // device on the "dax" class (/sys/class/dax) instead of the dax bus and
  // probes it with device_dax directly. False from v5.17 (removed).
  bool dax_pmem_compat_driver = false;
  // nd_pfn_init pads a new info block's namespace to sections where they
  // collide with System RAM or another region (trim_pfn_device: start_pad,
  // end_trunc, dev_info "%s alignment collision, truncate %d bytes"), the
  // memmap reserve counts section-aligned pfns, the PMEM data offset aligns
  // to max(align, PMD_SIZE) and the altmap starts at the section below the
  // namespace. Removed in v5.3 ("libnvdimm/pfn: Stop padding pmem
  // namespaces to section alignment", with sub-section hotplug). True in
  // v5.1, written from v5.2's pfn_devs.c (the last release with it; v5.1's
  // own file is not in the index).
  bool nd_pfn_section_padding = false;

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

  // --- arch/arm64/mm/init.c zone_sizes_init --------------------------------
  // arm64 has ZONE_DMA below zone_dma_bits (min of 32 and the DT / IORT
  // limits) besides ZONE_DMA32 (v5.5, 1a8e1cef7603 "arm64: use both ZONE_DMA
  // and ZONE_DMA32"). False in v5.3: only ZONE_DMA32, up to
  // max_zone_dma_phys() (the 4 GiB window of the start of DRAM).
  bool arm64_zone_dma = true;
  // The DMA limit is a CPU address, not a bit count: zone_dma_limit =
  // min(DT, IORT limit), capped at U32_MAX when DRAM starts below 4 GiB, and
  // max_zone_phys(limit) = min(limit, end of DRAM - 1) + 1 (v6.12,
  // ba0fb44aed47 "dma-mapping: replace zone_dma_bits by zone_dma_limit", with
  // the U32_MAX cap moved into zone_sizes_init by its fix in v6.12-rc). False
  // in v6.1: zone_dma_bits = min3(32, fls64(DT), fls64(IORT)) and
  // max_zone_phys(bits) widens the mask to 4 GiB, or to all memory, when DRAM
  // starts above it.
  bool arm64_zone_dma_limit_is_address = false;

  // The profile of a release, with every switch at that release's value.
  static KernelProfile For(KernelVersion v);
  // Parses "v5.1", "v5.3", "v6.1", "v7.1" (also without the leading 'v').
  static absl::StatusOr<KernelProfile> Parse(std::string_view name);

  std::string_view name() const { return KernelVersionName(version); }
  bool AtLeast(KernelVersion v) const { return version >= v; }
};

// All profiles, oldest first.
std::vector<KernelVersion> AllKernelVersions();
// Their names for messages: "v5.1, v5.3, v6.1, v7.1".
std::string KernelVersionNames();

}  // namespace memhp::model

#endif  // MEMHP_MODEL_PROFILE_H_
