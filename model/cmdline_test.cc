#include "model/cmdline.h"

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

TEST(MemparseTest, SuffixesMultiplyByPowersOf1024) {
  EXPECT_EQ(Memparse("512M").value, 512ull << 20);
  EXPECT_EQ(Memparse("512M").consumed, 4u);
  EXPECT_EQ(Memparse("1g").value, 1ull << 30);
  EXPECT_EQ(Memparse("2T").value, 2ull << 40);
  EXPECT_EQ(Memparse("4096").value, 4096u);
  EXPECT_EQ(Memparse("0x120000000").value, 0x120000000u);
  // The suffix is not consumed when it is not one of KMGTPE.
  EXPECT_EQ(Memparse("1G%0x10").consumed, 2u);
  EXPECT_EQ(Memparse("7x").consumed, 1u);
  // No digits: 0, and the suffix is still consumed.
  EXPECT_EQ(Memparse("G@4G").value, 0u);
  EXPECT_EQ(Memparse("G@4G").consumed, 1u);
  EXPECT_EQ(Memparse("@4G").consumed, 0u);
}

TEST(MemparseTest, BaseZeroFollowsTheKernelsRadixRules) {
  EXPECT_EQ(SimpleStrtoull("010").value, 8u);  // octal
  EXPECT_EQ(SimpleStrtoull("0").value, 0u);
  EXPECT_EQ(SimpleStrtoull("0").consumed, 1u);
  EXPECT_EQ(SimpleStrtoull("0x").consumed, 1u);  // "0" then 'x'
  EXPECT_EQ(SimpleStrtoull("x1").consumed, 0u);
  EXPECT_EQ(SimpleStrtoull("").consumed, 0u);
}

TEST(MemparseTest, OverflowIsReported) {
  EXPECT_TRUE(SimpleStrtoull("99999999999999999999999").overflow);
  EXPECT_TRUE(Memparse("17E").overflow);
  EXPECT_FALSE(Memparse("15E").overflow);
}

TEST(KstrtoboolTest, FirstCharactersDecide) {
  EXPECT_EQ(Kstrtobool("1"), true);
  EXPECT_EQ(Kstrtobool("1\n"), true);
  EXPECT_EQ(Kstrtobool("yes-or-anything"), true);
  EXPECT_EQ(Kstrtobool("True"), true);
  EXPECT_EQ(Kstrtobool("on"), true);
  EXPECT_EQ(Kstrtobool("0"), false);
  EXPECT_EQ(Kstrtobool("off"), false);
  EXPECT_EQ(Kstrtobool("Nope"), false);
  EXPECT_EQ(Kstrtobool("o"), std::nullopt);
  EXPECT_EQ(Kstrtobool("ox"), std::nullopt);
  EXPECT_EQ(Kstrtobool("2"), std::nullopt);
  EXPECT_EQ(Kstrtobool(""), std::nullopt);
}

}  // namespace
}  // namespace memhp::model
