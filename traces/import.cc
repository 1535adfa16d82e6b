#include "traces/import.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "model/profile.h"
#include "model/status.h"
#include "model/strings.h"
#include "traces/scope.h"
#include "traces/text.h"

namespace memhp::traces {

using model::BlockId;
using model::ByteSize;
using model::Cat;
using model::NodeId;
using model::PhysAddr;

namespace {

constexpr size_t kKernelMarker = 11;  // "=== kernel "
constexpr size_t kQemuMarker = 9;     // "=== qemu "

// A scanner over the text of a kernel line, with columns of the file line.
LineScanner Scan(const CaptureLog& log, const KernelLine& k) {
  return LineScanner(log.file, k.line, k.text, k.timestamp.size() + 1);
}

// geometry and profile from `uname -r`: "6.1.0-56-amd64".
absl::Status Release(const CaptureLog& log, Config& c) {
  const std::string& r = log.kernel.text;
  LineScanner s(log.file, log.kernel.line, r, kKernelMarker);
  constexpr std::string_view kAmd64 = "-amd64";
  if (r.size() < kAmd64.size() ||
      std::string_view(r).substr(r.size() - kAmd64.size()) != kAmd64) {
    return s.ErrorAt(0, Cat("expected an amd64 kernel release (the oracle's "
                            "only architecture), got '",
                            r, "'"));
  }
  const size_t dot = r.find('.');
  const size_t end = r.find_first_not_of("0123456789", dot + 1);
  const std::string version = r.substr(0, end);
  absl::StatusOr<model::KernelProfile> p = model::KernelProfile::Parse(version);
  if (dot == std::string::npos || !p.ok()) {
    return s.ErrorAt(0, Cat("expected a kernel release with a profile (",
                            model::KernelVersionNames(), "), got '", r, "'"));
  }
  c.geometry = {0, "x86_64"};
  c.profile = p->version;
  c.kernel = TextSetting{0, r};
  return absl::OkStatus();
}

// 4- or 5-level paging, from e820__end_of_ram_pfn()'s "last_pfn = %#lx
// max_arch_pfn = %#lx": MAX_ARCH_PFN is 1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT),
// 2^34 with 46 bits and 2^40 with 52 (QEMU's "-cpu max" under TCG has LA57).
std::string X86Geometry(const CaptureSnapshot& boot) {
  for (const KernelLine& k : boot.dmesg) {
    if (k.text.find("max_arch_pfn = 0x10000000000") != std::string::npos) {
      return "x86_64-la57";
    }
  }
  return "x86_64";
}

// "BIOS-e820: [mem 0x%016Lx-0x%016Lx] TYPE" and
// "ACPI: SRAT: Node %u PXM %u [mem %#010Lx-%#010Lx]%s%s" of the boot dmesg.
absl::Status Firmware(const CaptureLog& log, const CaptureSnapshot& boot,
                      Config& c) {
  for (const KernelLine& k : boot.dmesg) {
    LineScanner s = Scan(log, k);
    if (s.Consume("BIOS-e820: [mem ")) {
      absl::StatusOr<std::pair<PhysAddr, PhysAddr>> r = ParseMemRange(s);
      if (!r.ok()) return r.status();
      if (!s.Consume(" ")) return s.Error("expected a space before the type");
      std::optional<E820Type> type = ParseE820Type(s.Rest());
      if (!type.has_value()) {
        return s.Error(
            Cat("expected an e820 type as e820_print_type() "
                "prints it, got '",
                s.Rest(), "'"));
      }
      c.e820.push_back({0, r->first, r->second, *type});
      continue;
    }
    if (s.Consume("ACPI: SRAT: Node ")) {
      absl::StatusOr<SratMemoryLine> srat = ParseSratMemoryLine(s);
      if (!srat.ok()) return srat.status();
      const NumaRange n{.start = srat->start,
                        .last = srat->last,
                        .node = NodeId(srat->node),
                        .hotplug = srat->hotplug,
                        .non_volatile = srat->non_volatile};
      if (!s.AtEnd()) {
        return s.Error(
            "expected ' hotplug', ' non-volatile' or the end of "
            "the line");
      }
      c.numa.push_back(n);
    }
  }
  if (c.e820.empty()) {
    LineScanner s(log.file, boot.dmesg_line, "");
    return s.ErrorAt(0,
                     "expected BIOS-e820 lines in the boot snapshot's "
                     "dmesg (the firmware memory map)");
  }
  return absl::OkStatus();
}

// Words of the QEMU arguments with their offsets.
std::vector<std::pair<size_t, std::string_view>> ArgWords(std::string_view s) {
  std::vector<std::pair<size_t, std::string_view>> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsBlank(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !IsBlank(s[i])) ++i;
    if (i > start) out.push_back({start, s.substr(start, i - start)});
  }
  return out;
}

// "type,key=value,key=value" of -object and -device.
struct QemuOpts {
  size_t at = 0;
  std::string_view type;
  std::map<std::string_view, std::string_view> props;
};

QemuOpts Opts(size_t at, std::string_view word) {
  QemuOpts o;
  o.at = at;
  std::vector<std::string_view> parts = model::Split(word, ',');
  o.type = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos) continue;
    o.props[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
  }
  return o;
}

// Cold-plugged DIMMs: each `-device pc-dimm,id=ID,memdev=M[,node=N]
// [,addr=A]` with the size of `-object memory-backend-*,id=M,size=S`.
absl::StatusOr<std::vector<Step>> ColdDimms(const CaptureLog& log) {
  LineScanner s(log.file, log.qemu.line, log.qemu.text, kQemuMarker);
  std::map<std::string_view, QemuOpts> backends;
  std::vector<QemuOpts> dimms;
  const auto words = ArgWords(log.qemu.text);
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const QemuOpts o = Opts(words[i + 1].first, words[i + 1].second);
    if (words[i].second == "-object" &&
        o.type.substr(0, 15) == "memory-backend-") {
      backends[o.props.count("id") ? o.props.at("id") : ""] = o;
    }
    if (words[i].second == "-device" && o.type == "pc-dimm") dimms.push_back(o);
  }
  std::vector<Step> out;
  for (const QemuOpts& d : dimms) {
    auto prop = [&](std::string_view k) -> std::optional<std::string_view> {
      auto it = d.props.find(k);
      if (it == d.props.end()) return std::nullopt;
      return it->second;
    };
    DimmAdd add;
    if (!prop("id")) return s.ErrorAt(d.at, "expected id= on the pc-dimm");
    add.id = std::string(*prop("id"));
    auto backend =
        prop("memdev") ? backends.find(*prop("memdev")) : backends.end();
    if (backend == backends.end() || !backend->second.props.count("size")) {
      return s.ErrorAt(d.at,
                       "expected memdev= naming a -object "
                       "memory-backend-* with a size=");
    }
    std::optional<ByteSize> size =
        ParseQemuSize(backend->second.props.at("size"));
    if (!size.has_value() || size->IsZero()) {
      return s.ErrorAt(backend->second.at, "expected a backend size like 1G");
    }
    add.size = *size;
    if (std::optional<std::string_view> node = prop("node")) {
      absl::StatusOr<int> n = ParseNodeId(s, d.at, *node, false);
      if (!n.ok()) return n.status();
      add.node = NodeId(*n);
    }
    if (std::optional<std::string_view> addr = prop("addr")) {
      const bool hex = addr->substr(0, 2) == "0x" || addr->substr(0, 2) == "0X";
      absl::StatusOr<uint64_t> a =
          hex ? ParseHex(s, d.at, *addr, "addr=", HexPrefix::kRequired)
              : ParseDecimal(s, d.at, *addr, "addr=");
      if (!a.ok()) return a.status();
      add.addr = PhysAddr(*a);
    }
    out.push_back({0, "", std::move(add)});
  }
  return out;
}

absl::StatusOr<ExpectDax> Dax(const CaptureLog& log, const DaxRecord& d) {
  LineScanner s(log.file, d.line, "");
  ExpectDax e;
  e.name = d.name;
  for (const auto& [key, value] : d.fields) {
    LineScanner v(log.file, d.line, value);
    const std::string what = Cat("dax ", key, "=");
    if (key == "driver") {
      e.driver = value;
    } else if (key == "size" || key == "align") {
      absl::StatusOr<uint64_t> n = ParseDecimal(v, 0, value, what);
      if (!n.ok()) return n.status();
      (key == "size" ? e.size : e.align) = ByteSize(*n);
    } else if (key == "target_node") {
      absl::StatusOr<int> n = ParseNodeId(v, 0, value, true);
      if (!n.ok()) return n.status();
      e.target_node = NodeId(*n);
    } else if (key == "resource") {
      absl::StatusOr<uint64_t> n =
          ParseHex(v, 0, value, what, HexPrefix::kRequired);
      if (!n.ok()) return n.status();
      e.resource = PhysAddr(*n);
    } else {
      return s.ErrorAt(0, Cat("expected dax fields driver, size, "
                              "target_node, align, resource; got '",
                              key, "'"));
    }
  }
  return e;
}

absl::Status SnapshotExpects(const CaptureLog& log, const CaptureSnapshot& snap,
                             std::vector<Step>& out) {
  // Each expect carries the capture-log line it stands for, so a replay of
  // the log points at the kernel's own output.
  auto add = [&](int line, StepKind k) {
    out.push_back({line, "", std::move(k)});
  };
  for (const ZoneinfoRecord& z : snap.zones) {
    add(z.line, ExpectZone{z.node, z.zone, z.spanned, z.present, z.start_pfn});
  }
  for (const IomemRecord& i : snap.iomem) {
    if (IsClaimedIomemName(i.iomem.name)) add(i.line, ExpectIomem{i.iomem});
  }
  add(snap.memory.line, ExpectBlockSize{snap.memory.block_size});
  add(snap.memory.line, ExpectAutoOnline{snap.memory.auto_online});
  for (const MemoryBlockRecord& b : snap.memory.blocks) {
    add(b.line, ExpectBlock{b.id, b.state, b.phys_index, b.valid_zones,
                            b.removable, b.node});
  }
  for (const DaxRecord& d : snap.dax) {
    absl::StatusOr<ExpectDax> e = Dax(log, d);
    if (!e.ok()) return e.status();
    add(d.line, std::move(*e));
  }
  std::vector<std::string_view> texts;
  for (const KernelLine& k : snap.dmesg) texts.push_back(k.text);
  const std::vector<bool> claimed = ClaimedDmesgLines(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    if (claimed[i]) add(snap.dmesg[i].line, ExpectDmesg{std::string(texts[i])});
  }
  return absl::OkStatus();
}

absl::Status StepExpects(const CaptureLog& log, const CaptureStep& step,
                         std::vector<Step>& out) {
  // A DIMM the host plugged or unplugged: the operation, no result to check
  // (QMP succeeded; what the guest did shows in the next snapshot).
  if (step.kind == CaptureStep::Kind::kDimmAdd) {
    out.push_back({step.line, "",
                   DimmAdd{.id = step.dimm_id,
                           .size = step.dimm_size,
                           .node = step.dimm_node}});
    return absl::OkStatus();
  }
  if (step.kind == CaptureStep::Kind::kDimmRemove) {
    out.push_back({step.line, "", DimmRemove{.id = step.dimm_id}});
    return absl::OkStatus();
  }
  out.push_back({step.line, "", Write{step.path, step.value}});
  LineScanner s(log.file, step.line, "", step.error_column - 1);
  if (step.rc == 0) {
    if (!step.error.empty()) {
      return s.ErrorAt(
          0, Cat("expected no error text after rc=0, got '", step.error, "'"));
    }
    out.push_back({step.line, "", ExpectRc{0}});
    return absl::OkStatus();
  }
  if (step.error.empty()) {
    out.push_back({step.line, "", ExpectRc{1}});
    return absl::OkStatus();
  }
  std::optional<model::Errno> e = ErrnoFromText(step.error);
  if (!e.has_value()) {
    return s.ErrorAt(0, Cat("expected an error text ending in a strerror() "
                            "message such as 'Device or resource busy', got '",
                            step.error, "'"));
  }
  out.push_back({step.line, "", ExpectErrno{*e, step.error}});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Trace> ImportCaptureLog(const CaptureLog& log) {
  Trace t;
  if (absl::Status s = Release(log, t.config); !s.ok()) return s;
  t.config.cmdline = TextSetting{0, log.cmdline.text};
  t.config.qemu = TextSetting{0, log.qemu.text};
  const std::vector<const CaptureSnapshot*> snaps = log.Snapshots();
  if (snaps.empty()) {
    LineScanner s(log.file, log.end_capture_line, "");
    return s.ErrorAt(0, "expected a boot snapshot");
  }
  if (absl::Status s = Firmware(log, *snaps[0], t.config); !s.ok()) return s;
  t.config.geometry = {0, X86Geometry(*snaps[0])};
  absl::StatusOr<std::vector<Step>> dimms = ColdDimms(log);
  if (!dimms.ok()) return dimms.status();
  t.steps = std::move(*dimms);
  t.steps.push_back({0, "", Boot{}});
  bool first = true;
  for (const CaptureEntry& e : log.entries) {
    if (const auto* snap = std::get_if<CaptureSnapshot>(&e)) {
      if (!first) t.steps.push_back({snap->line, "", Snapshot{snap->label}});
      first = false;
      if (absl::Status s = SnapshotExpects(log, *snap, t.steps); !s.ok()) {
        return s;
      }
    } else {
      const auto& step = std::get<CaptureStep>(e);
      if (absl::Status s = StepExpects(log, step, t.steps); !s.ok()) return s;
    }
  }
  return t;
}

}  // namespace memhp::traces
