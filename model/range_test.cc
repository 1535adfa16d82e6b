#include "model/range.h"

#include <set>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace memhp::model {
namespace {

PfnRange R(uint64_t s, uint64_t e) { return PfnRange(Pfn(s), Pfn(e)); }

// The naive reference: a range as the set of its pfns.
std::set<uint64_t> Pfns(PfnRange r) {
  std::set<uint64_t> out;
  for (uint64_t p = r.start().value(); p < r.end().value(); ++p) out.insert(p);
  return out;
}

TEST(TypesTest, PlacePlusLengthIsAPlaceAndDifferenceIsALength) {
  Pfn a(0x1000);
  NrPages n(0x200);
  EXPECT_EQ(a + n, Pfn(0x1200));
  EXPECT_EQ((a + n) - a, n);
  EXPECT_EQ((a + n) - n, a);
  EXPECT_EQ(n + n, NrPages(0x400));
  EXPECT_EQ(n * 3, NrPages(0x600));
}

TEST(TypesTest, AlignmentRoundsToPowerOfTwoBoundaries) {
  //   0x7fff  0x8000        0x8001
  //   ---|------|-------------|---   align 0x8000 (one x86 section)
  EXPECT_EQ(AlignDown(Pfn(0x7fff), NrPages(0x8000)), Pfn(0));
  EXPECT_EQ(AlignUp(Pfn(0x7fff), NrPages(0x8000)), Pfn(0x8000));
  EXPECT_EQ(AlignUp(Pfn(0x8000), NrPages(0x8000)), Pfn(0x8000));
  EXPECT_EQ(AlignUp(Pfn(0x8001), NrPages(0x8000)), Pfn(0x10000));
  EXPECT_TRUE(IsAligned(Pfn(0x200), NrPages(0x200)));
  EXPECT_FALSE(IsAligned(Pfn(0x201), NrPages(0x200)));
  EXPECT_TRUE(IsAligned(NrPages(0x400), NrPages(0x200)));
  EXPECT_FALSE(IsAligned(NrPages(0x300), NrPages(0x200)));
}

TEST(TypesDeathTest, NonPowerOfTwoAlignmentIsAModelBug) {
  EXPECT_DEATH(AlignDown(Pfn(5), NrPages(3)), "power of two");
  EXPECT_DEATH(R(5, 4), "inverted range");
}

// Exhaustive over all ranges inside [0, 12): every operation agrees with
// the set-of-pfns reference.
TEST(RangeTest, ExhaustiveAgreementWithPfnSets) {
  constexpr uint64_t kMax = 12;
  for (uint64_t as = 0; as <= kMax; ++as) {
    for (uint64_t ae = as; ae <= kMax; ++ae) {
      PfnRange a = R(as, ae);
      std::set<uint64_t> sa = Pfns(a);
      EXPECT_EQ(a.size().value(), sa.size());
      EXPECT_EQ(a.empty(), sa.empty());
      for (uint64_t p = 0; p <= kMax; ++p) {
        EXPECT_EQ(a.Contains(Pfn(p)), sa.count(p) == 1);
      }
      for (uint64_t bs = 0; bs <= kMax; ++bs) {
        for (uint64_t be = bs; be <= kMax; ++be) {
          PfnRange b = R(bs, be);
          std::set<uint64_t> sb = Pfns(b);
          std::set<uint64_t> both;
          for (uint64_t p : sa) {
            if (sb.count(p)) both.insert(p);
          }
          EXPECT_EQ(a.Overlaps(b), !both.empty()) << a << " " << b;
          std::optional<PfnRange> i = a.Intersect(b);
          EXPECT_EQ(i.has_value(), !both.empty());
          if (i) {
            EXPECT_EQ(Pfns(*i), both);
          }
          bool subset = true;
          for (uint64_t p : sb) subset &= sa.count(p) == 1;
          // Non-empty containment is set inclusion.
          if (!b.empty()) {
            EXPECT_EQ(a.Contains(b), subset) << a << " " << b;
          }
        }
      }
      for (uint64_t at = as; at <= ae; ++at) {
        auto [lo, hi] = a.SplitAt(Pfn(at));
        EXPECT_EQ(lo.start(), a.start());
        EXPECT_EQ(hi.end(), a.end());
        EXPECT_EQ(lo.end(), hi.start());
        EXPECT_EQ(lo.size() + hi.size(), a.size());
      }
      for (uint64_t align : {1, 2, 4, 8}) {
        PfnRange out = a.AlignOutward(NrPages(align));
        PfnRange in = a.AlignInward(NrPages(align));
        EXPECT_TRUE(out.Contains(a));
        EXPECT_TRUE(out.IsAlignedTo(NrPages(align)));
        EXPECT_TRUE(in.IsAlignedTo(NrPages(align)));
        if (!in.empty()) {
          EXPECT_TRUE(a.Contains(in));
        }
        // Outward is the smallest: shrinking either end by `align` breaks it.
        if (out.start() + NrPages(align) <= a.start()) ADD_FAILURE() << a;
        if (out.end() >= a.end() + NrPages(align)) ADD_FAILURE() << a;
        // Inward is the largest: every aligned pfn boundary inside is used.
        for (uint64_t p = as; p + align <= ae; ++p) {
          if (p % align == 0) {
            EXPECT_TRUE(in.Contains(R(p, p + align))) << a << " " << align;
          }
        }
      }
    }
  }
}

RC_GTEST_PROP(RangeProp, IntersectionIsCommutativeAndInsideBoth,
              (uint32_t as, uint32_t al, uint32_t bs, uint32_t bl)) {
  PfnRange a = PfnRange::FromSize(Pfn(as), NrPages(al));
  PfnRange b = PfnRange::FromSize(Pfn(bs), NrPages(bl));
  std::optional<PfnRange> ab = a.Intersect(b);
  std::optional<PfnRange> ba = b.Intersect(a);
  RC_ASSERT(ab == ba);
  if (ab) {
    RC_ASSERT(a.Contains(*ab));
    RC_ASSERT(b.Contains(*ab));
    RC_ASSERT(!ab->empty());
  }
}

}  // namespace
}  // namespace memhp::model
