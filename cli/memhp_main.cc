// The memhp command line: argument parsing and output only (ARCHITECTURE.md).
// Exit status: 0 on success, 2 for bad flags or input (one line on stderr).

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/args.h"
#include "hotplug/dax_fault.h"
#include "hotplug/daxctl_list.h"
#include "hotplug/render.h"
#include "model/bug_toggle.h"
#include "model/event_log.h"
#include "model/strings.h"
#include "properties/dax_invariants.h"
#include "properties/invariants.h"
#include "sparse/describe.h"
#include "sparse/layout.h"
#include "sparse/sparse.h"
#include "traces/boot.h"
#include "traces/dmesg_import.h"
#include "traces/replay.h"
#include "traces/run.h"

extern char** environ;

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

// traces/capture/capture.sh: $MEMHP_CAPTURE_SH, else under the workspace
// `bazel run` names, else under the working directory or one above it.
absl::StatusOr<std::string> FindCaptureScript() {
  if (const char* env = std::getenv("MEMHP_CAPTURE_SH"))
    return std::string(env);
  std::vector<std::string> roots;
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    roots.push_back(ws);
  }
  std::filesystem::path dir = std::filesystem::current_path();
  for (int i = 0; i < 8 && !dir.empty(); ++i) {
    roots.push_back(dir.string());
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
  for (const std::string& r : roots) {
    const std::filesystem::path p =
        std::filesystem::path(r) / "traces/capture/capture.sh";
    if (std::filesystem::exists(p)) return p.string();
  }
  return absl::NotFoundError(
      "cannot find traces/capture/capture.sh; run memhp from the source tree "
      "or set MEMHP_CAPTURE_SH");
}

// Runs argv[0] with its output on the terminal: its exit status, or -1
// when it cannot start.
int Spawn(std::vector<std::string> argv) {
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid = 0;
  if (posix_spawn(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ) !=
      0) {
    return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Installs what capture.sh needs (its setup.sh, idempotent), then runs it.
absl::Status Capture(const std::string& scenario, const std::string& out,
                     const std::optional<std::string>& kernel,
                     const std::optional<std::string>& modules) {
  absl::StatusOr<std::string> script = FindCaptureScript();
  if (!script.ok()) return script.status();
  const std::string setup =
      (std::filesystem::path(*script).parent_path() / "setup.sh").string();
  if (std::filesystem::exists(setup) && Spawn({setup}) != 0) {
    return absl::InternalError(model::Cat("cannot install what ", *script,
                                          " needs (", setup, " failed)"));
  }
  std::vector<std::string> argv = {*script, scenario, out};
  if (kernel) {
    argv.insert(argv.end(), {"--kernel", *kernel, "--modules", *modules});
  }
  const int rc = Spawn(argv);
  if (rc < 0) return absl::InternalError(model::Cat("cannot run ", *script));
  if (rc != 0) {
    return absl::InternalError(
        model::Cat("the capture of ", scenario, " failed (", *script, ")"));
  }
  return absl::OkStatus();
}

std::string Resolved(const std::string& f) {
  const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
  return ResolvePath(f,
                     bwd ? std::optional<std::string_view>(bwd) : std::nullopt);
}

// The usage of `memhp import-dmesg` (appended to Usage()).
constexpr std::string_view kImportDmesgUsage =
    "  memhp import-dmesg --geometry NAME [--profile V] LOG [OUT]\n"
    "                             a plain kernel boot log (dmesg of any\n"
    "                             architecture) to a trace: its memory map\n"
    "                             and the boot lines the model claims as\n"
    "                             expectations (traces/dmesg_import.h);\n"
    "                             written to OUT, else printed\n";

// memhp import-dmesg --geometry G [--profile P] LOG [OUT]; `args` starts
// after the verb. Flags also as --flag=VALUE.
absl::Status RunImportDmesg(const std::vector<std::string>& args) {
  traces::DmesgImportOptions o;
  std::optional<std::string> geometry;
  std::optional<std::string> profile;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::optional<std::string> value;
    if (const size_t eq = a.find('=');
        a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    if (a == "--geometry" || a == "--profile") {
      std::optional<std::string>& slot = a == "--geometry" ? geometry : profile;
      if (slot) {
        return absl::InvalidArgumentError(
            model::Cat("import-dmesg: ", a, " given twice"));
      }
      if (!value) {
        if (i + 1 == args.size()) {
          return absl::InvalidArgumentError(
              model::Cat("import-dmesg: ", a, " needs a value"));
        }
        value = args[++i];
      }
      slot = *value;
    } else if (a.rfind("--", 0) == 0) {
      return absl::InvalidArgumentError(
          model::Cat("import-dmesg: unknown flag '", a, "'"));
    } else {
      files.push_back(a);
    }
  }
  if (!geometry || files.empty() || files.size() > 2) {
    return absl::InvalidArgumentError(
        "import-dmesg: expected --geometry NAME [--profile V] LOG [OUT]");
  }
  o.geometry = *geometry;
  if (profile) {
    absl::StatusOr<model::KernelProfile> p =
        model::KernelProfile::Parse(*profile);
    if (!p.ok()) {
      return absl::InvalidArgumentError(
          model::Cat("import-dmesg: ", std::string(p.status().message())));
    }
    o.profile = p->version;
  }
  absl::StatusOr<std::string> text = ReadTextFile(Resolved(files[0]), files[0]);
  if (!text.ok()) return text.status();
  absl::StatusOr<traces::Trace> t = traces::ImportDmesg(*text, files[0], o);
  if (!t.ok()) return t.status();
  const std::string out = traces::PrintTrace(*t);
  if (files.size() == 1) {
    Print(out);
    return absl::OkStatus();
  }
  const std::string path = Resolved(files[1]);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        model::Cat("import-dmesg: cannot write ", files[1]));
  }
  const bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  if (std::fclose(f) != 0 || !ok) {
    return absl::InvalidArgumentError(
        model::Cat("import-dmesg: cannot write ", files[1]));
  }
  return absl::OkStatus();
}

// memhp diff: the first divergence, then every mismatch; 0 when they agree.
absl::StatusOr<int> RunDiff(const DiffOptions& o) {
  std::string log_path;
  if (o.log) {
    log_path = Resolved(*o.log);
  } else {
    char tmpl[] = "/tmp/memhp-diff-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      return absl::InternalError("cannot make a temporary directory");
    }
    log_path = model::Cat(tmpl, "/capture.log");
    if (absl::Status st =
            Capture(Resolved(o.scenario), log_path, o.kernel, o.modules);
        !st.ok()) {
      return st;
    }
    Print(model::Cat("kernel: ", log_path, "\n"));
  }
  const std::string shown = o.log ? *o.log : log_path;
  absl::StatusOr<std::string> text = ReadTextFile(log_path, shown);
  if (!text.ok()) return text.status();
  absl::StatusOr<traces::Trace> trace =
      traces::LoadTraceOrCaptureLog(*text, shown);
  if (!trace.ok()) return trace.status();
  if (o.profile) {
    absl::StatusOr<model::KernelProfile> p =
        model::KernelProfile::Parse(*o.profile);
    if (!p.ok()) return p.status();
    trace->config.profile = p->version;
  }
  for (const std::string& t : o.toggles) {
    trace->config.toggles.push_back(traces::TextSetting{0, t});
  }
  // A toggle that is unknown or does not apply is a bad flag, not a
  // divergence.
  {
    std::vector<std::string> names;
    for (const traces::TextSetting& t : trace->config.toggles) {
      names.push_back(t.text);
    }
    absl::StatusOr<model::KernelProfile> p =
        model::BugToggleRegistry::Global().Apply(
            model::KernelProfile::For(trace->config.profile), names);
    if (!p.ok()) return p.status();
  }
  absl::StatusOr<traces::ReplayReport> r =
      traces::ReplayTrace(*trace, shown,
                          {.after_step = properties::CheckAll,
                           .after_step_dax = properties::CheckDax});
  if (!r.ok()) return r.status();
  if (o.json) {
    Print(traces::RenderReportJson({*r}));
    return r->AllMatched() ? 0 : 1;
  }
  // The first divergence in file order: a mismatch or an unsupported step.
  int first_line = 0;
  std::string first;
  for (const traces::ReplayMismatch& m : r->mismatches) {
    if (first.empty() || m.line < first_line) {
      first_line = m.line;
      first = model::Cat(shown, ":", m.line, ": the kernel shows\n  ",
                         m.expected, "\nthe model gives\n  ", m.got, "\n");
    }
  }
  for (const auto& u : r->unsupported_steps) {
    if (first.empty() || u.line < first_line) {
      first_line = u.line;
      first = model::Cat(shown, ":", u.line, ": the model cannot run\n  ",
                         u.step, "\n  (", u.reason, ")\n");
    }
  }
  Print(first.empty() ? "kernel and model agree\n"
                      : model::Cat("first divergence: ", first, "\n"));
  Print(traces::RenderReportText({*r}));
  return r->AllMatched() ? 0 : 1;
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
  // lsmem's own options, checked before anything is printed.
  absl::StatusOr<hotplug::LsmemOptions> lsmem =
      hotplug::ParseLsmemArgs(o.lsmem_args);
  if (!lsmem.ok()) {
    return absl::InvalidArgumentError(
        model::Cat("--lsmem: ", std::string(lsmem.status().message())));
  }
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
      case View::kDaxctl:
        if (tm.dax() != nullptr) {
          const std::string json = hotplug::RenderDaxctlList(m, tm.dax()->bus(),
                                                             {.regions = true,
                                                              .devices = true,
                                                              .mappings = true,
                                                              .idle = true});
          for (std::string_view l : model::Split(json, '\n')) {
            if (!l.empty()) lines.emplace_back(l);
          }
        }
        break;
    }
    Print(model::Cat("--- ", ViewName(v), "\n"));
    if (v == View::kLsmem) {
      Print(hotplug::RenderLsmem(hotplug::LsmemSysfsOf(m), *lsmem));
    }
    for (const std::string& l : lines) Print(model::Cat(l, "\n"));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (!args.empty() && args[0] == "import-dmesg") {
    const absl::Status st =
        RunImportDmesg(std::vector<std::string>(args.begin() + 1, args.end()));
    std::fflush(stdout);
    if (st.ok()) return 0;
    std::fprintf(stderr, "memhp: %.*s\n", static_cast<int>(st.message().size()),
                 st.message().data());
    return kExitBadInput;
  }
  absl::StatusOr<Invocation> inv = ParseArgs(args);
  absl::Status status = inv.status();
  if (inv.ok()) {
    switch (inv->verb) {
      case Verb::kHelp:
        Print(Usage());
        Print(kImportDmesgUsage);
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
      case Verb::kCapture:
        status =
            Capture(Resolved(inv->capture.scenario), Resolved(inv->capture.out),
                    inv->capture.kernel, inv->capture.modules);
        break;
      case Verb::kDiff: {
        absl::StatusOr<int> rc = RunDiff(inv->diff);
        if (rc.ok()) {
          std::fflush(stdout);
          return *rc;
        }
        status = rc.status();
        break;
      }
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
