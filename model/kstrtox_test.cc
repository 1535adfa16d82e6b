#include "model/kstrtox.h"

#include <limits>

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

TEST(KstrtoxTest, WholeStringWithOptionalNewline) {
  EXPECT_EQ(Kstrtoull("536870912\n", 0).value, 536870912u);
  EXPECT_EQ(Kstrtoull("0x200000", 0).value, 0x200000u);
  EXPECT_EQ(Kstrtoull("010", 0).value, 8u);
  EXPECT_EQ(Kstrtoull("0x", 0).error, -22);
  EXPECT_EQ(Kstrtoull("+7", 10).value, 7u);
  EXPECT_EQ(Kstrtoull("", 0).error, -22);
  EXPECT_EQ(Kstrtoull("12 ", 0).error, -22);
  EXPECT_EQ(Kstrtoull("12\n\n", 0).error, -22);
  EXPECT_EQ(Kstrtoull("-1", 0).error, -22);
  EXPECT_EQ(Kstrtoull("18446744073709551616", 0).error, -34);
  EXPECT_EQ(Kstrtoull("ff", 16).value, 255u);
  EXPECT_EQ(Kstrtoull("0xff", 16).value, 255u);
}

TEST(KstrtoxTest, SignedRanges) {
  EXPECT_EQ(Kstrtoint("-1", 0).value, -1);
  EXPECT_EQ(Kstrtoint("2147483648", 0).error, -34);
  EXPECT_EQ(Kstrtoint("-2147483648", 0).value, -2147483647 - 1);
  EXPECT_EQ(Kstrtoll("-9223372036854775808", 0).value,
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Kstrtoll("9223372036854775808", 0).error, -34);
  EXPECT_EQ(Kstrtoint("1\n", 0).value, 1);
  EXPECT_EQ(Kstrtoint("one", 0).error, -22);
}

}  // namespace
}  // namespace memhp::model
