#include "sparse/layout.h"

#include <cstdint>
#include <optional>
#include <string>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::sparse {

using model::NodeId;
using model::Pfn;
using model::PfnRange;
using model::Sprintf;

namespace {

constexpr std::string_view kHeader = "Early memory node ranges";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsWordChar(char c) { return IsDigit(c) || IsAlpha(c) || c == '_'; }

// The kernel's rendering of an address: %#018Lx, which in the kernel's
// vsprintf always carries "0x" (glibc's drops it for 0, hence no '#').
std::string Addr(uint64_t a) {
  return Sprintf("0x%016llx", static_cast<unsigned long long>(a));
}

// One parsed "node" line before the checks that involve other lines.
struct RangeLine {
  int line = 0;
  int nid = 0;
  uint64_t start = 0;  // first byte
  uint64_t end = 0;    // last byte (inclusive)
  int start_col = 0;
  int end_col = 0;
};

// A cursor over one line; every error names the 1-based column of the token
// it is about.
class LineCursor {
 public:
  LineCursor(std::string_view line, int line_no, std::string_view file)
      : line_(line), line_no_(line_no), file_(file) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return AtEnd() ? '\0' : line_[pos_]; }
  int Column(size_t at) const { return static_cast<int>(at) + 1; }

  absl::Status ErrorAt(size_t at, std::string_view what) const {
    return model::BadInput({std::string(file_), line_no_, Column(at)}, what);
  }

  void SkipSpace() {
    while (!AtEnd() && IsSpace(line_[pos_])) ++pos_;
  }
  bool Consume(std::string_view literal) {
    if (line_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }
  // The maximal run of [0-9A-Za-z_] at the cursor (may be empty).
  std::string_view Word() const {
    size_t end = pos_;
    while (end < line_.size() && IsWordChar(line_[end])) ++end;
    return line_.substr(pos_, end - pos_);
  }
  void Advance(size_t n) { pos_ += n; }

  // "[" spaces digits "." digits "]", as printk_time prints it.
  absl::Status SkipTimestamp() {
    const size_t at = pos_;
    auto bad = [&] {
      return ErrorAt(at, "expected a dmesg timestamp like '[    0.000000]'");
    };
    if (!Consume("[")) return bad();
    SkipSpace();
    size_t digits = 0;
    while (IsDigit(Peek())) ++pos_, ++digits;
    if (digits == 0 || !Consume(".")) return bad();
    digits = 0;
    while (IsDigit(Peek())) ++pos_, ++digits;
    if (digits == 0 || !Consume("]")) return bad();
    return absl::OkStatus();
  }

  // A decimal node id in 0..kMaxNumNodes-1.
  absl::StatusOr<int> NodeIdToken() {
    const size_t at = pos_;
    size_t end = pos_;
    while (end < line_.size() && !IsSpace(line_[end]) && line_[end] != ':') {
      ++end;
    }
    std::string_view tok = line_.substr(at, end - at);
    auto bad = [&] {
      return ErrorAt(at,
                     Sprintf("expected a node id in 0..%d", kMaxNumNodes - 1));
    };
    if (tok.empty()) return bad();
    int v = 0;
    for (char c : tok) {
      if (!IsDigit(c)) return bad();
      v = v * 10 + (c - '0');
      if (v >= kMaxNumNodes) return bad();
    }
    pos_ = end;
    return v;
  }

  // "0x" followed by hex digits, fitting in 64 bits.
  absl::StatusOr<uint64_t> HexToken() {
    const size_t at = pos_;
    std::string_view tok = Word();
    if (tok.size() < 3 || tok[0] != '0' || (tok[1] != 'x' && tok[1] != 'X')) {
      return ErrorAt(at, "expected a hex address like 0x0000000000001000");
    }
    const model::HexDigits hex = model::ParseHexDigits(tok.substr(2));
    if (hex.result == model::HexDigits::kOverflow) {
      return ErrorAt(at, model::Cat("expected a hex value that fits in 64 "
                                    "bits, got '",
                                    tok, "'"));
    }
    if (hex.result != model::HexDigits::kOk) {
      return ErrorAt(at, "expected a hex address like 0x0000000000001000");
    }
    const uint64_t v = hex.value;
    pos_ += tok.size();
    return v;
  }

  absl::Status ExpectEnd(std::string_view after) {
    SkipSpace();
    if (AtEnd()) return absl::OkStatus();
    return ErrorAt(pos_,
                   model::Cat("expected the end of the line after ", after));
  }

 private:
  std::string_view line_;
  size_t pos_ = 0;
  int line_no_;
  std::string_view file_;
};

// Parses one line. Returns nullopt for lines without a range.
absl::StatusOr<std::optional<RangeLine>> ParseLine(std::string_view line,
                                                   int line_no,
                                                   std::string_view file) {
  LineCursor c(line, line_no, file);
  c.SkipSpace();
  if (c.Peek() == '[') {
    if (absl::Status s = c.SkipTimestamp(); !s.ok()) return s;
    c.SkipSpace();
  }
  if (c.AtEnd() || c.Peek() == '#') return std::nullopt;
  if (c.Consume(kHeader)) {
    if (absl::Status s = c.ExpectEnd(model::Cat("'", kHeader, "'")); !s.ok()) {
      return s;
    }
    return std::nullopt;
  }
  if (c.Word() != "node") {
    return c.ErrorAt(c.pos(),
                     "expected 'node N: [mem START-END]', 'Early memory node "
                     "ranges', a '#' comment or a blank line");
  }
  RangeLine r;
  r.line = line_no;
  c.Advance(4);
  c.SkipSpace();
  absl::StatusOr<int> nid = c.NodeIdToken();
  if (!nid.ok()) return nid.status();
  r.nid = *nid;
  c.SkipSpace();
  if (!c.Consume(":")) {
    return c.ErrorAt(c.pos(), "expected ':' after the node id");
  }
  c.SkipSpace();
  if (!c.Consume("[mem")) return c.ErrorAt(c.pos(), "expected '[mem'");
  c.SkipSpace();
  r.start_col = c.Column(c.pos());
  absl::StatusOr<uint64_t> start = c.HexToken();
  if (!start.ok()) return start.status();
  r.start = *start;
  c.SkipSpace();
  if (!c.Consume("-")) {
    return c.ErrorAt(c.pos(), "expected '-' between the start and end address");
  }
  c.SkipSpace();
  r.end_col = c.Column(c.pos());
  absl::StatusOr<uint64_t> end = c.HexToken();
  if (!end.ok()) return end.status();
  r.end = *end;
  c.SkipSpace();
  if (!c.Consume("]")) {
    return c.ErrorAt(c.pos(), "expected ']' after the end address");
  }
  if (absl::Status s = c.ExpectEnd("']'"); !s.ok()) return s;
  return r;
}

}  // namespace

absl::StatusOr<std::vector<MemblockRegion>> ParseLayout(
    std::string_view text, std::string_view file, const model::Geometry& g) {
  const int bits = g.max_physmem_bits();
  const int page_shift = g.page_shift();
  const uint64_t page_mask = g.PageSize().value() - 1;
  // 1 << MAX_PHYSMEM_BITS; no limit below 2^64 when the bits fill a u64.
  // (A plain pair rather than std::optional: gcc 12 -O2 warns
  // maybe-uninitialized through optional here.)
  const bool has_limit = bits < 64;
  const uint64_t limit = has_limit ? uint64_t{1} << bits : 0;
  auto at = [&](int line, int col, std::string_view what) {
    return model::BadInput({std::string(file), line, col}, what);
  };

  std::vector<MemblockRegion> regions;
  std::vector<int> region_lines;
  int line_no = 0;
  for (std::string_view line : model::Split(text, '\n')) {
    ++line_no;
    absl::StatusOr<std::optional<RangeLine>> parsed =
        ParseLine(line, line_no, file);
    if (!parsed.ok()) return parsed.status();
    if (!parsed->has_value()) continue;
    const RangeLine& r = **parsed;

    if (has_limit && r.start >= limit) {
      return at(r.line, r.start_col,
                Sprintf("expected an address below %s: %s is beyond "
                        "MAX_PHYSMEM_BITS (%d)",
                        Addr(limit).c_str(), Addr(r.start).c_str(), bits));
    }
    if (has_limit && r.end >= limit) {
      return at(r.line, r.end_col,
                Sprintf("expected an address below %s: %s is beyond "
                        "MAX_PHYSMEM_BITS (%d)",
                        Addr(limit).c_str(), Addr(r.end).c_str(), bits));
    }
    if (r.end < r.start) {
      return at(r.line, r.end_col,
                Sprintf("expected an end address >= the start %s",
                        Addr(r.start).c_str()));
    }
    if ((r.start & page_mask) != 0) {
      return at(r.line, r.start_col,
                Sprintf("expected a page-aligned start address (PAGE_SIZE "
                        "%#llx)",
                        static_cast<unsigned long long>(page_mask + 1)));
    }
    if ((r.end & page_mask) != page_mask) {
      return at(r.line, r.end_col,
                Sprintf("expected an inclusive end address one byte below a "
                        "page boundary (PAGE_SIZE %#llx)",
                        static_cast<unsigned long long>(page_mask + 1)));
    }
    // end + 1 may be 2^64 when MAX_PHYSMEM_BITS is 64: shift first.
    const Pfn start_pfn(r.start >> page_shift);
    const Pfn end_pfn((r.end >> page_shift) + 1);
    MemblockRegion region{PfnRange(start_pfn, end_pfn), NodeId(r.nid)};

    if (!regions.empty()) {
      const MemblockRegion& prev = regions.back();
      const std::string prev_text =
          Sprintf("node %d [mem %s-%s] on line %d", prev.nid.value(),
                  Addr(g.PfnPhys(prev.range.start()).value()).c_str(),
                  Addr(g.PfnPhys(prev.range.end()).value() - 1).c_str(),
                  region_lines.back());
      if (start_pfn < prev.range.start()) {
        return at(r.line, r.start_col,
                  Sprintf("expected ranges in ascending order: %s starts "
                          "below %s",
                          Addr(r.start).c_str(), prev_text.c_str()));
      }
      if (start_pfn < prev.range.end()) {
        return at(r.line, r.start_col,
                  Sprintf("expected ranges that do not overlap: %s is inside "
                          "%s",
                          Addr(r.start).c_str(), prev_text.c_str()));
      }
    }
    regions.push_back(region);
    region_lines.push_back(r.line);
  }
  if (regions.empty()) {
    return at(1, 1, "expected at least one 'node N: [mem START-END]' line");
  }
  return regions;
}

std::string FormatLayout(const std::vector<MemblockRegion>& regions,
                         const model::Geometry& g) {
  std::string out = model::Cat(kHeader, "\n");
  for (const MemblockRegion& r : regions) {
    // Kernel: mm/page_alloc.c free_area_init (v6.1):
    //   pr_info("  node %3d: [mem %#018Lx-%#018Lx]\n", nid,
    //           (u64)start_pfn << PAGE_SHIFT, ((u64)end_pfn << PAGE_SHIFT) -
    //           1);
    out += Sprintf("  node %3d: [mem %s-%s]\n", r.nid.value(),
                   Addr(g.PfnPhys(r.range.start()).value()).c_str(),
                   Addr(g.PfnPhys(r.range.end()).value() - 1).c_str());
  }
  return out;
}

}  // namespace memhp::sparse
