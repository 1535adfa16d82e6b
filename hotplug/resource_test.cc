// The iomem resource tree against kernel/resource.c (v6.1): each conflict
// and nesting rule with its errno, region_intersects' three outcomes, the
// System RAM walks, and /proc/iomem for the e820 map of
// ../shared/capture-logs/p1-boot-4g.log.
//
// Diagrams: one character per 0x1000 bytes unless said otherwise; `[...]`
// is a resource, `{...}` the range asked about, `*` marks busy.

#include "hotplug/resource.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotplug/e820.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::Errno;
using model::ErrnoOf;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;
using ::testing::ElementsAre;

constexpr uint64_t kPage = 0x1000;

// [first page, last page] in pages of 0x1000.
PhysAddr P(uint64_t page) { return PhysAddr(page * kPage); }
PhysAddr Last(uint64_t page) { return PhysAddr(page * kPage + kPage - 1); }
ByteSize Pages(uint64_t n) { return ByteSize(n * kPage); }

class ResourceTest : public ::testing::Test {
 protected:
  // iomem_resource ends at 2^36 - 1, so lines have width 8.
  ResourceTest() : tree_(PhysAddr((uint64_t{1} << 36) - 1), &log_) {}

  Resource* New(std::string name, uint64_t first, uint64_t last,
                uint64_t flags = kIoresourceMem,
                IoresDesc desc = IoresDesc::kNone) {
    return tree_.Alloc(std::move(name), P(first), Last(last), flags, desc);
  }
  Resource* Top(std::string name, uint64_t first, uint64_t last,
                uint64_t flags = kIoresourceMem,
                IoresDesc desc = IoresDesc::kNone) {
    Resource* r = New(std::move(name), first, last, flags, desc);
    EXPECT_TRUE(tree_.InsertResource(tree_.root(), r).ok());
    return r;
  }
  void ExpectValid() { EXPECT_TRUE(tree_.CheckInvariants().ok()); }

  model::EventLog log_;
  ResourceTree tree_;
};

// --- request_resource ------------------------------------------------------

// 0    2   4   6    8
// [A ]     [B ]
//     [N ]            fits in the gap: A, N, B in address order.
TEST_F(ResourceTest, RequestResourceFitsBetweenSiblingsInAddressOrder) {
  Resource* a = Top("A", 0, 1);
  Resource* b = Top("B", 4, 5);
  Resource* n = New("N", 2, 3);
  EXPECT_EQ(tree_.RequestResourceConflict(tree_.root(), n), nullptr);
  EXPECT_EQ(tree_.root()->child, a);
  EXPECT_EQ(a->sibling, n);
  EXPECT_EQ(n->sibling, b);
  EXPECT_EQ(n->parent, tree_.root());
  ExpectValid();
}

// 0    2   4   6
// [A     ][B    ]
//      [N   ]        overlaps A and B: the conflict is the first, A; -EBUSY.
TEST_F(ResourceTest, RequestResourceReturnsTheFirstOverlappingSibling) {
  Resource* a = Top("A", 0, 2);
  Top("B", 3, 5);
  EXPECT_EQ(tree_.RequestResourceConflict(tree_.root(), New("N", 2, 3)), a);
  absl::Status s = tree_.RequestResource(tree_.root(), New("M", 1, 4));
  EXPECT_EQ(ErrnoOf(s), Errno::kEBUSY);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-00002fff : A", "00003000-00005fff : B"));
}

// [A              ]
//     [N  ]           inside A but request_resource never descends: A.
TEST_F(ResourceTest, RequestResourceNeverDescendsIntoAContainingResource) {
  Resource* a = Top("A", 0, 15);
  EXPECT_EQ(tree_.RequestResourceConflict(tree_.root(), New("N", 4, 7)), a);
  // Under A itself it fits.
  Resource* n = New("N", 4, 7);
  EXPECT_EQ(tree_.RequestResourceConflict(a, n), nullptr);
  EXPECT_EQ(n->parent, a);
}

// root [0, 2^36-1]: an inverted range, or one that leaves root, conflicts
// with root itself.
TEST_F(ResourceTest, RequestResourceOutsideOrInvertedConflictsWithRoot) {
  Resource* inverted = tree_.Alloc("I", P(5), P(4), kIoresourceMem);
  EXPECT_EQ(tree_.RequestResourceConflict(tree_.root(), inverted),
            tree_.root());
  Resource* beyond =
      tree_.Alloc("B", PhysAddr(uint64_t{1} << 36),
                  PhysAddr((uint64_t{1} << 36) + 1), kIoresourceMem);
  EXPECT_EQ(tree_.RequestResourceConflict(tree_.root(), beyond), tree_.root());
  Resource* a = Top("A", 0, 3);
  EXPECT_EQ(tree_.RequestResourceConflict(a, New("N", 2, 5)), a);
}

// --- __request_region --------------------------------------------------

// [System RAM               ]    not busy
//       {region}                  nests under it, inheriting SYSRAM and desc.
TEST_F(ResourceTest, RequestMemRegionNestsUnderANonBusyConflict) {
  Resource* ram =
      Top("System RAM", 0, 15, kIoresourceSystemRam, IoresDesc::kCxl);
  Resource* r = tree_.RequestMemRegion(P(4), Pages(2), "dax0.0");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->parent, ram);
  EXPECT_EQ(r->flags, kIoresourceSystemRam | kIoresourceBusy);
  EXPECT_EQ(r->desc, IoresDesc::kCxl);
  EXPECT_THAT(tree_.IomemLines(), ElementsAre("00000000-0000ffff : System RAM",
                                              "  00004000-00005fff : dax0.0"));
}

// [Reserved                     ]      not busy
//    [pmem                  ]          not busy
//        [ns*  ]                       busy
//                {region}              nests two levels down;
//        {region2}                     fails on the busy ns: NULL.
TEST_F(ResourceTest, RequestMemRegionDescendsNonBusyLevelsAndFailsOnBusy) {
  Resource* reserved = Top("Reserved", 0, 31);
  Resource* pmem = New("pmem", 2, 29);
  ASSERT_TRUE(tree_.InsertResource(tree_.root(), pmem).ok());
  EXPECT_EQ(pmem->parent, reserved);
  Resource* ns = tree_.RequestMemRegion(P(4), Pages(4), "ns");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->parent, pmem);
  Resource* r = tree_.RequestMemRegion(P(10), Pages(2), "region");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->parent, pmem);
  EXPECT_EQ(tree_.RequestMemRegion(P(6), Pages(4), "region2"), nullptr);
  EXPECT_EQ(tree_.RequestMemRegion(P(4), Pages(4), "again"), nullptr);
  EXPECT_THAT(
      tree_.IomemLines(),
      ElementsAre("00000000-0001ffff : Reserved", "  00002000-0001dfff : pmem",
                  "    00004000-00007fff : ns",
                  "    0000a000-0000bfff : region"));
  ExpectValid();
}

// [A  ]                 not busy
//   {region  }          leaves A: the retry inside A conflicts with A, the
//                       parent itself, so it fails although A is not busy.
TEST_F(ResourceTest, RequestMemRegionStraddlingANonBusyResourceFails) {
  Top("A", 0, 3);
  EXPECT_EQ(tree_.RequestMemRegion(P(2), Pages(4), "region"), nullptr);
}

TEST_F(ResourceTest, RequestMemRegionBesideAResourceSucceeds) {
  Top("A", 0, 3);
  Resource* r = tree_.RequestMemRegion(P(4), Pages(4), "beside");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->parent, tree_.root());
  EXPECT_EQ(r->flags, kIoresourceMem | kIoresourceBusy);
}

// A conflict with IORES_DESC_DEVICE_PRIVATE_MEMORY warns before failing.
TEST_F(ResourceTest, RequestMemRegionWarnsOnDevicePrivateConflicts) {
  Top("hmm", 0, 3, kIoresourceMem | kIoresourceBusy,
      IoresDesc::kDevicePrivateMemory);
  EXPECT_EQ(tree_.RequestMemRegion(P(1), Pages(1), "x"), nullptr);
  EXPECT_TRUE(log_.Contains(
      "Unaddressable device hmm [mem 0x00000000-0x00003fff] conflicts with "
      "[mem 0x00001000-0x00001fff]"));
}

// --- release -------------------------------------------------------------

// [Reserved        ]      not busy
//    [r*  ]               release_mem_region(r) finds it through Reserved.
TEST_F(ResourceTest, ReleaseMemRegionReleasesTheExactBusyRegion) {
  Resource* reserved = Top("Reserved", 0, 15);
  Resource* r = tree_.RequestMemRegion(P(4), Pages(4), "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(tree_.ReleaseMemRegion(P(4), Pages(4)), r);
  EXPECT_EQ(reserved->child, nullptr);
  EXPECT_EQ(r->parent, nullptr);
  EXPECT_EQ(log_.size(), 0u);
}

//    [r*      ]
//    {  }          not exactly r: pr_warn, nothing released.
TEST_F(ResourceTest, ReleaseMemRegionOfAPartWarnsAndKeepsTheRegion) {
  Resource* r = tree_.RequestMemRegion(P(4), Pages(4), "r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(tree_.ReleaseMemRegion(P(4), Pages(2)), nullptr);
  EXPECT_TRUE(
      log_.Contains("Trying to free nonexistent resource "
                    "<0x0000000000004000-0x0000000000005fff>"));
  EXPECT_EQ(r->parent, tree_.root());
  // A non-busy resource of exactly that range is not a region either.
  Top("A", 16, 17);
  EXPECT_EQ(tree_.ReleaseMemRegion(P(16), Pages(2)), nullptr);
}

// [r*           ]
//    [child ]        released with r: unreachable from root afterwards.
TEST_F(ResourceTest, ReleaseMemRegionDropsTheRegionsChildren) {
  Resource* r = tree_.RequestMemRegion(P(0), Pages(8), "r");
  Resource* child = New("child", 2, 3);
  ASSERT_TRUE(tree_.RequestResource(r, child).ok());
  EXPECT_EQ(tree_.ReleaseMemRegion(P(0), Pages(8)), r);
  EXPECT_TRUE(tree_.IomemLines().empty());
  EXPECT_EQ(child->parent, r) << "the kernel leaves it pointing at r";
}

// [A              ]
//    [B ] [C ]         release_resource(A) takes B and C along.
TEST_F(ResourceTest, ReleaseResourceTakesItsChildrenAlong) {
  Resource* a = Top("A", 0, 15);
  Resource* b = Top("B", 2, 3);
  Top("C", 6, 7);
  ASSERT_TRUE(tree_.ReleaseResource(a).ok());
  EXPECT_TRUE(tree_.IomemLines().empty());
  EXPECT_EQ(a->child, b);
  EXPECT_EQ(b->parent, a);
  // Requested again, the subtree comes back with it.
  ASSERT_TRUE(tree_.RequestResource(tree_.root(), a).ok());
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-0000ffff : A", "  00002000-00003fff : B",
                          "  00006000-00007fff : C"));
}

TEST_F(ResourceTest, ReleaseResourceNotInItsParentsListIsEinval) {
  Resource* stray = New("stray", 0, 1);
  stray->parent = tree_.root();  // a caller's corruption
  EXPECT_EQ(ErrnoOf(tree_.ReleaseResource(stray)), Errno::kEINVAL);
  EXPECT_EQ(ErrnoOf(tree_.RemoveResource(stray)), Errno::kEINVAL);
}

// [A              ] [D]
//    [B ] [C ]            remove_resource(A): B, C, D become siblings.
TEST_F(ResourceTest, RemoveResourceMovesItsChildrenUp) {
  Resource* a = Top("A", 0, 15);
  Resource* b = Top("B", 2, 3);
  Resource* c = Top("C", 6, 7);
  Resource* d = Top("D", 16, 17);
  ASSERT_TRUE(tree_.RemoveResource(a).ok());
  EXPECT_EQ(tree_.root()->child, b);
  EXPECT_EQ(c->sibling, d);
  EXPECT_EQ(c->parent, tree_.root());
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00002000-00003fff : B", "00006000-00007fff : C",
                          "00010000-00011fff : D"));
  ExpectValid();
}

// --- insert_resource -------------------------------------------------------

//    [B ] [C ]   [D ]
// [N            ]        takes over B and C as children; D stays beside.
TEST_F(ResourceTest, InsertResourceAdoptsFullyContainedSiblings) {
  Top("B", 2, 3);
  Top("C", 6, 7);
  Top("D", 14, 15);
  Resource* n = New("N", 0, 11);
  ASSERT_TRUE(tree_.InsertResource(tree_.root(), n).ok());
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-0000bfff : N", "  00002000-00003fff : B",
                          "  00006000-00007fff : C", "0000e000-0000ffff : D"));
  ExpectValid();
}

//    [B ] [C     ]
// [N       ]             C overlaps N partially: conflict C, -EBUSY.
TEST_F(ResourceTest, InsertResourcePartialOverlapConflicts) {
  Top("B", 2, 3);
  Resource* c = Top("C", 6, 11);
  EXPECT_EQ(tree_.InsertResourceConflict(tree_.root(), New("N", 0, 7)), c);
  EXPECT_EQ(ErrnoOf(tree_.InsertResource(tree_.root(), New("M", 0, 7))),
            Errno::kEBUSY);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00002000-00003fff : B", "00006000-0000bfff : C"));
}

// [A                 ]
//    [B ]     [C ]
//   [N      ]            descends into A (contains N), adopts B there.
TEST_F(ResourceTest, InsertResourceDescendsIntoAContainingResource) {
  Resource* a = Top("A", 0, 15);
  Top("B", 3, 4);
  Top("C", 10, 11);
  Resource* n = New("N", 2, 8);
  ASSERT_TRUE(tree_.InsertResource(tree_.root(), n).ok());
  EXPECT_EQ(n->parent, a);
  EXPECT_THAT(
      tree_.IomemLines(),
      ElementsAre("00000000-0000ffff : A", "  00002000-00008fff : N",
                  "    00003000-00004fff : B", "  0000a000-0000bfff : C"));
}

// [A    ]
// [N    ]                equal range: N becomes A's parent (kernel breaks
//                        out of the descent and adopts A).
TEST_F(ResourceTest, InsertResourceOfAnEqualRangeBecomesItsParent) {
  Resource* a = Top("A", 0, 3);
  Resource* n = New("N", 0, 3);
  ASSERT_TRUE(tree_.InsertResource(tree_.root(), n).ok());
  EXPECT_EQ(a->parent, n);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-00003fff : N", "  00000000-00003fff : A"));
}

TEST_F(ResourceTest, InsertResourceTwiceWarnsAndConflictsWithItself) {
  Resource* a = Top("A", 0, 15);
  Resource* b = Top("B", 2, 3);
  EXPECT_EQ(tree_.InsertResourceConflict(tree_.root(), b), b);
  EXPECT_EQ(log_.CountKind(model::EventKind::kWarn), 1u);
  EXPECT_EQ(tree_.InsertResourceConflict(tree_.root(), a), a);
  ExpectValid();
}

//    [B     ]     [C   ]
//  [N         ]              N grows over B, then over C; each growth logs.
//  [N' = 1..13         ]
TEST_F(ResourceTest, InsertResourceExpandToFitGrowsOverPartialConflicts) {
  Top("B", 3, 6);
  Top("C", 10, 13);
  Resource* n = New("N", 1, 11);
  tree_.InsertResourceExpandToFit(tree_.root(), n);
  EXPECT_EQ(n->start, P(1));
  EXPECT_EQ(n->end, Last(13));
  EXPECT_TRUE(log_.Contains("Expanded resource N due to conflict with C"));
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00001000-0000dfff : N", "  00003000-00006fff : B",
                          "  0000a000-0000dfff : C"));
  // Already in the tree: nothing happens.
  tree_.InsertResourceExpandToFit(tree_.root(), n);
  EXPECT_EQ(log_.size(), 1u);
}

// --- adjust_resource -------------------------------------------------------

// [A ]    [R    ]    [C ]
//           [K]
// R may move to 3..9 (clear of A and C, around K) but not onto A, not onto
// C, not past its parent and not without K.
TEST_F(ResourceTest, AdjustResourceStaysClearOfNeighboursAndAroundChildren) {
  Top("A", 0, 1);
  Resource* r = Top("R", 4, 7);
  Top("K", 5, 5);
  Top("C", 10, 11);
  EXPECT_TRUE(tree_.AdjustResource(r, P(2), Pages(8)).ok());
  EXPECT_EQ(r->end, Last(9));
  EXPECT_EQ(ErrnoOf(tree_.AdjustResource(r, P(1), Pages(5))), Errno::kEBUSY);
  EXPECT_EQ(ErrnoOf(tree_.AdjustResource(r, P(4), Pages(7))), Errno::kEBUSY);
  EXPECT_EQ(ErrnoOf(tree_.AdjustResource(r, P(6), Pages(2))), Errno::kEBUSY);
  EXPECT_EQ(ErrnoOf(tree_.AdjustResource(
                r, PhysAddr((uint64_t{1} << 36) - kPage), Pages(2))),
            Errno::kEBUSY);
  EXPECT_EQ(r->start, P(2));
  ExpectValid();
}

// Size 0 passes every check of __adjust_resource: end = start - 1.
TEST_F(ResourceTest, AdjustResourceToSizeZeroInvertsTheResource) {
  Resource* r = Top("R", 4, 7);
  EXPECT_TRUE(tree_.AdjustResource(r, P(5), ByteSize(0)).ok());
  EXPECT_EQ(r->end.value(), P(5).value() - 1);
  EXPECT_THAT(std::string(tree_.CheckInvariants().message()),
              ::testing::StartsWith("RES-3"));
}

// --- region_intersects -------------------------------------------------

// [RAM* ]  [Reserved]      [RAM*]
// {   }                            only RAM: INTERSECTS
//      {    }                      RAM + hole: INTERSECTS (holes don't count)
//    {        }                    RAM + Reserved: MIXED
//           {  }                   only Reserved: DISJOINT
//                     {  }         only a hole: DISJOINT
TEST_F(ResourceTest, RegionIntersectsEachOutcome) {
  const uint64_t ram = kIoresourceSystemRam | kIoresourceBusy;
  Top("System RAM", 0, 4, ram);
  Top("Reserved", 8, 11, kIoresourceMem | kIoresourceBusy,
      IoresDesc::kReserved);
  Top("System RAM", 16, 19, ram);
  auto ri = [&](uint64_t first, uint64_t n) {
    return tree_.RegionIntersects(P(first), Pages(n), kIoresourceSystemRam,
                                  IoresDesc::kNone);
  };
  EXPECT_EQ(ri(0, 4), RegionIntersection::kIntersects);
  EXPECT_EQ(ri(4, 4), RegionIntersection::kIntersects);
  EXPECT_EQ(ri(3, 7), RegionIntersection::kMixed);
  EXPECT_EQ(ri(8, 3), RegionIntersection::kDisjoint);
  EXPECT_EQ(ri(12, 3), RegionIntersection::kDisjoint);
  EXPECT_EQ(ri(0, 20), RegionIntersection::kMixed);
  // desc narrows the match; IORES_DESC_NONE matches any.
  EXPECT_EQ(tree_.RegionIntersects(P(8), Pages(4), kIoresourceMem,
                                   IoresDesc::kReserved),
            RegionIntersection::kIntersects);
  EXPECT_EQ(tree_.RegionIntersects(P(8), Pages(4), kIoresourceMem,
                                   IoresDesc::kSoftReserved),
            RegionIntersection::kDisjoint);
}

// [CXL Window 0                ]
// [System RAM   ]
// {         }              covered by the matching child: INTERSECTS
// {                    }   reaches the uncovered rest of the window: MIXED
TEST_F(ResourceTest, RegionIntersectsCountsMatchingDescendantsAsCover) {
  Top("CXL Window 0", 0, 15, kIoresourceMem, IoresDesc::kCxl);
  Top("System RAM", 0, 7, kIoresourceSystemRam | kIoresourceBusy);
  EXPECT_EQ(tree_.RegionIntersects(P(0), Pages(6), kIoresourceSystemRam,
                                   IoresDesc::kNone),
            RegionIntersection::kIntersects);
  EXPECT_EQ(tree_.RegionIntersects(P(0), Pages(12), kIoresourceSystemRam,
                                   IoresDesc::kNone),
            RegionIntersection::kMixed);
  EXPECT_EQ(tree_.RegionIntersects(P(9), Pages(2), kIoresourceSystemRam,
                                   IoresDesc::kNone),
            RegionIntersection::kDisjoint);
}

// --- walks -------------------------------------------------------------

// [RAM*  ][Reserved*][RAM (not busy)][RAM*     ]
//    {                                      }
// walk_system_ram_range calls back for the busy RAM only, clipped.
TEST_F(ResourceTest, WalkSystemRamRangeSkipsNonRamAndClipsToTheRange) {
  const uint64_t ram = kIoresourceSystemRam | kIoresourceBusy;
  Top("System RAM", 0, 3, ram);
  Top("Reserved", 4, 5, kIoresourceMem | kIoresourceBusy);
  Top("hotplug", 6, 7, kIoresourceSystemRam);
  Top("System RAM", 8, 15, ram);
  const model::Geometry g =
      *model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  int rc =
      tree_.WalkSystemRamRange(g, Pfn(2), NrPages(11), [&](Pfn pfn, NrPages n) {
        seen.emplace_back(pfn.value(), n.value());
        return 0;
      });
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(seen, ElementsAre(std::pair<uint64_t, uint64_t>{2, 2},
                                std::pair<uint64_t, uint64_t>{8, 5}));
  // No RAM in range: func never runs and the walk returns -EINVAL.
  EXPECT_EQ(tree_.WalkSystemRamRange(g, Pfn(4), NrPages(4),
                                     [](Pfn, NrPages) { return 0; }),
            -22);
  EXPECT_TRUE(tree_.PageIsRam(g, Pfn(9)));
  EXPECT_FALSE(tree_.PageIsRam(g, Pfn(6)));
}

// [RAM*: 0x800-0x17ff] no whole page    [RAM*] [RAM*]
// A piece without a whole page is skipped (PFN_UP start, PFN_DOWN end), but
// `ret` is still -EINVAL then and `if (ret) break;` ends the walk: RAM after
// a sub-page first piece is never reported. Later, a non-zero callback value
// stops the walk and is returned.
TEST_F(ResourceTest, WalkSystemRamRangeStopsAtASubPageFirstPiece) {
  const uint64_t ram = kIoresourceSystemRam | kIoresourceBusy;
  ASSERT_TRUE(tree_
                  .InsertResource(tree_.root(),
                                  tree_.Alloc("System RAM", PhysAddr(0x800),
                                              PhysAddr(0x17ff), ram))
                  .ok());
  Top("System RAM", 4, 5, ram);
  Top("System RAM", 8, 9, ram);
  const model::Geometry g =
      *model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  std::vector<uint64_t> seen;
  auto record = [&](Pfn pfn, NrPages) {
    seen.push_back(pfn.value());
    return 7;
  };
  EXPECT_EQ(tree_.WalkSystemRamRange(g, Pfn(0), NrPages(16), record), -22);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(tree_.WalkSystemRamRange(g, Pfn(2), NrPages(14), record), 7);
  EXPECT_THAT(seen, ElementsAre(4u));
}

// [Reserved         ]
//    [System RAM*]           find_next_iomem_res descends into the
//                            overlapping top-level resource.
TEST_F(ResourceTest, WalkSystemRamResFindsNestedRamInAddressOrder) {
  const uint64_t ram = kIoresourceSystemRam | kIoresourceBusy;
  Top("Reserved", 0, 15);
  Top("System RAM", 2, 5, ram);
  Top("System RAM", 20, 21, ram);
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  int rc = tree_.WalkSystemRamRes(P(3), Last(20), [&](const IomemRes& r) {
    seen.emplace_back(r.start.value(), r.end.value());
    return 0;
  });
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(seen,
              ElementsAre(std::pair<uint64_t, uint64_t>{0x3000, 0x5fff},
                          std::pair<uint64_t, uint64_t>{0x14000, 0x14fff}));
  IomemRes res;
  EXPECT_EQ(tree_.FindNextIomemRes(P(6), Last(15), ram, IoresDesc::kNone, &res),
            -19);
  EXPECT_EQ(tree_.FindNextIomemRes(P(6), P(6), ram, IoresDesc::kNone, &res),
            -22);
}

// --- /proc/iomem ---------------------------------------------------------

// Seven nested levels: the indentation stops growing at depth 5.
TEST_F(ResourceTest, IomemLinesCapTheDepthAtFiveLevels) {
  for (uint64_t i = 0; i < 7; ++i) Top(model::Cat("L", i), i, 20 - i);
  EXPECT_THAT(
      tree_.IomemLines(),
      ElementsAre("00000000-00014fff : L0", "  00001000-00013fff : L1",
                  "    00002000-00012fff : L2", "      00003000-00011fff : L3",
                  "        00004000-00010fff : L4",
                  "          00005000-0000ffff : L5",
                  "          00006000-0000efff : L6"));
}

TEST(ResourceTreeTest, IomemLinesUseWidthFourBelow64K) {
  model::EventLog log;
  ResourceTree io(PhysAddr(0xffff), &log);
  ASSERT_TRUE(io.RequestResource(io.root(),
                                 io.Alloc("dma1", PhysAddr(0), PhysAddr(0x1f),
                                          kIoresourceIo | kIoresourceBusy))
                  .ok());
  EXPECT_THAT(io.IomemLines(), ElementsAre("0000-001f : dma1"));
}

// The p1 capture (../shared/capture-logs/p1-boot-4g.log) after
// trim_bios_range: e820__reserve_resources inserts the busy entries,
// e820__reserve_resources_late the rest with insert_resource_expand_to_fit.
TEST(ResourceTreeTest, P1BootE820LinesMatchTheRealKernel) {
  constexpr char kP1Firmware[] =
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
      "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
      "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n"
      "BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved\n"
      "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
      "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n"
      "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";
  model::EventLog log;
  absl::StatusOr<E820Table> fw = ParseE820Table(kP1Firmware, "p1");
  ASSERT_TRUE(fw.ok()) << fw.status();
  absl::StatusOr<E820SetupResult> setup =
      SetupArchE820(*fw, "", {.file = "p1", .line = 1, .column = 1}, &log);
  ASSERT_TRUE(setup.ok()) << setup.status();
  // x86_phys_bits of the p1 guest: 40.
  ResourceTree tree(PhysAddr((uint64_t{1} << 40) - 1), &log);
  std::vector<Resource*> late;
  for (const E820Resource& e : E820ReserveResources(setup->table)) {
    Resource* r =
        tree.Alloc(e.name, e.range.start(), PhysAddr(e.range.end().value() - 1),
                   (e.system_ram ? kIoresourceSystemRam : kIoresourceMem) |
                       (e.busy ? kIoresourceBusy : 0),
                   e.desc);
    if (e.busy) {
      ASSERT_TRUE(tree.InsertResource(tree.root(), r).ok()) << e.name;
    } else {
      late.push_back(r);
    }
  }
  for (Resource* r : late) tree.InsertResourceExpandToFit(tree.root(), r);
  EXPECT_THAT(
      tree.IomemLines(),
      ElementsAre(
          "00000000-00000fff : Reserved", "00001000-0009fbff : System RAM",
          "0009fc00-0009ffff : Reserved", "000f0000-000fffff : Reserved",
          "00100000-bffdffff : System RAM", "bffe0000-bfffffff : Reserved",
          "fffc0000-ffffffff : Reserved", "100000000-13fffffff : System RAM",
          "fd00000000-ffffffffff : Reserved"));
  EXPECT_TRUE(tree.CheckInvariants().ok());
  EXPECT_EQ(tree.RegionIntersects(PhysAddr(0x100000), ByteSize(0x100000),
                                  kIoresourceSystemRam, IoresDesc::kNone),
            RegionIntersection::kIntersects);
  EXPECT_EQ(tree.RegionIntersects(PhysAddr(0xbff00000), ByteSize(0x200000),
                                  kIoresourceSystemRam, IoresDesc::kNone),
            RegionIntersection::kMixed);
}

}  // namespace
}  // namespace memhp::hotplug
