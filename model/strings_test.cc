#include "model/strings.h"

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

TEST(ParseHexDigitsTest, DigitsOverflowAndNonHex) {
  EXPECT_EQ(ParseHexDigits("9fbff").value, 0x9fbffu);
  EXPECT_EQ(ParseHexDigits("ffffFFFFffffFFFF").value, UINT64_MAX);
  EXPECT_EQ(ParseHexDigits("ffffFFFFffffFFFF").result, HexDigits::kOk);
  EXPECT_EQ(ParseHexDigits("10000000000000000").result, HexDigits::kOverflow);
  EXPECT_EQ(ParseHexDigits("").result, HexDigits::kNotHex);
  EXPECT_EQ(ParseHexDigits("0x10").result, HexDigits::kNotHex);
  EXPECT_EQ(ParseHexDigits("12g").result, HexDigits::kNotHex);
}

TEST(SprintfTest, KeepsTheKernelsFormats) {
  EXPECT_EQ(
      Sprintf("section already deactivated (%#lx + %ld)", 0x140200ul, 1024l),
      "section already deactivated (0x140200 + 1024)");
  EXPECT_EQ(Sprintf("%#lx", 0ul), "0");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string_view>{"a", "", "b"}));
}

}  // namespace
}  // namespace memhp::model
