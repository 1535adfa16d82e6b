#include "traces/replay.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <variant>

#include "hotplug/e820.h"
#include "hotplug/machine.h"
#include "hotplug/render.h"
#include "model/geometry.h"
#include "model/operation.h"
#include "model/status.h"
#include "model/strings.h"
#include "traces/capture_log.h"
#include "traces/import.h"
#include "traces/run.h"

namespace memhp::traces {

using model::Cat;

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

class Replayer {
 public:
  Replayer(const Trace& t, std::string_view file, ReplayOptions options)
      : t_(t), tm_(t.config), options_(std::move(options)) {
    report_.file = std::string(file);
  }

  absl::StatusOr<ReplayReport> Run();

 private:
  std::string Where(const Step& s) const {
    return Cat(report_.file, ":", s.line);
  }
  void Unsupported(const Step& s, std::string reason) {
    report_.unsupported_steps.push_back(
        {s.line, PrintStep(s), std::move(reason)});
    diverged_ = true;
  }
  // Counts one expectation: matched when `got` is empty.
  void Check(const Step& s, const std::optional<std::string>& got) {
    ++report_.expectations;
    if (diverged_ || !machine_) {
      ++report_.unsupported;
      return;
    }
    if (!got) {
      ++report_.matched;
      return;
    }
    ++report_.mismatched;
    report_.mismatches.push_back({s.line, PrintStep(s), *got});
  }
  void DoBoot(const Step& s);
  void DoWrite(const Step& s, const Write& w);
  void DoDimmAdd(const Step& s, const DimmAdd& d);
  void DoDimmRemove(const Step& s, const DimmRemove& d);
  void Outcome(const Step& s, StepOutcome o, bool is_write);
  // The after-step checks of the options; a failure is a mismatch.
  void AfterStep(const Step& s, const std::string& what);
  std::optional<std::string> Rc(const ExpectRc& e) const;
  std::optional<std::string> Errno(const ExpectErrno& e) const;

  std::optional<std::string> Zone(const ExpectZone& e) const;
  std::optional<std::string> Block(const ExpectBlock& e) const;
  std::optional<std::string> Iomem(const ExpectIomem& e) const;
  std::optional<std::string> Dax(const ExpectDax& e) const;
  std::optional<std::string> Dmesg(const ExpectDmesg& e);

  const Trace& t_;
  ReplayReport report_;
  hotplug::Machine* machine_ = nullptr;  // tm_'s, once booted
  bool diverged_ = false;
  TraceMachine tm_;
  ReplayOptions options_;
  // The outcome of the last write, for `expect rc` / `expect errno`.
  std::optional<absl::Status> last_write_;
  size_t dmesg_from_ = 0;   // first log line of the current snapshot
  size_t snapshot_at_ = 0;  // the log's size at the latest snapshot
  size_t dmesg_pos_ = 0;    // dmesg expects match in order
};

void Replayer::DoBoot(const Step& s) {
  if (diverged_) return;
  if (absl::Status b = tm_.Boot(report_.file); !b.ok()) {
    return Unsupported(s, std::string(b.message()));
  }
  for (const std::string& n : tm_.notes()) report_.notes.push_back(n);
  machine_ = tm_.machine();
  dmesg_from_ = 0;
  snapshot_at_ = machine_->log().size();
  dmesg_pos_ = 0;
  AfterStep(s, "boot");
}

void Replayer::DoWrite(const Step& s, const Write& w) {
  if (diverged_ || !tm_.machine()) return;
  Outcome(s, tm_.Write(w), /*is_write=*/true);
}

void Replayer::DoDimmAdd(const Step& s, const DimmAdd& d) {
  if (!tm_.machine()) {
    tm_.ColdPlug(d);
    return;
  }
  if (diverged_) return;
  Outcome(s, tm_.AddDimm(d), /*is_write=*/false);
}

void Replayer::DoDimmRemove(const Step& s, const DimmRemove& d) {
  if (diverged_ || !tm_.machine()) return;
  Outcome(s, tm_.RemoveDimm(d), /*is_write=*/false);
}

void Replayer::Outcome(const Step& s, StepOutcome o, bool is_write) {
  if (!o.supported) return Unsupported(s, std::move(o.reason));
  if (is_write) last_write_ = std::move(o.result);
  AfterStep(s, PrintStep(s));
}

void Replayer::AfterStep(const Step& s, const std::string& what) {
  absl::Status v = absl::OkStatus();
  if (options_.after_step) v = options_.after_step(*tm_.machine());
  if (v.ok() && options_.after_step_dax && tm_.dax() != nullptr) {
    v = options_.after_step_dax(*tm_.dax());
  }
  if (!v.ok()) {
    ++report_.mismatched;
    report_.mismatches.push_back({s.line, Cat("(invariants hold after) ", what),
                                  std::string(v.message())});
  }
}

std::optional<std::string> Replayer::Rc(const ExpectRc& e) const {
  if (!last_write_) return "(no write before it)";
  const int got = last_write_->ok() ? 0 : 1;
  if (got == e.rc) return std::nullopt;
  std::string out = Cat("expect rc ", got);
  if (!last_write_->ok()) {
    if (std::optional<model::Errno> err = model::ErrnoOf(*last_write_)) {
      out += Cat(" (", model::ErrnoName(*err), ")");
    }
  }
  return out;
}

std::optional<std::string> Replayer::Errno(const ExpectErrno& e) const {
  if (!last_write_) return "(no write before it)";
  if (last_write_->ok()) return "expect rc 0";
  const std::optional<model::Errno> err = model::ErrnoOf(*last_write_);
  if (err == e.errno_value) return std::nullopt;
  return Cat("expect errno ",
             err ? std::string(model::ErrnoName(*err)) : "(none)");
}

std::optional<std::string> Replayer::Zone(const ExpectZone& e) const {
  auto node = machine_->zones().pgdat.find(e.node.value());
  std::optional<hotplug::ZoneType> type = hotplug::ZoneFromName(e.zone);
  if (node == machine_->zones().pgdat.end() || !type) {
    return Cat("no zone ", e.zone, " on node ", e.node.value());
  }
  const hotplug::Zone& z = node->second.zone(*type);
  ExpectZone got = e;
  if (e.spanned) got.spanned = z.spanned_pages;
  if (e.present) got.present = z.present_pages;
  // /proc/zoneinfo prints start_pfn only for populated zones.
  got.start_pfn =
      z.Populated() ? std::optional(z.zone_start_pfn) : std::nullopt;
  if (!e.start_pfn && got.start_pfn) got.start_pfn.reset();
  if (got == e) return std::nullopt;
  return PrintStep({0, "", got});
}

std::optional<std::string> Replayer::Block(const ExpectBlock& e) const {
  const hotplug::MemoryBlocks& blocks = machine_->blocks();
  const hotplug::MemoryBlock* mem = blocks.Find(e.id);
  if (mem == nullptr) return Cat("no memory", e.id.value());
  ExpectBlock got{.id = e.id};
  if (e.state)
    got.state = ParseBlockState(hotplug::MemoryBlocks::StateShow(*mem));
  if (e.phys_index) {
    got.phys_index = model::BlockId(mem->start_section_nr.value() /
                                    blocks.sections_per_block());
  }
  if (e.valid_zones) {
    std::vector<std::string> zones = hotplug::ValidZonesOf(*machine_, *mem);
    if (zones == std::vector<std::string>{"none"}) zones.clear();
    got.valid_zones = zones;
  }
  if (e.removable) {
    got.removable =
        hotplug::MemoryBlocks::RemovableShow(machine_->geometry()) == "1";
  }
  if (e.node) got.node = mem->nid;
  if (got == e) return std::nullopt;
  return PrintStep({0, "", got});
}

std::optional<std::string> Replayer::Iomem(const ExpectIomem& e) const {
  const std::string want = RenderIomemLine(e.iomem);
  for (const std::string& l : hotplug::IomemLines(*machine_)) {
    if (l == want) return std::nullopt;
  }
  return "(no such line in the model's /proc/iomem)";
}

std::optional<std::string> Replayer::Dax(const ExpectDax& e) const {
  const hotplug::DevDax* dev = nullptr;
  for (const hotplug::DevDax& d : tm_.dax()->bus().devices()) {
    if (d.registered && d.name == e.name) dev = &d;
  }
  if (dev == nullptr) return Cat("no dax device ", e.name);
  ExpectDax got{.name = e.name};
  if (e.driver) got.driver = dev->driver ? dev->driver->name : "";
  if (e.size) got.size = model::ByteSize(dev->Size());
  if (e.target_node) got.target_node = model::NodeId(dev->region->target_node);
  if (e.align) got.align = model::ByteSize(dev->align);
  if (e.resource) {
    got.resource =
        dev->ranges.empty() ? dev->region->start() : dev->ranges[0].range.start;
  }
  if (got == e) return std::nullopt;
  return PrintStep({0, "", got});
}

std::optional<std::string> Replayer::Dmesg(const ExpectDmesg& e) {
  const std::vector<std::string> lines =
      machine_->log().DmesgLines(dmesg_from_);
  for (size_t i = dmesg_pos_; i < lines.size(); ++i) {
    if (lines[i] == e.text) {
      dmesg_pos_ = i + 1;
      return std::nullopt;
    }
  }
  for (const std::string& l : lines) {
    if (l == e.text) return "(printed, but before the previous dmesg line)";
  }
  return "(not printed since the previous snapshot)";
}

absl::StatusOr<ReplayReport> Replayer::Run() {
  for (const Step& s : t_.steps) {
    std::visit(
        Overloaded{
            [&](const Boot&) { DoBoot(s); },
            [&](const Snapshot&) {
              // Its dmesg lines are those printed since the previous
              // snapshot (the boot's, for the first one).
              if (machine_) {
                dmesg_from_ = snapshot_at_;
                snapshot_at_ = machine_->log().size();
                dmesg_pos_ = 0;
              }
            },
            [&](const Write& w) { DoWrite(s, w); },
            [&](const DimmAdd& d) { DoDimmAdd(s, d); },
            [&](const DimmRemove& d) { DoDimmRemove(s, d); },
            [&](const Schedule&) {
              Unsupported(s, "interleavings come with the race explorer");
            },
            [&](const ExpectZone& e) {
              Check(s, machine_ && !diverged_ ? Zone(e) : std::nullopt);
            },
            [&](const ExpectIomem& e) {
              Check(s, machine_ && !diverged_ ? Iomem(e) : std::nullopt);
            },
            [&](const ExpectBlock& e) {
              Check(s, machine_ && !diverged_ ? Block(e) : std::nullopt);
            },
            [&](const ExpectBlockSize& e) {
              std::optional<std::string> got;
              if (machine_ && machine_->blocks().block_size() != e.size) {
                got = PrintStep(
                    {0, "", ExpectBlockSize{machine_->blocks().block_size()}});
              }
              Check(s, got);
            },
            [&](const ExpectAutoOnline& e) {
              std::optional<std::string> got;
              const std::string_view have = hotplug::OnlineTypeName(
                  machine_ ? machine_->auto_online_blocks()
                           : hotplug::OnlineType::kOffline);
              if (OnlineTypeName(e.policy) != have) {
                got = Cat("expect auto_online ", have);
              }
              Check(s, got);
            },
            [&](const ExpectDax& e) {
              if (machine_ && !diverged_ && tm_.dax() == nullptr) {
                Unsupported(s, "the dax stack is not loaded");
              }
              Check(s, machine_ && !diverged_ ? Dax(e) : std::nullopt);
            },
            [&](const ExpectDmesg& e) {
              Check(s, machine_ && !diverged_ ? Dmesg(e) : std::nullopt);
            },
            [&](const ExpectRc& e) {
              Check(s, machine_ && !diverged_ ? Rc(e) : std::nullopt);
            },
            [&](const ExpectErrno& e) {
              Check(s, machine_ && !diverged_ ? Errno(e) : std::nullopt);
            },
        },
        s.kind);
  }
  return report_;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += model::Sprintf("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

absl::StatusOr<Trace> LoadTraceOrCaptureLog(std::string_view text,
                                            std::string_view file) {
  bool capture = false;
  for (std::string_view line : model::Split(text, '\n')) {
    if (line == "=== memhp-capture v1" || line == "=== memhp-capture v1\r") {
      capture = true;
      break;
    }
  }
  if (!capture) return ParseTrace(text, file);
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(text, file);
  if (!log.ok()) return log.status();
  return ImportCaptureLog(*log);
}

absl::StatusOr<ReplayReport> ReplayTrace(const Trace& trace,
                                         std::string_view file,
                                         ReplayOptions options) {
  return Replayer(trace, file, std::move(options)).Run();
}

std::string RenderReportText(const std::vector<ReplayReport>& reports) {
  std::string out;
  int expectations = 0, matched = 0, mismatched = 0, unsupported = 0;
  for (const ReplayReport& r : reports) {
    for (const std::string& n : r.notes) out += Cat("note: ", n, "\n");
    for (const ReplayMismatch& m : r.mismatches) {
      out += Cat(r.file, ":", m.line, ": mismatch\n  expected: ", m.expected,
                 "\n  got:      ", m.got, "\n");
    }
    for (const ReplayUnsupported& u : r.unsupported_steps) {
      out += Cat(r.file, ":", u.line, ": unsupported: ", u.step, " (", u.reason,
                 ")\n");
    }
    if (r.unsupported) {
      out += Cat(r.file, ": ", r.unsupported,
                 " expectations not checked after an unsupported step\n");
    }
    expectations += r.expectations;
    matched += r.matched;
    mismatched += r.mismatched;
    unsupported += r.unsupported;
  }
  (void)unsupported;
  out += Cat(expectations, " expectations, ", matched, " matched, ", mismatched,
             " mismatched\n");
  return out;
}

std::string RenderReportJson(const std::vector<ReplayReport>& reports) {
  std::string out = "{\"files\":[";
  int expectations = 0, matched = 0, mismatched = 0, unsupported = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    const ReplayReport& r = reports[i];
    if (i) out += ",";
    out += Cat("{\"file\":", JsonString(r.file),
               ",\"expectations\":", r.expectations, ",\"matched\":", r.matched,
               ",\"mismatched\":", r.mismatched,
               ",\"unsupported\":", r.unsupported, ",\"mismatches\":[");
    for (size_t j = 0; j < r.mismatches.size(); ++j) {
      const ReplayMismatch& m = r.mismatches[j];
      out += Cat(j ? "," : "", "{\"line\":", m.line,
                 ",\"expected\":", JsonString(m.expected),
                 ",\"got\":", JsonString(m.got), "}");
    }
    out += "],\"unsupported_steps\":[";
    for (size_t j = 0; j < r.unsupported_steps.size(); ++j) {
      const ReplayUnsupported& u = r.unsupported_steps[j];
      out += Cat(j ? "," : "", "{\"line\":", u.line,
                 ",\"step\":", JsonString(u.step),
                 ",\"reason\":", JsonString(u.reason), "}");
    }
    out += "]}";
    expectations += r.expectations;
    matched += r.matched;
    mismatched += r.mismatched;
    unsupported += r.unsupported;
  }
  out += Cat("],\"expectations\":", expectations, ",\"matched\":", matched,
             ",\"mismatched\":", mismatched, ",\"unsupported\":", unsupported,
             "}\n");
  return out;
}

}  // namespace memhp::traces
