// Boot-time sparse initialisation: memory_present, sparse_init,
// subsection_map_init, and what pfn_valid / pfn_to_online_page say after.

#include "gtest/gtest.h"
#include "sparse/sparse.h"
#include "sparse/test_util.h"

namespace memhp::sparse {
namespace {

using model::KernelVersion;
using model::Pfn;
using model::SectionNr;
using testing::FlagsOf;
using testing::MakeMachine;
using testing::MapOf;
using testing::Region;

constexpr uint32_t kEarlyFlags = kSectionMarkedPresent | kSectionHasMemMap |
                                 kSectionIsOnline | kSectionIsEarly;

// x86_64: PAGES_PER_SECTION 0x8000, PAGES_PER_SUBSECTION 0x200, 64 bits.
//
//  pfn 0x0   0x1000               0x7ff00 0x80000      0x100000     0x200000
//      |hole|==== memblock =========|hole|.... absent ....|== memblock ==|
//      section 0 ........ section 15      sections 16..31  sections 32..63
TEST(SparseBootTest, BootSectionsAreEarlyOnlineAndMapOnlyTouchedSubsections) {
  for (KernelVersion v :
       {KernelVersion::kV5_3, KernelVersion::kV6_1, KernelVersion::kV7_1}) {
    SCOPED_TRACE(model::KernelVersionName(v));
    auto m = MakeMachine("x86_64", v);
    Sparse& s = *m->sparse;
    s.BootInit({Region(0x1000, 0x7ff00), Region(0x100000, 0x200000)});
    for (uint64_t nr = 0; nr < 64; ++nr) {
      const bool present = nr < 16 || nr >= 32;
      EXPECT_EQ(FlagsOf(s, nr), present ? kEarlyFlags : 0u) << nr;
    }
    // The 16 MiB hole below pfn 0x1000 is sub-sections 0..7.
    EXPECT_EQ(MapOf(s, 0), std::string(8, '.') + std::string(56, '1'));
    // Sub-section 63 of section 15 is only half backed, and still set.
    EXPECT_EQ(MapOf(s, 15), std::string(64, '1'));
    EXPECT_EQ(MapOf(s, 16), "");
    EXPECT_EQ(s.sections().highest_present(), SectionNr(63));

    // pfn_valid: early sections are valid for their whole span.
    EXPECT_TRUE(s.PfnValid(Pfn(0x800)));
    EXPECT_TRUE(s.PfnValid(Pfn(0x7ff80)));
    EXPECT_FALSE(s.PfnValid(Pfn(0x80000)));
    EXPECT_FALSE(s.PfnValid(Pfn(0x200000)));
    EXPECT_TRUE(s.PfnInPresentSection(Pfn(0x800)));
    EXPECT_FALSE(s.PfnInPresentSection(Pfn(0x80000)));

    // pfn_to_online_page: v5.12+ consults the sub-section map, without the
    // early shortcut; a hole inside a set sub-section is still "online".
    const bool checks_subsection = v != KernelVersion::kV5_3;
    EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x800)).has_value(), !checks_subsection);
    EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x7ff80)), Pfn(0x7ff80));
    EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x80000)), std::nullopt);
    EXPECT_TRUE(s.CheckInvariants().ok()) << s.CheckInvariants();
    EXPECT_EQ(m->log.size(), 0u);
  }
}

// Two nodes share section 1; the first memory_present() claiming a section
// sets its early nid, so section 1 belongs to node 0.
//
//  section:   0        1        2
//  node 0:  |=======|===|
//  node 1:              |=====|=======|
TEST(SparseBootTest, FirstRangeClaimingASectionWinsItsEarlyNid) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.MemoryPresent(model::NodeId(0), Pfn(0), Pfn(0xc000));
  s.MemoryPresent(model::NodeId(1), Pfn(0xc000), Pfn(0x18000));
  EXPECT_EQ(s.NrToSection(SectionNr(1))->early_nid, model::NodeId(0));
  EXPECT_EQ(s.NrToSection(SectionNr(2))->early_nid, model::NodeId(1));
  // Before sparse_init() only PRESENT and ONLINE are set.
  EXPECT_EQ(FlagsOf(s, 2), kSectionMarkedPresent | kSectionIsOnline);
  EXPECT_FALSE(s.PfnValid(Pfn(0x10000)));
}

TEST(SparseBootTest, FailedBootMemmapWipesTheRestOfTheRun) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  int memmaps = 0;
  s.set_alloc_failure([&](AllocSite site) {
    return site == AllocSite::kBootMemmap && ++memmaps == 3;
  });
  // node 0: sections 0..3; node 1: sections 4..5.
  s.SparseInit({Region(0, 0x20000, 0), Region(0x20000, 0x30000, 1)});
  EXPECT_EQ(FlagsOf(s, 0), kEarlyFlags);
  EXPECT_EQ(FlagsOf(s, 1), kEarlyFlags);
  EXPECT_EQ(FlagsOf(s, 2), 0u);  // the failing section and after: not present
  EXPECT_EQ(FlagsOf(s, 3), 0u);
  EXPECT_EQ(FlagsOf(s, 4), kEarlyFlags);  // node 1 is another run
  EXPECT_TRUE(m->log.Contains(
      "sparse_init_nid: node[0] memory map backing failed. Some memory will "
      "not be available."));
  EXPECT_FALSE(s.PfnValid(Pfn(0x10000)));
  EXPECT_FALSE(s.PfnInPresentSection(Pfn(0x18000)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x20000)));
  // subsection_map_init() then dereferences the wiped section's NULL usage.
  s.SubsectionMapInit(Pfn(0), model::NrPages(0x20000));
  EXPECT_TRUE(m->log.HasBug());
  EXPECT_TRUE(m->log.Contains(
      "BUG: kernel NULL pointer dereference, address: 0000000000000010"));
}

TEST(SparseBootTest, FailedUsemapWipesTheWholeRun) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.set_alloc_failure(
      [&](AllocSite site) { return site == AllocSite::kBootUsemap; });
  s.SparseInit({Region(0, 0x10000, 1)});
  EXPECT_TRUE(
      m->log.Contains("sparse_init_nid: node[1] usemap allocation failed"));
  EXPECT_EQ(FlagsOf(s, 0), 0u);
  EXPECT_EQ(FlagsOf(s, 1), 0u);
  EXPECT_FALSE(s.PfnValid(Pfn(0)));
}

TEST(SparseBootTest, MemoryBeyondMaxPhysmemBitsIsTruncatedWithOneWarning) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  const uint64_t max = 1ull << (46 - 12);
  // [max - 1 section, max + 1 section): the end is clamped to max.
  s.MemoryPresent(model::NodeId(0), Pfn(max - 0x8000), Pfn(max + 0x8000));
  // Entirely beyond: start and end become max, nothing is marked.
  s.MemoryPresent(model::NodeId(0), Pfn(max + 0x10000), Pfn(max + 0x18000));
  EXPECT_EQ(m->log.CountKind(model::EventKind::kWarn), 1u);  // WARN_ON_ONCE
  EXPECT_TRUE(s.PresentSection(SectionNr((max >> 15) - 1)));
  EXPECT_EQ(s.sections().highest_present(), SectionNr((max >> 15) - 1));
  EXPECT_EQ(s.sections().NumRoots(), 1u);
}

TEST(SparseBootTest, BootMemmapIsPoisonedUntilInitialised) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0x1000, 0x8000)});
  // The hole below 0x1000 is in the same early section: valid, but nobody
  // has initialised its struct pages in this sparse-only model.
  absl::Status st = s.CheckPageReadable(Pfn(0x40));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(m->log.DmesgLines().front(),
            "page:ffffea0000001000 is uninitialized and poisoned");
  EXPECT_TRUE(
      m->log.Contains("page:ffffea0000001000 is uninitialized and poisoned\n"
                      "raw: ffffffffffffffff ffffffffffffffff ffffffffffffffff "
                      "ffffffffffffffff\n"
                      "raw: ffffffffffffffff ffffffffffffffff ffffffffffffffff "
                      "ffffffffffffffff\n"
                      "page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))"));
  s.mutable_memmap().Assign(model::PfnRange(Pfn(0), Pfn(0x8000)),
                            PageState::Initialised(1, model::NodeId(0)));
  EXPECT_TRUE(s.CheckPageReadable(Pfn(0x40)).ok());
  // No memmap at all beyond the present sections: a page fault.
  EXPECT_FALSE(s.CheckPageReadable(Pfn(0x8000)).ok());
  EXPECT_TRUE(m->log.Contains(
      "BUG: unable to handle page fault for address: ffffea0000200000\n"
      "#PF: supervisor read access in kernel mode"));
}

// arm64 in v5.3 has its own pfn_valid (HAVE_ARCH_PFN_VALID): memblock decides,
// not the early-section rule, and sections are 1 GiB.
//
//  pfn 0x40000           0x40100                          0x80000
//      |== memblock ======|........ same section ..........|
TEST(SparseBootTest, Arm64V53PfnValidFollowsMemblockNotTheSection) {
  auto m = MakeMachine("arm64-4k", KernelVersion::kV5_3);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0x40000, 0x40100)});
  EXPECT_TRUE(s.PfnValid(Pfn(0x40000)));
  EXPECT_FALSE(s.PfnValid(Pfn(0x40100)));  // early section, but no memblock
  // v5.3 pfn_to_online_page: online section and pfn_valid (HOLES_IN_ZONE).
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x40000)), Pfn(0x40000));
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x40100)), std::nullopt);

  auto v61 = MakeMachine("arm64-4k", KernelVersion::kV6_1);
  v61->sparse->BootInit({Region(0x40000, 0x40100)});
  EXPECT_TRUE(v61->sparse->PfnValid(Pfn(0x40100)));  // the early rule
  EXPECT_EQ(v61->sparse->PfnToOnlinePage(Pfn(0x40100)), Pfn(0x40100));
  EXPECT_EQ(v61->sparse->PfnToOnlinePage(Pfn(0x40200)), std::nullopt);
}

TEST(SparseBootTest, NextPresentSectionSkipsAbsentRootsAndStopsAtTheHighest) {
  auto m = MakeMachine("x86_64-la57", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  // Sections 3 and 2^20 + 5: 4096 roots apart.
  s.MemoryPresent(model::NodeId(0), Pfn(3ull << 15), Pfn(4ull << 15));
  s.MemoryPresent(model::NodeId(0), Pfn(((1ull << 20) + 5) << 15),
                  Pfn(((1ull << 20) + 6) << 15));
  EXPECT_EQ(s.NextPresentSectionNr(std::nullopt), SectionNr(3));
  EXPECT_EQ(s.NextPresentSectionNr(SectionNr(3)), SectionNr((1ull << 20) + 5));
  EXPECT_EQ(s.NextPresentSectionNr(SectionNr((1ull << 20) + 5)), std::nullopt);
  EXPECT_EQ(s.sections().NumRoots(), 2u);
}

}  // namespace
}  // namespace memhp::sparse
