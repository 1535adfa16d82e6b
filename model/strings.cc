#include "model/strings.h"

#include <cstdarg>
#include <cstdio>

namespace memhp::model {

std::string Sprintf(const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  va_list ap2;
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, format, ap);
  va_end(ap);
  std::string out(n > 0 ? n : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, format, ap2);
  va_end(ap2);
  return out;
}

HexDigits ParseHexDigits(std::string_view digits) {
  HexDigits out;
  if (digits.empty()) return out;
  uint64_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return out;
    }
    if (v > (UINT64_MAX >> 4)) {
      out.result = HexDigits::kOverflow;
      return out;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  out.result = HexDigits::kOk;
  out.value = v;
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

bool SysfsStreq(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  if (i == a.size() && i == b.size()) return true;
  if (i == a.size() && b.size() == i + 1 && b[i] == '\n') return true;
  if (i == b.size() && a.size() == i + 1 && a[i] == '\n') return true;
  return false;
}

}  // namespace memhp::model
