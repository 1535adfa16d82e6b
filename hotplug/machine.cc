#include "hotplug/machine.h"

#include <set>

namespace memhp::hotplug {

using model::NodeId;
using model::Pfn;

Machine::Machine(model::Geometry geometry, model::KernelProfile profile)
    : sparse_(std::make_unique<sparse::Sparse>(std::move(geometry), profile,
                                               &log_)),
      // iomem_resource ends at the architecture's physical address limit;
      // x86 narrows it to the CPU's x86_phys_bits in setup_arch().
      iomem_(std::make_unique<ResourceTree>(
          model::PhysAddr(
              sparse_->geometry().max_physmem_bits() >= 64
                  ? UINT64_MAX
                  : (uint64_t{1} << sparse_->geometry().max_physmem_bits()) -
                        1),
          &log_)) {}

absl::Status Machine::Boot(const BootMemory& boot) {
  if (boot.memory.empty()) {
    return absl::InvalidArgumentError("no memory to boot with");
  }
  memory_ = boot.memory;
  // paging_init() -> sparse_init().
  sparse_->SparseInit(memory_);
  // zone_sizes_init() -> free_area_init().
  FreeAreaInitConfig zc = boot.zones;
  zc.memory = memory_;
  zones_ = FreeAreaInit(zc, *sparse_, log_);
  if (zones_.halted) {
    return absl::FailedPreconditionError(
        "the boot stopped in free_area_init: no zone below the memory can "
        "hold ZONE_MOVABLE");
  }
  // driver_init() -> memory_dev_init().
  const model::ByteSize bz =
      MemoryBlockSizeBytes(geometry(), boot.block_size, log_);
  if (absl::Status s = blocks_.MemoryDevInit(*sparse_, bz); !s.ok()) return s;
  // topology_init() -> register_one_node() for each online node, in order.
  // early_pfn_to_nid(): the node of the memblock range, else the first
  // online node.
  const NodeId first_online =
      zones_.pgdat.empty() ? NodeId(0) : NodeId(zones_.pgdat.begin()->first);
  auto early_pfn_to_nid = [&](Pfn pfn) {
    for (const sparse::MemblockRegion& r : memory_) {
      if (r.range.Contains(pfn)) return r.nid;
    }
    return first_online;
  };
  for (const auto& [nid, pgdat] : zones_.pgdat) {
    const Pfn start = pgdat.node_start_pfn;
    const Pfn end = start + pgdat.node_spanned_pages;
    blocks_.RegisterMemoryBlocksUnderNodeEarly(*sparse_, NodeId(nid), start,
                                               end, pgdat, early_pfn_to_nid);
  }
  return absl::OkStatus();
}

}  // namespace memhp::hotplug
