// The hotplug side of mm/sparse.c: sparse_add_section / section_activate,
// sparse_remove_section / section_deactivate in each case the kernel
// distinguishes, check_pfn_span, online/offline_mem_sections, and what
// pfn_valid / pfn_to_online_page say afterwards.
//
// x86_64 geometry: PAGES_PER_SECTION 0x8000, PAGES_PER_SUBSECTION 0x200,
// 64 sub-sections; section 40 is pfns [0x140000, 0x148000).

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
using model::PfnRange;
using model::SectionNr;
using testing::FlagsOf;
using testing::MakeMachine;
using testing::MapOf;
using testing::Region;

constexpr uint32_t kHotFlags = kSectionMarkedPresent | kSectionHasMemMap;
constexpr uint32_t kEarlyFlags = kSectionMarkedPresent | kSectionHasMemMap |
                                 kSectionIsOnline | kSectionIsEarly;

std::string Bits(std::initializer_list<int> set, int n = 64) {
  std::string s(n, '.');
  for (int b : set) s[b] = '1';
  return s;
}

absl::Status Add(Sparse& s, uint64_t pfn, uint64_t nr,
                 VmemAltmap* altmap = nullptr) {
  return s.SparseAddSection(NodeId(0), Pfn(pfn), NrPages(nr), altmap);
}
void Remove(Sparse& s, uint64_t pfn, uint64_t nr,
            VmemAltmap* altmap = nullptr) {
  s.SparseRemoveSection(Pfn(pfn), NrPages(nr), NrPages(0), altmap);
}

//  0x140000 0x140200        0x140600                      0x148000
//     |.......|=== added ===|................................|
//      bit 0    bits 1..2
TEST(SparseAddSectionTest,
     AddingSubsectionsToAnEmptySectionMakesOnlyThemValid) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x400).ok());
  EXPECT_EQ(FlagsOf(s, 40), kHotFlags);  // present + valid, offline, not early
  EXPECT_EQ(MapOf(s, 40), Bits({1, 2}));
  EXPECT_FALSE(s.NrToSection(SectionNr(40))->usage->boot_allocated);
  EXPECT_FALSE(s.PfnValid(Pfn(0x1401ff)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x140200)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x1405ff)));
  EXPECT_FALSE(s.PfnValid(Pfn(0x140600)));
  // Never onlined: no online page.
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x140200)), std::nullopt);
  // page_init_poison(): the new struct pages are poisoned.
  EXPECT_TRUE(s.memmap().All(PfnRange(Pfn(0x140200), Pfn(0x140600)),
                             MemmapKind::kPoisoned));
  EXPECT_EQ(s.memmap().Get(Pfn(0x140600)).kind, MemmapKind::kAbsent);
  EXPECT_EQ(s.sections().highest_present(), SectionNr(40));
  EXPECT_TRUE(s.CheckInvariants().ok());
}

TEST(SparseAddSectionTest, OverlappingAddIsRefusedWithEexistAndChangesNothing) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x400).ok());
  std::vector<SectionState> before = s.SectionStates();
  Memmap memmap_before = s.memmap();
  EXPECT_EQ(ErrnoOf(Add(s, 0x140200, 0x400)), Errno::kEEXIST);
  EXPECT_EQ(ErrnoOf(Add(s, 0x140400, 0x400)), Errno::kEEXIST);
  EXPECT_EQ(s.SectionStates(), before);
  EXPECT_EQ(s.memmap(), memmap_before);
  EXPECT_EQ(m->log.size(), 0u);  // -EEXIST is silent in the sparse layer
}

// An empty sub-section mask: subsection_mask_set() with nr_pages 0 at a
// sub-section boundary sets nothing, and the new usage is dropped again.
TEST(SparseAddSectionTest, EmptyMaskIsRefusedWithEinvalAndTheNewUsageDropped) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  EXPECT_EQ(ErrnoOf(Add(s, 0x148200, 0)), Errno::kEINVAL);
  const MemSection* ms = s.NrToSection(SectionNr(41));
  ASSERT_NE(ms, nullptr);  // the root was allocated and stays
  EXPECT_TRUE(ms->IsZero());
  EXPECT_EQ(ms->usage, nullptr);
  EXPECT_TRUE(s.SectionStates().empty());
}

// The same helper at a section start wraps around to bit 63 and sets the
// whole mask; populate of zero pages maps nothing. __add_pages never does
// this, but a direct caller would leave valid pfns without a memmap, which
// the invariant check reports.
TEST(SparseAddSectionTest,
     ZeroPagesAtASectionStartLeaveValidPfnsWithoutMemmap) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140000, 0).ok());
  EXPECT_EQ(MapOf(s, 40), std::string(64, '1'));
  EXPECT_TRUE(s.PfnValid(Pfn(0x147fff)));
  absl::Status inv = s.CheckInvariants();
  EXPECT_FALSE(inv.ok());
  EXPECT_EQ(inv.message().substr(0, 9), "SPARSE-3:");
}

//  0x140200  0x140400  0x140600
//     |== 1 ==|== 2 ==|          remove bit 1: bit 2 left, section valid
//             |== 2 ==|          remove bit 2: map empty, section gone
//             |== 2 ==|          again: WARN, nothing changes
TEST(SectionDeactivateTest, PartialThenCompleteRemovalOfAHotAddedSection) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x400).ok());
  Remove(s, 0x140200, 0x200);  // case 1b
  EXPECT_EQ(MapOf(s, 40), Bits({2}));
  EXPECT_EQ(FlagsOf(s, 40), kHotFlags);
  EXPECT_FALSE(s.PfnValid(Pfn(0x140200)));
  EXPECT_TRUE(s.PfnValid(Pfn(0x140400)));
  EXPECT_EQ(s.memmap().Get(Pfn(0x140200)).kind, MemmapKind::kAbsent);
  EXPECT_EQ(s.memmap().Get(Pfn(0x140400)).kind, MemmapKind::kPoisoned);

  Remove(s, 0x140400, 0x200);  // case 2
  EXPECT_EQ(FlagsOf(s, 40), 0u);
  EXPECT_EQ(s.NrToSection(SectionNr(40))->usage, nullptr);  // kfree_rcu
  EXPECT_FALSE(s.PfnValid(Pfn(0x140400)));
  EXPECT_TRUE(s.PfnInPresentSection(Pfn(0x140400)) == false);
  EXPECT_EQ(s.memmap().NumRuns(), 0u);
  EXPECT_EQ(m->log.size(), 0u);
  // __highest_present_section_nr never decreases.
  EXPECT_EQ(s.sections().highest_present(), SectionNr(40));
}

TEST(SectionDeactivateTest,
     DeactivatingAnInactiveSubsectionWarnsAndChangesNothing) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x200).ok());
  std::vector<SectionState> before = s.SectionStates();
  Memmap memmap_before = s.memmap();
  Remove(s, 0x140200, 0x400);  // bit 2 was never active
  EXPECT_EQ(s.SectionStates(), before);
  EXPECT_EQ(s.memmap(), memmap_before);
  ASSERT_EQ(m->log.size(), 1u);
  EXPECT_EQ(m->log.events()[0].kind, model::EventKind::kWarn);
  EXPECT_EQ(m->log.events()[0].text,
            "section already deactivated (0x140200 + 1024)");
  EXPECT_EQ(m->log.events()[0].function, "clear_subsection_map");
}

TEST(SectionDeactivateTest, V71ChecksValidityFirstAndWarnsOnce) {
  auto m = MakeMachine("x86_64", KernelVersion::kV7_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x200).ok());
  Remove(s, 0x140200, 0x200);
  Remove(s, 0x140200, 0x200);  // invalid section now
  Remove(s, 0x140200, 0x200);
  ASSERT_EQ(m->log.size(), 1u);
  EXPECT_EQ(m->log.events()[0].condition, "!valid_section(ms)");
  EXPECT_EQ(m->log.events()[0].function, "sparse_remove_section");
  // v6.1 has no such guard here: clear_subsection_map warns each time.
  auto v61 = MakeMachine("x86_64", KernelVersion::kV6_1);
  ASSERT_TRUE(Add(*v61->sparse, 0x140200, 0x200).ok());
  Remove(*v61->sparse, 0x140200, 0x200);
  Remove(*v61->sparse, 0x140200, 0x200);
  Remove(*v61->sparse, 0x140200, 0x200);
  EXPECT_EQ(v61->log.CountKind(model::EventKind::kWarn), 2u);
}

// Case 1a: a partial removal from a boot section.
//
//  0x8000  0x8200  0x8400                               0x10000
//     |=====|xxxxxx|===== early section 1 ================|
//            removed: bit 1 cleared
TEST(SectionDeactivateTest, PartialRemovalFromAnEarlySectionFreesNothing) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0, 0x10000)});
  Remove(s, 0x8200, 0x200);
  EXPECT_EQ(MapOf(s, 1), std::string(1, '1') + "." + std::string(62, '1'));
  EXPECT_EQ(FlagsOf(s, 1), kEarlyFlags);
  EXPECT_TRUE(s.PfnValid(Pfn(0x8200)));  // early: the whole span stays valid
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x8200)), std::nullopt);
  EXPECT_EQ(s.memmap().Get(Pfn(0x8200)).kind, MemmapKind::kPoisoned);
  EXPECT_TRUE(s.CheckInvariants().ok());
}

// The same removal in v5.3 (and with the toggle on v6.1) depopulates part of
// the boot memmap while pfn_valid() and pfn_to_online_page() still hand the
// struct page out: the first reader faults.
TEST(SectionDeactivateTest,
     V53PartialEarlyRemovalFreesBootMemmapUnderValidPfns) {
  for (auto [version, toggles] :
       {std::pair{KernelVersion::kV5_3, std::vector<std::string>{}},
        std::pair{KernelVersion::kV6_1,
                  std::vector<std::string>{
                      "sparse-early-partial-remove-frees-memmap"}}}) {
    SCOPED_TRACE(model::KernelVersionName(version));
    auto m = MakeMachine("x86_64", version, toggles);
    Sparse& s = *m->sparse;
    s.BootInit({Region(0, 0x10000)});
    Remove(s, 0x8200, 0x200);
    EXPECT_TRUE(s.PfnValid(Pfn(0x8200)));
    EXPECT_EQ(s.memmap().Get(Pfn(0x8200)).kind, MemmapKind::kAbsent);
    EXPECT_FALSE(s.CheckPageReadable(Pfn(0x8200)).ok());
    EXPECT_TRUE(m->log.Contains(
        "BUG: unable to handle page fault for address: ffffea0000208000\n"
        "#PF: supervisor read access in kernel mode"));
  }
}

// Case 3 and the re-add that follows it.
TEST(SectionDeactivateTest, CompleteRemovalOfAnEarlySectionKeepsItsBootUsage) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0, 0x10000)});
  std::shared_ptr<MemSectionUsage> boot_usage =
      s.NrToSection(SectionNr(1))->usage;
  Remove(s, 0x8000, 0x8000);
  EXPECT_EQ(FlagsOf(s, 1), 0u);
  EXPECT_EQ(s.NrToSection(SectionNr(1))->usage, boot_usage);
  EXPECT_EQ(MapOf(s, 1), std::string(64, '.'));
  EXPECT_TRUE(s.memmap().All(PfnRange(Pfn(0x8000), Pfn(0x10000)),
                             MemmapKind::kAbsent));  // free_map_bootmem
  EXPECT_FALSE(s.PfnValid(Pfn(0x8000)));

  // Re-adding gives an ordinary hot-added section that owns a boot usage.
  ASSERT_TRUE(Add(s, 0x8000, 0x8000).ok());
  EXPECT_EQ(FlagsOf(s, 1), kHotFlags);
  EXPECT_EQ(s.NrToSection(SectionNr(1))->usage, boot_usage);
  EXPECT_TRUE(s.memmap().All(PfnRange(Pfn(0x8000), Pfn(0x10000)),
                             MemmapKind::kPoisoned));
  Remove(s, 0x8000, 0x8000);
  EXPECT_EQ(FlagsOf(s, 1), 0u);
  EXPECT_EQ(s.NrToSection(SectionNr(1))->usage, boot_usage);  // PageReserved
  EXPECT_FALSE(m->log.HasBug());
}

TEST(SectionDeactivateTest,
     V53SecondRemovalOfAReaddedEarlySectionKfreesBootUsage) {
  for (auto [version, toggles] :
       {std::pair{KernelVersion::kV5_3, std::vector<std::string>{}},
        std::pair{KernelVersion::kV6_1,
                  std::vector<std::string>{
                      "sparse-readded-early-section-frees-boot-usage"}}}) {
    SCOPED_TRACE(model::KernelVersionName(version));
    auto m = MakeMachine("x86_64", version, toggles);
    Sparse& s = *m->sparse;
    s.BootInit({Region(0, 0x10000)});
    Remove(s, 0x8000, 0x8000);
    EXPECT_FALSE(m->log.HasBug());
    ASSERT_TRUE(Add(s, 0x8000, 0x8000).ok());
    Remove(s, 0x8000, 0x8000);
    EXPECT_TRUE(m->log.HasBug());
    EXPECT_EQ(m->log.events().back().file, "mm/slub.c");
  }
}

// A hot-add into the unpopulated tail of a boot section reuses the boot
// memmap; the section stays early and online, so the new pfns read as online
// although nothing onlined them.
//
//  0x0                                   0x7c00  0x8000
//  |========= boot memory (bits 0..61) ====|+ add +|
TEST(SectionActivateTest, AddIntoAnEarlySectionReusesTheBootMemmap) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  s.BootInit({Region(0, 0x7c00)});
  EXPECT_EQ(MapOf(s, 0), std::string(62, '1') + "..");
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x7c00)), std::nullopt);
  int memmap_allocs = 0;
  s.set_alloc_failure([&](AllocSite site) {
    memmap_allocs += site == AllocSite::kHotplugMemmap;
    return false;
  });
  ASSERT_TRUE(Add(s, 0x7c00, 0x400).ok());
  EXPECT_EQ(memmap_allocs, 0);  // nothing populated
  EXPECT_EQ(MapOf(s, 0), std::string(64, '1'));
  EXPECT_EQ(FlagsOf(s, 0), kEarlyFlags);
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x7c00)), Pfn(0x7c00));
  // A whole-section add into an early section overlaps its bits.
  EXPECT_EQ(ErrnoOf(Add(s, 0, 0x8000)), Errno::kEEXIST);
}

TEST(SectionActivateTest, FailedAllocationsLeaveNoTrace) {
  for (AllocSite site : {AllocSite::kHotplugUsage, AllocSite::kHotplugMemmap,
                         AllocSite::kSectionRoot}) {
    auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
    Sparse& s = *m->sparse;
    ASSERT_TRUE(Add(s, 0x140000, 0x200).ok());
    std::vector<SectionState> before = s.SectionStates();
    Memmap memmap_before = s.memmap();
    s.set_alloc_failure([site](AllocSite at) { return at == site; });
    // Section 41 shares section 40's root; section 300 needs a new root.
    const uint64_t pfn =
        site == AllocSite::kSectionRoot ? 300ull << 15 : 0x148000;
    EXPECT_EQ(ErrnoOf(Add(s, pfn, 0x200)), Errno::kENOMEM);
    EXPECT_EQ(s.SectionStates(), before);
    EXPECT_EQ(s.memmap(), memmap_before);
    EXPECT_EQ(s.sections().NumRoots(), 1u);
    // A failed memmap on a section with other sub-sections clears only the
    // new bits (section_deactivate of exactly that range).
    if (site == AllocSite::kHotplugMemmap) {
      EXPECT_EQ(ErrnoOf(Add(s, 0x140200, 0x200)), Errno::kENOMEM);
      EXPECT_EQ(MapOf(s, 40), Bits({0}));
    }
    EXPECT_EQ(m->log.size(), 0u);
  }
}

TEST(SectionActivateTest, AltmapSuppliesTheMemmapUntilItRunsOut) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  // 0x400 pages need 0x400 * 64 / 4096 = 16 memmap pages.
  VmemAltmap small{.base_pfn = Pfn(0x140000), .free = NrPages(8)};
  EXPECT_EQ(ErrnoOf(Add(s, 0x140000, 0x400, &small)), Errno::kENOMEM);
  EXPECT_EQ(small.alloc, NrPages(0));
  VmemAltmap enough{.base_pfn = Pfn(0x140000), .free = NrPages(16)};
  ASSERT_TRUE(Add(s, 0x140000, 0x400, &enough).ok());
  EXPECT_EQ(enough.alloc, NrPages(16));
  Remove(s, 0x140000, 0x400, &enough);
  EXPECT_EQ(enough.alloc, NrPages(0));
  EXPECT_EQ(VmemAltmapOffset(&enough), NrPages(16));
  EXPECT_EQ(VmemAltmapOffset(nullptr), NrPages(0));
}

TEST(CheckPfnSpanTest, MisalignedSpansWarnWithTheCallersName) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  EXPECT_TRUE(s.CheckPfnSpan(Pfn(0x8200), NrPages(0x200), "__add_pages").ok());
  EXPECT_EQ(m->log.size(), 0u);
  EXPECT_EQ(ErrnoOf(s.CheckPfnSpan(Pfn(0x8100), NrPages(0x200), "__add_pages")),
            Errno::kEINVAL);
  EXPECT_EQ(ErrnoOf(s.CheckPfnSpan(Pfn(0), NrPages(0x100), "__remove_pages")),
            Errno::kEINVAL);
  ASSERT_EQ(m->log.size(), 2u);
  // The kernel's "%#lx" prints 0 without a prefix, and v6.1's format has a
  // literal '#' before the end's plain "%lx".
  EXPECT_EQ(m->log.events()[0].text,
            "Misaligned __add_pages start: 0x8100 end: #82ff");
  EXPECT_EQ(m->log.events()[1].text,
            "Misaligned __remove_pages start: 0 end: #ff");
  EXPECT_EQ(m->log.events()[1].function, "__remove_pages");

  auto v71 = MakeMachine("x86_64", KernelVersion::kV7_1);
  (void)v71->sparse->CheckPfnSpan(Pfn(0x8100), NrPages(0x200), "__add_pages");
  EXPECT_EQ(v71->log.events()[0].text,
            "Misaligned __add_pages start: 0x8100 end: 0x82ff");
}

TEST(CheckPfnSpanTest, WithoutVmemmapOnlyWholeSectionsAreAllowed) {
  model::GeometryParams p;
  p.vmemmap = false;
  absl::StatusOr<model::Geometry> g = model::Geometry::FromParams(p);
  ASSERT_TRUE(g.ok());
  model::EventLog log;
  Sparse s(*g, model::KernelProfile::For(KernelVersion::kV6_1), &log);
  EXPECT_FALSE(s.CheckPfnSpan(Pfn(0x8200), NrPages(0x200), "__add_pages").ok());
  EXPECT_TRUE(s.CheckPfnSpan(Pfn(0x8000), NrPages(0x8000), "__add_pages").ok());
  // Without VMEMMAP (v5.10+) there is no subsection_map to consult: a
  // whole-section add makes the whole section valid and removal empties it.
  ASSERT_TRUE(
      s.SparseAddSection(NodeId(0), Pfn(0x8000), NrPages(0x8000), nullptr)
          .ok());
  EXPECT_TRUE(s.PfnValid(Pfn(0xffff)));
  s.SparseRemoveSection(Pfn(0x8000), NrPages(0x8000), NrPages(0), nullptr);
  EXPECT_FALSE(s.PfnValid(Pfn(0xffff)));
  EXPECT_EQ(log.size(), 1u);  // the misaligned span's WARN only
}

TEST(OnlineMemSectionsTest, OnliningSetsTheSectionBitAndSkipsInvalidSections) {
  auto m = MakeMachine("x86_64", KernelVersion::kV6_1);
  Sparse& s = *m->sparse;
  ASSERT_TRUE(Add(s, 0x140200, 0x200).ok());
  s.OnlineMemSections(Pfn(0x140000), Pfn(0x150000));  // sections 40 and 41
  EXPECT_TRUE(s.OnlineSection(SectionNr(40)));
  EXPECT_FALSE(s.OnlineSection(SectionNr(41)));
  ASSERT_EQ(m->log.size(), 1u);
  EXPECT_EQ(m->log.events()[0].condition, "!valid_section_nr(section_nr)");
  EXPECT_EQ(m->log.events()[0].function, "online_mem_sections");
  // Online section: only pfns of set sub-sections are online pages.
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x140200)), Pfn(0x140200));
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x140000)), std::nullopt);
  s.OfflineMemSections(Pfn(0x140000), Pfn(0x150000));
  EXPECT_FALSE(s.OnlineSection(SectionNr(40)));
  EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x140200)), std::nullopt);
  ASSERT_EQ(m->log.size(), 2u);
  EXPECT_EQ(m->log.events()[1].function, "offline_mem_sections");
  EXPECT_EQ(m->log.events()[1].condition, "!valid_section_nr(section_nr)");

  // v7.1 flips the bit without looking.
  auto v71 = MakeMachine("x86_64", KernelVersion::kV7_1);
  ASSERT_TRUE(Add(*v71->sparse, 0x140200, 0x200).ok());
  v71->sparse->OnlineMemSections(Pfn(0x140000), Pfn(0x150000));
  EXPECT_EQ(FlagsOf(*v71->sparse, 41), kSectionIsOnline);
  EXPECT_EQ(v71->log.size(), 0u);
}

// ZONE_DEVICE memory in the tail of an online boot section.
//
//  0x0               0x4000              0x8000
//  |== System RAM ====|== device pgmap ===|     one section, tainted
TEST(PfnToOnlinePageTest, ZoneDeviceCollisionsAreDecidedByThePagemap) {
  for (KernelVersion v : {KernelVersion::kV5_3, KernelVersion::kV6_1}) {
    SCOPED_TRACE(model::KernelVersionName(v));
    auto m = MakeMachine("x86_64", v);
    Sparse& s = *m->sparse;
    s.BootInit({Region(0, 0x4000)});
    ASSERT_TRUE(Add(s, 0x4000, 0x4000).ok());
    s.SectionTaintZoneDevice(Pfn(0x4000));
    s.set_dev_pagemap_lookup([](Pfn pfn) {
      return PfnRange(Pfn(0x4000), Pfn(0x8000)).Contains(pfn);
    });
    EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x100)), Pfn(0x100));
    if (v == KernelVersion::kV5_3) {
      // No taint, no sub-section check: device pfns read as online.
      EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x4000)), Pfn(0x4000));
      EXPECT_FALSE(FlagsOf(s, 0) & kSectionTaintZoneDevice);
    } else {
      EXPECT_EQ(s.PfnToOnlinePage(Pfn(0x4000)), std::nullopt);
      EXPECT_TRUE(s.OnlineDeviceSection(SectionNr(0)));
    }
  }
}

// Without the 6.1.y NULL check, pfn_section_valid() on a section whose usage
// is gone dereferences NULL (the CVE-2023-52489 reader side).
TEST(PfnSectionValidTest, NullUsageIsSafeOnlyWithTheFix) {
  MemSection ms;  // no usage
  auto fixed = MakeMachine("x86_64", KernelVersion::kV6_1);
  EXPECT_FALSE(fixed->sparse->PfnSectionValid(ms, Pfn(0)));
  EXPECT_FALSE(fixed->log.HasBug());
  auto buggy = MakeMachine("x86_64", KernelVersion::kV6_1,
                           {"sparse-usage-freed-before-invalid"});
  EXPECT_FALSE(buggy->sparse->PfnSectionValid(ms, Pfn(0)));
  EXPECT_TRUE(buggy->log.Contains(
      "BUG: kernel NULL pointer dereference, address: 0000000000000010"));
}

}  // namespace
}  // namespace memhp::sparse
