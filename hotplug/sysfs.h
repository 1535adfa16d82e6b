// The sysfs files of the memory-hotplug core that userspace writes, by path
// (drivers/base/memory.c and drivers/base/core.c, v6.1):
//   /sys/devices/system/memory/memoryN/state    state_store
//   /sys/devices/system/memory/memoryN/online   online_store
//   /sys/devices/system/memory/auto_online_blocks
// The read-only attributes (phys_index, valid_zones, removable, phys_device,
// block_size_bytes, ...) refuse a write with -EACCES (kernfs opens them
// without a write op); a block or attribute that does not exist is -ENOENT,
// as is `probe` (CONFIG_ARCH_MEMORY_PROBE is off on Debian's x86_64).

#ifndef MEMHP_HOTPLUG_SYSFS_H_
#define MEMHP_HOTPLUG_SYSFS_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "hotplug/machine.h"
#include "model/operation.h"

namespace memhp::hotplug {

// The write of `value` to `path` as an operation, or nullopt when the path
// lies outside /sys/devices/system/memory (another subsystem's file, such
// as the dax bus's, which the caller handles).
std::optional<model::Operation<absl::Status>> SysfsWrite(
    Machine& m, std::string_view path, std::string_view value);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_SYSFS_H_
