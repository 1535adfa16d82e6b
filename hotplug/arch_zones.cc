#include "hotplug/arch_zones.h"

#include <algorithm>
#include <bit>

#include "model/check.h"

namespace memhp::hotplug {

using model::Pfn;
using model::PhysAddr;

namespace {

constexpr int kDma = static_cast<int>(ZoneType::kDma);
constexpr int kDma32 = static_cast<int>(ZoneType::kDma32);
constexpr int kNormal = static_cast<int>(ZoneType::kNormal);
constexpr uint64_t kU32Max = 0xffffffffull;
constexpr uint64_t kPhysAddrMax = UINT64_MAX;

// fls64(): the 1-based index of the highest set bit, 0 for 0.
unsigned Fls64(uint64_t x) { return x == 0 ? 0 : 64 - std::countl_zero(x); }

// DMA_BIT_MASK(n).
uint64_t DmaBitMask(unsigned n) {
  return n >= 64 ? UINT64_MAX : (uint64_t{1} << n) - 1;
}

}  // namespace

ConfiguredZones ArchPossibleZones(model::Arch arch,
                                  const model::KernelProfile& profile) {
  ConfiguredZones z{};
  z[kNormal] = true;
  z[static_cast<int>(ZoneType::kMovable)] = true;
  z[static_cast<int>(ZoneType::kDevice)] = true;
  switch (arch) {
    case model::Arch::kX86_64:
      z[kDma] = z[kDma32] = true;
      break;
    case model::Arch::kArm64:
      z[kDma] = profile.arm64_zone_dma;
      z[kDma32] = true;
      break;
    case model::Arch::kPpc64:
      break;
    case model::Arch::kS390x:
      z[kDma] = true;
      break;
    case model::Arch::kRiscv64:
      z[kDma32] = true;
      break;
  }
  return z;
}

MaxZonePfn X86ZoneSizesInit(const model::Geometry& g, Pfn max_low_pfn) {
  MaxZonePfn m{};
  // MAX_DMA_PFN: 16 MiB; MAX_DMA32_PFN: 4 GiB; both min(…, max_low_pfn).
  m[kDma] = std::min(g.PfnDown(PhysAddr(16ull << 20)), max_low_pfn);
  m[kDma32] = std::min(g.PfnDown(PhysAddr(4ull << 30)), max_low_pfn);
  m[kNormal] = max_low_pfn;
  return m;
}

PhysAddr Arm64MaxZonePhys(unsigned zone_bits, PhysAddr memblock_start,
                          PhysAddr memblock_end) {
  MEMHP_CHECK(memblock_start < memblock_end && zone_bits > 0)
      << "max_zone_phys(" << zone_bits << ") on empty memblock";
  uint64_t zone_mask = DmaBitMask(zone_bits);
  const uint64_t phys_start = memblock_start.value();
  if (phys_start > kU32Max) {
    zone_mask = kPhysAddrMax;
  } else if (phys_start > zone_mask) {
    zone_mask = kU32Max;
  }
  return PhysAddr(std::min(zone_mask, memblock_end.value() - 1) + 1);
}

MaxZonePfn Arm64ZoneSizesInit(const model::Geometry& g,
                              const model::KernelProfile& profile,
                              PhysAddr memblock_start, PhysAddr memblock_end,
                              Pfn max_pfn, const Arm64DmaLimits& dma) {
  MEMHP_CHECK(memblock_start < memblock_end) << "zone_sizes_init without DRAM";
  MaxZonePfn m{};
  if (!profile.arm64_zone_dma) {
    // v5.3 max_zone_dma_phys(): the 4 GiB window that holds the start of
    // DRAM, capped at its end.
    const uint64_t offset = memblock_start.value() & ~kU32Max;
    m[kDma32] = g.PfnDown(
        PhysAddr(std::min(offset + (uint64_t{1} << 32), memblock_end.value())));
    m[kNormal] = max_pfn;
    return m;
  }
  const uint64_t dt = dma.dt ? dma.dt->value() : kPhysAddrMax;
  const uint64_t iort = dma.iort ? dma.iort->value() : kPhysAddrMax;
  PhysAddr dma32_phys_limit{0};
  PhysAddr arm64_dma_phys_limit{0};
  if (profile.arm64_zone_dma_limit_is_address) {
    // max_zone_phys(limit) = min(limit, memblock_end_of_DRAM() - 1) + 1.
    auto max_zone_phys = [&](uint64_t limit) {
      return PhysAddr(std::min(limit, memblock_end.value() - 1) + 1);
    };
    dma32_phys_limit = max_zone_phys(DmaBitMask(32));
    uint64_t zone_dma_limit = std::min(dt, iort);
    if (memblock_start.value() < kU32Max) {
      zone_dma_limit = std::min(zone_dma_limit, kU32Max);
    }
    arm64_dma_phys_limit = max_zone_phys(zone_dma_limit);
  } else {
    dma32_phys_limit = Arm64MaxZonePhys(32, memblock_start, memblock_end);
    const unsigned zone_dma_bits = std::min({32u, Fls64(dt), Fls64(iort)});
    // DIVERGENCE: a DMA limit below 1 (fls64 == 0) would give
    // DMA_BIT_MASK(0); firmware never describes one, the model uses 1 bit.
    arm64_dma_phys_limit = Arm64MaxZonePhys(std::max(zone_dma_bits, 1u),
                                            memblock_start, memblock_end);
  }
  m[kDma] = g.PfnDown(arm64_dma_phys_limit);
  m[kDma32] = g.PfnDown(dma32_phys_limit);
  m[kNormal] = max_pfn;
  return m;
}

MaxZonePfn Ppc64PagingInit(const model::Geometry& g, Pfn max_low_pfn) {
  (void)g;
  MaxZonePfn m{};
  m[kNormal] = max_low_pfn;
  return m;
}

MaxZonePfn S390PagingInit(const model::Geometry& g, Pfn max_low_pfn) {
  MaxZonePfn m{};
  // MAX_DMA_ADDRESS: 0x80000000.
  m[kDma] = g.PfnDown(PhysAddr(0x80000000ull));
  m[kNormal] = max_low_pfn;
  return m;
}

PhysAddr RiscvDma32PhysLimit(const model::Geometry& g, Pfn max_low_pfn) {
  return PhysAddr(
      std::min<uint64_t>(4ull << 30, g.PfnPhys(max_low_pfn).value()));
}

MaxZonePfn RiscvZoneSizesInit(const model::Geometry& g,
                              PhysAddr dma32_phys_limit, Pfn max_low_pfn) {
  MaxZonePfn m{};
  m[kDma32] = g.PfnDown(dma32_phys_limit);
  m[kNormal] = max_low_pfn;
  return m;
}

}  // namespace memhp::hotplug
