#include "model/kstrtox.h"

#include <cctype>
#include <limits>

#include "model/status.h"

namespace memhp::model {

namespace {

constexpr int kInval = -static_cast<int>(Errno::kEINVAL);
constexpr int kRange = -static_cast<int>(Errno::kERANGE);

// _parse_integer_fixup_radix + _parse_integer + the tail check of
// _kstrtoull.
KstrtoResult<uint64_t> ParseUll(std::string_view s, unsigned base) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  auto is_xdigit = [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  };
  if (base == 0) {
    if (!s.empty() && s[0] == '0') {
      base = (s.size() > 2 && lower(s[1]) == 'x' && is_xdigit(s[2])) ? 16 : 8;
    } else {
      base = 10;
    }
  }
  if (base == 16 && s.size() >= 2 && s[0] == '0' && lower(s[1]) == 'x') {
    s.remove_prefix(2);
  }
  uint64_t res = 0;
  size_t used = 0;
  bool overflow = false;
  for (; used < s.size(); ++used) {
    const char c = s[used];
    unsigned val;
    if (c >= '0' && c <= '9') {
      val = static_cast<unsigned>(c - '0');
    } else if (lower(c) >= 'a' && lower(c) <= 'f') {
      val = static_cast<unsigned>(lower(c) - 'a' + 10);
    } else {
      break;
    }
    if (val >= base) break;
    if (res > (std::numeric_limits<uint64_t>::max() - val) / base) {
      overflow = true;
    }
    res = res * base + val;
  }
  if (used == 0) return {.error = kInval};
  if (overflow) return {.error = kRange};
  s.remove_prefix(used);
  if (!s.empty() && s[0] == '\n') s.remove_prefix(1);
  if (!s.empty()) return {.error = kInval};
  return {.value = res};
}

}  // namespace

KstrtoResult<uint64_t> Kstrtoull(std::string_view s, unsigned base) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  return ParseUll(s, base);
}

KstrtoResult<int64_t> Kstrtoll(std::string_view s, unsigned base) {
  if (!s.empty() && s[0] == '-') {
    KstrtoResult<uint64_t> r = ParseUll(s.substr(1), base);
    if (!r.ok()) return {.error = r.error};
    if (r.value > uint64_t{1} << 63) return {.error = kRange};
    return {.value = static_cast<int64_t>(0 - r.value)};
  }
  KstrtoResult<uint64_t> r = Kstrtoull(s, base);
  if (!r.ok()) return {.error = r.error};
  if (r.value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return {.error = kRange};
  }
  return {.value = static_cast<int64_t>(r.value)};
}

KstrtoResult<uint64_t> Kstrtoul(std::string_view s, unsigned base) {
  return Kstrtoull(s, base);
}

KstrtoResult<int> Kstrtoint(std::string_view s, unsigned base) {
  KstrtoResult<int64_t> r = Kstrtoll(s, base);
  if (!r.ok()) return {.error = r.error};
  if (r.value < std::numeric_limits<int>::min() ||
      r.value > std::numeric_limits<int>::max()) {
    return {.error = kRange};
  }
  return {.value = static_cast<int>(r.value)};
}

}  // namespace memhp::model
