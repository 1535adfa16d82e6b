// The device_dax driver's binding: drivers/dax/device.c dev_dax_probe and
// the devres actions that unbinding runs (v6.1: Debian linux-source-6.1
// 6.1.192). It reserves each range of the device in iomem_resource (busy,
// named after the device), maps it into ZONE_DEVICE with
// devm_memremap_pages (MEMORY_DEVICE_GENERIC, compound pages of the
// device's align) and makes the character device alive. The mmap and fault
// paths are hotplug/dax_fault.h.

#ifndef MEMHP_HOTPLUG_DEVICE_DAX_H_
#define MEMHP_HOTPLUG_DEVICE_DAX_H_

#include "hotplug/dax_bus.h"
#include "model/operation.h"

namespace memhp::hotplug {

// Kernel: drivers/dax/device.c dev_dax_probe (v6.1). In order: a static
// device with several ranges: dev_warn "static pgmap / multi-range device
// conflict" -EINVAL; a dynamic one whose pgmap is still set (a previous
// probe failed after allocating it: devres freed it but dev_dax->pgmap was
// not cleared): dev_warn "dynamic-dax with pre-populated page map" -EINVAL;
// each range reserved (dev_warn "mapping%d: %#llx-%#llx could not reserve
// range", -EBUSY); devm_memremap_pages (its -errno). A failure releases
// what the probe reserved (devres).
model::Operation<int> DevDaxProbe(DaxBus& bus, DevDax& dev);

// The devres actions of a successful probe, last first: dev_dax_kill
// (kill_dev_dax), cdev_del, devm_memremap_pages_release (memunmap_pages,
// which waits for the pagemap's references), the reservations, the
// pagemap allocation. device_dax has no .remove.
model::Operation<bool> DevDaxRelease(DaxBus& bus, DevDax& dev);

// struct dax_device_driver device_dax_driver: match_always.
DaxDeviceDriver DeviceDaxDriver();

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DEVICE_DAX_H_
