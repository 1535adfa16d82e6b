// Memory block devices at boot: which blocks exist, their node and zone, and
// the sysfs attributes, against ../shared/capture-logs/p1-boot-4g.log.

#include "hotplug/memory_block.h"

#include <set>

#include "gtest/gtest.h"
#include "hotplug/free_area_init.h"
#include "model/profile.h"
#include "model/status.h"

namespace memhp::hotplug {
namespace {

using model::BlockId;
using model::ByteSize;
using model::KernelVersion;
using model::NodeId;
using model::Pfn;
using model::PfnRange;

TEST(MemoryBlockSizeTest, X86ProbeFollowsTheKernelsRules) {
  auto g = *model::Geometry::Named("x86_64", KernelVersion::kV6_1);
  model::EventLog log;
  // Below 64 GiB: one section.
  EXPECT_EQ(MemoryBlockSizeBytes(g, {.max_pfn = Pfn(0x140000)}, log),
            ByteSize(128 << 20));
  EXPECT_EQ(log.DmesgLines().back(), "x86/mm: Memory block size: 128MB");
  // 64 GiB + 128 MiB under a hypervisor: the largest aligned size.
  const Pfn odd = g.PfnDown(model::PhysAddr((64ull << 30) + (128ull << 20)));
  EXPECT_EQ(MemoryBlockSizeBytes(g, {.max_pfn = odd}, log),
            ByteSize(128 << 20));
  const Pfn even = g.PfnDown(model::PhysAddr((64ull << 30) + (1ull << 30)));
  EXPECT_EQ(MemoryBlockSizeBytes(g, {.max_pfn = even}, log), ByteSize(1 << 30));
  // Bare metal: 2 GiB regardless of alignment.
  EXPECT_EQ(MemoryBlockSizeBytes(g, {.max_pfn = odd, .hypervisor = false}, log),
            ByteSize(2ull << 30));
  EXPECT_EQ(log.DmesgLines().back(), "x86/mm: Memory block size: 2048MB");
  // set_memory_block_size wins.
  EXPECT_EQ(MemoryBlockSizeBytes(
                g, {.max_pfn = odd, .set_size = ByteSize(256 << 20)}, log),
            ByteSize(256 << 20));
  // Other architectures: a section, or the firmware's increment.
  auto s390 = *model::Geometry::Named("s390x", KernelVersion::kV6_1);
  EXPECT_EQ(MemoryBlockSizeBytes(s390, {.firmware = ByteSize(1 << 30)}, log),
            ByteSize(1 << 30));
  auto arm = *model::Geometry::Named("arm64-4k", KernelVersion::kV6_1);
  EXPECT_EQ(MemoryBlockSizeBytes(arm, {}, log), ByteSize(128 << 20));
}

// p1: memory0 spans DMA and DMA32 ("none"); memory24..31 (3..4 GiB) do not
// exist; everything online on node 0.
TEST(MemoryBlocksTest, P1BootBlocksMatchTheRealKernel) {
  model::EventLog log;
  sparse::Sparse sparse(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
                        model::KernelProfile::For(KernelVersion::kV6_1), &log);
  FreeAreaInitConfig c;
  c.memory = {{PfnRange(Pfn(0x1), Pfn(0x9f)), NodeId(0)},
              {PfnRange(Pfn(0x100), Pfn(0xbffe0)), NodeId(0)},
              {PfnRange(Pfn(0x100000), Pfn(0x140000)), NodeId(0)}};
  c.max_zone_pfn = {Pfn(0x1000), Pfn(0x100000), Pfn(0x140000), Pfn(0), Pfn(0)};
  sparse.SparseInit(c.memory);
  BootZones zones = FreeAreaInit(c, sparse, log);
  MemoryBlocks blocks;
  ASSERT_TRUE(blocks.MemoryDevInit(sparse, ByteSize(128 << 20)).ok());
  blocks.RegisterMemoryBlocksUnderNodeEarly(sparse, NodeId(0), Pfn(1),
                                            Pfn(0x140000), zones.pgdat.at(0),
                                            [](Pfn) { return NodeId(0); });
  std::vector<uint64_t> ids;
  for (const auto& [id, mem] : blocks.blocks()) ids.push_back(id);
  std::vector<uint64_t> want;
  for (uint64_t i = 0; i < 24; ++i) want.push_back(i);
  for (uint64_t i = 32; i < 40; ++i) want.push_back(i);
  EXPECT_EQ(ids, want);
  const MemoryBlock& m0 = *blocks.Find(BlockId(0));
  EXPECT_EQ(MemoryBlocks::StateShow(m0), "online");
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(m0), "none");
  EXPECT_EQ(m0.nid, NodeId(0));
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(*blocks.Find(BlockId(1))),
            "DMA32");
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(*blocks.Find(BlockId(23))),
            "DMA32");
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(*blocks.Find(BlockId(32))),
            "Normal");
  EXPECT_EQ(blocks.PhysIndexShow(*blocks.Find(BlockId(39))), "00000027");
  EXPECT_EQ(blocks.BlockSizeBytesShow(), "8000000");
  EXPECT_EQ(MemoryBlocks::RemovableShow(sparse.geometry()), "1");
}

// A block shared by two nodes: the second node clears the zone, and the
// block reports the last node.
TEST(MemoryBlocksTest, ABlockSpanningTwoNodesHasNoZone) {
  model::EventLog log;
  sparse::Sparse sparse(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
                        model::KernelProfile::For(KernelVersion::kV6_1), &log);
  FreeAreaInitConfig c;
  // 256 MiB blocks; node 0 ends in the middle of block 1.
  c.memory = {{PfnRange(Pfn(0x100000), Pfn(0x118000)), NodeId(0)},
              {PfnRange(Pfn(0x118000), Pfn(0x140000)), NodeId(1)}};
  c.max_zone_pfn = {Pfn(0x1000), Pfn(0x100000), Pfn(0x140000), Pfn(0), Pfn(0)};
  sparse.SparseInit(c.memory);
  BootZones zones = FreeAreaInit(c, sparse, log);
  MemoryBlocks blocks;
  ASSERT_TRUE(blocks.MemoryDevInit(sparse, ByteSize(256 << 20)).ok());
  auto nid_of = [&](Pfn pfn) {
    return pfn < Pfn(0x118000) ? NodeId(0) : NodeId(1);
  };
  blocks.RegisterMemoryBlocksUnderNodeEarly(sparse, NodeId(0), Pfn(0x100000),
                                            Pfn(0x118000), zones.pgdat.at(0),
                                            nid_of);
  blocks.RegisterMemoryBlocksUnderNodeEarly(sparse, NodeId(1), Pfn(0x118000),
                                            Pfn(0x140000), zones.pgdat.at(1),
                                            nid_of);
  const MemoryBlock& shared = *blocks.Find(BlockId(0x11));  // sections 34, 35
  EXPECT_EQ(shared.nid, NodeId(1));
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(shared), "none");
  EXPECT_EQ(MemoryBlocks::ValidZonesShowOnline(*blocks.Find(BlockId(0x10))),
            "Normal");
}

TEST(MemoryBlocksTest, UnsuitableBlockSizesAreRefused) {
  model::EventLog log;
  sparse::Sparse sparse(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
                        model::KernelProfile::For(KernelVersion::kV6_1), &log);
  MemoryBlocks blocks;
  EXPECT_EQ(blocks.MemoryDevInit(sparse, ByteSize(64 << 20)).message(),
            "Memory block size not suitable: 0x4000000");
  EXPECT_FALSE(blocks.MemoryDevInit(sparse, ByteSize(384 << 20)).ok());
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// p2: a DIMM hot-added at 4 GiB stays offline; Normal is empty, so the
// default zone is Normal and Movable is allowed too.
TEST(ValidZonesTest, OfflineBlockListsDefaultThenOtherAllowedZones) {
  PgData pgdat;
  pgdat.zone(ZoneType::kDma32).zone_start_pfn = model::Pfn(0x1000);
  pgdat.zone(ZoneType::kDma32).spanned_pages = model::NrPages(0x7efe0);
  pgdat.zone(ZoneType::kDma32).present_pages = model::NrPages(0x7efe0);
  auto g = *model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  MemoryBlock mem{.id = model::BlockId(32),
                  .start_section_nr = model::SectionNr(32),
                  .state = MemoryBlockState::kOffline,
                  .nid = model::NodeId(0)};
  MemoryBlocks blocks;
  EXPECT_EQ(blocks.ValidZonesShow(mem, pgdat, g, false),
            (std::vector<std::string>{"Normal", "Movable"}));
  // With movable_node the default is Movable, and Normal is offered.
  EXPECT_EQ(blocks.ValidZonesShow(mem, pgdat, g, true),
            (std::vector<std::string>{"Movable", "Normal"}));
  // A block inside DMA32: DMA32 by default, Movable allowed.
  mem.start_section_nr = model::SectionNr(2);
  EXPECT_EQ(blocks.ValidZonesShow(mem, pgdat, g, false),
            (std::vector<std::string>{"DMA32", "Movable"}));
  EXPECT_EQ(OnlineTypeFromStr("online_movable\n"), OnlineType::kOnlineMovable);
  EXPECT_EQ(OnlineTypeFromStr("online_movable "), std::nullopt);
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// A 1 GiB DIMM at 4 GiB: eight offline 128 MiB blocks, memory32..39.
TEST(CreateMemoryBlockDevicesTest, HotAddedRangeGetsOfflineBlocks) {
  model::EventLog log;
  auto g = *model::Geometry::Named("x86_64", KernelVersion::kV6_1);
  sparse::Sparse sparse(g, model::KernelProfile::For(KernelVersion::kV6_1),
                        &log);
  sparse.BootInit({{PfnRange(Pfn(0), Pfn(0x8000)), NodeId(0)}});
  MemoryBlocks blocks;
  ASSERT_TRUE(blocks.MemoryDevInit(sparse, ByteSize(128 << 20)).ok());
  ASSERT_TRUE(blocks
                  .CreateMemoryBlockDevices(log, g, model::PhysAddr(4ull << 30),
                                            ByteSize(1 << 30))
                  .ok());
  EXPECT_EQ(blocks.blocks().size(), 9u);
  for (uint64_t id = 32; id < 40; ++id) {
    const MemoryBlock* mem = blocks.Find(BlockId(id));
    ASSERT_NE(mem, nullptr);
    EXPECT_EQ(MemoryBlocks::StateShow(*mem), "offline");
    EXPECT_TRUE(mem->nid.IsNoNode());
  }
  // register_memory_blocks_under_node(nid, PFN_DOWN(start),
  // PFN_UP(start + size - 1)) for the first 512 MiB on node 1: the end pfn
  // is exclusive, so memory36 (the next block, another DIMM's) keeps its
  // node.
  //
  //   4G      memory32..35 (node 1)   4.5G  memory36 (node 0)
  //   |=============================|-------|
  blocks.RegisterMemoryBlocksUnderNodeHotplug(g, NodeId(0), Pfn(0x120000),
                                              Pfn(0x128000));
  blocks.RegisterMemoryBlocksUnderNodeHotplug(g, NodeId(1), Pfn(0x100000),
                                              Pfn(0x120000));
  for (uint64_t id = 32; id < 36; ++id) {
    EXPECT_EQ(blocks.Find(BlockId(id))->nid, NodeId(1)) << id;
  }
  EXPECT_EQ(blocks.Find(BlockId(36))->nid, NodeId(0));
  // Overlapping an existing block: -EEXIST, and the new blocks are gone.
  EXPECT_EQ(model::ErrnoOf(blocks.CreateMemoryBlockDevices(
                log, g, model::PhysAddr(3584ull << 20), ByteSize(1 << 30))),
            model::Errno::kEEXIST);
  EXPECT_EQ(blocks.Find(BlockId(28)), nullptr);
  EXPECT_EQ(blocks.blocks().size(), 9u);
  // Misaligned: WARN_ON_ONCE and -EINVAL.
  EXPECT_EQ(model::ErrnoOf(blocks.CreateMemoryBlockDevices(
                log, g, model::PhysAddr(0x104000000), ByteSize(128 << 20))),
            model::Errno::kEINVAL);
  EXPECT_EQ(log.CountKind(model::EventKind::kWarn), 1u);
  blocks.RemoveMemoryBlockDevices(log, g, model::PhysAddr(4ull << 30),
                                  ByteSize(1 << 30));
  EXPECT_EQ(blocks.blocks().size(), 1u);
  // Removing again: each missing block WARNs, once.
  blocks.RemoveMemoryBlockDevices(log, g, model::PhysAddr(4ull << 30),
                                  ByteSize(1 << 30));
  EXPECT_EQ(log.CountKind(model::EventKind::kWarn), 2u);
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// add_memory_block() puts a new block on its group's list (mem->group);
// the -EEXIST rollback and remove_memory_block() take blocks off again.
//
//   3.5 GiB     4 GiB                      4.5 GiB
//   |- 28..31 -|== memory32..35 (group) ==|
TEST(CreateMemoryBlockDevicesTest, BlocksJoinAndLeaveTheirGroup) {
  model::EventLog log;
  auto g = *model::Geometry::Named("x86_64", KernelVersion::kV6_1);
  sparse::Sparse sparse(g, model::KernelProfile::For(KernelVersion::kV6_1),
                        &log);
  sparse.BootInit({{PfnRange(Pfn(0), Pfn(0x8000)), NodeId(0)}});
  MemoryBlocks blocks;
  ASSERT_TRUE(blocks.MemoryDevInit(sparse, ByteSize(128 << 20)).ok());
  MemoryGroups groups([](NodeId) { return true; },
                      [] { return model::NrPages(32768); });
  ASSERT_EQ(groups.MemoryGroupRegisterStatic(NodeId(0), model::NrPages(131072)),
            0);
  MemoryGroup* group = groups.MemoryGroupFindById(0);
  ASSERT_TRUE(blocks
                  .CreateMemoryBlockDevices(log, g, model::PhysAddr(4ull << 30),
                                            ByteSize(512 << 20), group)
                  .ok());
  EXPECT_EQ(
      group->memory_blocks,
      (std::set<BlockId>{BlockId(32), BlockId(33), BlockId(34), BlockId(35)}));
  EXPECT_EQ(blocks.Find(BlockId(33))->group, group);
  // Boot blocks have no group.
  EXPECT_EQ(blocks.Find(BlockId(0))->group, nullptr);
  // 3.5-4.5 GiB overlaps memory32: memory28..31 are created, then removed.
  MemoryGroup* other = groups.MemoryGroupFindById(
      groups.MemoryGroupRegisterStatic(NodeId(0), model::NrPages(262144)));
  EXPECT_EQ(
      model::ErrnoOf(blocks.CreateMemoryBlockDevices(
          log, g, model::PhysAddr(3584ull << 20), ByteSize(1 << 30), other)),
      model::Errno::kEEXIST);
  EXPECT_TRUE(other->memory_blocks.empty());
  EXPECT_EQ(group->memory_blocks.size(), 4u);
  EXPECT_EQ(groups.MemoryGroupUnregister(0),
            -static_cast<int>(model::Errno::kEBUSY));
  blocks.RemoveMemoryBlockDevices(log, g, model::PhysAddr(4ull << 30),
                                  ByteSize(256 << 20));
  EXPECT_EQ(group->memory_blocks,
            (std::set<BlockId>{BlockId(34), BlockId(35)}));
  blocks.RemoveMemoryBlockDevices(
      log, g, model::PhysAddr((4ull << 30) + (256 << 20)), ByteSize(256 << 20));
  EXPECT_TRUE(group->memory_blocks.empty());
  EXPECT_EQ(groups.MemoryGroupUnregister(0), 0);
}

}  // namespace
}  // namespace memhp::hotplug
