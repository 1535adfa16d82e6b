// The kmem driver: drivers/dax/kmem.c (v6.1: Debian linux-source-6.1
// 6.1.192). It hands a dax device's ranges to the core-mm as
// driver-managed "System RAM (kmem)": each range aligned to the memory block
// size, reserved in iomem_resource under the device's name (flags
// IORESOURCE_SYSTEM_RAM, not busy, so the System RAM nests under it), then
// add_memory_driver_managed on the device's target node. Removal is one
// shot: remove_memory fails while a block is online, the unbind goes on and
// the range stays System RAM until reboot.
//
// The v5.3 profile (kmem_multi_range false) runs v5.3's driver instead: the
// device's region aligned to the block size as one range, reserved under
// the device's name, add_memory() (a "System RAM" child), "could not
// reserve region [%pa-%pa]" (-EBUSY, also for a region without a whole
// block), and at unbind one remove_memory() with dev_err "DAX region %pR
// cannot be hotremoved until the next reboot" when a block is online.
//
// v5.1 (switches kmem_remove_leaks_reservation and
// kmem_add_failure_leaks_reservation, with kmem_multi_range false): the
// same probe, but a failed add_memory() keeps its reservation and the
// remove releases nothing (the driver core ignores its return value, so
// unbind succeeds); the memory stays System RAM until reboot. From
// c221c0b0308f as posted in "[PATCH 5/5] dax: "Hotplug" persistent memory
// for use like normal RAM" (<20190124231448.E102D18E@viggo.jf.intel.com>,
// whose remove returned -EBUSY, an unobservable difference) and the v5.3
// stable diffs against it.
//
// v7.1 adds the warning "DAX region truncated by %s due to alignment"
// (kmem_warns_truncation) after the size checks; the rest of probe and
// remove is 6.1's.
//
// DIVERGENCE: memory tiers (init_node_memory_type / clear_node_memory_type
// with dax_slowmem_type) are not modelled: nothing in the model's scope
// reads them.

#ifndef MEMHP_HOTPLUG_DAX_KMEM_H_
#define MEMHP_HOTPLUG_DAX_KMEM_H_

#include <cstdint>
#include <string>

#include "hotplug/dax_bus.h"
#include "model/operation.h"

namespace memhp::hotplug {

// Kernel: drivers/dax/kmem.c dax_kmem_range: the range aligned inwards to
// the memory block size; -ENOSPC (and the range unchanged) when no whole
// block is left.
int DaxKmemRange(const Machine& m, const DevDax& dev, size_t i,
                 InclusiveRange* r);

// Kernel: drivers/dax/kmem.c dev_dax_kmem_probe (v6.1). In order: a target
// node < 0: dev_warn "rejecting DAX region with invalid node: %d" -EINVAL;
// dev_info "mapping%d: %#llx-%#llx too small after alignment" per range
// without a whole block; none left: dev_warn "rejecting DAX region without
// any memory after alignment" -EINVAL; a static memory group of
// PFN_UP(total) pages on the node (its errno); per range, added to the
// group (MHP_NID_IS_MGID): request_mem_region (dev_warn "mapping%d: %#llx-%#llx
// could not reserve region": -EBUSY for the first range, skipped once a
// range is mapped), add_memory_driver_managed (dev_warn "mapping%d:
// %#llx-%#llx memory add failed": the reservation goes; the error for the
// first range, skipped later).
model::Operation<int> DevDaxKmemProbe(DaxBus& bus, DevDax& dev);

// Kernel: drivers/dax/kmem.c dev_dax_kmem_remove (v6.1,
// CONFIG_MEMORY_HOTREMOVE): remove_memory per added range; a failure
// (a block still online) leaves that range and its reservation for good,
// with dev_err "mapping%d: %#llx-%#llx cannot be hotremoved until the next
// reboot". The driver data and the memory group go only when every range
// was removed (or never added).
model::Operation<bool> DevDaxKmemRemove(DaxBus& bus, DevDax& dev);

// Kernel: lib/string_helpers.c string_get_size(size, 1, STRING_UNITS_2)
// (the v6.7+ format "%u%s %sB" without STRING_UNITS_NO_*): three
// significant digits and a binary unit, "62.0 MiB", "126 MiB", "0 B".
std::string StringGetSize(uint64_t size);

// struct dax_device_driver device_dax_kmem_driver.
DaxDeviceDriver KmemDriver();

// kmem_name: the resource name of the driver-managed System RAM.
inline constexpr std::string_view kKmemName = "System RAM (kmem)";

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_KMEM_H_
