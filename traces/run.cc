#include "traces/run.h"

#include "hotplug/dax_sysfs.h"
#include "hotplug/sysfs.h"
#include "model/operation.h"
#include "model/strings.h"
#include "traces/boot.h"
#include "traces/qemu_firmware.h"

namespace memhp::traces {

using model::Cat;

absl::Status TraceMachine::Boot(std::string_view file) {
  // A scenario has no recorded firmware map: QEMU's, from its qemu line.
  absl::StatusOr<Config> config = WithQemuFirmware(config_, file);
  if (!config.ok()) return config.status();
  config_ = *std::move(config);
  absl::StatusOr<BootedTrace> b = BootTraceConfig(config_, file);
  if (!b.ok()) return b.status();
  for (std::string& n : b->notes) notes_.push_back(std::move(n));
  machine_ = std::move(b->machine);
  // acpi_scan_init(): DIMMs present at boot are added while the system is
  // still booting (mem= applies to them).
  qemu_ = QemuDeviceMemory::FromConfig(config_);
  for (const DimmAdd& d : cold_dimms_) {
    if (absl::Status st = PlugDimm(d); !st.ok()) return st;
  }
  // The dax stack's rules are modelled for v6.1 and, through the profile's
  // switches, for v7.1 (dax_match_type, hmem_regions_default_to_kmem,
  // hmem_platform_device: the guest loads the same modules), v5.3 (no
  // dax_hmem; kmem_multi_range, the nd_pfn and dev_dax switches) and v5.1
  // (kmem's leaks, nd_pfn_section_padding).
  dax_ = std::make_unique<hotplug::DaxModules>(*machine_);
  // hmem_init is a late initcall: before userspace.
  if (machine_->profile().dax_hmem) dax_->hmem().HmemInit(*machine_);
  machine_->set_system_running(true);
  // The guest's /init loads device_dax, kmem and dax_hmem.
  if (dax_) dax_->LoadModules();
  return absl::OkStatus();
}

absl::Status TraceMachine::PlugDimm(const DimmAdd& d) {
  if (!qemu_) {
    return absl::FailedPreconditionError(
        "no hot-pluggable numa range: QEMU has no device memory for a DIMM");
  }
  absl::StatusOr<QemuDimm> dimm = qemu_->Plug(d);
  if (!dimm.ok()) {
    return absl::FailedPreconditionError(
        Cat("QEMU refuses the DIMM: ", std::string(dimm.status().message())));
  }
  int instance = 0;
  while (acpi_instances_.contains(instance)) ++instance;
  acpi_instances_.insert(instance);
  hotplug::AcpiMemoryDevice dev{
      .name = model::Sprintf("PNP0C80:%02x", instance),
      .pxm_node = dimm->node,
      .res_list = {{.start_addr = dimm->addr, .length = dimm->size}}};
  (void)model::RunToCompletion(hotplug::AcpiMemoryDeviceAdd(*machine_, dev));
  acpi_devices_[d.id] = std::move(dev);
  instance_of_[d.id] = instance;
  return absl::OkStatus();
}

StepOutcome TraceMachine::Write(const traces::Write& w) {
  std::optional<model::Operation<absl::Status>> op =
      hotplug::SysfsWrite(*machine_, w.path, w.value);
  if (!op && dax_) op = hotplug::DaxSysfsWrite(*dax_, w.path, w.value);
  if (!op) {
    return {.supported = false,
            .reason = dax_ || !w.path.starts_with("/sys/bus/dax")
                          ? "a sysfs file the model does not have"
                          : "the dax stack is not loaded"};
  }
  return {.result = model::RunToCompletion(std::move(*op))};
}

StepOutcome TraceMachine::AddDimm(const DimmAdd& d) {
  if (absl::Status st = PlugDimm(d); !st.ok()) {
    return {.supported = false, .reason = std::string(st.message())};
  }
  return {};
}

StepOutcome TraceMachine::RemoveDimm(const DimmRemove& d) {
  auto it = acpi_devices_.find(d.id);
  if (it == acpi_devices_.end() || !qemu_ || !qemu_->Find(d.id)) {
    return {.supported = false,
            .reason = Cat("no DIMM '", d.id, "' to remove")};
  }
  const int rc =
      model::RunToCompletion(hotplug::AcpiScanHotRemove(*machine_, it->second));
  if (rc == 0) {
    qemu_->Unplug(d.id);
    acpi_instances_.erase(instance_of_[d.id]);
    instance_of_.erase(d.id);
    acpi_devices_.erase(it);
  }
  return {};
}

}  // namespace memhp::traces
