#include "model/geometry.h"

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

Geometry Must(std::string_view name, KernelVersion v) {
  absl::StatusOr<Geometry> g = Geometry::Named(name, v);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

// kernel-core-spec.md §1.3, "worked derived values".
struct Derived {
  const char* name;
  KernelVersion version;
  uint64_t pps, ppss, sps, nr_mem_sections, sections_per_root, nr_roots;
};

TEST(GeometryTest, DerivedConstantsMatchTheKernelTable) {
  const Derived kTable[] = {
      {"x86_64", KernelVersion::kV6_1, 32768, 512, 64, 1ull << 19, 256, 2048},
      {"x86_64-la57", KernelVersion::kV6_1, 32768, 512, 64, 1ull << 25, 256,
       131072},
      {"arm64-4k", KernelVersion::kV5_3, 262144, 512, 512, 1ull << 18, 256,
       1024},
      {"arm64-4k", KernelVersion::kV7_1, 32768, 512, 64, 1ull << 21, 256, 8192},
      {"arm64-16k", KernelVersion::kV7_1, 8192, 128, 64, 1ull << 21, 1024,
       2048},
      {"arm64-64k", KernelVersion::kV5_3, 16384, 32, 512, 1ull << 18, 4096, 64},
      {"ppc64", KernelVersion::kV6_1, 256, 32, 8, 1ull << 27, 4096, 32768},
      {"s390x", KernelVersion::kV7_1, 32768, 512, 64, 1ull << 19, 256, 2048},
      {"riscv64", KernelVersion::kV7_1, 32768, 512, 64, 1ull << 29, 256,
       1ull << 21},
  };
  for (const Derived& d : kTable) {
    Geometry g = Must(d.name, d.version);
    SCOPED_TRACE(std::string(d.name) + " " +
                 std::string(KernelVersionName(d.version)));
    EXPECT_EQ(g.PagesPerSection().value(), d.pps);
    EXPECT_EQ(g.PagesPerSubsection().value(), d.ppss);
    EXPECT_EQ(g.SubsectionsPerSection(), d.sps);
    EXPECT_EQ(g.NrMemSections(), d.nr_mem_sections);
    EXPECT_EQ(g.SectionsPerRoot(), d.sections_per_root);
    EXPECT_EQ(g.NrSectionRoots(), d.nr_roots);
  }
}

TEST(GeometryTest, SectionSizesChangedBetweenProfiles) {
  EXPECT_EQ(Must("arm64-4k", KernelVersion::kV5_3).section_size_bits(), 30);
  EXPECT_EQ(Must("arm64-4k", KernelVersion::kV6_1).section_size_bits(), 27);
  EXPECT_EQ(Must("arm64-64k", KernelVersion::kV6_1).section_size_bits(), 29);
  EXPECT_EQ(Must("s390x", KernelVersion::kV6_1).section_size_bits(), 28);
  EXPECT_EQ(Must("s390x", KernelVersion::kV7_1).section_size_bits(), 27);
  EXPECT_FALSE(Geometry::Named("riscv64", KernelVersion::kV5_3).ok());
  EXPECT_FALSE(Must("riscv64", KernelVersion::kV6_1).memory_hotplug());
  EXPECT_TRUE(Must("arm64-4k", KernelVersion::kV5_3).arch_pfn_valid());
  EXPECT_FALSE(Must("arm64-4k", KernelVersion::kV6_1).arch_pfn_valid());
}

// v5.1 predates every per-architecture change the profiles know of: a wrong
// model would give arm64 v5.1 the 27-bit sections of v5.12, hot-remove, or
// the generic pfn_valid(), or s390 v5.1 the 27 bits of v6.13.
TEST(GeometryTest, V51HasTheSectionSizesOfV53) {
  EXPECT_EQ(Must("arm64-4k", KernelVersion::kV5_1).section_size_bits(), 30);
  EXPECT_EQ(Must("arm64-16k", KernelVersion::kV5_1).section_size_bits(), 30);
  EXPECT_EQ(Must("arm64-64k", KernelVersion::kV5_1).section_size_bits(), 30);
  EXPECT_TRUE(Must("arm64-4k", KernelVersion::kV5_1).arch_pfn_valid());
  EXPECT_FALSE(Must("arm64-4k", KernelVersion::kV5_1).memory_hotremove());
  EXPECT_EQ(Must("s390x", KernelVersion::kV5_1).section_size_bits(), 28);
  EXPECT_EQ(Must("x86_64", KernelVersion::kV5_1).section_size_bits(), 27);
  EXPECT_EQ(Must("ppc64", KernelVersion::kV5_1).max_physmem_bits(), 51);
  absl::StatusOr<Geometry> riscv =
      Geometry::Named("riscv64", KernelVersion::kV5_1);
  ASSERT_FALSE(riscv.ok());
  EXPECT_EQ(riscv.status().message(),
            "geometry riscv64: v5.1 has no SPARSEMEM on riscv");
}

TEST(GeometryTest, ConversionsBetweenPfnsSectionsAndSubsections) {
  Geometry g = Must("x86_64", KernelVersion::kV6_1);
  //  section 2: pfns [0x10000, 0x18000); bit 3 = [0x10600, 0x10800)
  EXPECT_EQ(g.SectionOf(Pfn(0x10000)), SectionNr(2));
  EXPECT_EQ(g.SectionOf(Pfn(0x17fff)), SectionNr(2));
  EXPECT_EQ(g.SectionOf(Pfn(0x18000)), SectionNr(3));
  EXPECT_EQ(g.SectionStart(SectionNr(2)), Pfn(0x10000));
  EXPECT_EQ(g.SubsectionMapIndex(Pfn(0x10600)), SubsectionIdx(3));
  EXPECT_EQ(g.SubsectionMapIndex(Pfn(0x107ff)), SubsectionIdx(3));
  EXPECT_EQ(g.SubsectionMapIndex(Pfn(0x17fff)), SubsectionIdx(63));
  EXPECT_EQ(g.SubsectionStart(SectionNr(2), SubsectionIdx(3)), Pfn(0x10600));
  EXPECT_EQ(g.SectionRoot(SectionNr(255)), 0u);
  EXPECT_EQ(g.SectionRoot(SectionNr(256)), 1u);
  EXPECT_EQ(g.PfnDown(PhysAddr(0x9fbff)), Pfn(0x9f));
  EXPECT_EQ(g.PfnUp(PhysAddr(0x9fc00)), Pfn(0xa0));
  EXPECT_EQ(g.PfnPhys(Pfn(0x100)), PhysAddr(0x100000));
  EXPECT_EQ(g.MaxSparsemPfn(), Pfn(1ull << 34));
  // A range of bytes covers only whole pages.
  EXPECT_EQ(g.PfnsOf(PhysRange(PhysAddr(0x1800), PhysAddr(0x3800))),
            PfnRange(Pfn(2), Pfn(3)));
}

TEST(GeometryTest, ImpossibleParametersAreRefused) {
  GeometryParams p;
  p.section_size_bits = 20;  // below SUBSECTION_SHIFT 21
  EXPECT_EQ(Geometry::FromParams(p).status().message(),
            "geometry custom: Subsection size exceeds section size");
  p = GeometryParams{};
  p.max_order = 20;
  EXPECT_EQ(Geometry::FromParams(p).status().message(),
            "geometry custom: Allocator MAX_ORDER exceeds SECTION_SIZE");
  p = GeometryParams{};
  p.max_physmem_bits = 27;
  EXPECT_FALSE(Geometry::FromParams(p).ok());
  p = GeometryParams{};
  p.max_physmem_bits = 65;
  EXPECT_FALSE(Geometry::FromParams(p).ok());
  EXPECT_FALSE(Geometry::Named("vax", KernelVersion::kV6_1).ok());
}

TEST(GeometryTest, EveryNamedGeometryIsValidInEveryProfileThatHasIt) {
  for (KernelVersion v : AllKernelVersions()) {
    for (const std::string& n : Geometry::Names()) {
      absl::StatusOr<Geometry> g = Geometry::Named(n, v);
      if (n == "riscv64" && v <= KernelVersion::kV5_3) {
        EXPECT_FALSE(g.ok());
        continue;
      }
      ASSERT_TRUE(g.ok()) << n << " " << g.status();
      EXPECT_EQ(g->PagesPerSubsection().value() * g->SubsectionsPerSection(),
                g->PagesPerSection().value());
    }
  }
}

}  // namespace
}  // namespace memhp::model
