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

// --- release_mem_region_adjustable -----------------------------------------

constexpr uint64_t kRam = kIoresourceSystemRam | kIoresourceBusy;

// [A*][System RAM*      ][B*]
//     {                 }       equal: unlinked, A and B become neighbours.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableFreesAnEqualResourceWhole) {
  Resource* a = Top("A", 0, 1, kIoresourceMem | kIoresourceBusy);
  Resource* ram = Top("System RAM", 2, 9, kRam);
  Resource* b = Top("B", 10, 11, kIoresourceMem | kIoresourceBusy);
  tree_.ReleaseMemRegionAdjustable(P(2), Pages(8));
  EXPECT_EQ(a->sibling, b);
  EXPECT_EQ(ram->parent, nullptr);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-00001fff : A", "0000a000-0000bfff : B"));
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// [System RAM*      ]
// {    }                    the start moves up: [4..15], the same resource.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableTrimsTheStart) {
  Resource* ram = Top("System RAM", 0, 15, kRam);
  tree_.ReleaseMemRegionAdjustable(P(0), Pages(4));
  EXPECT_EQ(tree_.root()->child, ram);
  EXPECT_EQ(ram->start, P(4));
  EXPECT_EQ(ram->end, Last(15));
  EXPECT_EQ(ram->sibling, nullptr);
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// [System RAM*      ][B*]
//             {    }        the end moves down: [0..11]; B untouched.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableTrimsTheEnd) {
  Resource* ram = Top("System RAM", 0, 15, kRam);
  Resource* b = Top("B", 16, 17, kIoresourceMem | kIoresourceBusy);
  tree_.ReleaseMemRegionAdjustable(P(12), Pages(4));
  EXPECT_EQ(ram->start, P(0));
  EXPECT_EQ(ram->end, Last(11));
  EXPECT_EQ(ram->sibling, b);
  EXPECT_THAT(tree_.IomemLines(), ElementsAre("00000000-0000bfff : System RAM",
                                              "00010000-00011fff : B"));
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// [System RAM (kmem)*        ][B*]
//   [K]
//         {    }
// [System RAM (kmem)*][ (hole) ][System RAM (kmem)*][B*]
//   [K]                           no children
// The upper piece is new: name, flags (with DRIVER_MANAGED) and desc of the
// lower one, placed between it and B; the child stays in the lower piece.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableSplitsAroundAMiddleRange) {
  const uint64_t flags = kRam | kIoresourceSysramDriverManaged;
  Resource* ram = Top("System RAM (kmem)", 0, 15, flags, IoresDesc::kCxl);
  Resource* k = Top("K", 1, 2, kIoresourceMem | kIoresourceBusy);
  Resource* b = Top("B", 16, 17, kIoresourceMem | kIoresourceBusy);
  ASSERT_EQ(k->parent, ram);
  tree_.ReleaseMemRegionAdjustable(P(6), Pages(4));
  EXPECT_EQ(ram->end, Last(5));
  Resource* upper = ram->sibling;
  ASSERT_NE(upper, nullptr);
  ASSERT_NE(upper, b);
  EXPECT_EQ(upper->name, "System RAM (kmem)");
  EXPECT_EQ(upper->flags, flags);
  EXPECT_EQ(upper->desc, IoresDesc::kCxl);
  EXPECT_EQ(upper->start, P(10));
  EXPECT_EQ(upper->end, Last(15));
  EXPECT_EQ(upper->parent, tree_.root());
  EXPECT_EQ(upper->sibling, b);
  EXPECT_EQ(upper->child, nullptr);
  EXPECT_EQ(ram->child, k);
  EXPECT_EQ(k->parent, ram);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-00005fff : System RAM (kmem)",
                          "  00001000-00002fff : K",
                          "0000a000-0000ffff : System RAM (kmem)",
                          "00010000-00011fff : B"));
  EXPECT_EQ(log_.size(), 0u);
  EXPECT_TRUE(tree_.CheckInvariants().ok()) << tree_.CheckInvariants();
}

// [System RAM*      ]
//         [K]
//       {    }        split: K would end up outside the lower piece.
// {        }          start trim: K would end up outside too.
// __adjust_resource fails: one WARN_ON_ONCE per site, nothing changes.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableWarnsOnceWhenAChildIsInTheWay) {
  Resource* ram = Top("System RAM", 0, 15, kRam);
  Resource* k = Top("K", 8, 9, kIoresourceMem | kIoresourceBusy);
  const std::vector<std::string> before = tree_.IomemLines();
  tree_.ReleaseMemRegionAdjustable(P(6), Pages(6));
  ASSERT_EQ(log_.CountKind(model::EventKind::kWarn), 1u);
  EXPECT_EQ(log_.events()[0].function, "release_mem_region_adjustable");
  EXPECT_EQ(log_.events()[0].condition,
            "__adjust_resource(res, res->start, start - res->start)");
  tree_.ReleaseMemRegionAdjustable(P(6), Pages(6));
  EXPECT_EQ(log_.CountKind(model::EventKind::kWarn), 1u) << "once";
  tree_.ReleaseMemRegionAdjustable(P(0), Pages(10));
  ASSERT_EQ(log_.CountKind(model::EventKind::kWarn), 2u);
  EXPECT_EQ(log_.events()[1].condition,
            "__adjust_resource(res, end + 1, res->end - end)");
  EXPECT_EQ(tree_.IomemLines(), before);
  EXPECT_EQ(ram->sibling, nullptr);
  EXPECT_EQ(k->parent, ram);
  ExpectValid();
}

// root [0, 2^36-1]   [System RAM*]
//                          {          }   leaves root: WARN_ON_ONCE, nothing
//                                         changes, the second time silently.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableOutsideRootWarnsOnce) {
  const uint64_t root_pages = (uint64_t{1} << 36) / kPage;
  Top("System RAM", root_pages - 4, root_pages - 1, kRam);
  const std::vector<std::string> before = tree_.IomemLines();
  tree_.ReleaseMemRegionAdjustable(P(root_pages - 2), Pages(4));
  tree_.ReleaseMemRegionAdjustable(P(root_pages - 2), Pages(4));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_.events()[0].kind, model::EventKind::kWarn);
  EXPECT_EQ(log_.events()[0].condition,
            "(start < parent->start) || (end > parent->end)");
  EXPECT_EQ(tree_.IomemLines(), before);
}

// [System RAM*][System RAM*]
//        {         }          held by neither: silently nothing.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableAcrossTwoResourcesDoesNothing) {
  Top("System RAM", 0, 7, kRam);
  Top("System RAM", 8, 15, kRam);
  const std::vector<std::string> before = tree_.IomemLines();
  tree_.ReleaseMemRegionAdjustable(P(4), Pages(8));
  EXPECT_EQ(tree_.IomemLines(), before);
  EXPECT_EQ(log_.size(), 0u);
}

// [Persistent Memory                  ]     not busy
//         [System RAM (kmem)*    ]
//         {    }                      descends into pmem and trims the RAM;
//                                     pmem itself is untouched.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableDescendsIntoANonBusyParent) {
  Resource* pmem = Top("Persistent Memory", 0, 31, kIoresourceMem,
                       IoresDesc::kPersistentMemory);
  Resource* ram = Top("System RAM (kmem)", 8, 23, kRam);
  ASSERT_EQ(ram->parent, pmem);
  tree_.ReleaseMemRegionAdjustable(P(8), Pages(4));
  EXPECT_EQ(pmem->start, P(0));
  EXPECT_EQ(pmem->end, Last(31));
  EXPECT_EQ(pmem->child, ram);
  EXPECT_EQ(ram->start, P(12));
  EXPECT_EQ(ram->end, Last(23));
  // Releasing the rest unlinks it from pmem's child list.
  tree_.ReleaseMemRegionAdjustable(P(12), Pages(12));
  EXPECT_EQ(pmem->child, nullptr);
  EXPECT_EQ(ram->parent, nullptr);
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// [Reserved*              ]      busy
// [System RAM*]
//              {         }       the walk stops at the first busy resource
//                                that holds the range: Reserved is trimmed.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableActsOnTheFirstBusyContainer) {
  Resource* reserved = Top("Reserved", 0, 15, kIoresourceMem | kIoresourceBusy);
  Resource* ram = Top("System RAM", 0, 7, kRam);
  ASSERT_EQ(ram->parent, reserved);
  tree_.ReleaseMemRegionAdjustable(P(8), Pages(8));
  EXPECT_EQ(reserved->end, Last(7));
  EXPECT_EQ(ram->end, Last(7));
  EXPECT_EQ(ram->parent, reserved);
  ExpectValid();
}

// [io (IORESOURCE_IO)          ][System RAM*   ]
//     [System RAM*    ]
//     {    }                      not MEM: the walk stops at io.
//                                 {    }   io does not hold this one: the
//                                          containment check comes first,
//                                          so the walk passes io and trims.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableStopsAtANonMemResource) {
  Top("io", 0, 15, kIoresourceIo);
  Resource* ram = Top("System RAM", 4, 11, kRam);
  Resource* beside = Top("System RAM", 16, 23, kRam);
  tree_.ReleaseMemRegionAdjustable(P(4), Pages(2));
  EXPECT_EQ(ram->start, P(4));
  EXPECT_EQ(ram->end, Last(11));
  tree_.ReleaseMemRegionAdjustable(P(16), Pages(2));
  EXPECT_EQ(beside->start, P(18));
  EXPECT_EQ(log_.size(), 0u);
}

// [System RAM*      ]
// {}                       one byte at its first byte: `res->start >= end`
//                          with the inclusive end stops the walk there; one
//                          byte further in, or two bytes, are released.
TEST_F(ResourceTest, ReleaseMemRegionAdjustableOfItsFirstByteAloneDoesNothing) {
  Resource* ram = Top("System RAM", 0, 15, kRam);
  tree_.ReleaseMemRegionAdjustable(P(0), ByteSize(1));
  EXPECT_EQ(ram->start, P(0));
  EXPECT_EQ(ram->sibling, nullptr);
  tree_.ReleaseMemRegionAdjustable(P(0), ByteSize(2));
  EXPECT_EQ(ram->start, PhysAddr(2));
  tree_.ReleaseMemRegionAdjustable(PhysAddr(3), ByteSize(1));
  EXPECT_EQ(ram->end, PhysAddr(2));
  ASSERT_NE(ram->sibling, nullptr);
  EXPECT_EQ(ram->sibling->start, PhysAddr(4));
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// --- merge_system_ram_resource ---------------------------------------------

constexpr uint64_t kMergeable = kRam | kIoresourceSysramMergeable;

// [res*][next* M]     -> [res* M            ]   next is detached.
TEST_F(ResourceTest, MergeSystemRamResourceMergesTheNextSibling) {
  Resource* res = Top("System RAM", 0, 3, kRam);
  Resource* next = Top("System RAM", 4, 7, kMergeable);
  Resource* after = Top("B", 8, 9, kIoresourceMem | kIoresourceBusy);
  tree_.MergeSystemRamResource(res);
  EXPECT_EQ(res->flags, kMergeable);
  EXPECT_EQ(res->start, P(0));
  EXPECT_EQ(res->end, Last(7));
  EXPECT_EQ(res->sibling, after);
  EXPECT_EQ(next->parent, nullptr);
  EXPECT_THAT(tree_.IomemLines(), ElementsAre("00000000-00007fff : System RAM",
                                              "00008000-00009fff : B"));
  EXPECT_EQ(log_.size(), 0u);
  ExpectValid();
}

// [A*][prev* M][res*]  -> [A*][prev* M         ]   res itself is detached.
TEST_F(ResourceTest, MergeSystemRamResourceMergesIntoThePreviousSibling) {
  Resource* a = Top("A", 0, 1, kIoresourceMem | kIoresourceBusy);
  Resource* prev = Top("System RAM", 2, 3, kMergeable);
  Resource* res = Top("System RAM", 4, 7, kRam);
  tree_.MergeSystemRamResource(res);
  EXPECT_EQ(a->sibling, prev);
  EXPECT_EQ(prev->end, Last(7));
  EXPECT_EQ(prev->sibling, nullptr);
  EXPECT_EQ(res->parent, nullptr);
  EXPECT_THAT(
      tree_.IomemLines(),
      ElementsAre("00000000-00001fff : A", "00002000-00007fff : System RAM"));
  ExpectValid();
}

// [dax region                        ]   not busy
//   [prev* M][res*][next* M][C*]        -> [prev* M                ][C*]
// Next first, then into prev: both res and next are detached.
TEST_F(ResourceTest, MergeSystemRamResourceMergesBothNeighbours) {
  Resource* region = Top("dax0.0", 0, 31);
  Resource* prev = Top("System RAM (kmem)", 2, 5, kMergeable);
  Resource* res = Top("System RAM (kmem)", 6, 9, kRam);
  Resource* next = Top("System RAM (kmem)", 10, 13, kMergeable);
  Resource* c = Top("C", 14, 15, kIoresourceMem | kIoresourceBusy);
  tree_.MergeSystemRamResource(res);
  EXPECT_EQ(region->child, prev);
  EXPECT_EQ(prev->start, P(2));
  EXPECT_EQ(prev->end, Last(13));
  EXPECT_EQ(prev->sibling, c);
  EXPECT_EQ(res->parent, nullptr);
  EXPECT_EQ(next->parent, nullptr);
  EXPECT_THAT(tree_.IomemLines(),
              ElementsAre("00000000-0001ffff : dax0.0",
                          "  00002000-0000dfff : System RAM (kmem)",
                          "  0000e000-0000ffff : C"));
  ExpectValid();
}

// Each neighbour fails one condition of system_ram_resources_mergeable:
// [prev* M][res*][next* M]
//             ^ children, another name, a gap, not mergeable, another desc.
// res is still marked mergeable and nothing merges.
TEST_F(ResourceTest, MergeSystemRamResourceRefusesUnmergeableNeighbours) {
  struct Case {
    std::string label;
    std::string neighbour_name;
    uint64_t gap;  // pages between res and each neighbour
    uint64_t neighbour_flags;
    IoresDesc neighbour_desc;
    bool neighbour_child;
  };
  const std::vector<Case> cases = {
      {"children", "System RAM", 0, kMergeable, IoresDesc::kNone, true},
      {"name", "System RAM (kmem)", 0, kMergeable, IoresDesc::kNone, false},
      {"adjacency", "System RAM", 1, kMergeable, IoresDesc::kNone, false},
      {"flags", "System RAM", 0, kRam, IoresDesc::kNone, false},
      {"desc", "System RAM", 0, kMergeable, IoresDesc::kCxl, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    model::EventLog log;
    ResourceTree tree(PhysAddr((uint64_t{1} << 36) - 1), &log);
    auto top = [&](uint64_t first, uint64_t last, std::string name,
                   uint64_t flags, IoresDesc desc) {
      Resource* r =
          tree.Alloc(std::move(name), P(first), Last(last), flags, desc);
      EXPECT_TRUE(tree.InsertResource(tree.root(), r).ok());
      return r;
    };
    Resource* prev = top(0, 3 - c.gap, c.neighbour_name, c.neighbour_flags,
                         c.neighbour_desc);
    Resource* res = top(4, 7, "System RAM", kRam, IoresDesc::kNone);
    Resource* next = top(8 + c.gap, 11, c.neighbour_name, c.neighbour_flags,
                         c.neighbour_desc);
    if (c.neighbour_child) {
      top(1, 1, "K", kIoresourceMem | kIoresourceBusy, IoresDesc::kNone);
      top(9, 9, "K", kIoresourceMem | kIoresourceBusy, IoresDesc::kNone);
    }
    tree.MergeSystemRamResource(res);
    EXPECT_EQ(res->flags, kMergeable);
    EXPECT_EQ(tree.root()->child, prev);
    EXPECT_EQ(prev->sibling, res);
    EXPECT_EQ(res->sibling, next);
    EXPECT_EQ(res->start, P(4));
    EXPECT_EQ(res->end, Last(7));
    EXPECT_EQ(prev->end, Last(3 - c.gap));
    EXPECT_EQ(log.size(), 0u);
    EXPECT_TRUE(tree.CheckInvariants().ok());
  }
}

// [System RAM (not busy)][System RAM* M]   res lacks IORESOURCE_BUSY:
// WARN_ON_ONCE, no mergeable flag, no merge; the second call is silent.
TEST_F(ResourceTest, MergeSystemRamResourceWarnsOnceWithoutSystemRamBusy) {
  Resource* res = Top("System RAM", 0, 3, kIoresourceSystemRam);
  Resource* next = Top("System RAM", 4, 7, kMergeable);
  Resource* mem = Top("B", 8, 9, kIoresourceMem | kIoresourceBusy);
  tree_.MergeSystemRamResource(res);
  tree_.MergeSystemRamResource(res);
  tree_.MergeSystemRamResource(mem);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_.events()[0].kind, model::EventKind::kWarn);
  EXPECT_EQ(log_.events()[0].function, "merge_system_ram_resource");
  EXPECT_EQ(log_.events()[0].condition, "(res->flags & flags) != flags");
  EXPECT_EQ(res->flags, kIoresourceSystemRam);
  EXPECT_EQ(mem->flags, kIoresourceMem | kIoresourceBusy);
  EXPECT_EQ(res->sibling, next);
  EXPECT_EQ(res->end, Last(3));
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
