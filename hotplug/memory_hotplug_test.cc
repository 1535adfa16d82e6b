// The hotplug core on the machine of ../shared/capture-logs/
// p2-dimm-online-offline.log: 2 GiB of boot RAM, a 1 GiB DIMM at 4 GiB
// (blocks 32..39 of 128 MiB), node 0.
//
//   pfn 0x0       0x80000 (2 GiB)      0x100000 (4 GiB)   0x140000 (5 GiB)
//   |== DMA/DMA32 boot ==|    hole     |== DIMM: memory32..memory39 ==|

#include "hotplug/memory_hotplug.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/memory_online.h"
#include "hotplug/render.h"
#include "hotplug/test_firmware.h"
#include "hotplug/x86_boot.h"
#include "model/status.h"

namespace memhp::hotplug {
namespace {

using model::BlockId;
using model::ByteSize;
using model::Errno;
using model::KernelVersion;
using model::NodeId;
using model::PhysAddr;
using model::RunToCompletion;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kBlock = uint64_t{128} << 20;

class HotplugTest : public ::testing::Test {
 protected:
  explicit HotplugTest(KernelVersion v = KernelVersion::kV6_1)
      : m_(*model::Geometry::Named("x86_64-la57", v),
           model::KernelProfile::For(v)) {}

  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(kP2Firmware, "p2");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{.firmware = *fw,
                    .cmdline = "console=ttyS0 loglevel=7 panic=-1 "};
    in.srat = {
        {model::PhysRange(PhysAddr(0), PhysAddr(0xa0000)), NodeId(0)},
        {model::PhysRange(PhysAddr(0x100000), PhysAddr(0x80000000)), NodeId(0)},
        {model::PhysRange(PhysAddr(4 * kGiB), PhysAddr(12 * kGiB)), NodeId(0),
         /*hotplug=*/true},
        {model::PhysRange(PhysAddr(12 * kGiB), PhysAddr(16 * kGiB)), NodeId(1),
         /*hotplug=*/true},
    };
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    m_.set_system_running(true);
  }

  int Add(uint64_t start, uint64_t size, NodeId nid = NodeId(0)) {
    return RunToCompletion(
        AddMemory(m_, nid, PhysAddr(start), ByteSize(size), kMhpNone));
  }
  absl::Status State(uint64_t block, std::string value) {
    return RunToCompletion(StateStore(m_, BlockId(block), value));
  }
  const Zone& ZoneOf(ZoneType t, int nid = 0) {
    return m_.NodeData(NodeId(nid))->zone(t);
  }
  std::string StateOf(uint64_t block) {
    return MemoryBlocks::StateShow(*m_.blocks().Find(BlockId(block)));
  }
  bool HasIomem(const std::string& line) {
    for (const std::string& l : IomemLines(m_)) {
      if (l == line) return true;
    }
    return false;
  }

  Machine m_;
};

class HotplugV53Test : public HotplugTest {
 protected:
  HotplugV53Test() : HotplugTest(KernelVersion::kV5_3) {}
};

TEST_F(HotplugTest, AddMemoryCreatesOfflineBlocksAndAnIomemResource) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  EXPECT_TRUE(HasIomem("100000000-13fffffff : System RAM"));
  for (uint64_t b = 32; b < 40; ++b) {
    const MemoryBlock* mem = m_.blocks().Find(BlockId(b));
    ASSERT_NE(mem, nullptr) << b;
    EXPECT_EQ(MemoryBlocks::StateShow(*mem), "offline");
    EXPECT_EQ(mem->nid, NodeId(0));
    EXPECT_EQ(m_.blocks().ValidZonesShow(*mem, *m_.NodeData(NodeId(0)),
                                         m_.geometry(), false),
              (std::vector<std::string>{"Normal", "Movable"}));
  }
  // Added, not onlined: present sections, but no zone grew.
  EXPECT_TRUE(m_.sparse().PresentSection(model::SectionNr(32)));
  EXPECT_FALSE(m_.sparse().OnlineSection(model::SectionNr(32)));
  EXPECT_TRUE(ZoneOf(ZoneType::kNormal).IsEmpty());
  EXPECT_EQ(m_.max_pfn(), model::Pfn(0x140000));
}

// online_movable of every DIMM block, then offline of the lower four:
// the Movable zone shrinks from the bottom (p2's snapshots).
//
//   before: Movable [0x100000 ................ 0x140000)  262144 pages
//   offline memory32..35
//   after:  Movable           [0x120000 ...... 0x140000)  131072 pages
TEST_F(HotplugTest, OfflineFromTheBottomShrinksTheZoneStart) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  for (uint64_t b = 32; b < 40; ++b) {
    ASSERT_TRUE(State(b, "online_movable").ok()) << b;
  }
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(1048576));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(262144));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, model::NrPages(262144));
  for (uint64_t b = 32; b < 36; ++b) {
    ASSERT_TRUE(State(b, "offline").ok()) << b;
  }
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(1179648));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(131072));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, model::NrPages(131072));
  EXPECT_EQ(StateOf(32), "offline");
  EXPECT_EQ(StateOf(36), "online");
  // The node spans DMA..Movable.
  EXPECT_EQ(m_.NodeData(NodeId(0))->node_spanned_pages,
            model::NrPages(0x140000 - 1));
}

// A block in the middle of a zone leaves a hole in the span:
//   Movable [32 33 34 35 36 37 38 39], offline 35 -> span unchanged,
//   present 7 blocks; offline 39 -> the end shrinks to 38's end.
TEST_F(HotplugTest, OfflineInTheMiddleKeepsTheSpanOfflineAtTheEndShrinksIt) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  for (uint64_t b = 32; b < 40; ++b)
    ASSERT_TRUE(State(b, "online_movable").ok());
  ASSERT_TRUE(State(35, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(262144));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages,
            model::NrPages(7 * 32768));
  ASSERT_TRUE(State(39, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_end_pfn(), model::Pfn(0x138000));
  // Offline the rest: the zone is empty again, start 0.
  for (uint64_t b : {32, 33, 34, 36, 37, 38})
    ASSERT_TRUE(State(b, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(0));
  EXPECT_TRUE(ZoneOf(ZoneType::kMovable).IsEmpty());
}

TEST_F(HotplugTest, OnlineTypesPickTheirZone) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  ASSERT_TRUE(State(32, "online_kernel").ok());
  EXPECT_EQ(m_.blocks().Find(BlockId(32))->zone, ZoneType::kNormal);
  // MMOP_ONLINE next to Normal stays in Normal (contig-zones).
  ASSERT_TRUE(State(33, "online").ok());
  EXPECT_EQ(m_.blocks().Find(BlockId(33))->zone, ZoneType::kNormal);
  // 34 goes to Movable. 35 intersects neither zone, so MMOP_ONLINE picks
  // the kernel zone (movable_node is off) and Normal then spans across
  // Movable: zones overlap.
  //   Normal  [32 33 .. .. 35]      Movable [34]
  ASSERT_TRUE(State(34, "online_movable").ok());
  EXPECT_EQ(
      m_.blocks().ValidZonesShow(*m_.blocks().Find(BlockId(35)),
                                 *m_.NodeData(NodeId(0)), m_.geometry(), false),
      (std::vector<std::string>{"Normal", "Movable"}));
  ASSERT_TRUE(State(35, "online").ok());
  EXPECT_EQ(m_.blocks().Find(BlockId(35))->zone, ZoneType::kNormal);
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).present_pages, model::NrPages(98304));
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).zone_end_pfn(), model::Pfn(0x120000));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(0x110000));
  // Block 36 now lies after both: "Normal" first, Movable allowed.
  // A block inside the Normal span (none left offline) would show only
  // Normal as its default.
}

// state_store refusals, in the kernel's order:
//  - an unknown online type: -EINVAL before any lock;
//  - a block already in the requested state: device_online/offline return
//    1, which state_store turns into -EINVAL;
//  - memory0 (DMA and DMA32, holes): mem->zone is NULL -> -EINVAL.
TEST_F(HotplugTest, StateStoreRefusals) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  EXPECT_EQ(model::ErrnoOf(State(32, "onlin")), Errno::kEINVAL);
  EXPECT_EQ(model::ErrnoOf(State(32, "offline")), Errno::kEINVAL);
  ASSERT_TRUE(State(32, "online\n").ok());
  EXPECT_EQ(model::ErrnoOf(State(32, "online_movable")), Errno::kEINVAL);
  EXPECT_EQ(model::ErrnoOf(State(0, "offline")), Errno::kEINVAL);
  EXPECT_EQ(StateOf(0), "online");
  // The `online` file: already online is fine.
  EXPECT_TRUE(RunToCompletion(OnlineStore(m_, BlockId(32), "1")).ok());
  EXPECT_EQ(model::ErrnoOf(RunToCompletion(OnlineStore(m_, BlockId(32), "x"))),
            Errno::kEINVAL);
  EXPECT_TRUE(RunToCompletion(OnlineStore(m_, BlockId(32), "0")).ok());
  EXPECT_EQ(StateOf(32), "offline");
}

// A boot block without holes goes offline and back online (p2's
// early_block_cycle); its DMA32 span is kept (it is in the middle).
TEST_F(HotplugTest, BootBlockCycles) {
  const Zone before = ZoneOf(ZoneType::kDma32);
  ASSERT_TRUE(State(2, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kDma32).present_pages,
            before.present_pages - model::NrPages(32768));
  EXPECT_EQ(ZoneOf(ZoneType::kDma32).spanned_pages, before.spanned_pages);
  ASSERT_TRUE(State(2, "online").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kDma32).present_pages, before.present_pages);
  EXPECT_EQ(m_.blocks().Find(BlockId(2))->zone, ZoneType::kDma32);
}

// A PageReserved page (a memblock reservation) cannot be isolated.
TEST_F(HotplugTest, ReservedPageMakesOfflineBusy) {
  m_.sparse().mutable_memmap().Assign(
      model::PfnRange::FromSize(model::Pfn(0x10100), model::NrPages(1)),
      sparse::PageState::Initialised(1, NodeId(0), /*reserved=*/true));
  EXPECT_EQ(model::ErrnoOf(State(2, "offline")), Errno::kEBUSY);
  EXPECT_EQ(StateOf(2), "online");
  EXPECT_TRUE(m_.log().Contains("page dumped because: unmovable page"));
}

// A memory notifier that vetoes MEM_GOING_OFFLINE / MEM_GOING_ONLINE: the
// errno comes back and nothing changed.
TEST_F(HotplugTest, NotifierVeto) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  std::vector<std::string> seen;
  m_.RegisterMemoryNotifier([&](MemoryAction a, const MemoryNotify&) {
    seen.emplace_back(MemoryActionName(a));
    return a == MemoryAction::kGoingOffline || a == MemoryAction::kGoingOnline
               ? -static_cast<int>(Errno::kENOMEM)
               : 0;
  });
  EXPECT_EQ(model::ErrnoOf(State(32, "offline")), Errno::kENOMEM);
  EXPECT_EQ(StateOf(32), "online");
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, model::NrPages(32768));
  EXPECT_EQ(model::ErrnoOf(State(33, "online_movable")), Errno::kENOMEM);
  EXPECT_EQ(StateOf(33), "offline");
  // The cancelled online took its range out of the zone again.
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(32768));
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "MEM_GOING_OFFLINE", "MEM_CANCEL_OFFLINE",
                      "MEM_GOING_ONLINE", "MEM_CANCEL_ONLINE"}));
}

// add_memory refusals:
//  - not block aligned: pr_err, -EINVAL, the resource released again;
//  - overlapping System RAM: -EEXIST;
//  - a node that is not possible: WARN, -EINVAL;
//  - beyond MAX_PHYSMEM_BITS: mhp_range_allowed, -E2BIG.
TEST_F(HotplugTest, AddMemoryRefusals) {
  EXPECT_EQ(Add(4 * kGiB, 100 << 20), -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(m_.log().Contains(
      "Block size [0x8000000] unaligned hotplug range: start 0x100000000, "
      "size 0x6400000"));
  EXPECT_FALSE(HasIomem("100000000-1063fffff : System RAM"));
  EXPECT_EQ(Add(0, kBlock), -static_cast<int>(Errno::kEEXIST));
  EXPECT_EQ(Add(4 * kGiB, kBlock, NodeId(5)),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(
      m_.log().Contains("node 5 was absent from the node_possible_map"));
  EXPECT_FALSE(HasIomem("100000000-107ffffff : System RAM"));
  EXPECT_EQ(Add(uint64_t{1} << 52, kBlock), -static_cast<int>(Errno::kE2BIG));
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
}

// remove_memory: -EBUSY with the kernel's message while a block is online;
// after offlining, the blocks, sections and the iomem line are gone.
TEST_F(HotplugTest, RemoveMemoryNeedsOfflineBlocks) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  ASSERT_TRUE(State(33, "online_movable").ok());
  EXPECT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kGiB))),
      -static_cast<int>(Errno::kEBUSY));
  EXPECT_TRUE(
      m_.log().Contains("removing memory fails, because memory "
                        "[0x0000000108000000-0x000000010fffffff] is onlined"));
  ASSERT_TRUE(State(33, "offline").ok());
  EXPECT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kGiB))), 0);
  EXPECT_FALSE(HasIomem("100000000-13fffffff : System RAM"));
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
  EXPECT_FALSE(m_.sparse().PresentSection(model::SectionNr(32)));
  // Adding it again works.
  EXPECT_EQ(Add(4 * kGiB, kGiB), 0);
}

class HotplugV51Test : public HotplugTest {
 protected:
  HotplugV51Test() : HotplugTest(KernelVersion::kV5_1) {}
};

// v5.1: remove_memory() is void; with a block online, __remove_memory()
// prints the same warning, then BUG()s (eca499ab3749 made it -EBUSY in
// v5.3). Offline, the DIMM's sections go whole and can be added again.
TEST_F(HotplugV51Test, RemoveMemoryWithAnOnlineBlockIsTheKernelsBug) {
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  EXPECT_TRUE(m_.sparse().ValidSection(model::SectionNr(32)));
  EXPECT_FALSE(m_.sparse().EarlySection(model::SectionNr(32)));
  ASSERT_TRUE(State(33, "online_movable").ok());
  EXPECT_NE(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kGiB))), 0);
  EXPECT_TRUE(
      m_.log().Contains("removing memory fails, because memory "
                        "[0x0000000108000000-0x000000010fffffff] is onlined"));
  EXPECT_TRUE(m_.log().HasBug());
}

// One block, onlined and offlined (v5.1's arch_remove_memory() reads the
// first struct page: a block never onlined is the poisoned-page BUG, as in
// v5.3), then removed: its section goes whole.
TEST_F(HotplugV51Test, AddOnlineOfflineRemoveWorksInWholeSections) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  ASSERT_TRUE(State(32, "offline").ok());
  EXPECT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kBlock))),
      0);
  EXPECT_FALSE(m_.log().HasBug());
  EXPECT_FALSE(HasIomem("100000000-107ffffff : System RAM"));
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
  EXPECT_FALSE(m_.sparse().PresentSection(model::SectionNr(32)));
  EXPECT_FALSE(m_.sparse().PfnValid(model::Pfn(0x100000)));
  EXPECT_EQ(Add(4 * kGiB, kBlock), 0);
}

// offline_and_remove_memory rolls back what it offlined when a later block
// refuses: 32 online (kernel), 33 has an unmovable page.
TEST_F(HotplugTest, OfflineAndRemoveMemoryRollsBack) {
  ASSERT_EQ(Add(4 * kGiB, 2 * kBlock), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  ASSERT_TRUE(State(33, "online_movable").ok());
  m_.sparse().mutable_memmap().Assign(
      model::PfnRange::FromSize(model::Pfn(0x108000), model::NrPages(1)),
      sparse::PageState::Initialised(3, NodeId(0), /*reserved=*/true));
  EXPECT_EQ(RunToCompletion(OfflineAndRemoveMemory(m_, PhysAddr(4 * kGiB),
                                                   ByteSize(2 * kBlock))),
            -static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(StateOf(32), "online");
  EXPECT_EQ(m_.blocks().Find(BlockId(32))->zone, ZoneType::kMovable);
  EXPECT_EQ(StateOf(33), "online");
  // Without the reservation both go.
  m_.sparse().mutable_memmap().Assign(
      model::PfnRange::FromSize(model::Pfn(0x108000), model::NrPages(1)),
      sparse::PageState::Initialised(3, NodeId(0)));
  EXPECT_EQ(RunToCompletion(OfflineAndRemoveMemory(m_, PhysAddr(4 * kGiB),
                                                   ByteSize(2 * kBlock))),
            0);
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
  EXPECT_TRUE(ZoneOf(ZoneType::kMovable).IsEmpty());
}

// Memory for a node that had none: the node comes online with the add, its
// blocks link to it, and goes offline again with the remove.
TEST_F(HotplugTest, HotAddToANewNode) {
  EXPECT_FALSE(m_.NodeOnline(NodeId(1)));
  ASSERT_EQ(Add(12 * kGiB, kBlock, NodeId(1)), 0);
  EXPECT_TRUE(m_.NodeOnline(NodeId(1)));
  const uint64_t b = 12 * kGiB / kBlock;
  EXPECT_EQ(m_.blocks().Find(BlockId(b))->nid, NodeId(1));
  ASSERT_TRUE(State(b, "online").ok());
  // The only memory of node 1 goes to ZONE_NORMAL by default... of node 1.
  EXPECT_EQ(ZoneOf(ZoneType::kNormal, 1).present_pages, model::NrPages(32768));
  ASSERT_TRUE(State(b, "offline").ok());
  EXPECT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(12 * kGiB), ByteSize(kBlock))),
      0);
  EXPECT_FALSE(m_.NodeOnline(NodeId(1)));
}

// auto_online_blocks=online_movable onlines every new block at once.
TEST_F(HotplugTest, AutoOnline) {
  ASSERT_TRUE(AutoOnlineBlocksStore(m_, "online_movable").ok());
  EXPECT_EQ(model::ErrnoOf(AutoOnlineBlocksStore(m_, "on")), Errno::kEINVAL);
  ASSERT_EQ(Add(4 * kGiB, 2 * kBlock), 0);
  EXPECT_EQ(StateOf(32), "online");
  EXPECT_EQ(StateOf(33), "online");
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, model::NrPages(65536));
}

// v5.3: offlining leaves the zone span (and the memmap, PG_reserved);
// __remove_pages shrinks zone and node when the memory goes.
//
//   Movable [32 33]  offline 32 -> still [32 33]
//   remove 32       -> [33]
TEST_F(HotplugV53Test, ZonesShrinkAtRemovalNotAtOffline) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  ASSERT_EQ(Add(4 * kGiB + kBlock, kBlock), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  ASSERT_TRUE(State(33, "online_movable").ok());
  ASSERT_TRUE(State(32, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(0x100000));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(65536));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, model::NrPages(32768));
  EXPECT_EQ(m_.sparse().memmap().Get(model::Pfn(0x100000)).kind,
            sparse::MemmapKind::kInitialised);
  ASSERT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kBlock))),
      0);
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).zone_start_pfn, model::Pfn(0x108000));
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, model::NrPages(32768));
  // The same in v6.1 shrank at the offline already (see
  // OfflineFromTheBottomShrinksTheZoneStart).
}

// v5.3: removing memory that was never onlined reads the zone from a
// poisoned struct page (arch_remove_memory's page_zone(pfn_to_page())):
// the kernel's BUG, fixed in v5.5 by shrinking at offline instead.
TEST_F(HotplugV53Test, RemovingNeverOnlinedMemoryReadsAPoisonedPage) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  EXPECT_FALSE(m_.log().HasBug());
  (void)RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kBlock)));
  ASSERT_TRUE(m_.log().HasBug());
  const std::vector<std::string> dmesg = m_.log().DmesgLines();
  EXPECT_NE(std::find(dmesg.begin(), dmesg.end(),
                      "page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))"),
            dmesg.end());
}

TEST_F(HotplugTest, RemovingNeverOnlinedMemoryIsFineInV61) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  EXPECT_EQ(
      RunToCompletion(RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kBlock))),
      0);
  EXPECT_FALSE(m_.log().HasBug());
}

}  // namespace
}  // namespace memhp::hotplug
