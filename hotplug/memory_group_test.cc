// Memory groups (drivers/base/memory.c), the group-aware add path
// (MHP_NID_IS_MGID) and the online policies of mm/memory_hotplug.c (v6.1).
//
// Most machines here are p2's: 2 GiB of boot RAM in DMA and DMA32, SRAT
// hotplug ranges for node 0 at 4-12 GiB and node 1 at 12-16 GiB, 128 MiB
// blocks (memoryN is at N * 128 MiB).
//
//   0          2 GiB    4 GiB                          12 GiB      16 GiB
//   |== boot ==|  hole  |== node 0 hotplug ==========|== node 1 ==|
//
// Its early kernel pages are DMA 3998 + DMA32 520160 = 524158, so
// "auto-movable" with the default ratio 301 lets ZONE_MOVABLE grow to
// 301 * 524158 / 100 = 1577715 pages: 48 blocks (1572864 pages); a 49th
// block would make 1605632.

#include "hotplug/memory_group.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/acpi_memhotplug.h"
#include "hotplug/memory_hotplug.h"
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
using model::NrPages;
using model::PhysAddr;
using model::RunToCompletion;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kBlock = uint64_t{128} << 20;
constexpr uint64_t kBlockPages = 32768;

constexpr int Neg(Errno e) { return -static_cast<int>(e); }

// --- the registry ------------------------------------------------------------

MemoryGroups TwoNodeGroups() {
  return MemoryGroups(
      [](NodeId nid) { return nid.value() == 0 || nid.value() == 1; },
      [] { return NrPages(kBlockPages); });
}

// memory_group_register_static: max_pages 0 is -EINVAL before the node is
// looked at; a node that is not possible is -EINVAL; ids are the lowest
// free ones from 0 (xa_alloc), so an unregistered id is handed out again.
TEST(MemoryGroupsTest, RegisterStaticErrnosAndIds) {
  MemoryGroups groups = TwoNodeGroups();
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(7), NrPages(0)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(7), NrPages(kBlockPages)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(model::kNumaNoNode,
                                             NrPages(kBlockPages)),
            Neg(Errno::kEINVAL));
  EXPECT_TRUE(groups.groups().empty());
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(1), NrPages(262144)), 0);
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(0), NrPages(1)), 1);
  const MemoryGroup* g0 = groups.MemoryGroupFindById(0);
  ASSERT_NE(g0, nullptr);
  EXPECT_EQ(g0->nid, NodeId(1));
  EXPECT_FALSE(g0->is_dynamic);
  EXPECT_EQ(g0->max_pages, NrPages(262144));
  EXPECT_TRUE(g0->present_kernel_pages.IsZero());
  EXPECT_TRUE(g0->present_movable_pages.IsZero());
  EXPECT_EQ(groups.MemoryGroupFindById(2), nullptr);
  EXPECT_EQ(groups.MemoryGroupFindById(-1), nullptr);
  // memory_group_unregister: -EINVAL for a negative or unknown id.
  EXPECT_EQ(groups.MemoryGroupUnregister(-1), Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupUnregister(2), Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupUnregister(0), 0);
  EXPECT_EQ(groups.MemoryGroupUnregister(0), Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(0), NrPages(8)), 0);
  EXPECT_EQ(groups.MemoryGroupRegisterStatic(NodeId(0), NrPages(8)), 2);
}

// memory_group_register_dynamic: unit_pages must be a power of two of at
// least one memory block (32768 pages here), then the node check.
TEST(MemoryGroupsTest, RegisterDynamicErrnos) {
  MemoryGroups groups = TwoNodeGroups();
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(0)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(16384)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(3 * 32768)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(3), NrPages(32768)),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(32768)), 0);
  EXPECT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(1), NrPages(131072)), 1);
  EXPECT_TRUE(groups.MemoryGroupFindById(1)->is_dynamic);
  EXPECT_EQ(groups.MemoryGroupFindById(1)->unit_pages, NrPages(131072));
}

// walk_dynamic_memory_groups: dynamic groups only, ascending ids, the
// excluded one skipped, one node or (NUMA_NO_NODE) all; a non-zero return
// stops the walk.
TEST(MemoryGroupsTest, WalkDynamicMemoryGroups) {
  MemoryGroups groups = TwoNodeGroups();
  ASSERT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(32768)), 0);
  ASSERT_EQ(groups.MemoryGroupRegisterStatic(NodeId(0), NrPages(32768)), 1);
  ASSERT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(1), NrPages(32768)), 2);
  ASSERT_EQ(groups.MemoryGroupRegisterDynamic(NodeId(0), NrPages(65536)), 3);
  auto walk = [&](NodeId nid, const MemoryGroup* excluded) {
    std::vector<int> seen;
    groups.WalkDynamicMemoryGroups(
        nid,
        [&](const MemoryGroup& g) {
          seen.push_back(groups.IdOf(&g));
          return 0;
        },
        excluded);
    return seen;
  };
  EXPECT_EQ(walk(model::kNumaNoNode, nullptr), (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(walk(NodeId(0), nullptr), (std::vector<int>{0, 3}));
  EXPECT_EQ(walk(NodeId(0), groups.MemoryGroupFindById(0)),
            (std::vector<int>{3}));
  EXPECT_EQ(groups.WalkDynamicMemoryGroups(
                model::kNumaNoNode,
                [](const MemoryGroup& g) { return g.nid.value() == 1 ? 5 : 0; },
                nullptr),
            5);
}

// --- machines ----------------------------------------------------------------

// p2's map plus 4 GiB of boot RAM at 4-8 GiB: ZONE_NORMAL.
constexpr char kFourGiBNormalFirmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n"
    "BIOS-e820: [mem 0x000000007ffe0000-0x000000007fffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x0000000100000000-0x00000001ffffffff] usable\n";

class MachineTest : public ::testing::Test {
 protected:
  MachineTest()
      : m_(*model::Geometry::Named("x86_64-la57", KernelVersion::kV6_1),
           model::KernelProfile::For(KernelVersion::kV6_1)) {}

  // Boots p2's machine (or `firmware` without SRAT) with `cmdline`.
  void Boot(const std::string& cmdline, const char* firmware = kP2Firmware) {
    absl::StatusOr<E820Table> fw = ParseE820Table(firmware, "test");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{.firmware = *fw, .cmdline = cmdline};
    if (firmware == kP2Firmware) {
      in.srat = {
          {model::PhysRange(PhysAddr(0), PhysAddr(0x80000000)), NodeId(0)},
          {model::PhysRange(PhysAddr(4 * kGiB), PhysAddr(12 * kGiB)), NodeId(0),
           /*hotplug=*/true},
          {model::PhysRange(PhysAddr(12 * kGiB), PhysAddr(16 * kGiB)),
           NodeId(1), /*hotplug=*/true},
      };
    }
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    // start_kernel's parse_args() for mm/memory_hotplug.c (Boot() runs it
    // on BootMemory::cmdline, which BootX86 does not fill).
    m_.ParseMemoryHotplugParams(cmdline);
    m_.set_system_running(true);
  }

  int Add(uint64_t start, uint64_t size, NodeId nid = NodeId(0),
          uint32_t flags = kMhpNone) {
    return RunToCompletion(
        AddMemory(m_, nid, PhysAddr(start), ByteSize(size), flags));
  }
  int AddToGroup(int mgid, uint64_t start, uint64_t size) {
    return RunToCompletion(AddMemoryDriverManaged(
        m_, MgidAsNid(mgid), PhysAddr(start), ByteSize(size),
        "System RAM (virtio_mem)", kMhpNidIsMgid | kMhpMergeResource));
  }
  absl::Status State(uint64_t block, std::string value) {
    return RunToCompletion(StateStore(m_, BlockId(block), value));
  }
  const MemoryBlock& Block(uint64_t b) { return *m_.blocks().Find(BlockId(b)); }
  std::optional<ZoneType> ZoneOfBlock(uint64_t b) { return Block(b).zone; }
  const Zone& ZoneOf(ZoneType t, int nid = 0) {
    return m_.NodeData(NodeId(nid))->zone(t);
  }
  // The blocks of [first, last] in zone `z`.
  int CountIn(uint64_t first, uint64_t last, ZoneType z) {
    int n = 0;
    for (uint64_t b = first; b <= last; ++b) n += ZoneOfBlock(b) == z;
    return n;
  }
  std::vector<std::string> ValidZones(uint64_t b) {
    const MemoryBlock& mem = Block(b);
    return m_.blocks().ValidZonesShow(mem, *m_.NodeData(mem.nid), m_.geometry(),
                                      false);
  }
  // A log line containing `part`.
  bool LogHas(std::string_view part) {
    for (const model::Event& e : m_.log().events()) {
      if (e.text.find(part) != std::string::npos) return true;
    }
    return false;
  }
  uint64_t KernelEarlyPages() {
    uint64_t n = 0;
    for (const Zone& z : m_.NodeData(NodeId(0))->node_zones) {
      if (z.type != ZoneType::kMovable) n += z.present_early_pages.value();
    }
    return n;
  }

  Machine m_;
};

constexpr char kAutoMovableOnline[] =
    "console=ttyS0 memhp_default_state=online "
    "memory_hotplug.online_policy=auto-movable";

// --- the add path with a group --------------------------------------------

// add_memory(mgid, ..., MHP_NID_IS_MGID) of a group that does not exist:
// -EINVAL before the node check (no WARN) and the resource is released.
TEST_F(MachineTest, AddWithAMissingGroupIsEinval) {
  Boot("console=ttyS0");
  EXPECT_EQ(Add(4 * kGiB, kBlock, MgidAsNid(0), kMhpNidIsMgid),
            Neg(Errno::kEINVAL));
  EXPECT_EQ(AddToGroup(3, 4 * kGiB, kBlock), Neg(Errno::kEINVAL));
  EXPECT_EQ(m_.log().CountKind(model::EventKind::kWarn), 0u);
  for (const std::string& l : IomemLines(m_)) {
    EXPECT_EQ(l.find("100000000-107ffffff"), std::string::npos) << l;
  }
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
}

// The nid argument is the group id; the memory goes to the group's node and
// its blocks join the group. The group counts its online pages by zone,
// refuses to go while it has blocks (-EBUSY), and goes once they are
// removed.
//
//   12 GiB            12.25 GiB
//   |== memory96 ==|== memory97 ==|   group 0 (node 1, static, 2 blocks)
TEST_F(MachineTest, BlocksJoinTheGroupOnItsNode) {
  Boot("console=ttyS0");
  const int mgid =
      m_.memory_groups().MemoryGroupRegisterStatic(NodeId(1), NrPages(65536));
  ASSERT_EQ(mgid, 0);
  ASSERT_EQ(Add(12 * kGiB, 2 * kBlock, MgidAsNid(mgid), kMhpNidIsMgid), 0);
  MemoryGroup* group = m_.memory_groups().MemoryGroupFindById(mgid);
  EXPECT_EQ(group->memory_blocks,
            (std::set<BlockId>{BlockId(96), BlockId(97)}));
  EXPECT_EQ(Block(96).nid, NodeId(1));
  EXPECT_EQ(Block(96).group, group);
  EXPECT_TRUE(m_.NodeOnline(NodeId(1)));
  ASSERT_TRUE(State(96, "online_movable").ok());
  ASSERT_TRUE(State(97, "online_kernel").ok());
  EXPECT_EQ(group->present_movable_pages, NrPages(kBlockPages));
  EXPECT_EQ(group->present_kernel_pages, NrPages(kBlockPages));
  ASSERT_TRUE(State(97, "offline").ok());
  EXPECT_TRUE(group->present_kernel_pages.IsZero());
  ASSERT_TRUE(State(96, "offline").ok());
  EXPECT_TRUE(group->present_movable_pages.IsZero());
  EXPECT_EQ(m_.memory_groups().MemoryGroupUnregister(mgid), Neg(Errno::kEBUSY));
  ASSERT_EQ(RunToCompletion(
                RemoveMemory(m_, PhysAddr(12 * kGiB), ByteSize(2 * kBlock))),
            0);
  EXPECT_TRUE(group->memory_blocks.empty());
  EXPECT_EQ(m_.memory_groups().MemoryGroupUnregister(mgid), 0);
}

// --- online policies -------------------------------------------------------

// The default policy is contig-zones with ratio 301 and NUMA awareness on;
// MMOP_ONLINE of a hot-added block away from every zone picks the kernel
// zone, as before.
TEST_F(MachineTest, DefaultPolicyIsContigZones) {
  Boot("console=ttyS0 memhp_default_state=online");
  EXPECT_EQ(m_.memory_hotplug_params().online_policy,
            OnlinePolicy::kContigZones);
  EXPECT_EQ(m_.memory_hotplug_params().auto_movable_ratio, 301u);
  EXPECT_TRUE(m_.memory_hotplug_params().auto_movable_numa_aware);
  EXPECT_EQ(OnlinePolicyName(m_.memory_hotplug_params().online_policy),
            "contig-zones");
  EXPECT_EQ(m_.auto_online_blocks(), OnlineType::kOnline);
  ASSERT_EQ(Add(4 * kGiB, 2 * kBlock), 0);
  EXPECT_EQ(ZoneOfBlock(32), ZoneType::kNormal);
  EXPECT_EQ(ZoneOfBlock(33), ZoneType::kNormal);
}

// 4 GiB of boot ZONE_NORMAL (plus DMA and DMA32): 1572734 early kernel
// pages allow 301 * 1572734 / 100 = 4733929 movable pages, 144 blocks.
// A 19 GiB hot-add (memory64..215), onlined block by block as it is added:
//
//   8 GiB                                       26 GiB     27 GiB
//   |== memory64 .. memory207: Movable (144) ==|== 208..215: Normal ==|
//
// Kernel memory onlined by hotplug does not allow more movable memory
// (only early kernel pages count), so everything after the 144th block
// stays in the kernel zone; offlining a movable block makes room for one.
TEST_F(MachineTest, AutoMovableOnlinesMovableUpToTheRatioThenKernel) {
  Boot(kAutoMovableOnline, kFourGiBNormalFirmware);
  ASSERT_EQ(m_.blocks().block_size(), ByteSize(kBlock));
  ASSERT_EQ(KernelEarlyPages(), 3998u + 520160u + 1048576u);
  ASSERT_EQ(Add(8 * kGiB, 19 * kGiB), 0);
  EXPECT_EQ(CountIn(64, 207, ZoneType::kMovable), 144);
  EXPECT_EQ(CountIn(208, 215, ZoneType::kNormal), 8);
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages,
            NrPages(144 * kBlockPages));
  EXPECT_EQ(ZoneOf(ZoneType::kNormal).present_pages,
            NrPages((32 + 8) * kBlockPages));
  // The early pages did not change.
  EXPECT_EQ(KernelEarlyPages(), 1572734u);
  // A kernel block offlined and onlined (MMOP_ONLINE) stays kernel: there
  // is no room. An offlined movable block makes room for itself.
  ASSERT_TRUE(State(210, "offline").ok());
  ASSERT_TRUE(State(210, "online").ok());
  EXPECT_EQ(ZoneOfBlock(210), ZoneType::kNormal);
  ASSERT_TRUE(State(100, "offline").ok());
  ASSERT_TRUE(State(100, "online").ok());
  EXPECT_EQ(ZoneOfBlock(100), ZoneType::kMovable);
  // Explicit online types are not the policy's business.
  ASSERT_TRUE(State(211, "offline").ok());
  ASSERT_TRUE(State(211, "online_movable").ok());
  EXPECT_EQ(ZoneOfBlock(211), ZoneType::kMovable);
}

// memory_hotplug.auto_movable_ratio=0: everything goes to the kernel zone.
TEST_F(MachineTest, AutoMovableWithRatioZeroOnlinesKernel) {
  Boot(std::string(kAutoMovableOnline) +
       " memory_hotplug.auto_movable_ratio=0");
  EXPECT_EQ(m_.memory_hotplug_params().auto_movable_ratio, 0u);
  ASSERT_EQ(Add(4 * kGiB, kBlock), 0);
  EXPECT_EQ(ZoneOfBlock(32), ZoneType::kNormal);
}

// Node 1 has no early kernel memory: with auto_movable_numa_aware (the
// default) the node's own ratio refuses ZONE_MOVABLE although the system
// as a whole has room; without it the block goes movable.
//
//   12 GiB (node 1)
//   |== memory96 ==|   numa_aware: Normal of node 1; not: Movable of node 1
TEST_F(MachineTest, AutoMovableNumaAwareLooksAtTheNode) {
  Boot(kAutoMovableOnline);
  ASSERT_EQ(Add(12 * kGiB, kBlock, NodeId(1)), 0);
  EXPECT_EQ(Block(96).nid, NodeId(1));
  EXPECT_EQ(ZoneOfBlock(96), ZoneType::kNormal);
  EXPECT_EQ(ZoneOf(ZoneType::kNormal, 1).present_pages, NrPages(kBlockPages));
  // The same block on node 0 would have gone movable.
  ASSERT_EQ(Add(4 * kGiB, kBlock, NodeId(0)), 0);
  EXPECT_EQ(ZoneOfBlock(32), ZoneType::kMovable);
  // memory_hotplug.auto_movable_numa_aware=N (0644: written at run time).
  m_.mutable_memory_hotplug_params().auto_movable_numa_aware = false;
  ASSERT_TRUE(State(96, "offline").ok());
  ASSERT_TRUE(State(96, "online").ok());
  EXPECT_EQ(ZoneOfBlock(96), ZoneType::kMovable);
  EXPECT_EQ(ZoneOf(ZoneType::kMovable, 1).present_pages, NrPages(kBlockPages));
}

// The same boot with the parameter on the command line.
TEST_F(MachineTest, AutoMovableNumaAwareOffFromTheCommandLine) {
  Boot(std::string(kAutoMovableOnline) +
       " memory_hotplug.auto_movable_numa_aware=off");
  EXPECT_FALSE(m_.memory_hotplug_params().auto_movable_numa_aware);
  ASSERT_EQ(Add(12 * kGiB, kBlock, NodeId(1)), 0);
  EXPECT_EQ(ZoneOfBlock(96), ZoneType::kMovable);
}

// A static group (an ACPI DIMM) is decided as a whole: its first block goes
// movable only if all of max_pages would fit, and once anything of it is
// kernel the rest is kernel too. After 44 movable blocks (1441792 pages)
// there is room for 135923 more pages (4 blocks):
//
//   4 GiB                     9.5 GiB  10 GiB           11 GiB        11.5
//   |== memory32..75: Movable ==|      |== DIMM A 1 GiB ==|== DIMM B ==|
//                                        all Normal         all Movable
// A (262144 pages) does not fit: all eight blocks go Normal. B (131072
// pages) fits: all four go Movable.
TEST_F(MachineTest, StaticGroupGoesAllKernelOrAllMovable) {
  Boot(kAutoMovableOnline);
  ASSERT_EQ(Add(4 * kGiB, 44 * kBlock), 0);
  ASSERT_EQ(CountIn(32, 75, ZoneType::kMovable), 44);
  AcpiMemoryDevice a{.name = "PNP0C80:00",
                     .pxm_node = NodeId(0),
                     .res_list = {{.start_addr = PhysAddr(10 * kGiB),
                                   .length = ByteSize(kGiB)}}};
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, a)), 0);
  ASSERT_GE(a.mgid, 0);
  const MemoryGroup* ga = m_.memory_groups().MemoryGroupFindById(a.mgid);
  EXPECT_EQ(ga->max_pages, NrPages(262144));
  EXPECT_EQ(CountIn(80, 87, ZoneType::kNormal), 8);
  EXPECT_EQ(ga->present_kernel_pages, NrPages(262144));
  EXPECT_TRUE(ga->present_movable_pages.IsZero());
  AcpiMemoryDevice b{.name = "PNP0C80:01",
                     .pxm_node = NodeId(0),
                     .res_list = {{.start_addr = PhysAddr(11 * kGiB),
                                   .length = ByteSize(4 * kBlock)}}};
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, b)), 0);
  const MemoryGroup* gb = m_.memory_groups().MemoryGroupFindById(b.mgid);
  EXPECT_EQ(CountIn(88, 91, ZoneType::kMovable), 4);
  EXPECT_EQ(gb->present_movable_pages, NrPages(131072));
  EXPECT_TRUE(gb->present_kernel_pages.IsZero());
  EXPECT_EQ(ZoneOf(ZoneType::kMovable).present_pages,
            NrPages(48 * kBlockPages));
  // Ejecting B removes its memory and unregisters its group.
  ASSERT_EQ(RunToCompletion(AcpiScanHotRemove(m_, b)), 0);
  EXPECT_EQ(b.mgid, -1);
  EXPECT_EQ(m_.memory_groups().groups().size(), 1u);
  EXPECT_NE(m_.memory_groups().MemoryGroupFindById(a.mgid), nullptr);
}

// The contrast: the same 1 GiB without a group is decided block by block,
// four of them still fit.
//
//   10 GiB                       10.5 GiB                  11 GiB
//   |== memory80..83: Movable ==|== memory84..87: Normal ==|
TEST_F(MachineTest, WithoutAGroupTheSameRangeSplits) {
  Boot(kAutoMovableOnline);
  ASSERT_EQ(Add(4 * kGiB, 44 * kBlock), 0);
  ASSERT_EQ(Add(10 * kGiB, kGiB), 0);
  EXPECT_EQ(CountIn(80, 83, ZoneType::kMovable), 4);
  EXPECT_EQ(CountIn(84, 87, ZoneType::kNormal), 4);
}

// A dynamic group (virtio-mem style, units of 4 blocks = 131072 pages,
// added block by block): a unit goes movable if all of it still fits,
// else kernel; the group's own kernel memory allows more movable memory in
// the same group (and its movable memory covered by that kernel memory no
// longer counts against the others).
//
//   4 GiB                   9.5G  10G       10.5G      11G       11.5G
//   |== memory32..75: Movable ==| |== U1 ==|== U2 ==|== U3 ==|[92]
//                                  Movable   Normal    Movable  Movable
//  - U1: 1441792 + 131072 = 1572864 <= 1577715: Movable;
//  - U2: 1572864 + 131072 = 1703936 > 1577715: Normal;
//  - U3: the group's 131072 kernel pages count as early kernel pages for
//    it: 301 * (524158 + 131072) / 100 = 1972242 >= 1703936: Movable;
//  - memory92 (no group): the group needs 262144 * 100 / 301 = 87090
//    early kernel pages and has 131072 of its own, so its 262144 movable
//    pages leave the stats: 1441792 + 32768 <= 1577715: Movable.
TEST_F(MachineTest, DynamicGroupUnitsAndTheirKernelMemory) {
  Boot(kAutoMovableOnline);
  ASSERT_EQ(Add(4 * kGiB, 44 * kBlock), 0);
  const int mgid = m_.memory_groups().MemoryGroupRegisterDynamic(
      NodeId(0), NrPages(4 * kBlockPages));
  ASSERT_EQ(mgid, 0);
  for (uint64_t b = 80; b < 92; ++b) {
    ASSERT_EQ(AddToGroup(mgid, b * kBlock, kBlock), 0) << b;
  }
  EXPECT_EQ(CountIn(80, 83, ZoneType::kMovable), 4);
  EXPECT_EQ(CountIn(84, 87, ZoneType::kNormal), 4);
  EXPECT_EQ(CountIn(88, 91, ZoneType::kMovable), 4);
  const MemoryGroup* g = m_.memory_groups().MemoryGroupFindById(mgid);
  EXPECT_EQ(g->present_movable_pages, NrPages(262144));
  EXPECT_EQ(g->present_kernel_pages, NrPages(131072));
  ASSERT_EQ(Add(92 * kBlock, kBlock), 0);
  EXPECT_EQ(ZoneOfBlock(92), ZoneType::kMovable);
  // Within a unit the online sections decide: offline the first block of
  // U2 and online it again: the other three are kernel, so it is too.
  ASSERT_TRUE(State(84, "offline").ok());
  ASSERT_TRUE(State(84, "online").ok());
  EXPECT_EQ(ZoneOfBlock(84), ZoneType::kNormal);
}

// valid_zones follows zone_for_pfn_range() with the block's group: under
// auto-movable the default (first) zone of an offline block is Movable
// while there is room, the kernel zone is offered next; with a static
// group that cannot fit the default is the kernel zone. The capture-log
// view (MemoryBlockLines) shows the same.
TEST_F(MachineTest, ValidZonesFollowThePolicyAndTheGroup) {
  Boot("console=ttyS0 memory_hotplug.online_policy=auto-movable");
  ASSERT_EQ(Add(4 * kGiB, kGiB), 0);
  EXPECT_EQ(ValidZones(32), (std::vector<std::string>{"Movable", "Normal"}));
  bool seen = false;
  for (const std::string& l : MemoryBlockLines(m_)) {
    if (l.starts_with("memory33 ")) {
      seen = true;
      EXPECT_NE(l.find(" valid_zones=Movable,Normal "), std::string::npos) << l;
    }
  }
  EXPECT_TRUE(seen);
  ASSERT_TRUE(State(32, "online").ok());
  EXPECT_EQ(ZoneOfBlock(32), ZoneType::kMovable);
  EXPECT_EQ(ValidZones(32), (std::vector<std::string>{"Movable"}));
  // A 6 GiB DIMM (1572864 pages, memory40..87) is more than the 48 blocks
  // allowed: its blocks default to the kernel zone.
  AcpiMemoryDevice big{.name = "PNP0C80:00",
                       .pxm_node = NodeId(0),
                       .res_list = {{.start_addr = PhysAddr(5 * kGiB),
                                     .length = ByteSize(6 * kGiB)}}};
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, big)), 0);
  EXPECT_EQ(ValidZones(40), (std::vector<std::string>{"Normal", "Movable"}));
  // The same block without a group would default to Movable (33 is one).
  EXPECT_EQ(ValidZones(33), (std::vector<std::string>{"Movable", "Normal"}));
  // A 256 MiB DIMM fits (memory88, memory89): Movable first, until one of
  // its blocks is onlined to the kernel zone; then the rest is kernel too.
  AcpiMemoryDevice small{.name = "PNP0C80:01",
                         .pxm_node = NodeId(0),
                         .res_list = {{.start_addr = PhysAddr(11 * kGiB),
                                       .length = ByteSize(2 * kBlock)}}};
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, small)), 0);
  EXPECT_EQ(ValidZones(89), (std::vector<std::string>{"Movable", "Normal"}));
  ASSERT_TRUE(State(88, "online_kernel").ok());
  EXPECT_EQ(ValidZones(89), (std::vector<std::string>{"Normal", "Movable"}));
  ASSERT_TRUE(State(89, "online").ok());
  EXPECT_EQ(ZoneOfBlock(89), ZoneType::kNormal);
  // contig-zones again: the kernel zone first.
  m_.mutable_memory_hotplug_params().online_policy = OnlinePolicy::kContigZones;
  EXPECT_EQ(ValidZones(33), (std::vector<std::string>{"Normal", "Movable"}));
}

// --- the command line --------------------------------------------------------

// parse_args() over the memory_hotplug parameters: '-' and '_' are the same
// in names, values go through each parameter's setter, later options win,
// "--" ends the kernel's options; memhp_default_state= sets the online
// type.
TEST_F(MachineTest, CommandLineSetsTheParameters) {
  Boot(
      "console=ttyS0 memory-hotplug.online-policy=auto-movable "
      "memory_hotplug.auto_movable_ratio=0x64 "
      "memory_hotplug.auto_movable_numa_aware=n "
      "memhp_default_state=online_kernel memhp_default_state=online_movable "
      "-- memory_hotplug.auto_movable_ratio=5");
  EXPECT_EQ(m_.memory_hotplug_params().online_policy,
            OnlinePolicy::kAutoMovable);
  EXPECT_EQ(m_.memory_hotplug_params().auto_movable_ratio, 100u);
  EXPECT_FALSE(m_.memory_hotplug_params().auto_movable_numa_aware);
  EXPECT_EQ(m_.auto_online_blocks(), OnlineType::kOnlineMovable);
  EXPECT_FALSE(LogHas("invalid for parameter"));
}

// Values the setters refuse print parse_args()'s "invalid" line and keep
// the old value; a bool without a value is true; an unknown
// memhp_default_state and other modules' parameters are ignored silently.
TEST_F(MachineTest, CommandLineRefusals) {
  Boot(
      "memory_hotplug.online_policy=auto memory_hotplug.auto_movable_ratio=-1 "
      "memory_hotplug.online_policy "
      "memory_hotplug.auto_movable_ratio=4294967296 "
      "memory_hotplug.auto_movable_numa_aware=maybe "
      "memory_hotplug.auto_movable_numa_aware=0 "
      "memory_hotplug.auto_movable_numa_aware memhp_default_state=bogus "
      "memhp_default_state memory_hotplug.memmap_on_memory=1 foo.bar=1");
  EXPECT_TRUE(
      m_.log().Contains("Booting kernel: `auto' invalid for parameter "
                        "`memory_hotplug.online_policy'"));
  EXPECT_TRUE(
      m_.log().Contains("Booting kernel: `-1' invalid for parameter "
                        "`memory_hotplug.auto_movable_ratio'"));
  EXPECT_TRUE(
      m_.log().Contains("Booting kernel: `' invalid for parameter "
                        "`memory_hotplug.online_policy'"));
  EXPECT_TRUE(
      m_.log().Contains("Booting kernel: `4294967296' invalid for parameter "
                        "`memory_hotplug.auto_movable_ratio'"));
  EXPECT_TRUE(
      m_.log().Contains("Booting kernel: `maybe' invalid for parameter "
                        "`memory_hotplug.auto_movable_numa_aware'"));
  EXPECT_EQ(m_.memory_hotplug_params().online_policy,
            OnlinePolicy::kContigZones);
  EXPECT_EQ(m_.memory_hotplug_params().auto_movable_ratio, 301u);
  EXPECT_TRUE(m_.memory_hotplug_params().auto_movable_numa_aware);
  EXPECT_EQ(m_.auto_online_blocks(), OnlineType::kOffline);
  EXPECT_FALSE(LogHas("memmap_on_memory"));
  EXPECT_FALSE(LogHas("foo.bar"));
  EXPECT_FALSE(LogHas("memhp_default_state"));
}

}  // namespace
}  // namespace memhp::hotplug
