// max_zone_pfn[] per architecture, each value derived from the kernel source
// cited in arch_zones.h or from a real boot log's "Zone ranges:" block
// (../shared/real-logs).

#include "hotplug/arch_zones.h"

#include "gtest/gtest.h"

namespace memhp::hotplug {
namespace {

using model::KernelProfile;
using model::KernelVersion;
using model::Pfn;
using model::PhysAddr;

constexpr int kDma = 0, kDma32 = 1, kNormal = 2;

model::Geometry Geo(const char* name, KernelVersion v) {
  return *model::Geometry::Named(name, v);
}

// x86_64 with 5 GiB (max_pfn 0x140000):
//   0        16M         4G                5G
//   |--DMA---|---DMA32---|-----Normal------|
// A model that forgot the min() with max_low_pfn would put DMA32 past the
// end of a 2 GiB machine; here both limits are below max_pfn.
TEST(X86ZoneSizesInitTest, DmaAt16MDma32At4GNormalAtMaxPfn) {
  const MaxZonePfn m =
      X86ZoneSizesInit(Geo("x86_64", KernelVersion::kV6_1), Pfn(0x140000));
  EXPECT_EQ(m[kDma], Pfn(0x1000));
  EXPECT_EQ(m[kDma32], Pfn(0x100000));
  EXPECT_EQ(m[kNormal], Pfn(0x140000));
}

// 1 GiB machine: MAX_DMA32_PFN is capped at max_low_pfn (min()).
TEST(X86ZoneSizesInitTest, Dma32IsCappedAtMaxLowPfn) {
  const MaxZonePfn m =
      X86ZoneSizesInit(Geo("x86_64", KernelVersion::kV6_1), Pfn(0x40000));
  EXPECT_EQ(m[kDma32], Pfn(0x40000));
}

// boot-011 (Arm FVP, 5.19): DRAM 0x80000000..0x8ffffffff, no dma-ranges.
//   2G          4G                               36G
//   |----DMA----|------------Normal---------------|
// The log prints "DMA [mem 0x80000000-0xffffffff]", "DMA32 empty": ZONE_DMA
// takes the 32-bit window, and DMA32 ends where DMA does. A model that
// applied the 30-bit default of the Raspberry Pi, or made DMA32 the 4 GiB
// window above DMA, would print a non-empty DMA32.
TEST(Arm64ZoneSizesInitTest, FvpWithoutDmaRangesPutsTheLow4GInDma) {
  const model::Geometry g = Geo("arm64-4k", KernelVersion::kV6_1);
  const MaxZonePfn m = Arm64ZoneSizesInit(
      g, KernelProfile::For(KernelVersion::kV6_1), PhysAddr(0x80000000),
      PhysAddr(0x900000000), Pfn(0x900000), {});
  EXPECT_EQ(m[kDma], Pfn(0x100000));
  EXPECT_EQ(m[kDma32], Pfn(0x100000));
  EXPECT_EQ(m[kNormal], Pfn(0x900000));
}

// A 30-bit dma-ranges (Raspberry Pi 4, the source comment's example), DRAM
// from 0 to 8 GiB:
//   0      1G            4G             8G
//   |-DMA--|----DMA32----|----Normal----|
TEST(Arm64ZoneSizesInitTest, ThirtyBitDmaRangesSplitsDmaAndDma32) {
  const model::Geometry g = Geo("arm64-4k", KernelVersion::kV6_1);
  for (KernelVersion v : {KernelVersion::kV6_1, KernelVersion::kV7_1}) {
    const MaxZonePfn m = Arm64ZoneSizesInit(
        g, KernelProfile::For(v), PhysAddr(0), PhysAddr(0x200000000),
        Pfn(0x200000), {.dt = PhysAddr(0x3fffffff)});
    EXPECT_EQ(m[kDma], Pfn(0x40000)) << model::KernelVersionName(v);
    EXPECT_EQ(m[kDma32], Pfn(0x100000)) << model::KernelVersionName(v);
  }
}

// The lower of the DT and IORT limits wins (min3 in v6.1, min in v7.1).
TEST(Arm64ZoneSizesInitTest, TheLowerOfDtAndIortWins) {
  const model::Geometry g = Geo("arm64-4k", KernelVersion::kV6_1);
  const MaxZonePfn m = Arm64ZoneSizesInit(
      g, KernelProfile::For(KernelVersion::kV6_1), PhysAddr(0),
      PhysAddr(0x200000000), Pfn(0x200000),
      {.dt = PhysAddr(0xffffffff), .iort = PhysAddr(0x3fffffff)});
  EXPECT_EQ(m[kDma], Pfn(0x40000));
}

// DRAM starting above 4 GiB, a DMA limit at 5 GiB - 1 (the example of
// ba0fb44aed47's commit message):
//   4G        5G                      12G
//   |---------|------------------------|
//   v6.1: fls64 gives 33 bits, min3 caps at 32, max_zone_phys widens the
//         mask to PHYS_ADDR_MAX: DMA covers all of DRAM, DMA32 too;
//   v7.1: the limit is an address: DMA ends at 5 GiB, DMA32 (4 GiB) is
//         below DRAM and stays empty.
// A model with one rule for both releases gets one of them wrong.
TEST(Arm64ZoneSizesInitTest, DmaLimitAboveFourGigIsBitsInV61AndAnAddressInV71) {
  const model::Geometry g = Geo("arm64-4k", KernelVersion::kV6_1);
  const Arm64DmaLimits lim{.dt = PhysAddr(0x13fffffff)};
  const MaxZonePfn v61 = Arm64ZoneSizesInit(
      g, KernelProfile::For(KernelVersion::kV6_1), PhysAddr(0x100000000),
      PhysAddr(0x300000000), Pfn(0x300000), lim);
  EXPECT_EQ(v61[kDma], Pfn(0x300000));
  EXPECT_EQ(v61[kDma32], Pfn(0x300000));
  const MaxZonePfn v71 = Arm64ZoneSizesInit(
      g, KernelProfile::For(KernelVersion::kV7_1), PhysAddr(0x100000000),
      PhysAddr(0x300000000), Pfn(0x300000), lim);
  EXPECT_EQ(v71[kDma], Pfn(0x140000));
  EXPECT_EQ(v71[kDma32], Pfn(0x100000));
}

// max_zone_phys(30) with DRAM at 2 GiB (above the 30-bit mask): v6.1 widens
// to U32_MAX, so the DMA zone is [2G, 4G) rather than empty.
TEST(Arm64MaxZonePhysTest, DramAboveTheMaskWidensToFourGig) {
  EXPECT_EQ(Arm64MaxZonePhys(30, PhysAddr(0x80000000), PhysAddr(0x900000000)),
            PhysAddr(0x100000000));
  EXPECT_EQ(Arm64MaxZonePhys(30, PhysAddr(0), PhysAddr(0x900000000)),
            PhysAddr(0x40000000));
  // Capped at the end of DRAM.
  EXPECT_EQ(Arm64MaxZonePhys(32, PhysAddr(0), PhysAddr(0x7fe5b000)),
            PhysAddr(0x7fe5b000));
}

// v5.3 has no ZONE_DMA on arm64: ZONE_DMA32 is max_zone_dma_phys(), the
// 4 GiB window of the start of DRAM (here DRAM at 0x8_8000_0000: DMA32 is
// [34G, 36G) ∩ DRAM).
TEST(Arm64ZoneSizesInitTest, V53HasOnlyDma32InTheFourGigWindowOfDram) {
  const model::Geometry g = Geo("arm64-4k", KernelVersion::kV5_3);
  const MaxZonePfn m = Arm64ZoneSizesInit(
      g, KernelProfile::For(KernelVersion::kV5_3), PhysAddr(0x880000000),
      PhysAddr(0xa00000000), Pfn(0xa00000), {.dt = PhysAddr(0x3fffffff)});
  EXPECT_EQ(m[kDma], Pfn(0));
  EXPECT_EQ(m[kDma32], Pfn(0x900000));
  EXPECT_EQ(ArchPossibleZones(model::Arch::kArm64,
                              KernelProfile::For(KernelVersion::kV5_3))[kDma],
            false);
}

// ppc64 Book3S: only ZONE_NORMAL (boot-015/019/020 print only Normal).
TEST(Ppc64PagingInitTest, OnlyNormal) {
  const MaxZonePfn m =
      Ppc64PagingInit(Geo("ppc64", KernelVersion::kV6_1), Pfn(0xf000));
  EXPECT_EQ(m[kDma], Pfn(0));
  EXPECT_EQ(m[kDma32], Pfn(0));
  EXPECT_EQ(m[kNormal], Pfn(0xf000));
  const ConfiguredZones z = ArchPossibleZones(
      model::Arch::kPpc64, KernelProfile::For(KernelVersion::kV6_1));
  EXPECT_FALSE(z[kDma]);
  EXPECT_FALSE(z[kDma32]);
}

// s390: ZONE_DMA below 2 GiB (MAX_DMA_ADDRESS), not capped by max_low_pfn.
TEST(S390PagingInitTest, DmaBelowTwoGig) {
  const MaxZonePfn m =
      S390PagingInit(Geo("s390x", KernelVersion::kV6_1), Pfn(0x40000));
  EXPECT_EQ(m[kDma], Pfn(0x80000));
  EXPECT_EQ(m[kNormal], Pfn(0x40000));
}

// boot-016 (PolarFire, 6.2): RAM to 0x107fffffff: DMA32 ends at 4 GiB.
// With 1 GiB at 2 GiB, dma32_phys_limit is the end of RAM (min()).
TEST(RiscvZoneSizesInitTest, Dma32IsMinOfFourGigAndMaxLowPfn) {
  const model::Geometry g = Geo("riscv64", KernelVersion::kV6_1);
  EXPECT_EQ(RiscvDma32PhysLimit(g, Pfn(0x1080000)), PhysAddr(0x100000000));
  EXPECT_EQ(RiscvDma32PhysLimit(g, Pfn(0xc0000)), PhysAddr(0xc0000000));
  const MaxZonePfn m =
      RiscvZoneSizesInit(g, PhysAddr(0x100000000), Pfn(0x1080000));
  EXPECT_EQ(m[kDma], Pfn(0));
  EXPECT_EQ(m[kDma32], Pfn(0x100000));
  EXPECT_EQ(m[kNormal], Pfn(0x1080000));
}

}  // namespace
}  // namespace memhp::hotplug
