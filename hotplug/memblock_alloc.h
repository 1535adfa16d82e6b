// The boot allocations of an x86_64 kernel that stay for good and sit where
// hotplug can see them: memblock hands them out top-down, so they fill the
// highest memory of each node (and, for the swiotlb, the highest memory
// below 4 GiB), and their struct pages stay PageReserved
// (memblock_free_all -> reserve_bootmem_region). A memory block holding
// one cannot be offlined ("page dumped because: unmovable page", -EBUSY).
//
// In boot order (v6.1: arch/x86/mm/numa.c alloc_node_data, mm/sparse.c
// sparse_init_nid -> sparse_buffer_init, kernel/dma/swiotlb.c
// swiotlb_init_remap):
//   NODE_DATA(nid)   each node with memory: roundup(sizeof(pg_data_t),
//                    PAGE_SIZE) bytes, on the node
//   memmap buffer    each run of present sections of one node: 2 MiB
//                    (section_map_size, PMD aligned) per section, on the node
//   swiotlb          64 MiB below 4 GiB, when memory reaches above 4 GiB
//                    (pci_swiotlb_detect_4gb)
//
// DIVERGENCE: the smaller allocations (page tables, mem_section roots,
// usemaps, per-cpu areas, ACPI tables) and the initrd (freed after boot;
// the swiotlb lands below it) are not placed; neither is the kernel image.
// sizeof(pg_data_t) is Debian 6.1's (0x2b000 bytes, from its
// "NODE_DATA(0) allocated" lines).

#ifndef MEMHP_HOTPLUG_MEMBLOCK_ALLOC_H_
#define MEMHP_HOTPLUG_MEMBLOCK_ALLOC_H_

#include <vector>

#include "model/geometry.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

inline constexpr uint64_t kPgDataBytes = 0x2b000;
inline constexpr uint64_t kSwiotlbBytes = uint64_t{64} << 20;
inline constexpr uint64_t kStructPageBytes = 64;  // sizeof(struct page)

// The reserved pfn ranges of the allocations above, for `memory` (memblock
// with nodes, ascending) and max_pfn.
std::vector<model::PfnRange> X86BootAllocations(
    const model::Geometry& g, const std::vector<sparse::MemblockRegion>& memory,
    model::Pfn max_pfn);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMBLOCK_ALLOC_H_
