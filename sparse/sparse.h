// The sparsemem model: mm/sparse.c and the sparsemem part of
// include/linux/mmzone.h (v6.1: Debian linux-source-6.1 6.1.192-2; v5.1, v5.3
// and v7.1 behaviour through the profile's switches), plus
// pfn_to_online_page() and check_pfn_span() from mm/memory_hotplug.c, which
// decide from the same state.
//
// Boot:    MemoryPresent / MemblocksPresent, SparseInit, SubsectionMapInit.
// Queries: PfnValid, PfnSectionValid, PfnInPresentSection, PfnToOnlinePage,
//          ValidSection, OnlineSection, EarlySection, PresentSection.
// Hotplug: SparseAddSection (-> SectionActivate), SparseRemoveSection
//          (-> SectionDeactivate), CheckPfnSpan, OnlineMemSections,
//          OfflineMemSections; before sub-section hotplug (v5.1,
//          !profile.subsection_hotplug) SparseAddOneSection and
//          SparseRemoveOneSection, whole sections only.
//
// v5.1 (!profile.has_mem_section_usage): a section's MemSectionUsage stands
// for its pageblock_flags and its subsection_map is full while the section
// is valid (see profile.h); no section is SECTION_IS_EARLY; pfn_valid() is
// valid_section().
//
// Every WARN/BUG/pr_err goes to the EventLog with the kernel's text.
//
// Invariants (checked by CheckInvariants(), ids for the registry):
//  SPARSE-1  a section with SECTION_HAS_MEM_MAP has a usage (v6.1: usage is
//            dropped only after HAS_MEM_MAP is cleared);
//  SPARSE-2  a hot-added (non-early) valid section has a non-empty
//            subsection_map, and an emptied section has no flags;
//  SPARSE-3  every valid pfn of a hot-added section has a memmap (not absent);
//  SPARSE-4  every valid section is present, and no section above
//            __highest_present_section_nr is present.

#ifndef MEMHP_SPARSE_SPARSE_H_
#define MEMHP_SPARSE_SPARSE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "model/range.h"
#include "model/types.h"
#include "sparse/mem_section.h"
#include "sparse/memmap.h"

namespace memhp::sparse {

// One `for_each_mem_pfn_range()` entry: a memblock.memory range and its node.
struct MemblockRegion {
  model::PfnRange range;
  model::NodeId nid;
  bool operator==(const MemblockRegion&) const = default;
};

// struct vmem_altmap (include/linux/memremap.h): memmap pages carved from the
// start of the hot-added range itself.
struct VmemAltmap {
  model::Pfn base_pfn;
  model::NrPages reserve{0};  // pages not usable for the memmap (info block)
  model::NrPages free{0};     // pages usable for the memmap
  model::NrPages alloc{0};    // pages handed out so far
};
// vmem_altmap_offset(): reserve + free.
inline model::NrPages VmemAltmapOffset(const VmemAltmap* a) {
  return a ? a->reserve + a->free : model::NrPages(0);
}

// Allocation sites the model can be told to fail, for the -ENOMEM paths.
enum class AllocSite {
  kSectionRoot,    // sparse_index_alloc (kzalloc_node)
  kBootUsemap,     // sparse_early_usemaps_alloc_pgdat_section
  kBootMemmap,     // __populate_section_memmap at boot
  kHotplugUsage,   // kzalloc(mem_section_usage_size())
  kHotplugMemmap,  // populate_section_memmap at hot-add
};

// A comparable picture of one touched section, for "restores the state bit
// for bit" checks and for rendering.
struct SectionState {
  model::SectionNr nr;
  uint32_t flags = 0;
  std::optional<model::NodeId> early_nid;
  std::optional<model::Pfn> mem_map;
  bool has_usage = false;
  bool usage_boot = false;
  std::string subsection_map;  // SubsectionMap::ToString(), "" without usage
  bool operator==(const SectionState&) const = default;
};

class Sparse {
 public:
  // `log` must outlive the model.
  Sparse(model::Geometry geometry, model::KernelProfile profile,
         model::EventLog* log);
  Sparse(const Sparse&) = delete;
  Sparse& operator=(const Sparse&) = delete;

  const model::Geometry& geometry() const { return geometry_; }
  const model::KernelProfile& profile() const { return profile_; }
  model::EventLog& log() { return *log_; }
  const MemSectionTable& sections() const { return table_; }
  const Memmap& memmap() const { return memmap_; }
  // The zone/node initialisation of the hotplug and boot layers writes here.
  Memmap& mutable_memmap() { return memmap_; }

  // The allocation at `site` fails while `fails(site)` returns true.
  void set_alloc_failure(std::function<bool(AllocSite)> fails) {
    alloc_fails_ = std::move(fails);
  }
  // get_dev_pagemap(pfn) != NULL: a ZONE_DEVICE pagemap covers pfn.
  void set_dev_pagemap_lookup(std::function<bool(model::Pfn)> lookup) {
    dev_pagemap_ = std::move(lookup);
  }

  // --- boot (mm/sparse.c) ---------------------------------------------------
  // memory_present(nid, start, end): marks the sections of [start, end)
  // present and online, remembering nid as the early nid.
  void MemoryPresent(model::NodeId nid, model::Pfn start, model::Pfn end);
  // memblocks_present(): MemoryPresent for each region.
  void MemblocksPresent(const std::vector<MemblockRegion>& memblocks);
  // sparse_init(): memblocks_present(), then a boot memmap and usage for each
  // present section, run by run of equal early nid. The regions are also kept
  // as memblock.memory for the architectures whose pfn_valid consults it.
  void SparseInit(const std::vector<MemblockRegion>& memblocks);
  // subsection_map_init(pfn, nr_pages) (v7.1: sparse_init_subsection_map).
  void SubsectionMapInit(model::Pfn pfn, model::NrPages nr_pages);
  // The boot sequence the hotplug core sees: SparseInit, then
  // SubsectionMapInit for every memblock range (free_area_init order).
  void BootInit(const std::vector<MemblockRegion>& memblocks);

  // memblock_add / memblock_remove of hot-plugged ranges (ARCH_KEEP_MEMBLOCK),
  // for arm64 v5.3's memblock-based pfn_valid.
  void MemblockAdd(model::PfnRange r);
  void MemblockRemove(model::PfnRange r);

  // --- predicates (include/linux/mmzone.h) ----------------------------------
  // __nr_to_section(nr); nullptr when absent.
  const MemSection* NrToSection(model::SectionNr nr) const;
  const MemSection* PfnToSection(model::Pfn pfn) const;
  bool PresentSection(model::SectionNr nr) const;
  bool ValidSection(model::SectionNr nr) const;
  bool EarlySection(model::SectionNr nr) const;
  bool OnlineSection(model::SectionNr nr) const;
  // online_device_section(): online and tainted by ZONE_DEVICE (v5.12+).
  bool OnlineDeviceSection(model::SectionNr nr) const;
  // pfn_section_valid(ms, pfn). REQUIRES: ms is the section of pfn.
  bool PfnSectionValid(const MemSection& ms, model::Pfn pfn);
  // pfn_valid(pfn).
  bool PfnValid(model::Pfn pfn);
  // pfn_in_present_section(pfn) (pfn_present() in v5.3).
  bool PfnInPresentSection(model::Pfn pfn) const;
  // pfn_to_online_page(pfn): the pfn whose struct page is returned, or
  // nullopt for NULL.
  std::optional<model::Pfn> PfnToOnlinePage(model::Pfn pfn);
  // next_present_section_nr() and __highest_present_section_nr.
  std::optional<model::SectionNr> NextPresentSectionNr(
      std::optional<model::SectionNr> after) const {
    return table_.NextPresent(after);
  }

  // --- hotplug (mm/sparse.c, mm/memory_hotplug.c) ---------------------------
  // check_pfn_span(pfn, nr_pages) with the WARN its caller `func`
  // ("__add_pages" / "__remove_pages") prints.
  // Errors: -EINVAL when pfn or nr_pages is not sub-section aligned
  // (section aligned without VMEMMAP).
  absl::Status CheckPfnSpan(model::Pfn pfn, model::NrPages nr_pages,
                            std::string_view func);
  // sparse_add_section(nid, start_pfn, nr_pages, altmap).
  // REQUIRES: profile.subsection_hotplug; [start_pfn, start_pfn + nr_pages)
  //           lies in one section below NR_MEM_SECTIONS.
  // Errors: -ENOMEM (root, usage or memmap allocation), -EEXIST (a
  // sub-section is already active), -EINVAL (empty sub-section mask).
  absl::Status SparseAddSection(model::NodeId nid, model::Pfn start_pfn,
                                model::NrPages nr_pages, VmemAltmap* altmap);
  // sparse_remove_section(): v7.1 (v6.6+) first WARN_ON_ONCE(!valid_section);
  // older profiles leave that check to __remove_section.
  // REQUIRES: profile.subsection_hotplug; the range lies in one section.
  void SparseRemoveSection(model::Pfn pfn, model::NrPages nr_pages,
                           model::NrPages map_offset, VmemAltmap* altmap);
  // sparse_add_one_section(nid, start_pfn, altmap) (v5.1): the root, a whole
  // section's memmap (from the altmap when given) and a usemap are
  // allocated, then a section already SECTION_MARKED_PRESENT is -EEXIST;
  // otherwise the section becomes present and valid with a poisoned memmap.
  // REQUIRES: !profile.subsection_hotplug; the section of start_pfn is below
  //           NR_MEM_SECTIONS.
  // Errors: -ENOMEM (root, memmap, usemap), -EEXIST (section present).
  absl::Status SparseAddOneSection(model::NodeId nid, model::Pfn start_pfn,
                                   VmemAltmap* altmap);
  // sparse_remove_one_section(zone, ms, map_offset, altmap) (v5.1): zeroes
  // the section's section_mem_map (present, valid and online together) and
  // frees what it had: a hot-added usemap and memmap (altmap pages go back),
  // or a boot section's memmap (its boot usemap is only dropped). A section
  // whose section_mem_map is 0 frees nothing, silently.
  // REQUIRES: !profile.subsection_hotplug; the section's root exists.
  void SparseRemoveOneSection(model::Pfn pfn, model::NrPages map_offset,
                              VmemAltmap* altmap);
  // online_mem_sections / offline_mem_sections(start_pfn, end_pfn).
  void OnlineMemSections(model::Pfn start_pfn, model::Pfn end_pfn);
  void OfflineMemSections(model::Pfn start_pfn, model::Pfn end_pfn);
  // section_taint_zone_device(pfn) (mm/memory_hotplug.c, v5.12+).
  void SectionTaintZoneDevice(model::Pfn pfn);

  // --- reading struct pages -------------------------------------------------
  // A reader of the struct page of pfn (page_zone, page_to_nid): OK when it
  // is initialised; otherwise the kernel's BUG is logged (PagePoisoned, or a
  // page fault on an absent memmap) and an Internal status describes it.
  absl::Status CheckPageReadable(model::Pfn pfn);
  // The vmemmap address of pfn's struct page, as dump_page prints it.
  uint64_t PageAddress(model::Pfn pfn) const;

  // --- inspection -----------------------------------------------------------
  // Every section with a non-zero section_mem_map or a usage, in order.
  std::vector<SectionState> SectionStates() const;
  // The invariants of the class comment; the first failing one.
  absl::Status CheckInvariants() const;
  // Heap bytes of the section table, usages and memmap map.
  size_t MemoryFootprintBytes() const;

 private:
  bool AllocFails(AllocSite site) const {
    return alloc_fails_ && alloc_fails_(site);
  }
  MemSection* MutableSection(model::Pfn pfn);
  // Whether the subsection_map is maintained: SPARSEMEM_VMEMMAP, or every
  // configuration in v5.3; never in v5.1.
  bool TracksSubsections() const;
  // v5.1: the map of a valid section's usage (pageblock_flags) is full.
  void FillWholeMap(MemSectionUsage& usage) const;
  // subsection_mask_set(map, pfn, nr_pages) into a fresh map.
  SubsectionMap SubsectionMask(model::Pfn pfn, model::NrPages nr_pages) const;
  void SparseInitNid(model::NodeId nid, model::SectionNr pnum_begin,
                     std::optional<model::SectionNr> pnum_end,
                     uint64_t map_count);
  bool ArchPfnValid(model::Pfn pfn) const;
  absl::StatusOr<model::Pfn> SectionActivate(model::NodeId nid, model::Pfn pfn,
                                             model::NrPages nr_pages,
                                             VmemAltmap* altmap);
  void SectionDeactivate(model::Pfn pfn, model::NrPages nr_pages,
                         VmemAltmap* altmap);
  int FillSubsectionMap(model::Pfn pfn, model::NrPages nr_pages);
  int ClearSubsectionMap(model::Pfn pfn, model::NrPages nr_pages);
  bool IsSubsectionMapEmpty(const MemSection& ms) const;
  // The kfree of an emptied section's usage, per profile.
  void FreeSectionUsage(MemSection& ms, bool section_is_early);
  bool PopulateSectionMemmap(model::Pfn pfn, model::NrPages nr_pages,
                             VmemAltmap* altmap);
  void DepopulateSectionMemmap(model::Pfn pfn, model::NrPages nr_pages,
                               VmemAltmap* altmap);
  void FreeMapBootmem(model::SectionNr nr);
  // Struct-page pages needed for nr_pages of memmap.
  model::NrPages MemmapPages(model::NrPages nr_pages) const;
  void LogNullDeref(std::string_view function, uint64_t address);

  model::Geometry geometry_;
  model::KernelProfile profile_;
  model::EventLog* log_;
  MemSectionTable table_;
  Memmap memmap_;
  std::vector<model::PfnRange> memblock_memory_;
  std::function<bool(AllocSite)> alloc_fails_;
  std::function<bool(model::Pfn)> dev_pagemap_;
};

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_SPARSE_H_
