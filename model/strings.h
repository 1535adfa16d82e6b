// String building for messages. Debian's Abseil 20220623 is built with its
// own absl::string_view (not std::string_view), so absl::StrCat and friends
// do not accept std::string_view; these fmt-based helpers do.

#ifndef MEMHP_MODEL_STRINGS_H_
#define MEMHP_MODEL_STRINGS_H_

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace memhp::model {

// Concatenates the fmt "{}" rendering of each argument.
template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (fmt::format_to(std::back_inserter(out), "{}", args), ...);
  return out;
}

template <typename Container>
std::string Join(const Container& c, std::string_view sep) {
  return fmt::format("{}", fmt::join(c, sep));
}

// printf-style formatting, so kernel messages keep the kernel's own format
// strings ("section already deactivated (%#lx + %ld)").
std::string Sprintf(const char* format, ...)
    __attribute__((format(printf, 1, 2)));

// Hex digits (no "0x") as a 64-bit value: the one digit loop the parsers of
// traces, layouts and firmware maps share; their callers word the errors.
struct HexDigits {
  enum Result { kOk, kNotHex, kOverflow };
  Result result = kNotHex;
  uint64_t value = 0;
};
// kNotHex for an empty string or a non-hex character; kOverflow when the
// value needs more than 64 bits (checked before any non-hex character after
// the 16th digit, as the parsers did).
HexDigits ParseHexDigits(std::string_view digits);

// A u64 as printf's %llx wants it.
inline unsigned long long Ull(uint64_t v) {
  return static_cast<unsigned long long>(v);
}

// Kernel: lib/string.c sysfs_streq (v6.1): equal, ignoring one trailing
// newline on either side.
bool SysfsStreq(std::string_view a, std::string_view b);

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);

}  // namespace memhp::model

#endif  // MEMHP_MODEL_STRINGS_H_
