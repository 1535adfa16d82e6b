// A boot of the architectures that hand the core memblock.memory directly,
// without an e820 table: arm64, ppc64, s390x, riscv64. The firmware (device
// tree /memory nodes, the UEFI memory map, s390's SCLP/tprot detection)
// fills memblock.memory during early setup; the input is what is left after
// it, with each region's node, MEMBLOCK_HOTPLUG and MEMBLOCK_NOMAP flags:
// exactly the ranges free_area_init prints under "Early memory node ranges".
//
// Then, per architecture, in the kernel's order:
//   arm64   (arch/arm64/mm/init.c arm64_memblock_init, bootmem_init, v6.1):
//           mem= is memblock_mem_limit_remove_map (NOMAP regions stay);
//           max_pfn = PFN_DOWN(memblock_end_of_DRAM()); zone_sizes_init with
//           the DT / IORT DMA limit; request_standard_resources
//           (arch/arm64/kernel/setup.c): one iomem entry per memblock
//           region, "System RAM" or "reserved" for NOMAP;
//   riscv64 (arch/riscv/mm/init.c setup_bootmem, v6.1): mem= is
//           memblock_enforce_memory_limit; dma32_phys_limit; init_resources
//           (arch/riscv/kernel/setup.c): "System RAM" per region, "Reserved"
//           for NOMAP;
//   ppc64   (arch/powerpc/kernel/prom.c early_init_devtree, v6.1): mem= is
//           memblock_enforce_memory_limit; paging_init; add_system_ram_
//           resources (arch/powerpc/mm/mem.c): "System RAM" per
//           for_each_mem_range region (NOMAP skipped), request_resource;
//   s390x   (arch/s390/boot/startup.c setup_ident_map_size and
//           arch/s390/kernel/setup.c setup_memory_end, v6.1): mem= lowers
//           ident_map_size, memblock is cut there, max_pfn =
//           PFN_DOWN(ident_map_size); paging_init; setup_resources: "System
//           RAM" per for_each_mem_range region, request_resource.
// kernelcore=, movablecore= (mm/page_alloc.c) and movable_node
// (mm/memory_hotplug.c) are generic early parameters and apply everywhere.

#ifndef MEMHP_HOTPLUG_MEMBLOCK_BOOT_H_
#define MEMHP_HOTPLUG_MEMBLOCK_BOOT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hotplug/arch_zones.h"
#include "hotplug/free_area_init.h"
#include "hotplug/machine.h"
#include "model/status.h"

namespace memhp::hotplug {

// One region of memblock.memory.
struct MemblockMemory {
  model::PhysRange range;
  model::NodeId nid{0};
  bool hotplug = false;  // MEMBLOCK_HOTPLUG (SRAT or DT "hotpluggable")
  bool nomap = false;    // MEMBLOCK_NOMAP (UEFI runtime, DT no-map)
};

struct MemblockBootInput {
  // Ascending and disjoint. Adjacent regions stay apart (the kernel keeps
  // regions whose flags differ apart, and "Early memory node ranges" prints
  // each).
  std::vector<MemblockMemory> memory;
  std::string cmdline;
  model::SourceLocation cmdline_at;  // for malformed options
  // arm64: the DT dma-ranges / IORT limits (zone_sizes_init).
  Arm64DmaLimits dma;
  // ppc64: the LMB size of ibm,dynamic-memory; s390x: sclp.rzm. 0: none.
  model::ByteSize firmware_block_size{0};
  // Online nodes without memory (ppc64 partitions, NUMA machines with
  // CPU-only nodes): "Initmem setup node N as memoryless".
  std::vector<model::NodeId> memoryless_nodes;
  // The zones the kernel is built with; nullopt: ArchPossibleZones.
  std::optional<ConfiguredZones> zones;
};

struct MemblockBootResult {
  // Options of the command line the kernel refused ("file:line:col: ...").
  std::vector<absl::Status> malformed;
  // memblock.memory after mem=, as free_area_init saw it.
  std::vector<MemblockMemory> memory;
  model::Pfn max_pfn{0};
};

// Kernel: mm/page_alloc.c cmdline_parse_kernelcore / cmdline_parse_
// movablecore and mm/memory_hotplug.c cmdline_parse_movable_node (v6.1):
// the early parameters that shape ZONE_MOVABLE, into `zc`. A value
// cmdline_parse_core cannot read prints "Malformed early option '%s'".
// DIVERGENCE: options are split at blanks (next_arg's quoting is not
// needed by these options).
void ParseZoneParams(std::string_view cmdline, const model::Geometry& g,
                     FreeAreaInitConfig& zc, model::EventLog& log);

// Kernel: mm/memblock.c __find_max_addr (v6.1): the address at which the
// regions, from the lowest, hold `limit` bytes; nullopt (PHYS_ADDR_MAX) when
// they hold less.
std::optional<model::PhysAddr> FindMaxAddr(
    const std::vector<MemblockMemory>& memory, uint64_t limit);

// Kernel: mm/memblock.c memblock_enforce_memory_limit (v6.1): everything
// from __find_max_addr(limit) up is removed. limit 0 does nothing.
void MemblockEnforceMemoryLimit(std::vector<MemblockMemory>& memory,
                                uint64_t limit);

// Kernel: mm/memblock.c memblock_mem_limit_remove_map (v6.1): as
// memblock_enforce_memory_limit, but memblock_cap_memory_range keeps the
// NOMAP regions above the limit.
void MemblockMemLimitRemoveMap(std::vector<MemblockMemory>& memory,
                               uint64_t limit);

// Boots `m` from memblock. REQUIRES: m's geometry is arm64, ppc64, s390x or
// riscv64.
// Errors: InvalidArgument for regions that are not ascending and disjoint,
// a region that holds no whole page, a memoryless node that has memory, or
// no memory left after mem=.
absl::StatusOr<MemblockBootResult> BootFromMemblock(
    Machine& m, const MemblockBootInput& in);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMBLOCK_BOOT_H_
