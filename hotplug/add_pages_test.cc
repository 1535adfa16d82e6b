// __add_pages / __remove_pages and the range checks of mm/memory_hotplug.c.
// x86_64: sections of 0x8000 pfns, sub-sections of 0x200; section 40 is
// [0x140000, 0x148000).

#include "hotplug/add_pages.h"

#include "gtest/gtest.h"
#include "model/profile.h"
#include "model/status.h"
#include "sparse/memmap.h"

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

// --- v5.1: before sub-section hotplug, whole sections ----------------------

// A two-sub-section add in the middle of section 40:
//
//   0x140000   0x140400  0x140800                         0x148000
//   |..........|=========|.................................|
//   |<---------------- section 40, added whole ----------->|
//
// v5.1's __add_pages() adds the section the range touches, whole: every pfn
// of section 40 is valid and its memmap is there. A model with sub-section
// hotplug would warn "Misaligned" and add nothing, or (aligned to 2 MiB)
// validate only [0x140400, 0x140800).
TEST(AddPagesV51Test, AnUnalignedAddPopulatesTheWholeSection) {
  Fixture f(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140400), NrPages(0x400), nullptr)
          .ok());
  EXPECT_TRUE(f.sparse.PfnValid(Pfn(0x140000)));
  EXPECT_TRUE(f.sparse.PfnValid(Pfn(0x140400)));
  EXPECT_TRUE(f.sparse.PfnValid(Pfn(0x147fff)));
  EXPECT_FALSE(f.sparse.PfnValid(Pfn(0x148000)));
  EXPECT_TRUE(f.sparse.PresentSection(SectionNr(40)));
  EXPECT_FALSE(f.sparse.EarlySection(SectionNr(40)));
  // The usemap stand-in: full while the section is valid.
  EXPECT_EQ(Map(f.sparse, 40), std::string(64, '1'));
  EXPECT_EQ(f.sparse.memmap().Get(Pfn(0x140000)).kind,
            sparse::MemmapKind::kPoisoned);
  EXPECT_EQ(f.sparse.memmap().Get(Pfn(0x147fff)).kind,
            sparse::MemmapKind::kPoisoned);
  EXPECT_EQ(f.log.size(), 0u);
  EXPECT_TRUE(f.sparse.CheckInvariants().ok());
}

//   0x147f00 0x148000                    0x150000 0x150100
//        |===|============================|===|
//   |<- section 40 ->|<---- section 41 ---->|<- section 42 ->|
//
// A range that ends in the first page of section 42 adds 40, 41 and 42 whole.
TEST(AddPagesV51Test, EverySectionTheRangeTouchesIsAdded) {
  Fixture f(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x147f00), NrPages(0x8200), nullptr)
          .ok());
  for (uint64_t nr : {40, 41, 42}) {
    EXPECT_TRUE(f.sparse.ValidSection(SectionNr(nr))) << nr;
  }
  EXPECT_TRUE(f.sparse.PfnValid(Pfn(0x157fff)));
  EXPECT_FALSE(f.sparse.ValidSection(SectionNr(43)));
}

// Section 41 is valid already; adding sections 40 .. 42:
//
//   |== 40: added ==|== 41: -EEXIST, skipped ==|== 42: added ==|
//
// v5.1's loop ignores -EEXIST ("dealt with by ioresource collision check")
// and returns 0. A v5.3+ model would stop at 41 and return -EEXIST, leaving
// 42 out.
TEST(AddPagesV51Test, AnExistingSectionIsSkippedAndTheAddSucceeds) {
  Fixture f(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x148000), NrPages(0x8000), nullptr)
          .ok());
  const std::vector<sparse::SectionState> before = f.sparse.SectionStates();
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x18000), nullptr)
          .ok());
  EXPECT_TRUE(f.sparse.ValidSection(SectionNr(40)));
  EXPECT_TRUE(f.sparse.ValidSection(SectionNr(42)));
  // Section 41 is as it was.
  for (const sparse::SectionState& s : f.sparse.SectionStates()) {
    if (s.nr == SectionNr(41)) {
      EXPECT_EQ(s, before.front());
    }
  }
  EXPECT_EQ(f.log.size(), 0u);
}

// An allocation failure is not -EEXIST: it stops the loop and is returned;
// the section added before it stays.
TEST(AddPagesV51Test, AFailedAllocationStopsTheLoop) {
  Fixture f(KernelVersion::kV5_1);
  int calls = 0;
  f.sparse.set_alloc_failure([&](sparse::AllocSite site) {
    return site == sparse::AllocSite::kHotplugMemmap && ++calls == 2;
  });
  EXPECT_EQ(ErrnoOf(AddPages(f.sparse, NodeId(0), Pfn(0x140000),
                             NrPages(0x18000), nullptr)),
            Errno::kENOMEM);
  EXPECT_TRUE(f.sparse.ValidSection(SectionNr(40)));
  EXPECT_FALSE(f.sparse.ValidSection(SectionNr(41)));
  EXPECT_FALSE(f.sparse.ValidSection(SectionNr(42)));
}

// A whole-section memmap comes from the altmap: 0x8000 struct pages of 64
// bytes are 0x200 pages, for each section added; removal gives them back.
TEST(AddPagesV51Test, TheAltmapPaysForWholeSections) {
  Fixture f(KernelVersion::kV5_1);
  sparse::VmemAltmap altmap{.base_pfn = Pfn(0x140000), .free = NrPages(0x1000)};
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x10000), &altmap)
          .ok());
  EXPECT_EQ(altmap.alloc, NrPages(0x400));
  EXPECT_EQ(RemovePages(f.sparse, Pfn(0x140000), NrPages(0x10000), &altmap), 0);
  EXPECT_EQ(altmap.alloc, NrPages(0));
}

//   0x140000                  0x148000
//   |======= section 40 =======|
//   remove [0x140000, 0x147fff): nr_pages not a multiple of the section
//
// v5.1's __remove_pages() BUG_ONs (the kernel stops): the BUG is logged and
// nothing is removed. A v5.3+ model would WARN "Misaligned __remove_pages"
// and go on.
TEST(RemovePagesV51Test, AnUnalignedRemoveIsTheKernelsBug) {
  Fixture f(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x8000), nullptr)
          .ok());
  EXPECT_EQ(RemovePages(f.sparse, Pfn(0x140000), NrPages(0x7fff), nullptr),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(f.log.HasBug());
  EXPECT_TRUE(f.log.Contains("kernel BUG at mm/memory_hotplug.c:587!"));
  EXPECT_FALSE(f.log.Contains("Misaligned"));
  EXPECT_TRUE(f.sparse.ValidSection(SectionNr(40)));

  Fixture g(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(g.sparse, NodeId(0), Pfn(0x140000), NrPages(0x8000), nullptr)
          .ok());
  EXPECT_NE(RemovePages(g.sparse, Pfn(0x140200), NrPages(0x8000), nullptr), 0);
  EXPECT_TRUE(g.log.Contains("kernel BUG at mm/memory_hotplug.c:586!"));
  EXPECT_TRUE(g.sparse.ValidSection(SectionNr(40)));
}

//   |== 40: valid ==|== 41: not valid ==|== 42: valid ==|
//
// __remove_section() returns -EINVAL for 41 without a word and the loop
// stops: 40 is gone, 42 stays, and __remove_pages() returns -EINVAL. A v5.3+
// model would WARN_ON_ONCE, skip 41 and remove 42 too.
TEST(RemovePagesV51Test, AnInvalidSectionStopsTheRemovalSilently) {
  Fixture f(KernelVersion::kV5_1);
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x140000), NrPages(0x8000), nullptr)
          .ok());
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x150000), NrPages(0x8000), nullptr)
          .ok());
  EXPECT_EQ(RemovePages(f.sparse, Pfn(0x140000), NrPages(0x18000), nullptr),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_FALSE(f.sparse.ValidSection(SectionNr(40)));
  EXPECT_FALSE(f.sparse.PresentSection(SectionNr(40)));
  EXPECT_TRUE(f.sparse.ValidSection(SectionNr(42)));
  EXPECT_EQ(f.log.size(), 0u);
  // Section 40's memmap and usemap are gone.
  EXPECT_EQ(f.sparse.memmap().Get(Pfn(0x140000)).kind,
            sparse::MemmapKind::kAbsent);
  EXPECT_EQ(Map(f.sparse, 40), "");
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
