#include "sparse/subsection_map.h"

#include "gtest/gtest.h"

namespace memhp::sparse {
namespace {

using model::SubsectionIdx;

TEST(SubsectionMapTest, SetRangeIsInclusiveAndCrossesWords) {
  SubsectionMap m(128);
  m.SetRange(SubsectionIdx(62), SubsectionIdx(65));
  EXPECT_EQ(m.Count(), 4u);
  EXPECT_FALSE(m.Test(SubsectionIdx(61)));
  EXPECT_TRUE(m.Test(SubsectionIdx(62)));
  EXPECT_TRUE(m.Test(SubsectionIdx(64)));
  EXPECT_TRUE(m.Test(SubsectionIdx(65)));
  EXPECT_FALSE(m.Test(SubsectionIdx(66)));
}

TEST(SubsectionMapTest, BitmapOperationsMatchTheKernelHelpers) {
  SubsectionMap a(8), b(8);
  a.SetRange(SubsectionIdx(1), SubsectionIdx(3));  // .111....
  b.SetRange(SubsectionIdx(3), SubsectionIdx(4));  // ...11...
  EXPECT_EQ(a.ToString(), ".111....");
  EXPECT_TRUE(a.Intersects(b));
  EXPECT_FALSE(b.IsSubsetOf(a));
  SubsectionMap c(8);
  c.SetRange(SubsectionIdx(2), SubsectionIdx(3));
  EXPECT_TRUE(c.IsSubsetOf(a));
  a.Xor(c);  // clear_subsection_map's bitmap_xor of a subset clears it
  EXPECT_EQ(a.ToString(), ".1......");
  a.Or(b);
  EXPECT_EQ(a.ToString(), ".1.11...");
  EXPECT_FALSE(a.Empty());
  EXPECT_TRUE(SubsectionMap(8).Empty());
  // An empty map is a subset of anything and intersects nothing.
  EXPECT_TRUE(SubsectionMap(8).IsSubsetOf(b));
  EXPECT_FALSE(SubsectionMap(8).Intersects(b));
}

TEST(SubsectionMapDeathTest, OutOfRangeBitsAreAModelBug) {
  SubsectionMap m(64);
  EXPECT_DEATH(m.Test(SubsectionIdx(64)), "bit 64 of 64");
  EXPECT_DEATH(m.SetRange(SubsectionIdx(3), SubsectionIdx(2)), "3..2");
}

}  // namespace
}  // namespace memhp::sparse
