// struct mem_section and struct mem_section_usage (include/linux/mmzone.h,
// v6.1), and the SPARSEMEM_EXTREME table of them with roots allocated on
// demand.
//
// section_mem_map is kept decoded: its flag bits, whether an encoded memmap
// is stored (and which pfn it maps, as an opaque token), or the early nid
// stored before sparse_init(). Flag bit values follow the profile:
//   bit 0 SECTION_MARKED_PRESENT, 1 SECTION_HAS_MEM_MAP, 2 SECTION_IS_ONLINE,
//   3 SECTION_IS_EARLY, 4 SECTION_TAINT_ZONE_DEVICE (v5.12+, ZONE_DEVICE).
// v5.1 has bits 0..2 only (SECTION_IS_EARLY came with sub-section hotplug in
// v5.3), and ms->pageblock_flags where the model keeps `usage` (see
// KernelProfile::has_mem_section_usage).
// DIVERGENCE: v5.3 leaves the encoded NULL memmap (non-zero) in an emptied
// section instead of 0; flags read the same, only raw dumps differ.
//
// Invariants of the table:
//  1. a root exists only if some section in it was touched
//     (sparse_index_init); roots are never freed;
//  2. highest_present_section_nr only grows.

#ifndef MEMHP_SPARSE_MEM_SECTION_H_
#define MEMHP_SPARSE_MEM_SECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/geometry.h"
#include "model/types.h"
#include "sparse/subsection_map.h"

namespace memhp::sparse {

enum SectionFlag : uint32_t {
  kSectionMarkedPresent = 1u << 0,
  kSectionHasMemMap = 1u << 1,
  kSectionIsOnline = 1u << 2,
  kSectionIsEarly = 1u << 3,
  kSectionTaintZoneDevice = 1u << 4,
};

struct MemSectionUsage {
  explicit MemSectionUsage(uint64_t subsections, bool boot)
      : subsection_map(subsections), boot_allocated(boot) {}
  SubsectionMap subsection_map;
  // Carved from memblock in sparse_init_nid(): the page is PageReserved and
  // the usage is never kfree()d (v5.5+).
  bool boot_allocated;
};

struct MemSection {
  uint32_t flags = 0;
  // Before sparse_init(): nid << SECTION_NID_SHIFT in section_mem_map.
  std::optional<model::NodeId> early_nid;
  // The encoded memmap: the pfn whose struct page the encoding points at
  // (section start). Empty when no memmap is encoded.
  std::optional<model::Pfn> mem_map;
  std::shared_ptr<MemSectionUsage> usage;

  // section_mem_map == 0.
  bool IsZero() const { return flags == 0 && !early_nid && !mem_map; }
  void Clear() { *this = MemSection{.usage = usage}; }
};

class MemSectionTable {
 public:
  explicit MemSectionTable(const model::Geometry& g) : geometry_(&g) {}

  // __nr_to_section(nr): NULL when the root is not allocated, and (v5.18+)
  // for root >= NR_SECTION_ROOTS.
  const MemSection* Get(model::SectionNr nr) const;
  MemSection* GetMutable(model::SectionNr nr);
  // sparse_index_init(): allocates the root of `nr` if needed.
  // REQUIRES: nr < NR_MEM_SECTIONS.
  MemSection& EnsureRoot(model::SectionNr nr);
  bool RootAllocated(uint64_t root) const { return roots_.contains(root); }
  size_t NumRoots() const { return roots_.size(); }
  // The allocated roots, ascending.
  std::vector<uint64_t> AllocatedRoots() const;

  // __section_mark_present(ms, nr).
  void MarkPresent(model::SectionNr nr);
  // __highest_present_section_nr; nullopt before any section was present.
  std::optional<model::SectionNr> highest_present() const {
    return highest_present_;
  }
  // next_present_section_nr(): the first present section after `after`
  // (or from 0 when nullopt), up to __highest_present_section_nr.
  std::optional<model::SectionNr> NextPresent(
      std::optional<model::SectionNr> after) const;

  // Heap bytes of the roots and usages.
  size_t HeapBytes() const;

 private:
  using Root = std::vector<MemSection>;
  const model::Geometry* geometry_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Root>> roots_;
  std::optional<model::SectionNr> highest_present_;
};

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_MEM_SECTION_H_
