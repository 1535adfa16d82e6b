// The machine a trace's configuration describes, booted: geometry, profile
// and toggles, the command line, and the firmware's memory through the
// architecture's boot: x86_64 from its e820 and numa (SRAT) lines
// (hotplug/x86_boot.h); arm64, ppc64, s390x and riscv64 from their memblock
// lines, with dma-limit, firmware-block-size, zones and memoryless-node
// (hotplug/memblock_boot.h).

#ifndef MEMHP_TRACES_BOOT_H_
#define MEMHP_TRACES_BOOT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hotplug/machine.h"
#include "traces/trace.h"

namespace memhp::traces {

struct BootedTrace {
  std::unique_ptr<hotplug::Machine> machine;
  // Command-line options the kernel refused ("file:line:col: ...").
  std::vector<std::string> notes;
};

// Errors: InvalidArgument for a configuration the model cannot boot: an
// unknown geometry for the profile, a toggle that does not apply, a
// non-x86_64 geometry without memblock lines, a zone the architecture does
// not have, a map that cannot boot; FailedPrecondition when the
// kernel would stop (a panic or BUG during boot).
absl::StatusOr<BootedTrace> BootTraceConfig(const Config& config,
                                            std::string_view file);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_BOOT_H_
