// `daxctl list` of ndctl v81 (daxctl/list.c, util/json.c): the JSON that
// userspace shows of the dax bus, as json-c prints it pretty
// (JSON_C_TO_STRING_PRETTY: two-space indent, "key":value, '/' escaped).
//
//   default / -D   devices; -R regions; -R -D regions with their devices
//   -M             each device's mappings
//   -i             devices of size 0 too (seeds)
//   -u             sizes for people: "512.00 MiB (536.87 MB)"
//
// A device: chardev, size, target_node (>= 0), align (> 0), mode
// ("system-ram" when kmem holds it, else "devdax"), and for system-ram:
// online_memblocks and total_memblocks (the blocks of its range on the
// target node), movable (only when every block is online: true when all are
// in ZONE_MOVABLE); "state":"disabled" when no driver is bound. A region:
// path (its sysfs device path below /sys/devices), id, size,
// available_size (non-zero only), align. Nothing at all is printed when
// nothing is selected.
//
// DIVERGENCE: the filters (-r, -d) and the ndctl-embedded form are not
// modelled.

#ifndef MEMHP_HOTPLUG_DAXCTL_LIST_H_
#define MEMHP_HOTPLUG_DAXCTL_LIST_H_

#include <string>

#include "hotplug/dax_bus.h"
#include "hotplug/machine.h"

namespace memhp::hotplug {

struct DaxctlListOptions {
  bool regions = false;   // -R
  bool devices = false;   // -D
  bool mappings = false;  // -M
  bool idle = false;      // -i
  bool human = false;     // -u
};

// The output of `daxctl list` with `o`, "" when nothing is selected.
std::string RenderDaxctlList(const Machine& m, const DaxBus& bus,
                             const DaxctlListOptions& o);

// util/json.c's human size: "%.2f %s (%.2f %s)" in IEC and SI units.
std::string DaxctlHumanSize(uint64_t bytes);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAXCTL_LIST_H_
