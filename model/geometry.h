// The sparsemem geometry of an architecture configuration: the constants of
// include/linux/mmzone.h and arch/*/include/asm/sparsemem.h as runtime
// values, and the named conversions between pfns, addresses, sections and
// sub-sections.
//
// Values per architecture and profile (kernel-core-spec.md §1.2, checked
// against the v6.1 source; v5.1 has the v5.3 values):
//   x86_64      PAGE_SHIFT 12, SECTION_SIZE_BITS 27, MAX_PHYSMEM_BITS 46
//               (arch/x86/include/asm/sparsemem.h; 52 with LA57: x86_64-la57)
//   arm64-4k    12, 30 (v5.1, v5.3) / 27 (v5.12+), 48 (CONFIG_ARM64_PA_BITS)
//   arm64-16k   14, 30 / 27, 48
//   arm64-64k   16, 30 / 29, 48
//   ppc64       16, 24, 51 (book3s64 64K, VMEMMAP+EXTREME: H/R_MAX 51)
//   s390x       12, 28 (v5.1 .. v6.1) / 27 (v6.13+), 46 (CONFIG default)
//   riscv64     12, 27, 56 (no SPARSEMEM in v5.1, v5.3; hotplug from ~v6.13)
// SUBSECTION_SHIFT is 21 everywhere; SECTIONS_PER_ROOT is
// PAGE_SIZE / sizeof(struct mem_section) = PAGE_SIZE / 16 (no PAGE_EXTENSION).
//
// Invariants:
//  1. SUBSECTION_SHIFT <= SECTION_SIZE_BITS < MAX_PHYSMEM_BITS <= 64;
//  2. MAX_ORDER - 1 + PAGE_SHIFT <= SECTION_SIZE_BITS
//     ("Allocator MAX_ORDER exceeds SECTION_SIZE");
//  3. PAGE_SHIFT < SUBSECTION_SHIFT.

#ifndef MEMHP_MODEL_GEOMETRY_H_
#define MEMHP_MODEL_GEOMETRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/profile.h"
#include "model/range.h"
#include "model/types.h"

namespace memhp::model {

enum class Arch { kX86_64, kArm64, kPpc64, kS390x, kRiscv64 };
std::string_view ArchName(Arch a);

// How memory_block_size_bytes() is chosen.
enum class MemoryBlockRule {
  kX86Probe,     // arch/x86/mm/init_64.c probe_memory_block_size()
  kSectionSize,  // generic weak default: MIN_MEMORY_BLOCK_SIZE
  kS390Sclp,     // max(MIN_MEMORY_BLOCK_SIZE, sclp.rzm)
  kPpcFirmware,  // ppc_md.memory_block_size() (LMB size), else MIN
};

struct GeometryParams {
  std::string name = "custom";
  Arch arch = Arch::kX86_64;
  int page_shift = 12;
  int section_size_bits = 27;
  int max_physmem_bits = 46;
  int subsection_shift = 21;
  int max_order = 11;  // MAX_ORDER (orders 0 .. MAX_ORDER-1)
  // pageblock_order: min(HUGETLB_PAGE_ORDER, MAX_ORDER - 1)
  // (include/linux/pageblock-flags.h).
  int pageblock_order = 9;
  bool vmemmap = true;
  bool sparsemem_extreme = true;
  MemoryBlockRule block_rule = MemoryBlockRule::kSectionSize;
  bool memory_hotplug = true;    // ARCH_ENABLE_MEMORY_HOTPLUG
  bool memory_hotremove = true;  // ARCH_ENABLE_MEMORY_HOTREMOVE
  bool arch_pfn_valid = false;   // CONFIG_HAVE_ARCH_PFN_VALID
};

class Geometry {
 public:
  // A named architecture configuration under a profile: "x86_64",
  // "x86_64-la57", "arm64-4k", "arm64-16k", "arm64-64k", "ppc64", "s390x",
  // "riscv64".
  // Errors: InvalidArgument for an unknown name, or a configuration the
  // release does not support (riscv64 has no SPARSEMEM in v5.1 and v5.3).
  static absl::StatusOr<Geometry> Named(std::string_view name,
                                        KernelVersion version);
  // Errors: InvalidArgument when an invariant of the class comment fails.
  static absl::StatusOr<Geometry> FromParams(const GeometryParams& p);
  static std::vector<std::string> Names();

  const GeometryParams& params() const { return p_; }
  std::string_view name() const { return p_.name; }
  Arch arch() const { return p_.arch; }
  int page_shift() const { return p_.page_shift; }
  int section_size_bits() const { return p_.section_size_bits; }
  int max_physmem_bits() const { return p_.max_physmem_bits; }
  int subsection_shift() const { return p_.subsection_shift; }
  // PFN_SECTION_SHIFT = SECTION_SIZE_BITS - PAGE_SHIFT.
  int pfn_section_shift() const { return p_.section_size_bits - p_.page_shift; }
  // SECTIONS_SHIFT = MAX_PHYSMEM_BITS - SECTION_SIZE_BITS.
  int sections_shift() const {
    return p_.max_physmem_bits - p_.section_size_bits;
  }
  bool vmemmap() const { return p_.vmemmap; }
  bool sparsemem_extreme() const { return p_.sparsemem_extreme; }
  bool memory_hotplug() const { return p_.memory_hotplug; }
  bool memory_hotremove() const { return p_.memory_hotremove; }
  bool arch_pfn_valid() const { return p_.arch_pfn_valid; }
  MemoryBlockRule block_rule() const { return p_.block_rule; }
  // pageblock_nr_pages.
  NrPages PageblockNrPages() const {
    return NrPages(uint64_t{1} << p_.pageblock_order);
  }
  // MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1).
  NrPages MaxOrderNrPages() const {
    return NrPages(uint64_t{1} << (p_.max_order - 1));
  }

  ByteSize PageSize() const { return ByteSize(uint64_t{1} << p_.page_shift); }
  ByteSize SectionSize() const {
    return ByteSize(uint64_t{1} << p_.section_size_bits);
  }
  // PAGES_PER_SECTION.
  NrPages PagesPerSection() const {
    return NrPages(uint64_t{1} << pfn_section_shift());
  }
  // PAGES_PER_SUBSECTION.
  NrPages PagesPerSubsection() const {
    return NrPages(uint64_t{1} << (p_.subsection_shift - p_.page_shift));
  }
  // SUBSECTIONS_PER_SECTION: bits of a subsection_map.
  uint64_t SubsectionsPerSection() const {
    return uint64_t{1} << (p_.section_size_bits - p_.subsection_shift);
  }
  // NR_MEM_SECTIONS.
  uint64_t NrMemSections() const { return uint64_t{1} << sections_shift(); }
  // SECTIONS_PER_ROOT (1 without SPARSEMEM_EXTREME).
  uint64_t SectionsPerRoot() const {
    return p_.sparsemem_extreme ? (uint64_t{1} << p_.page_shift) / 16 : 1;
  }
  // NR_SECTION_ROOTS = DIV_ROUND_UP(NR_MEM_SECTIONS, SECTIONS_PER_ROOT).
  uint64_t NrSectionRoots() const {
    return (NrMemSections() + SectionsPerRoot() - 1) / SectionsPerRoot();
  }
  // MIN_MEMORY_BLOCK_SIZE = 1 << SECTION_SIZE_BITS.
  ByteSize MinMemoryBlockSize() const { return SectionSize(); }
  // (PHYSMEM_END + 1) >> PAGE_SHIFT: the first pfn sparsemem cannot hold.
  // DIVERGENCE: x86 with KASLR may lower physmem_end to the direct map's
  // size; the model uses the architectural limit.
  Pfn MaxSparsemPfn() const {
    return Pfn(uint64_t{1} << (p_.max_physmem_bits - p_.page_shift));
  }

  // pfn_to_section_nr(pfn).
  SectionNr SectionOf(Pfn pfn) const {
    return SectionNr(pfn.value() >> pfn_section_shift());
  }
  // section_nr_to_pfn(nr).
  Pfn SectionStart(SectionNr nr) const {
    return Pfn(nr.value() << pfn_section_shift());
  }
  PfnRange SectionRange(SectionNr nr) const {
    return PfnRange::FromSize(SectionStart(nr), PagesPerSection());
  }
  // SECTION_NR_TO_ROOT(nr).
  uint64_t SectionRoot(SectionNr nr) const {
    return nr.value() / SectionsPerRoot();
  }
  // subsection_map_index(pfn).
  SubsectionIdx SubsectionMapIndex(Pfn pfn) const {
    return SubsectionIdx((pfn.value() & (PagesPerSection().value() - 1)) /
                         PagesPerSubsection().value());
  }
  // The first pfn of bit `idx` of section `nr`'s subsection_map.
  Pfn SubsectionStart(SectionNr nr, SubsectionIdx idx) const {
    return SectionStart(nr) + PagesPerSubsection() * idx.value();
  }
  Pfn SectionAlignDown(Pfn pfn) const {
    return AlignDown(pfn, PagesPerSection());
  }
  Pfn SectionAlignUp(Pfn pfn) const { return AlignUp(pfn, PagesPerSection()); }
  Pfn SubsectionAlignDown(Pfn pfn) const {
    return AlignDown(pfn, PagesPerSubsection());
  }
  Pfn SubsectionAlignUp(Pfn pfn) const {
    return AlignUp(pfn, PagesPerSubsection());
  }

  // PHYS_PFN(addr) / PFN_DOWN(addr).
  Pfn PfnDown(PhysAddr a) const { return Pfn(a.value() >> p_.page_shift); }
  // PFN_UP(addr).
  Pfn PfnUp(PhysAddr a) const {
    return Pfn((a.value() >> p_.page_shift) +
               ((a.value() & (PageSize().value() - 1)) != 0));
  }
  // PFN_PHYS(pfn), truncated to 64 bits as the kernel's shift is.
  PhysAddr PfnPhys(Pfn pfn) const {
    return PhysAddr(pfn.value() << p_.page_shift);
  }
  NrPages PagesIn(ByteSize s) const {
    return NrPages(s.value() >> p_.page_shift);
  }
  ByteSize BytesOf(NrPages n) const {
    return ByteSize(n.value() << p_.page_shift);
  }
  PfnRange PfnsOf(PhysRange r) const {
    return PfnRange(PfnUp(r.start()),
                    std::max(PfnUp(r.start()), PfnDown(r.end())));
  }

 private:
  explicit Geometry(GeometryParams p) : p_(std::move(p)) {}
  GeometryParams p_;
};

}  // namespace memhp::model

#endif  // MEMHP_MODEL_GEOMETRY_H_
