// The "Early memory node ranges" layout format: parsing the kernel's lines,
// printing them back, and a file:line:col error for every malformed input.

#include "sparse/layout.h"

#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/geometry.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::sparse {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::Pfn;
using model::PfnRange;

model::Geometry Named(std::string_view name) {
  absl::StatusOr<model::Geometry> g =
      model::Geometry::Named(name, KernelVersion::kV6_1);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

MemblockRegion Region(uint64_t start_pfn, uint64_t end_pfn, int nid = 0) {
  return MemblockRegion{PfnRange(Pfn(start_pfn), Pfn(end_pfn)), NodeId(nid)};
}

// Lines 47-50 of the p1 capture (../shared/capture-logs/p1-boot-4g.log).
constexpr char kP1Capture[] =
    "[    0.000000] Early memory node ranges\n"
    "[    0.000000]   node   0: [mem 0x0000000000001000-0x000000000009efff]\n"
    "[    0.000000]   node   0: [mem 0x0000000000100000-0x00000000bffdffff]\n"
    "[    0.000000]   node   0: [mem 0x0000000100000000-0x000000013fffffff]\n";

const std::vector<MemblockRegion> kP1Regions = {
    Region(0x1, 0x9f), Region(0x100, 0xbffe0), Region(0x100000, 0x140000)};

// The error message of parsing `text` as file "f" on x86_64, or "OK".
std::string ErrorOf(std::string_view text,
                    std::string_view geometry = "x86_64") {
  absl::StatusOr<std::vector<MemblockRegion>> r =
      ParseLayout(text, "f", Named(geometry));
  if (r.ok()) return "OK";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

// A one-range line whose start address begins at column 18 and whose end
// address begins at column 37.
std::string Line(std::string_view start, std::string_view end) {
  return model::Cat("  node   0: [mem ", start, "-", end, "]\n");
}

TEST(ParseLayoutTest, ReadsTheP1CapturesThreeRanges) {
  absl::StatusOr<std::vector<MemblockRegion>> r =
      ParseLayout(kP1Capture, "p1", Named("x86_64"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, kP1Regions);
}

TEST(ParseLayoutTest, AcceptsCommentsBlankLinesCrlfAndNoTimestamps) {
  const std::string text =
      "# provenance\n"
      "\n"
      "   \t\n"
      "Early memory node ranges\r\n"
      "  node   0: [mem 0x0000000000001000-0x000000000009efff]\r\n"
      "\t# indented comment\n"
      "node 1: [mem 0x100000-0xbffdffff]   \n"
      "[12345.678901] node 1023: [mem 0x100000000-0x13fffffff]";
  absl::StatusOr<std::vector<MemblockRegion>> r =
      ParseLayout(text, "f", Named("x86_64"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<MemblockRegion>{
                    Region(0x1, 0x9f), Region(0x100, 0xbffe0, 1),
                    Region(0x100000, 0x140000, 1023)}));
}

//  node 0: |=====|
//  node 1:       |=====|     touching ranges of different nodes are fine
TEST(ParseLayoutTest, AcceptsTouchingRanges) {
  EXPECT_EQ(ErrorOf(Line("0x0", "0xfff") + Line("0x1000", "0x1fff")), "OK");
}

TEST(ParseLayoutTest, AcceptsTheLastAddressBelowMaxPhysmemBits) {
  EXPECT_EQ(ErrorOf(Line("0x3ffffffff000", "0x3fffffffffff")), "OK");
  EXPECT_EQ(ErrorOf(Line("0x400000000000", "0x400000000fff"), "x86_64-la57"),
            "OK");
}

TEST(ParseLayoutTest, RejectsMalformedHex) {
  EXPECT_EQ(ErrorOf(Line("0x00000000000g1000", "0x000000000009efff")),
            "f:1:18: expected a hex address like 0x0000000000001000");
  EXPECT_EQ(ErrorOf(Line("1000", "0x1fff")),
            "f:1:18: expected a hex address like 0x0000000000001000");
  EXPECT_EQ(ErrorOf(Line("0x", "0x1fff")),
            "f:1:18: expected a hex address like 0x0000000000001000");
  EXPECT_EQ(ErrorOf(Line("0x0000000000001000", "0x_fff")),
            "f:1:37: expected a hex address like 0x0000000000001000");
  EXPECT_EQ(ErrorOf("  node   0: [mem ]\n"),
            "f:1:18: expected a hex address like 0x0000000000001000");
}

TEST(ParseLayoutTest, RejectsHexThatOverflows64Bits) {
  EXPECT_EQ(ErrorOf(Line("0x10000000000000000", "0x1fff")),
            "f:1:18: expected a hex value that fits in 64 bits, got "
            "'0x10000000000000000'");
  // Leading zeros do not overflow; the value is then beyond the limit.
  EXPECT_EQ(ErrorOf(Line("0x00000000000000000001000", "0x1fff")), "OK");
}

TEST(ParseLayoutTest, RejectsEndBelowStart) {
  EXPECT_EQ(ErrorOf(Line("0x0000000000002000", "0x0000000000000fff")),
            "f:1:37: expected an end address >= the start 0x0000000000002000");
}

TEST(ParseLayoutTest, RejectsUnalignedStart) {
  EXPECT_EQ(ErrorOf(Line("0x0000000000001800", "0x0000000000001fff")),
            "f:1:18: expected a page-aligned start address (PAGE_SIZE 0x1000)");
  // arm64-64k pages are 64 KiB: the p1 capture's first range is unaligned.
  EXPECT_EQ(ErrorOf(kP1Capture, "arm64-64k"),
            "f:2:33: expected a page-aligned start address (PAGE_SIZE "
            "0x10000)");
}

TEST(ParseLayoutTest, RejectsEndPlusOneUnaligned) {
  EXPECT_EQ(ErrorOf(Line("0x0000000000001000", "0x0000000000001ffe")),
            "f:1:37: expected an inclusive end address one byte below a page "
            "boundary (PAGE_SIZE 0x1000)");
  // A range of zero bytes cannot be written: its end is start - 1.
  EXPECT_EQ(ErrorOf(Line("0x0000000000001000", "0x0000000000001000")),
            "f:1:37: expected an inclusive end address one byte below a page "
            "boundary (PAGE_SIZE 0x1000)");
}

TEST(ParseLayoutTest, RejectsNodeIdsOutsideMaxNumnodes) {
  const std::string kWant = "f:1:8: expected a node id in 0..1023";
  EXPECT_EQ(ErrorOf("  node 1024: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("  node -1: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("  node 0x1: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("  node 99999999999999999999: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("  node : [mem 0x0-0xfff]"), kWant);
}

TEST(ParseLayoutTest, RejectsAddressesAtOrBeyondMaxPhysmemBits) {
  EXPECT_EQ(ErrorOf(Line("0x0000400000000000", "0x0000400000000fff")),
            "f:1:18: expected an address below 0x0000400000000000: "
            "0x0000400000000000 is beyond MAX_PHYSMEM_BITS (46)");
  EXPECT_EQ(ErrorOf(Line("0x00003ffffffff000", "0x0000400000000fff")),
            "f:1:37: expected an address below 0x0000400000000000: "
            "0x0000400000000fff is beyond MAX_PHYSMEM_BITS (46)");
  EXPECT_EQ(ErrorOf(Line("0x0000000000000000", "0xffffffffffffffff")),
            "f:1:37: expected an address below 0x0000400000000000: "
            "0xffffffffffffffff is beyond MAX_PHYSMEM_BITS (46)");
  EXPECT_EQ(
      ErrorOf(Line("0x0010000000000000", "0x0010000000000fff"), "x86_64-la57"),
      "f:1:18: expected an address below 0x0010000000000000: "
      "0x0010000000000000 is beyond MAX_PHYSMEM_BITS (52)");
}

//  line 1: |===========|
//  line 2:          |=====|      starts inside line 1's range
TEST(ParseLayoutTest, RejectsOverlappingRanges) {
  EXPECT_EQ(ErrorOf(Line("0x0000000000001000", "0x000000000009efff") +
                    Line("0x000000000009e000", "0x00000000000fffff")),
            "f:2:18: expected ranges that do not overlap: 0x000000000009e000 "
            "is inside node 0 [mem 0x0000000000001000-0x000000000009efff] on "
            "line 1");
}

//  line 1:             |=====|
//  line 2:  |=====|                  below its predecessor
TEST(ParseLayoutTest, RejectsRangesOutOfOrder) {
  EXPECT_EQ(ErrorOf("# two ranges\n" +
                    Line("0x0000000000100000", "0x00000000bffdffff") +
                    Line("0x0000000000001000", "0x000000000009efff")),
            "f:3:18: expected ranges in ascending order: 0x0000000000001000 "
            "starts below node 0 [mem 0x0000000000100000-0x00000000bffdffff] "
            "on line 2");
}

TEST(ParseLayoutTest, RejectsAnEmptyLayout) {
  const std::string kWant =
      "f:1:1: expected at least one 'node N: [mem START-END]' line";
  EXPECT_EQ(ErrorOf(""), kWant);
  EXPECT_EQ(ErrorOf("\n\n# only a comment\nEarly memory node ranges\n"), kWant);
}

TEST(ParseLayoutTest, RejectsOtherLinesNamingTheToken) {
  EXPECT_EQ(ErrorOf("\n  hello\n"),
            "f:2:3: expected 'node N: [mem START-END]', 'Early memory node "
            "ranges', a '#' comment or a blank line");
  EXPECT_EQ(ErrorOf("[    0.000000] Zone ranges:\n"),
            "f:1:16: expected 'node N: [mem START-END]', 'Early memory node "
            "ranges', a '#' comment or a blank line");
  EXPECT_EQ(ErrorOf("  nodes 0: [mem 0x0-0xfff]"),
            "f:1:3: expected 'node N: [mem START-END]', 'Early memory node "
            "ranges', a '#' comment or a blank line");
  EXPECT_EQ(ErrorOf("Early memory node ranges!"),
            "f:1:25: expected the end of the line after 'Early memory node "
            "ranges'");
}

TEST(ParseLayoutTest, RejectsMalformedTimestamps) {
  const std::string kWant =
      "f:1:1: expected a dmesg timestamp like '[    0.000000]'";
  EXPECT_EQ(ErrorOf("[abc] node 0: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("[    0.] node 0: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("[    0.000000 node 0: [mem 0x0-0xfff]"), kWant);
  EXPECT_EQ(ErrorOf("[mem 0x0-0xfff]"), kWant);
}

TEST(ParseLayoutTest, RejectsMissingPunctuation) {
  EXPECT_EQ(ErrorOf("  node   0 [mem 0x0-0xfff]"),
            "f:1:12: expected ':' after the node id");
  EXPECT_EQ(ErrorOf("  node   0: mem 0x0-0xfff]"), "f:1:13: expected '[mem'");
  EXPECT_EQ(ErrorOf("  node   0: [mem 0x0 0xfff]"),
            "f:1:22: expected '-' between the start and end address");
  EXPECT_EQ(ErrorOf("  node   0: [mem 0x0-0xfff"),
            "f:1:27: expected ']' after the end address");
  EXPECT_EQ(ErrorOf("  node   0: [mem 0x0-0xfff] # trailing"),
            "f:1:29: expected the end of the line after ']'");
}

TEST(FormatLayoutTest, PrintsTheKernelsLines) {
  EXPECT_EQ(FormatLayout(kP1Regions, Named("x86_64")),
            "Early memory node ranges\n"
            "  node   0: [mem 0x0000000000001000-0x000000000009efff]\n"
            "  node   0: [mem 0x0000000000100000-0x00000000bffdffff]\n"
            "  node   0: [mem 0x0000000100000000-0x000000013fffffff]\n");
  // %3d and %#018Lx: wide node ids and address 0 (the kernel prints 0x).
  EXPECT_EQ(FormatLayout({Region(0, 1, 1023)}, Named("x86_64")),
            "Early memory node ranges\n"
            "  node 1023: [mem 0x0000000000000000-0x0000000000000fff]\n");
}

TEST(FormatLayoutTest, ParsingTheFormatGivesBackTheRegions) {
  std::mt19937_64 rng(20240601);
  for (std::string_view name :
       {"x86_64", "x86_64-la57", "arm64-64k", "ppc64"}) {
    const model::Geometry g = Named(name);
    const uint64_t max_pfn = g.MaxSparsemPfn().value();
    for (int iter = 0; iter < 300; ++iter) {
      // Ascending, non-overlapping ranges; sometimes touching.
      std::vector<MemblockRegion> regions;
      uint64_t at = rng() % 4 == 0 ? 0 : rng() % 0x1000;
      const int n = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < n && at < max_pfn; ++i) {
        const uint64_t len =
            1 + rng() % std::min<uint64_t>(max_pfn - at, uint64_t{1} << 30);
        regions.push_back(
            Region(at, at + len, static_cast<int>(rng() % kMaxNumNodes)));
        at += len;
        if (rng() % 2 == 0 && at < max_pfn) at += 1 + rng() % (max_pfn - at);
      }
      const std::string text = FormatLayout(regions, g);
      absl::StatusOr<std::vector<MemblockRegion>> back =
          ParseLayout(text, "f", g);
      ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
      EXPECT_EQ(*back, regions) << text;
    }
  }
}

// Whatever the bytes, the parser returns; on success the guarantees of
// layout.h hold and printing round-trips; on failure the message names a
// place and says what was expected.
void CheckParsesOrNamesAPlace(const std::string& text,
                              const model::Geometry& g) {
  absl::StatusOr<std::vector<MemblockRegion>> r = ParseLayout(text, "f", g);
  if (!r.ok()) {
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string msg(r.status().message());
    ASSERT_EQ(msg.rfind("f:", 0), 0u) << msg;
    ASSERT_NE(msg.find(": expected "), std::string::npos) << msg;
    return;
  }
  ASSERT_FALSE(r->empty());
  for (size_t i = 0; i < r->size(); ++i) {
    const PfnRange& range = (*r)[i].range;
    ASSERT_FALSE(range.empty());
    ASSERT_LE(range.end(), g.MaxSparsemPfn());
    if (i > 0) {
      ASSERT_LE((*r)[i - 1].range.end(), range.start());
    }
  }
  absl::StatusOr<std::vector<MemblockRegion>> back =
      ParseLayout(FormatLayout(*r, g), "f", g);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(*back, *r);
}

TEST(ParseLayoutFuzzTest, RandomBytesNeverCrash) {
  const model::Geometry g = Named("x86_64");
  std::mt19937_64 rng(7);
  // Mostly the characters of the format, so that parsing gets deep.
  const std::string alphabet = "node mem[]-:#0123456789abcdefx.\n\t\r ";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text(rng() % 120, '\0');
    for (char& c : text) {
      c = rng() % 8 == 0 ? static_cast<char>(rng() % 256)
                         : alphabet[rng() % alphabet.size()];
    }
    CheckParsesOrNamesAPlace(text, g);
    if (::testing::Test::HasFatalFailure()) {
      FAIL() << "input: " << ::testing::PrintToString(text);
    }
  }
}

TEST(ParseLayoutFuzzTest, MutatedCaptureLinesNeverCrash) {
  std::mt19937_64 rng(11);
  const std::string tokens[] = {"0x",
                                "f",
                                "0",
                                "-",
                                "]",
                                "[",
                                "\n",
                                " ",
                                "#",
                                ":",
                                "1",
                                "node",
                                "fff",
                                "1000",
                                "0x0",
                                "\r",
                                std::string(1, '\0'),
                                "ffffffff",
                                "Early memory node ranges"};
  for (std::string_view name : {"x86_64", "arm64-16k"}) {
    const model::Geometry g = Named(name);
    for (int iter = 0; iter < 20000; ++iter) {
      std::string text = kP1Capture;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % (text.size() + 1);
        switch (rng() % 3) {
          case 0:  // delete a few bytes
            text.erase(at, rng() % 4);
            break;
          case 1:  // insert a token
            text.insert(at, tokens[rng() % std::size(tokens)]);
            break;
          default:  // overwrite a byte
            if (at < text.size()) text[at] = static_cast<char>(rng() % 256);
        }
      }
      CheckParsesOrNamesAPlace(text, g);
      if (::testing::Test::HasFatalFailure()) {
        FAIL() << "input: " << ::testing::PrintToString(text);
      }
    }
  }
}

}  // namespace
}  // namespace memhp::sparse
