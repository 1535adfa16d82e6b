// Trace format v1: parsing every line kind into the tree, printing the
// canonical text back, and a file:line:col error that says what was expected
// for every kind of bad input.

#include "traces/trace.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/status.h"
#include "model/strings.h"
#include "traces/test_util.h"

namespace memhp::traces {
namespace {

using model::BlockId;
using model::ByteSize;
using model::Errno;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;

// Every line kind, in canonical form.
constexpr char kCanonical[] =
    R"(memhp-trace v1
geometry x86_64
profile v6.1
toggle sparse-early-partial-remove-frees-memmap
kernel 6.1.0-56-amd64
cmdline "console=ttyS0 memmap=512M%0x120000000+0xefffffff "
qemu "-m 2G,slots=2,maxmem=8G"
e820 0x0000000000000000-0x000000000009fbff usable
e820 0x0000000120000000-0x000000013fffffff soft reserved
e820 0x0000000140000000-0x000000017fffffff persistent (type 12)
e820 0x0000000180000000-0x0000000180000fff type 9
numa 0x0000000000000000-0x000000000009ffff node=0
numa 0x0000000100000000-0x00000002ffffffff node=1 hotplug non-volatile

dimm add d1 1G node=1 addr=0x100000000

boot
expect zone node=0 zone=DMA spanned=4095 present=3998 start_pfn=1
expect zone node=0 zone=Movable spanned=0 present=0
expect iomem "  120000000-13fffffff : Soft Reserved"
expect block_size 0x8000000
expect auto_online offline
expect block memory0 state=online phys_index=00000000 valid_zones=none removable=1 node=0
expect block memory36 state=offline valid_zones=Normal,Movable
expect dax dax0.0 driver=device_dax size=536870912 target_node=-1 align=2097152 resource=0x120000000
expect dax dax1.0 driver=
expect dmesg "On node 0, zone DMA: 97 pages in unavailable ranges"
expect dmesg "quote \" and backslash \\ and	tab"

write /sys/devices/system/memory/memory32/state online_movable
expect rc 0
write /sys/bus/dax/drivers/kmem/new_id dax0.0
expect errno EBUSY "sh: write error: Device or resource busy"
write /sys/x ""
expect rc 1
write /sys/x "two words"
expect errno EINVAL
dimm remove d1

snapshot "after removal"
expect block memory32 state=going-offline

thread a: write /sys/devices/system/memory/memory32/state offline
thread a: expect errno EBUSY
thread b: dimm remove d1
schedule a1b2a3
thread a: dimm add d2 4097 node=0
)";

TEST(ParseTraceTest, ReadsEveryLineKind) {
  absl::StatusOr<Trace> t = ParseTrace(kCanonical, "t.trace");
  ASSERT_TRUE(t.ok()) << t.status();
  const Config& c = t->config;
  EXPECT_EQ(c.geometry.text, "x86_64");
  EXPECT_EQ(c.geometry.line, 2);
  EXPECT_EQ(c.profile, model::KernelVersion::kV6_1);
  ASSERT_EQ(c.toggles.size(), 1u);
  EXPECT_EQ(c.kernel->text, "6.1.0-56-amd64");
  EXPECT_EQ(c.cmdline->text,
            "console=ttyS0 memmap=512M%0x120000000+0xefffffff ");
  ASSERT_EQ(c.e820.size(), 4u);
  EXPECT_EQ(c.e820[1].start, PhysAddr(0x120000000));
  EXPECT_EQ(c.e820[1].last, PhysAddr(0x13fffffff));
  EXPECT_EQ(c.e820[1].type, E820Type::kSoftReserved);
  EXPECT_EQ(c.e820[3].type, static_cast<E820Type>(9));
  ASSERT_EQ(c.numa.size(), 2u);
  EXPECT_EQ(c.numa[1].node, NodeId(1));
  EXPECT_TRUE(c.numa[1].hotplug);
  EXPECT_TRUE(c.numa[1].non_volatile);

  const std::vector<Step>& s = t->steps;
  ASSERT_EQ(s.size(), 29u);
  const auto& dimm = std::get<DimmAdd>(s[0].kind);
  EXPECT_EQ(s[0].line, 15);
  EXPECT_EQ(dimm.id, "d1");
  EXPECT_EQ(dimm.size, ByteSize(1ull << 30));
  EXPECT_EQ(dimm.node, NodeId(1));
  EXPECT_EQ(dimm.addr, PhysAddr(0x100000000));
  EXPECT_TRUE(std::holds_alternative<Boot>(s[1].kind));
  const auto& zone = std::get<ExpectZone>(s[2].kind);
  EXPECT_EQ(zone.zone, "DMA");
  EXPECT_EQ(zone.spanned, NrPages(4095));
  EXPECT_EQ(zone.start_pfn, Pfn(1));
  EXPECT_FALSE(std::get<ExpectZone>(s[3].kind).start_pfn.has_value());
  const auto& iomem = std::get<ExpectIomem>(s[4].kind);
  EXPECT_EQ(iomem.iomem.depth, 1);
  EXPECT_EQ(iomem.iomem.name, "Soft Reserved");
  EXPECT_EQ(std::get<ExpectBlockSize>(s[5].kind).size, ByteSize(0x8000000));
  EXPECT_EQ(std::get<ExpectAutoOnline>(s[6].kind).policy, OnlineType::kOffline);
  const auto& b0 = std::get<ExpectBlock>(s[7].kind);
  EXPECT_EQ(b0.valid_zones, std::vector<std::string>{});
  EXPECT_EQ(b0.removable, true);
  const auto& b36 = std::get<ExpectBlock>(s[8].kind);
  EXPECT_EQ(b36.id, BlockId(36));
  EXPECT_EQ(b36.valid_zones, (std::vector<std::string>{"Normal", "Movable"}));
  EXPECT_FALSE(b36.phys_index.has_value());
  const auto& dax = std::get<ExpectDax>(s[9].kind);
  EXPECT_EQ(dax.target_node, NodeId(-1));
  EXPECT_EQ(dax.resource, PhysAddr(0x120000000));
  EXPECT_EQ(std::get<ExpectDax>(s[10].kind).driver, "");
  EXPECT_EQ(std::get<ExpectDmesg>(s[12].kind).text,
            "quote \" and backslash \\ and\ttab");
  EXPECT_EQ(std::get<ExpectErrno>(s[16].kind).errno_value, Errno::kEBUSY);
  EXPECT_EQ(std::get<Write>(s[17].kind).value, "");
  EXPECT_EQ(std::get<ExpectRc>(s[18].kind).rc, 1);
  EXPECT_FALSE(std::get<ExpectErrno>(s[20].kind).text.has_value());
  EXPECT_EQ(std::get<Snapshot>(s[22].kind).label, "after removal");
  EXPECT_EQ(s[24].thread, "a");
  EXPECT_EQ(s[25].thread, "a");
  EXPECT_EQ(s[26].thread, "b");
  EXPECT_EQ(std::get<Schedule>(s[27].kind).token, "a1b2a3");
  EXPECT_EQ(std::get<DimmAdd>(s[28].kind).size, ByteSize(4097));
  EXPECT_EQ(s.back().line, 47);
}

TEST(PrintTraceTest, GivesBackTheCanonicalText) {
  absl::StatusOr<Trace> t = ParseTrace(kCanonical, "t.trace");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PrintTrace(*t), kCanonical);
}

TEST(PrintTraceTest, CanonicalisesSpacingOrderCaseAndQuoting) {
  constexpr char kLoose[] =
      "memhp-trace v1\n"
      "# a comment\n"
      "\n"
      "e820   0x0-0x9FBFF  usable\n"
      "  profile 6.1\n"
      "cmdline console=ttyS0\n"
      "geometry \"x86_64\"\n"
      "e820 0x100000-0xBFFDFFFF    ACPI   NVS\n"
      "numa 0x0-0xfff hotplug node=0\n"
      "dimm add d1 1073741824\n"
      "boot\n"
      "   # indented comment\n"
      "expect zone present=1 zone=Normal node=0\n"
      "expect block memory7 node=0 phys_index=7 state=online\n"
      "expect block_size 8000000\n"
      "expect dmesg bare-word\n"
      "expect iomem \"00000000-00000fff : Reserved\"\n"
      "expect dax dax0.0 resource=0X120000000 driver=\"kmem\"\n"
      "write \"/sys/devices/system/memory/memory7/state\" offline\n"
      "expect errno 16\n"
      "write /sys/x state=a=b\n"
      "expect rc 0\n"
      "snapshot a\n";
  absl::StatusOr<Trace> t = ParseTrace(kLoose, "t.trace");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PrintTrace(*t),
            "memhp-trace v1\n"
            "geometry x86_64\n"
            "profile v6.1\n"
            "cmdline \"console=ttyS0\"\n"
            "e820 0x0000000000000000-0x000000000009fbff usable\n"
            "e820 0x0000000000100000-0x00000000bffdffff ACPI NVS\n"
            "numa 0x0000000000000000-0x0000000000000fff node=0 hotplug\n"
            "\n"
            "dimm add d1 1G\n"
            "\n"
            "boot\n"
            "expect zone node=0 zone=Normal present=1\n"
            "expect block memory7 state=online phys_index=00000007 node=0\n"
            "expect block_size 0x8000000\n"
            "expect dmesg \"bare-word\"\n"
            "expect iomem \"00000000-00000fff : Reserved\"\n"
            "expect dax dax0.0 driver=kmem resource=0x120000000\n"
            "\n"
            "write /sys/devices/system/memory/memory7/state offline\n"
            "expect errno EBUSY\n"
            "write /sys/x state=a=b\n"
            "expect rc 0\n"
            "\n"
            "snapshot a\n");
  EXPECT_EQ(std::get<Write>(t->steps[10].kind).value, "state=a=b");
}

TEST(QuoteTest, QuotesOnlyWhatABareWordCannotHold) {
  EXPECT_EQ(QuoteIfNeeded("online_movable"), "online_movable");
  EXPECT_EQ(QuoteIfNeeded("a=b"), "a=b");
  EXPECT_EQ(QuoteIfNeeded("a#b"), "a#b");
  EXPECT_EQ(QuoteIfNeeded("#a"), "\"#a\"");
  EXPECT_EQ(QuoteIfNeeded(""), "\"\"");
  EXPECT_EQ(QuoteIfNeeded("a b"), "\"a b\"");
  EXPECT_EQ(QuoteIfNeeded("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(QuoteIfNeeded("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

// --- errors ------------------------------------------------------------------

constexpr char kHead[] =
    "memhp-trace v1\n"
    "geometry x86_64\n"
    "profile v6.1\n";

// The error of parsing kHead + `body` (+ "boot" first unless `before_boot`).
std::string ErrorOf(std::string_view body, bool before_boot = false) {
  const std::string text = model::Cat(kHead, before_boot ? "" : "boot\n", body);
  absl::StatusOr<Trace> t = ParseTrace(text, "t");
  if (t.ok()) return "OK";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(t.status().message());
}

TEST(ParseTraceErrorTest, HeaderAndStructure) {
  EXPECT_EQ(std::string(ParseTrace("", "t").status().message()),
            "t:1:1: expected the header line 'memhp-trace v1'");
  EXPECT_EQ(std::string(ParseTrace("memhp-trace v2\n", "t").status().message()),
            "t:1:13: expected format version v1, got 'v2'");
  EXPECT_EQ(
      std::string(ParseTrace("# c\nmemhp-trace v1\n", "t").status().message()),
      "t:1:1: expected the header line 'memhp-trace v1'");
  EXPECT_EQ(ErrorOf("", true),
            "t:4:1: expected a 'boot' line before the end "
            "of the file");
  EXPECT_EQ(std::string(ParseTrace("memhp-trace v1\nprofile v6.1\nboot\n", "t")
                            .status()
                            .message()),
            "t:3:1: expected a 'geometry NAME' line before 'boot'");
  EXPECT_EQ(
      std::string(ParseTrace("memhp-trace v1\ngeometry x86_64\nboot\n", "t")
                      .status()
                      .message()),
      "t:3:1: expected a 'profile vX.Y' line before 'boot'");
  EXPECT_EQ(ErrorOf("boot\n"),
            "t:5:1: expected one 'boot' line, the first is at line 4");
  EXPECT_EQ(ErrorOf("geometry x86_64\n", true),
            "t:4:1: expected one 'geometry' line, the first is at line 2");
  EXPECT_EQ(ErrorOf("e820 0x0-0xfff usable\n"),
            "t:5:1: expected configuration ('e820') before 'boot' (line 4)");
}

TEST(ParseTraceErrorTest, OrderOfOperations) {
  EXPECT_EQ(ErrorOf("expect rc 0\n", true),
            "t:4:1: expected 'boot' before 'expect' (only 'dimm add' may come "
            "before it)");
  EXPECT_EQ(ErrorOf("write /sys/x 1\n", true),
            "t:4:1: expected 'boot' before 'write' (only 'dimm add' may come "
            "before it)");
  EXPECT_EQ(ErrorOf("thread a: dimm add d1 1G\n", true),
            "t:4:11: expected 'boot' before 'dimm' (only 'dimm add' may come "
            "before it)");
  EXPECT_EQ(ErrorOf("expect rc 0\n"),
            "t:5:1: expected 'expect rc' and 'expect errno' right after the "
            "'write' they are about");
  EXPECT_EQ(ErrorOf("write /sys/x 1\nexpect rc 0\nexpect rc 0\n"),
            "t:7:1: expected 'expect rc' and 'expect errno' right after the "
            "'write' they are about");
  EXPECT_EQ(ErrorOf("thread a: write /sys/x 1\nexpect rc 0\n"),
            "t:6:1: expected 'expect rc' and 'expect errno' right after the "
            "'write' they are about");
  EXPECT_EQ(ErrorOf("thread a: write /sys/x 1\nthread b: expect rc 0\n"),
            "t:6:11: expected 'thread b: expect ...' right after a 'thread b: "
            "write'");
  EXPECT_EQ(ErrorOf("thread a: snapshot x\n"),
            "t:5:11: expected write, dimm, expect rc or expect errno after "
            "'thread a:', got 'snapshot'");
  EXPECT_EQ(ErrorOf("thread a: expect zone node=0 zone=DMA present=1\n"),
            "t:5:11: expected write, dimm, expect rc or expect errno after "
            "'thread a:', got 'expect'");
  EXPECT_EQ(ErrorOf("thread a : write /sys/x 1\n"),
            "t:5:8: expected 'thread NAME:' (NAME of letters, digits, '_' and "
            "'-', the colon right after it)");
  EXPECT_EQ(ErrorOf("thread a:\n"),
            "t:5:10: expected an operation after 'thread NAME:'");
}

TEST(ParseTraceErrorTest, UnknownKeywordsAndMissingFields) {
  EXPECT_EQ(ErrorOf("reboot\n"),
            "t:5:1: expected a keyword (geometry, profile, toggle, kernel, "
            "cmdline, qemu, e820, numa, memblock, dma-limit, "
            "firmware-block-size, zones, memoryless-node, boot, write, "
            "dimm, snapshot, "
            "schedule, expect, thread), got unknown keyword 'reboot'");
  EXPECT_EQ(ErrorOf("expect zones node=0\n"),
            "t:5:8: expected what to expect (zone, iomem, block, block_size, "
            "auto_online, dax, dmesg, rc, errno), got 'zones'");
  EXPECT_EQ(ErrorOf("expect zone node=0 present=1\n"),
            "t:5:29: expected node=N and zone=NAME");
  EXPECT_EQ(ErrorOf("expect zone node=0 zone=DMA\n"),
            "t:5:28: expected at least one of spanned=, present=, start_pfn=");
  EXPECT_EQ(ErrorOf("expect zone node=0 zone=DMA managed=1\n"),
            "t:5:29: expected a field (node=, zone=, spanned=, present=, "
            "start_pfn=), got 'managed=1'");
  EXPECT_EQ(ErrorOf("expect zone node=0 zone=DMA present=1 present=2\n"),
            "t:5:39: expected each field once, got 'present=' twice");
  EXPECT_EQ(ErrorOf("expect zone node=0 zone=Highmem present=1\n"),
            "t:5:25: expected a zone name (DMA, DMA32, Normal, HighMem, "
            "Movable, Device), got 'Highmem'");
  EXPECT_EQ(ErrorOf("expect block memory7\n"),
            "t:5:21: expected at least one field: 'expect block memoryN "
            "[state=S] [phys_index=HEX] [valid_zones=Z,..|none] "
            "[removable=0|1] [node=N]'");
  EXPECT_EQ(ErrorOf("expect block memory7 state=gone\n"),
            "t:5:28: expected a block state (online, offline, going-offline), "
            "got 'gone'");
  EXPECT_EQ(ErrorOf("expect block memory7 valid_zones=Normal,,Movable\n"),
            "t:5:41: expected 'none' or zone names joined by ',' (DMA, DMA32, "
            "Normal, HighMem, Movable, Device), got ''");
  EXPECT_EQ(ErrorOf("expect block memory07 state=online\n"),
            "t:5:14: expected memoryN without leading zeros");
  EXPECT_EQ(ErrorOf("expect dax region0 size=1\n"),
            "t:5:12: expected a dax device name like dax0.0");
  EXPECT_EQ(ErrorOf("expect auto_online online-movable\n"),
            "t:5:20: expected a policy (offline, online, online_kernel, "
            "online_movable), got 'online-movable'");
  EXPECT_EQ(ErrorOf("expect errno EWHAT\n"),
            "t:5:14: expected an errno name like EBUSY, got 'EWHAT'");
  EXPECT_EQ(ErrorOf("write /sys/x 1\nexpect rc -16\n"),
            "t:6:11: expected rc 0 (succeeded) or 1 (failed, errno unknown), "
            "got '-16'");
  EXPECT_EQ(ErrorOf("write /sys/x\n"),
            "t:5:13: expected a value after the path (\"\" for an empty "
            "value)");
  EXPECT_EQ(ErrorOf("write sys/x 1\n"),
            "t:5:7: expected an absolute path, got 'sys/x'");
  EXPECT_EQ(ErrorOf("write /sys/x 1 2\n"),
            "t:5:16: expected the end of the line after 'write PATH VALUE'");
  EXPECT_EQ(ErrorOf("snapshot\n"), "t:5:9: expected 'snapshot LABEL'");
  EXPECT_EQ(ErrorOf("dimm plug d1 1G\n"),
            "t:5:6: expected 'dimm add' or 'dimm remove'");
  EXPECT_EQ(ErrorOf("dimm add 1d 1G\n"),
            "t:5:10: expected a DIMM id (a letter, then letters, digits, '-', "
            "'.', '_')");
  EXPECT_EQ(ErrorOf("dimm remove d1 1G\n"),
            "t:5:16: expected the end of the line after 'dimm remove ID'");
  EXPECT_EQ(ErrorOf("toggle no-such-bug\n", true).substr(0, 35),
            "t:4:8: expected a bug toggle (spars");
  EXPECT_EQ(
      std::string(
          ParseTrace("memhp-trace v1\ngeometry vax\n", "t").status().message()),
      "t:2:10: expected a geometry (x86_64, x86_64-la57, arm64-4k, "
      "arm64-16k, arm64-64k, ppc64, s390x, riscv64), got 'vax'");
  EXPECT_EQ(
      std::string(
          ParseTrace("memhp-trace v1\nprofile v6.2\n", "t").status().message()),
      "t:2:9: expected a profile (v5.1, v5.3, v6.1, v7.1), got 'v6.2'");
}

TEST(ParseTraceErrorTest, BadNumbers) {
  EXPECT_EQ(
      ErrorOf("expect zone node=0 zone=DMA spanned=18446744073709551616\n"),
      "t:5:37: expected spanned= that fits in 64 bits, got "
      "'18446744073709551616'");
  EXPECT_EQ(ErrorOf("expect zone node=0 zone=DMA spanned=0x10\n"),
            "t:5:37: expected spanned= (a decimal number), got '0x10'");
  EXPECT_EQ(ErrorOf("expect zone node=1024 zone=DMA spanned=1\n"),
            "t:5:18: expected a node id in 0..1023, got '1024'");
  EXPECT_EQ(ErrorOf("e820 0x0-0x10000000000000000 usable\n", true),
            "t:4:10: expected an end address that fits in 64 bits, got "
            "'0x10000000000000000'");
  EXPECT_EQ(ErrorOf("e820 0x1000-0xfff usable\n", true),
            "t:4:13: expected an end address at or above the start");
  EXPECT_EQ(ErrorOf("e820 0-0xfff usable\n", true),
            "t:4:6: expected a start address (hex like 0x8000000), got '0'");
  EXPECT_EQ(ErrorOf("e820 0x0-0xfff\n", true),
            "t:4:15: expected 'e820 0xSTART-0xEND TYPE'");
  EXPECT_EQ(ErrorOf("e820 0x0-0xfff persistent (type 7\n", true),
            "t:4:16: expected an e820 type (usable, reserved, soft reserved, "
            "ACPI data, ACPI NVS, unusable, persistent (type 7), persistent "
            "(type 12), type N), got 'persistent (type 7'");
  EXPECT_EQ(ErrorOf("expect block_size 0x0\n"),
            "t:5:19: expected a non-zero block size");
  EXPECT_EQ(ErrorOf("expect block memory1 phys_index=0xg\n"),
            "t:5:33: expected phys_index (hex like 0x8000000), got '0xg'");
  EXPECT_EQ(ErrorOf("dimm add d1 0\n"), "t:5:13: expected a non-zero size");
  EXPECT_EQ(ErrorOf("dimm add d1 16E\n"),
            "t:5:13: expected a size like 1G, 512M or 4096 (below 2^64), got "
            "'16E'");
  EXPECT_EQ(ErrorOf("expect dax dax0.0 resource=120000000\n"),
            "t:5:28: expected resource= (hex like 0x8000000), got "
            "'120000000'");
}

TEST(ParseTraceErrorTest, BadQuoting) {
  EXPECT_EQ(ErrorOf("expect dmesg \"unterminated\n"),
            "t:5:14: expected a closing '\"' for this string");
  EXPECT_EQ(ErrorOf("expect dmesg \"bad \\n escape\"\n"),
            "t:5:19: expected \\\" or \\\\ (the only escapes)");
  EXPECT_EQ(ErrorOf("expect dmesg \"a\"b\n"),
            "t:5:17: expected a space after the closing '\"'");
  EXPECT_EQ(ErrorOf("expect dmesg a\"b\"\n"),
            "t:5:15: expected a space before '\"' (only key= may be followed "
            "by a quoted string)");
  EXPECT_EQ(ErrorOf("write /sys/x a\\b\n"),
            "t:5:15: expected '\\' only inside a quoted string");
  EXPECT_EQ(ErrorOf("write /sys/x 1 # trailing\n"),
            "t:5:16: expected '#' comments on a line of their own");
  EXPECT_EQ(ErrorOf("expect dmesg \"bell \x07\"\n"),
            "t:5:20: expected a printable character, got byte 0x07");
  EXPECT_EQ(ErrorOf("write /sys/x caf\xc3\xa9\n"),
            "t:5:17: expected a printable ASCII character (quote the string), "
            "got byte 0xc3");
  EXPECT_EQ(ErrorOf("expect iomem \"0-fff : Reserved\"\n"),
            "t:5:15: expected the line exactly as /proc/iomem prints it: "
            "'00000000-00000fff : Reserved'");
  EXPECT_EQ(ErrorOf("expect iomem \"00000000-00000fff Reserved\"\n"),
            "t:5:32: expected ' : ' before the name");
  EXPECT_EQ(ErrorOf("snapshot label=\"x\"\n"),
            "t:5:10: expected one string, got key=\"...\"");
}

TEST(ParseTraceTest, AcceptsCrlfAndAMissingFinalNewline) {
  absl::StatusOr<Trace> t = ParseTrace(
      "memhp-trace v1\r\ngeometry x86_64\r\nprofile v7.1\r\nboot", "t");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->config.profile, model::KernelVersion::kV7_1);
  EXPECT_EQ(PrintTrace(*t),
            "memhp-trace v1\ngeometry x86_64\nprofile v7.1\n\nboot\n");
}

TEST(WithoutLineNumbersTest, MakesTreesFromDifferentTextsEqual) {
  absl::StatusOr<Trace> a = ParseTrace(kCanonical, "a");
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<Trace> b =
      ParseTrace(model::Cat("memhp-trace v1\n# moved\n\n",
                            std::string_view(kCanonical).substr(15)),
                 "b");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(*a, *b);
  EXPECT_EQ(WithoutLineNumbers(*a), WithoutLineNumbers(*b));
}

TEST(FormatDocTest, TheFirstExampleOfFormatMdIsACanonicalTrace) {
  const std::string doc = ReadTestFile("traces/FORMAT.md");
  const size_t start = doc.find("```\n") + 4;
  const std::string example = doc.substr(start, doc.find("```", start) - start);
  absl::StatusOr<Trace> t = ParseTrace(example, "FORMAT.md");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(PrintTrace(*t), example);
}

TEST(ParseTraceTest, RandomMutationsOfTheCorpusNeverCrash) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> garbage = {
      "\"",     "\\",     "=",          " ",
      "\n",     "#",      "thread a: ", "expect ",
      "0x",     "-",      "\t",         "\xff",
      "boot\n", "write ", "key=\"v\"",  "99999999999999999999"};
  size_t refused = 0;
  for (const std::string& name : CorpusNames()) {
    const std::string text = ReadTestFile(CorpusTracePath(name));
    for (int round = 0; round < 300; ++round) {
      std::string m = text;
      for (int e = 0; e < 1 + static_cast<int>(rng() % 3); ++e) {
        const size_t at = rng() % (m.size() + 1);
        switch (rng() % 3) {
          case 0:
            m.erase(at, rng() % 30);
            break;
          case 1:
            m.insert(at, garbage[rng() % garbage.size()]);
            break;
          default:
            if (at < m.size()) m[at] = static_cast<char>(rng() % 256);
            break;
        }
      }
      absl::StatusOr<Trace> t = ParseTrace(m, "m");
      if (t.ok()) {
        // Whatever parses prints canonically and parses back the same.
        absl::StatusOr<Trace> again = ParseTrace(PrintTrace(*t), "again");
        ASSERT_TRUE(again.ok()) << again.status();
        EXPECT_EQ(WithoutLineNumbers(*again), WithoutLineNumbers(*t));
        continue;
      }
      ++refused;
      ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
      const std::string msg(t.status().message());
      EXPECT_EQ(msg.substr(0, 2), "m:") << msg;
      EXPECT_NE(msg.find(": expected "), std::string::npos) << msg;
    }
  }
  EXPECT_GT(refused, 300u);
}

// The configuration of a non-x86 machine: memblock regions, the arm64 DMA
// limit, the configured zones and memoryless nodes; printed in canonical
// order whatever the input order, with 16-digit addresses.
TEST(MemblockConfigTest, ParsesAndPrintsInCanonicalOrder) {
  constexpr char kIn[] =
      "memhp-trace v1\n"
      "memblock 0x880000000-0x8FFFFFFFF   node=0 nomap\n"
      "geometry arm64-4k\n"
      "zones DMA,DMA32,Normal\n"
      "profile v6.1\n"
      "memoryless-node 2\n"
      "dma-limit 0x3fffffff\n"
      "memblock 0x900000000-0x93fffffff hotplug node=1\n"
      "boot\n";
  absl::StatusOr<Trace> t = ParseTrace(kIn, "t");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->config.memblock.size(), 2u);
  EXPECT_EQ(t->config.memblock[0].line, 2);
  EXPECT_TRUE(t->config.memblock[0].nomap);
  EXPECT_TRUE(t->config.memblock[1].hotplug);
  EXPECT_EQ(t->config.memblock[1].node, NodeId(1));
  EXPECT_EQ(PrintTrace(*t),
            "memhp-trace v1\n"
            "geometry arm64-4k\n"
            "profile v6.1\n"
            "zones DMA,DMA32,Normal\n"
            "memoryless-node 2\n"
            "dma-limit 0x000000003fffffff\n"
            "memblock 0x0000000880000000-0x00000008ffffffff node=0 nomap\n"
            "memblock 0x0000000900000000-0x000000093fffffff node=1 hotplug\n"
            "\n"
            "boot\n");
}

// Firmware lines of the wrong architecture are refused at their own line:
// an x86 trace cannot carry memblock lines, an arm64 trace cannot carry
// e820 or numa lines, and only arm64 has a DMA limit.
TEST(MemblockConfigTest, LinesOfAnotherArchitectureAreRefusedAtTheirLine) {
  auto err = [](std::string_view text) {
    absl::StatusOr<Trace> t = ParseTrace(text, "t");
    return t.ok() ? std::string("OK") : std::string(t.status().message());
  };
  EXPECT_EQ(err("memhp-trace v1\ngeometry x86_64\nprofile v6.1\n"
                "memblock 0x0-0xfff node=0\nboot\n"),
            "t:4:1: expected no 'memblock' line on geometry x86_64 (x86 boots "
            "from its e820 lines)");
  EXPECT_EQ(err("memhp-trace v1\ngeometry arm64-4k\nprofile v6.1\n"
                "memblock 0x0-0xfff node=0\n"
                "e820 0x0000000000000000-0x000000000009fbff usable\nboot\n"),
            "t:5:1: expected no 'e820' line on geometry arm64-4k (only x86 has "
            "an e820 map; write memblock lines)");
  EXPECT_EQ(err("memhp-trace v1\ngeometry riscv64\nprofile v6.1\n"
                "dma-limit 0xffffffff\nmemblock 0x0-0xfff node=0\nboot\n"),
            "t:4:1: expected no 'dma-limit' line on geometry riscv64 (only "
            "arm64 reads a DMA limit from DT dma-ranges or IORT)");
  EXPECT_EQ(err("memhp-trace v1\ngeometry arm64-4k\nprofile v6.1\n"
                "firmware-block-size 0x10000000\nmemblock 0x0-0xfff node=0\n"
                "boot\n"),
            "t:4:1: expected no 'firmware-block-size' line on geometry "
            "arm64-4k (only ppc64 (LMB size) and s390x (sclp rzm) have one)");
}

TEST(MemblockConfigTest, MalformedLinesNameTheColumn) {
  EXPECT_EQ(ErrorOf("memblock 0x1000-0x1fff\n", true),
            "t:4:23: expected 'memblock 0xSTART-0xEND node=N [hotplug] "
            "[nomap]'");
  EXPECT_EQ(ErrorOf("memblock 0x1000-0x1fff hotplug\n", true),
            "t:4:31: expected node=N");
  EXPECT_EQ(ErrorOf("memblock 0x1000-0x1fff node=0 movable\n", true),
            "t:4:31: expected node=N, 'hotplug' or 'nomap' (each at most "
            "once), got 'movable'");
  EXPECT_EQ(ErrorOf("memblock 0x2000-0x2fff node=0\n"
                    "memblock 0x1000-0x2000 node=0\n",
                    true),
            "t:5:10: expected a region above the one at line 4 (memblock "
            "regions are ascending and disjoint)");
  EXPECT_EQ(ErrorOf("zones DMA,Normal,DMA32\n", true),
            "t:4:18: expected DMA, DMA32, Normal or Device, each once and in "
            "that order, got 'DMA32'");
  EXPECT_EQ(ErrorOf("zones DMA\n", true),
            "t:4:7: expected Normal among the zones");
  EXPECT_EQ(ErrorOf("firmware-block-size 0x3000\n", true),
            "t:4:21: expected a power of two");
  EXPECT_EQ(ErrorOf("memoryless-node 1\nmemoryless-node 1\n", true),
            "t:5:17: expected each node once, node 1 is at line 4");
}

}  // namespace
}  // namespace memhp::traces
