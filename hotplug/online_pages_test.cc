// online_pages / offline_pages / try_remove_memory and the `state` store in
// their v5.3 shape (mm/memory_hotplug.c, drivers/base/memory.c of v5.3)
// beside v6.1's, on the machine of memory_hotplug_test.cc: 2 GiB of boot
// RAM, DIMMs at 4 GiB (blocks of 128 MiB, one section each), node 0.
//
//   pfn 0x0       0x80000 (2 GiB)      0x100000 (4 GiB)   0x108000
//   |== DMA/DMA32 boot ==|    hole     |== memory32 ====|== memory33 ..
//
// Where a test needs a hole inside a hot-added block, it gives back part of
// the block's "System RAM" resource (release_mem_region_adjustable), so
// walk_system_ram_range() no longer sees all of it:
//
//   0x100000          0x104000          0x108000
//   |== System RAM ===|     (hole)      |            memory32

#include "hotplug/online_pages.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/memory_hotplug.h"
#include "hotplug/memory_online.h"
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
using model::NrPages;
using model::Operation;
using model::Pfn;
using model::PhysAddr;
using model::RunToCompletion;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kBlock = uint64_t{128} << 20;
constexpr NrPages kBlockPages(32768);

class OnlinePagesTest : public ::testing::TestWithParam<KernelVersion> {
 protected:
  OnlinePagesTest()
      : m_(*model::Geometry::Named("x86_64-la57", GetParam()),
           model::KernelProfile::For(GetParam())) {}

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
    };
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    m_.set_system_running(true);
  }

  bool V53() const { return GetParam() == KernelVersion::kV5_3; }
  int Add(uint64_t start, uint64_t size) {
    return RunToCompletion(
        AddMemory(m_, NodeId(0), PhysAddr(start), ByteSize(size), kMhpNone));
  }
  // Gives back [start, start + size) of a hot-added System RAM resource.
  void PunchHole(uint64_t start, uint64_t size) {
    m_.iomem().ReleaseMemRegionAdjustable(PhysAddr(start), ByteSize(size));
  }
  absl::Status State(uint64_t block, std::string value) {
    return RunToCompletion(StateStore(m_, BlockId(block), value));
  }
  std::string StateOf(uint64_t block) {
    return MemoryBlocks::StateShow(*m_.blocks().Find(BlockId(block)));
  }
  const Zone& ZoneOf(ZoneType t) { return m_.NodeData(NodeId(0))->zone(t); }
  bool Logged(const std::string& line) {
    for (const std::string& l : m_.log().DmesgLines()) {
      if (l.find(line) != std::string::npos) return true;
    }
    return false;
  }
  // Steps `op` up to `max_steps` times; true when it completed.
  template <typename T>
  static bool Completes(Operation<T>& op, int max_steps = 64) {
    for (int i = 0; i < max_steps && !op.done(); ++i) op.Step();
    return op.done();
  }

  Machine m_;
};

INSTANTIATE_TEST_SUITE_P(Releases, OnlinePagesTest,
                         ::testing::Values(KernelVersion::kV5_3,
                                           KernelVersion::kV6_1),
                         [](const auto& info) {
                           return info.param == KernelVersion::kV5_3 ? "v5_3"
                                                                     : "v6_1";
                         });

// A successful offline prints "Offlined Pages %ld" with pr_info in v5.3; in
// v6.1 it is pr_debug (not in dmesg).
TEST_P(OnlinePagesTest, OfflinedPagesIsPrInfoOnlyInV53) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  ASSERT_TRUE(State(32, "offline").ok());
  EXPECT_EQ(Logged("Offlined Pages 32768"), V53());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, NrPages(0));
}

// memory32 with a hole in its upper half, onlined to ZONE_NORMAL:
//
//   0x100000  RAM  0x104000  hole  0x108000
//
// v5.3: online_pages_range() frees only the System RAM piece (16384 pages
// present); the hole's struct pages stay PG_reserved, so the offline fails
// to isolate the range (-EBUSY, "unmovable page").
// v6.1: the whole block is onlined (32768 present) and offline_pages()
// refuses it for "memory holes" (-EINVAL) before isolating.
TEST_P(OnlinePagesTest, ABlockWithAHole) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  PunchHole(4 * kGiB + kBlock / 2, kBlock / 2);
  ASSERT_TRUE(State(32, "online_kernel").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).spanned_pages, kBlockPages);
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).present_pages,
            V53() ? NrPages(16384) : kBlockPages);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x104000)).PageReserved(), V53());

  const absl::Status s = State(32, "offline");
  EXPECT_EQ(model::ErrnoOf(s), V53() ? Errno::kEBUSY : Errno::kEINVAL);
  EXPECT_EQ(Logged("page dumped because: unmovable page"), V53());
  EXPECT_EQ(StateOf(32), "online");
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).present_pages,
            V53() ? NrPages(16384) : kBlockPages);
}

// The same hole onlined to ZONE_MOVABLE: v5.3's has_unmovable_pages()
// WARN_ON_ONCEs for an unmovable page in ZONE_MOVABLE before dumping it.
TEST_P(OnlinePagesTest, AnUnmovablePageInZoneMovableWarnsInV53) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  PunchHole(4 * kGiB + kBlock / 2, kBlock / 2);
  ASSERT_TRUE(State(32, "online_movable").ok());
  (void)State(32, "offline");
  EXPECT_EQ(Logged("has_unmovable_pages"), V53());
  EXPECT_EQ(StateOf(32), "online");
}

// A block without any System RAM left: v5.3's walk_system_ram_range() finds
// nothing, online_pages() fails with -EINVAL after MEM_GOING_ONLINE
// (MEM_CANCEL_ONLINE) and leaves the block in the zone's span; v6.1 onlines
// it.
TEST_P(OnlinePagesTest, ABlockWithoutSystemRam) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  PunchHole(4 * kGiB, kBlock);
  std::vector<std::string> seen;
  m_.RegisterMemoryNotifier([&](MemoryAction a, const MemoryNotify&) {
    seen.emplace_back(MemoryActionName(a));
    return 0;
  });
  const absl::Status s = State(32, "online_movable");
  if (V53()) {
    EXPECT_EQ(model::ErrnoOf(s), Errno::kEINVAL);
    EXPECT_EQ(StateOf(32), "offline");
    EXPECT_EQ(seen, (std::vector<std::string>{"MEM_GOING_ONLINE",
                                              "MEM_CANCEL_ONLINE"}));
    EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, NrPages(0));
  } else {
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(seen,
              (std::vector<std::string>{"MEM_GOING_ONLINE", "MEM_ONLINE"}));
    EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages, kBlockPages);
  }
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages, kBlockPages);
}

// A vetoed MEM_GOING_ONLINE: v6.1 takes the range out of the zone again
// (remove_pfn_range_from_zone); v5.3 leaves the zone spanning it.
//
//   Movable: v5.3 [32]   v6.1 (empty)
TEST_P(OnlinePagesTest, AVetoedOnlineKeepsTheSpanOnlyInV53) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  m_.RegisterMemoryNotifier([](MemoryAction a, const MemoryNotify&) {
    return a == MemoryAction::kGoingOnline ? -static_cast<int>(Errno::kENOMEM)
                                           : 0;
  });
  EXPECT_EQ(model::ErrnoOf(State(32, "online_movable")), Errno::kENOMEM);
  EXPECT_EQ(StateOf(32), "offline");
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).spanned_pages,
            V53() ? kBlockPages : NrPages(0));
}

// Block 0 spans ZONE_DMA and ZONE_DMA32 (and holds PageReserved pages):
// v6.1 refuses it for having no mem->zone, v5.3 for "multizone range" from
// test_pages_in_a_zone(); both -EINVAL before any isolation, no message.
TEST_P(OnlinePagesTest, AMultizoneBlockIsRefusedBeforeIsolation) {
  EXPECT_EQ(model::ErrnoOf(State(0, "offline")), Errno::kEINVAL);
  EXPECT_EQ(StateOf(0), "online");
  EXPECT_FALSE(Logged("unmovable page"));
  EXPECT_FALSE(m_.log().HasBug());
}

// A boot block of one zone without holes cycles in both releases; in v5.3
// test_pages_in_a_zone() finds its zone (DMA32) itself.
TEST_P(OnlinePagesTest, ABootBlockCyclesThroughTestPagesInAZone) {
  const NrPages before = ZoneOf(ZoneType::kDma32).present_pages;
  ASSERT_TRUE(State(2, "offline").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kDma32).present_pages, before - kBlockPages);
  ASSERT_TRUE(State(2, "online").ok());
  EXPECT_EQ(ZoneOf(ZoneType::kDma32).present_pages, before);
}

// v5.3's state_store() takes device_hotplug_lock before parsing the value:
// an unknown value waits for the lock; v6.1 refuses it at once.
TEST_P(OnlinePagesTest, AnUnknownStateWaitsForTheLockOnlyInV53) {
  ASSERT_TRUE(RunToCompletion(m_.device_hotplug_lock().Lock()));
  Operation<absl::Status> op = StateStore(m_, BlockId(2), "on");
  EXPECT_EQ(Completes(op), !V53());
  ASSERT_TRUE(RunToCompletion(m_.device_hotplug_lock().Unlock()));
  ASSERT_TRUE(Completes(op));
  EXPECT_EQ(model::ErrnoOf(op.result()), Errno::kEINVAL);
  EXPECT_FALSE(m_.device_hotplug_lock().held());
}

// v5.3's try_remove_memory() takes mem_hotplug_lock before checking that the
// blocks are offline: with the lock read-held (get_online_mems()), removing
// an online block waits; v6.1 fails with -EBUSY at once. The message is the
// same.
TEST_P(OnlinePagesTest, RemovingAnOnlineBlockTakesTheHotplugLockOnlyInV53) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  ASSERT_TRUE(State(32, "online_movable").ok());
  ASSERT_TRUE(RunToCompletion(m_.mem_hotplug_lock().DownRead()));
  Operation<int> op = RemoveMemory(m_, PhysAddr(4 * kGiB), ByteSize(kBlock));
  EXPECT_EQ(Completes(op), !V53());
  ASSERT_TRUE(RunToCompletion(m_.mem_hotplug_lock().UpRead()));
  ASSERT_TRUE(Completes(op));
  EXPECT_EQ(op.result(), -static_cast<int>(Errno::kEBUSY));
  EXPECT_TRUE(
      Logged("removing memory fails, because memory "
             "[0x0000000100000000-0x0000000107ffffff] is onlined"));
  EXPECT_FALSE(m_.mem_hotplug_lock().write_held());
}

// v5.3's online_pages() chooses the zone under mem_hotplug_lock: an online
// that waits for the lock has not chosen yet; v6.1 chose before waiting.
// Observed through the online_type, which a concurrent state store could
// only change under device_hotplug_lock: here the test changes it directly
// while the online waits.
TEST_P(OnlinePagesTest, TheZoneIsChosenUnderTheHotplugLockOnlyInV53) {
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  ASSERT_TRUE(RunToCompletion(m_.mem_hotplug_lock().DownRead()));
  m_.mutable_blocks().FindMutable(BlockId(32))->online_type =
      OnlineType::kOnlineKernel;
  Operation<int> op = MemoryBlockOnline(m_, BlockId(32));
  EXPECT_FALSE(Completes(op));
  m_.mutable_blocks().FindMutable(BlockId(32))->online_type =
      OnlineType::kOnlineMovable;
  ASSERT_TRUE(RunToCompletion(m_.mem_hotplug_lock().UpRead()));
  ASSERT_TRUE(Completes(op));
  EXPECT_EQ(op.result(), 0);
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages,
            V53() ? kBlockPages : NrPages(0));
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).present_pages,
            V53() ? NrPages(0) : kBlockPages);
}

}  // namespace
}  // namespace memhp::hotplug
