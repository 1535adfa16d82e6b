// Adding and removing memory (mm/memory_hotplug.c, v6.1): the iomem
// reservation (register_memory_resource), add_memory_resource and its
// wrappers __add_memory / add_memory / add_memory_driver_managed, the x86
// arch_add_memory / arch_remove_memory, try_remove_memory and its wrappers
// __remove_memory / remove_memory, offline_and_remove_memory, and
// try_offline_node.
//
// Locks, as suspension points: device_hotplug_lock (add_memory,
// add_memory_driver_managed, remove_memory and offline_and_remove_memory
// take it; the __ variants require it held) and mem_hotplug_lock for
// writing (mem_hotplug_begin/done around the arch and sparse work).
//
// Memory groups: with MHP_NID_IS_MGID the nid argument is a memory group id
// (memory_group.h); the memory goes to the group's node and its blocks join
// the group.
//
// DIVERGENCE: memmap_on_memory is off (the oracle's default), so no altmap
// is used. /sys/firmware/memmap (firmware_map_add_hotplug /
// firmware_map_remove) is not modelled. Architectures other than x86_64 use
// the generic part only (__add_pages / __remove_pages without arch mapping
// work).

#ifndef MEMHP_HOTPLUG_MEMORY_HOTPLUG_H_
#define MEMHP_HOTPLUG_MEMORY_HOTPLUG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "hotplug/machine.h"
#include "hotplug/resource.h"
#include "model/operation.h"
#include "model/types.h"

namespace memhp::hotplug {

// mhp_t flags (include/linux/memory_hotplug.h, v6.1).
inline constexpr uint32_t kMhpNone = 0;
inline constexpr uint32_t kMhpMergeResource = 1u << 0;
inline constexpr uint32_t kMhpMemmapOnMemory = 1u << 1;
inline constexpr uint32_t kMhpNidIsMgid = 1u << 2;

// The nid argument of the add functions with kMhpNidIsMgid: the kernel
// passes the mgid in the same int.
inline model::NodeId MgidAsNid(int mgid) { return model::NodeId(mgid); }

// Kernel: mm/memory_hotplug.c register_memory_resource (v6.1): a busy
// System RAM resource named `resource_name` (driver-managed unless the name
// is "System RAM") requested from iomem_resource. Errors: -E2BIG when
// mhp_range_allowed() refuses or mem= limits the range during boot;
// -EEXIST when the region is taken (pr_debug "Unable to reserve System RAM
// region").
absl::StatusOr<Resource*> RegisterMemoryResource(Machine& m,
                                                 model::PhysAddr start,
                                                 model::ByteSize size,
                                                 std::string resource_name);
// Kernel: mm/memory_hotplug.c release_memory_resource (v6.1).
void ReleaseMemoryResource(Machine& m, Resource* res);

// Kernel: arch/x86/mm/init_64.c arch_add_memory and add_pages (v6.1):
// WARN_ON_ONCE and -ERANGE beyond PHYSMEM_END, __add_pages() (a failure
// WARN_ON_ONCEs), max_pfn raised to the end of the range.
int ArchAddMemory(Machine& m, model::NodeId nid, model::PhysAddr start,
                  model::ByteSize size);
// Kernel: arch/x86/mm/init_64.c arch_remove_memory (v6.1): __remove_pages.
void ArchRemoveMemory(Machine& m, model::PhysAddr start, model::ByteSize size);

// Kernel: mm/memory_hotplug.c add_memory_resource (v6.1):
// check_hotplug_memory_range (-EINVAL); with MHP_NID_IS_MGID, `nid` is a
// memory group id: -EINVAL when memory_group_find_by_id() finds none, else
// the node is the group's; node_possible (WARN "node %d was absent from
// the node_possible_map", -EINVAL), then under mem_hotplug_lock
// __try_online_node, arch_add_memory, create_memory_block_devices with the
// group (a failure removes the memory again), onlining a new node, linking
// the blocks to the node; after the lock, MHP_MERGE_RESOURCE merging and
// onlining every block when auto_online_blocks is not "offline".
// Returns 0 or -errno. REQUIRES: device_hotplug_lock held.
model::Operation<int> AddMemoryResource(Machine& m, model::NodeId nid,
                                        Resource* res, uint32_t mhp_flags);
// Kernel: mm/memory_hotplug.c __add_memory (v6.1): "System RAM" registered,
// added, released again on failure. REQUIRES: device_hotplug_lock held.
model::Operation<int> AddMemoryLocked(Machine& m, model::NodeId nid,
                                      model::PhysAddr start,
                                      model::ByteSize size, uint32_t mhp_flags);
// Kernel: mm/memory_hotplug.c add_memory (v6.1): __add_memory under
// device_hotplug_lock.
model::Operation<int> AddMemory(Machine& m, model::NodeId nid,
                                model::PhysAddr start, model::ByteSize size,
                                uint32_t mhp_flags);
// Kernel: mm/memory_hotplug.c add_memory_driver_managed (v6.1): -EINVAL
// unless the name is "System RAM ($DRIVER)", then as add_memory with a
// driver-managed resource of that name.
model::Operation<int> AddMemoryDriverManaged(Machine& m, model::NodeId nid,
                                             model::PhysAddr start,
                                             model::ByteSize size,
                                             std::string resource_name,
                                             uint32_t mhp_flags);

// Kernel: mm/memory_hotplug.c try_offline_node (v6.1): the node goes
// offline when it spans no pages, no memory block names it and no CPU sits
// on it. REQUIRES: device_hotplug_lock held.
void TryOfflineNode(Machine& m, model::NodeId nid);

// Kernel: mm/memory_hotplug.c try_remove_memory (v6.1): BUG_ON an
// unaligned range; -EBUSY with pr_warn "removing memory fails, because
// memory [%pa-%pa] is onlined" for the first block that is not offline;
// else the blocks are removed, then under mem_hotplug_lock
// arch_remove_memory, release_mem_region_adjustable and try_offline_node.
// v5.3 (!try_remove_memory_checks_before_hotplug_lock): mem_hotplug_begin()
// first, the check and the block devices' removal under the lock (the
// messages are the same).
// DIVERGENCE: v5.3's try_remove_memory(nid, ...) gets the node from its
// caller; the model takes the last block's, as v6.1. The BUG lines keep
// v6.1's line numbers.
// REQUIRES: device_hotplug_lock held.
model::Operation<int> TryRemoveMemory(Machine& m, model::PhysAddr start,
                                      model::ByteSize size);
// Kernel: mm/memory_hotplug.c __remove_memory (v6.1): try_remove_memory,
// BUG() when it fails. Returns false when the kernel would have BUGged.
// REQUIRES: device_hotplug_lock held.
model::Operation<bool> RemoveMemoryLocked(Machine& m, model::PhysAddr start,
                                          model::ByteSize size);
// Kernel: mm/memory_hotplug.c remove_memory (v6.1). v5.1
// (!remove_memory_returns_ebusy): void, __remove_memory() under the lock,
// whose failure is the kernel's BUG() (logged; the model returns the
// error, as the kernel's task dies there).
model::Operation<int> RemoveMemory(Machine& m, model::PhysAddr start,
                                   model::ByteSize size);
// Kernel: mm/memory_hotplug.c offline_and_remove_memory (v6.1): -EINVAL for
// an unaligned or empty range; under device_hotplug_lock every block is
// offlined (remembering how it was online), then the range removed; on any
// failure the blocks offlined here are onlined again as they were
// (pr_warn "%s: Failed to re-online memory: %d" for each that fails).
model::Operation<int> OfflineAndRemoveMemory(Machine& m, model::PhysAddr start,
                                             model::ByteSize size);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMORY_HOTPLUG_H_
