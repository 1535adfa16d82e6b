// ACPI memory devices (PNP0C80) as the kernel drives them
// (drivers/acpi/acpi_memhotplug.c and drivers/acpi/scan.c, v6.1): a DIMM
// present at boot or plugged later gets a static memory group of its total
// size and is added with __add_memory(mgid, ..., MHP_NID_IS_MGID) for each
// of its ranges (acpi_memory_enable_device); an eject request offlines its
// memory blocks in two passes and removes the memory and the group, or
// fails and puts the blocks back online (acpi_scan_try_to_offline /
// acpi_scan_hot_remove).
//
// Locks: lock_device_hotplug() and acpi_scan_lock, as acpi_device_hotplug()
// takes them for a hot-plug notification.
// DIVERGENCE: _OST evaluation and the firmware's side of the eject are the
// caller's (QEMU keeps the DIMM when the eject fails); binding the blocks
// to the device (acpi_bind_memory_blocks) cannot fail.

#ifndef MEMHP_HOTPLUG_ACPI_MEMHOTPLUG_H_
#define MEMHP_HOTPLUG_ACPI_MEMHOTPLUG_H_

#include <string>
#include <vector>

#include "hotplug/machine.h"
#include "model/operation.h"
#include "model/range.h"
#include "model/types.h"

namespace memhp::hotplug {

struct AcpiMemoryInfo {
  model::PhysAddr start_addr{0};
  model::ByteSize length{0};
  bool enabled = false;  // added (or -EEXIST) and bound to its blocks
};

struct AcpiMemoryDevice {
  // The ACPI device name, "PNP0C80:%02x" by order of discovery.
  std::string name;
  // acpi_get_node(handle): the node of _PXM, or NUMA_NO_NODE.
  model::NodeId pxm_node = model::kNumaNoNode;
  std::vector<AcpiMemoryInfo> res_list;
  // mem_device->mgid: the static memory group of the device, -1 when none
  // is registered.
  int mgid = -1;
};

// Kernel: drivers/acpi/acpi_memhotplug.c acpi_memory_device_add ->
// acpi_memory_enable_device (v6.1): the node from _PXM or (for the first
// range) memory_add_physaddr_to_nid(); dev_err "device is empty" (-EINVAL)
// without memory; memory_group_register_static(node, PFN_UP(total_length))
// (its errno fails the device); __add_memory(mgid, ..., MHP_NID_IS_MGID)
// per range (a range that fails with anything but -EEXIST is skipped);
// dev_err "add_memory failed" (-EINVAL) when no range was enabled. A
// failure prints dev_err "acpi_memory_enable_device() error" and
// acpi_memory_device_free() unregisters the group. Returns 0 or -errno.
model::Operation<int> AcpiMemoryDeviceAdd(Machine& m, AcpiMemoryDevice& dev);

// Kernel: drivers/acpi/scan.c acpi_scan_hot_remove (v6.1) for a memory
// device: acpi_scan_try_to_offline() (device_offline() of every bound
// memory block, a second pass for those that failed; dev_warn "Offline
// failed." on the block that still fails, the blocks offlined here are
// onlined again and the result is -EBUSY), then acpi_bus_trim() ->
// acpi_memory_device_remove() -> __remove_memory() of every enabled range,
// then acpi_memory_device_free() -> memory_group_unregister().
// Returns 0 when the device may be ejected.
model::Operation<int> AcpiScanHotRemove(Machine& m, AcpiMemoryDevice& dev);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ACPI_MEMHOTPLUG_H_
