// The machine a trace drives: the booted model, QEMU's side of it (the
// device memory and its DIMMs) and the guest's ACPI memory devices. The
// operations of the trace vocabulary run on it one at a time: replay uses
// it, and so do the stateful property tests, whose failing command
// sequences therefore are traces `memhp replay` runs the same way.

#ifndef MEMHP_TRACES_RUN_H_
#define MEMHP_TRACES_RUN_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/acpi_memhotplug.h"
#include "hotplug/dax_modules.h"
#include "hotplug/machine.h"
#include "traces/qemu_dimm.h"
#include "traces/trace.h"

namespace memhp::traces {

// What an operation did: `supported` false when the model cannot perform
// it (`reason` says why); else `result` is the outcome a shell would see
// (OK, or the write's errno).
struct StepOutcome {
  bool supported = true;
  std::string reason;
  absl::Status result;
};

class TraceMachine {
 public:
  explicit TraceMachine(Config config) : config_(std::move(config)) {}

  // `dimm add` before `boot`: present when the machine starts.
  void ColdPlug(const DimmAdd& d) { cold_dimms_.push_back(d); }
  // `boot`: the configuration booted (traces/boot.h), then acpi_scan_init
  // adds the cold-plugged DIMMs; on the v6.1 profile the dax stack comes up
  // as in the capture guest (hmem_init, then device_dax, kmem, dax_hmem).
  // Errors: the reason the model cannot boot.
  absl::Status Boot(std::string_view file);

  // `write PATH VALUE`.
  StepOutcome Write(const traces::Write& w);
  // `dimm add` after boot: QEMU places the DIMM, the guest adds it.
  StepOutcome AddDimm(const DimmAdd& d);
  // `dimm remove`: the eject request; QEMU keeps the DIMM when the guest
  // refuses (the QMP command itself succeeds either way).
  StepOutcome RemoveDimm(const DimmRemove& d);

  hotplug::Machine* machine() { return machine_.get(); }
  const hotplug::Machine* machine() const { return machine_.get(); }
  const std::optional<QemuDeviceMemory>& qemu() const { return qemu_; }
  // The device-dax stack, or nullptr (not booted, or a profile whose dax
  // rules are not modelled).
  hotplug::DaxModules* dax() { return dax_.get(); }
  const hotplug::DaxModules* dax() const { return dax_.get(); }
  // Command-line options the kernel refused ("file:line:col: ...").
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  absl::Status PlugDimm(const DimmAdd& d);

  Config config_;
  std::unique_ptr<hotplug::Machine> machine_;
  std::unique_ptr<hotplug::DaxModules> dax_;  // after machine_: destroyed first
  std::vector<std::string> notes_;
  std::optional<QemuDeviceMemory> qemu_;
  std::vector<DimmAdd> cold_dimms_;
  std::map<std::string, hotplug::AcpiMemoryDevice> acpi_devices_;
  std::set<int> acpi_instances_;  // "PNP0C80:%02x" numbers in use
  std::map<std::string, int> instance_of_;
};

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_RUN_H_
