// An x86_64 boot as the hotplug core sees it (arch/x86/kernel/setup.c
// setup_arch, v6.1): the firmware map and the command line through e820
// (e820.h), max_pfn, memblock, the NUMA nodes (SRAT or one faked node),
// zone_sizes_init's zone limits, kernelcore=/movablecore=/movable_node, then
// the generic boot of Machine, and the iomem resources of the e820 table.

#ifndef MEMHP_HOTPLUG_X86_BOOT_H_
#define MEMHP_HOTPLUG_X86_BOOT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/e820.h"
#include "hotplug/machine.h"
#include "model/status.h"

namespace memhp::hotplug {

// A memory affinity range of the ACPI SRAT.
struct SratMemory {
  model::PhysRange range;
  model::NodeId node;
  bool hotplug = false;  // ACPI_SRAT_MEM_HOT_PLUGGABLE
};

struct X86BootInput {
  E820Table firmware;  // as "BIOS-e820:" printed it
  std::string cmdline;
  model::SourceLocation cmdline_at;  // for malformed options
  std::vector<SratMemory> srat;      // empty: "No NUMA configuration found"
  // boot_cpu_data.x86_phys_bits: iomem_resource ends at 2^bits - 1 (QEMU's
  // TCG "-cpu max" reports 40).
  int x86_phys_bits = 40;
  // The PCI host bridge's memory windows from the ACPI _CRS ("pci_bus
  // 0000:00: root bus resource [mem ... window]"): inserted into iomem as
  // "PCI Bus 0000:00" at subsys_initcall, after the busy e820 entries and
  // before e820__reserve_resources_late, so they adopt a non-busy e820
  // range (legacy pmem, soft reserved) that lies inside them.
  std::vector<model::PhysRange> pci_windows;
};

struct X86BootResult {
  // Options of the command line the kernel refused or only partly honoured
  // ("file:line:col: ..."), for the trace's author; the boot goes on.
  std::vector<absl::Status> malformed;
  bool halted = false;  // a panic or BUG stopped the boot in setup_arch
};

// A node's memory block of numa_meminfo: [start, end) bytes.
struct NumaMemblk {
  uint64_t start = 0;
  uint64_t end = 0;
  model::NodeId nid{0};
};
struct NumaMeminfo {
  std::vector<NumaMemblk> meminfo;   // numa_meminfo
  std::vector<NumaMemblk> reserved;  // numa_reserved_meminfo
  int error = 0;  // numa_cleanup_meminfo's return: 0 or -EINVAL
};

// Kernel: arch/x86/mm/numa.c numa_cleanup_meminfo (v6.1): the SRAT blocks
// in table order; a block without memory goes to numa_reserved_meminfo, the
// part above `high` (max_pfn) too; then, for each pair of blocks in order,
// an overlap of two nodes is pr_err "node %d [mem %#010Lx-%#010Lx] overlaps
// with node %d [mem %#010Lx-%#010Lx]" and the call fails with -EINVAL
// (`error`; the blocks are left as they were then), an overlap within one
// node is pr_warn "Warning: node %d [mem ...] overlaps with itself [mem
// ...]" (no "NUMA: " prefix: numa.c has no pr_fmt in v6.1); two blocks of
// one node merge when no other node's block lies between them, with
// printk "NUMA: Node %d [mem %#010Lx-%#010Lx] + [mem %#010Lx-%#010Lx] ->
// [mem %#010Lx-%#010Lx]". BootX86 falls back to dummy_numa_init on -EINVAL
// ("No NUMA configuration found", one node, no hotplug flags).
NumaMeminfo NumaCleanupMeminfo(const std::vector<SratMemory>& srat,
                               const std::vector<model::PhysRange>& memory,
                               model::PhysAddr high, model::EventLog& log);

// Boots `m`. REQUIRES: m's geometry is x86_64 or x86_64-la57.
// Errors: InvalidArgument for a command line that cannot be one, or a map
// without usable memory.
absl::StatusOr<X86BootResult> BootX86(Machine& m, const X86BootInput& in);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_X86_BOOT_H_
