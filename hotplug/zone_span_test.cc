// Zone spans growing with move_pfn_range_to_zone and shrinking with
// remove_pfn_range_from_zone at sub-section granularity (x86_64: sections
// of 0x8000 pfns, sub-sections of 0x200).
//
// Section 40 [0x140000, 0x148000) holds three sub-section ranges of memory:
//
//   0x140000  0x140200        0x147c00  0x147e00  0x148000
//   |== A ====|   (absent)    |== B ====|== C ====|
//
// All three are moved into ZONE_NORMAL and the section is online.

#include "hotplug/zone_span.h"

#include "gtest/gtest.h"
#include "hotplug/add_pages.h"
#include "model/profile.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;

struct Fixture {
  Fixture()
      : sparse(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
               model::KernelProfile::For(KernelVersion::kV6_1), &log) {
    pgdat.node_id = NodeId(0);
    for (auto [start, n] :
         {std::pair{0x140000, 0x200}, std::pair{0x147c00, 0x200},
          std::pair{0x147e00, 0x200}}) {
      EXPECT_TRUE(
          AddPages(sparse, NodeId(0), Pfn(start), NrPages(n), nullptr).ok());
      MovePfnRangeToZone(sparse, pgdat, ZoneType::kNormal, Pfn(start),
                         NrPages(n));
    }
    sparse.OnlineMemSections(Pfn(0x140000), Pfn(0x148000));
  }
  const Zone& normal() const { return pgdat.zone(ZoneType::kNormal); }

  model::EventLog log;
  sparse::Sparse sparse;
  PgData pgdat;
};

TEST(ZoneSpanTest, MoveGrowsZoneAndNodeAndInitialisesExactlyTheRange) {
  Fixture f;
  EXPECT_EQ(f.normal().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(f.normal().zone_end_pfn(), Pfn(0x148000));
  EXPECT_EQ(f.pgdat.node_start_pfn, Pfn(0x140000));
  EXPECT_EQ(f.pgdat.node_spanned_pages, NrPages(0x8000));
  // Struct pages of the moved ranges: zone Normal, node 0, PG_reserved;
  // the hole between A and B is not touched.
  EXPECT_EQ(f.sparse.memmap().Get(Pfn(0x1401ff)),
            sparse::PageState::Initialised(2, NodeId(0), true));
  EXPECT_NE(f.sparse.memmap().Get(Pfn(0x140200)).kind,
            sparse::MemmapKind::kInitialised);
}

// Removing C (the zone's end) shrinks the end to B's last pfn + 1; then
// removing A (the start) moves the start to B.
TEST(ZoneSpanTest, ShrinkStepsBySubsections) {
  Fixture f;
  RemovePfnRangeFromZone(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x147e00),
                         NrPages(0x200));
  EXPECT_EQ(f.normal().zone_end_pfn(), Pfn(0x147e00));
  EXPECT_EQ(f.sparse.memmap().Get(Pfn(0x147e00)).kind,
            sparse::MemmapKind::kPoisoned);
  RemovePfnRangeFromZone(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x140000),
                         NrPages(0x200));
  EXPECT_EQ(f.normal().zone_start_pfn, Pfn(0x147c00));
  EXPECT_EQ(f.normal().spanned_pages, NrPages(0x200));
  EXPECT_EQ(f.pgdat.node_start_pfn, Pfn(0x147c00));
  EXPECT_EQ(f.pgdat.node_spanned_pages, NrPages(0x200));
  RemovePfnRangeFromZone(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x147c00),
                         NrPages(0x200));
  EXPECT_EQ(f.normal().zone_start_pfn, Pfn(0));
  EXPECT_TRUE(f.normal().IsEmpty());
  EXPECT_TRUE(f.pgdat.node_spanned_pages.IsZero());
}

// A range in the middle of the zone does not shrink it.
TEST(ZoneSpanTest, MiddleRangeKeepsTheSpan) {
  Fixture f;
  RemovePfnRangeFromZone(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x147c00),
                         NrPages(0x200));
  EXPECT_EQ(f.normal().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(f.normal().zone_end_pfn(), Pfn(0x148000));
}

// Pages of another zone inside the span are skipped by the search: with C
// in ZONE_MOVABLE, removing A leaves Normal at B only.
TEST(ZoneSpanTest, SearchSkipsOtherZones) {
  Fixture f;
  f.sparse.mutable_memmap().Assign(
      model::PfnRange::FromSize(Pfn(0x147e00), NrPages(0x200)),
      sparse::PageState::Initialised(3, NodeId(0)));
  RemovePfnRangeFromZone(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x140000),
                         NrPages(0x200));
  EXPECT_EQ(f.normal().zone_start_pfn, Pfn(0x147c00));
  // The end is not recomputed from the start side (the kernel keeps it).
  EXPECT_EQ(f.normal().zone_end_pfn(), Pfn(0x148000));
}

// ZONE_DEVICE spans never shrink (v6.1); unaligned ranges taint their
// sections.
TEST(ZoneSpanTest, ZoneDeviceNeverShrinks) {
  Fixture f;
  PgData& p = f.pgdat;
  ASSERT_TRUE(
      AddPages(f.sparse, NodeId(0), Pfn(0x150200), NrPages(0x400), nullptr)
          .ok());
  MovePfnRangeToZone(f.sparse, p, ZoneType::kDevice, Pfn(0x150200),
                     NrPages(0x400));
  // The taint matters once the section is online (System RAM beside it).
  f.sparse.OnlineMemSections(Pfn(0x150000), Pfn(0x158000));
  EXPECT_TRUE(f.sparse.OnlineDeviceSection(model::SectionNr(42)));
  EXPECT_FALSE(f.sparse.OnlineDeviceSection(model::SectionNr(40)));
  RemovePfnRangeFromZone(f.sparse, p, ZoneType::kDevice, Pfn(0x150200),
                         NrPages(0x400));
  EXPECT_EQ(p.zone(ZoneType::kDevice).zone_start_pfn, Pfn(0x150200));
  EXPECT_EQ(p.zone(ZoneType::kDevice).spanned_pages, NrPages(0x400));
}

TEST(ZoneSpanTest, AdjustPresentPageCountCountsEarlyPagesOnlyForEarlySections) {
  Fixture f;
  AdjustPresentPageCount(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x140000),
                         0x600);
  EXPECT_EQ(f.normal().present_pages, NrPages(0x600));
  EXPECT_EQ(f.pgdat.node_present_pages, NrPages(0x600));
  EXPECT_TRUE(f.normal().present_early_pages.IsZero());
  AdjustPresentPageCount(f.sparse, f.pgdat, ZoneType::kNormal, Pfn(0x140000),
                         -0x200);
  EXPECT_EQ(f.normal().present_pages, NrPages(0x400));
}

}  // namespace
}  // namespace memhp::hotplug
