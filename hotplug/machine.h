// One modelled machine: the sparse model, the nodes and zones, the memory
// block devices and the kernel log, and the boot sequence that fills them in
// the kernel's order (start_kernel: setup_arch -> paging_init/sparse_init ->
// zone_sizes_init/free_area_init; later driver_init -> memory_dev_init and
// topology_init -> register_one_node).
//
// The architecture-specific part (firmware map, NUMA) is an input: BootMemory.
// The command line's parameters of mm/memory_hotplug.c (memhp_default_state=
// and the memory_hotplug.* module parameters) are parsed here, as
// start_kernel's parse_args() does after setup_arch.

#ifndef MEMHP_HOTPLUG_MACHINE_H_
#define MEMHP_HOTPLUG_MACHINE_H_

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/free_area_init.h"
#include "hotplug/memory_block.h"
#include "hotplug/memory_group.h"
#include "hotplug/resource.h"
#include "hotplug/zone_select.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/lock.h"
#include "model/profile.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// What the architecture hands the core at boot.
struct BootMemory {
  // memblock.memory with nodes, ascending, adjacent same-node ranges merged.
  std::vector<sparse::MemblockRegion> memory;
  FreeAreaInitConfig zones;  // its `memory` is filled from `memory`
  BlockSizeInputs block_size;
  // node_possible_map beyond the nodes with memory (x86: every SRAT node,
  // hot-pluggable ranges included).
  std::vector<model::NodeId> possible_nodes;
  // The architecture's NUMA memory ranges for memory_add_physaddr_to_nid()
  // and phys_to_target_node() (x86: numa_meminfo, up to max_pfn, and
  // numa_reserved_meminfo above it). Empty: node 0.
  std::vector<sparse::MemblockRegion> numa_meminfo;
  std::vector<sparse::MemblockRegion> numa_reserved_meminfo;
  // mem=: max_mem_size (U64_MAX when not given).
  model::PhysAddr max_mem_size{UINT64_MAX};
  // memblock allocations that are never freed: their struct pages stay
  // PageReserved (x86: memblock_alloc.h).
  std::vector<model::PfnRange> reserved;
  // The kernel command line, for the parameters of mm/memory_hotplug.c
  // (ParseMemoryHotplugParams); the architecture parses its own.
  std::string cmdline;
};

// The memory notifier events (include/linux/memory.h).
enum class MemoryAction {
  kGoingOnline,
  kCancelOnline,
  kOnline,
  kGoingOffline,
  kCancelOffline,
  kOffline,
};
std::string_view MemoryActionName(MemoryAction a);

// struct memory_notify.
struct MemoryNotify {
  model::Pfn start_pfn{0};
  model::NrPages nr_pages{0};
  int status_change_nid_normal = -1;
  int status_change_nid = -1;
};

// A callback of the memory notifier chain: NOTIFY_OK (0) or an errno to
// veto MEM_GOING_ONLINE / MEM_GOING_OFFLINE (notifier_from_errno).
using MemoryNotifier = std::function<int(MemoryAction, const MemoryNotify&)>;

class Machine {
 public:
  Machine(model::Geometry geometry, model::KernelProfile profile);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // The boot sequence. Errors: InvalidArgument when the memory map cannot
  // boot (no memory, unsuitable block size).
  absl::Status Boot(const BootMemory& boot);

  // Kernel: init/main.c start_kernel -> parse_args("Booting kernel", ...)
  // (v6.1) for the options of mm/memory_hotplug.c, left to right, up to
  // "--": the module parameters memory_hotplug.online_policy,
  // .auto_movable_ratio and .auto_movable_numa_aware (parse_one(); a value
  // the setter refuses prints "Booting kernel: `%s' invalid for parameter
  // `%s'" and keeps the old value), and __setup("memhp_default_state=")
  // (setup_memhp_default_state: an unknown online type is ignored). Every
  // other option is left alone. Boot() runs it on BootMemory::cmdline.
  // DIVERGENCE: options are split at blanks; next_arg()'s quoting is not
  // modelled (none of these values needs it).
  void ParseMemoryHotplugParams(std::string_view cmdline);

  const model::Geometry& geometry() const { return sparse_->geometry(); }
  const model::KernelProfile& profile() const { return sparse_->profile(); }
  model::EventLog& log() { return log_; }
  const model::EventLog& log() const { return log_; }
  sparse::Sparse& sparse() { return *sparse_; }
  const sparse::Sparse& sparse() const { return *sparse_; }
  const BootZones& zones() const { return zones_; }
  BootZones& mutable_zones() { return zones_; }
  // The zones as free_area_init() left them: boot spans include the holes
  // up to the zone limits, which no hotplug operation created.
  const BootZones& boot_zones() const { return boot_zones_; }
  const MemoryBlocks& blocks() const { return blocks_; }
  MemoryBlocks& mutable_blocks() { return blocks_; }

  // NODE_DATA(nid), or nullptr when the node has no pgdat yet.
  PgData* NodeData(model::NodeId nid);
  const PgData* NodeData(model::NodeId nid) const;
  // node_online(nid): the node has a pgdat and was onlined.
  bool NodeOnline(model::NodeId nid) const;
  // Kernel: include/linux/numa.h numa_map_to_online_node (v6.1): the node
  // itself when online or negative, else the nearest online node; without a
  // SLIT every other node is equally far, so the lowest online one.
  int NumaMapToOnlineNode(int nid) const;
  // node_possible(nid).
  bool NodePossible(model::NodeId nid) const;
  // Kernel: mm/memory_hotplug.c __try_online_node (v6.1) with
  // hotadd_init_pgdat: a possible node without a pgdat gets an empty one;
  // with set_node_online it is also onlined (else the caller does it after
  // its memory is added). Returns 1 when the node was new, 0 when it was
  // online already, -errno.
  int TryOnlineNode(model::NodeId nid, bool set_node_online);
  // node_set_online / node_set_offline (the pgdat stays, as in the kernel).
  void NodeSetOnline(model::NodeId nid);
  void NodeSetOffline(model::NodeId nid);

  // x86 memory_add_physaddr_to_nid / phys_to_target_node (v6.1).
  model::NodeId MemoryAddPhysaddrToNid(model::PhysAddr start) const;
  model::NodeId PhysToTargetNode(model::PhysAddr start) const;

  // device_hotplug_lock, mem_hotplug_lock.
  model::Mutex& device_hotplug_lock() { return device_hotplug_lock_; }
  model::RwSem& mem_hotplug_lock() { return mem_hotplug_lock_; }

  // The memory notifier chain (register_memory_notifier).
  void RegisterMemoryNotifier(MemoryNotifier n) {
    memory_chain_.push_back(std::move(n));
  }
  // memory_notify(action, arg): the first errno a callback returns, else 0.
  int MemoryNotify(MemoryAction action, const hotplug::MemoryNotify& arg);

  // max_pfn; add_pages() raises it (update_end_of_memory_vars).
  model::Pfn max_pfn() const { return max_pfn_; }
  void set_max_pfn(model::Pfn p) { max_pfn_ = p; }
  model::PhysAddr max_mem_size() const { return max_mem_size_; }
  // system_state >= SYSTEM_RUNNING: the boot is over (mem= stops limiting
  // hot-added memory).
  bool system_running() const { return system_running_; }
  void set_system_running(bool r) { system_running_ = r; }
  void set_auto_online_blocks(OnlineType t) { auto_online_blocks_ = t; }
  // movable_node_enabled (movable_node on the command line).
  bool movable_node_enabled() const {
    return zone_select_globals_.movable_node_enabled;
  }
  // The module parameters memory_hotplug.online_policy,
  // auto_movable_ratio and auto_movable_numa_aware (0644: writable at run
  // time through /sys/module/memory_hotplug/parameters).
  const MemoryHotplugParams& memory_hotplug_params() const {
    return zone_select_globals_.params;
  }
  MemoryHotplugParams& mutable_memory_hotplug_params() {
    return zone_select_globals_.params;
  }
  // What zone_for_pfn_range() reads besides its arguments: the parameters,
  // movable_node, every node's zones, the memory groups and the memmap.
  const ZoneSelectGlobals& zone_select_globals() const {
    return zone_select_globals_;
  }
  // The memory groups (drivers/base/memory.c memory_groups).
  MemoryGroups& memory_groups() { return memory_groups_; }
  const MemoryGroups& memory_groups() const { return memory_groups_; }
  // iomem_resource: the tree of /proc/iomem.
  ResourceTree& iomem() { return *iomem_; }
  const ResourceTree& iomem() const { return *iomem_; }
  // auto_online_blocks (memhp_default_online_type): offline unless
  // CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE (off in Debian's 6.1).
  OnlineType auto_online_blocks() const { return auto_online_blocks_; }

 private:
  model::EventLog log_;
  std::unique_ptr<sparse::Sparse> sparse_;
  BootZones zones_;
  BootZones boot_zones_;
  MemoryBlocks blocks_;
  std::vector<sparse::MemblockRegion> memory_;
  std::unique_ptr<ResourceTree> iomem_;
  MemoryGroups memory_groups_;
  // Points at zones_, memory_groups_ and *sparse_; blocks_ reads it.
  ZoneSelectGlobals zone_select_globals_;
  OnlineType auto_online_blocks_ = OnlineType::kOffline;
  std::set<int> possible_nodes_;
  std::set<int> online_nodes_;
  std::vector<sparse::MemblockRegion> numa_meminfo_;
  std::vector<sparse::MemblockRegion> numa_reserved_meminfo_;
  model::Mutex device_hotplug_lock_{"device_hotplug_lock"};
  model::RwSem mem_hotplug_lock_{"mem_hotplug_lock"};
  std::vector<MemoryNotifier> memory_chain_;
  model::Pfn max_pfn_{0};
  model::PhysAddr max_mem_size_{UINT64_MAX};
  bool system_running_ = false;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MACHINE_H_
