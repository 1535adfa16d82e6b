#include "hotplug/add_pages.h"

#include <algorithm>

#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::Errno;
using model::NrPages;
using model::Pfn;
using model::Site;
using model::Sprintf;

namespace {

// One call of the section loop: up to the next section boundary.
NrPages ChunkToSectionEnd(const model::Geometry& g, Pfn pfn, Pfn end_pfn) {
  const Pfn next = g.SectionAlignUp(pfn + NrPages(1));
  return std::min(end_pfn, next) - pfn;
}

// Kernel: mm/memory_hotplug.c __add_section (v5.1): a section whose first
// pfn is valid is -EEXIST; otherwise sparse_add_one_section().
// DIVERGENCE: with want_memblock v5.1 registers the memory block of the
// section here (hotplug_memory_register); the model creates the block
// devices after arch_add_memory(), in add_memory_resource(), as v5.3 does:
// the same blocks when the add succeeds.
absl::Status AddSection(sparse::Sparse& sparse, model::NodeId nid,
                        Pfn phys_start_pfn, sparse::VmemAltmap* altmap) {
  if (sparse.PfnValid(phys_start_pfn)) {
    return model::KernelError(Errno::kEEXIST, "section already valid");
  }
  return sparse.SparseAddOneSection(nid, phys_start_pfn, altmap);
}

// Kernel: mm/memory_hotplug.c __remove_section (v5.1): -EINVAL, without a
// word, for a section that is not valid; unregister_memory_section() and
// __remove_zone() (both done by the model's callers, see RemovePages), then
// sparse_remove_one_section().
int RemoveSection(sparse::Sparse& sparse, Pfn pfn, NrPages map_offset,
                  sparse::VmemAltmap* altmap) {
  if (!sparse.ValidSection(sparse.geometry().SectionOf(pfn))) {
    return -static_cast<int>(Errno::kEINVAL);
  }
  sparse.SparseRemoveOneSection(pfn, map_offset, altmap);
  return 0;
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
  if (!sparse.profile().subsection_hotplug) {
    // v5.1: during initialize mem_map, align hot-added range to section.
    // Every section the range touches is added whole; -EEXIST "is finally
    // dealt with by ioresource collision check" and does not stop the loop.
    const model::SectionNr start_sec = g.SectionOf(pfn);
    const model::SectionNr end_sec = g.SectionOf(end_pfn - NrPages(1));
    for (model::SectionNr i = start_sec; i <= end_sec; i = i.Next()) {
      absl::Status err = AddSection(sparse, nid, g.SectionStart(i), altmap);
      if (!err.ok() && model::ErrnoOf(err) != Errno::kEEXIST) return err;
    }
    return absl::OkStatus();
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

int RemovePages(sparse::Sparse& sparse, Pfn pfn, NrPages nr_pages,
                sparse::VmemAltmap* altmap) {
  const model::Geometry& g = sparse.geometry();
  const Pfn end_pfn = pfn + nr_pages;
  NrPages map_offset = sparse::VmemAltmapOffset(altmap);
  if (!sparse.profile().subsection_hotplug) {
    // v5.1: "We can only remove entire sections".
    // DIVERGENCE: the line numbers are those of the BUG_ONs in the April
    // 2019 linux-next base (mm/memory_hotplug.c blob 4970ff658055) of the patch
    // that moved the resource release out of __remove_pages (lore
    // 20190409100148.24703-2-david@redhat.com); v5.1's own file is not in
    // the stored sources.
    const Site bug{"mm/memory_hotplug.c", "__remove_pages"};
    if (!IsAligned(pfn, g.PagesPerSection())) {
      sparse.log().Bug(bug, {"kernel BUG at mm/memory_hotplug.c:586!"});
      return -static_cast<int>(Errno::kEINVAL);
    }
    if (!IsAligned(nr_pages, g.PagesPerSection())) {
      sparse.log().Bug(bug, {"kernel BUG at mm/memory_hotplug.c:587!"});
      return -static_cast<int>(Errno::kEINVAL);
    }
    const uint64_t sections_to_remove =
        nr_pages.value() / g.PagesPerSection().value();
    for (uint64_t i = 0; i < sections_to_remove; ++i) {
      const Pfn section_pfn = pfn + g.PagesPerSection() * i;
      const int ret = RemoveSection(sparse, section_pfn, map_offset, altmap);
      map_offset = NrPages(0);
      if (ret != 0) return ret;
    }
    return 0;
  }
  if (!sparse.CheckPfnSpan(pfn, nr_pages, "__remove_pages").ok()) return 0;
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
  return 0;
}

}  // namespace memhp::hotplug
