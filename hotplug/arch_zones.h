// The zone limits each architecture hands free_area_init(): max_zone_pfn[]
// of zone_sizes_init() / paging_init(), and which zones the architecture's
// Kconfig builds (the "Zone ranges:" block lists exactly those).
//
// Kernel sources, per function below:
//   x86_64   arch/x86/mm/init.c zone_sizes_init (v5.3, v6.1, v7.1 alike)
//   arm64    arch/arm64/mm/init.c zone_sizes_init + max_zone_phys (v6.1,
//            Debian 6.1.192); v5.3: max_zone_dma_phys and ZONE_DMA32 only;
//            v7.1: zone_dma_limit as a CPU address (switches in profile.h)
//   ppc64    arch/powerpc/mm/mem.c paging_init (v6.1): Book3S 64 selects no
//            ZONE_DMA (arch/powerpc/platforms/Kconfig.cputype: only
//            PPC_BOOK3E_64 does), so only ZONE_NORMAL up to max_low_pfn
//   s390x    arch/s390/mm/init.c paging_init (v6.1): ZONE_DMA below
//            MAX_DMA_ADDRESS (2 GiB, arch/s390/include/asm/dma.h), ZONE_NORMAL
//            up to max_low_pfn
//   riscv64  arch/riscv/mm/init.c zone_sizes_init and setup_bootmem's
//            dma32_phys_limit (v6.1): ZONE_DMA32 (riscv/Kconfig: select
//            ZONE_DMA32 if 64BIT) below min(4 GiB, max_low_pfn), ZONE_NORMAL;
//            v5.3 riscv has no SPARSEMEM (model::Geometry refuses it)
//
// The result goes into FreeAreaInitConfig::max_zone_pfn; ZONE_MOVABLE's
// entry is 0 and ZONE_DEVICE's too (free_area_init leaves both to
// kernelcore=/movablecore= and memremap_pages).

#ifndef MEMHP_HOTPLUG_ARCH_ZONES_H_
#define MEMHP_HOTPLUG_ARCH_ZONES_H_

#include <array>
#include <optional>

#include "hotplug/zone.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "model/types.h"

namespace memhp::hotplug {

using MaxZonePfn = std::array<model::Pfn, kMaxNrZones>;
// The zones a kernel is built with (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32,
// ZONE_NORMAL, ZONE_MOVABLE, CONFIG_ZONE_DEVICE), indexed like ZoneType.
using ConfiguredZones = std::array<bool, kMaxNrZones>;

// The zones the architecture can have under `profile` (Kconfig): x86_64 DMA,
// DMA32; arm64 DMA (v5.5+), DMA32; ppc64 (Book3S) none; s390x DMA; riscv64
// DMA32; each with Normal, Movable and Device (CONFIG_ZONE_DEVICE, which
// Debian's configurations enable).
ConfiguredZones ArchPossibleZones(model::Arch arch,
                                  const model::KernelProfile& profile);

// Kernel: arch/x86/mm/init.c zone_sizes_init (v6.1): MAX_DMA_PFN (16 MiB),
// MAX_DMA32_PFN (4 GiB), ZONE_NORMAL up to max_low_pfn (x86_64: max_pfn),
// each capped at max_low_pfn.
MaxZonePfn X86ZoneSizesInit(const model::Geometry& g, model::Pfn max_low_pfn);

// The DMA limits arm64 reads from the firmware: of_dma_get_max_cpu_address
// (the lowest top of the DT's dma-ranges) and acpi_iort_dma_get_max_cpu_
// address (IORT), both the highest CPU address a DMA master reaches
// (inclusive); nullopt is PHYS_ADDR_MAX (no limit).
struct Arm64DmaLimits {
  std::optional<model::PhysAddr> dt;
  std::optional<model::PhysAddr> iort;
};

// Kernel: arch/arm64/mm/init.c max_zone_phys (v6.1): the end of the zone
// whose devices address `zone_bits` bits: DMA_BIT_MASK(zone_bits), widened to
// PHYS_ADDR_MAX when DRAM starts above 4 GiB or to U32_MAX when it starts
// above the mask; capped at the end of DRAM. Returns an exclusive address.
// REQUIRES: memblock_start < memblock_end; 0 < zone_bits <= 64.
model::PhysAddr Arm64MaxZonePhys(unsigned zone_bits,
                                 model::PhysAddr memblock_start,
                                 model::PhysAddr memblock_end);

// Kernel: arch/arm64/mm/init.c zone_sizes_init (v6.1; v5.3 and v7.1 by the
// profile's arm64_* switches). `memblock_start`/`memblock_end` are
// memblock_start_of_DRAM() and memblock_end_of_DRAM() (exclusive);
// `max_pfn` is bootmem_init's PFN_DOWN(memblock_end_of_DRAM()).
// REQUIRES: memblock_start < memblock_end.
MaxZonePfn Arm64ZoneSizesInit(const model::Geometry& g,
                              const model::KernelProfile& profile,
                              model::PhysAddr memblock_start,
                              model::PhysAddr memblock_end, model::Pfn max_pfn,
                              const Arm64DmaLimits& dma);

// Kernel: arch/powerpc/mm/mem.c paging_init (v6.1), Book3S 64: ZONE_NORMAL up
// to max_low_pfn (= max_pfn = memblock_end_of_DRAM() >> PAGE_SHIFT).
MaxZonePfn Ppc64PagingInit(const model::Geometry& g, model::Pfn max_low_pfn);

// Kernel: arch/s390/mm/init.c paging_init (v6.1): ZONE_DMA up to
// PFN_DOWN(MAX_DMA_ADDRESS) (2 GiB), ZONE_NORMAL up to max_low_pfn
// (setup_memory_end: PFN_DOWN(ident_map_size)). Not capped: free_area_init
// clamps an empty zone to the start of memory.
MaxZonePfn S390PagingInit(const model::Geometry& g, model::Pfn max_low_pfn);

// Kernel: arch/riscv/mm/init.c setup_bootmem (v6.1): dma32_phys_limit =
// min(4 GiB, PFN_PHYS(max_low_pfn)).
model::PhysAddr RiscvDma32PhysLimit(const model::Geometry& g,
                                    model::Pfn max_low_pfn);

// Kernel: arch/riscv/mm/init.c zone_sizes_init (v6.1): ZONE_DMA32 up to
// PFN_DOWN(dma32_phys_limit), ZONE_NORMAL up to max_low_pfn.
MaxZonePfn RiscvZoneSizesInit(const model::Geometry& g,
                              model::PhysAddr dma32_phys_limit,
                              model::Pfn max_low_pfn);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ARCH_ZONES_H_
