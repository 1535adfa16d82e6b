// Capture log -> trace: the committed corpus traces are exactly what the
// importer makes of the committed logs (so they cannot drift), they are in
// canonical form, and the importer's decisions on small logs.

#include "traces/import.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "traces/capture_log.h"
#include "traces/test_util.h"
#include "traces/text.h"
#include "traces/trace.h"

namespace memhp::traces {
namespace {

using model::ByteSize;
using model::Errno;

absl::StatusOr<Trace> Import(std::string_view text) {
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(text, "c.log");
  if (!log.ok()) return log.status();
  return ImportCaptureLog(*log);
}

TEST(CorpusTest, CommittedTracesEqualTheImportOfTheCommittedLogs) {
  for (const std::string& name : CorpusNames()) {
    absl::StatusOr<Trace> t = Import(ReadTestFile(CorpusLogPath(name)));
    ASSERT_TRUE(t.ok()) << name << ": " << t.status();
    const std::string want = PrintTrace(*t);
    const std::string have = ReadTestFile(CorpusTracePath(name));
    if (want == have) continue;
    const std::vector<TextLine> w = SplitLines(want);
    const std::vector<TextLine> h = SplitLines(have);
    size_t i = 0;
    while (i < w.size() && i < h.size() && w[i].text == h[i].text) ++i;
    ADD_FAILURE() << CorpusTracePath(name) << " differs from the import of "
                  << CorpusLogPath(name) << " at line " << i + 1
                  << "\n  committed: "
                  << (i < h.size() ? h[i].text : "<end of file>")
                  << "\n  imported:  "
                  << (i < w.size() ? w[i].text : "<end of file>")
                  << "\nregenerate: bazel run //traces:import_tool -- "
                  << CorpusLogPath(name) << " " << CorpusTracePath(name);
  }
}

TEST(CorpusTest, CommittedTracesAreCanonical) {
  for (const std::string& name : CorpusNames()) {
    const std::string text = ReadTestFile(CorpusTracePath(name));
    absl::StatusOr<Trace> t = ParseTrace(text, CorpusTracePath(name));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(PrintTrace(*t), text) << name;
  }
}

int Count(const Trace& t, auto pred) {
  int n = 0;
  for (const Step& s : t.steps) n += pred(s.kind) ? 1 : 0;
  return n;
}

template <typename T>
bool Is(const StepKind& k) {
  return std::holds_alternative<T>(k);
}

TEST(ImportTest, P1HasTheFirmwareMapAndOneBootSnapshot) {
  absl::StatusOr<Trace> t = Import(ReadTestFile(CorpusLogPath("p1-boot-4g")));
  ASSERT_TRUE(t.ok()) << t.status();
  // max_arch_pfn = 0x10000000000: the TCG guest runs with 5-level paging.
  EXPECT_EQ(t->config.geometry.text, "x86_64-la57");
  EXPECT_EQ(t->config.profile, model::KernelVersion::kV6_1);
  EXPECT_EQ(t->config.qemu->text, "-m 4G");
  ASSERT_EQ(t->config.e820.size(), 8u);
  EXPECT_EQ(t->config.e820[3].last, model::PhysAddr(0xbffdffff));
  EXPECT_TRUE(t->config.numa.empty());  // "Faking a node": no SRAT
  EXPECT_TRUE(Is<Boot>(t->steps[0].kind));
  EXPECT_EQ(Count(*t, Is<ExpectZone>), 5);
  EXPECT_EQ(Count(*t, Is<ExpectBlock>), 32);
  // Of 28 iomem lines: not the kernel image, PCI, ROMs, APICs, HPET.
  EXPECT_EQ(Count(*t, Is<ExpectIomem>), 9);
  EXPECT_EQ(Count(*t, Is<ExpectDmesg>), 26);
  EXPECT_EQ(Count(*t, Is<Snapshot>), 0);
}

TEST(ImportTest, P2ColdPlugsTheDimmOfTheQemuArguments) {
  absl::StatusOr<Trace> t =
      Import(ReadTestFile(CorpusLogPath("p2-dimm-online-offline")));
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(Is<DimmAdd>(t->steps[0].kind));
  const auto& d = std::get<DimmAdd>(t->steps[0].kind);
  EXPECT_EQ(d.id, "d1");
  EXPECT_EQ(d.size, ByteSize(1ull << 30));
  EXPECT_FALSE(d.node.has_value());
  EXPECT_TRUE(Is<Boot>(t->steps[1].kind));
  ASSERT_EQ(t->config.numa.size(), 3u);
  EXPECT_TRUE(t->config.numa[2].hotplug);
  EXPECT_EQ(Count(*t, Is<Write>), 14);
  EXPECT_EQ(Count(*t, Is<ExpectRc>), 14);
  EXPECT_EQ(Count(*t, Is<Snapshot>), 3);
}

TEST(ImportTest, P3FailedStepsWithoutErrorTextExpectRc1) {
  absl::StatusOr<Trace> t = Import(ReadTestFile(CorpusLogPath("p3-hmem-kmem")));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Count(*t,
                  [](const StepKind& k) {
                    return Is<ExpectRc>(k) && std::get<ExpectRc>(k).rc == 1;
                  }),
            4);
  EXPECT_EQ(Count(*t, Is<ExpectDax>), 3);
  EXPECT_EQ(Count(*t,
                  [](const StepKind& k) {
                    return Is<ExpectIomem>(k) &&
                           std::get<ExpectIomem>(k).iomem.name ==
                               "System RAM (kmem)";
                  }),
            2);
}

// A small log whose one step is `step`.
std::string LogWithStep(std::string_view step, std::string_view qemu = "-m 4G",
                        std::string_view kernel = "6.1.0-56-amd64",
                        std::string_view dmesg =
                            "[    0.000000] BIOS-e820: [mem "
                            "0x0000000000000000-0x000000000009fbff] usable\n") {
  return model::Cat(
      "=== memhp-capture v1\n"
      "=== cmdline x\n"
      "=== kernel ",
      kernel,
      "\n"
      "=== snapshot boot\n"
      "--- /proc/zoneinfo\n"
      "--- /proc/iomem\n"
      "--- /sys/devices/system/memory\n"
      "block_size_bytes 8000000 auto_online_blocks online_movable\n"
      "--- /sys/bus/dax\n"
      "dax1.0 driver= size=0 target_node=-1 align=4096 resource=0x0\n"
      "--- dmesg\n",
      dmesg, "=== end snapshot boot\n", step, "=== end capture\n=== qemu ",
      qemu, "\n");
}

std::string ErrorOf(std::string_view log) {
  absl::StatusOr<Trace> t = Import(log);
  return t.ok() ? "OK" : std::string(t.status().message());
}

TEST(ImportTest, MapsTheErrorTextToItsErrno) {
  absl::StatusOr<Trace> t = Import(LogWithStep(
      "=== step 1 write /sys/x y -> rc=1 sh: write error: Device or resource "
      "busy\n"));
  ASSERT_TRUE(t.ok()) << t.status();
  const auto& e = std::get<ExpectErrno>(t->steps.back().kind);
  EXPECT_EQ(e.errno_value, Errno::kEBUSY);
  EXPECT_EQ(e.text, "sh: write error: Device or resource busy");
  const auto& dax = std::get<ExpectDax>(t->steps[3].kind);
  EXPECT_EQ(dax.driver, "");
  EXPECT_EQ(dax.target_node, model::NodeId(-1));
}

TEST(ImportTest, ReadsDimmOptionsAndNodes) {
  absl::StatusOr<Trace> t = Import(LogWithStep(
      "",
      "-m 2G,slots=4,maxmem=8G -object memory-backend-ram,id=a,size=512M "
      "-object memory-backend-file,id=b,size=1G,mem-path=/x "
      "-device pc-dimm,id=dimm0,memdev=b,node=1,addr=0x140000000 "
      "-device pc-dimm,memdev=a,id=dimm1"));
  ASSERT_TRUE(t.ok()) << t.status();
  const auto& d0 = std::get<DimmAdd>(t->steps[0].kind);
  EXPECT_EQ(PrintStep(t->steps[0]),
            "dimm add dimm0 1G node=1 addr=0x140000000");
  EXPECT_EQ(d0.node, model::NodeId(1));
  EXPECT_EQ(PrintStep(t->steps[1]), "dimm add dimm1 512M");
}

TEST(ImportTest, RefusesWhatATraceCannotSay) {
  EXPECT_EQ(ErrorOf(LogWithStep("", "-m 1G", "6.1.0-56-arm64")),
            "c.log:3:12: expected an amd64 kernel release (the oracle's only "
            "architecture), got '6.1.0-56-arm64'");
  EXPECT_EQ(ErrorOf(LogWithStep("", "-m 1G", "4.19.0-27-amd64")),
            "c.log:3:12: expected a kernel release with a profile (v5.1, v5.3, "
            "v6.1, v7.1), got '4.19.0-27-amd64'");
  EXPECT_EQ(ErrorOf(LogWithStep("", "-m 1G", "6.1.0-56-amd64", "")),
            "c.log:11:1: expected BIOS-e820 lines in the boot snapshot's dmesg "
            "(the firmware memory map)");
  EXPECT_EQ(ErrorOf(LogWithStep("", "-m 1G", "6.1.0-56-amd64",
                                "[    0.000000] BIOS-e820: [mem "
                                "0x0-0xfff] weird\n")),
            "c.log:12:43: expected an e820 type as e820_print_type() prints "
            "it, got 'weird'");
  EXPECT_EQ(ErrorOf(LogWithStep("=== step 1 write /sys/x y -> rc=0 huh\n")),
            "c.log:14:35: expected no error text after rc=0, got 'huh'");
  EXPECT_EQ(ErrorOf(LogWithStep("=== step 1 write /sys/x y -> rc=1 Killed\n")),
            "c.log:14:35: expected an error text ending in a strerror() "
            "message such as 'Device or resource busy', got 'Killed'");
  EXPECT_EQ(ErrorOf(LogWithStep("", "-m 2G -device pc-dimm,id=d1,memdev=m9")),
            "c.log:15:24: expected memdev= naming a -object memory-backend-* "
            "with a size=");
  EXPECT_EQ(ErrorOf(LogWithStep("",
                                "-m 2G -object memory-backend-ram,id=m1,"
                                "size=1G -device pc-dimm,memdev=m1")),
            "c.log:15:65: expected id= on the pc-dimm");
}

}  // namespace
}  // namespace memhp::traces
