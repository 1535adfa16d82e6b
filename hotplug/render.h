// Kernel-native views of a machine: /proc/zoneinfo (the fields memhp models:
// spanned, present, start_pfn; not managed), /sys/devices/system/memory as
// the capture log lists it, and lsmem-style block lines.

#ifndef MEMHP_HOTPLUG_RENDER_H_
#define MEMHP_HOTPLUG_RENDER_H_

#include <string>
#include <vector>

#include "hotplug/lsmem.h"
#include "hotplug/machine.h"

namespace memhp::hotplug {

// Kernel: mm/vmstat.c zoneinfo_show_print (v6.1): "Node %d, zone %8s",
// "        spanned  %lu", "        present  %lu", and for populated zones
// "  start_pfn:           %lu".
std::vector<std::string> ZoneinfoLines(const Machine& m);

// The memory section of capture-log v1: "memoryN state=S phys_index=X
// valid_zones=Z[,Z] removable=R node=N", one line a block, ascending.
std::vector<std::string> MemoryBlockLines(const Machine& m);
// A block's valid_zones as the machine shows it (movable_node and the
// online policy included): "none", or the zones, the default first.
std::vector<std::string> ValidZonesOf(const Machine& m, const MemoryBlock& mem);

// /proc/iomem (kernel/resource.c r_show, v6.1) of the machine's
// iomem_resource.
std::vector<std::string> IomemLines(const Machine& m);

// /sys/devices/system/memory of the machine as lsmem reads it (state,
// removable, the node link, valid_zones), for RenderLsmem (lsmem.h).
LsmemSysfs LsmemSysfsOf(const Machine& m);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_RENDER_H_
