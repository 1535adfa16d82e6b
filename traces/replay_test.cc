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

// p2: a DIMM cold-plugged through ACPI, onlined movable block by block,
// half of it offlined again (the Movable zone shrinks from the bottom), and
// a boot block offlined and onlined: every expectation matches.
TEST(ReplayTest, P2DimmOnlineOfflineMatchesEveryExpectation) {
  ReplayReport r = Replay(
      ReadTestFile(CorpusTracePath("p2-dimm-online-offline")), "p2.trace");
  EXPECT_EQ(r.expectations, 199);
  EXPECT_EQ(r.matched, r.expectations) << RenderReportText({r});
  EXPECT_TRUE(r.AllMatched());
  EXPECT_TRUE(r.unsupported_steps.empty());
}

// A DIMM without a hot-pluggable SRAT range has nowhere to go in QEMU: the
// boot is unsupported and nothing after it counts.
TEST(ReplayTest, StepsTheModelCannotDoAreNeverMatched) {
  ReplayReport r = Replay(R"(memhp-trace v1
geometry x86_64
profile v6.1
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000000100000-0x000000007fffffff usable

dimm add d1 1G

boot
expect block_size 0x8000000
expect zone node=0 zone=Normal spanned=0

write /sys/bus/dax/drivers/kmem/unbind dax0.0
expect rc 0
)",
                          "nodimm.trace");
  EXPECT_EQ(r.matched, 0);
  EXPECT_EQ(r.expectations, 3);
  EXPECT_EQ(r.unsupported, r.expectations);
  EXPECT_FALSE(r.AllMatched());
  ASSERT_EQ(r.unsupported_steps.size(), 1u);
  EXPECT_EQ(r.unsupported_steps[0].step, "boot");
  EXPECT_NE(r.unsupported_steps[0].reason.find("no hot-pluggable numa range"),
            std::string::npos);
}

// Writes to files the model does not have are unsupported; writes of the
// core and of the dax bus report the kernel's errno.
TEST(ReplayTest, WritesReportRcAndErrno) {
  ReplayReport r = Replay(R"(memhp-trace v1
geometry x86_64
profile v6.1
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000000100000-0x000000007fffffff usable

boot

write /sys/devices/system/memory/memory0/state offline
expect errno EINVAL
write /sys/devices/system/memory/memory1/state offline
expect rc 0
write /sys/devices/system/memory/memory1/state offline
expect rc 1
write /sys/devices/system/memory/memory1/phys_index 5
expect errno EACCES
write /sys/devices/system/memory/memory77/state online
expect errno ENOENT
write /sys/devices/system/memory/memory1/state online
expect errno EBUSY
write /sys/bus/dax/drivers/kmem/unbind dax0.0
expect errno ENODEV
write /sys/kernel/mm/transparent_hugepage/enabled never
expect rc 0
)",
                          "writes.trace");
  EXPECT_EQ(r.expectations, 8);
  EXPECT_EQ(r.matched, 6) << RenderReportText({r});
  EXPECT_EQ(r.mismatched, 1);
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].got, "expect rc 0");
  EXPECT_EQ(r.unsupported, 1);
  ASSERT_EQ(r.unsupported_steps.size(), 1u);
  EXPECT_EQ(r.unsupported_steps[0].step.rfind("write /sys/kernel/mm", 0), 0u);
}

// An invariant check after every step (the CLI passes the registry): a
// failure is a mismatch at the step.
TEST(ReplayTest, AfterStepChecksAreMismatches) {
  absl::StatusOr<Trace> t = ParseTrace(R"(memhp-trace v1
geometry x86_64
profile v6.1
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000000100000-0x000000007fffffff usable

boot

write /sys/devices/system/memory/memory1/state offline
)",
                                       "check.trace");
  ASSERT_TRUE(t.ok()) << t.status();
  int calls = 0;
  absl::StatusOr<ReplayReport> r =
      ReplayTrace(*t, "check.trace", {.after_step = [&](hotplug::Machine& m) {
        ++calls;
        return m.blocks().Find(model::BlockId(1))->state ==
                       hotplug::MemoryBlockState::kOffline
                   ? absl::InternalError("memory1 went offline")
                   : absl::OkStatus();
      }});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 2);  // after boot, after the write
  ASSERT_EQ(r->mismatches.size(), 1u);
  EXPECT_EQ(r->mismatches[0].line, 9);
  EXPECT_EQ(r->mismatches[0].got, "memory1 went offline");
  EXPECT_FALSE(r->AllMatched());
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

write /sys/kernel/mm/transparent_hugepage/enabled never
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

// p3: soft-reserved memory given to dax_hmem at boot (hmem.0, dax0.0 under
// device_dax with its ZONE_DEVICE span), then dax0.0 moved to kmem: every
// expectation of the real kernel matches.
TEST(ReplayTest, P3ReplaysCompletely) {
  ReplayReport r = Replay(ReadTestFile(CorpusTracePath("p3-hmem-kmem")),
                          "p3-hmem-kmem.trace");
  EXPECT_TRUE(r.mismatches.empty()) << RenderReportText({r});
  EXPECT_TRUE(r.unsupported_steps.empty()) << RenderReportText({r});
  EXPECT_EQ(r.matched, r.expectations);
  EXPECT_EQ(r.expectations, 227);
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
