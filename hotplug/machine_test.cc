// A whole boot of ../shared/capture-logs/p1-boot-4g.log's memory map: the
// zoneinfo and memory block lines of its boot snapshot.

#include "hotplug/machine.h"

#include "gtest/gtest.h"
#include "hotplug/render.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::Pfn;
using model::PfnRange;

TEST(MachineTest, P1BootSnapshotZoneinfoAndBlocks) {
  Machine m(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  BootMemory boot;
  boot.memory = {{PfnRange(Pfn(0x1), Pfn(0x9f)), NodeId(0)},
                 {PfnRange(Pfn(0x100), Pfn(0xbffe0)), NodeId(0)},
                 {PfnRange(Pfn(0x100000), Pfn(0x140000)), NodeId(0)}};
  boot.zones.max_zone_pfn = {Pfn(0x1000), Pfn(0x100000), Pfn(0x140000), Pfn(0),
                             Pfn(0)};
  boot.zones.nodes = {NodeId(0)};
  boot.block_size.max_pfn = Pfn(0x140000);
  ASSERT_TRUE(m.Boot(boot).ok());
  // The zoneinfo lines of the capture, without "managed".
  EXPECT_EQ(ZoneinfoLines(m), (std::vector<std::string>{
                                  "Node 0, zone      DMA",
                                  "        spanned  4095",
                                  "        present  3998",
                                  "  start_pfn:           1",
                                  "Node 0, zone    DMA32",
                                  "        spanned  1044480",
                                  "        present  782304",
                                  "  start_pfn:           4096",
                                  "Node 0, zone   Normal",
                                  "        spanned  262144",
                                  "        present  262144",
                                  "  start_pfn:           1048576",
                                  "Node 0, zone  Movable",
                                  "        spanned  0",
                                  "        present  0",
                                  "Node 0, zone   Device",
                                  "        spanned  0",
                                  "        present  0",
                              }));
  std::vector<std::string> blocks = MemoryBlockLines(m);
  ASSERT_EQ(blocks.size(), 32u);
  EXPECT_EQ(blocks[0],
            "memory0 state=online phys_index=00000000 valid_zones=none "
            "removable=1 node=0");
  EXPECT_EQ(blocks[23],
            "memory23 state=online phys_index=00000017 valid_zones=DMA32 "
            "removable=1 node=0");
  EXPECT_EQ(blocks[24],
            "memory32 state=online phys_index=00000020 valid_zones=Normal "
            "removable=1 node=0");
  EXPECT_TRUE(m.log().Contains("x86/mm: Memory block size: 128MB"));
  // lsmem as Debian's util-linux 2.38.1 prints it for this machine (checked
  // with `lsmem --sysroot` on the equivalent sysfs tree).
  EXPECT_EQ(
      RenderLsmem(LsmemSysfsOf(m), LsmemOptions{}),
      "RANGE                                 SIZE  STATE REMOVABLE BLOCK\n"
      "0x0000000000000000-0x00000000bfffffff   3G online       yes  0-23\n"
      "0x0000000100000000-0x000000013fffffff   1G online       yes 32-39\n"
      "\n"
      "Memory block size:       128M\n"
      "Total online memory:       4G\n"
      "Total offline memory:      0B\n");
  EXPECT_TRUE(m.sparse().CheckInvariants().ok());
}

TEST(MachineTest, NoMemoryDoesNotBoot) {
  Machine m(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  EXPECT_FALSE(m.Boot(BootMemory{}).ok());
}

}  // namespace
}  // namespace memhp::hotplug
