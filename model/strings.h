// String building for messages. Debian's Abseil 20220623 is built with its
// own absl::string_view (not std::string_view), so absl::StrCat and friends
// do not accept std::string_view; these fmt-based helpers do.

#ifndef MEMHP_MODEL_STRINGS_H_
#define MEMHP_MODEL_STRINGS_H_

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

// Splits on `sep`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);

}  // namespace memhp::model

#endif  // MEMHP_MODEL_STRINGS_H_
