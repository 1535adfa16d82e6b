// Outcome helpers of STYLE.md's four tiers:
//  - the kernel refuses: KernelError(errno, context) — a Status whose payload
//    carries the exact errno, read back with ErrnoOf / ReturnCode;
//  - bad input: BadInput(where, what) — InvalidArgument naming
//    file:line:col, never carrying an errno;
//  - an invariant is violated: InvariantViolation(id, what) — prefixed by the
//    invariant ID.
// Model bugs are MEMHP_CHECK (check.h), never a Status.

#ifndef MEMHP_MODEL_STATUS_H_
#define MEMHP_MODEL_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace memhp::model {

// The errnos the modelled kernel code returns (include/uapi/asm-generic/
// errno-base.h, errno.h; values of x86_64, arm64, ppc64, s390x and riscv64).
enum class Errno : int {
  kEPERM = 1,
  kENOENT = 2,
  kEINTR = 4,
  kENXIO = 6,
  kE2BIG = 7,
  kEAGAIN = 11,
  kENOMEM = 12,
  kEACCES = 13,
  kEFAULT = 14,
  kEBUSY = 16,
  kEEXIST = 17,
  kENODEV = 19,
  kEINVAL = 22,
  kENOSPC = 28,
  kERANGE = 34,
  kEOPNOTSUPP = 95,
  kEHWPOISON = 133,
};

// The kernel's negative return codes, for code that returns ints as the
// kernel does: rc::kEINVAL is -EINVAL.
namespace rc {
inline constexpr int kEPERM = -static_cast<int>(Errno::kEPERM);
inline constexpr int kENOENT = -static_cast<int>(Errno::kENOENT);
inline constexpr int kEINTR = -static_cast<int>(Errno::kEINTR);
inline constexpr int kENXIO = -static_cast<int>(Errno::kENXIO);
inline constexpr int kE2BIG = -static_cast<int>(Errno::kE2BIG);
inline constexpr int kEAGAIN = -static_cast<int>(Errno::kEAGAIN);
inline constexpr int kENOMEM = -static_cast<int>(Errno::kENOMEM);
inline constexpr int kEACCES = -static_cast<int>(Errno::kEACCES);
inline constexpr int kEFAULT = -static_cast<int>(Errno::kEFAULT);
inline constexpr int kEBUSY = -static_cast<int>(Errno::kEBUSY);
inline constexpr int kEEXIST = -static_cast<int>(Errno::kEEXIST);
inline constexpr int kENODEV = -static_cast<int>(Errno::kENODEV);
inline constexpr int kEINVAL = -static_cast<int>(Errno::kEINVAL);
inline constexpr int kENOSPC = -static_cast<int>(Errno::kENOSPC);
inline constexpr int kERANGE = -static_cast<int>(Errno::kERANGE);
inline constexpr int kEOPNOTSUPP = -static_cast<int>(Errno::kEOPNOTSUPP);
inline constexpr int kEHWPOISON = -static_cast<int>(Errno::kEHWPOISON);
}  // namespace rc

// "EINVAL".
std::string_view ErrnoName(Errno e);
// strerror() text as a shell prints a failed write: "Invalid argument".
std::string_view ErrnoText(Errno e);
// Parses "EINVAL", "-22" or "22".
std::optional<Errno> ParseErrno(std::string_view s);

// A refusal by the kernel: `-errno` with context for people.
absl::Status KernelError(Errno e, std::string_view context = "");
// The errno a refusal carries, or nullopt for OK and non-kernel statuses.
std::optional<Errno> ErrnoOf(const absl::Status& s);
// The kernel-style return value: 0 for OK, -errno for a refusal.
// REQUIRES: s is OK or carries an errno.
int ReturnCode(const absl::Status& s);
// KernelError for a kernel return value. REQUIRES: rc <= 0 and -rc is an Errno.
absl::Status FromReturnCode(int rc, std::string_view context = "");

// Where in a user's file something was found (1-based line and column).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};
// "file:line:col: what". Tier 3: bad input.
absl::Status BadInput(const SourceLocation& where, std::string_view what);

// "ID: what". Tier 4: an invariant of the registry does not hold.
absl::Status InvariantViolation(std::string_view id, std::string_view what);

}  // namespace memhp::model

#endif  // MEMHP_MODEL_STATUS_H_
