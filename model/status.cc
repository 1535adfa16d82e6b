#include "model/status.h"

#include <array>
#include <charconv>

#include "absl/strings/cord.h"
#include "model/check.h"
#include "model/strings.h"

namespace memhp::model {
namespace {

constexpr char kErrnoPayload[] = "memhp.errno";

struct ErrnoInfo {
  Errno e;
  std::string_view name;
  std::string_view text;
  absl::StatusCode code;
};

constexpr std::array kErrnos = {
    ErrnoInfo{Errno::kEPERM, "EPERM", "Operation not permitted",
              absl::StatusCode::kPermissionDenied},
    ErrnoInfo{Errno::kENOENT, "ENOENT", "No such file or directory",
              absl::StatusCode::kNotFound},
    ErrnoInfo{Errno::kEINTR, "EINTR", "Interrupted system call",
              absl::StatusCode::kAborted},
    ErrnoInfo{Errno::kENXIO, "ENXIO", "No such device or address",
              absl::StatusCode::kNotFound},
    ErrnoInfo{Errno::kE2BIG, "E2BIG", "Argument list too long",
              absl::StatusCode::kOutOfRange},
    ErrnoInfo{Errno::kEAGAIN, "EAGAIN", "Resource temporarily unavailable",
              absl::StatusCode::kUnavailable},
    ErrnoInfo{Errno::kENOMEM, "ENOMEM", "Out of memory",
              absl::StatusCode::kResourceExhausted},
    ErrnoInfo{Errno::kEFAULT, "EFAULT", "Bad address",
              absl::StatusCode::kInternal},
    ErrnoInfo{Errno::kEACCES, "EACCES", "Permission denied",
              absl::StatusCode::kPermissionDenied},
    ErrnoInfo{Errno::kEBUSY, "EBUSY", "Device or resource busy",
              absl::StatusCode::kFailedPrecondition},
    ErrnoInfo{Errno::kEEXIST, "EEXIST", "File exists",
              absl::StatusCode::kAlreadyExists},
    ErrnoInfo{Errno::kENODEV, "ENODEV", "No such device",
              absl::StatusCode::kNotFound},
    ErrnoInfo{Errno::kEINVAL, "EINVAL", "Invalid argument",
              absl::StatusCode::kInvalidArgument},
    ErrnoInfo{Errno::kENOSPC, "ENOSPC", "No space left on device",
              absl::StatusCode::kResourceExhausted},
    ErrnoInfo{Errno::kERANGE, "ERANGE", "Numerical result out of range",
              absl::StatusCode::kOutOfRange},
    ErrnoInfo{Errno::kEOPNOTSUPP, "EOPNOTSUPP", "Operation not supported",
              absl::StatusCode::kUnimplemented},
    ErrnoInfo{Errno::kEHWPOISON, "EHWPOISON", "Memory page has hardware error",
              absl::StatusCode::kDataLoss},
};

const ErrnoInfo* Find(Errno e) {
  for (const ErrnoInfo& i : kErrnos) {
    if (i.e == e) return &i;
  }
  return nullptr;
}

const ErrnoInfo* FindValue(int v) {
  for (const ErrnoInfo& i : kErrnos) {
    if (static_cast<int>(i.e) == v) return &i;
  }
  return nullptr;
}

}  // namespace

std::string_view ErrnoName(Errno e) {
  const ErrnoInfo* i = Find(e);
  MEMHP_CHECK(i != nullptr) << static_cast<int>(e);
  return i->name;
}

std::string_view ErrnoText(Errno e) {
  const ErrnoInfo* i = Find(e);
  MEMHP_CHECK(i != nullptr) << static_cast<int>(e);
  return i->text;
}

std::optional<Errno> ParseErrno(std::string_view s) {
  for (const ErrnoInfo& i : kErrnos) {
    if (i.name == s) return i.e;
  }
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  const ErrnoInfo* i = FindValue(v);
  if (i == nullptr) return std::nullopt;
  return i->e;
}

absl::Status KernelError(Errno e, std::string_view context) {
  const ErrnoInfo* i = Find(e);
  MEMHP_CHECK(i != nullptr) << static_cast<int>(e);
  absl::Status s(i->code, context.empty() ? Cat("-", i->name)
                                          : Cat("-", i->name, ": ", context));
  s.SetPayload(kErrnoPayload, absl::Cord(Cat(static_cast<int>(e))));
  return s;
}

std::optional<Errno> ErrnoOf(const absl::Status& s) {
  if (s.ok()) return std::nullopt;
  auto p = s.GetPayload(kErrnoPayload);
  if (!p.has_value()) return std::nullopt;
  int v = 0;
  std::string text(*p);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  MEMHP_CHECK(ec == std::errc()) << "corrupt errno payload " << text;
  const ErrnoInfo* i = FindValue(v);
  MEMHP_CHECK(i != nullptr) << "unknown errno payload " << v;
  return i->e;
}

int ReturnCode(const absl::Status& s) {
  if (s.ok()) return 0;
  std::optional<Errno> e = ErrnoOf(s);
  MEMHP_CHECK(e.has_value()) << "not a kernel refusal: " << s;
  return -static_cast<int>(*e);
}

absl::Status FromReturnCode(int rc, std::string_view context) {
  if (rc == 0) return absl::OkStatus();
  const ErrnoInfo* i = FindValue(-rc);
  MEMHP_CHECK(rc < 0 && i != nullptr) << "not a kernel return code: " << rc;
  return KernelError(i->e, context);
}

absl::Status BadInput(const SourceLocation& where, std::string_view what) {
  return absl::InvalidArgumentError(
      Cat(where.file, ":", where.line, ":", where.column, ": ", what));
}

absl::Status InvariantViolation(std::string_view id, std::string_view what) {
  return absl::FailedPreconditionError(Cat(id, ": ", what));
}

}  // namespace memhp::model
