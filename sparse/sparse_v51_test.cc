// The sparse model under v5.1, before sub-section hotplug (v5.3): boot
// sections without SECTION_IS_EARLY or a sub-section map, pfn_valid() as
// valid_section(), and sparse_add_one_section() / sparse_remove_one_section()
// working on whole sections (mm/sparse.c, include/linux/mmzone.h, v5.1).
// x86_64: PAGES_PER_SECTION 0x8000, sub-sections of 0x200 (64 per section).

#include "gtest/gtest.h"
#include "model/status.h"
#include "sparse/sparse.h"
#include "sparse/test_util.h"

namespace memhp::sparse {
namespace {

using model::Errno;
using model::ErrnoOf;
using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::SectionNr;
using testing::FlagsOf;
using testing::MakeMachine;
using testing::MapOf;
using testing::Region;

constexpr uint32_t kBootFlagsV51 =
    kSectionMarkedPresent | kSectionHasMemMap | kSectionIsOnline;

//  pfn 0x0   0x1000               0x7ff00 0x80000
//      |hole|==== memblock =========|hole|
//      section 0 ........ section 15
//
// v5.1 boot sections are present, valid and online, not SECTION_IS_EARLY (a
// v5.3 flag), and pfn_valid() is valid_section(): the 16 MiB hole below
// 0x1000 and the tail above 0x7ff00 are valid too. A v5.3 model would set
// EARLY and map only the sub-sections memblock touches (bits 0..7 of
// section 0 clear).
TEST(SparseV51Test, BootSectionsAreValidWholeWithoutEarlyOrSubsections) {
  auto m = MakeMachine("x86_64", KernelVersion::kV5_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0x1000, 0x7ff00)});
  for (uint64_t nr = 0; nr < 16; ++nr) {
    EXPECT_EQ(FlagsOf(s, nr), kBootFlagsV51) << nr;
    // The stand-in for pageblock_flags: full.
    EXPECT_EQ(MapOf(s, nr), std::string(64, '1')) << nr;
    EXPECT_FALSE(s.EarlySection(SectionNr(nr)));
  }
  EXPECT_TRUE(s.PfnValid(Pfn(0x0)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x7ffff)));
  EXPECT_FALSE(s.PfnValid(Pfn(0x80000)));
  // pfn_to_online_page(): online section (pfn_valid_within is 1 on x86).
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x0)), Pfn(0x0));
  EXPECT_TRUE(s.CheckInvariants().ok()) << s.CheckInvariants();
  EXPECT_EQ(m->log.size(), 0u);
}

// sparse_add_one_section() of section 40: present, valid, not online, the
// whole section's memmap poisoned. A second add is -EEXIST (the section is
// SECTION_MARKED_PRESENT) and changes nothing.
TEST(SparseV51Test, AddOneSectionMakesTheWholeSectionValidOnce) {
  auto m = MakeMachine("x86_64", KernelVersion::kV5_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(s.SparseAddOneSection(NodeId(0), Pfn(0x140000), nullptr).ok());
  EXPECT_EQ(FlagsOf(s, 40), kSectionMarkedPresent | kSectionHasMemMap);
  EXPECT_TRUE(s.PfnValid(Pfn(0x147fff)));
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x140000)), std::nullopt);
  EXPECT_EQ(s.memmap().Get(Pfn(0x147fff)).kind, MemmapKind::kPoisoned);
  const std::vector<SectionState> before = s.SectionStates();
  EXPECT_EQ(ErrnoOf(s.SparseAddOneSection(NodeId(0), Pfn(0x140000), nullptr)),
            Errno::kEEXIST);
  EXPECT_EQ(s.SectionStates(), before);
  EXPECT_EQ(m->log.size(), 0u);
}

// sparse_remove_one_section() of a boot section: section_mem_map becomes 0
// (present and online go with valid), the boot memmap is freed, the boot
// usemap is dropped from the section (kept in memory: it came from
// memblock). Re-adding the section gets a kmalloc()ed usemap, and removing
// it again frees it: no kfree() of boot memory, unlike v5.3's re-added early
// section (sparse-readded-early-section-frees-boot-usage).
TEST(SparseV51Test, RemovingABootSectionFreesItsMemmapAndDropsItsUsemap) {
  auto m = MakeMachine("x86_64", KernelVersion::kV5_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0x0, 0x80000)});
  s.SparseRemoveOneSection(Pfn(0x8000), NrPages(0), nullptr);
  EXPECT_EQ(FlagsOf(s, 1), 0u);
  EXPECT_FALSE(s.PfnValid(Pfn(0x8000)));
  EXPECT_FALSE(s.PfnInPresentSection(Pfn(0x8000)));
  EXPECT_EQ(MapOf(s, 1), "");
  EXPECT_EQ(s.memmap().Get(Pfn(0x8000)).kind, MemmapKind::kAbsent);
  EXPECT_EQ(s.memmap().Get(Pfn(0xffff)).kind, MemmapKind::kAbsent);

  ASSERT_TRUE(s.SparseAddOneSection(NodeId(0), Pfn(0x8000), nullptr).ok());
  ASSERT_NE(s.NrToSection(SectionNr(1))->usage, nullptr);
  EXPECT_FALSE(s.NrToSection(SectionNr(1))->usage->boot_allocated);
  s.SparseRemoveOneSection(Pfn(0x8000), NrPages(0), nullptr);
  EXPECT_FALSE(m->log.HasBug());
  EXPECT_EQ(FlagsOf(s, 1), 0u);
  // Removing a section whose section_mem_map is 0 frees nothing, silently.
  s.SparseRemoveOneSection(Pfn(0x8000), NrPages(0), nullptr);
  EXPECT_EQ(m->log.size(), 0u);
  EXPECT_TRUE(s.CheckInvariants().ok()) << s.CheckInvariants();
}

// arm64-4k v5.1: 1 GiB sections and arm64's own pfn_valid() (memblock), as in
// v5.3: a boot section is valid, but only its memblock pfns are pfn_valid.
TEST(SparseV51Test, Arm64KeepsItsMemblockPfnValid) {
  auto m = MakeMachine("arm64-4k", KernelVersion::kV5_1);
  Sparse& s = *m->sparse;
  // Section 2 is [0x80000, 0xc0000); memblock covers its first half.
  s.BootInit({Region(0x80000, 0xa0000)});
  EXPECT_TRUE(s.ValidSection(SectionNr(2)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x9ffff)));
  EXPECT_FALSE(s.PfnValid(Pfn(0xa0000)));
}

}  // namespace
}  // namespace memhp::sparse
