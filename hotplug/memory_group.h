// Memory groups (drivers/base/memory.c and include/linux/memory.h, v6.1): a
// logical group of memory blocks that one driver adds and removes together,
// either static (a DIMM: all of it at once, up to max_pages) or dynamic
// (virtio-mem: in units of unit_pages). The "auto-movable" online policy
// (zone_select.h) reads their present kernel and movable pages.
//
// Invariants of a MemoryGroup:
//  1. every block in memory_blocks names this group (mem->group) and every
//     block that names it is in memory_blocks;
//  2. is_dynamic: unit_pages is a power of two of at least one memory block;
//     static: max_pages > 0;
//  3. present_kernel_pages + present_movable_pages are the online pages of
//     its blocks (adjust_present_page_count).
// Invariants of MemoryGroups:
//  1. ids are in [0, INT_MAX] (xa_limit_31b), each used by at most one group;
//  2. a group leaves the registry only without blocks.

#ifndef MEMHP_HOTPLUG_MEMORY_GROUP_H_
#define MEMHP_HOTPLUG_MEMORY_GROUP_H_

#include <functional>
#include <map>
#include <memory>
#include <set>

#include "model/types.h"

namespace memhp::hotplug {

// struct memory_group.
struct MemoryGroup {
  // The node of every block in the group.
  model::NodeId nid{0};
  // The blocks of the group (the memory_blocks list, by block id).
  std::set<model::BlockId> memory_blocks;
  // Present (online) pages outside / inside ZONE_MOVABLE.
  model::NrPages present_kernel_pages{0};
  model::NrPages present_movable_pages{0};
  bool is_dynamic = false;
  // s.max_pages: valid when !is_dynamic.
  model::NrPages max_pages{0};
  // d.unit_pages: valid when is_dynamic.
  model::NrPages unit_pages{0};
};

class MemoryGroups {
 public:
  // The kernel facts registration checks: node_possible(nid) and
  // PHYS_PFN(memory_block_size_bytes()).
  using NodePossibleFn = std::function<bool(model::NodeId)>;
  using MemoryBlockPagesFn = std::function<model::NrPages()>;

  MemoryGroups(NodePossibleFn node_possible,
               MemoryBlockPagesFn memory_block_pages);
  MemoryGroups(const MemoryGroups&) = delete;
  MemoryGroups& operator=(const MemoryGroups&) = delete;

  // Kernel: drivers/base/memory.c memory_group_register_static (v6.1), with
  // memory_group_register: -EINVAL for max_pages 0, then -EINVAL for a node
  // that is not possible; else the new mgid, the lowest free id (xa_alloc).
  // DIVERGENCE: -ENOMEM and xa_alloc's -EBUSY (2^31 groups) do not happen.
  int MemoryGroupRegisterStatic(model::NodeId nid, model::NrPages max_pages);
  // Kernel: drivers/base/memory.c memory_group_register_dynamic (v6.1):
  // -EINVAL unless unit_pages is a power of two of at least one memory
  // block, then as memory_group_register_static.
  int MemoryGroupRegisterDynamic(model::NodeId nid, model::NrPages unit_pages);
  // Kernel: drivers/base/memory.c memory_group_unregister (v6.1): -EINVAL
  // for a negative or unknown mgid, -EBUSY while blocks belong to the group,
  // else 0.
  int MemoryGroupUnregister(int mgid);
  // Kernel: drivers/base/memory.c memory_group_find_by_id (v6.1): nullptr
  // when there is none (a negative mgid included).
  MemoryGroup* MemoryGroupFindById(int mgid);
  const MemoryGroup* MemoryGroupFindById(int mgid) const;
  // Kernel: drivers/base/memory.c walk_dynamic_memory_groups (v6.1): `func`
  // for every dynamic group other than `excluded`, by ascending id, of node
  // `nid` (every node for NUMA_NO_NODE); stops at and returns the first
  // non-zero result.
  int WalkDynamicMemoryGroups(
      model::NodeId nid, const std::function<int(const MemoryGroup&)>& func,
      const MemoryGroup* excluded) const;

  // The id of a registered group. REQUIRES: group is registered here.
  int IdOf(const MemoryGroup* group) const;
  // mgid -> group, ascending.
  const std::map<int, std::unique_ptr<MemoryGroup>>& groups() const {
    return groups_;
  }

 private:
  int MemoryGroupRegister(const MemoryGroup& group);

  NodePossibleFn node_possible_;
  MemoryBlockPagesFn memory_block_pages_;
  std::map<int, std::unique_ptr<MemoryGroup>> groups_;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMORY_GROUP_H_
