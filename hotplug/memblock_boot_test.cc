// Boots of arm64, riscv64, ppc64 and s390x from memblock, checked against
// the lines real kernels printed (../shared/real-logs) and against the
// memblock and setup code cited in memblock_boot.h.

#include "hotplug/memblock_boot.h"

#include "gtest/gtest.h"
#include "hotplug/render.h"

namespace memhp::hotplug {
namespace {

using model::KernelProfile;
using model::KernelVersion;
using model::NodeId;
using model::PhysAddr;
using model::PhysRange;

MemblockMemory Mem(uint64_t start, uint64_t last, int nid = 0) {
  return {.range = PhysRange(PhysAddr(start), PhysAddr(last + 1)),
          .nid = NodeId(nid)};
}

std::unique_ptr<Machine> NewMachine(const char* geometry,
                                    KernelVersion v = KernelVersion::kV6_1) {
  return std::make_unique<Machine>(*model::Geometry::Named(geometry, v),
                                   KernelProfile::For(v));
}

std::vector<std::string> Lines(const Machine& m) {
  return m.log().DmesgLines();
}

bool HasLine(const Machine& m, const std::string& line) {
  return m.log().Contains(line);
}

// boot-011 (Arm FVP Base RevC, 5.19): two memblock ranges,
//   0x80000000 ..... 0xfeffffff | 16M hole | ... 0x880000000 .. 0x8ffffffff
//   |------------ DMA (to 4G) -------------|     |------ Normal ----------|
// The 16 MiB hole below 4 GiB lies in a present section; memmap_init
// charges it to the zone it is initialising when it reaches the next range
// (hole_pfn < start), so the kernel printed "zone Normal: 4096 pages", not
// "zone DMA". The gap above 4 GiB has no present section and counts nothing.
TEST(BootFromMemblockTest, Arm64FvpMatchesBoot011) {
  auto m = NewMachine("arm64-4k");
  MemblockBootInput in;
  in.memory = {Mem(0x80000000, 0xfeffffff), Mem(0x880000000, 0x8ffffffff)};
  in.zones = ConfiguredZones{true, true, true, true, false};
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<std::string> want = {
      "Zone ranges:",
      "  DMA      [mem 0x0000000080000000-0x00000000ffffffff]",
      "  DMA32    empty",
      "  Normal   [mem 0x0000000100000000-0x00000008ffffffff]",
      "Movable zone start for each node",
      "Early memory node ranges",
      "  node   0: [mem 0x0000000080000000-0x00000000feffffff]",
      "  node   0: [mem 0x0000000880000000-0x00000008ffffffff]",
      "Initmem setup node 0 [mem 0x0000000080000000-0x00000008ffffffff]",
      "On node 0, zone Normal: 4096 pages in unavailable ranges",
  };
  const std::vector<std::string> got = Lines(*m);
  for (const std::string& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << w;
  }
  // Without CONFIG_ZONE_DEVICE the block has no "Device" line.
  for (const std::string& g : got) EXPECT_NE(g, "  Device   empty");
  // request_standard_resources: one System RAM per region.
  EXPECT_EQ(IomemLines(*m), (std::vector<std::string>{
                                "80000000-feffffff : System RAM",
                                "880000000-8ffffffff : System RAM",
                            }));
}

// boot-018 (Amlogic S905X, 6.2): DRAM from 0 to 0x7fe5afff, three ranges,
// all in ZONE_DMA (32-bit), "421 pages in unavailable ranges": the tail of
// the last section after 0x7fe5b000 (0x80000000 - 0x7fe5b000 = 421 pages).
// Adjacent ranges stay three lines (their flags differ in the kernel).
TEST(BootFromMemblockTest, Arm64AmlogicMatchesBoot018) {
  auto m = NewMachine("arm64-4k");
  MemblockBootInput in;
  in.memory = {Mem(0x0, 0x4ffffff), Mem(0x5000000, 0x72fffff),
               Mem(0x7300000, 0x7fe5afff)};
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const char* line : {
           "  DMA      [mem 0x0000000000000000-0x000000007fe5afff]",
           "  DMA32    empty",
           "  Normal   empty",
           "  node   0: [mem 0x0000000005000000-0x00000000072fffff]",
           "On node 0, zone DMA: 421 pages in unavailable ranges",
       }) {
    EXPECT_TRUE(HasLine(*m, line)) << line;
  }
}

// boot-016 (PolarFire Icicle, riscv64 6.2): no ZONE_DMA, DMA32 to 4 GiB,
// three ranges printed as they are. That kernel was built with FLATMEM
// (the thread says "Turning on SPARSEMEM fixes both problems"); the model's
// riscv64 is SPARSEMEM, where the 2 MiB below 0x80200000 lie in a present
// section (pfn_valid of an early section is true), so memmap_init charges
// them to DMA32 ("512 pages"), and the 61 GiB gap above 3 GiB has no
// present section and counts nothing. A model that took the log's Normal
// line here would be modelling FLATMEM.
TEST(BootFromMemblockTest, RiscvPolarfireMatchesBoot016) {
  auto m = NewMachine("riscv64");
  MemblockBootInput in;
  in.memory = {Mem(0x80200000, 0xbfbfffff), Mem(0xbfc00000, 0xbfffffff),
               Mem(0x1040000000, 0x107fffffff)};
  in.zones = ConfiguredZones{false, true, true, true, false};
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<std::string> got = Lines(*m);
  const std::vector<std::string> want = {
      "Zone ranges:",
      "  DMA32    [mem 0x0000000080200000-0x00000000ffffffff]",
      "  Normal   [mem 0x0000000100000000-0x000000107fffffff]",
      "Movable zone start for each node",
      "Early memory node ranges",
      "  node   0: [mem 0x0000000080200000-0x00000000bfbfffff]",
      "  node   0: [mem 0x00000000bfc00000-0x00000000bfffffff]",
      "  node   0: [mem 0x0000001040000000-0x000000107fffffff]",
      "Initmem setup node 0 [mem 0x0000000080200000-0x000000107fffffff]",
      "On node 0, zone DMA32: 512 pages in unavailable ranges",
  };
  auto it = std::find(got.begin(), got.end(), "Zone ranges:");
  ASSERT_NE(it, got.end());
  EXPECT_EQ(std::vector<std::string>(it, it + want.size()), want);
}

// arm64 mem=: memblock_mem_limit_remove_map keeps the first 1 GiB of
// memory, counted from the lowest region, and keeps a NOMAP region above
// the limit (memblock_cap_memory_range removes only the MAP regions).
//   0x80000000     0xa0000000   0xc0000000 (nomap)   0x880000000
//   |--- 512M -----|--- 512M ---|== 16M ==|          |---- 1G ----|
//   keep           keep         keep                  removed
// A model that used memblock_enforce_memory_limit would drop the NOMAP
// region and its "reserved" iomem entry.
TEST(BootFromMemblockTest, Arm64MemLimitKeepsNomapRegions) {
  auto m = NewMachine("arm64-4k");
  MemblockBootInput in;
  MemblockMemory nomap = Mem(0xc0000000, 0xc0ffffff);
  nomap.nomap = true;
  in.memory = {Mem(0x80000000, 0x9fffffff), Mem(0xa0000000, 0xbfffffff), nomap,
               Mem(0x880000000, 0x8bfffffff)};
  in.cmdline = "console=ttyAMA0 mem=1G";
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(HasLine(*m, "Memory limited to 1024MB"));
  ASSERT_EQ(r->memory.size(), 3u);
  EXPECT_TRUE(r->memory[2].nomap);
  EXPECT_EQ(IomemLines(*m), (std::vector<std::string>{
                                "80000000-9fffffff : System RAM",
                                "a0000000-bfffffff : System RAM",
                                "c0000000-c0ffffff : reserved",
                            }));
}

// riscv mem= is memblock_enforce_memory_limit: the limit is a size, the
// region that crosses it is cut.
//   0x80000000 .. 0xbfffffff (1G)     0x100000000 .. 0x13fffffff (1G)
//   mem=1536M keeps 1G + 512M: memory ends at 0x120000000.
TEST(BootFromMemblockTest, RiscvMemIsASizeCutInsideTheSecondRegion) {
  auto m = NewMachine("riscv64");
  MemblockBootInput in;
  in.memory = {Mem(0x80000000, 0xbfffffff), Mem(0x100000000, 0x13fffffff)};
  in.cmdline = "mem=1536M";
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->memory.size(), 2u);
  EXPECT_EQ(r->memory[1].range.end(), PhysAddr(0x120000000));
  EXPECT_TRUE(HasLine(
      *m, "Initmem setup node 0 [mem 0x0000000080000000-0x000000011fffffff]"));
}

// s390 mem= is an address limit (ident_map_size), not a size:
//   0 .. 0x3fffffff (1G)   hole   0x80000000 .. 0xbfffffff (1G)
//   mem=2560M cuts at 0xa0000000, although the memory above 0 holds only
//   1.5 GiB there (a size rule would keep up to 0xdfffffff... beyond RAM).
// ZONE_DMA ends at 2 GiB.
TEST(BootFromMemblockTest, S390MemIsAnAddressLimit) {
  auto m = NewMachine("s390x");
  MemblockBootInput in;
  in.memory = {Mem(0x0, 0x3fffffff), Mem(0x80000000, 0xbfffffff)};
  in.cmdline = "mem=2560M";
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(HasLine(*m, "The maximum memory size is 2560MB"));
  EXPECT_EQ(r->memory.back().range.end(), PhysAddr(0xa0000000));
  EXPECT_TRUE(
      HasLine(*m, "  DMA      [mem 0x0000000000000000-0x000000007fffffff]"));
  EXPECT_TRUE(
      HasLine(*m, "  Normal   [mem 0x0000000080000000-0x000000009fffffff]"));
  EXPECT_EQ(IomemLines(*m), (std::vector<std::string>{
                                "00000000-3fffffff : System RAM",
                                "80000000-9fffffff : System RAM",
                            }));
}

// boot-020 (POWER10 LPAR, 6.9): memory only on node 3, the other nodes
// memoryless: "Initmem setup node 0 as memoryless" for each, in node order.
TEST(BootFromMemblockTest, Ppc64MemorylessNodesAreInitialised) {
  auto m = NewMachine("ppc64");
  MemblockBootInput in;
  in.memory = {Mem(0x0, 0xeffffffff, 3)};
  for (int n : {0, 1, 2, 4}) in.memoryless_nodes.push_back(NodeId(n));
  in.firmware_block_size = model::ByteSize(256 << 20);
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<std::string> got = Lines(*m);
  auto it =
      std::find(got.begin(), got.end(), "Initmem setup node 0 as memoryless");
  ASSERT_NE(it, got.end());
  EXPECT_EQ(
      std::vector<std::string>(it, it + 5),
      (std::vector<std::string>{
          "Initmem setup node 0 as memoryless",
          "Initmem setup node 1 as memoryless",
          "Initmem setup node 2 as memoryless",
          "Initmem setup node 3 [mem 0x0000000000000000-0x0000000effffffff]",
          "Initmem setup node 4 as memoryless"}));
  EXPECT_TRUE(
      HasLine(*m, "  Normal   [mem 0x0000000000000000-0x0000000effffffff]"));
  // The LMB size is the block size (ppc_md.memory_block_size).
  EXPECT_EQ(m->blocks().block_size(), model::ByteSize(256 << 20));
}

// The zones a kernel has come from its architecture: ppc64 has no DMA.
TEST(BootFromMemblockTest, AZoneTheArchitectureLacksIsRefused) {
  auto m = NewMachine("ppc64");
  MemblockBootInput in;
  in.memory = {Mem(0x0, 0x3fffffff)};
  in.zones = ConfiguredZones{true, false, true, true, true};
  EXPECT_EQ(BootFromMemblock(*m, in).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BootFromMemblockTest, OverlappingRegionsAreRefused) {
  auto m = NewMachine("arm64-4k");
  MemblockBootInput in;
  in.memory = {Mem(0x80000000, 0x9fffffff), Mem(0x90000000, 0xafffffff)};
  EXPECT_EQ(BootFromMemblock(*m, in).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// movable_node with a DT "hotpluggable" region: ZONE_MOVABLE starts there.
TEST(BootFromMemblockTest, MovableNodeMakesTheHotpluggableNodeMovable) {
  auto m = NewMachine("arm64-4k");
  MemblockBootInput in;
  MemblockMemory hot = Mem(0x100000000, 0x13fffffff, 1);
  hot.hotplug = true;
  in.memory = {Mem(0x80000000, 0xbfffffff, 0), hot};
  in.cmdline = "movable_node";
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(*m, in);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(HasLine(*m, "  Node 1: 0x0000000100000000"));
}

}  // namespace
}  // namespace memhp::hotplug
