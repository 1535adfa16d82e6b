#include "traces/dmesg_import.h"

#include <optional>
#include <string>
#include <vector>

#include "hotplug/arch_zones.h"
#include "hotplug/zone.h"
#include "model/geometry.h"
#include "model/status.h"
#include "model/strings.h"
#include "traces/kernel_text.h"
#include "traces/scope.h"
#include "traces/text.h"

namespace memhp::traces {

using model::Cat;
using model::NodeId;
using model::PhysAddr;

namespace {

// One line of the log with its kernel message.
struct LogLine {
  int number = 0;
  std::string_view message;
  size_t column = 0;    // byte offset of the message in the file line
  bool marked = false;  // a printk timestamp or a journal "kernel: " prefix
};

// "[" blanks digits "." digits "]" at `i`; returns the index after ']'.
std::optional<size_t> Timestamp(std::string_view l, size_t i) {
  if (i >= l.size() || l[i] != '[') return std::nullopt;
  size_t j = i + 1;
  while (j < l.size() && l[j] == ' ') ++j;
  const size_t d = j;
  while (j < l.size() && IsDigit(l[j])) ++j;
  if (j == d || j >= l.size() || l[j] != '.') return std::nullopt;
  const size_t f = ++j;
  while (j < l.size() && IsDigit(l[j])) ++j;
  if (j == f || j >= l.size() || l[j] != ']') return std::nullopt;
  return j + 1;
}

// A printk caller id "[    T0]" / "[  C12]" at `i`; returns the index after.
std::optional<size_t> CallerId(std::string_view l, size_t i) {
  if (i >= l.size() || l[i] != '[') return std::nullopt;
  size_t j = i + 1;
  while (j < l.size() && l[j] == ' ') ++j;
  if (j >= l.size() || (l[j] != 'T' && l[j] != 'C')) return std::nullopt;
  const size_t d = ++j;
  while (j < l.size() && IsDigit(l[j])) ++j;
  if (j == d || j >= l.size() || l[j] != ']') return std::nullopt;
  return j + 1;
}

LogLine Message(const TextLine& t) {
  std::string_view l = t.text;
  LogLine out{.number = t.number, .message = l};
  // The first printk timestamp in the line: what precedes it is a prefix
  // (a syslog level, LAVA's date).
  for (size_t i = l.find('['); i != std::string_view::npos;
       i = l.find('[', i + 1)) {
    std::optional<size_t> end = Timestamp(l, i);
    if (!end) continue;
    size_t p = *end;
    const size_t after_space = p < l.size() && l[p] == ' ' ? p + 1 : p;
    if (std::optional<size_t> c = CallerId(l, p)) {
      p = *c;
    } else if (std::optional<size_t> c2 = CallerId(l, after_space)) {
      p = *c2;
    }
    if (p < l.size() && l[p] == ' ') ++p;
    out.column = p;
    out.message = l.substr(p);
    out.marked = true;
    return out;
  }
  constexpr std::string_view kJournal = " kernel: ";
  if (const size_t k = l.find(kJournal); k != std::string_view::npos) {
    out.column = k + kJournal.size();
    out.message = l.substr(out.column);
    out.marked = true;
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

class Importer {
 public:
  Importer(std::string_view text, std::string_view file,
           const DmesgImportOptions& o)
      : text_(text), file_(file), o_(o) {}

  absl::StatusOr<Trace> Run() {
    absl::StatusOr<model::Geometry> g =
        model::Geometry::Named(o_.geometry, o_.profile);
    if (!g.ok()) {
      return model::BadInput({std::string(file_), 1, 1},
                             Cat("expected a geometry the profile has: ",
                                 std::string(g.status().message())));
    }
    const bool x86 = g->arch() == model::Arch::kX86_64;
    if (absl::Status s = Lines(); !s.ok()) return s;
    Trace t;
    Config& c = t.config;
    c.geometry = {0, o_.geometry};
    c.profile = o_.profile;
    std::vector<std::string_view> texts;
    for (size_t i = begin_; i < end_; ++i) texts.push_back(lines_[i].message);
    std::vector<std::string> zones;
    bool in_zones = false, in_early = false;
    for (size_t i = begin_; i < end_; ++i) {
      const LogLine& l = lines_[i];
      std::string_view m = l.message;
      LineScanner s(file_, l.number, m, l.column);
      const bool indented = StartsWith(m, "  ");
      if (!indented) in_zones = in_early = false;
      if (StartsWith(m, "Linux version ") && !c.kernel) {
        std::string_view rest = m.substr(14);
        const size_t sp = rest.find(' ');
        std::string_view release = rest.substr(0, sp);
        if (!release.empty()) c.kernel = TextSetting{0, std::string(release)};
      } else if (StartsWith(m, "Kernel command line: ") && !c.cmdline) {
        c.cmdline = TextSetting{0, std::string(m.substr(21))};
      } else if (m == "Zone ranges:") {
        in_zones = true;
      } else if (m == "Early memory node ranges") {
        in_early = true;
      } else if (in_zones && indented) {
        std::string_view name = Trim(m);
        zones.emplace_back(name.substr(0, name.find(' ')));
      } else if (in_early && indented) {
        if (x86) continue;
        absl::Status st = Memblock(s, c);
        if (!st.ok()) return st;
      } else if (StartsWith(m, "Initmem setup node ") && m.size() > 14 &&
                 m.substr(m.size() - 14) == " as memoryless") {
        if (x86) continue;
        s.Consume("Initmem setup node ");
        const size_t at = s.pos();
        absl::StatusOr<int> node =
            ParseNodeId(s, at, s.TakeWhile(IsDigit), false);
        if (!node.ok()) return node.status();
        c.memoryless_nodes.push_back({0, NodeId(*node)});
      } else if (x86 && StartsWith(m, "BIOS-e820: [mem ")) {
        if (absl::Status st = E820(s, c); !st.ok()) return st;
      } else if (x86 && StartsWith(m, "ACPI: SRAT: Node ")) {
        if (absl::Status st = Srat(s, c); !st.ok()) return st;
      }
    }
    if (x86 && c.e820.empty()) {
      return model::BadInput({std::string(file_), lines_[begin_].number, 1},
                             "expected BIOS-e820 lines in the boot (the x86 "
                             "firmware memory map)");
    }
    if (!x86) {
      if (c.memblock.empty()) {
        return model::BadInput(
            {std::string(file_), lines_[zone_ranges_].number, 1},
            "expected 'Early memory node ranges' with '  node N: [mem "
            "START-END]' lines in the boot");
      }
      // A zones line only where the kernel's zones differ from the
      // architecture's defaults (which include ZONE_DEVICE).
      const hotplug::ConfiguredZones defaults = hotplug::ArchPossibleZones(
          g->arch(), model::KernelProfile::For(o_.profile));
      std::vector<std::string> default_names;
      for (int i = 0; i < hotplug::kMaxNrZones; ++i) {
        if (defaults[i] && i != static_cast<int>(hotplug::ZoneType::kMovable)) {
          default_names.emplace_back(hotplug::ZoneName(hotplug::ZoneAt(i)));
        }
      }
      if (zones != default_names) {
        for (const std::string& z : zones) {
          std::optional<hotplug::ZoneType> zt = hotplug::ZoneFromName(z);
          if (!zt || *zt == hotplug::ZoneType::kMovable) {
            return model::BadInput(
                {std::string(file_), lines_[zone_ranges_].number, 1},
                Cat("expected zone names the model knows in the 'Zone "
                    "ranges:' block, got '",
                    z, "'"));
          }
        }
        c.zones = ZonesSetting{0, zones};
      }
    }
    t.steps.push_back({0, "", Boot{}});
    const std::vector<bool> claimed = ClaimedDmesgLines(texts);
    for (size_t i = 0; i < texts.size(); ++i) {
      if (!claimed[i]) continue;
      t.steps.push_back({0, "", ExpectDmesg{std::string(TrimRight(texts[i]))}});
    }
    return t;
  }

 private:
  // Splits the log, keeps the kernel lines and finds the first boot.
  absl::Status Lines() {
    const std::vector<TextLine> all = SplitLines(text_);
    size_t i = 0;
    while (i < all.size() && StartsWith(all[i].text, "#")) ++i;
    std::vector<LogLine> lines;
    bool any_marked = false;
    for (; i < all.size(); ++i) {
      TextLine t = all[i];
      if (!t.text.empty() && t.text.back() == '\r') {
        t.text.remove_suffix(1);
      }
      lines.push_back(Message(t));
      any_marked |= lines.back().marked;
    }
    for (const LogLine& l : lines) {
      if (!any_marked || l.marked) lines_.push_back(l);
    }
    size_t z = 0;
    while (z < lines_.size() && lines_[z].message != "Zone ranges:") ++z;
    if (z == lines_.size()) {
      return model::BadInput({std::string(file_), EndOfFileLine(text_), 1},
                             "expected a 'Zone ranges:' line (the boot's "
                             "memory map) in the log");
    }
    zone_ranges_ = z;
    begin_ = z;
    while (begin_ > 0 &&
           !StartsWith(lines_[begin_].message, "Linux version ")) {
      --begin_;
    }
    end_ = z + 1;
    while (end_ < lines_.size() &&
           !StartsWith(lines_[end_].message, "Linux version ") &&
           lines_[end_].message != "Zone ranges:") {
      ++end_;
    }
    return absl::OkStatus();
  }

  // "  node %3d: [mem %#018Lx-%#018Lx]".
  absl::Status Memblock(LineScanner& s, Config& c) {
    if (!s.Consume("  node ")) {
      return s.Error("expected '  node N: [mem START-END]'");
    }
    s.SkipBlanks();
    const size_t at = s.pos();
    absl::StatusOr<int> node = ParseNodeId(s, at, s.TakeWhile(IsDigit), false);
    if (!node.ok()) return node.status();
    if (!s.Consume(": [mem ")) return s.Error("expected ': [mem START-END]'");
    const size_t range_at = s.pos();
    absl::StatusOr<std::pair<PhysAddr, PhysAddr>> r = ParseMemRange(s);
    if (!r.ok()) return r.status();
    if (!c.memblock.empty() && c.memblock.back().last >= r->first) {
      return s.ErrorAt(range_at,
                       "expected a range above the previous node range "
                       "(memblock is ascending and disjoint)");
    }
    c.memblock.push_back({0, r->first, r->second, NodeId(*node)});
    return absl::OkStatus();
  }

  // "BIOS-e820: [mem 0x%016Lx-0x%016Lx] TYPE".
  absl::Status E820(LineScanner& s, Config& c) {
    s.Consume("BIOS-e820: [mem ");
    absl::StatusOr<std::pair<PhysAddr, PhysAddr>> r = ParseMemRange(s);
    if (!r.ok()) return r.status();
    if (!s.Consume(" ")) return s.Error("expected a space before the type");
    std::optional<E820Type> type = ParseE820Type(TrimRight(s.Rest()));
    if (!type) {
      return s.Error(
          Cat("expected an e820 type as e820_print_type() prints "
              "it, got '",
              s.Rest(), "'"));
    }
    c.e820.push_back({0, r->first, r->second, *type});
    return absl::OkStatus();
  }

  // "ACPI: SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s%s".
  absl::Status Srat(LineScanner& s, Config& c) {
    s.Consume("ACPI: SRAT: Node ");
    absl::StatusOr<SratMemoryLine> srat = ParseSratMemoryLine(s);
    if (!srat.ok()) return srat.status();
    c.numa.push_back({.start = srat->start,
                      .last = srat->last,
                      .node = NodeId(srat->node),
                      .hotplug = srat->hotplug,
                      .non_volatile = srat->non_volatile});
    return absl::OkStatus();
  }

  std::string_view text_;
  std::string_view file_;
  const DmesgImportOptions& o_;
  std::vector<LogLine> lines_;
  size_t begin_ = 0, end_ = 0, zone_ranges_ = 0;
};

}  // namespace

absl::StatusOr<Trace> ImportDmesg(std::string_view text, std::string_view file,
                                  const DmesgImportOptions& options) {
  return Importer(text, file, options).Run();
}

}  // namespace memhp::traces
