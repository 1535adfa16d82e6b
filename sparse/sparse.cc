#include "sparse/sparse.h"

#include <algorithm>

#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::sparse {

using model::Errno;
using model::KernelError;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;
using model::SectionNr;
using model::Site;
using model::Sprintf;

namespace {

// sizeof(struct page) on every 64-bit configuration modelled.
constexpr uint64_t kStructPageSize = 64;

// offsetof(struct mem_section_usage, subsection_map): after the rcu_head
// (16 bytes) from v6.8 / 6.1.y, at 0 in v5.3 (v5.1 has no usage).
uint64_t SubsectionMapOffset(const model::KernelProfile& p) {
  return p.version <= model::KernelVersion::kV5_3 ? 0 : 16;
}

}  // namespace

Sparse::Sparse(model::Geometry geometry, model::KernelProfile profile,
               model::EventLog* log)
    : geometry_(std::move(geometry)),
      profile_(profile),
      log_(log),
      table_(geometry_) {
  MEMHP_CHECK(log_ != nullptr);
}

// --- boot
// ---------------------------------------------------------------------

// Kernel: mm/sparse.c memory_present, mminit_validate_memmodel_limits (v6.1).
void Sparse::MemoryPresent(NodeId nid, Pfn start, Pfn end) {
  start = geometry_.SectionAlignDown(start);
  // mminit_validate_memmodel_limits(): the mminit_dprintk text is printed
  // only with mminit_loglevel, the WARN_ON_ONCE always.
  const Pfn max = geometry_.MaxSparsemPfn();
  const Site validate{"mm/sparse.c", "mminit_validate_memmodel_limits"};
  if (start > max) {
    log_->WarnOnOnce(validate, "1");
    start = max;
    end = max;
  } else if (end > max) {
    log_->WarnOnOnce(validate, "1");
    end = max;
  }
  for (Pfn pfn = start; pfn < end; pfn += geometry_.PagesPerSection()) {
    SectionNr nr = geometry_.SectionOf(pfn);
    // sparse_index_init(): the return value is ignored here; before the
    // slab allocator a failure panics, which the model does not offer.
    MemSection& ms = table_.EnsureRoot(nr);
    if (ms.IsZero()) {
      ms.early_nid = nid;
      ms.flags = kSectionIsOnline;
      table_.MarkPresent(nr);
    }
  }
}

// Kernel: mm/sparse.c memblocks_present (v6.1).
void Sparse::MemblocksPresent(const std::vector<MemblockRegion>& memblocks) {
  for (const MemblockRegion& r : memblocks) {
    MemoryPresent(r.nid, r.range.start(), r.range.end());
  }
}

// Kernel: mm/sparse.c sparse_init (v6.1). v5.3's architecture code calls
// memory_present() before sparse_init(); the effect is the same.
void Sparse::SparseInit(const std::vector<MemblockRegion>& memblocks) {
  for (const MemblockRegion& r : memblocks) memblock_memory_.push_back(r.range);
  MemblocksPresent(memblocks);
  std::optional<SectionNr> pnum_begin = table_.NextPresent(std::nullopt);
  if (!pnum_begin) return;  // no memory at all: nothing to initialise
  NodeId nid_begin = *table_.Get(*pnum_begin)->early_nid;
  uint64_t map_count = 1;
  std::optional<SectionNr> pnum_end = table_.NextPresent(*pnum_begin);
  for (; pnum_end; pnum_end = table_.NextPresent(*pnum_end)) {
    NodeId nid = *table_.Get(*pnum_end)->early_nid;
    if (nid == nid_begin) {
      ++map_count;
      continue;
    }
    SparseInitNid(nid_begin, *pnum_begin, *pnum_end, map_count);
    nid_begin = nid;
    pnum_begin = pnum_end;
    map_count = 1;
  }
  // The last run ends at pnum_end == -1, i.e. nowhere.
  SparseInitNid(nid_begin, *pnum_begin, std::nullopt, map_count);
}

// Kernel: mm/sparse.c sparse_init_nid (v6.1).
void Sparse::SparseInitNid(NodeId nid, SectionNr pnum_begin,
                           std::optional<SectionNr> pnum_end,
                           uint64_t map_count) {
  auto in_run = [&](SectionNr pnum) { return !pnum_end || pnum < *pnum_end; };
  (void)map_count;  // the size of the usage and memmap buffers only
  std::optional<SectionNr> failed_from;
  if (AllocFails(AllocSite::kBootUsemap)) {
    log_->Printk(model::LogLevel::kErr,
                 Sprintf("%s: node[%d] usemap allocation failed",
                         "sparse_init_nid", nid.value()));
    failed_from = pnum_begin;
  } else {
    for (std::optional<SectionNr> pnum = pnum_begin; pnum && in_run(*pnum);
         pnum = table_.NextPresent(*pnum)) {
      if (AllocFails(AllocSite::kBootMemmap)) {
        log_->Printk(model::LogLevel::kErr,
                     Sprintf("%s: node[%d] memory map backing failed. Some "
                             "memory will not be available.",
                             "sparse_init_nid", nid.value()));
        failed_from = *pnum;
        break;
      }
      // The boot memmap covers the whole section, uninitialised until
      // memmap_init() (mm/page_alloc.c) initialises it.
      memmap_.Assign(geometry_.SectionRange(*pnum), PageState::Poisoned());
      // sparse_init_one_section(ms, pnum, map, usage, SECTION_IS_EARLY):
      // flag bits survive, the early nid is replaced by the encoded memmap.
      // v5.1: sparse_init_one_section(ms, pnum, map, usemap), no
      // SECTION_IS_EARLY; the usemap (pageblock_flags) covers the section.
      MemSection& ms = *table_.GetMutable(*pnum);
      ms.early_nid.reset();
      ms.mem_map = geometry_.SectionStart(*pnum);
      ms.flags |= kSectionHasMemMap;
      if (profile_.has_mem_section_usage) ms.flags |= kSectionIsEarly;
      ms.usage = std::make_shared<MemSectionUsage>(
          geometry_.SubsectionsPerSection(), /*boot=*/true);
      if (!profile_.has_mem_section_usage) FillWholeMap(*ms.usage);
    }
  }
  if (!failed_from) return;
  // failed: mark all the following pnums as not present.
  for (std::optional<SectionNr> pnum = *failed_from; pnum && in_run(*pnum);
       pnum = table_.NextPresent(*pnum)) {
    MemSection& ms = *table_.GetMutable(*pnum);
    ms.flags = 0;
    ms.early_nid.reset();
    ms.mem_map.reset();
  }
}

bool Sparse::TracksSubsections() const {
  if (!profile_.has_mem_section_usage) return false;
  return geometry_.vmemmap() || profile_.version == model::KernelVersion::kV5_3;
}

void Sparse::FillWholeMap(MemSectionUsage& usage) const {
  usage.subsection_map.SetRange(
      model::SubsectionIdx(0),
      model::SubsectionIdx(geometry_.SubsectionsPerSection() - 1));
}

void Sparse::LogNullDeref(std::string_view function, uint64_t address) {
  log_->Bug({"mm/sparse.c", function},
            {Sprintf("BUG: kernel NULL pointer dereference, address: %016lx",
                     static_cast<unsigned long>(address))});
}

// Kernel: mm/sparse.c subsection_map_init (v6.1).
void Sparse::SubsectionMapInit(Pfn pfn, NrPages nr_pages) {
  // v5.1: there is no subsection_map_init() (f46edbd1b151, v5.3).
  if (!profile_.has_mem_section_usage) return;
  if (!geometry_.vmemmap() && profile_.version != model::KernelVersion::kV5_3) {
    return;  // v5.10+: a no-op without SPARSEMEM_VMEMMAP
  }
  if (nr_pages.IsZero()) return;
  const SectionNr end_sec = geometry_.SectionOf(pfn + nr_pages - NrPages(1));
  for (SectionNr nr = geometry_.SectionOf(pfn); nr <= end_sec; nr = nr.Next()) {
    NrPages pfns =
        std::min(nr_pages, geometry_.PagesPerSection() -
                               (pfn - geometry_.SectionAlignDown(pfn)));
    MemSection* ms = table_.GetMutable(nr);
    if (ms == nullptr || !ms->usage) {
      // A section wiped by a failed boot allocation has no usage: the kernel
      // dereferences NULL (or, without a root, a NULL section).
      LogNullDeref("subsection_map_init", SubsectionMapOffset(profile_));
      return;
    }
    ms->usage->subsection_map.Or(SubsectionMask(pfn, pfns));
    pfn += pfns;
    nr_pages -= pfns;
  }
}

void Sparse::BootInit(const std::vector<MemblockRegion>& memblocks) {
  SparseInit(memblocks);
  for (const MemblockRegion& r : memblocks) {
    SubsectionMapInit(r.range.start(), r.range.size());
  }
}

void Sparse::MemblockAdd(PfnRange r) { memblock_memory_.push_back(r); }

void Sparse::MemblockRemove(PfnRange r) {
  std::vector<PfnRange> out;
  for (const PfnRange& m : memblock_memory_) {
    if (!m.Overlaps(r)) {
      out.push_back(m);
      continue;
    }
    if (m.start() < r.start()) out.emplace_back(m.start(), r.start());
    if (r.end() < m.end()) out.emplace_back(r.end(), m.end());
  }
  memblock_memory_ = std::move(out);
}

// --- predicates
// ---------------------------------------------------------------

// Kernel: include/linux/mmzone.h __nr_to_section (v6.1). v5.3 has no root
// bound check; every caller bounds nr by NR_MEM_SECTIONS first.
const MemSection* Sparse::NrToSection(SectionNr nr) const {
  return table_.Get(nr);
}

const MemSection* Sparse::PfnToSection(Pfn pfn) const {
  return table_.Get(geometry_.SectionOf(pfn));
}

MemSection* Sparse::MutableSection(Pfn pfn) {
  return table_.GetMutable(geometry_.SectionOf(pfn));
}

bool Sparse::PresentSection(SectionNr nr) const {
  const MemSection* ms = table_.Get(nr);
  return ms && (ms->flags & kSectionMarkedPresent);
}

bool Sparse::ValidSection(SectionNr nr) const {
  const MemSection* ms = table_.Get(nr);
  return ms && (ms->flags & kSectionHasMemMap);
}

bool Sparse::EarlySection(SectionNr nr) const {
  const MemSection* ms = table_.Get(nr);
  return ms && (ms->flags & kSectionIsEarly);
}

bool Sparse::OnlineSection(SectionNr nr) const {
  const MemSection* ms = table_.Get(nr);
  return ms && (ms->flags & kSectionIsOnline);
}

// Kernel: include/linux/mmzone.h online_device_section (v6.1).
bool Sparse::OnlineDeviceSection(SectionNr nr) const {
  if (!profile_.has_section_taint_zone_device) return false;
  const MemSection* ms = table_.Get(nr);
  const uint32_t both = kSectionIsOnline | kSectionTaintZoneDevice;
  return ms && (ms->flags & both) == both;
}

// Kernel: include/linux/mmzone.h pfn_section_valid (v6.1.192: READ_ONCE and
// a NULL check; v5.3: an unconditional dereference of ms->usage).
bool Sparse::PfnSectionValid(const MemSection& ms, Pfn pfn) {
  if (!geometry_.vmemmap()) return true;
  if (!ms.usage) {
    if (!profile_.pfn_section_valid_null_safe) {
      LogNullDeref("pfn_section_valid", SubsectionMapOffset(profile_));
    }
    return false;
  }
  return ms.usage->subsection_map.Test(geometry_.SubsectionMapIndex(pfn));
}

// Kernel: arch/arm64/mm/init.c pfn_valid (v5.3, HAVE_ARCH_PFN_VALID).
// memblock_is_map_memory() is modelled as "inside memblock.memory": the
// model has no NOMAP regions.
bool Sparse::ArchPfnValid(Pfn pfn) const {
  if (geometry_.PfnDown(geometry_.PfnPhys(pfn)) != pfn) return false;
  if (geometry_.SectionOf(pfn).value() >= geometry_.NrMemSections()) {
    return false;
  }
  if (!ValidSection(geometry_.SectionOf(pfn))) return false;
  for (const PfnRange& m : memblock_memory_) {
    if (m.Contains(pfn)) return true;
  }
  return false;
}

// Kernel: include/linux/mmzone.h pfn_valid (v6.1; v5.1: the section bound and
// valid_section() only, as removed by ba72b4c8cf60 "mm/sparsemem: Support
// sub-section hotplug").
bool Sparse::PfnValid(Pfn pfn) {
  if (geometry_.arch_pfn_valid()) return ArchPfnValid(pfn);
  // Ensure the upper PAGE_SHIFT bits are clear (v5.15+).
  if (profile_.pfn_valid_rejects_pfn_overflow &&
      geometry_.PfnDown(geometry_.PfnPhys(pfn)) != pfn) {
    return false;
  }
  const SectionNr nr = geometry_.SectionOf(pfn);
  if (nr.value() >= geometry_.NrMemSections()) return false;
  const MemSection* ms = table_.Get(nr);
  if (!ms || !(ms->flags & kSectionHasMemMap)) return false;
  // v5.1: valid_section() is the whole answer.
  if (!profile_.pfn_valid_checks_subsection) return true;
  // Traditionally early sections always returned pfn_valid() for the
  // entire section-sized span.
  return (ms->flags & kSectionIsEarly) || PfnSectionValid(*ms, pfn);
}

// Kernel: include/linux/mmzone.h pfn_in_present_section (v6.1).
bool Sparse::PfnInPresentSection(Pfn pfn) const {
  const SectionNr nr = geometry_.SectionOf(pfn);
  if (nr.value() >= geometry_.NrMemSections()) return false;
  return PresentSection(nr);
}

// Kernel: mm/memory_hotplug.c pfn_to_online_page (v6.1); v5.3:
// include/linux/memory_hotplug.h pfn_to_online_page.
std::optional<Pfn> Sparse::PfnToOnlinePage(Pfn pfn) {
  const SectionNr nr = geometry_.SectionOf(pfn);
  if (!profile_.pfn_to_online_page_checks_subsection) {
    // nr < NR_MEM_SECTIONS && online_section_nr(nr) && pfn_valid_within(pfn);
    // pfn_valid_within() is pfn_valid() only with CONFIG_HOLES_IN_ZONE
    // (arm64 in v5.3, which is also the HAVE_ARCH_PFN_VALID case).
    if (nr.value() < geometry_.NrMemSections() && OnlineSection(nr) &&
        (!geometry_.arch_pfn_valid() || PfnValid(pfn))) {
      return pfn;
    }
    return std::nullopt;
  }
  if (nr.value() >= geometry_.NrMemSections()) return std::nullopt;
  const MemSection* ms = table_.Get(nr);
  if (!ms || !(ms->flags & kSectionIsOnline)) return std::nullopt;
  if (geometry_.arch_pfn_valid() && !PfnValid(pfn)) return std::nullopt;
  if (!PfnSectionValid(*ms, pfn)) return std::nullopt;
  if (!OnlineDeviceSection(nr)) return pfn;
  // Slowpath: ZONE_DEVICE collides with online memory in this section; only
  // get_dev_pagemap() knows which pfns are device pfns.
  if (dev_pagemap_ && dev_pagemap_(pfn)) return std::nullopt;
  return pfn;
}

// --- hotplug
// ------------------------------------------------------------------

// Kernel: mm/memory_hotplug.c check_pfn_span and the WARN of its callers
// __add_pages / __remove_pages (v6.1). v5.3 prints the same text from inside
// check_pfn_span ("Misaligned __%s_pages ..." with "add"/"remove").
absl::Status Sparse::CheckPfnSpan(Pfn pfn, NrPages nr_pages,
                                  std::string_view func) {
  const NrPages min_align = geometry_.vmemmap() ? geometry_.PagesPerSubsection()
                                                : geometry_.PagesPerSection();
  if (IsAligned(pfn, min_align) && IsAligned(nr_pages, min_align)) {
    return absl::OkStatus();
  }
  const std::string f(func);
  const unsigned long start = pfn.value();
  const unsigned long last = pfn.value() + nr_pages.value() - 1;
  log_->Warn({"mm/memory_hotplug.c", func},
             profile_.misaligned_warn_hex_prefix_fixed
                 ? Sprintf("Misaligned %s start: %#lx end: %#lx", f.c_str(),
                           start, last)
                 : Sprintf("Misaligned %s start: %#lx end: #%lx", f.c_str(),
                           start, last));
  return KernelError(Errno::kEINVAL, "misaligned pfn span");
}

SubsectionMap Sparse::SubsectionMask(Pfn pfn, NrPages nr_pages) const {
  // subsection_mask_set(): idx .. index(pfn + nr_pages - 1) inclusive; with
  // nr_pages == 0 the end index is that of pfn - 1, which the kernel
  // computes the same way (unsigned wrap-around included).
  SubsectionMap map(geometry_.SubsectionsPerSection());
  const uint64_t idx = geometry_.SubsectionMapIndex(pfn).value();
  const uint64_t end =
      geometry_.SubsectionMapIndex(Pfn(pfn.value() + nr_pages.value() - 1))
          .value();
  if (end >= idx) {
    map.SetRange(model::SubsectionIdx(idx), model::SubsectionIdx(end));
  }
  return map;
}

// Kernel: mm/sparse.c fill_subsection_map (v6.1).
int Sparse::FillSubsectionMap(Pfn pfn, NrPages nr_pages) {
  if (!TracksSubsections()) return 0;
  MemSection& ms = *MutableSection(pfn);
  SubsectionMap map = SubsectionMask(pfn, nr_pages);
  SubsectionMap& subsection_map = ms.usage->subsection_map;
  if (map.Empty()) return -static_cast<int>(Errno::kEINVAL);
  if (map.Intersects(subsection_map)) return -static_cast<int>(Errno::kEEXIST);
  subsection_map.Or(map);
  return 0;
}

// Kernel: mm/sparse.c clear_subsection_map (v6.1); v5.3 inlines the same
// test and WARN in section_deactivate.
int Sparse::ClearSubsectionMap(Pfn pfn, NrPages nr_pages) {
  if (!TracksSubsections()) return 0;
  MemSection* ms = MutableSection(pfn);
  SubsectionMap map = SubsectionMask(pfn, nr_pages);
  SubsectionMap* subsection_map =
      ms && ms->usage ? &ms->usage->subsection_map : nullptr;
  if (subsection_map == nullptr || !map.IsSubsetOf(*subsection_map)) {
    log_->Warn({"mm/sparse.c", profile_.version <= model::KernelVersion::kV5_3
                                   ? "section_deactivate"
                                   : "clear_subsection_map"},
               Sprintf("section already deactivated (%#lx + %ld)",
                       static_cast<unsigned long>(pfn.value()),
                       static_cast<long>(nr_pages.value())));
    return -static_cast<int>(Errno::kEINVAL);
  }
  subsection_map->Xor(map);
  return 0;
}

bool Sparse::IsSubsectionMapEmpty(const MemSection& ms) const {
  if (!TracksSubsections()) return true;
  return ms.usage->subsection_map.Empty();
}

NrPages Sparse::MemmapPages(NrPages nr_pages) const {
  const uint64_t bytes = nr_pages.value() * kStructPageSize;
  const uint64_t page = geometry_.PageSize().value();
  return NrPages((bytes + page - 1) / page);
}

// Kernel: mm/sparse.c populate_section_memmap -> __populate_section_memmap
// (mm/sparse-vmemmap.c, v6.1).
// DIVERGENCE: x86 maps the vmemmap with 2 MiB pages and takes PMD-sized
// blocks from an altmap; the model takes exactly the struct-page pages.
bool Sparse::PopulateSectionMemmap(Pfn pfn, NrPages nr_pages,
                                   VmemAltmap* altmap) {
  if (AllocFails(AllocSite::kHotplugMemmap)) return false;
  if (altmap != nullptr) {
    NrPages need = MemmapPages(nr_pages);
    if (altmap->alloc + need > altmap->free) return false;
    altmap->alloc += need;
  }
  // Without VMEMMAP the memmap is one whole-section allocation.
  PfnRange r = geometry_.vmemmap()
                   ? PfnRange::FromSize(pfn, nr_pages)
                   : geometry_.SectionRange(geometry_.SectionOf(pfn));
  memmap_.Assign(r, PageState::Poisoned());
  return true;
}

// Kernel: mm/sparse.c depopulate_section_memmap (v6.1).
// DIVERGENCE: x86's vmemmap_free keeps a partly used 2 MiB vmemmap page
// (filled with PAGE_UNUSED) until all of it is unused; the model drops the
// struct pages of exactly the range.
void Sparse::DepopulateSectionMemmap(Pfn pfn, NrPages nr_pages,
                                     VmemAltmap* altmap) {
  if (altmap != nullptr) {
    NrPages give = std::min(MemmapPages(nr_pages), altmap->alloc);
    altmap->alloc -= give;
  }
  PfnRange r = geometry_.vmemmap()
                   ? PfnRange::FromSize(pfn, nr_pages)
                   : geometry_.SectionRange(geometry_.SectionOf(pfn));
  memmap_.Assign(r, PageState::Absent());
}

// Kernel: mm/sparse.c free_map_bootmem (v6.1): the whole section's boot
// memmap.
void Sparse::FreeMapBootmem(SectionNr nr) {
  memmap_.Assign(geometry_.SectionRange(nr), PageState::Absent());
}

// Kernel: mm/sparse.c section_activate (v6.1).
absl::StatusOr<Pfn> Sparse::SectionActivate(NodeId nid, Pfn pfn,
                                            NrPages nr_pages,
                                            VmemAltmap* altmap) {
  (void)nid;  // the node the memmap would be allocated on
  MemSection& ms = *MutableSection(pfn);
  bool new_usage = false;
  if (!ms.usage) {
    if (AllocFails(AllocSite::kHotplugUsage)) {
      return KernelError(Errno::kENOMEM, "mem_section_usage allocation");
    }
    ms.usage = std::make_shared<MemSectionUsage>(
        geometry_.SubsectionsPerSection(), /*boot=*/false);
    new_usage = true;
  }
  if (int rc = FillSubsectionMap(pfn, nr_pages); rc != 0) {
    if (new_usage) ms.usage.reset();
    return model::FromReturnCode(rc, "fill_subsection_map");
  }
  // The early init code does not consider partially populated initial
  // sections: a hot-add into one reuses the boot memmap.
  if (nr_pages < geometry_.PagesPerSection() && (ms.flags & kSectionIsEarly)) {
    return pfn;
  }
  if (!PopulateSectionMemmap(pfn, nr_pages, altmap)) {
    SectionDeactivate(pfn, nr_pages, altmap);
    return KernelError(Errno::kENOMEM, "populate_section_memmap");
  }
  return pfn;
}

void Sparse::FreeSectionUsage(MemSection& ms, bool section_is_early) {
  if (!ms.usage) return;
  if (profile_.boot_usage_never_freed) {
    // v5.5+: "If the usage map is PageReserved, it was allocated during
    // boot" and is kept for a re-add.
    if (!ms.usage->boot_allocated) ms.usage.reset();
    return;
  }
  // v5.3: every non-early section's usage is kfree()d; a re-added early
  // section still owns its boot (memblock) usage, and kfree() of memory the
  // slab allocator never handed out hits BUG_ON(!PageCompound(page)).
  if (section_is_early) return;
  if (ms.usage->boot_allocated) {
    log_->Bug({"mm/slub.c", "kfree"},
              {"kernel BUG at mm/slub.c: kfree() of boot-allocated "
               "mem_section_usage"});
  }
  ms.usage.reset();
}

// Kernel: mm/sparse.c section_deactivate (v6.1.192, with 5ec8e8ea8b77);
// v5.3 and the pre-fix orderings through the profile.
void Sparse::SectionDeactivate(Pfn pfn, NrPages nr_pages, VmemAltmap* altmap) {
  MemSection& ms = *MutableSection(pfn);
  const SectionNr section_nr = geometry_.SectionOf(pfn);
  const bool section_is_early = ms.flags & kSectionIsEarly;
  if (ClearSubsectionMap(pfn, nr_pages) != 0) return;
  const bool empty = IsSubsectionMapEmpty(ms);
  bool memmap = false;
  if (empty) {
    if (profile_.clear_has_mem_map_before_freeing_usage) {
      // Mark the section invalid first so that valid_section() readers do
      // not dereference the usage that is about to go.
      ms.flags &= ~kSectionHasMemMap;
      FreeSectionUsage(ms, section_is_early);
    } else {
      FreeSectionUsage(ms, section_is_early);
      if (profile_.emptied_section_mem_map_is_zero) {
        ms.flags &= ~kSectionHasMemMap;  // v5.6 .. v6.7 order
      }
    }
    memmap = ms.mem_map.has_value();
    if (!profile_.emptied_section_mem_map_is_zero) {
      // v5.3: section_mem_map = sparse_encode_mem_map(NULL, nr).
      ms.flags = 0;
      ms.early_nid.reset();
      ms.mem_map.reset();
    }
  }
  // The memmap of early sections is always fully populated.
  if (!section_is_early) {
    DepopulateSectionMemmap(pfn, nr_pages, altmap);
  } else if (memmap) {
    FreeMapBootmem(section_nr);
  } else if (!profile_.early_partial_removal_keeps_memmap) {
    // v5.3 (before ef69bc9f689d): part of the boot memmap is freed while the
    // section stays early and valid.
    DepopulateSectionMemmap(pfn, nr_pages, altmap);
  }
  if (empty && profile_.emptied_section_mem_map_is_zero) {
    ms.flags = 0;
    ms.early_nid.reset();
    ms.mem_map.reset();
  }
}

// Kernel: mm/sparse.c sparse_add_section (v6.1).
absl::Status Sparse::SparseAddSection(NodeId nid, Pfn start_pfn,
                                      NrPages nr_pages, VmemAltmap* altmap) {
  MEMHP_CHECK(profile_.subsection_hotplug)
      << "sparse_add_section() is v5.3's; " << profile_.name()
      << " has sparse_add_one_section()";
  const SectionNr section_nr = geometry_.SectionOf(start_pfn);
  MEMHP_CHECK(section_nr.value() < geometry_.NrMemSections())
      << "sparse_add_section beyond NR_MEM_SECTIONS: " << start_pfn;
  MEMHP_CHECK(nr_pages.IsZero() ||
              geometry_.SectionOf(start_pfn + nr_pages - NrPages(1)) ==
                  section_nr)
      << "sparse_add_section across sections: " << start_pfn << " + "
      << nr_pages;
  // sparse_index_init().
  if (!table_.RootAllocated(geometry_.SectionRoot(section_nr)) &&
      AllocFails(AllocSite::kSectionRoot)) {
    return KernelError(Errno::kENOMEM, "sparse_index_alloc");
  }
  table_.EnsureRoot(section_nr);
  absl::StatusOr<Pfn> memmap =
      SectionActivate(nid, start_pfn, nr_pages, altmap);
  if (!memmap.ok()) return memmap.status();
  // page_init_poison(): uninitialised struct pages are poisoned, also the
  // reused part of an early section's boot memmap.
  memmap_.Assign(PfnRange::FromSize(start_pfn, nr_pages),
                 PageState::Poisoned());
  // set_section_nid() is a no-op unless NODE_NOT_IN_PAGE_FLAGS.
  table_.MarkPresent(section_nr);
  // sparse_init_one_section(ms, nr, memmap, ms->usage, 0): existing flag bits
  // survive; the memmap is encoded relative to the section start.
  MemSection& ms = *table_.GetMutable(section_nr);
  ms.early_nid.reset();
  ms.mem_map = geometry_.SectionStart(section_nr);
  ms.flags |= kSectionHasMemMap;
  return absl::OkStatus();
}

// Kernel: mm/sparse.c sparse_remove_section (v6.1; v7.1 in
// mm/sparse-vmemmap.c with the validity WARN).
void Sparse::SparseRemoveSection(Pfn pfn, NrPages nr_pages, NrPages map_offset,
                                 VmemAltmap* altmap) {
  MEMHP_CHECK(profile_.subsection_hotplug)
      << "sparse_remove_section() is v5.3's; " << profile_.name()
      << " has sparse_remove_one_section()";
  MEMHP_CHECK(nr_pages.IsZero() ||
              geometry_.SectionOf(pfn + nr_pages - NrPages(1)) ==
                  geometry_.SectionOf(pfn))
      << "sparse_remove_section across sections";
  if (profile_.sparse_remove_section_checks_valid &&
      !ValidSection(geometry_.SectionOf(pfn))) {
    log_->WarnOnOnce({"mm/sparse-vmemmap.c", "sparse_remove_section"},
                     "!valid_section(ms)");
    return;
  }
  // clear_hwpoisoned_pages(pfn_to_page(pfn) + map_offset, ...): no page is
  // hardware-poisoned in the model.
  (void)map_offset;
  if (PfnToSection(pfn) == nullptr) {
    // __pfn_to_section() of a never-allocated root is NULL, and
    // clear_subsection_map() reads ms->usage (offset 8) through it.
    LogNullDeref(profile_.version <= model::KernelVersion::kV5_3
                     ? "section_deactivate"
                     : "clear_subsection_map",
                 8);
    return;
  }
  SectionDeactivate(pfn, nr_pages, altmap);
}

// Kernel: mm/sparse.c sparse_add_one_section (v5.1; the lines renamed and
// changed by the v5.3 sub-section series: "mm/sparsemem: Introduce struct
// mem_section_usage", "mm/sparsemem: Prepare for sub-section ranges").
absl::Status Sparse::SparseAddOneSection(NodeId nid, Pfn start_pfn,
                                         VmemAltmap* altmap) {
  MEMHP_CHECK(!profile_.subsection_hotplug)
      << "sparse_add_one_section() is v5.1's; this profile has "
         "sparse_add_section()";
  const SectionNr section_nr = geometry_.SectionOf(start_pfn);
  MEMHP_CHECK(section_nr.value() < geometry_.NrMemSections())
      << "sparse_add_one_section beyond NR_MEM_SECTIONS: " << start_pfn;
  // sparse_index_init(): -EEXIST for a root that exists is not an error.
  if (!table_.RootAllocated(geometry_.SectionRoot(section_nr)) &&
      AllocFails(AllocSite::kSectionRoot)) {
    return KernelError(Errno::kENOMEM, "sparse_index_alloc");
  }
  table_.EnsureRoot(section_nr);
  const Pfn section_start = geometry_.SectionStart(section_nr);
  (void)nid;  // the node the memmap is allocated on
  // kmalloc_section_memmap(): a whole section's memmap, before anything is
  // checked.
  if (AllocFails(AllocSite::kHotplugMemmap)) {
    return KernelError(Errno::kENOMEM, "kmalloc_section_memmap");
  }
  const NrPages memmap_pages = MemmapPages(geometry_.PagesPerSection());
  if (altmap != nullptr) {
    if (altmap->alloc + memmap_pages > altmap->free) {
      return KernelError(Errno::kENOMEM, "kmalloc_section_memmap (altmap)");
    }
    altmap->alloc += memmap_pages;
  }
  // __kmalloc_section_usemap().
  if (AllocFails(AllocSite::kHotplugUsage)) {
    if (altmap != nullptr) altmap->alloc -= memmap_pages;
    return KernelError(Errno::kENOMEM, "__kmalloc_section_usemap");
  }
  MemSection& ms = *table_.GetMutable(section_nr);
  if (ms.flags & kSectionMarkedPresent) {
    // out: kfree(usemap); __kfree_section_memmap(memmap, altmap).
    // DIVERGENCE: with VMEMMAP the kernel's populate and free act on the
    // vmemmap of the present section itself; the model leaves that memmap
    // as it was. Only a present section that is not valid gets here
    // (__add_section() refuses valid ones first).
    if (altmap != nullptr) altmap->alloc -= memmap_pages;
    return KernelError(Errno::kEEXIST, "section already present");
  }
  // page_init_poison() of the whole section's struct pages.
  memmap_.Assign(geometry_.SectionRange(section_nr), PageState::Poisoned());
  table_.MarkPresent(section_nr);
  // sparse_init_one_section(ms, section_nr, memmap, usemap).
  ms.early_nid.reset();
  ms.mem_map = section_start;
  ms.flags |= kSectionHasMemMap;
  ms.usage = std::make_shared<MemSectionUsage>(
      geometry_.SubsectionsPerSection(), /*boot=*/false);
  FillWholeMap(*ms.usage);
  return absl::OkStatus();
}

// Kernel: mm/sparse.c sparse_remove_one_section and free_section_usemap
// (v5.1, as "mm/sparsemem: Introduce struct mem_section_usage" found them).
void Sparse::SparseRemoveOneSection(Pfn pfn, NrPages map_offset,
                                    VmemAltmap* altmap) {
  MEMHP_CHECK(!profile_.subsection_hotplug)
      << "sparse_remove_one_section() is v5.1's; this profile has "
         "sparse_remove_section()";
  const SectionNr section_nr = geometry_.SectionOf(pfn);
  MemSection* ms = table_.GetMutable(section_nr);
  MEMHP_CHECK(ms != nullptr)
      << "sparse_remove_one_section of a section without a root";
  std::shared_ptr<MemSectionUsage> usemap;
  bool memmap = false;
  if (!ms->IsZero()) {
    usemap = ms->usage;
    memmap = ms->mem_map.has_value();
    // section_mem_map = 0: present, online and valid go at once.
    ms->flags = 0;
    ms->early_nid.reset();
    ms->mem_map.reset();
    ms->usage.reset();
  }
  // clear_hwpoisoned_pages(memmap + map_offset, ...): no page is
  // hardware-poisoned in the model.
  (void)map_offset;
  // free_section_usemap(memmap, usemap, altmap).
  if (!usemap) return;
  if (!usemap->boot_allocated) {
    // Allocated by hot-add (PageSlab): kfree(usemap) and
    // __kfree_section_memmap(memmap, altmap).
    if (memmap) {
      DepopulateSectionMemmap(geometry_.SectionStart(section_nr),
                              geometry_.PagesPerSection(), altmap);
    }
    return;
  }
  // The usemap came from bootmem, packed with other sections': kept as is
  // (dropped from the section). The boot memmap is freed.
  if (memmap) FreeMapBootmem(section_nr);
}

// Kernel: mm/sparse.c online_mem_sections / offline_mem_sections (v6.1).
void Sparse::OnlineMemSections(Pfn start_pfn, Pfn end_pfn) {
  for (Pfn pfn = start_pfn; pfn < end_pfn; pfn += geometry_.PagesPerSection()) {
    const SectionNr nr = geometry_.SectionOf(pfn);
    if (profile_.online_mem_sections_warns_invalid && !ValidSection(nr)) {
      log_->WarnOn({"mm/sparse.c", "online_mem_sections"},
                   "!valid_section_nr(section_nr)");
      continue;
    }
    MemSection* ms = table_.GetMutable(nr);
    if (ms == nullptr) {
      LogNullDeref("online_mem_sections", 0);
      continue;
    }
    ms->flags |= kSectionIsOnline;
  }
}

void Sparse::OfflineMemSections(Pfn start_pfn, Pfn end_pfn) {
  for (Pfn pfn = start_pfn; pfn < end_pfn; pfn += geometry_.PagesPerSection()) {
    const SectionNr nr = geometry_.SectionOf(pfn);
    if (profile_.online_mem_sections_warns_invalid && !ValidSection(nr)) {
      log_->WarnOn({"mm/sparse.c", "offline_mem_sections"},
                   "!valid_section_nr(section_nr)");
      continue;
    }
    MemSection* ms = table_.GetMutable(nr);
    if (ms == nullptr) {
      LogNullDeref("offline_mem_sections", 0);
      continue;
    }
    ms->flags &= ~kSectionIsOnline;
  }
}

// Kernel: mm/memory_hotplug.c section_taint_zone_device (v6.1).
void Sparse::SectionTaintZoneDevice(Pfn pfn) {
  if (!profile_.has_section_taint_zone_device) return;
  MemSection* ms = MutableSection(pfn);
  if (ms != nullptr) ms->flags |= kSectionTaintZoneDevice;
}

// --- struct page readers
// ------------------------------------------------------

// DIVERGENCE: the x86 vmemmap base without KASLR (vmemmap_base is randomised
// on Debian's kernel); other architectures are shown on the same base.
uint64_t Sparse::PageAddress(Pfn pfn) const {
  const uint64_t base = geometry_.max_physmem_bits() == 52
                            ? 0xffd4000000000000ull
                            : 0xffffea0000000000ull;
  return base + pfn.value() * kStructPageSize;
}

// Kernel: include/linux/page-flags.h PF_POISONED_CHECK, used by
// include/linux/mm.h page_to_nid (v6.1 line 1305), and mm/debug.c
// __dump_page. v6.1 prints "%p" (hashed); the model prints the address.
absl::Status Sparse::CheckPageReadable(Pfn pfn) {
  PageState s = memmap_.Get(pfn);
  const unsigned long addr = PageAddress(pfn);
  switch (s.kind) {
    case MemmapKind::kInitialised:
      return absl::OkStatus();
    case MemmapKind::kPoisoned: {
      const std::string raw =
          "raw: ffffffffffffffff ffffffffffffffff ffffffffffffffff "
          "ffffffffffffffff";
      log_->Bug(
          {"include/linux/mm.h", "page_to_nid"},
          {Sprintf("page:%016lx is uninitialized and poisoned", addr), raw, raw,
           "page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))"});
      return absl::InternalError(
          Sprintf("struct page of pfn %#lx is uninitialized and poisoned",
                  static_cast<unsigned long>(pfn.value())));
    }
    case MemmapKind::kAbsent:
      log_->Bug({"arch/x86/mm/fault.c", "page_fault_oops"},
                {Sprintf("BUG: unable to handle page fault for address: "
                         "%016lx",
                         addr),
                 "#PF: supervisor read access in kernel mode"});
      return absl::InternalError(
          Sprintf("struct page of pfn %#lx has no memmap",
                  static_cast<unsigned long>(pfn.value())));
  }
  return absl::OkStatus();
}

// --- inspection
// ---------------------------------------------------------------

std::vector<SectionState> Sparse::SectionStates() const {
  std::vector<SectionState> out;
  const uint64_t spr = geometry_.SectionsPerRoot();
  for (uint64_t root : table_.AllocatedRoots()) {
    for (uint64_t i = 0; i < spr; ++i) {
      SectionNr nr(root * spr + i);
      const MemSection* ms = table_.Get(nr);
      if (ms == nullptr || (ms->IsZero() && !ms->usage)) continue;
      SectionState s{.nr = nr,
                     .flags = ms->flags,
                     .early_nid = ms->early_nid,
                     .mem_map = ms->mem_map,
                     .has_usage = ms->usage != nullptr};
      if (ms->usage) {
        s.usage_boot = ms->usage->boot_allocated;
        s.subsection_map = ms->usage->subsection_map.ToString();
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

absl::Status Sparse::CheckInvariants() const {
  for (const SectionState& s : SectionStates()) {
    const bool valid = s.flags & kSectionHasMemMap;
    if (valid && !s.has_usage) {
      return model::InvariantViolation(
          "SPARSE-1", Sprintf("section %lu is valid without a usage",
                              static_cast<unsigned long>(s.nr.value())));
    }
    const bool early = s.flags & kSectionIsEarly;
    if (TracksSubsections() && valid && !early &&
        s.subsection_map.find('1') == std::string::npos) {
      return model::InvariantViolation(
          "SPARSE-2",
          Sprintf("hot-added section %lu is valid with an empty subsection_map",
                  static_cast<unsigned long>(s.nr.value())));
    }
    if (geometry_.vmemmap() && valid && !early) {
      for (size_t b = 0; b < s.subsection_map.size(); ++b) {
        if (s.subsection_map[b] != '1') continue;
        PfnRange r = PfnRange::FromSize(
            geometry_.SubsectionStart(s.nr, model::SubsectionIdx(b)),
            geometry_.PagesPerSubsection());
        bool absent = false;
        memmap_.ForEach(r, [&](PfnRange, const PageState& st) {
          absent |= st.kind == MemmapKind::kAbsent;
        });
        if (absent) {
          return model::InvariantViolation(
              "SPARSE-3",
              Sprintf("valid sub-section %zu of section %lu has no memmap", b,
                      static_cast<unsigned long>(s.nr.value())));
        }
      }
    }
    if (valid && !(s.flags & kSectionMarkedPresent)) {
      return model::InvariantViolation(
          "SPARSE-4", Sprintf("section %lu is valid but not present",
                              static_cast<unsigned long>(s.nr.value())));
    }
    if ((s.flags & kSectionMarkedPresent) &&
        (!table_.highest_present() || s.nr > *table_.highest_present())) {
      return model::InvariantViolation(
          "SPARSE-4",
          Sprintf("section %lu is present above __highest_present_section_nr",
                  static_cast<unsigned long>(s.nr.value())));
    }
  }
  return absl::OkStatus();
}

size_t Sparse::MemoryFootprintBytes() const {
  return table_.HeapBytes() + memmap_.HeapBytes() +
         memblock_memory_.capacity() * sizeof(PfnRange);
}

}  // namespace memhp::sparse
