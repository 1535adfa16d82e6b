#include "traces/boot.h"

#include "hotplug/x86_boot.h"
#include "model/bug_toggle.h"
#include "model/geometry.h"
#include "traces/qemu_firmware.h"

namespace memhp::traces {

absl::StatusOr<BootedTrace> BootTraceConfig(const Config& config,
                                            std::string_view file) {
  absl::StatusOr<model::Geometry> g =
      model::Geometry::Named(config.geometry.text, config.profile);
  if (!g.ok()) return g.status();
  std::vector<std::string> toggles;
  for (const TextSetting& ts : config.toggles) toggles.push_back(ts.text);
  absl::StatusOr<model::KernelProfile> p =
      model::BugToggleRegistry::Global().Apply(
          model::KernelProfile::For(config.profile), toggles);
  if (!p.ok()) return p.status();
  if (g->arch() != model::Arch::kX86_64) {
    return absl::InvalidArgumentError("only the x86_64 boot is modelled");
  }
  hotplug::X86BootInput in;
  for (const E820Entry& e : config.e820) {
    in.firmware.entries.push_back(
        {.addr = e.start,
         .size = model::ByteSize(e.last.value() - e.start.value() + 1),
         .type = e.type});
  }
  for (const NumaRange& n : config.numa) {
    in.srat.push_back({.range = model::PhysRange(
                           n.start, model::PhysAddr(n.last.value() + 1)),
                       .node = n.node,
                       .hotplug = n.hotplug});
  }
  if (config.cmdline) {
    in.cmdline = config.cmdline->text;
    // The value starts after `cmdline "`.
    in.cmdline_at = {std::string(file), config.cmdline->line, 10};
  }
  // The host bridge windows of the QEMU guest the trace ran in (a qemu
  // line the model cannot read leaves them out: an imported log's firmware
  // map is its own).
  if (config.qemu) {
    absl::StatusOr<QemuFirmware> fw =
        QemuPcFirmware(config.qemu->text, file, config.qemu->line);
    if (fw.ok()) in.pci_windows = fw->pci_windows;
  }
  BootedTrace out;
  out.machine = std::make_unique<hotplug::Machine>(*g, *p);
  absl::StatusOr<hotplug::X86BootResult> r = hotplug::BootX86(*out.machine, in);
  if (!r.ok()) return r.status();
  for (const absl::Status& bad : r->malformed) {
    out.notes.emplace_back(bad.message());
  }
  if (r->halted) {
    return absl::FailedPreconditionError("the boot stopped in setup_arch");
  }
  return out;
}

}  // namespace memhp::traces
