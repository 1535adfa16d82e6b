#include "hotplug/add_pages.h"

#include <algorithm>

#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::Errno;
using model::NrPages;
using model::Pfn;
using model::Sprintf;

namespace {

// One call of the section loop: up to the next section boundary.
NrPages ChunkToSectionEnd(const model::Geometry& g, Pfn pfn, Pfn end_pfn) {
  const Pfn next = g.SectionAlignUp(pfn + NrPages(1));
  return std::min(end_pfn, next) - pfn;
}

}  // namespace

bool MhpRangeAllowed(sparse::Sparse& sparse, model::PhysAddr start,
                     model::ByteSize size, bool need_mapping) {
  const model::Geometry& g = sparse.geometry();
  const uint64_t max_phys = g.max_physmem_bits() >= 64
                                ? UINT64_MAX
                                : (uint64_t{1} << g.max_physmem_bits()) - 1;
  // mhp_get_pluggable_range(): the generic mappable range is everything.
  (void)need_mapping;
  const uint64_t range_start = 0;
  const uint64_t range_end = max_phys;
  const uint64_t s = start.value();
  const uint64_t end = s + size.value();  // wraps like the kernel's u64
  if (s < end && s >= range_start && end - 1 <= range_end) return true;
  sparse.log().Printk(
      model::LogLevel::kWarning,
      Sprintf("Hotplug memory [%#llx-%#llx] exceeds maximum addressable range "
              "[%#llx-%#llx]",
              static_cast<unsigned long long>(s),
              static_cast<unsigned long long>(end),
              static_cast<unsigned long long>(range_start),
              static_cast<unsigned long long>(range_end)));
  return false;
}

absl::Status CheckHotplugMemoryRange(sparse::Sparse& sparse,
                                     model::PhysAddr start,
                                     model::ByteSize size,
                                     model::ByteSize memory_block_size) {
  const uint64_t bs = memory_block_size.value();
  MEMHP_CHECK(bs != 0 && (bs & (bs - 1)) == 0) << "block size " << bs;
  if (size.IsZero() || (start.value() & (bs - 1)) != 0 ||
      (size.value() & (bs - 1)) != 0) {
    sparse.log().Printk(
        model::LogLevel::kErr,
        Sprintf("Block size [%#lx] unaligned hotplug range: start %#llx, size "
                "%#llx",
                static_cast<unsigned long>(bs),
                static_cast<unsigned long long>(start.value()),
                static_cast<unsigned long long>(size.value())));
    return model::KernelError(Errno::kEINVAL, "unaligned hotplug range");
  }
  return absl::OkStatus();
}

absl::Status AddPages(sparse::Sparse& sparse, model::NodeId nid, Pfn pfn,
                      NrPages nr_pages, sparse::VmemAltmap* altmap) {
  const model::Geometry& g = sparse.geometry();
  const Pfn end_pfn = pfn + nr_pages;
  MEMHP_CHECK(MhpRangeAllowed(sparse, g.PfnPhys(pfn), g.BytesOf(nr_pages),
                              /*need_mapping=*/false))
      << "__add_pages outside the pluggable range (VM_BUG_ON)";
  if (altmap != nullptr) {
    // Validate altmap is within bounds of the total request.
    if (altmap->base_pfn != pfn ||
        sparse::VmemAltmapOffset(altmap) > nr_pages) {
      sparse.log().Printk(model::LogLevel::kWarning,
                          "memory add fail, invalid altmap");
      return model::KernelError(Errno::kEINVAL, "invalid altmap");
    }
    altmap->alloc = NrPages(0);
  }
  if (absl::Status s = sparse.CheckPfnSpan(pfn, nr_pages, "__add_pages");
      !s.ok()) {
    return s;
  }
  absl::Status err = absl::OkStatus();
  for (NrPages cur(0); pfn < end_pfn; pfn += cur) {
    cur = ChunkToSectionEnd(g, pfn, end_pfn);
    err = sparse.SparseAddSection(nid, pfn, cur, altmap);
    if (!err.ok()) break;
  }
  return err;
}

void RemovePages(sparse::Sparse& sparse, Pfn pfn, NrPages nr_pages,
                 sparse::VmemAltmap* altmap) {
  const model::Geometry& g = sparse.geometry();
  const Pfn end_pfn = pfn + nr_pages;
  NrPages map_offset = sparse::VmemAltmapOffset(altmap);
  if (!sparse.CheckPfnSpan(pfn, nr_pages, "__remove_pages").ok()) return;
  for (NrPages cur(0); pfn < end_pfn; pfn += cur) {
    cur = ChunkToSectionEnd(g, pfn, end_pfn);
    // __remove_section() (up to v6.5): WARN_ON_ONCE(!valid_section(ms));
    // from v6.6 the same check is inside sparse_remove_section().
    if (!sparse.profile().sparse_remove_section_checks_valid &&
        !sparse.ValidSection(g.SectionOf(pfn))) {
      sparse.log().WarnOnOnce({"mm/memory_hotplug.c", "__remove_section"},
                              "!valid_section(ms)");
    } else {
      sparse.SparseRemoveSection(pfn, cur, map_offset, altmap);
    }
    map_offset = NrPages(0);
  }
}

}  // namespace memhp::hotplug
