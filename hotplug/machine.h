// One modelled machine: the sparse model, the nodes and zones, the memory
// block devices and the kernel log, and the boot sequence that fills them in
// the kernel's order (start_kernel: setup_arch -> paging_init/sparse_init ->
// zone_sizes_init/free_area_init; later driver_init -> memory_dev_init and
// topology_init -> register_one_node).
//
// The architecture-specific part (firmware map, NUMA) is an input: BootMemory.

#ifndef MEMHP_HOTPLUG_MACHINE_H_
#define MEMHP_HOTPLUG_MACHINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/free_area_init.h"
#include "hotplug/memory_block.h"
#include "hotplug/resource.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// What the architecture hands the core at boot.
struct BootMemory {
  // memblock.memory with nodes, ascending, adjacent same-node ranges merged.
  std::vector<sparse::MemblockRegion> memory;
  FreeAreaInitConfig zones;  // its `memory` is filled from `memory`
  BlockSizeInputs block_size;
};

class Machine {
 public:
  Machine(model::Geometry geometry, model::KernelProfile profile);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // The boot sequence. Errors: InvalidArgument when the memory map cannot
  // boot (no memory, unsuitable block size).
  absl::Status Boot(const BootMemory& boot);

  const model::Geometry& geometry() const { return sparse_->geometry(); }
  const model::KernelProfile& profile() const { return sparse_->profile(); }
  model::EventLog& log() { return log_; }
  const model::EventLog& log() const { return log_; }
  sparse::Sparse& sparse() { return *sparse_; }
  const sparse::Sparse& sparse() const { return *sparse_; }
  const BootZones& zones() const { return zones_; }
  const MemoryBlocks& blocks() const { return blocks_; }
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
  MemoryBlocks blocks_;
  std::vector<sparse::MemblockRegion> memory_;
  std::unique_ptr<ResourceTree> iomem_;
  OnlineType auto_online_blocks_ = OnlineType::kOffline;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MACHINE_H_
