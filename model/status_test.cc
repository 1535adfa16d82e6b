#include "model/status.h"

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

TEST(StatusTest, KernelErrorCarriesItsErrno) {
  absl::Status s = KernelError(Errno::kEEXIST, "subsection already active");
  EXPECT_EQ(ErrnoOf(s), Errno::kEEXIST);
  EXPECT_EQ(ReturnCode(s), -17);
  EXPECT_EQ(s.message(), "-EEXIST: subsection already active");
  EXPECT_EQ(ReturnCode(absl::OkStatus()), 0);
  EXPECT_EQ(ErrnoOf(FromReturnCode(-22)), Errno::kEINVAL);
  EXPECT_TRUE(FromReturnCode(0).ok());
}

TEST(StatusTest, BadInputHasNoErrnoAndNamesTheSpot) {
  absl::Status s = BadInput({"boot.trace", 3, 14}, "expected a hex address");
  EXPECT_EQ(s.message(), "boot.trace:3:14: expected a hex address");
  EXPECT_EQ(ErrnoOf(s), std::nullopt);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  // An EINVAL refusal has the same code but is not bad input.
  EXPECT_EQ(ErrnoOf(KernelError(Errno::kEINVAL)), Errno::kEINVAL);
}

TEST(StatusTest, InvariantViolationIsPrefixedByItsId) {
  absl::Status s = InvariantViolation("SPARSE-3", "pfn_valid disagrees");
  EXPECT_EQ(s.message(), "SPARSE-3: pfn_valid disagrees");
  EXPECT_EQ(ErrnoOf(s), std::nullopt);
}

TEST(StatusTest, ErrnoNamesAndTextsRoundTrip) {
  EXPECT_EQ(ErrnoName(Errno::kEBUSY), "EBUSY");
  EXPECT_EQ(ErrnoText(Errno::kEBUSY), "Device or resource busy");
  EXPECT_EQ(ParseErrno("EBUSY"), Errno::kEBUSY);
  EXPECT_EQ(ParseErrno("-16"), Errno::kEBUSY);
  EXPECT_EQ(ParseErrno("16"), Errno::kEBUSY);
  EXPECT_EQ(ParseErrno("EWHAT"), std::nullopt);
  EXPECT_EQ(ParseErrno("-9999"), std::nullopt);
  EXPECT_EQ(ParseErrno("1x"), std::nullopt);
}

TEST(StatusDeathTest, ReturnCodeOfANonKernelStatusIsAModelBug) {
  EXPECT_DEATH(ReturnCode(absl::InternalError("x")), "not a kernel refusal");
}

}  // namespace
}  // namespace memhp::model
