// The plain boot-log importer: prefixes of real logs, the boot it picks, the
// lines it claims, and its errors on malformed logs.

#include "traces/dmesg_import.h"

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "traces/replay.h"

namespace memhp::traces {
namespace {

using model::KernelVersion;

// The memory part of boot-011 (Arm FVP, 5.19) with the shapes of prefix the
// real logs use: the header, a wrapped continuation line (no timestamp),
// mail prose before the log.
constexpr char kFvp[] =
    "# PROVENANCE\n"
    "# kind: boot log\n"
    "FVP boot failed with linux next 20220712.\n"
    "[    0.000000] Linux version 5.19.0-rc6-next-20220711\n"
    "(tuxmake@tuxmake) (aarch64-linux-gnu-gcc (Debian 11.3.0-3) 11.3.0\n"
    "[    0.000000] NUMA: Faking a node at [mem\n"
    "0x0000000080000000-0x00000008ffffffff]\n"
    "[    0.000000] Zone ranges:\n"
    "[    0.000000]   DMA      [mem 0x0000000080000000-0x00000000ffffffff]\n"
    "[    0.000000]   DMA32    empty\n"
    "[    0.000000]   Normal   [mem 0x0000000100000000-0x00000008ffffffff]\n"
    "[    0.000000] Movable zone start for each node\n"
    "[    0.000000] Early memory node ranges\n"
    "[    0.000000]   node   0: [mem 0x0000000080000000-0x00000000feffffff]\n"
    "[    0.000000]   node   0: [mem 0x0000000880000000-0x00000008ffffffff]\n"
    "[    0.000000] Initmem setup node 0 [mem "
    "0x0000000080000000-0x00000008ffffffff]\n"
    "[    0.000000] On node 0, zone Normal: 4096 pages in unavailable ranges\n"
    "[    0.000000] cma: Reserved 32 MiB at 0x00000000fd000000\n"
    "[    0.000000] Kernel command line: console=ttyAMA0\n";

TEST(ImportDmesgTest, Boot011BecomesAMemblockTraceThatReplaysClean) {
  absl::StatusOr<Trace> t =
      ImportDmesg(kFvp, "fvp.txt", {.geometry = "arm64-4k"});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PrintTrace(*t),
            "memhp-trace v1\n"
            "geometry arm64-4k\n"
            "profile v6.1\n"
            "kernel 5.19.0-rc6-next-20220711\n"
            "cmdline \"console=ttyAMA0\"\n"
            "zones DMA,DMA32,Normal\n"
            "memblock 0x0000000080000000-0x00000000feffffff node=0\n"
            "memblock 0x0000000880000000-0x00000008ffffffff node=0\n"
            "\n"
            "boot\n"
            "expect dmesg \"Zone ranges:\"\n"
            "expect dmesg \"  DMA      [mem "
            "0x0000000080000000-0x00000000ffffffff]\"\n"
            "expect dmesg \"  DMA32    empty\"\n"
            "expect dmesg \"  Normal   [mem "
            "0x0000000100000000-0x00000008ffffffff]\"\n"
            "expect dmesg \"Movable zone start for each node\"\n"
            "expect dmesg \"Early memory node ranges\"\n"
            "expect dmesg \"  node   0: [mem "
            "0x0000000080000000-0x00000000feffffff]\"\n"
            "expect dmesg \"  node   0: [mem "
            "0x0000000880000000-0x00000008ffffffff]\"\n"
            "expect dmesg \"Initmem setup node 0 [mem "
            "0x0000000080000000-0x00000008ffffffff]\"\n"
            "expect dmesg \"On node 0, zone Normal: 4096 pages in unavailable "
            "ranges\"\n");
  // The trace is a valid trace and the model prints every line of it.
  absl::StatusOr<Trace> again = ParseTrace(PrintTrace(*t), "t");
  ASSERT_TRUE(again.ok()) << again.status();
  absl::StatusOr<ReplayReport> r = ReplayTrace(*again, "t", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->expectations, 10);
  EXPECT_TRUE(r->AllMatched()) << r->mismatched;
}

// LAVA's date before the timestamp, a caller id after it, a syslog level:
// the message starts after them, its own indentation kept (the block lines
// are claimed by their two leading spaces).
TEST(ImportDmesgTest, PrefixesBeforeAndAfterTheTimestampAreSkipped) {
  constexpr char kLog[] =
      "2023-01-13T04:30:53 [    0.008116] Zone ranges:\n"
      "<6>[    0.008117][    T0]   Normal   [mem "
      "0x0000000000000000-0x000000047fffffff]\n"
      "[    0.008118] [      T0] Movable zone start for each node\n"
      "[    0.1] Early memory node ranges\n"
      "[    0.1]   node   0: [mem 0x0000000000000000-0x000000047fffffff]\n";
  absl::StatusOr<Trace> t =
      ImportDmesg(kLog, "lava.txt", {.geometry = "ppc64"});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->config.memblock.size(), 1u);
  ASSERT_EQ(t->steps.size(), 6u);
  EXPECT_EQ(std::get<ExpectDmesg>(t->steps[2].kind).text,
            "  Normal   [mem 0x0000000000000000-0x000000047fffffff]");
  EXPECT_EQ(std::get<ExpectDmesg>(t->steps[3].kind).text,
            "Movable zone start for each node");
}

// A log with two boots (boot-007, boot-008): only the first is imported;
// the second's lines would otherwise be expected after the first's.
TEST(ImportDmesgTest, OnlyTheFirstBootIsImported) {
  constexpr char kLog[] =
      "[ 0.0] Linux version 6.6.0 (x)\n"
      "[ 0.0] Zone ranges:\n"
      "[ 0.0]   Normal   [mem 0x0000000000000000-0x000000003fffffff]\n"
      "[ 0.0] Early memory node ranges\n"
      "[ 0.0]   node   0: [mem 0x0000000000000000-0x000000003fffffff]\n"
      "[ 0.0] Linux version 6.6.0 (x)\n"
      "[ 0.0] Zone ranges:\n"
      "[ 0.0]   Normal   [mem 0x0000000000000000-0x000000007fffffff]\n"
      "[ 0.0] Early memory node ranges\n"
      "[ 0.0]   node   0: [mem 0x0000000000000000-0x000000007fffffff]\n";
  absl::StatusOr<Trace> t = ImportDmesg(kLog, "two.txt", {.geometry = "ppc64"});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->config.memblock.size(), 1u);
  EXPECT_EQ(t->config.memblock[0].last, model::PhysAddr(0x3fffffff));
}

// Memoryless nodes are configuration; x86 logs give e820 and numa lines.
TEST(ImportDmesgTest, MemorylessNodesAndX86Firmware) {
  constexpr char kPpc[] =
      "Zone ranges:\n"
      "  Normal   [mem 0x0000000000000000-0x0000000effffffff]\n"
      "  Device   empty\n"
      "Early memory node ranges\n"
      "  node   3: [mem 0x0000000000000000-0x0000000effffffff]\n"
      "Initmem setup node 0 as memoryless\n"
      "Initmem setup node 3 [mem 0x0000000000000000-0x0000000effffffff]\n";
  absl::StatusOr<Trace> t = ImportDmesg(kPpc, "p.txt", {.geometry = "ppc64"});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->config.memoryless_nodes.size(), 1u);
  EXPECT_EQ(t->config.memoryless_nodes[0].node, model::NodeId(0));
  EXPECT_FALSE(t->config.zones.has_value());  // Normal,Device: the default
  constexpr char kX86[] =
      "[0.0] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "[0.0] BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n"
      "[0.0] ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x7fffffff]\n"
      "[0.0] Zone ranges:\n";
  absl::StatusOr<Trace> x = ImportDmesg(kX86, "x.txt", {.geometry = "x86_64"});
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(x->config.e820.size(), 2u);
  EXPECT_EQ(x->config.numa.size(), 1u);
  EXPECT_TRUE(x->config.memblock.empty());
}

// Columns are the log file's: "[ 0.0] " is 7 bytes, so a message's first
// byte is column 8.
TEST(ImportDmesgTest, MalformedLogsGiveFileLineColumn) {
  auto err = [](std::string_view text, const char* geometry = "arm64-4k") {
    absl::StatusOr<Trace> t = ImportDmesg(text, "log", {.geometry = geometry});
    return t.ok() ? std::string("OK") : std::string(t.status().message());
  };
  EXPECT_EQ(err("# PROVENANCE\nno memory map here\n"),
            "log:3:1: expected a 'Zone ranges:' line (the boot's memory map) "
            "in the log");
  EXPECT_EQ(err("[ 0.0] Zone ranges:\n"
                "[ 0.0] Early memory node ranges\n"
                "[ 0.0]   node   0: [mem 0x80000000-0xzz]\n"),
            "log:3:36: expected an end address (hex like 0x8000000), got "
            "'0xzz'");
  EXPECT_EQ(err("[ 0.0] Zone ranges:\n"
                "[ 0.0] Early memory node ranges\n"
                "[ 0.0]   node   0: [mem 0x90000000-0x9fffffff]\n"
                "[ 0.0]   node   0: [mem 0x80000000-0x8fffffff]\n"),
            "log:4:25: expected a range above the previous node range "
            "(memblock is ascending and disjoint)");
  EXPECT_EQ(err("[ 0.0] Zone ranges:\n[ 0.0] Early memory node ranges\n"
                "[ 0.0]   node 5000: [mem 0x0-0x1]\n"),
            "log:3:15: expected a node id in 0..1023, got '5000'");
  EXPECT_EQ(err("[ 0.0] Zone ranges:\n"),
            "log:1:1: expected 'Early memory node ranges' with '  node N: "
            "[mem START-END]' lines in the boot");
  EXPECT_EQ(err("[ 0.0] Zone ranges:\n", "x86_64"),
            "log:1:1: expected BIOS-e820 lines in the boot (the x86 firmware "
            "memory map)");
  EXPECT_EQ(
      err("[ 0.0] BIOS-e820: [mem 0x0-0xfff] bogus\n[ 0.0] Zone ranges:\n",
          "x86_64"),
      "log:1:35: expected an e820 type as e820_print_type() prints it, "
      "got 'bogus'");
}

// Whatever the text, the importer returns a trace that parses back or an
// InvalidArgument naming the file: it never crashes.
RC_GTEST_PROP(ImportDmesgProp, AnyTextImportsOrFailsWithAPosition, ()) {
  const std::vector<std::string> pieces = {"[    0.000000] ",
                                           "Zone ranges:",
                                           "  Normal   [mem ",
                                           "Early memory node ranges",
                                           "  node   0: [mem ",
                                           "0x0000000080000000",
                                           "-",
                                           "0x00000000ffffffff",
                                           "]",
                                           "\n",
                                           "Linux version 6.1.0 ",
                                           "Initmem setup node 7 as memoryless",
                                           "Kernel command line: a=b",
                                           "# PROVENANCE",
                                           "x",
                                           " ",
                                           "\r",
                                           "\"",
                                           "[",
                                           "  DMA32    empty",
                                           "BIOS-e820: [mem "};
  const auto parts =
      *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pieces));
  std::string text;
  for (const std::string& p : parts) text += p;
  for (const char* g : {"arm64-4k", "x86_64"}) {
    absl::StatusOr<Trace> t = ImportDmesg(text, "f", {.geometry = g});
    if (t.ok()) {
      absl::StatusOr<Trace> back = ParseTrace(PrintTrace(*t), "t");
      RC_ASSERT(back.ok());
    } else {
      RC_ASSERT(t.status().code() == absl::StatusCode::kInvalidArgument);
      RC_ASSERT(t.status().message().substr(0, 2) == "f:");
    }
  }
}

}  // namespace
}  // namespace memhp::traces
