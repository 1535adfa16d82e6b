// Lexing helpers shared by the capture-log reader and the trace parser: lines
// with their numbers, a scanner over one line that reports
// "file:line:col: expected ..." errors (model::BadInput), and number parsing
// that refuses overflow instead of wrapping.

#ifndef MEMHP_TRACES_TEXT_H_
#define MEMHP_TRACES_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/types.h"

namespace memhp::traces {

// One line of a text file: its 1-based number and its text without the line
// ending ("\n" or "\r\n").
struct TextLine {
  int number = 0;
  std::string_view text;
};

// The lines of `text`. A final line without '\n' counts; a final '\n' does
// not start another line, so "" has no lines and "a\n" has one.
std::vector<TextLine> SplitLines(std::string_view text);

// The line number an end-of-file error points at: one past the last line.
int EndOfFileLine(std::string_view text);

bool IsDigit(char c);
bool IsHexDigit(char c);
bool IsAlpha(char c);
// ' ' or '\t'.
bool IsBlank(char c);

// `s` without leading and trailing blanks.
std::string_view Trim(std::string_view s);
std::string_view TrimRight(std::string_view s);

// A cursor over one line of a file. Every error names the 1-based column of
// the token it is about, counted in bytes. `base` is the column of text[0]
// when the scanned text is a part of a longer line (a quoted string).
class LineScanner {
 public:
  LineScanner(std::string_view file, int line, std::string_view text,
              size_t base = 0)
      : file_(file), line_(line), text_(text), base_(base) {}

  std::string_view text() const { return text_; }
  std::string_view file() const { return file_; }
  int line() const { return line_; }
  size_t pos() const { return pos_; }
  // Clamped to the end of the text.
  void set_pos(size_t p) { pos_ = p < text_.size() ? p : text_.size(); }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  std::string_view Rest() const { return text_.substr(pos_); }

  // BadInput at byte offset `at` of the scanned text.
  absl::Status ErrorAt(size_t at, std::string_view what) const;
  absl::Status Error(std::string_view what) const {
    return ErrorAt(pos_, what);
  }

  // Skips blanks; returns how many.
  size_t SkipBlanks();
  // Consumes `literal` if the text continues with it.
  bool Consume(std::string_view literal);
  // The run of characters at the cursor for which `pred` holds (possibly
  // empty), consumed.
  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    size_t end = pos_;
    while (end < text_.size() && pred(text_[end])) ++end;
    std::string_view out = text_.substr(pos_, end - pos_);
    pos_ = end;
    return out;
  }
  // The run of non-blank characters at the cursor (possibly empty), consumed.
  std::string_view Word();

  // "expected the end of the line after <after>" unless only blanks remain.
  absl::Status ExpectEnd(std::string_view after);

 private:
  std::string_view file_;
  int line_;
  std::string_view text_;
  size_t base_;
  size_t pos_ = 0;
};

// Decimal digits (at least one, no sign) that fit in 64 bits. Errors name
// `what` at column `at` of `s`: "expected <what> (a decimal number), got
// '...'" or "... does not fit in 64 bits".
absl::StatusOr<uint64_t> ParseDecimal(const LineScanner& s, size_t at,
                                      std::string_view token,
                                      std::string_view what);
// Hex digits (at least one) that fit in 64 bits; with `prefix` the token must
// start with "0x" (or "0X"), without it the token must not.
enum class HexPrefix { kRequired, kForbidden, kOptional };
absl::StatusOr<uint64_t> ParseHex(const LineScanner& s, size_t at,
                                  std::string_view token, std::string_view what,
                                  HexPrefix prefix);

// The `0xSTART-0xEND]` of a kernel "[mem 0xSTART-0xEND]" at the cursor
// (the kernel's inclusive end, then the closing bracket): the two
// addresses, or an error at the offending column.
absl::StatusOr<std::pair<model::PhysAddr, model::PhysAddr>> ParseMemRange(
    LineScanner& s);

// A decimal NUMA node id in 0..kMaxNodeId, or -1 (NUMA_NO_NODE) when
// `allow_no_node`.
inline constexpr int kMaxNodeId = 1023;  // MAX_NUMNODES - 1, NODES_SHIFT 10
absl::StatusOr<int> ParseNodeId(const LineScanner& s, size_t at,
                                std::string_view token, bool allow_no_node);

// QEMU's size syntax (qemu_strtosz): decimal digits with an optional
// binary suffix B, K, M, G, T, P or E in either case ("1G", "512M",
// "4096"). Nullopt when malformed or above 2^64 - 1.
std::optional<model::ByteSize> ParseQemuSize(std::string_view s);
// The shortest form: the largest suffix that divides exactly ("1G"), else
// plain bytes ("4097").
std::string QemuSizeText(model::ByteSize size);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_TEXT_H_
