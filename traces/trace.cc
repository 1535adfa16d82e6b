#include "traces/trace.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "model/bug_toggle.h"
#include "model/geometry.h"
#include "model/strings.h"
#include "traces/text.h"

namespace memhp::traces {

using model::BlockId;
using model::ByteSize;
using model::Cat;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;
using model::Sprintf;

namespace {

constexpr std::string_view kHeader = "memhp-trace v1";

// --- tokens ----------------------------------------------------------------

bool IsKeyStart(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IsKeyChar(char c) { return IsKeyStart(c) || IsDigit(c); }
bool IsValidKey(std::string_view k) {
  if (k.empty() || !IsKeyStart(k[0])) return false;
  return std::all_of(k.begin(), k.end(), IsKeyChar);
}
// Characters of a bare word: printable ASCII but space, '"' and '\\'.
bool IsBareChar(char c) { return c > ' ' && c < 0x7f && c != '"' && c != '\\'; }
// Characters allowed inside a quoted string (besides the escapes): anything
// but control characters; tab is allowed.
bool IsQuotedChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return c == '\t' || (u >= 0x20 && u != 0x7f);
}

struct Token {
  size_t pos = 0;        // byte offset of the token in the line
  bool has_key = false;  // key=value
  std::string key;
  bool quoted = false;  // the value was a quoted string
  std::string value;    // unescaped
  size_t value_pos = 0;

  // The token as one plain string (key=value bare tokens are plain words
  // that happen to contain '=').
  std::string Plain() const { return has_key ? Cat(key, "=", value) : value; }
};

absl::StatusOr<std::string> Quoted(const LineScanner& s, size_t& i) {
  std::string_view text = s.text();
  const size_t open = i;
  ++i;  // the opening quote
  std::string out;
  while (true) {
    if (i >= text.size()) {
      return s.ErrorAt(open, "expected a closing '\"' for this string");
    }
    const char c = text[i];
    if (c == '"') {
      ++i;
      return out;
    }
    if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
        out.push_back(text[i + 1]);
        i += 2;
        continue;
      }
      return s.ErrorAt(i, "expected \\\" or \\\\ (the only escapes)");
    }
    if (!IsQuotedChar(c)) {
      return s.ErrorAt(i, Sprintf("expected a printable character, got byte "
                                  "0x%02x",
                                  static_cast<unsigned char>(c)));
    }
    out.push_back(c);
    ++i;
  }
}

absl::StatusOr<std::vector<Token>> Tokenize(const LineScanner& s) {
  std::string_view text = s.text();
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    if (i >= text.size()) break;
    Token t;
    t.pos = i;
    if (text[i] == '"') {
      t.quoted = true;
      t.value_pos = i + 1;
      absl::StatusOr<std::string> q = Quoted(s, i);
      if (!q.ok()) return q.status();
      t.value = std::move(*q);
    } else {
      if (text[i] == '#') {
        return s.ErrorAt(i, "expected '#' comments on a line of their own");
      }
      const size_t start = i;
      while (i < text.size() && IsBareChar(text[i])) ++i;
      std::string_view word = text.substr(start, i - start);
      if (i < text.size() && text[i] == '"') {
        if (word.empty() || word.back() != '=' ||
            !IsValidKey(word.substr(0, word.size() - 1))) {
          return s.ErrorAt(i,
                           "expected a space before '\"' (only key= may "
                           "be followed by a quoted string)");
        }
        t.has_key = true;
        t.key = std::string(word.substr(0, word.size() - 1));
        t.quoted = true;
        t.value_pos = i + 1;
        absl::StatusOr<std::string> q = Quoted(s, i);
        if (!q.ok()) return q.status();
        t.value = std::move(*q);
      } else {
        if (i < text.size() && !IsBlank(text[i])) {
          const unsigned char c = static_cast<unsigned char>(text[i]);
          if (text[i] == '\\') {
            return s.ErrorAt(i, "expected '\\' only inside a quoted string");
          }
          return s.ErrorAt(i, Sprintf("expected a printable ASCII character "
                                      "(quote the string), got byte 0x%02x",
                                      c));
        }
        const size_t eq = word.find('=');
        if (eq != std::string_view::npos && IsValidKey(word.substr(0, eq))) {
          t.has_key = true;
          t.key = std::string(word.substr(0, eq));
          t.value = std::string(word.substr(eq + 1));
          t.value_pos = start + eq + 1;
        } else {
          t.value = std::string(word);
          t.value_pos = start;
        }
      }
    }
    if (i < text.size() && !IsBlank(text[i])) {
      return s.ErrorAt(i, "expected a space after the closing '\"'");
    }
    out.push_back(std::move(t));
  }
  return out;
}

// --- printing helpers ------------------------------------------------------

std::string Hex(uint64_t v) {
  return Sprintf("0x%llx", static_cast<unsigned long long>(v));
}
std::string Hex16(uint64_t v) {
  return Sprintf("0x%016llx", static_cast<unsigned long long>(v));
}
std::string FieldValue(std::string_view v) {
  return v.empty() ? std::string() : QuoteIfNeeded(v);
}

std::string ZonesText(const std::vector<std::string>& zones) {
  return zones.empty() ? std::string("none") : model::Join(zones, ",");
}

bool IsOperation(const StepKind& k) {
  return std::holds_alternative<Write>(k) ||
         std::holds_alternative<DimmAdd>(k) ||
         std::holds_alternative<DimmRemove>(k) ||
         std::holds_alternative<Schedule>(k);
}
bool IsResult(const StepKind& k) {
  return std::holds_alternative<ExpectRc>(k) ||
         std::holds_alternative<ExpectErrno>(k);
}
bool MayHaveThread(const StepKind& k) {
  return std::holds_alternative<Write>(k) ||
         std::holds_alternative<DimmAdd>(k) ||
         std::holds_alternative<DimmRemove>(k) || IsResult(k);
}

std::string KindText(const StepKind& kind) {
  struct Printer {
    std::string operator()(const Boot&) const { return "boot"; }
    std::string operator()(const Write& w) const {
      return Cat("write ", QuoteIfNeeded(w.path), " ", QuoteIfNeeded(w.value));
    }
    std::string operator()(const DimmAdd& d) const {
      std::string out = Cat("dimm add ", d.id, " ", QemuSizeText(d.size));
      if (d.node) out += Cat(" node=", d.node->value());
      if (d.addr) out += Cat(" addr=", Hex(d.addr->value()));
      return out;
    }
    std::string operator()(const DimmRemove& d) const {
      return Cat("dimm remove ", d.id);
    }
    std::string operator()(const Snapshot& s) const {
      return Cat("snapshot ", QuoteIfNeeded(s.label));
    }
    std::string operator()(const Schedule& s) const {
      return Cat("schedule ", QuoteIfNeeded(s.token));
    }
    std::string operator()(const ExpectZone& z) const {
      std::string out =
          Cat("expect zone node=", z.node.value(), " zone=", z.zone);
      if (z.spanned) out += Cat(" spanned=", z.spanned->value());
      if (z.present) out += Cat(" present=", z.present->value());
      if (z.start_pfn) out += Cat(" start_pfn=", z.start_pfn->value());
      return out;
    }
    std::string operator()(const ExpectIomem& i) const {
      return Cat("expect iomem ", Quote(RenderIomemLine(i.iomem)));
    }
    std::string operator()(const ExpectBlock& b) const {
      std::string out = Cat("expect block memory", b.id.value());
      if (b.state) out += Cat(" state=", BlockStateName(*b.state));
      if (b.phys_index) {
        out += Sprintf(" phys_index=%08llx",
                       static_cast<unsigned long long>(b.phys_index->value()));
      }
      if (b.valid_zones) out += Cat(" valid_zones=", ZonesText(*b.valid_zones));
      if (b.removable) out += Cat(" removable=", *b.removable ? 1 : 0);
      if (b.node) out += Cat(" node=", b.node->value());
      return out;
    }
    std::string operator()(const ExpectBlockSize& b) const {
      return Cat("expect block_size ", Hex(b.size.value()));
    }
    std::string operator()(const ExpectAutoOnline& a) const {
      return Cat("expect auto_online ", OnlineTypeName(a.policy));
    }
    std::string operator()(const ExpectDax& d) const {
      std::string out = Cat("expect dax ", d.name);
      if (d.driver) out += Cat(" driver=", FieldValue(*d.driver));
      if (d.size) out += Cat(" size=", d.size->value());
      if (d.target_node) out += Cat(" target_node=", d.target_node->value());
      if (d.align) out += Cat(" align=", d.align->value());
      if (d.resource) out += Cat(" resource=", Hex(d.resource->value()));
      return out;
    }
    std::string operator()(const ExpectDmesg& d) const {
      return Cat("expect dmesg ", Quote(d.text));
    }
    std::string operator()(const ExpectRc& r) const {
      return Cat("expect rc ", r.rc);
    }
    std::string operator()(const ExpectErrno& e) const {
      std::string out = Cat("expect errno ", model::ErrnoName(e.errno_value));
      if (e.text) out += Cat(" ", Quote(*e.text));
      return out;
    }
  };
  return std::visit(Printer{}, kind);
}

// --- parsing ---------------------------------------------------------------

bool IsThreadNameChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-';
}
// QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'.
bool IsQemuId(std::string_view id) {
  if (id.empty() || !IsAlpha(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_';
  });
}
// "dax" REGION "." ID, as the dax bus names its devices.
bool IsDaxName(std::string_view n) {
  if (n.substr(0, 3) != "dax") return false;
  n.remove_prefix(3);
  const size_t dot = n.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == n.size()) {
    return false;
  }
  return std::all_of(n.begin(), n.begin() + dot, IsDigit) &&
         std::all_of(n.begin() + dot + 1, n.end(), IsDigit);
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view file)
      : text_(text), file_(file) {}

  absl::StatusOr<Trace> Run() {
    const std::vector<TextLine> lines = SplitLines(text_);
    if (lines.empty() || lines[0].text != kHeader) {
      LineScanner s(file_, 1, lines.empty() ? "" : lines[0].text);
      std::string_view first = lines.empty() ? "" : TrimRight(lines[0].text);
      if (first.substr(0, 12) == "memhp-trace ") {
        return s.ErrorAt(12, Cat("expected format version v1, got '",
                                 first.substr(12), "'"));
      }
      return s.ErrorAt(0, Cat("expected the header line '", kHeader, "'"));
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      if (absl::Status s = Line(lines[i]); !s.ok()) return s;
    }
    if (boot_line_ == 0) {
      LineScanner s(file_, EndOfFileLine(text_), "");
      return s.ErrorAt(0, "expected a 'boot' line before the end of the file");
    }
    if (absl::Status st = CheckArchLines(); !st.ok()) return st;
    return std::move(trace_);
  }

 private:
  absl::Status Line(const TextLine& l) {
    LineScanner s(file_, l.number, l.text);
    std::string_view trimmed = Trim(l.text);
    if (trimmed.empty() || trimmed[0] == '#') return absl::OkStatus();
    absl::StatusOr<std::vector<Token>> tokens = Tokenize(s);
    if (!tokens.ok()) return tokens.status();
    std::vector<Token>& t = *tokens;
    Step step;
    step.line = l.number;
    size_t first = 0;
    if (!t[0].quoted && !t[0].has_key && t[0].value == "thread") {
      if (t.size() < 2 || t[1].quoted || t[1].has_key ||
          t[1].value.size() < 2 || t[1].value.back() != ':' ||
          !std::all_of(t[1].value.begin(), t[1].value.end() - 1,
                       IsThreadNameChar)) {
        return s.ErrorAt(t.size() < 2 ? l.text.size() : t[1].pos,
                         "expected 'thread NAME:' (NAME of letters, digits, "
                         "'_' and '-', the colon right after it)");
      }
      step.thread = t[1].value.substr(0, t[1].value.size() - 1);
      first = 2;
      if (t.size() == 2) {
        return s.ErrorAt(l.text.size(),
                         "expected an operation after "
                         "'thread NAME:'");
      }
    }
    const std::vector<Token> args(t.begin() + first, t.end());
    const Token& kw = args[0];
    if (kw.quoted || kw.has_key) {
      return s.ErrorAt(kw.pos,
                       "expected a keyword (geometry, profile, "
                       "toggle, kernel, cmdline, qemu, e820, numa, "
                       "memblock, dma-limit, firmware-block-size, zones, "
                       "memoryless-node, "
                       "boot, write, dimm, snapshot, schedule, "
                       "expect, thread)");
    }
    const std::string& k = kw.value;
    if (k == "geometry" || k == "profile" || k == "toggle" || k == "kernel" ||
        k == "cmdline" || k == "qemu" || k == "e820" || k == "numa" ||
        k == "memblock" || k == "dma-limit" || k == "firmware-block-size" ||
        k == "zones" || k == "memoryless-node") {
      if (!step.thread.empty()) {
        return s.ErrorAt(kw.pos, Cat("expected an operation after 'thread ",
                                     step.thread, ":', got '", k, "'"));
      }
      if (boot_line_ != 0) {
        return s.ErrorAt(kw.pos,
                         Cat("expected configuration ('", k,
                             "') before 'boot' (line ", boot_line_, ")"));
      }
      return ConfigLine(s, args);
    }
    absl::StatusOr<StepKind> kind = StepLine(s, args);
    if (!kind.ok()) return kind.status();
    step.kind = std::move(*kind);
    return AddStep(s, kw, std::move(step));
  }

  // Order rules of the body (the invariants in trace.h).
  absl::Status AddStep(const LineScanner& s, const Token& kw, Step step) {
    if (!step.thread.empty() && !MayHaveThread(step.kind)) {
      return s.ErrorAt(kw.pos,
                       Cat("expected write, dimm, expect rc or expect errno "
                           "after 'thread ",
                           step.thread, ":', got '", kw.value, "'"));
    }
    const bool is_boot = std::holds_alternative<Boot>(step.kind);
    if (is_boot) {
      if (boot_line_ != 0) {
        return s.ErrorAt(kw.pos, Cat("expected one 'boot' line, the first is "
                                     "at line ",
                                     boot_line_));
      }
      if (trace_.config.geometry.line == 0) {
        return s.ErrorAt(kw.pos,
                         "expected a 'geometry NAME' line before "
                         "'boot'");
      }
      if (trace_.config.profile_line == 0) {
        return s.ErrorAt(kw.pos,
                         "expected a 'profile vX.Y' line before "
                         "'boot'");
      }
      boot_line_ = s.line();
    } else if (boot_line_ == 0) {
      const bool cold_dimm = std::holds_alternative<DimmAdd>(step.kind);
      if (!cold_dimm || !step.thread.empty()) {
        return s.ErrorAt(kw.pos, Cat("expected 'boot' before '", kw.value,
                                     "' (only 'dimm add' may come before "
                                     "it)"));
      }
    }
    if (IsResult(step.kind)) {
      const Step* prev = trace_.steps.empty() ? nullptr : &trace_.steps.back();
      if (prev == nullptr || !std::holds_alternative<Write>(prev->kind) ||
          prev->thread != step.thread) {
        return s.ErrorAt(kw.pos,
                         step.thread.empty()
                             ? std::string("expected 'expect rc' and 'expect "
                                           "errno' right after the 'write' "
                                           "they are about")
                             : Cat("expected 'thread ", step.thread,
                                   ": expect ...' right after a 'thread ",
                                   step.thread, ": write'"));
      }
    }
    trace_.steps.push_back(std::move(step));
    return absl::OkStatus();
  }

  absl::Status WantArgs(const LineScanner& s, const std::vector<Token>& a,
                        size_t n, std::string_view shape) {
    if (a.size() < n) {
      return s.ErrorAt(s.text().size(), Cat("expected '", shape, "'"));
    }
    if (a.size() > n) {
      return s.ErrorAt(a[n].pos,
                       Cat("expected the end of the line after '", shape, "'"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> PlainArg(const LineScanner& s, const Token& t,
                                       std::string_view what) {
    if (t.has_key && t.quoted) {
      return s.ErrorAt(t.pos, Cat("expected ", what, ", got key=\"...\""));
    }
    return t.Plain();
  }

  // `0xSTART-0xEND` with an inclusive end.
  absl::StatusOr<std::pair<PhysAddr, PhysAddr>> AddrRange(const LineScanner& s,
                                                          const Token& t) {
    const char* kShape = "an address range 0xSTART-0xEND (inclusive end)";
    if (t.quoted || t.has_key)
      return s.ErrorAt(t.pos, Cat("expected ", kShape));
    const size_t dash = t.value.find('-');
    if (dash == std::string::npos) {
      return s.ErrorAt(t.pos,
                       Cat("expected ", kShape, ", got '", t.value, "'"));
    }
    absl::StatusOr<uint64_t> a =
        ParseHex(s, t.pos, std::string_view(t.value).substr(0, dash),
                 "a start address", HexPrefix::kRequired);
    if (!a.ok()) return a.status();
    absl::StatusOr<uint64_t> b = ParseHex(
        s, t.pos + dash + 1, std::string_view(t.value).substr(dash + 1),
        "an end address", HexPrefix::kRequired);
    if (!b.ok()) return b.status();
    if (*b < *a) {
      return s.ErrorAt(t.pos + dash + 1,
                       "expected an end address at or above the start");
    }
    return std::make_pair(PhysAddr(*a), PhysAddr(*b));
  }

  absl::Status ConfigLine(const LineScanner& s, const std::vector<Token>& a) {
    const std::string& k = a[0].value;
    Config& c = trace_.config;
    auto once = [&](int first_line) -> absl::Status {
      if (first_line == 0) return absl::OkStatus();
      return s.ErrorAt(a[0].pos,
                       Cat("expected one '", k, "' line, the first is at line ",
                           first_line));
    };
    if (k == "geometry") {
      if (absl::Status st = once(c.geometry.line); !st.ok()) return st;
      if (absl::Status st = WantArgs(s, a, 2, "geometry NAME"); !st.ok()) {
        return st;
      }
      const std::vector<std::string> names = model::Geometry::Names();
      if (std::find(names.begin(), names.end(), a[1].Plain()) == names.end()) {
        return s.ErrorAt(a[1].pos,
                         Cat("expected a geometry (", model::Join(names, ", "),
                             "), got '", a[1].Plain(), "'"));
      }
      c.geometry = {s.line(), a[1].Plain()};
      return absl::OkStatus();
    }
    if (k == "profile") {
      if (absl::Status st = once(c.profile_line); !st.ok()) return st;
      if (absl::Status st = WantArgs(s, a, 2, "profile vX.Y"); !st.ok()) {
        return st;
      }
      absl::StatusOr<model::KernelProfile> p =
          model::KernelProfile::Parse(a[1].Plain());
      if (!p.ok()) {
        return s.ErrorAt(
            a[1].pos, Cat("expected a profile (", model::KernelVersionNames(),
                          "), got '", a[1].Plain(), "'"));
      }
      c.profile_line = s.line();
      c.profile = p->version;
      return absl::OkStatus();
    }
    if (k == "toggle") {
      if (absl::Status st = WantArgs(s, a, 2, "toggle NAME"); !st.ok()) {
        return st;
      }
      const model::BugToggleRegistry& r = model::BugToggleRegistry::Global();
      if (r.Find(a[1].Plain()) == nullptr) {
        std::vector<std::string_view> names;
        for (const model::BugToggle* t : r.All()) names.push_back(t->name);
        return s.ErrorAt(
            a[1].pos, Cat("expected a bug toggle (", model::Join(names, ", "),
                          "), got '", a[1].Plain(), "'"));
      }
      for (const TextSetting& t : c.toggles) {
        if (t.text == a[1].Plain()) {
          return s.ErrorAt(a[1].pos, Cat("expected each toggle once, '", t.text,
                                         "' is at line ", t.line));
        }
      }
      c.toggles.push_back({s.line(), a[1].Plain()});
      return absl::OkStatus();
    }
    if (k == "kernel" || k == "cmdline" || k == "qemu") {
      std::optional<TextSetting>& slot =
          k == "kernel" ? c.kernel : (k == "cmdline" ? c.cmdline : c.qemu);
      if (absl::Status st = once(slot ? slot->line : 0); !st.ok()) return st;
      const std::string shape =
          Cat(k, k == "kernel" ? " RELEASE" : " \"TEXT\"");
      if (absl::Status st = WantArgs(s, a, 2, shape); !st.ok()) return st;
      absl::StatusOr<std::string> v = PlainArg(s, a[1], "one string");
      if (!v.ok()) return v.status();
      if (k == "kernel" && v->empty()) {
        return s.ErrorAt(a[1].pos, "expected a non-empty kernel release");
      }
      slot = TextSetting{s.line(), std::move(*v)};
      return absl::OkStatus();
    }
    if (k == "e820") {
      if (a.size() < 3) {
        return s.ErrorAt(s.text().size(), "expected 'e820 0xSTART-0xEND TYPE'");
      }
      absl::StatusOr<std::pair<PhysAddr, PhysAddr>> r = AddrRange(s, a[1]);
      if (!r.ok()) return r.status();
      std::vector<std::string> words;
      for (size_t i = 2; i < a.size(); ++i) {
        if (a[i].quoted || a[i].has_key) {
          return s.ErrorAt(a[i].pos,
                           "expected an e820 type as the kernel "
                           "prints it");
        }
        words.push_back(a[i].value);
      }
      const std::string name = model::Join(words, " ");
      std::optional<E820Type> type = ParseE820Type(name);
      if (!type.has_value()) {
        return s.ErrorAt(a[2].pos,
                         Cat("expected an e820 type (usable, reserved, soft "
                             "reserved, ACPI data, ACPI NVS, unusable, "
                             "persistent (type 7), persistent (type 12), type "
                             "N), got '",
                             name, "'"));
      }
      c.e820.push_back({s.line(), r->first, r->second, *type});
      return absl::OkStatus();
    }
    if (k == "memblock") return MemblockLine(s, a);
    if (k == "dma-limit" || k == "firmware-block-size") {
      std::optional<AddrSetting>& slot =
          k == "dma-limit" ? c.dma_limit : c.firmware_block_size;
      if (absl::Status st = once(slot ? slot->line : 0); !st.ok()) return st;
      if (absl::Status st = WantArgs(s, a, 2, Cat(k, " 0xHEX")); !st.ok()) {
        return st;
      }
      absl::StatusOr<uint64_t> v =
          HexValue(s, a[1], k == "dma-limit" ? "an address" : "a size",
                   HexPrefix::kRequired);
      if (!v.ok()) return v.status();
      if (k == "firmware-block-size" && (*v == 0 || (*v & (*v - 1)) != 0)) {
        return s.ErrorAt(a[1].pos, "expected a power of two");
      }
      slot = AddrSetting{s.line(), *v};
      return absl::OkStatus();
    }
    if (k == "zones") {
      if (absl::Status st = once(c.zones ? c.zones->line : 0); !st.ok()) {
        return st;
      }
      if (absl::Status st = WantArgs(s, a, 2, "zones NAME,NAME,...");
          !st.ok()) {
        return st;
      }
      if (a[1].quoted || a[1].has_key) {
        return s.ErrorAt(a[1].pos, "expected zone names joined with ','");
      }
      static constexpr std::string_view kOrder[] = {"DMA", "DMA32", "Normal",
                                                    "Device"};
      std::vector<std::string> names;
      size_t col = a[1].pos;
      size_t next = 0;  // index into kOrder the next name must be at or after
      for (std::string_view n : model::Split(a[1].value, ',')) {
        size_t i = next;
        while (i < std::size(kOrder) && kOrder[i] != n) ++i;
        if (i == std::size(kOrder)) {
          return s.ErrorAt(col, Cat("expected DMA, DMA32, Normal or Device, "
                                    "each once and in that order, got '",
                                    n, "'"));
        }
        names.emplace_back(n);
        next = i + 1;
        col += n.size() + 1;
      }
      if (std::find(names.begin(), names.end(), "Normal") == names.end()) {
        return s.ErrorAt(a[1].pos, "expected Normal among the zones");
      }
      c.zones = ZonesSetting{s.line(), std::move(names)};
      return absl::OkStatus();
    }
    if (k == "memoryless-node") {
      if (absl::Status st = WantArgs(s, a, 2, "memoryless-node N"); !st.ok()) {
        return st;
      }
      if (a[1].quoted || a[1].has_key) {
        return s.ErrorAt(a[1].pos, "expected a node id");
      }
      absl::StatusOr<int> node = ParseNodeId(s, a[1].pos, a[1].value, false);
      if (!node.ok()) return node.status();
      for (const NodeSetting& n : c.memoryless_nodes) {
        if (n.node.value() == *node) {
          return s.ErrorAt(a[1].pos, Cat("expected each node once, node ",
                                         *node, " is at line ", n.line));
        }
      }
      c.memoryless_nodes.push_back({s.line(), NodeId(*node)});
      return absl::OkStatus();
    }
    // numa
    if (a.size() < 3) {
      return s.ErrorAt(s.text().size(),
                       "expected 'numa 0xSTART-0xEND node=N [hotplug] "
                       "[non-volatile]'");
    }
    NumaRange n;
    n.line = s.line();
    if (absl::Status st = RangeNodeFlags(
            s, a, n.start, n.last, n.node,
            {{"hotplug", &n.hotplug}, {"non-volatile", &n.non_volatile}});
        !st.ok()) {
      return st;
    }
    c.numa.push_back(n);
    return absl::OkStatus();
  }

  // `0xSTART-0xEND node=N [FLAG]...` of a numa or memblock line: the
  // range, the required node, each flag at most once.
  absl::Status RangeNodeFlags(
      const LineScanner& s, const std::vector<Token>& a, PhysAddr& start,
      PhysAddr& last, NodeId& node,
      std::initializer_list<std::pair<std::string_view, bool*>> flags) {
    absl::StatusOr<std::pair<PhysAddr, PhysAddr>> r = AddrRange(s, a[1]);
    if (!r.ok()) return r.status();
    start = r->first;
    last = r->second;
    bool has_node = false;
    for (size_t i = 2; i < a.size(); ++i) {
      if (a[i].has_key && a[i].key == "node" && !a[i].quoted && !has_node) {
        absl::StatusOr<int> n =
            ParseNodeId(s, a[i].value_pos, a[i].value, false);
        if (!n.ok()) return n.status();
        node = NodeId(*n);
        has_node = true;
        continue;
      }
      bool* flag = nullptr;
      for (const auto& [name, f] : flags) {
        if (!a[i].quoted && !a[i].has_key && a[i].value == name) flag = f;
      }
      if (flag == nullptr || *flag) {
        std::vector<std::string> names;
        for (const auto& [name, f] : flags)
          names.push_back(Cat("'", name, "'"));
        return s.ErrorAt(a[i].pos,
                         Cat("expected node=N, ", model::Join(names, " or "),
                             " (each at most once), got '", a[i].Plain(), "'"));
      }
      *flag = true;
    }
    if (!has_node) return s.ErrorAt(s.text().size(), "expected node=N");
    return absl::OkStatus();
  }

  absl::Status MemblockLine(const LineScanner& s, const std::vector<Token>& a) {
    if (a.size() < 3) {
      return s.ErrorAt(s.text().size(),
                       "expected 'memblock 0xSTART-0xEND node=N [hotplug] "
                       "[nomap]'");
    }
    MemblockRange m;
    m.line = s.line();
    if (absl::Status st =
            RangeNodeFlags(s, a, m.start, m.last, m.node,
                           {{"hotplug", &m.hotplug}, {"nomap", &m.nomap}});
        !st.ok()) {
      return st;
    }
    std::vector<MemblockRange>& mb = trace_.config.memblock;
    if (!mb.empty() && mb.back().last >= m.start) {
      return s.ErrorAt(a[1].pos, Cat("expected a region above the one at line ",
                                     mb.back().line,
                                     " (memblock regions are ascending and "
                                     "disjoint)"));
    }
    mb.push_back(m);
    return absl::OkStatus();
  }

  // The firmware lines must be the geometry's: e820 and numa for x86, the
  // others for the architectures without e820.
  absl::Status CheckArchLines() const {
    const Config& c = trace_.config;
    const bool x86 = c.geometry.text.rfind("x86_64", 0) == 0;
    const std::string& g = c.geometry.text;
    auto err = [&](int line, std::string_view kw, std::string_view why) {
      return model::BadInput(
          {std::string(file_), line, 1},
          Cat("expected no '", kw, "' line on geometry ", g, " (", why, ")"));
    };
    if (x86) {
      if (!c.memblock.empty()) {
        return err(c.memblock.front().line, "memblock",
                   "x86 boots from its e820 lines");
      }
      if (c.zones) return err(c.zones->line, "zones", "x86 has all its zones");
      if (!c.memoryless_nodes.empty()) {
        return err(c.memoryless_nodes.front().line, "memoryless-node",
                   "x86 takes its nodes from the numa lines");
      }
    } else {
      if (!c.e820.empty()) {
        return err(c.e820.front().line, "e820",
                   "only x86 has an e820 map; write memblock lines");
      }
      if (!c.numa.empty()) {
        return err(c.numa.front().line, "numa",
                   "the node is a field of each memblock line");
      }
    }
    if (c.dma_limit && g.rfind("arm64", 0) != 0) {
      return err(c.dma_limit->line, "dma-limit",
                 "only arm64 reads a DMA limit from DT dma-ranges or IORT");
    }
    if (c.firmware_block_size && g != "ppc64" && g != "s390x") {
      return err(c.firmware_block_size->line, "firmware-block-size",
                 "only ppc64 (LMB size) and s390x (sclp rzm) have one");
    }
    return absl::OkStatus();
  }

  // key=value fields after the positional arguments: each key at most once,
  // from `allowed`.
  absl::StatusOr<std::map<std::string, const Token*>> Fields(
      const LineScanner& s, const std::vector<Token>& a, size_t from,
      const std::vector<std::string_view>& allowed) {
    std::map<std::string, const Token*> out;
    for (size_t i = from; i < a.size(); ++i) {
      const Token& t = a[i];
      if (!t.has_key ||
          std::find(allowed.begin(), allowed.end(), t.key) == allowed.end()) {
        return s.ErrorAt(t.pos,
                         Cat("expected a field (", model::Join(allowed, "=, "),
                             "=), got '", t.Plain(), "'"));
      }
      if (out.count(t.key) != 0) {
        return s.ErrorAt(
            t.pos, Cat("expected each field once, got '", t.key, "=' twice"));
      }
      out[t.key] = &t;
    }
    return out;
  }

  absl::StatusOr<uint64_t> Decimal(const LineScanner& s, const Token& t,
                                   std::string_view what) {
    if (t.quoted) return s.ErrorAt(t.pos, Cat("expected ", what, " unquoted"));
    return ParseDecimal(s, t.value_pos, t.value, what);
  }
  absl::StatusOr<uint64_t> HexValue(const LineScanner& s, const Token& t,
                                    std::string_view what, HexPrefix p) {
    if (t.quoted) return s.ErrorAt(t.pos, Cat("expected ", what, " unquoted"));
    return ParseHex(s, t.value_pos, t.value, what, p);
  }

  absl::StatusOr<ByteSize> Size(const LineScanner& s, const Token& t) {
    std::optional<ByteSize> size;
    if (!t.quoted && !t.has_key) size = ParseQemuSize(t.value);
    if (!size.has_value()) {
      return s.ErrorAt(t.pos, Cat("expected a size like 1G, 512M or 4096 "
                                  "(below 2^64), got '",
                                  t.Plain(), "'"));
    }
    if (size->IsZero()) return s.ErrorAt(t.pos, "expected a non-zero size");
    return *size;
  }

  absl::StatusOr<StepKind> StepLine(const LineScanner& s,
                                    const std::vector<Token>& a) {
    const std::string& k = a[0].value;
    if (k == "boot") {
      if (absl::Status st = WantArgs(s, a, 1, "boot"); !st.ok()) return st;
      return Boot{};
    }
    if (k == "write") {
      if (a.size() == 2) {
        return s.ErrorAt(s.text().size(),
                         "expected a value after the path (\"\" for an empty "
                         "value)");
      }
      if (absl::Status st = WantArgs(s, a, 3, "write PATH VALUE"); !st.ok()) {
        return st;
      }
      absl::StatusOr<std::string> path = PlainArg(s, a[1], "a sysfs path");
      if (!path.ok()) return path.status();
      if (path->empty() || (*path)[0] != '/') {
        return s.ErrorAt(a[1].pos,
                         Cat("expected an absolute path, got '", *path, "'"));
      }
      absl::StatusOr<std::string> value = PlainArg(s, a[2], "a value");
      if (!value.ok()) return value.status();
      return Write{std::move(*path), std::move(*value)};
    }
    if (k == "dimm") {
      const bool add = a.size() > 1 && !a[1].quoted && a[1].value == "add";
      const bool remove =
          a.size() > 1 && !a[1].quoted && a[1].value == "remove";
      if (!add && !remove) {
        return s.ErrorAt(a.size() > 1 ? a[1].pos : s.text().size(),
                         "expected 'dimm add' or 'dimm remove'");
      }
      if (a.size() < 3 || a[2].quoted || a[2].has_key ||
          !IsQemuId(a[2].value)) {
        return s.ErrorAt(a.size() > 2 ? a[2].pos : s.text().size(),
                         "expected a DIMM id (a letter, then letters, digits, "
                         "'-', '.', '_')");
      }
      if (remove) {
        if (absl::Status st = WantArgs(s, a, 3, "dimm remove ID"); !st.ok()) {
          return st;
        }
        return DimmRemove{a[2].value};
      }
      if (a.size() < 4) {
        return s.ErrorAt(s.text().size(),
                         "expected 'dimm add ID SIZE "
                         "[node=N] [addr=0xADDR]'");
      }
      DimmAdd d;
      d.id = a[2].value;
      absl::StatusOr<ByteSize> size = Size(s, a[3]);
      if (!size.ok()) return size.status();
      d.size = *size;
      auto f = Fields(s, a, 4, {"node", "addr"});
      if (!f.ok()) return f.status();
      if (auto it = f->find("node"); it != f->end()) {
        if (it->second->quoted)
          return s.ErrorAt(it->second->pos, "expected node=N");
        absl::StatusOr<int> n =
            ParseNodeId(s, it->second->value_pos, it->second->value, false);
        if (!n.ok()) return n.status();
        d.node = NodeId(*n);
      }
      if (auto it = f->find("addr"); it != f->end()) {
        absl::StatusOr<uint64_t> v =
            HexValue(s, *it->second, "addr", HexPrefix::kRequired);
        if (!v.ok()) return v.status();
        d.addr = PhysAddr(*v);
      }
      return d;
    }
    if (k == "snapshot" || k == "schedule") {
      if (absl::Status st = WantArgs(
              s, a, 2, Cat(k, " ", k == "snapshot" ? "LABEL" : "TOKEN"));
          !st.ok()) {
        return st;
      }
      absl::StatusOr<std::string> v = PlainArg(s, a[1], "one string");
      if (!v.ok()) return v.status();
      if (v->empty()) return s.ErrorAt(a[1].pos, "expected a non-empty string");
      if (k == "snapshot") return Snapshot{std::move(*v)};
      return Schedule{std::move(*v)};
    }
    if (k == "expect") return Expect(s, a);
    return s.ErrorAt(a[0].pos,
                     Cat("expected a keyword (geometry, profile, toggle, "
                         "kernel, cmdline, qemu, e820, numa, memblock, "
                         "dma-limit, firmware-block-size, zones, "
                         "memoryless-node, boot, write, "
                         "dimm, snapshot, schedule, expect, thread), got "
                         "unknown keyword '",
                         k, "'"));
  }

  absl::StatusOr<StepKind> Expect(const LineScanner& s,
                                  const std::vector<Token>& a) {
    constexpr std::string_view kWhat =
        "zone, iomem, block, block_size, auto_online, dax, dmesg, rc, errno";
    if (a.size() < 2 || a[1].quoted || a[1].has_key) {
      return s.ErrorAt(a.size() < 2 ? s.text().size() : a[1].pos,
                       Cat("expected what to expect (", kWhat, ")"));
    }
    const std::string& w = a[1].value;
    if (w == "zone") {
      auto f =
          Fields(s, a, 2, {"node", "zone", "spanned", "present", "start_pfn"});
      if (!f.ok()) return f.status();
      ExpectZone z;
      auto node = f->find("node");
      auto zone = f->find("zone");
      if (node == f->end() || zone == f->end()) {
        return s.ErrorAt(s.text().size(), "expected node=N and zone=NAME");
      }
      if (node->second->quoted) {
        return s.ErrorAt(node->second->pos, "expected node=N unquoted");
      }
      absl::StatusOr<int> nid =
          ParseNodeId(s, node->second->value_pos, node->second->value, false);
      if (!nid.ok()) return nid.status();
      z.node = NodeId(*nid);
      if (zone->second->quoted || !IsZoneName(zone->second->value)) {
        return s.ErrorAt(
            zone->second->value_pos,
            Cat("expected a zone name (", model::Join(ZoneNames(), ", "),
                "), got '", zone->second->value, "'"));
      }
      z.zone = zone->second->value;
      if (f->size() == 2) {
        return s.ErrorAt(s.text().size(),
                         "expected at least one of "
                         "spanned=, present=, start_pfn=");
      }
      for (std::string_view key : {"spanned", "present", "start_pfn"}) {
        auto it = f->find(std::string(key));
        if (it == f->end()) continue;
        absl::StatusOr<uint64_t> v = Decimal(s, *it->second, Cat(key, "="));
        if (!v.ok()) return v.status();
        if (key == "spanned") z.spanned = NrPages(*v);
        if (key == "present") z.present = NrPages(*v);
        if (key == "start_pfn") z.start_pfn = Pfn(*v);
      }
      return z;
    }
    if (w == "iomem") {
      if (absl::Status st = WantArgs(s, a, 3, "expect iomem \"LINE\"");
          !st.ok()) {
        return st;
      }
      absl::StatusOr<std::string> line = PlainArg(s, a[2], "an iomem line");
      if (!line.ok()) return line.status();
      LineScanner inner(s.file(), s.line(), *line, a[2].value_pos);
      absl::StatusOr<IomemLine> l = ParseIomemLine(inner, /*canonical=*/true);
      if (!l.ok()) return l.status();
      return ExpectIomem{std::move(*l)};
    }
    if (w == "block") {
      constexpr std::string_view kShape =
          "expect block memoryN [state=S] [phys_index=HEX] "
          "[valid_zones=Z,..|none] [removable=0|1] [node=N]";
      if (a.size() < 3 || a[2].quoted || a[2].has_key ||
          a[2].value.substr(0, 6) != "memory") {
        return s.ErrorAt(a.size() < 3 ? s.text().size() : a[2].pos,
                         Cat("expected '", kShape, "'"));
      }
      ExpectBlock b;
      std::string_view id = std::string_view(a[2].value).substr(6);
      if (id.size() > 1 && id[0] == '0') {
        return s.ErrorAt(a[2].pos, "expected memoryN without leading zeros");
      }
      absl::StatusOr<uint64_t> n =
          ParseDecimal(s, a[2].pos + 6, id, "the N of memoryN");
      if (!n.ok()) return n.status();
      b.id = BlockId(*n);
      auto f = Fields(
          s, a, 3, {"state", "phys_index", "valid_zones", "removable", "node"});
      if (!f.ok()) return f.status();
      if (f->empty()) {
        return s.ErrorAt(s.text().size(),
                         Cat("expected at least one field: '", kShape, "'"));
      }
      for (const auto& [key, t] : *f) {
        if (t->quoted) {
          return s.ErrorAt(t->pos, Cat("expected ", key, "= unquoted"));
        }
        if (key == "state") {
          b.state = ParseBlockState(t->value);
          if (!b.state) {
            return s.ErrorAt(t->value_pos, Cat("expected a block state "
                                               "(online, offline, "
                                               "going-offline), got '",
                                               t->value, "'"));
          }
        } else if (key == "phys_index") {
          absl::StatusOr<uint64_t> v =
              HexValue(s, *t, "phys_index", HexPrefix::kOptional);
          if (!v.ok()) return v.status();
          b.phys_index = BlockId(*v);
        } else if (key == "valid_zones") {
          b.valid_zones.emplace();
          if (t->value != "none") {
            size_t off = 0;
            for (std::string_view z : model::Split(t->value, ',')) {
              if (!IsZoneName(z)) {
                return s.ErrorAt(
                    t->value_pos + off,
                    Cat("expected 'none' or zone names joined "
                        "by ',' (",
                        model::Join(ZoneNames(), ", "), "), got '", z, "'"));
              }
              b.valid_zones->push_back(std::string(z));
              off += z.size() + 1;
            }
          }
        } else if (key == "removable") {
          if (t->value != "0" && t->value != "1") {
            return s.ErrorAt(t->value_pos, "expected removable=0 or 1");
          }
          b.removable = t->value == "1";
        } else {
          absl::StatusOr<int> v = ParseNodeId(s, t->value_pos, t->value, true);
          if (!v.ok()) return v.status();
          b.node = NodeId(*v);
        }
      }
      return b;
    }
    if (w == "block_size") {
      if (absl::Status st = WantArgs(s, a, 3, "expect block_size 0xHEX");
          !st.ok()) {
        return st;
      }
      absl::StatusOr<uint64_t> v =
          HexValue(s, a[2], "a block size", HexPrefix::kOptional);
      if (!v.ok()) return v.status();
      if (*v == 0) return s.ErrorAt(a[2].pos, "expected a non-zero block size");
      return ExpectBlockSize{ByteSize(*v)};
    }
    if (w == "auto_online") {
      if (absl::Status st = WantArgs(s, a, 3, "expect auto_online POLICY");
          !st.ok()) {
        return st;
      }
      std::optional<OnlineType> p = ParseOnlineType(a[2].Plain());
      if (a[2].quoted || !p) {
        return s.ErrorAt(a[2].pos, Cat("expected a policy (offline, online, "
                                       "online_kernel, online_movable), got '",
                                       a[2].Plain(), "'"));
      }
      return ExpectAutoOnline{*p};
    }
    if (w == "dax") {
      if (a.size() < 3 || a[2].quoted || a[2].has_key ||
          !IsDaxName(a[2].value)) {
        return s.ErrorAt(a.size() < 3 ? s.text().size() : a[2].pos,
                         "expected a dax device name like dax0.0");
      }
      ExpectDax d;
      d.name = a[2].value;
      auto f = Fields(s, a, 3,
                      {"driver", "size", "target_node", "align", "resource"});
      if (!f.ok()) return f.status();
      if (f->empty()) {
        return s.ErrorAt(s.text().size(),
                         "expected at least one field (driver=, size=, "
                         "target_node=, align=, resource=)");
      }
      for (const auto& [key, t] : *f) {
        if (key == "driver") {
          d.driver = t->value;
          continue;
        }
        if (key == "resource") {
          absl::StatusOr<uint64_t> v =
              HexValue(s, *t, "resource=", HexPrefix::kRequired);
          if (!v.ok()) return v.status();
          d.resource = PhysAddr(*v);
          continue;
        }
        if (key == "target_node") {
          if (t->quoted) return s.ErrorAt(t->pos, "expected target_node=N");
          absl::StatusOr<int> v = ParseNodeId(s, t->value_pos, t->value, true);
          if (!v.ok()) return v.status();
          d.target_node = NodeId(*v);
          continue;
        }
        absl::StatusOr<uint64_t> v = Decimal(s, *t, Cat(key, "="));
        if (!v.ok()) return v.status();
        (key == "size" ? d.size : d.align) = ByteSize(*v);
      }
      return d;
    }
    if (w == "dmesg") {
      if (absl::Status st = WantArgs(s, a, 3, "expect dmesg \"TEXT\"");
          !st.ok()) {
        return st;
      }
      absl::StatusOr<std::string> text = PlainArg(s, a[2], "a dmesg text");
      if (!text.ok()) return text.status();
      return ExpectDmesg{std::move(*text)};
    }
    if (w == "rc") {
      if (absl::Status st = WantArgs(s, a, 3, "expect rc 0|1"); !st.ok()) {
        return st;
      }
      if (a[2].quoted || (a[2].value != "0" && a[2].value != "1")) {
        return s.ErrorAt(a[2].pos, Cat("expected rc 0 (succeeded) or 1 "
                                       "(failed, errno unknown), got '",
                                       a[2].Plain(), "'"));
      }
      return ExpectRc{a[2].value[0] - '0'};
    }
    if (w == "errno") {
      if (a.size() < 3 || a.size() > 4) {
        return s.ErrorAt(a.size() < 3 ? s.text().size() : a[4].pos,
                         "expected 'expect errno NAME [\"TEXT\"]'");
      }
      std::optional<model::Errno> e = model::ParseErrno(a[2].Plain());
      if (a[2].quoted || !e) {
        return s.ErrorAt(a[2].pos, Cat("expected an errno name like EBUSY, "
                                       "got '",
                                       a[2].Plain(), "'"));
      }
      ExpectErrno out{*e, std::nullopt};
      if (a.size() == 4) {
        absl::StatusOr<std::string> text = PlainArg(s, a[3], "an error text");
        if (!text.ok()) return text.status();
        out.text = std::move(*text);
      }
      return out;
    }
    return s.ErrorAt(
        a[1].pos, Cat("expected what to expect (", kWhat, "), got '", w, "'"));
  }

  std::string_view text_;
  std::string_view file_;
  Trace trace_;
  int boot_line_ = 0;
};

}  // namespace

absl::StatusOr<Trace> ParseTrace(std::string_view text, std::string_view file) {
  return Parser(text, file).Run();
}

std::string QuoteIfNeeded(std::string_view s) {
  bool bare = !s.empty() && s[0] != '#';
  for (char c : s) bare = bare && IsBareChar(c);
  if (bare) return std::string(s);
  return Quote(s);
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string PrintStep(const Step& s) {
  std::string out;
  if (!s.thread.empty()) out = Cat("thread ", s.thread, ": ");
  out += KindText(s.kind);
  return out;
}

std::string PrintTrace(const Trace& t) {
  const Config& c = t.config;
  std::string out = Cat(kHeader, "\n");
  out += Cat("geometry ", c.geometry.text, "\n");
  out += Cat("profile ", model::KernelVersionName(c.profile), "\n");
  for (const TextSetting& s : c.toggles) out += Cat("toggle ", s.text, "\n");
  if (c.kernel) out += Cat("kernel ", QuoteIfNeeded(c.kernel->text), "\n");
  if (c.cmdline) out += Cat("cmdline ", Quote(c.cmdline->text), "\n");
  if (c.qemu) out += Cat("qemu ", Quote(c.qemu->text), "\n");
  for (const E820Entry& e : c.e820) {
    out += Cat("e820 ", Hex16(e.start.value()), "-", Hex16(e.last.value()), " ",
               E820TypeName(e.type), "\n");
  }
  for (const NumaRange& n : c.numa) {
    out += Cat("numa ", Hex16(n.start.value()), "-", Hex16(n.last.value()),
               " node=", n.node.value(), n.hotplug ? " hotplug" : "",
               n.non_volatile ? " non-volatile" : "", "\n");
  }
  if (c.zones) out += Cat("zones ", model::Join(c.zones->names, ","), "\n");
  for (const NodeSetting& n : c.memoryless_nodes) {
    out += Cat("memoryless-node ", n.node.value(), "\n");
  }
  if (c.dma_limit) out += Cat("dma-limit ", Hex16(c.dma_limit->value), "\n");
  if (c.firmware_block_size) {
    out +=
        Sprintf("firmware-block-size 0x%llx\n",
                static_cast<unsigned long long>(c.firmware_block_size->value));
  }
  for (const MemblockRange& m : c.memblock) {
    out += Cat("memblock ", Hex16(m.start.value()), "-", Hex16(m.last.value()),
               " node=", m.node.value(), m.hotplug ? " hotplug" : "",
               m.nomap ? " nomap" : "", "\n");
  }
  // A blank line before boot and each snapshot, and where operations start
  // after observations: the trace reads as paragraphs.
  bool prev_is_action = false;
  for (const Step& s : t.steps) {
    const bool op = IsOperation(s.kind);
    const bool mark = std::holds_alternative<Boot>(s.kind) ||
                      std::holds_alternative<Snapshot>(s.kind);
    if (mark || (op && !prev_is_action)) out += "\n";
    out += PrintStep(s);
    out += "\n";
    prev_is_action = op || IsResult(s.kind);
  }
  return out;
}

Trace WithoutLineNumbers(Trace t) {
  Config& c = t.config;
  c.geometry.line = 0;
  c.profile_line = 0;
  for (TextSetting& s : c.toggles) s.line = 0;
  for (std::optional<TextSetting>* s : {&c.kernel, &c.cmdline, &c.qemu}) {
    if (s->has_value()) (*s)->line = 0;
  }
  for (E820Entry& e : c.e820) e.line = 0;
  for (NumaRange& n : c.numa) n.line = 0;
  for (MemblockRange& m : c.memblock) m.line = 0;
  for (std::optional<AddrSetting>* a : {&c.dma_limit, &c.firmware_block_size}) {
    if (a->has_value()) (*a)->line = 0;
  }
  if (c.zones) c.zones->line = 0;
  for (NodeSetting& n : c.memoryless_nodes) n.line = 0;
  for (Step& s : t.steps) s.line = 0;
  return t;
}

}  // namespace memhp::traces
