// Replay: runs a trace on the model and checks every expectation
// (ARCHITECTURE.md "The command line": each mismatch as expected / got /
// where, and a closing count).
//
// A trace step the model cannot perform yet (a sysfs write, a DIMM hot-plug
// before the hotplug core exists, a non-x86 boot) is reported as
// unsupported, and every expectation after it is counted as unsupported too:
// the model no longer stands for what the kernel did, so nothing after it is
// claimed as matched.

#ifndef MEMHP_TRACES_REPLAY_H_
#define MEMHP_TRACES_REPLAY_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hotplug/dax_modules.h"
#include "hotplug/machine.h"
#include "traces/trace.h"

namespace memhp::traces {

struct ReplayMismatch {
  int line = 0;          // the expect line in the trace
  std::string expected;  // the expect line, canonical
  std::string got;       // what the model shows there
};

struct ReplayUnsupported {
  int line = 0;
  std::string step;    // the step, canonical
  std::string reason;  // why the model cannot do it yet
};

struct ReplayReport {
  std::string file;
  int expectations = 0;
  int matched = 0;
  int mismatched = 0;
  int unsupported = 0;  // expectations not checked, see the file comment
  std::vector<ReplayMismatch> mismatches;
  std::vector<ReplayUnsupported> unsupported_steps;
  // The command-line options the kernel refused ("file:line:col: ...").
  std::vector<std::string> notes;

  bool AllMatched() const {
    return mismatched == 0 && unsupported == 0 && expectations == matched;
  }
};

// A trace from either form a user gives `memhp replay`: capture-log v1
// (recognised by its "=== memhp-capture v1" line, imported as
// traces/import.h does) or trace format v1.
// Errors: InvalidArgument "file:line:col: ..." for malformed input.
absl::StatusOr<Trace> LoadTraceOrCaptureLog(std::string_view text,
                                            std::string_view file);

struct ReplayOptions {
  // Called after boot and after every operation; a failure is reported as a
  // mismatch at that step ("(invariants hold after) STEP"). The CLI passes
  // the invariant registry of properties/.
  std::function<absl::Status(hotplug::Machine&)> after_step;
  // The same for the device-dax stack, when the machine has one.
  std::function<absl::Status(hotplug::DaxModules&)> after_step_dax;
};

// Replays `trace`; `file` names it in the report.
// Errors: InvalidArgument for a configuration the model cannot set up (an
// unknown geometry for the profile, a toggle that does not apply).
absl::StatusOr<ReplayReport> ReplayTrace(const Trace& trace,
                                         std::string_view file,
                                         ReplayOptions options = {});

// Human-readable report: one block per mismatch ("FILE:LINE: mismatch",
// "  expected: ...", "  got:      ..."), the unsupported steps, then
// "N expectations, N matched, N mismatched" as the last line.
std::string RenderReportText(const std::vector<ReplayReport>& reports);
// The same as JSON for machines.
std::string RenderReportJson(const std::vector<ReplayReport>& reports);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_REPLAY_H_
