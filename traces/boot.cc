#include "traces/boot.h"

#include "hotplug/memblock_boot.h"
#include "hotplug/x86_boot.h"
#include "model/bug_toggle.h"
#include "model/geometry.h"
#include "model/strings.h"
#include "traces/qemu_firmware.h"

namespace memhp::traces {

namespace {

// The architectures that boot from memblock (hotplug/memblock_boot.h).
absl::StatusOr<BootedTrace> BootMemblockConfig(const Config& config,
                                               std::string_view file,
                                               const model::Geometry& g,
                                               const model::KernelProfile& p) {
  hotplug::MemblockBootInput in;
  for (const MemblockRange& r : config.memblock) {
    in.memory.push_back({.range = model::PhysRange(
                             r.start, model::PhysAddr(r.last.value() + 1)),
                         .nid = r.node,
                         .hotplug = r.hotplug,
                         .nomap = r.nomap});
  }
  if (in.memory.empty()) {
    return model::BadInput({std::string(file), config.geometry.line, 1},
                           model::Cat("expected memblock lines: geometry ",
                                      g.name(), " boots from memblock"));
  }
  if (config.cmdline) {
    in.cmdline = config.cmdline->text;
    in.cmdline_at = {std::string(file), config.cmdline->line, 10};
  }
  if (config.dma_limit) in.dma.dt = model::PhysAddr(config.dma_limit->value);
  if (config.firmware_block_size) {
    in.firmware_block_size = model::ByteSize(config.firmware_block_size->value);
  }
  for (const NodeSetting& n : config.memoryless_nodes) {
    in.memoryless_nodes.push_back(n.node);
  }
  if (config.zones) {
    hotplug::ConfiguredZones z{};
    z[static_cast<int>(hotplug::ZoneType::kMovable)] = true;
    for (const std::string& name : config.zones->names) {
      z[static_cast<int>(*hotplug::ZoneFromName(name))] = true;
    }
    const hotplug::ConfiguredZones possible =
        hotplug::ArchPossibleZones(g.arch(), p);
    for (int i = 0; i < hotplug::kMaxNrZones; ++i) {
      if (z[i] && !possible[i]) {
        return model::BadInput(
            {std::string(file), config.zones->line, 7},
            model::Cat("expected zones that ", g.name(), " has in ", p.name(),
                       ", got ", hotplug::ZoneName(hotplug::ZoneAt(i))));
      }
    }
    in.zones = z;
  }
  BootedTrace out;
  out.machine = std::make_unique<hotplug::Machine>(g, p);
  absl::StatusOr<hotplug::MemblockBootResult> r =
      hotplug::BootFromMemblock(*out.machine, in);
  if (!r.ok()) return r.status();
  for (const absl::Status& bad : r->malformed) {
    out.notes.emplace_back(bad.message());
  }
  return out;
}

}  // namespace

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
  if (g->arch() != model::Arch::kX86_64)
    return BootMemblockConfig(config, file, *g, *p);
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
