// Memory blocks going online and offline through the driver core
// (drivers/base/memory.c and drivers/base/core.c, v6.1):
// memory_block_online / memory_block_offline (mem_hotplug_begin/done around
// online_pages / offline_pages), memory_block_change_state,
// memory_subsys_online / memory_subsys_offline, device_online /
// device_offline, and the sysfs stores `state` and `online`.
//
// Suspension points: device_hotplug_lock (taken by the stores, held by the
// callers of DeviceOnline/DeviceOffline) and mem_hotplug_lock (write side,
// mem_hotplug_begin). While a block is being offlined its state reads
// "going-offline".
// DIVERGENCE: cpus_read_lock() in mem_hotplug_begin() and the per-device
// device_lock() are not modelled (nothing else here takes them); a block
// that disappeared while a store waited for device_hotplug_lock fails the
// store with -ENODEV (the kernel's kernfs drain makes the removal wait
// instead).

#ifndef MEMHP_HOTPLUG_MEMORY_ONLINE_H_
#define MEMHP_HOTPLUG_MEMORY_ONLINE_H_

#include <string_view>

#include "absl/status/status.h"
#include "hotplug/machine.h"
#include "model/operation.h"
#include "model/types.h"

namespace memhp::hotplug {

// Kernel: drivers/base/memory.c memory_block_online (v6.1): the zone from
// zone_for_pfn_range(mem->online_type, mem->nid, mem->group, ...) under the
// machine's online policy, then under mem_hotplug_lock online_pages() of
// the whole block (with mem->group); on success mem->zone is that zone.
// v5.3 (!memory_block_online_takes_hotplug_lock): the zone is chosen under
// mem_hotplug_lock (online_pages() takes it first). Returns 0 or -errno.
model::Operation<int> MemoryBlockOnline(Machine& m, model::BlockId id);
// Kernel: drivers/base/memory.c memory_block_offline (v6.1): -EINVAL for a
// block without a single zone (before any lock), else offline_pages()
// (with mem->group) under mem_hotplug_lock; on success mem->zone is
// cleared. v5.3 (!offline_uses_memory_block_zone): no mem->zone check; the
// zone is __offline_pages()'s test_pages_in_a_zone(), under the lock.
model::Operation<int> MemoryBlockOffline(Machine& m, model::BlockId id);

// Kernel: drivers/base/core.c device_online (v6.1) on a memory block:
// memory_subsys_online() when dev->offline, else 1 (already online).
// REQUIRES: device_hotplug_lock held by the caller.
model::Operation<int> DeviceOnline(Machine& m, model::BlockId id);
// Kernel: drivers/base/core.c device_offline (v6.1) on a memory block:
// memory_subsys_offline() unless dev->offline (then 1).
// REQUIRES: device_hotplug_lock held by the caller.
model::Operation<int> DeviceOffline(Machine& m, model::BlockId id);

// Kernel: drivers/base/memory.c state_store (v6.1): -EINVAL for a value
// mhp_online_type_from_str() does not know, then under device_hotplug_lock
// device_online() with mem->online_type set, or device_offline(); a block
// already in the requested state is -EINVAL too. v5.3
// (!state_store_parses_before_lock): the lock is taken first and an unknown
// value is refused under it. The values are the same four in v5.3
// ("online" is MMOP_ONLINE_KEEP there).
model::Operation<absl::Status> StateStore(Machine& m, model::BlockId id,
                                          std::string_view buf);
// Kernel: drivers/base/core.c online_store (v6.1): strtobool(), then under
// device_hotplug_lock device_online() or device_offline(); a block already
// in the requested state succeeds.
model::Operation<absl::Status> OnlineStore(Machine& m, model::BlockId id,
                                           std::string_view buf);

// Kernel: drivers/base/memory.c auto_online_blocks_store (v6.1).
absl::Status AutoOnlineBlocksStore(Machine& m, std::string_view buf);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMORY_ONLINE_H_
