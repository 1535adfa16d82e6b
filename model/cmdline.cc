#include "model/cmdline.h"

namespace memhp::model {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

}  // namespace

ParsedNumber SimpleStrtoull(std::string_view s) {
  ParsedNumber out;
  size_t i = 0;
  unsigned base = 10;
  // _parse_integer_fixup_radix(): "0x" needs a hex digit after it.
  if (s.size() >= 1 && s[0] == '0') {
    if (s.size() >= 3 && (s[1] == 'x' || s[1] == 'X') &&
        DigitValue(s[2]) < 16) {
      base = 16;
      i = 2;
    } else {
      base = 8;
    }
  }
  const size_t digits_start = i;
  for (; i < s.size(); ++i) {
    const int d = DigitValue(s[i]);
    if (d >= static_cast<int>(base)) break;
    if (out.value > (UINT64_MAX - d) / base) out.overflow = true;
    out.value = out.value * base + d;
  }
  out.consumed = i == digits_start && base != 8 ? 0 : i;
  return out;
}

ParsedNumber Memparse(std::string_view s) {
  // The suffix applies even when no digit came before it: "K" is 0 and
  // consumes the 'K', as the kernel's memparse does.
  ParsedNumber out = SimpleStrtoull(s);
  if (out.consumed >= s.size()) return out;
  int shift = 0;
  switch (s[out.consumed]) {
    case 'E':
    case 'e':
      shift = 60;
      break;
    case 'P':
    case 'p':
      shift = 50;
      break;
    case 'T':
    case 't':
      shift = 40;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'K':
    case 'k':
      shift = 10;
      break;
    default:
      return out;
  }
  if (shift > 0 && (out.value >> (64 - shift)) != 0) out.overflow = true;
  out.value <<= shift;
  ++out.consumed;
  return out;
}

std::optional<bool> Kstrtobool(std::string_view s) {
  if (s.empty()) return std::nullopt;  // "" is the NUL byte: -EINVAL
  switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
      return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
      return false;
    case 'o':
    case 'O':
      if (s.size() < 2) return std::nullopt;
      if (s[1] == 'n' || s[1] == 'N') return true;
      if (s[1] == 'f' || s[1] == 'F') return false;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace memhp::model
