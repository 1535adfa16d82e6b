#include "model/geometry.h"

#include "model/strings.h"

namespace memhp::model {

std::string_view ArchName(Arch a) {
  switch (a) {
    case Arch::kX86_64:
      return "x86_64";
    case Arch::kArm64:
      return "arm64";
    case Arch::kPpc64:
      return "ppc64";
    case Arch::kS390x:
      return "s390x";
    case Arch::kRiscv64:
      return "riscv64";
  }
  return "?";
}

std::vector<std::string> Geometry::Names() {
  return {"x86_64",    "x86_64-la57", "arm64-4k", "arm64-16k",
          "arm64-64k", "ppc64",       "s390x",    "riscv64"};
}

absl::StatusOr<Geometry> Geometry::Named(std::string_view name,
                                         KernelVersion version) {
  GeometryParams p;
  p.name = std::string(name);
  // v5.1 and v5.3 share every value below (v5.1 checked where stored
  // source exists: arch/arm64/mm/init.c pfn_valid and arch/arm64/mm/mmu.c
  // arch_add_memory without arch_remove_memory in linux-5.1.15).
  const bool before_v5_12 = version <= KernelVersion::kV5_3;
  if (name == "x86_64" || name == "x86_64-la57") {
    // arch/x86/include/asm/sparsemem.h: SECTION_SIZE_BITS 27,
    // MAX_PHYSMEM_BITS (pgtable_l5_enabled() ? 52 : 46).
    p.arch = Arch::kX86_64;
    p.page_shift = 12;
    p.section_size_bits = 27;
    p.max_physmem_bits = name == "x86_64" ? 46 : 52;
    p.max_order = 11;
    p.block_rule = MemoryBlockRule::kX86Probe;
  } else if (name == "arm64-4k" || name == "arm64-16k" || name == "arm64-64k") {
    // arch/arm64/include/asm/sparsemem.h: 30 in v5.1 and v5.3; 27 (4K/16K)
    // and 29 (64K) since "arm64/sparsemem: reduce SECTION_SIZE_BITS"
    // (v5.12).
    p.arch = Arch::kArm64;
    p.max_physmem_bits = 48;
    if (name == "arm64-4k") {
      p.page_shift = 12;
      p.max_order = 11;
      p.pageblock_order = 9;  // PMD 2 MiB
      p.section_size_bits = before_v5_12 ? 30 : 27;
    } else if (name == "arm64-16k") {
      p.page_shift = 14;
      p.max_order = 12;
      p.pageblock_order = 11;  // PMD 32 MiB, capped at MAX_ORDER - 1
      p.section_size_bits = before_v5_12 ? 30 : 27;
    } else {
      p.page_shift = 16;
      p.max_order = 14;
      p.pageblock_order = 13;  // PMD 512 MiB, capped at MAX_ORDER - 1
      p.section_size_bits = before_v5_12 ? 30 : 29;
    }
    // v5.1, v5.3: hot-add only, and arm64's own pfn_valid
    // (HAVE_ARCH_PFN_VALID, arch/arm64/mm/init.c) that consults memblock, not
    // the subsection map.
    p.memory_hotremove = !before_v5_12;
    p.arch_pfn_valid = before_v5_12;
  } else if (name == "ppc64") {
    // arch/powerpc/include/asm/sparsemem.h SECTION_SIZE_BITS 24;
    // book3s/64 hash-64k/radix: MAX_PHYSMEM_BITS 51 with VMEMMAP+EXTREME
    // (4ffe713b7587 "powerpc/mm: Increase the max addressable memory to
    // 2PB", v4.20: also v5.1).
    p.arch = Arch::kPpc64;
    p.page_shift = 16;
    p.section_size_bits = 24;
    p.max_physmem_bits = 51;
    p.max_order = 9;
    p.pageblock_order = 8;  // 16 MiB huge pages (HUGETLB_PAGE_SIZE_VARIABLE)
    p.block_rule = MemoryBlockRule::kPpcFirmware;
  } else if (name == "s390x") {
    // arch/s390/include/asm/sparsemem.h: 28 from before v5.1 until v6.6, 27
    // by v6.13.
    p.arch = Arch::kS390x;
    p.page_shift = 12;
    p.section_size_bits = version == KernelVersion::kV7_1 ? 27 : 28;
    p.max_physmem_bits = 46;
    p.max_order = 11;
    p.pageblock_order = 8;  // 1 MiB segments
    p.block_rule = MemoryBlockRule::kS390Sclp;
  } else if (name == "riscv64") {
    if (before_v5_12) {
      return absl::InvalidArgumentError(
          Cat("geometry riscv64: ", KernelVersionName(version),
              " has no SPARSEMEM on riscv"));
    }
    // arch/riscv/include/asm/sparsemem.h: 27 and 56 (64-bit).
    p.arch = Arch::kRiscv64;
    p.page_shift = 12;
    p.section_size_bits = 27;
    p.max_physmem_bits = 56;
    p.max_order = 11;
    // ARCH_ENABLE_MEMORY_HOTPLUG arrived between v6.6 and v6.13.
    p.memory_hotplug = version == KernelVersion::kV7_1;
    p.memory_hotremove = p.memory_hotplug;
  } else {
    return absl::InvalidArgumentError(Cat("unknown geometry '", name,
                                          "'; expected one of ",
                                          Join(Names(), ", ")));
  }
  return FromParams(p);
}

absl::StatusOr<Geometry> Geometry::FromParams(const GeometryParams& p) {
  auto bad = [&](std::string_view what) {
    return absl::InvalidArgumentError(Cat("geometry ", p.name, ": ", what));
  };
  if (p.page_shift < 12 || p.page_shift > 16) {
    return bad(
        Cat("PAGE_SHIFT ", p.page_shift, " outside the supported 12..16"));
  }
  if (p.subsection_shift <= p.page_shift) {
    return bad("SUBSECTION_SHIFT must exceed PAGE_SHIFT");
  }
  if (p.subsection_shift > p.section_size_bits) {
    return bad("Subsection size exceeds section size");
  }
  if (p.section_size_bits >= p.max_physmem_bits || p.max_physmem_bits > 64) {
    return bad(Cat("need SECTION_SIZE_BITS (", p.section_size_bits,
                   ") < MAX_PHYSMEM_BITS (", p.max_physmem_bits, ") <= 64"));
  }
  if (p.max_order < 1 || p.max_order - 1 + p.page_shift > p.section_size_bits) {
    return bad("Allocator MAX_ORDER exceeds SECTION_SIZE");
  }
  if (p.pageblock_order < 0 || p.pageblock_order > p.max_order - 1) {
    return bad("pageblock_order exceeds MAX_ORDER - 1");
  }
  if (p.section_size_bits - p.subsection_shift > 12) {
    return bad("more than 4096 sub-sections per section");
  }
  return Geometry(p);
}

}  // namespace memhp::model
