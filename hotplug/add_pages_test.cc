// __add_pages / __remove_pages and the range checks of mm/memory_hotplug.c.
// x86_64: sections of 0x8000 pfns, sub-sections of 0x200; section 40 is
// [0x140000, 0x148000).

#include "hotplug/add_pages.h"

#include "gtest/gtest.h"
#include "model/profile.h"
#include "model/status.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::Errno;
using model::ErrnoOf;
using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;
using model::SectionNr;

struct Fixture {
  explicit Fixture(KernelVersion v = KernelVersion::kV6_1)
      : sparse(*model::Geometry::Named("x86_64", v),
               model::KernelProfile::For(v), &log) {}
  model::EventLog log;
  sparse::Sparse sparse;
};

std::string Map(const sparse::Sparse& s, uint64_t nr) {
  const sparse::MemSection* ms = s.NrToSection(SectionNr(nr));
  return ms && ms->usage ? ms->usage->subsection_map.ToString() : "";
}

//  0x140200                 0x148000       0x150000 0x150200
//     |====== section 40 ======|== section 41 ==|== 42 ==|
TEST(AddPagesTest, AddsSectionBySectionUpToEachBoundary) {
  Fixture f;
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140200), NrPages(0x10000), nullptr)
          .ok());
  EXPECT_EQ(Map(f.sparse, 40), "." + std::string(63, '1'));
  EXPECT_EQ(Map(f.sparse, 41), std::string(64, '1'));
  EXPECT_EQ(Map(f.sparse, 42), "1" + std::string(63, '.'));
  EXPECT_TRUE(f.sparse.PfnValid(Pfn(0x1501ff)));
  EXPECT_FALSE(f.sparse.PfnValid(Pfn(0x150200)));
  EXPECT_EQ(f.log.size(), 0u);
}

TEST(AddPagesTest, AFailingSectionStopsTheLoopWithoutRollback) {
  Fixture f;
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x148000), NrPages(0x200), nullptr)
          .ok());
  // Sections 40, 41 (already has bit 0: -EEXIST), 42.
  EXPECT_EQ(ErrnoOf(AddPages(f.sparse, NodeId(0), Pfn(0x140000),
                             NrPages(0x18000), nullptr)),
            Errno::kEEXIST);
  EXPECT_EQ(Map(f.sparse, 40), std::string(64, '1'));  // stays added
  EXPECT_EQ(Map(f.sparse, 41), "1" + std::string(63, '.'));
  EXPECT_EQ(Map(f.sparse, 42), "");  // never reached
}

TEST(AddPagesTest, MisalignedSpansAndBadAltmapsAreRefused) {
  Fixture f;
  EXPECT_EQ(ErrnoOf(AddPages(f.sparse, NodeId(0), Pfn(0x140100), NrPages(0x200),
                             nullptr)),
            Errno::kEINVAL);
  EXPECT_TRUE(
      f.log.Contains("Misaligned __add_pages start: 0x140100 end: #1402ff"));
  sparse::VmemAltmap wrong_base{.base_pfn = Pfn(0x140200), .free = NrPages(16)};
  EXPECT_EQ(ErrnoOf(AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x400),
                             &wrong_base)),
            Errno::kEINVAL);
  sparse::VmemAltmap too_big{.base_pfn = Pfn(0x140000),
                             .reserve = NrPages(0x300),
                             .free = NrPages(0x200)};
  EXPECT_EQ(ErrnoOf(AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x400),
                             &too_big)),
            Errno::kEINVAL);
  EXPECT_TRUE(f.log.Contains("memory add fail, invalid altmap"));
  EXPECT_TRUE(f.sparse.SectionStates().empty());
}

TEST(RemovePagesTest, RemovesEverySectionAndWarnsOnceForInvalidOnes) {
  for (KernelVersion v : {KernelVersion::kV6_1, KernelVersion::kV7_1}) {
    SCOPED_TRACE(model::KernelVersionName(v));
    Fixture f(v);
    ASSERT_TRUE(
        AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x10000), nullptr)
            .ok());
    RemovePages(f.sparse, Pfn(0x140000), NrPages(0x10000), nullptr);
    EXPECT_TRUE(f.sparse.SectionStates().empty());
    EXPECT_EQ(f.log.size(), 0u);
    // Again: both sections are invalid; WARN_ON_ONCE fires once, from
    // __remove_section (v6.1) or sparse_remove_section (v7.1).
    RemovePages(f.sparse, Pfn(0x140000), NrPages(0x10000), nullptr);
    ASSERT_EQ(f.log.size(), 1u);
    EXPECT_EQ(f.log.events()[0].condition, "!valid_section(ms)");
    EXPECT_EQ(f.log.events()[0].function, v == KernelVersion::kV6_1
                                              ? "__remove_section"
                                              : "sparse_remove_section");
  }
}

TEST(RemovePagesTest, AMisalignedSpanRemovesNothing) {
  Fixture f;
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x8000), nullptr)
          .ok());
  RemovePages(f.sparse, Pfn(0x140000), NrPages(0x7fff), nullptr);
  EXPECT_EQ(Map(f.sparse, 40), std::string(64, '1'));
  EXPECT_TRUE(
      f.log.Contains("Misaligned __remove_pages start: 0x140000 end: #147ffe"));
}

TEST(CheckHotplugMemoryRangeTest, RangesMustBeWholeMemoryBlocks) {
  Fixture f;
  const ByteSize block(128 << 20);
  EXPECT_TRUE(CheckHotplugMemoryRange(f.sparse, PhysAddr(0x100000000),
                                      ByteSize(1 << 30), block)
                  .ok());
  EXPECT_EQ(ErrnoOf(CheckHotplugMemoryRange(f.sparse, PhysAddr(0x104000000),
                                            ByteSize(1 << 30), block)),
            Errno::kEINVAL);
  EXPECT_EQ(ErrnoOf(CheckHotplugMemoryRange(f.sparse, PhysAddr(0x100000000),
                                            ByteSize(0), block)),
            Errno::kEINVAL);
  EXPECT_EQ(f.log.DmesgLines().front(),
            "Block size [0x8000000] unaligned hotplug range: start "
            "0x104000000, size 0x40000000");
}

TEST(MhpRangeAllowedTest, RangesBeyondMaxPhysmemBitsAreRefused) {
  Fixture f;  // 46 bits: PHYSMEM_END 0x3fffffffffff
  EXPECT_TRUE(MhpRangeAllowed(f.sparse, PhysAddr(0x3fffc0000000),
                              ByteSize(1 << 30), false));
  EXPECT_FALSE(MhpRangeAllowed(f.sparse, PhysAddr(0x3fffc0000000),
                               ByteSize(2ull << 30), false));
  EXPECT_FALSE(MhpRangeAllowed(f.sparse, PhysAddr(0x1000), ByteSize(0), false));
  EXPECT_EQ(f.log.DmesgLines().front(),
            "Hotplug memory [0x3fffc0000000-0x400040000000] exceeds maximum "
            "addressable range [0-0x3fffffffffff]");
}

}  // namespace
}  // namespace memhp::hotplug
