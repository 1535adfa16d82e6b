// Command-line parsing of the memhp binary, kept apart from main() so that
// every bad-input path is testable. Nothing here exits or prints: errors are
// InvalidArgument / NotFound statuses with a one-line message, and only
// main() turns them into exit code 2 (STYLE.md outcome tier 3).
//
//   memhp                      show on the bundled default layout
//   memhp show [flags]         flags: --geometry NAME, --profile NAME,
//                              --toggle NAME (repeatable), --layout FILE;
//                              each also as --flag=VALUE
//   memhp [flags]              the same as `memhp show [flags]`
//   memhp replay [--json] FILE...
//                              replay traces or capture logs and check
//                              every expectation
//   memhp boot [--view V]... FILE
//                              boot a trace's (or capture log's) machine and
//                              print kernel views: dmesg, zoneinfo, iomem,
//                              memory, lsmem (default: all)
//   memhp help | --help | -h   usage

#ifndef MEMHP_CLI_ARGS_H_
#define MEMHP_CLI_ARGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/geometry.h"
#include "model/profile.h"

namespace memhp::cli {

enum class Verb {
  kHelp,
  kShow,
  kReplay,
  kBoot,
  kInvariants,
  kPagetables,
  kCapture,
  kDiff
};

struct ShowOptions {
  std::string geometry = "x86_64";
  std::string profile = "v6.1";
  std::vector<std::string> toggles;   // in command-line order
  std::optional<std::string> layout;  // the path as given; nullopt: default
  bool operator==(const ShowOptions&) const = default;
};

struct ReplayOptions {
  std::vector<std::string> files;  // at least one, as given
  bool json = false;
  bool operator==(const ReplayOptions&) const = default;
};

// The kernel views `memhp boot` prints, in this order.
enum class View { kDmesg, kZoneinfo, kIomem, kMemory, kLsmem, kDax, kDaxctl };
std::string_view ViewName(View v);

struct BootOptions {
  std::string file;
  std::vector<View> views;  // empty: all, in enum order
  // --lsmem "ARGS": lsmem's own options for the lsmem view ("-o
  // RANGE,SIZE,NODE,ZONES -a"), split on blanks; checked when the view
  // renders.
  std::vector<std::string> lsmem_args;
  bool operator==(const BootOptions&) const = default;
};

// `memhp pagetables`: page-table memory of N processes mapping M bytes of
// a device-dax instance at each fault size. The defaults are the 1G
// device-dax discussion's: 10,000 processes, 6 TiB.
struct PagetablesOptions {
  uint64_t processes = 10000;
  uint64_t bytes = uint64_t{6} << 40;
  bool operator==(const PagetablesOptions&) const = default;
};

// `memhp capture SCENARIO OUT [--kernel BZIMAGE --modules DIR]`: the
// scenario run on the real kernel under QEMU (traces/capture/capture.sh).
struct CaptureOptions {
  std::string scenario;
  std::string out;
  std::optional<std::string> kernel;
  std::optional<std::string> modules;
  bool operator==(const CaptureOptions&) const = default;
};

// `memhp diff SCENARIO|--log FILE [--profile V] [--toggle NAME]...
// [--kernel BZIMAGE --modules DIR] [--json]`: a scenario on both the kernel
// (captured now, or a recorded log) and the model, with the model's profile
// and bug toggles overridden if asked.
struct DiffOptions {
  std::string scenario;  // empty with --log
  std::optional<std::string> log;
  std::optional<std::string> profile;
  std::vector<std::string> toggles;
  std::optional<std::string> kernel;
  std::optional<std::string> modules;
  bool json = false;
  bool operator==(const DiffOptions&) const = default;
};

struct Invocation {
  Verb verb = Verb::kShow;
  ShowOptions show;
  ReplayOptions replay;
  BootOptions boot;
  PagetablesOptions pagetables;
  CaptureOptions capture;
  DiffOptions diff;
  bool operator==(const Invocation&) const = default;
};

// The usage text, ending in '\n'.
std::string Usage();

// `args` is argv without argv[0].
// Errors: InvalidArgument naming the offending argument: an unknown command
// or flag, a flag without its value, a flag other than --toggle given twice,
// an unexpected positional argument.
absl::StatusOr<Invocation> ParseArgs(const std::vector<std::string>& args);

// What `show` runs on.
struct ShowConfig {
  model::Geometry geometry;
  model::KernelProfile profile;
};

// The geometry under the profile's release, and the profile with the toggles
// applied (model::BugToggleRegistry::Global()).
// Errors: InvalidArgument for an unknown geometry, profile or toggle, or a
// toggle the profile has no fix for.
absl::StatusOr<ShowConfig> ResolveShowConfig(const ShowOptions& o);

// `path` relative to `working_dir` (bazel run's $BUILD_WORKING_DIRECTORY)
// when it is relative and working_dir is set and non-empty; else `path`.
std::string ResolvePath(std::string_view path,
                        std::optional<std::string_view> working_dir);

// The contents of the file at `path`; `shown_as` names it in errors.
// Errors: NotFound / PermissionDenied / InvalidArgument "cannot read file
// 'SHOWN_AS': <strerror>".
absl::StatusOr<std::string> ReadTextFile(const std::string& path,
                                         std::string_view shown_as);

}  // namespace memhp::cli

#endif  // MEMHP_CLI_ARGS_H_
