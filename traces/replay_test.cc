// Replaying traces: the imported p1 boot matches the model in every
// expectation; wrong expectations are reported with what the model shows;
// steps the model cannot perform yet are never counted as matched.

#include "traces/replay.h"

#include "gtest/gtest.h"
#include "model/strings.h"
#include "traces/test_util.h"
#include "traces/trace.h"

namespace memhp::traces {
namespace {

ReplayReport Replay(const std::string& text, const std::string& file) {
  absl::StatusOr<Trace> t = ParseTrace(text, file);
  EXPECT_TRUE(t.ok()) << t.status();
  absl::StatusOr<ReplayReport> r = ReplayTrace(*t, file);
  EXPECT_TRUE(r.ok()) << r.status();
  return *r;
}

TEST(ReplayTest, P1BootMatchesEveryExpectation) {
  ReplayReport r =
      Replay(ReadTestFile(CorpusTracePath("p1-boot-4g")), "p1-boot-4g.trace");
  EXPECT_EQ(r.expectations, 74);
  EXPECT_EQ(r.matched, r.expectations) << RenderReportText({r});
  EXPECT_TRUE(r.AllMatched());
  EXPECT_EQ(RenderReportText({r}),
            model::Cat(r.expectations, " expectations, ", r.expectations,
                       " matched, 0 mismatched\n"));
}

TEST(ReplayTest, StepsTheModelCannotDoAreNeverMatched) {
  // p2 cold-plugs a DIMM: the boot is not modelled yet, so nothing counts.
  ReplayReport r = Replay(
      ReadTestFile(CorpusTracePath("p2-dimm-online-offline")), "p2.trace");
  EXPECT_EQ(r.matched, 0);
  EXPECT_EQ(r.unsupported, r.expectations);
  EXPECT_FALSE(r.AllMatched());
  ASSERT_FALSE(r.unsupported_steps.empty());
  EXPECT_EQ(r.unsupported_steps[0].step.rfind("dimm add", 0), 0u);
}

constexpr char kWrong[] = R"(memhp-trace v1
geometry x86_64
profile v6.1
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000000100000-0x000000007fffffff usable

boot
expect zone node=0 zone=DMA32 spanned=1 present=520192 start_pfn=4096
expect block memory0 valid_zones=DMA32
expect block memory99 state=online
expect iomem "00100000-7fffffff : System RAM"
expect iomem "00100000-7ffffffe : System RAM"
expect dmesg "x86/mm: Memory block size: 128MB"
expect dmesg "Zone ranges:"
expect block_size 0x10000000

write /sys/devices/system/memory/memory1/state offline
expect rc 0
)";

TEST(ReplayTest, MismatchesShowExpectedGotAndWhere) {
  ReplayReport r = Replay(kWrong, "wrong.trace");
  EXPECT_EQ(r.expectations, 9);
  EXPECT_EQ(r.matched, 2);  // the real System RAM line, the block size line
  EXPECT_EQ(r.mismatched, 6);
  EXPECT_EQ(r.unsupported, 1);  // the rc after the unsupported write
  ASSERT_EQ(r.mismatches.size(), 6u);
  EXPECT_EQ(r.mismatches[0].line, 8);
  EXPECT_EQ(r.mismatches[0].got,
            "expect zone node=0 zone=DMA32 spanned=520192 present=520192 "
            "start_pfn=4096");
  EXPECT_EQ(r.mismatches[1].got, "expect block memory0 valid_zones=none");
  EXPECT_EQ(r.mismatches[2].got, "no memory99");
  // "Zone ranges:" was printed before the block size line.
  EXPECT_EQ(r.mismatches[4].got,
            "(printed, but before the previous dmesg line)");
  EXPECT_EQ(r.mismatches[5].got, "expect block_size 0x8000000");
  const std::string text = RenderReportText({r});
  EXPECT_NE(text.find("wrong.trace:8: mismatch\n  expected: expect zone"),
            std::string::npos);
  EXPECT_NE(text.find("wrong.trace:17: unsupported: write"), std::string::npos);
  EXPECT_EQ(text.substr(text.rfind('\n', text.size() - 2) + 1),
            "9 expectations, 2 matched, 6 mismatched\n");
  const std::string json = RenderReportJson({r});
  EXPECT_NE(json.find("\"mismatched\":6"), std::string::npos);
}

}  // namespace
}  // namespace memhp::traces

namespace memhp::traces {
namespace {

// p3's boot snapshot: everything the model covers matches; the ZONE_DEVICE
// span and the hmem/dax iomem lines come from dax_hmem at boot (issue 5).
TEST(ReplayTest, P3BootMismatchesOnlyWhereDaxHmemIsNotModelledYet) {
  ReplayReport r = Replay(ReadTestFile(CorpusTracePath("p3-hmem-kmem")),
                          "p3-hmem-kmem.trace");
  std::vector<std::string> expected;
  for (const ReplayMismatch& m : r.mismatches) expected.push_back(m.expected);
  EXPECT_EQ(expected,
            (std::vector<std::string>{
                "expect zone node=0 zone=Device spanned=131072 present=0",
                "expect iomem \"120000000-13fffffff : hmem.0\"",
                "expect iomem \"  120000000-13fffffff : Soft Reserved\"",
                "expect iomem \"    120000000-13fffffff : dax0.0\"",
            }));
  EXPECT_EQ(r.matched, 90);
}

// Absurd firmware maps never crash the replay: memory beyond every zone
// limit stops the boot (the kernel's VM_BUG_ON), a map without usable
// memory cannot boot, and both are reported, not matched.
TEST(ReplayTest, AbsurdMapsAreReportedNotCrashed) {
  for (const char* e820 :
       {"e820 0x00fff00000000000-0x00fff000ffffffff usable",
        "e820 0x0000000000000000-0xffffffffffffffff usable",
        "e820 0x0000000000000000-0x0000000000000fff usable",
        "e820 0x0000000000000000-0x00000000ffffffff reserved"}) {
    SCOPED_TRACE(e820);
    ReplayReport r =
        Replay(model::Cat("memhp-trace v1\ngeometry x86_64\n"
                          "profile v6.1\n",
                          e820, "\n\nboot\nexpect block_size 0x8000000\n"),
               "absurd.trace");
    EXPECT_EQ(r.expectations, 1);
    EXPECT_EQ(r.matched, 0);
    EXPECT_EQ(r.unsupported, 1);
    ASSERT_EQ(r.unsupported_steps.size(), 1u);
    EXPECT_EQ(r.unsupported_steps[0].step, "boot");
  }
}

}  // namespace
}  // namespace memhp::traces
