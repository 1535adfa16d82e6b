#include "cli/args.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "absl/status/status.h"
#include "model/bug_toggle.h"
#include "model/cmdline.h"
#include "model/strings.h"

namespace memhp::cli {

using model::Cat;

namespace {

constexpr std::string_view kHelpHint = "see 'memhp --help'";

bool IsHelp(std::string_view a) {
  return a == "--help" || a == "-h" || a == "help";
}

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(Cat(what, "; ", kHelpHint));
}

// Parses the flags of `show` from args[i..].
absl::Status ParseShowFlags(const std::vector<std::string>& args, size_t i,
                            ShowOptions& o) {
  bool seen_geometry = false, seen_profile = false, seen_layout = false;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("-", 0) != 0) {
      return Bad(Cat("unexpected argument '", a, "' for 'memhp show'"));
    }
    std::string name = a;
    std::optional<std::string> value;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    std::string* target = nullptr;
    bool* seen = nullptr;
    if (name == "--geometry") {
      target = &o.geometry;
      seen = &seen_geometry;
    } else if (name == "--profile") {
      target = &o.profile;
      seen = &seen_profile;
    } else if (name == "--layout") {
      seen = &seen_layout;
    } else if (name != "--toggle") {
      return Bad(Cat("unknown flag '", name, "' for 'memhp show'"));
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return Bad(Cat("flag '", name, "' needs a value"));
      }
      value = args[++i];
    }
    if (value->empty()) return Bad(Cat("flag '", name, "' needs a value"));
    if (seen != nullptr) {
      if (*seen) return Bad(Cat("flag '", name, "' given twice"));
      *seen = true;
    }
    if (name == "--toggle") {
      o.toggles.push_back(*value);
    } else if (name == "--layout") {
      o.layout = *value;
    } else {
      *target = *value;
    }
  }
  return absl::OkStatus();
}

// Parses the arguments of `replay` from args[1..].
absl::Status ParseReplayArgs(const std::vector<std::string>& args,
                             ReplayOptions& o) {
  bool only_files = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!only_files && a == "--") {
      only_files = true;
    } else if (!only_files && a == "--json") {
      if (o.json) return Bad("flag '--json' given twice");
      o.json = true;
    } else if (!only_files && a.rfind("-", 0) == 0 && a != "-") {
      return Bad(Cat("unknown flag '", a, "' for 'memhp replay'"));
    } else {
      o.files.push_back(a);
    }
  }
  if (o.files.empty()) return Bad("'memhp replay' needs at least one FILE");
  return absl::OkStatus();
}

constexpr View kAllViews[] = {View::kDmesg,  View::kZoneinfo, View::kIomem,
                              View::kMemory, View::kLsmem,    View::kDax,
                              View::kDaxctl};

// Parses the arguments of `boot` from args[1..].
absl::Status ParseBootArgs(const std::vector<std::string>& args,
                           BootOptions& o) {
  bool have_file = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--view" || a.rfind("--view=", 0) == 0) {
      std::string v;
      if (a == "--view") {
        if (i + 1 >= args.size()) return Bad("flag '--view' needs a value");
        v = args[++i];
      } else {
        v = a.substr(7);
      }
      bool known = false;
      for (View view : kAllViews) {
        if (ViewName(view) == v) {
          o.views.push_back(view);
          known = true;
        }
      }
      if (!known) {
        return Bad(Cat("unknown view '", v,
                       "'; expected dmesg, zoneinfo, iomem, memory, lsmem, "
                       "dax or daxctl"));
      }
    } else if (a == "--lsmem" || a.rfind("--lsmem=", 0) == 0) {
      std::string v;
      if (a == "--lsmem") {
        if (i + 1 >= args.size()) return Bad("flag '--lsmem' needs a value");
        v = args[++i];
      } else {
        v = a.substr(8);
      }
      o.lsmem_args.clear();
      for (std::string_view w : model::Split(v, ' ')) {
        if (!w.empty()) o.lsmem_args.emplace_back(w);
      }
    } else if (a.rfind("-", 0) == 0) {
      return Bad(Cat("unknown flag '", a, "' for 'memhp boot'"));
    } else if (have_file) {
      return Bad(Cat("unexpected argument '", a, "' for 'memhp boot'"));
    } else {
      o.file = a;
      have_file = true;
    }
  }
  if (!have_file) return Bad("'memhp boot' needs a FILE");
  return absl::OkStatus();
}

// A whole-string number for `pagetables`: decimal, or with memparse's
// K/M/G/T/P/E suffix for --bytes.
absl::StatusOr<uint64_t> ParseCount(std::string_view flag, std::string_view v,
                                    bool size_suffix) {
  model::ParsedNumber n =
      size_suffix ? model::Memparse(v) : model::SimpleStrtoull(v);
  if (v.empty() || n.consumed != v.size() || n.overflow) {
    return Bad(
        Cat("flag '", flag, "' wants ",
            size_suffix ? "a size such as 6T or 0x1000" : "a whole number",
            ", got '", v, "'"));
  }
  return n.value;
}

// Flags NAME VALUE or NAME=VALUE and positional arguments of `verb`, from
// args[1..]. `repeatable` flags may come more than once; `switches` take no
// value.
struct SplitArgs {
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positional;
};
absl::StatusOr<SplitArgs> Split(const std::vector<std::string>& args,
                                std::string_view verb,
                                const std::vector<std::string>& with_value,
                                const std::vector<std::string>& repeatable,
                                const std::vector<std::string>& switches) {
  SplitArgs out;
  std::set<std::string> seen;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("-", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a;
    std::optional<std::string> value;
    if (const size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    const auto has = [&](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), name) != v.end();
    };
    if (has(switches) && !value) {
      if (!seen.insert(name).second) {
        return Bad(Cat("flag '", name, "' given twice"));
      }
      out.flags.push_back({name, ""});
      continue;
    }
    if (!has(with_value) && !has(repeatable)) {
      return Bad(Cat("unknown flag '", name, "' for 'memhp ", verb, "'"));
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return Bad(Cat("flag '", name, "' needs a value"));
      }
      value = args[++i];
    }
    if (!has(repeatable) && !seen.insert(name).second) {
      return Bad(Cat("flag '", name, "' given twice"));
    }
    out.flags.push_back({name, *value});
  }
  return out;
}

absl::Status ParseCaptureArgs(const std::vector<std::string>& args,
                              CaptureOptions& o) {
  absl::StatusOr<SplitArgs> a =
      Split(args, "capture", {"--kernel", "--modules"}, {}, {});
  if (!a.ok()) return a.status();
  if (a->positional.size() != 2) {
    return Bad("'memhp capture' needs a SCENARIO and an OUT file");
  }
  o.scenario = a->positional[0];
  o.out = a->positional[1];
  for (const auto& [k, v] : a->flags) {
    (k == "--kernel" ? o.kernel : o.modules) = v;
  }
  if (o.kernel.has_value() != o.modules.has_value()) {
    return Bad("'--kernel' and '--modules' go together");
  }
  return absl::OkStatus();
}

absl::Status ParseDiffArgs(const std::vector<std::string>& args,
                           DiffOptions& o) {
  absl::StatusOr<SplitArgs> a =
      Split(args, "diff", {"--log", "--profile", "--kernel", "--modules"},
            {"--toggle"}, {"--json"});
  if (!a.ok()) return a.status();
  for (const auto& [k, v] : a->flags) {
    if (k == "--log") o.log = v;
    if (k == "--profile") o.profile = v;
    if (k == "--kernel") o.kernel = v;
    if (k == "--modules") o.modules = v;
    if (k == "--toggle") o.toggles.push_back(v);
    if (k == "--json") o.json = true;
  }
  if (o.kernel.has_value() != o.modules.has_value()) {
    return Bad("'--kernel' and '--modules' go together");
  }
  if (o.log && o.kernel) {
    return Bad("'--log' replays a recorded log: it takes no '--kernel'");
  }
  if (o.log ? !a->positional.empty() : a->positional.size() != 1) {
    return Bad("'memhp diff' needs a SCENARIO to capture, or --log FILE");
  }
  if (!o.log) o.scenario = a->positional[0];
  return absl::OkStatus();
}

// Parses the arguments of `pagetables` from args[1..].
absl::Status ParsePagetablesArgs(const std::vector<std::string>& args,
                                 PagetablesOptions& o) {
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (a == "--processes" || a == "--bytes") {
      if (i + 1 >= args.size()) return Bad(Cat("flag '", a, "' needs a value"));
      value = args[++i];
    }
    if (a == "--processes") {
      absl::StatusOr<uint64_t> n = ParseCount(a, value, false);
      if (!n.ok()) return n.status();
      o.processes = *n;
    } else if (a == "--bytes") {
      absl::StatusOr<uint64_t> n = ParseCount(a, value, true);
      if (!n.ok()) return n.status();
      o.bytes = *n;
    } else {
      return Bad(
          Cat("unknown argument '", args[i], "' for 'memhp pagetables'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ViewName(View v) {
  switch (v) {
    case View::kDmesg:
      return "dmesg";
    case View::kZoneinfo:
      return "zoneinfo";
    case View::kIomem:
      return "iomem";
    case View::kMemory:
      return "memory";
    case View::kLsmem:
      return "lsmem";
    case View::kDax:
      return "dax";
    case View::kDaxctl:
      return "daxctl";
  }
  return "?";
}

std::string Usage() {
  return "usage: memhp [show] [--geometry NAME] [--profile VERSION] "
         "[--toggle NAME]... [--layout FILE]\n"
         "       memhp replay [--json] FILE...\n"
         "       memhp boot "
         "[--view dmesg|zoneinfo|iomem|memory|lsmem|dax|daxctl]... "
         "[--lsmem \"ARGS\"] FILE\n"
         "       memhp invariants\n"
         "       memhp pagetables [--processes N] [--bytes SIZE]\n"
         "       memhp capture SCENARIO OUT [--kernel BZIMAGE --modules DIR]\n"
         "       memhp diff SCENARIO|--log FILE [--profile VERSION] "
         "[--toggle NAME]...\n"
         "                  [--kernel BZIMAGE --modules DIR] [--json]\n"
         "       memhp help\n"
         "\n"
         "memhp is an executable model of the Linux memory-hotplug core.\n"
         "\n"
         "show    boot the sparsemem model from a memory layout and print the\n"
         "        geometry, every touched mem_section, what pfn_valid(),\n"
         "        pfn_in_present_section() and pfn_to_online_page() answer at\n"
         "        the interesting pfns, and the kernel log. It is the default\n"
         "        command.\n"
         "\n"
         "replay  replay traces (traces/FORMAT.md) or capture logs "
         "(capture-log\n"
         "        v1) on the model and check every expectation; print each\n"
         "        mismatch (expected, got, where) and a closing line\n"
         "        \"N expectations, N matched, N mismatched\". --json prints\n"
         "        the report as JSON. Exit status 0 only when all match, 1\n"
         "        otherwise. After boot and after every operation the\n"
         "        invariants of the registry are checked; a violation is a\n"
         "        mismatch at that step.\n"
         "\n"
         "invariants  list the invariant registry: ID, what holds, and the\n"
         "        kernel code it follows from.\n"
         "\n"
         "boot    boot the machine a trace or capture log describes and print\n"
         "        what the kernel shows: the dmesg lines, /proc/zoneinfo\n"
         "        (spanned, present, start_pfn), /proc/iomem, the memory\n"
         "        blocks, lsmem, the dax devices and `daxctl list -R -D -M "
         "-i`.\n"
         "        --view picks some (repeatable).\n"
         "\n"
         "pagetables  page-table memory of N processes each mapping SIZE\n"
         "        bytes of a device-dax instance, at each fault size (4K\n"
         "        PTEs, 2M PMDs, 1G PUDs); default 10000 processes, 6T.\n"
         "\n"
         "capture run a scenario (a trace without expectations) on the real\n"
         "        kernel under QEMU and write its capture log to OUT\n"
         "        (traces/capture/README.md); Debian's 6.1 by default, or the\n"
         "        given kernel and module tree.\n"
         "\n"
         "diff    run a scenario on the kernel (captured now, or the\n"
         "        recorded --log) and on the model, then show the first\n"
         "        divergence and every mismatch. --profile and --toggle\n"
         "        change the model's rules, e.g. to see a bug's toggle\n"
         "        diverge. Exit status 0 only when they agree.\n"
         "\n"
         "flags of show (also as --flag=VALUE):\n"
         "  --geometry NAME   " +
         model::Join(model::Geometry::Names(), ", ") +
         " (default x86_64)\n"
         "  --profile VERSION " +
         model::KernelVersionNames() +
         " (default v6.1)\n"
         "  --toggle NAME     bring back the pre-fix logic of a reported bug\n"
         "                    (repeatable)\n"
         "  --layout FILE     the kernel's \"Early memory node ranges\" "
         "lines,\n"
         "                    e.g. from dmesg; default: the bundled layout of "
         "a\n"
         "                    4 GiB x86_64 QEMU guest "
         "(cli/default-layout.txt)\n"
         "\n"
         "Exit status: 0 on success, 2 for bad flags or input.\n";
}

absl::StatusOr<Invocation> ParseArgs(const std::vector<std::string>& args) {
  Invocation inv;
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      inv.verb = Verb::kHelp;
      return inv;
    }
  }
  if (args.empty()) return inv;
  if (IsHelp(args[0])) {
    inv.verb = Verb::kHelp;
    return inv;
  }
  if (args[0] == "boot") {
    inv.verb = Verb::kBoot;
    if (absl::Status s = ParseBootArgs(args, inv.boot); !s.ok()) return s;
    return inv;
  }
  if (args[0] == "invariants") {
    if (args.size() > 1) {
      return Bad(Cat("'invariants' takes no arguments, got '", args[1], "'"));
    }
    inv.verb = Verb::kInvariants;
    return inv;
  }
  if (args[0] == "capture") {
    inv.verb = Verb::kCapture;
    if (absl::Status s = ParseCaptureArgs(args, inv.capture); !s.ok()) {
      return s;
    }
    return inv;
  }
  if (args[0] == "diff") {
    inv.verb = Verb::kDiff;
    if (absl::Status s = ParseDiffArgs(args, inv.diff); !s.ok()) return s;
    return inv;
  }
  if (args[0] == "pagetables") {
    inv.verb = Verb::kPagetables;
    if (absl::Status s = ParsePagetablesArgs(args, inv.pagetables); !s.ok()) {
      return s;
    }
    return inv;
  }
  if (args[0] == "replay") {
    inv.verb = Verb::kReplay;
    if (absl::Status s = ParseReplayArgs(args, inv.replay); !s.ok()) return s;
    return inv;
  }
  size_t first_flag = 0;
  if (args[0] == "show") {
    first_flag = 1;
  } else if (args[0].rfind("-", 0) != 0) {
    return Bad(Cat("unknown command '", args[0],
                   "'; expected 'show', 'replay', 'boot', 'invariants', "
                   "'pagetables', 'capture', 'diff' or 'help'"));
  }
  inv.verb = Verb::kShow;
  if (absl::Status s = ParseShowFlags(args, first_flag, inv.show); !s.ok()) {
    return s;
  }
  return inv;
}

absl::StatusOr<ShowConfig> ResolveShowConfig(const ShowOptions& o) {
  absl::StatusOr<model::KernelProfile> base =
      model::KernelProfile::Parse(o.profile);
  if (!base.ok()) return base.status();
  absl::StatusOr<model::Geometry> geometry =
      model::Geometry::Named(o.geometry, base->version);
  if (!geometry.ok()) return geometry.status();
  absl::StatusOr<model::KernelProfile> profile =
      model::BugToggleRegistry::Global().Apply(*base, o.toggles);
  if (!profile.ok()) return profile.status();
  return ShowConfig{*std::move(geometry), *profile};
}

std::string ResolvePath(std::string_view path,
                        std::optional<std::string_view> working_dir) {
  if (path.empty() || path.front() == '/' || !working_dir ||
      working_dir->empty()) {
    return std::string(path);
  }
  if (working_dir->back() == '/') return Cat(*working_dir, path);
  return Cat(*working_dir, "/", path);
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path,
                                         std::string_view shown_as) {
  auto fail = [&](int err) {
    const std::string msg =
        Cat("cannot read file '", shown_as, "': ", std::strerror(err));
    switch (err) {
      case ENOENT:
        return absl::NotFoundError(msg);
      case EACCES:
      case EPERM:
        return absl::PermissionDeniedError(msg);
      default:
        return absl::InvalidArgumentError(msg);
    }
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return fail(err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace memhp::cli
