#include "traces/text.h"

#include <string>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::traces {

using model::Cat;

std::vector<TextLine> SplitLines(std::string_view text) {
  std::vector<TextLine> out;
  size_t start = 0;
  int number = 1;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back({number++, line});
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

int EndOfFileLine(std::string_view text) {
  const std::vector<TextLine> lines = SplitLines(text);
  return static_cast<int>(lines.size()) + 1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  return TrimRight(s);
}

absl::Status LineScanner::ErrorAt(size_t at, std::string_view what) const {
  return model::BadInput(
      {std::string(file_), line_, static_cast<int>(base_ + at) + 1}, what);
}

size_t LineScanner::SkipBlanks() {
  const size_t at = pos_;
  while (!AtEnd() && IsBlank(text_[pos_])) ++pos_;
  return pos_ - at;
}

bool LineScanner::Consume(std::string_view literal) {
  if (text_.substr(pos_, literal.size()) != literal) return false;
  pos_ += literal.size();
  return true;
}

std::string_view LineScanner::Word() {
  return TakeWhile([](char c) { return !IsBlank(c); });
}

absl::Status LineScanner::ExpectEnd(std::string_view after) {
  SkipBlanks();
  if (AtEnd()) return absl::OkStatus();
  return Error(Cat("expected the end of the line after ", after, ", got '",
                   Rest(), "'"));
}

absl::StatusOr<uint64_t> ParseDecimal(const LineScanner& s, size_t at,
                                      std::string_view token,
                                      std::string_view what) {
  if (token.empty()) {
    return s.ErrorAt(at, Cat("expected ", what, " (a decimal number)"));
  }
  uint64_t v = 0;
  for (char c : token) {
    if (!IsDigit(c)) {
      return s.ErrorAt(
          at, Cat("expected ", what, " (a decimal number), got '", token, "'"));
    }
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return s.ErrorAt(at, Cat("expected ", what,
                               " that fits in 64 bits, got '", token, "'"));
    }
    v = v * 10 + d;
  }
  return v;
}

absl::StatusOr<uint64_t> ParseHex(const LineScanner& s, size_t at,
                                  std::string_view token, std::string_view what,
                                  HexPrefix prefix) {
  std::string_view digits = token;
  const bool has_prefix = digits.size() >= 2 && digits[0] == '0' &&
                          (digits[1] == 'x' || digits[1] == 'X');
  const char* example =
      prefix == HexPrefix::kForbidden ? "8000000" : "0x8000000";
  if (has_prefix && prefix == HexPrefix::kForbidden) {
    return s.ErrorAt(at, Cat("expected ", what,
                             " as hex digits without '0x', got '", token, "'"));
  }
  if (!has_prefix && prefix == HexPrefix::kRequired) {
    return s.ErrorAt(at, Cat("expected ", what, " (hex like ", example,
                             "), got '", token, "'"));
  }
  if (has_prefix) digits.remove_prefix(2);
  if (digits.empty()) {
    return s.ErrorAt(at, Cat("expected ", what, " (hex like ", example,
                             "), got '", token, "'"));
  }
  const model::HexDigits hex = model::ParseHexDigits(digits);
  if (hex.result == model::HexDigits::kOverflow) {
    return s.ErrorAt(
        at, Cat("expected ", what, " that fits in 64 bits, got '", token, "'"));
  }
  if (hex.result != model::HexDigits::kOk) {
    return s.ErrorAt(at, Cat("expected ", what, " (hex like ", example,
                             "), got '", token, "'"));
  }
  return hex.value;
}

absl::StatusOr<std::pair<model::PhysAddr, model::PhysAddr>> ParseMemRange(
    LineScanner& s) {
  const size_t a_at = s.pos();
  std::string_view a = s.TakeWhile([](char c) { return c != '-'; });
  if (!s.Consume("-")) return s.Error("expected '-' in the range");
  const size_t b_at = s.pos();
  std::string_view b = s.TakeWhile([](char c) { return c != ']'; });
  if (!s.Consume("]")) return s.Error("expected ']' after the range");
  absl::StatusOr<uint64_t> start =
      ParseHex(s, a_at, a, "a start address", HexPrefix::kRequired);
  if (!start.ok()) return start.status();
  absl::StatusOr<uint64_t> last =
      ParseHex(s, b_at, b, "an end address", HexPrefix::kRequired);
  if (!last.ok()) return last.status();
  if (*last < *start) {
    return s.ErrorAt(b_at, "expected an end address at or above the start");
  }
  return std::make_pair(model::PhysAddr(*start), model::PhysAddr(*last));
}

absl::StatusOr<int> ParseNodeId(const LineScanner& s, size_t at,
                                std::string_view token, bool allow_no_node) {
  if (allow_no_node && token == "-1") return -1;
  const std::string what =
      Cat("a node id in 0..", kMaxNodeId, allow_no_node ? " or -1" : "");
  absl::StatusOr<uint64_t> v = ParseDecimal(s, at, token, what);
  if (!v.ok()) return v.status();
  if (*v > static_cast<uint64_t>(kMaxNodeId)) {
    return s.ErrorAt(at, Cat("expected ", what, ", got '", token, "'"));
  }
  return static_cast<int>(*v);
}

namespace {

constexpr struct {
  char suffix;
  int shift;
} kSizeSuffixes[] = {{'E', 60}, {'P', 50}, {'T', 40},
                     {'G', 30}, {'M', 20}, {'K', 10}};

}  // namespace

std::optional<model::ByteSize> ParseQemuSize(std::string_view s) {
  int shift = 0;
  if (!s.empty() && !IsDigit(s.back())) {
    const char c = s.back() >= 'a' && s.back() <= 'z'
                       ? static_cast<char>(s.back() - 'a' + 'A')
                       : s.back();
    bool known = c == 'B';
    for (const auto& suf : kSizeSuffixes) {
      if (suf.suffix == c) {
        known = true;
        shift = suf.shift;
      }
    }
    if (!known) return std::nullopt;
    s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (shift > 0 && v > (UINT64_MAX >> shift)) return std::nullopt;
  return model::ByteSize(v << shift);
}

std::string QemuSizeText(model::ByteSize size) {
  const uint64_t v = size.value();
  for (const auto& s : kSizeSuffixes) {
    const uint64_t unit = uint64_t{1} << s.shift;
    if (v != 0 && v % unit == 0) return Cat(v / unit, s.suffix);
  }
  return Cat(v);
}

}  // namespace memhp::traces
