// The memhp command line: argument parsing and output only (ARCHITECTURE.md).
// Exit status: 0 on success, 2 for bad flags or input (one line on stderr).

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/args.h"
#include "hotplug/dax_fault.h"
#include "hotplug/render.h"
#include "model/event_log.h"
#include "model/strings.h"
#include "properties/dax_invariants.h"
#include "properties/invariants.h"
#include "sparse/describe.h"
#include "sparse/layout.h"
#include "sparse/sparse.h"
#include "traces/boot.h"
#include "traces/replay.h"
#include "traces/run.h"

namespace memhp::cli {
namespace {

// cli/default-layout.txt, embedded by the :default_layout_inc genrule.
constexpr std::string_view kDefaultLayout =
#include "cli/default_layout.inc"
    ;
constexpr std::string_view kDefaultLayoutName = "cli/default-layout.txt";

constexpr int kExitBadInput = 2;

void Print(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

absl::Status RunShow(const ShowOptions& o) {
  absl::StatusOr<ShowConfig> config = ResolveShowConfig(o);
  if (!config.ok()) return config.status();

  std::string text;
  std::string name;
  if (o.layout) {
    const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
    const std::string path = ResolvePath(
        *o.layout, bwd ? std::optional<std::string_view>(bwd) : std::nullopt);
    absl::StatusOr<std::string> read = ReadTextFile(path, *o.layout);
    if (!read.ok()) return read.status();
    text = *std::move(read);
    name = *o.layout;
  } else {
    text = std::string(kDefaultLayout);
    name = std::string(kDefaultLayoutName);
  }
  absl::StatusOr<std::vector<sparse::MemblockRegion>> layout =
      sparse::ParseLayout(text, name, config->geometry);
  if (!layout.ok()) {
    if (o.layout) return layout.status();
    return absl::InvalidArgumentError(model::Cat(
        std::string(layout.status().message()),
        " (the bundled layout is an x86_64 capture ",
        "with 4 KiB pages; give --layout FILE for geometry ", o.geometry, ")"));
  }

  model::EventLog log;
  sparse::Sparse sparse(config->geometry, config->profile, &log);
  sparse.BootInit(*layout);

  Print(model::Cat("layout ", name, ":\n"));
  Print(sparse::FormatLayout(*layout, config->geometry));
  Print("\n");
  for (const std::string& l : sparse::DescribeSections(sparse)) {
    Print(model::Cat(l, "\n"));
  }
  Print("\n");
  for (const std::string& l : sparse::DescribePfnProbes(sparse, *layout)) {
    Print(model::Cat(l, "\n"));
  }
  const std::vector<std::string> dmesg = log.DmesgLines();
  if (!dmesg.empty()) {
    Print("\ndmesg:\n");
    for (const std::string& l : dmesg) Print(model::Cat(l, "\n"));
  }
  return absl::OkStatus();
}

// memhp replay: exit 0 only when every expectation of every file matched.
absl::StatusOr<int> RunReplay(const ReplayOptions& o) {
  const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
  std::vector<traces::ReplayReport> reports;
  for (const std::string& f : o.files) {
    const std::string path = ResolvePath(
        f, bwd ? std::optional<std::string_view>(bwd) : std::nullopt);
    absl::StatusOr<std::string> text = ReadTextFile(path, f);
    if (!text.ok()) return text.status();
    absl::StatusOr<traces::Trace> trace =
        traces::LoadTraceOrCaptureLog(*text, f);
    if (!trace.ok()) return trace.status();
    absl::StatusOr<traces::ReplayReport> r =
        traces::ReplayTrace(*trace, f,
                            {.after_step = properties::CheckAll,
                             .after_step_dax = properties::CheckDax});
    if (!r.ok()) return r.status();
    reports.push_back(*std::move(r));
  }
  Print(o.json ? traces::RenderReportJson(reports)
               : traces::RenderReportText(reports));
  for (const traces::ReplayReport& r : reports) {
    if (!r.AllMatched()) return 1;
  }
  return 0;
}

// memhp boot: the kernel views of a trace's booted machine.
absl::Status RunBoot(const BootOptions& o) {
  const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
  const std::string path = ResolvePath(
      o.file, bwd ? std::optional<std::string_view>(bwd) : std::nullopt);
  absl::StatusOr<std::string> text = ReadTextFile(path, o.file);
  if (!text.ok()) return text.status();
  absl::StatusOr<traces::Trace> trace =
      traces::LoadTraceOrCaptureLog(*text, o.file);
  if (!trace.ok()) return trace.status();
  // The configuration booted with its cold-plugged DIMMs and, on v6.1,
  // the dax stack.
  traces::TraceMachine tm(trace->config);
  for (const traces::Step& st : trace->steps) {
    if (std::holds_alternative<traces::Boot>(st.kind)) break;
    if (const auto* d = std::get_if<traces::DimmAdd>(&st.kind)) tm.ColdPlug(*d);
  }
  if (absl::Status st = tm.Boot(o.file); !st.ok()) return st;
  const hotplug::Machine& m = *tm.machine();
  std::vector<View> views = o.views;
  if (views.empty()) {
    views = {View::kDmesg,  View::kZoneinfo, View::kIomem,
             View::kMemory, View::kLsmem,    View::kDax};
  }
  for (const std::string& n : tm.notes()) Print(model::Cat("note: ", n, "\n"));
  for (View v : views) {
    std::vector<std::string> lines;
    switch (v) {
      case View::kDmesg:
        lines = m.log().DmesgLines();
        break;
      case View::kZoneinfo:
        lines = hotplug::ZoneinfoLines(m);
        break;
      case View::kIomem:
        lines = hotplug::IomemLines(m);
        break;
      case View::kMemory:
        lines = {model::Cat("block_size_bytes ",
                            m.blocks().BlockSizeBytesShow(),
                            " auto_online_blocks ",
                            hotplug::OnlineTypeName(m.auto_online_blocks()))};
        for (std::string& l : hotplug::MemoryBlockLines(m)) {
          lines.push_back(std::move(l));
        }
        break;
      case View::kLsmem:
        break;
      case View::kDax:
        if (tm.dax() != nullptr) lines = tm.dax()->bus().DaxLines();
        break;
    }
    Print(model::Cat("--- ", ViewName(v), "\n"));
    if (v == View::kLsmem) {
      Print(hotplug::RenderLsmem(hotplug::LsmemSysfsOf(m),
                                 hotplug::LsmemOptions{}));
    }
    for (const std::string& l : lines) Print(model::Cat(l, "\n"));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  absl::StatusOr<Invocation> inv = ParseArgs(args);
  absl::Status status = inv.status();
  if (inv.ok()) {
    switch (inv->verb) {
      case Verb::kHelp:
        Print(Usage());
        return 0;
      case Verb::kShow:
        status = RunShow(inv->show);
        break;
      case Verb::kBoot:
        status = RunBoot(inv->boot);
        break;
      case Verb::kInvariants:
        for (const properties::Invariant& i : properties::Registry()) {
          Print(model::Cat(i.id, "  ", i.text, "\n    (", i.kernel_ref, ")\n"));
        }
        for (const properties::DaxInvariantDoc& i :
             properties::DaxInvariantDocs()) {
          Print(model::Cat(i.id, "  ", i.text, "\n    (", i.kernel_ref, ")\n"));
        }
        break;
      case Verb::kPagetables:
        Print(hotplug::RenderPageTableReport(inv->pagetables.processes,
                                             inv->pagetables.bytes));
        break;
      case Verb::kReplay: {
        absl::StatusOr<int> rc = RunReplay(inv->replay);
        if (rc.ok()) {
          std::fflush(stdout);
          return *rc;
        }
        status = rc.status();
        break;
      }
    }
  }
  if (status.ok()) {
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "memhp: %.*s\n",
               static_cast<int>(status.message().size()),
               status.message().data());
  return kExitBadInput;
}

}  // namespace
}  // namespace memhp::cli

int main(int argc, char** argv) { return memhp::cli::Main(argc, argv); }
