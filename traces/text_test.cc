// Lexing helpers (text.h) and the kernel's vocabulary (kernel_text.h): line
// splitting, numbers that refuse overflow, QEMU sizes, e820 type names,
// /proc/iomem lines and dmesg timestamps.

#include "traces/text.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/zone.h"
#include "hotplug/zone_select.h"
#include "traces/kernel_text.h"

namespace memhp::traces {
namespace {

using model::ByteSize;
using model::PhysAddr;

std::vector<std::string> Texts(std::string_view text) {
  std::vector<std::string> out;
  for (const TextLine& l : SplitLines(text)) out.push_back(std::string(l.text));
  return out;
}

TEST(SplitLinesTest, CountsAFinalLineWithoutNewlineAndDropsCarriageReturns) {
  EXPECT_TRUE(SplitLines("").empty());
  EXPECT_EQ(Texts("a\n"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Texts("a\r\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(SplitLines("a\nb").back().number, 2);
  EXPECT_EQ(EndOfFileLine("a\nb\n"), 3);
  EXPECT_EQ(EndOfFileLine(""), 1);
}

std::string Status(const absl::StatusOr<uint64_t>& v) {
  return v.ok() ? std::to_string(*v) : std::string(v.status().message());
}

TEST(ParseNumberTest, DecimalRefusesSignsLettersAndOverflow) {
  LineScanner s("f", 3, "x");
  EXPECT_EQ(Status(ParseDecimal(s, 4, "18446744073709551615", "n")),
            "18446744073709551615");
  EXPECT_EQ(Status(ParseDecimal(s, 4, "18446744073709551616", "n")),
            "f:3:5: expected n that fits in 64 bits, got "
            "'18446744073709551616'");
  EXPECT_EQ(Status(ParseDecimal(s, 0, "-1", "n")),
            "f:3:1: expected n (a decimal number), got '-1'");
  EXPECT_EQ(Status(ParseDecimal(s, 0, "", "n")),
            "f:3:1: expected n (a decimal number)");
}

TEST(ParseNumberTest, HexHonoursThePrefixRuleAndRefusesOverflow) {
  LineScanner s("f", 1, "x", 10);  // columns count from 11
  EXPECT_EQ(
      Status(ParseHex(s, 0, "0xFFFFffffFFFFffff", "a", HexPrefix::kRequired)),
      "18446744073709551615");
  EXPECT_EQ(
      Status(ParseHex(s, 0, "0x10000000000000000", "a", HexPrefix::kRequired)),
      "f:1:11: expected a that fits in 64 bits, got "
      "'0x10000000000000000'");
  EXPECT_EQ(Status(ParseHex(s, 0, "10", "a", HexPrefix::kRequired)),
            "f:1:11: expected a (hex like 0x8000000), got '10'");
  EXPECT_EQ(Status(ParseHex(s, 0, "0x10", "a", HexPrefix::kForbidden)),
            "f:1:11: expected a as hex digits without '0x', got '0x10'");
  EXPECT_EQ(Status(ParseHex(s, 0, "0x", "a", HexPrefix::kOptional)),
            "f:1:11: expected a (hex like 0x8000000), got '0x'");
  EXPECT_EQ(Status(ParseHex(s, 0, "1g", "a", HexPrefix::kOptional)),
            "f:1:11: expected a (hex like 0x8000000), got '1g'");
  EXPECT_EQ(Status(ParseHex(s, 0, "20", "a", HexPrefix::kOptional)), "32");
}

TEST(ParseNumberTest, NodeIdsStopAtMaxNumnodes) {
  LineScanner s("f", 1, "x");
  EXPECT_EQ(*ParseNodeId(s, 0, "1023", false), 1023);
  EXPECT_FALSE(ParseNodeId(s, 0, "1024", false).ok());
  EXPECT_FALSE(ParseNodeId(s, 0, "-1", false).ok());
  EXPECT_EQ(*ParseNodeId(s, 0, "-1", true), -1);
}

TEST(QemuSizeTest, ParsesSuffixesAndPrintsTheShortestForm) {
  EXPECT_EQ(ParseQemuSize("1G"), ByteSize(1ull << 30));
  EXPECT_EQ(ParseQemuSize("512m"), ByteSize(512ull << 20));
  EXPECT_EQ(ParseQemuSize("4096"), ByteSize(4096));
  EXPECT_EQ(ParseQemuSize("4096B"), ByteSize(4096));
  EXPECT_EQ(ParseQemuSize("15E"), ByteSize(15ull << 60));
  EXPECT_EQ(ParseQemuSize("16E"), std::nullopt);  // 2^64
  EXPECT_EQ(ParseQemuSize("G"), std::nullopt);
  EXPECT_EQ(ParseQemuSize("1X"), std::nullopt);
  EXPECT_EQ(ParseQemuSize(""), std::nullopt);
  EXPECT_EQ(QemuSizeText(ByteSize(1ull << 30)), "1G");
  EXPECT_EQ(QemuSizeText(ByteSize(3ull << 29)), "1536M");
  EXPECT_EQ(QemuSizeText(ByteSize(4097)), "4097");
  EXPECT_EQ(QemuSizeText(ByteSize(0)), "0");
}

TEST(E820TypeTest, NamesAreTheKernelsAndParseBack) {
  EXPECT_EQ(E820TypeName(E820Type::kRam), "usable");
  EXPECT_EQ(E820TypeName(E820Type::kReservedKern), "usable");
  EXPECT_EQ(E820TypeName(E820Type::kSoftReserved), "soft reserved");
  EXPECT_EQ(E820TypeName(E820Type::kPmem), "persistent (type 7)");
  EXPECT_EQ(E820TypeName(E820Type::kPram), "persistent (type 12)");
  EXPECT_EQ(E820TypeName(static_cast<E820Type>(9)), "type 9");
  for (E820Type t :
       {E820Type::kRam, E820Type::kReserved, E820Type::kAcpi, E820Type::kNvs,
        E820Type::kUnusable, E820Type::kPmem, E820Type::kPram,
        E820Type::kSoftReserved, static_cast<E820Type>(9),
        static_cast<E820Type>(4294967295u)}) {
    EXPECT_EQ(ParseE820Type(E820TypeName(t)), t) << E820TypeName(t);
  }
  // A type with a name of its own is never "type N".
  EXPECT_EQ(ParseE820Type("type 7"), std::nullopt);
  EXPECT_EQ(ParseE820Type("type 128"), std::nullopt);
  EXPECT_EQ(ParseE820Type("type 09"), std::nullopt);
  EXPECT_EQ(ParseE820Type("type 4294967296"), std::nullopt);
  EXPECT_EQ(ParseE820Type("Usable"), std::nullopt);
  EXPECT_EQ(ParseE820Type("soft  reserved"), std::nullopt);
}

TEST(VocabularyTest, StatesPoliciesAndZonesRoundTrip) {
  for (BlockState b : AllBlockStates()) {
    EXPECT_EQ(ParseBlockState(BlockStateName(b)), b);
  }
  EXPECT_EQ(BlockStateName(BlockState::kGoingOffline), "going-offline");
  for (OnlineType t : AllOnlineTypes()) {
    EXPECT_EQ(ParseOnlineType(OnlineTypeName(t)), t);
  }
  EXPECT_FALSE(ParseOnlineType("online-movable").has_value());
  EXPECT_TRUE(IsZoneName("DMA32"));
  EXPECT_FALSE(IsZoneName("dma32"));
}

// The trace spells the kernel's words itself (it must read what the model
// does not know yet, such as HighMem); where the model has the same words
// they agree.
TEST(VocabularyTest, AgreesWithTheHotplugModel) {
  for (OnlineType t : AllOnlineTypes()) {
    std::optional<hotplug::OnlineType> h =
        hotplug::OnlineTypeFromStr(OnlineTypeName(t));
    ASSERT_TRUE(h.has_value()) << OnlineTypeName(t);
    EXPECT_EQ(hotplug::OnlineTypeName(*h), OnlineTypeName(t));
  }
  for (int z = 0; z < hotplug::kMaxNrZones; ++z) {
    EXPECT_TRUE(IsZoneName(hotplug::ZoneName(hotplug::ZoneAt(z))));
  }
}

absl::StatusOr<IomemLine> Iomem(std::string_view text, bool canonical) {
  return ParseIomemLine(LineScanner("f", 1, text), canonical);
}

TEST(IomemLineTest, ParsesAndRendersTheKernelsLines) {
  absl::StatusOr<IomemLine> l =
      Iomem("      120000000-13fffffff : System RAM (kmem)", true);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->depth, 3);
  EXPECT_EQ(l->start, PhysAddr(0x120000000));
  EXPECT_EQ(l->end, PhysAddr(0x13fffffff));
  EXPECT_EQ(l->name, "System RAM (kmem)");
  EXPECT_EQ(RenderIomemLine({0, PhysAddr(0), PhysAddr(0xfff), "Reserved"}),
            "00000000-00000fff : Reserved");
  EXPECT_EQ(RenderIomemLine({1, PhysAddr(0), PhysAddr(UINT64_MAX), "x : y"}),
            "  00000000-ffffffffffffffff : x : y");
}

TEST(IomemLineTest, CanonicalModeWantsTheKernelsPadding) {
  EXPECT_TRUE(Iomem("1000-1fff : x", false).ok());
  EXPECT_EQ(Iomem("1000-1fff : x", true).status().message(),
            "f:1:1: expected the line exactly as /proc/iomem prints it: "
            "'00001000-00001fff : x'");
  EXPECT_FALSE(Iomem("0000ABCD-0000FFFF : x", true).ok());
}

TEST(IomemLineTest, RefusesMalformedLines) {
  EXPECT_EQ(Iomem(" 00000000-00000fff : x", false).status().message(),
            "f:1:1: expected an even number of spaces of indentation (2 a "
            "level), got 1");
  EXPECT_EQ(Iomem("\t00000000-00000fff : x", false).status().message(),
            "f:1:1: expected spaces for the indentation, not a tab");
  EXPECT_EQ(Iomem("00000000-00000fff : ", false).status().message(),
            "f:1:21: expected a resource name after ' : '");
  EXPECT_EQ(Iomem("00000000-00000fff: x", false).status().message(),
            "f:1:18: expected ' : ' before the name");
  EXPECT_EQ(Iomem("00000000- : x", false).status().message(),
            "f:1:10: expected 'START-END : NAME' (hex, like "
            "00100000-bffdffff)");
}

TEST(KernelLineTest, SplitsTheTimestampFromTheText) {
  std::optional<KernelLine> k =
      ParseKernelLine("[    0.000000] Command line: a b ", 7);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->line, 7);
  EXPECT_EQ(k->timestamp, "[    0.000000]");
  EXPECT_EQ(k->text, "Command line: a b ");
  k = ParseKernelLine("[12345.678901]", 1);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->text, "");
  k = ParseKernelLine("[    3.756431]     /init", 1);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->text, "    /init");
  for (std::string_view bad :
       {"", "[", "[ 1]", "[ 1.]", "[ .5] x", "[1.5]x", "x [1.5] y", "[ 1.5 ] x",
        "\x1b[2J[    0.000000] Linux version"}) {
    EXPECT_FALSE(ParseKernelLine(bad, 1).has_value()) << bad;
  }
}

}  // namespace
}  // namespace memhp::traces
