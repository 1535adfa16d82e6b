#include "traces/capture_log.h"

#include <cstdint>
#include <string>

#include "model/status.h"
#include "model/strings.h"
#include "traces/text.h"

namespace memhp::traces {

using model::BlockId;
using model::ByteSize;
using model::Cat;
using model::NodeId;
using model::NrPages;
using model::Pfn;

std::vector<const CaptureSnapshot*> CaptureLog::Snapshots() const {
  std::vector<const CaptureSnapshot*> out;
  for (const CaptureEntry& e : entries) {
    if (const auto* s = std::get_if<CaptureSnapshot>(&e)) out.push_back(s);
  }
  return out;
}

std::vector<const CaptureStep*> CaptureLog::Steps() const {
  std::vector<const CaptureStep*> out;
  for (const CaptureEntry& e : entries) {
    if (const auto* s = std::get_if<CaptureStep>(&e)) out.push_back(s);
  }
  return out;
}

namespace {

constexpr std::string_view kHeader = "=== memhp-capture v1";
constexpr std::string_view kHeaderPrefix = "=== memhp-capture";
constexpr std::string_view kTruncated =
    " before the end of the file (truncated log?)";

enum class Phase {
  kConsole,      // before the header
  kNeedCmdline,  // after the header
  kNeedKernel,   // after cmdline
  kBody,         // between snapshots and steps
  kSnapshot,     // inside a snapshot
  kAfterEnd,     // after "=== end capture"
  kAfterQemu,    // after "=== qemu"
};

// The sections of a snapshot, in the order they must appear.
enum class Section { kNone, kZoneinfo, kIomem, kMemory, kDax, kDmesg };

constexpr std::string_view SectionMarker(Section s) {
  switch (s) {
    case Section::kZoneinfo:
      return "--- /proc/zoneinfo";
    case Section::kIomem:
      return "--- /proc/iomem";
    case Section::kMemory:
      return "--- /sys/devices/system/memory";
    case Section::kDax:
      return "--- /sys/bus/dax";
    case Section::kDmesg:
      return "--- dmesg";
    case Section::kNone:
      break;
  }
  return "";
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsKeyChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

// The blank-separated words of `text` with their byte offsets.
std::vector<std::pair<size_t, std::string_view>> Words(std::string_view text) {
  std::vector<std::pair<size_t, std::string_view>> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsBlank(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsBlank(text[i])) ++i;
    if (i > start) out.push_back({start, text.substr(start, i - start)});
  }
  return out;
}

class Reader {
 public:
  Reader(std::string_view text, std::string_view file)
      : text_(text), file_(file) {
    log_.file = std::string(file);
  }

  absl::StatusOr<CaptureLog> Run() {
    for (const TextLine& l : SplitLines(text_)) {
      if (absl::Status s = Line(l); !s.ok()) return s;
    }
    if (absl::Status s = AtEndOfFile(); !s.ok()) return s;
    return std::move(log_);
  }

 private:
  absl::Status Line(const TextLine& l) {
    LineScanner s(file_, l.number, l.text);
    if (phase_ == Phase::kConsole) {
      if (l.text == kHeader) {
        log_.header_line = l.number;
        phase_ = Phase::kNeedCmdline;
        return absl::OkStatus();
      }
      if (StartsWith(l.text, kHeaderPrefix)) {
        return s.ErrorAt(
            0, Cat("expected '", kHeader,
                   "' (unsupported capture-log version), got '", l.text, "'"));
      }
      log_.console.push_back(
          {l.number, std::string(l.text), ParseKernelLine(l.text, l.number)});
      return absl::OkStatus();
    }
    if (StartsWith(l.text, "=== ")) return Marker(s);
    if (phase_ == Phase::kSnapshot && StartsWith(l.text, "--- ")) {
      return SectionStart(s);
    }
    if (phase_ == Phase::kSnapshot && section_ == Section::kDmesg) {
      std::optional<KernelLine> k = ParseKernelLine(l.text, l.number);
      if (!k.has_value()) {
        return s.ErrorAt(0, Cat("expected a kernel line '[    t.tttttt] "
                                "text' or '=== end snapshot ",
                                Snap().label, "', got '", l.text, "'"));
      }
      Snap().dmesg.push_back(std::move(*k));
      return absl::OkStatus();
    }
    if (std::optional<KernelLine> k = ParseKernelLine(l.text, l.number)) {
      log_.interleaved.push_back(std::move(*k));
      return absl::OkStatus();
    }
    if (phase_ == Phase::kSnapshot) return SectionLine(s);
    return s.ErrorAt(0, Cat("expected ", Expected(), " or a kernel line, got '",
                            l.text, "'"));
  }

  // What the reader needs next, for messages.
  std::string Expected() const {
    switch (phase_) {
      case Phase::kConsole:
        return Cat("'", kHeader, "'");
      case Phase::kNeedCmdline:
        return "'=== cmdline <kernel command line>'";
      case Phase::kNeedKernel:
        return "'=== kernel <release>'";
      case Phase::kBody:
        if (log_.entries.empty()) return "'=== snapshot boot'";
        return "'=== step', '=== snapshot' or '=== end capture'";
      case Phase::kSnapshot:
        if (section_ == Section::kDmesg) {
          return Cat("'=== end snapshot ", Snap().label, "'");
        }
        return Cat("'", SectionMarker(Next(section_)), "'");
      case Phase::kAfterEnd:
        return "'=== qemu <QEMU memory arguments>'";
      case Phase::kAfterQemu:
        return "nothing after '=== qemu'";
    }
    return "";
  }

  static Section Next(Section s) {
    return static_cast<Section>(static_cast<int>(s) + 1);
  }

  CaptureSnapshot& Snap() {
    return std::get<CaptureSnapshot>(log_.entries.back());
  }
  const CaptureSnapshot& Snap() const {
    return std::get<CaptureSnapshot>(log_.entries.back());
  }

  absl::Status AtEndOfFile() {
    LineScanner s(file_, EndOfFileLine(text_), "");
    if (phase_ == Phase::kConsole) {
      return s.ErrorAt(0, Cat("expected '", kHeader,
                              "' somewhere in the file (no capture found)"));
    }
    if (phase_ == Phase::kSnapshot) {
      if (absl::Status st = FinishSection(s); !st.ok()) return st;
    }
    if (phase_ == Phase::kAfterQemu) return absl::OkStatus();
    if (phase_ == Phase::kBody) {
      return s.ErrorAt(0, Cat("expected '=== end capture'", kTruncated));
    }
    return s.ErrorAt(0, Cat("expected ", Expected(), kTruncated));
  }

  // --- markers -----------------------------------------------------------

  absl::Status Marker(LineScanner& s) {
    std::string_view text = s.text();
    std::string_view body = text.substr(4);
    std::string_view keyword = body.substr(0, body.find(' '));
    auto arg = [&](std::string_view kw) {
      std::string_view rest = body.substr(kw.size());
      if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
      return rest;
    };
    auto out_of_order = [&]() {
      return s.ErrorAt(0, Cat("expected ", Expected(), ", got '", text, "'"));
    };
    if (keyword == "memhp-capture") {
      return s.ErrorAt(
          0, Cat("expected ", Expected(), ", got a second capture header"));
    }
    if (keyword == "cmdline") {
      if (phase_ != Phase::kNeedCmdline) return out_of_order();
      log_.cmdline = {s.line(), std::string(arg(keyword))};
      phase_ = Phase::kNeedKernel;
      return absl::OkStatus();
    }
    if (keyword == "kernel") {
      if (phase_ != Phase::kNeedKernel) return out_of_order();
      std::string_view release = arg(keyword);
      if (Trim(release).empty() || Trim(release) != release ||
          release.find(' ') != std::string_view::npos) {
        return s.ErrorAt(4 + keyword.size(),
                         "expected one word, the kernel release (uname -r)");
      }
      log_.kernel = {s.line(), std::string(release)};
      phase_ = Phase::kBody;
      return absl::OkStatus();
    }
    if (keyword == "snapshot") {
      if (phase_ != Phase::kBody) return out_of_order();
      return SnapshotStart(s, arg(keyword));
    }
    if (keyword == "step") {
      if (phase_ != Phase::kBody || log_.entries.empty()) return out_of_order();
      return Step(s);
    }
    if (keyword == "end") {
      std::string_view what = TrimRight(arg(keyword));
      if (what == "capture") {
        if (phase_ != Phase::kBody || log_.entries.empty()) {
          return out_of_order();
        }
        log_.end_capture_line = s.line();
        phase_ = Phase::kAfterEnd;
        return absl::OkStatus();
      }
      if (StartsWith(what, "snapshot ") || what == "snapshot") {
        if (phase_ != Phase::kSnapshot || section_ != Section::kDmesg) {
          return out_of_order();
        }
        std::string_view label = what.substr(std::min<size_t>(9, what.size()));
        if (label != Snap().label) {
          return s.ErrorAt(17, Cat("expected '=== end snapshot ", Snap().label,
                                   "', got label '", label, "'"));
        }
        Snap().end_line = s.line();
        phase_ = Phase::kBody;
        return absl::OkStatus();
      }
      return s.ErrorAt(8, Cat("expected '=== end snapshot <label>' or '=== "
                              "end capture', got '",
                              text, "'"));
    }
    if (keyword == "qemu") {
      if (phase_ != Phase::kAfterEnd) return out_of_order();
      std::string_view args = arg(keyword);
      if (Trim(args).empty()) {
        return s.ErrorAt(text.size(),
                         "expected the QEMU arguments after "
                         "'=== qemu'");
      }
      log_.qemu = {s.line(), std::string(args)};
      phase_ = Phase::kAfterQemu;
      return absl::OkStatus();
    }
    return s.ErrorAt(4, Cat("expected a known marker (memhp-capture, cmdline, "
                            "kernel, snapshot, step, end, qemu), got "
                            "unknown marker '=== ",
                            keyword, "'"));
  }

  absl::Status SnapshotStart(LineScanner& s, std::string_view label) {
    if (label.empty() || label.find_first_of(" \t") != std::string_view::npos) {
      return s.ErrorAt(13, "expected one word, the snapshot label");
    }
    if (log_.entries.empty() && label != "boot") {
      return s.ErrorAt(13, Cat("expected the first snapshot to be labelled "
                               "'boot', got '",
                               label, "'"));
    }
    CaptureSnapshot snap;
    snap.line = s.line();
    snap.label = std::string(label);
    log_.entries.push_back(std::move(snap));
    phase_ = Phase::kSnapshot;
    section_ = Section::kNone;
    zone_field_ = 3;
    return absl::OkStatus();
  }

  absl::Status Step(LineScanner& s) {
    CaptureStep step;
    step.line = s.line();
    s.set_pos(9);  // after "=== step "
    const size_t n_at = s.pos();
    std::string_view n = s.TakeWhile(IsDigit);
    absl::StatusOr<uint64_t> number = ParseDecimal(s, n_at, n, "a step number");
    if (!number.ok()) return number.status();
    const int want = static_cast<int>(log_.Steps().size()) + 1;
    if (*number != static_cast<uint64_t>(want)) {
      return s.ErrorAt(n_at, Cat("expected step ", want, ", got step ", n));
    }
    step.number = want;
    if (s.Consume(" dimm ")) return DimmStep(s, std::move(step));
    if (!s.Consume(" write ")) {
      return s.Error(
          "expected ' write <path> <value> -> rc=R' or ' dimm add|remove ...'");
    }
    const size_t path_at = s.pos();
    std::string_view path = s.Word();
    if (path.empty() || path[0] != '/') {
      return s.ErrorAt(path_at, "expected an absolute sysfs path");
    }
    step.path = std::string(path);
    std::string_view rest = s.Rest();
    constexpr std::string_view kArrow = " -> rc=";
    const size_t arrow = rest.find(kArrow);
    if (arrow == std::string_view::npos) {
      return s.Error("expected ' <value> -> rc=<0|1>' after the path");
    }
    if (arrow > 0) {
      if (rest[0] != ' ') return s.Error("expected a space after the path");
      step.value = std::string(rest.substr(1, arrow - 1));
    }
    s.set_pos(s.pos() + arrow + kArrow.size());
    const size_t rc_at = s.pos();
    std::string_view rc = s.TakeWhile(IsDigit);
    if (rc != "0" && rc != "1") {
      std::string_view got = s.text().substr(rc_at);
      return s.ErrorAt(rc_at, Cat("expected rc=0 (ok) or rc=1 (failed), got "
                                  "'rc=",
                                  got.substr(0, got.find(' ')), "'"));
    }
    step.rc = rc[0] - '0';
    if (!s.AtEnd()) {
      if (!s.Consume(" ")) {
        return s.Error("expected a space or the end of the line after rc");
      }
      step.error_column = static_cast<int>(s.pos()) + 1;
      step.error = std::string(TrimRight(s.Rest()));
    }
    log_.entries.push_back(std::move(step));
    return absl::OkStatus();
  }

  // " dimm add ID SIZE -> rc=R" / " dimm remove ID -> rc=R", after
  // "=== step N dimm ". QMP either does it (rc=0) or the host stops.
  absl::Status DimmStep(LineScanner& s, CaptureStep step) {
    const bool add = s.Consume("add ");
    if (!add && !s.Consume("remove ")) {
      return s.Error("expected 'dimm add ID SIZE' or 'dimm remove ID'");
    }
    step.kind =
        add ? CaptureStep::Kind::kDimmAdd : CaptureStep::Kind::kDimmRemove;
    const size_t id_at = s.pos();
    const std::string_view id = s.Word();
    if (id.empty()) return s.ErrorAt(id_at, "expected a DIMM id");
    step.dimm_id = std::string(id);
    if (add) {
      if (!s.Consume(" ")) return s.Error("expected ' SIZE' after the id");
      const size_t size_at = s.pos();
      const std::optional<model::ByteSize> size = ParseQemuSize(s.Word());
      if (!size) {
        return s.ErrorAt(size_at, "expected a size such as 1G or 512M");
      }
      step.dimm_size = *size;
      if (s.Consume(" node=")) {
        const size_t node_at = s.pos();
        const std::string_view n = s.TakeWhile(IsDigit);
        if (n.empty() || n.size() > 4) {
          return s.ErrorAt(node_at, "expected a node number after node=");
        }
        int v = 0;
        for (char c : n) v = v * 10 + (c - '0');
        step.dimm_node = model::NodeId(v);
      }
    }
    // rc=1: the guest refused (an unplug request it could not honour, with
    // the host's note of the ACPI _OST status after it).
    if (!s.Consume(" -> rc=")) return s.Error("expected ' -> rc=<0|1>'");
    const size_t rc_at = s.pos();
    const std::string_view rc = s.TakeWhile(IsDigit);
    if (rc != "0" && rc != "1") {
      return s.ErrorAt(rc_at, "expected rc=0 (done) or rc=1 (refused)");
    }
    step.rc = rc[0] - '0';
    if (!s.AtEnd()) {
      if (!s.Consume(" ")) {
        return s.Error("expected a space or the end of the line after rc");
      }
      step.error_column = static_cast<int>(s.pos()) + 1;
      step.error = std::string(TrimRight(s.Rest()));
    }
    log_.entries.push_back(std::move(step));
    return absl::OkStatus();
  }

  // --- sections ----------------------------------------------------------

  absl::Status SectionStart(LineScanner& s) {
    std::string_view text = TrimRight(s.text());
    Section found = Section::kNone;
    for (Section c : {Section::kZoneinfo, Section::kIomem, Section::kMemory,
                      Section::kDax, Section::kDmesg}) {
      if (text == SectionMarker(c)) found = c;
    }
    if (found == Section::kNone) {
      return s.ErrorAt(4, Cat("expected a known section (/proc/zoneinfo, "
                              "/proc/iomem, /sys/devices/system/memory, "
                              "/sys/bus/dax, dmesg), got unknown section '",
                              text, "'"));
    }
    if (section_ == Section::kDmesg || found != Next(section_)) {
      return s.ErrorAt(0, Cat("expected ", Expected(), ", got '", text, "'"));
    }
    if (absl::Status st = FinishSection(s); !st.ok()) return st;
    section_ = found;
    CaptureSnapshot& snap = Snap();
    switch (found) {
      case Section::kZoneinfo:
        snap.zoneinfo_line = s.line();
        break;
      case Section::kIomem:
        snap.iomem_line = s.line();
        break;
      case Section::kMemory:
        snap.memory_line = s.line();
        break;
      case Section::kDax:
        snap.dax_line = s.line();
        break;
      case Section::kDmesg:
        snap.dmesg_line = s.line();
        break;
      case Section::kNone:
        break;
    }
    return absl::OkStatus();
  }

  // Checks that the section being left is complete; `s` is the line that
  // leaves it (a marker, or the end of the file).
  absl::Status FinishSection(const LineScanner& s) {
    switch (section_) {
      case Section::kNone:
        break;
      case Section::kZoneinfo:
        return ZoneComplete(s);
      case Section::kMemory:
        if (Snap().memory.line == 0) {
          return s.ErrorAt(0,
                           "expected 'block_size_bytes HEX "
                           "auto_online_blocks POLICY' in the "
                           "/sys/devices/system/memory section");
        }
        break;
      case Section::kIomem:
      case Section::kDax:
      case Section::kDmesg:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status SectionLine(LineScanner& s) {
    switch (section_) {
      case Section::kNone:
        return s.ErrorAt(0, Cat("expected '", SectionMarker(Section::kZoneinfo),
                                "' after '=== snapshot ", Snap().label,
                                "', got '", s.text(), "'"));
      case Section::kZoneinfo:
        return ZoneinfoLine(s);
      case Section::kIomem:
        return IomemLineIn(s);
      case Section::kMemory:
        return MemoryLine(s);
      case Section::kDax:
        return DaxLine(s);
      case Section::kDmesg:
        break;  // handled by Line()
    }
    return absl::OkStatus();
  }

  // Zone fields in the order /proc/zoneinfo prints them.
  static constexpr std::string_view kZoneFields[] = {"spanned", "present",
                                                     "managed"};

  absl::Status ZoneComplete(const LineScanner& s) {
    if (Snap().zones.empty() || zone_field_ >= 3) return absl::OkStatus();
    const ZoneinfoRecord& z = Snap().zones.back();
    return s.ErrorAt(
        0, Cat("expected '", kZoneFields[zone_field_], "' for zone ", z.zone,
               " of node ", z.node.value(), " (line ", z.line, ")"));
  }

  absl::Status ZoneinfoLine(LineScanner& s) {
    if (s.Consume("Node ")) {
      if (absl::Status st = ZoneComplete(s); !st.ok()) return st;
      ZoneinfoRecord z;
      z.line = s.line();
      s.SkipBlanks();
      const size_t at = s.pos();
      absl::StatusOr<int> node =
          ParseNodeId(s, at, s.TakeWhile(IsDigit), /*allow_no_node=*/false);
      if (!node.ok()) return node.status();
      z.node = NodeId(*node);
      if (!s.Consume(",")) return s.Error("expected ',' after the node id");
      s.SkipBlanks();
      if (!s.Consume("zone")) return s.Error("expected 'zone'");
      if (s.SkipBlanks() == 0) return s.Error("expected a space after 'zone'");
      const size_t name_at = s.pos();
      std::string_view name = s.Word();
      if (!IsZoneName(name)) {
        return s.ErrorAt(name_at, Cat("expected a zone name (DMA, DMA32, "
                                      "Normal, HighMem, Movable, Device), "
                                      "got '",
                                      name, "'"));
      }
      z.zone = std::string(name);
      if (absl::Status st = s.ExpectEnd("the zone name"); !st.ok()) return st;
      Snap().zones.push_back(std::move(z));
      zone_field_ = 0;
      return absl::OkStatus();
    }
    s.SkipBlanks();
    const size_t key_at = s.pos();
    std::string_view key =
        s.TakeWhile([](char c) { return IsKeyChar(c) || c == ':'; });
    if (Snap().zones.empty()) {
      return s.ErrorAt(
          key_at, Cat("expected 'Node N, zone NAME', got '", s.text(), "'"));
    }
    ZoneinfoRecord& z = Snap().zones.back();
    const bool is_start = key == "start_pfn:";
    if (is_start ? zone_field_ != 3
                 : (zone_field_ >= 3 || key != kZoneFields[zone_field_])) {
      const std::string want =
          zone_field_ < 3 ? Cat("'", kZoneFields[zone_field_], "'")
          : zone_field_ == 3
              ? std::string("'start_pfn:' or 'Node N, zone NAME'")
              : std::string("'Node N, zone NAME'");
      return s.ErrorAt(key_at, Cat("expected ", want, " for zone ", z.zone,
                                   ", got '", Trim(s.text()), "'"));
    }
    if (s.SkipBlanks() == 0)
      return s.Error(Cat("expected a space after ", key));
    const size_t v_at = s.pos();
    absl::StatusOr<uint64_t> v =
        ParseDecimal(s, v_at, s.Word(), Cat("the value of ", key));
    if (!v.ok()) return v.status();
    if (absl::Status st = s.ExpectEnd(key); !st.ok()) return st;
    switch (zone_field_) {
      case 0:
        z.spanned = NrPages(*v);
        break;
      case 1:
        z.present = NrPages(*v);
        break;
      case 2:
        z.managed = NrPages(*v);
        break;
      default:
        z.start_pfn = Pfn(*v);
        break;
    }
    ++zone_field_;
    return absl::OkStatus();
  }

  absl::Status IomemLineIn(LineScanner& s) {
    absl::StatusOr<IomemLine> l = ParseIomemLine(s, /*canonical=*/false);
    if (!l.ok()) return l.status();
    std::vector<IomemRecord>& iomem = Snap().iomem;
    const int max_depth = iomem.empty() ? 0 : iomem.back().iomem.depth + 1;
    if (l->depth > max_depth) {
      return s.ErrorAt(0, Cat("expected at most ", max_depth * 2,
                              " spaces of indentation (one level below the "
                              "line above), got ",
                              l->depth * 2));
    }
    iomem.push_back({s.line(), std::move(*l)});
    return absl::OkStatus();
  }

  absl::Status MemoryLine(LineScanner& s) {
    MemorySection& m = Snap().memory;
    const auto words = Words(s.text());
    if (m.line == 0) {
      if (words.size() != 4 || words[0].second != "block_size_bytes" ||
          words[2].second != "auto_online_blocks") {
        return s.ErrorAt(0, Cat("expected 'block_size_bytes HEX "
                                "auto_online_blocks POLICY', got '",
                                s.text(), "'"));
      }
      absl::StatusOr<uint64_t> size =
          ParseHex(s, words[1].first, words[1].second, "block_size_bytes",
                   HexPrefix::kForbidden);
      if (!size.ok()) return size.status();
      if (*size == 0) {
        return s.ErrorAt(words[1].first, "expected a non-zero block size");
      }
      std::optional<OnlineType> policy = ParseOnlineType(words[3].second);
      if (!policy.has_value()) {
        return s.ErrorAt(words[3].first,
                         Cat("expected an auto_online_blocks policy (offline, "
                             "online, online_kernel, online_movable), got '",
                             words[3].second, "'"));
      }
      m.line = s.line();
      m.block_size = ByteSize(*size);
      m.auto_online = *policy;
      return absl::OkStatus();
    }
    constexpr std::string_view kShape =
        "'memoryN state=S phys_index=HEX valid_zones=Z removable=0|1 node=N'";
    if (words.empty() || words[0].second.substr(0, 6) != "memory") {
      return s.ErrorAt(0, Cat("expected ", kShape, ", got '", s.text(), "'"));
    }
    MemoryBlockRecord b;
    b.line = s.line();
    std::string_view id = words[0].second.substr(6);
    if (id.empty() || (id.size() > 1 && id[0] == '0')) {
      return s.ErrorAt(words[0].first, Cat("expected memoryN with a decimal N, "
                                           "got '",
                                           words[0].second, "'"));
    }
    absl::StatusOr<uint64_t> n =
        ParseDecimal(s, words[0].first + 6, id, "the block number of memoryN");
    if (!n.ok()) return n.status();
    b.id = BlockId(*n);
    static constexpr std::string_view kKeys[] = {
        "state", "phys_index", "valid_zones", "removable", "node"};
    if (words.size() != 6) {
      return s.ErrorAt(0, Cat("expected ", kShape, ", got '", s.text(), "'"));
    }
    for (size_t i = 0; i < 5; ++i) {
      const auto [at, word] = words[i + 1];
      const size_t eq = word.find('=');
      if (eq == std::string_view::npos || word.substr(0, eq) != kKeys[i]) {
        return s.ErrorAt(at, Cat("expected '", kKeys[i], "=' (", kShape,
                                 "), got '", word, "'"));
      }
      std::string_view value = word.substr(eq + 1);
      const size_t v_at = at + eq + 1;
      switch (i) {
        case 0: {
          std::optional<BlockState> st = ParseBlockState(value);
          if (!st.has_value()) {
            return s.ErrorAt(v_at, Cat("expected a block state (online, "
                                       "offline, going-offline), got '",
                                       value, "'"));
          }
          b.state = *st;
          break;
        }
        case 1: {
          absl::StatusOr<uint64_t> v =
              ParseHex(s, v_at, value, "phys_index", HexPrefix::kForbidden);
          if (!v.ok()) return v.status();
          b.phys_index = BlockId(*v);
          break;
        }
        case 2: {
          if (value == "none") break;
          size_t off = 0;
          for (std::string_view z : model::Split(value, ',')) {
            if (!IsZoneName(z)) {
              return s.ErrorAt(v_at + off,
                               Cat("expected 'none' or zone names joined by "
                                   "',' (DMA, DMA32, Normal, HighMem, "
                                   "Movable, Device), got '",
                                   z, "'"));
            }
            b.valid_zones.push_back(std::string(z));
            off += z.size() + 1;
          }
          break;
        }
        case 3:
          if (value != "0" && value != "1") {
            return s.ErrorAt(
                v_at, Cat("expected removable=0 or 1, got '", value, "'"));
          }
          b.removable = value == "1";
          break;
        case 4: {
          absl::StatusOr<int> node =
              ParseNodeId(s, v_at, value, /*allow_no_node=*/true);
          if (!node.ok()) return node.status();
          b.node = NodeId(*node);
          break;
        }
      }
    }
    m.blocks.push_back(std::move(b));
    return absl::OkStatus();
  }

  absl::Status DaxLine(LineScanner& s) {
    const auto words = Words(s.text());
    if (words.empty() || words[0].first != 0 ||
        words[0].second.find('=') != std::string_view::npos) {
      return s.ErrorAt(0, Cat("expected 'NAME key=value ...' (a dax device), "
                              "got '",
                              s.text(), "'"));
    }
    DaxRecord d;
    d.line = s.line();
    d.name = std::string(words[0].second);
    for (size_t i = 1; i < words.size(); ++i) {
      const auto [at, word] = words[i];
      const size_t eq = word.find('=');
      std::string_view key = word.substr(0, std::min(eq, word.size()));
      bool key_ok = eq != std::string_view::npos && !key.empty();
      for (char c : key) key_ok = key_ok && IsKeyChar(c);
      if (!key_ok) {
        return s.ErrorAt(at, Cat("expected key=value, got '", word, "'"));
      }
      for (const auto& [k, v] : d.fields) {
        if (k == key) {
          return s.ErrorAt(
              at, Cat("expected each key once, got '", key, "' twice"));
        }
      }
      d.fields.push_back({std::string(key), std::string(word.substr(eq + 1))});
    }
    Snap().dax.push_back(std::move(d));
    return absl::OkStatus();
  }

  std::string_view text_;
  std::string_view file_;
  CaptureLog log_;
  Phase phase_ = Phase::kConsole;
  Section section_ = Section::kNone;
  int zone_field_ = 3;  // next field of the last zone: 0..2, 3 = start_pfn
};

}  // namespace

absl::StatusOr<CaptureLog> ReadCaptureLog(std::string_view text,
                                          std::string_view file) {
  return Reader(text, file).Run();
}

}  // namespace memhp::traces
