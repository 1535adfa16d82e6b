#include "sparse/memmap.h"

#include <map>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace memhp::sparse {
namespace {

using model::NodeId;
using model::Pfn;
using model::PfnRange;

PfnRange R(uint64_t s, uint64_t e) { return PfnRange(Pfn(s), Pfn(e)); }

TEST(MemmapTest, AssignSplitsAndMergesRuns) {
  //  0x0     0x100   0x200   0x300
  //  |poisoned-------------------|      assign
  //          |zone 1-|                  assign inside: three runs
  //          |poisoned|                 back again: one run
  Memmap m;
  m.Assign(R(0, 0x300), PageState::Poisoned());
  EXPECT_EQ(m.NumRuns(), 1u);
  m.Assign(R(0x100, 0x200), PageState::Initialised(1, NodeId(0)));
  EXPECT_EQ(m.NumRuns(), 3u);
  EXPECT_EQ(m.Get(Pfn(0xff)).kind, MemmapKind::kPoisoned);
  EXPECT_EQ(m.Get(Pfn(0x100)), PageState::Initialised(1, NodeId(0)));
  EXPECT_EQ(m.Get(Pfn(0x200)).kind, MemmapKind::kPoisoned);
  EXPECT_EQ(m.Get(Pfn(0x300)).kind, MemmapKind::kAbsent);
  m.Assign(R(0x100, 0x200), PageState::Poisoned());
  EXPECT_EQ(m.NumRuns(), 1u);
  m.Assign(R(0x0, 0x300), PageState::Absent());
  EXPECT_EQ(m.NumRuns(), 0u);
}

TEST(MemmapTest, ForEachReportsAbsentGapsInOrder) {
  Memmap m;
  m.Assign(R(0x10, 0x20), PageState::Poisoned());
  std::vector<std::pair<PfnRange, MemmapKind>> seen;
  m.ForEach(R(0x8, 0x28), [&](PfnRange r, const PageState& s) {
    seen.emplace_back(r, s.kind);
  });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(R(0x8, 0x10), MemmapKind::kAbsent));
  EXPECT_EQ(seen[1], std::make_pair(R(0x10, 0x20), MemmapKind::kPoisoned));
  EXPECT_EQ(seen[2], std::make_pair(R(0x20, 0x28), MemmapKind::kAbsent));
  EXPECT_TRUE(m.All(R(0x12, 0x18), MemmapKind::kPoisoned));
  EXPECT_FALSE(m.All(R(0x12, 0x28), MemmapKind::kPoisoned));
}

// The naive reference: one state per pfn in a small universe.
RC_GTEST_PROP(MemmapProp, AgreesWithAPerPfnArray, ()) {
  constexpr uint64_t kUniverse = 64;
  std::vector<PageState> ref(kUniverse);
  Memmap m;
  const int ops = *rc::gen::inRange(1, 40);
  for (int i = 0; i < ops; ++i) {
    uint64_t a = *rc::gen::inRange<uint64_t>(0, kUniverse + 1);
    uint64_t b = *rc::gen::inRange<uint64_t>(0, kUniverse + 1);
    if (a > b) std::swap(a, b);
    int kind = *rc::gen::inRange(0, 3);
    PageState s = kind == 0   ? PageState::Absent()
                  : kind == 1 ? PageState::Poisoned()
                              : PageState::Initialised(*rc::gen::inRange(0, 3),
                                                       NodeId(0));
    m.Assign(R(a, b), s);
    for (uint64_t p = a; p < b; ++p) ref[p] = s;
    for (uint64_t p = 0; p < kUniverse; ++p) RC_ASSERT(m.Get(Pfn(p)) == ref[p]);
  }
  // Runs are maximal: the count equals the number of state changes among
  // non-absent pfns.
  size_t runs = 0;
  for (uint64_t p = 0; p < kUniverse; ++p) {
    if (ref[p].kind == MemmapKind::kAbsent) continue;
    if (p == 0 || !(ref[p - 1] == ref[p])) ++runs;
  }
  RC_ASSERT(m.NumRuns() == runs);
}

}  // namespace
}  // namespace memhp::sparse
