// ACPI memory devices on p2's machine (2 GiB of boot RAM, device memory at
// 4 GiB):
//
//   4 GiB                          4.25 GiB
//   |== memory32 ==|== memory33 ==|          the DIMM PNP0C80:00 (256 MiB)

#include "hotplug/acpi_memhotplug.h"

#include <set>

#include "gtest/gtest.h"
#include "hotplug/memory_online.h"
#include "hotplug/render.h"
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

class AcpiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(
        "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
        "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n",
        "p2");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{.firmware = *fw, .cmdline = ""};
    in.srat = {
        {model::PhysRange(PhysAddr(0), PhysAddr(0x80000000)), NodeId(0)},
        {model::PhysRange(PhysAddr(4 * kGiB), PhysAddr(12 * kGiB)), NodeId(0),
         /*hotplug=*/true},
    };
    ASSERT_TRUE(BootX86(m_, in).ok());
    m_.set_system_running(true);
  }
  AcpiMemoryDevice Dimm(uint64_t start, uint64_t size) {
    return {.name = "PNP0C80:00",
            .pxm_node = NodeId(0),
            .res_list = {
                {.start_addr = PhysAddr(start), .length = ByteSize(size)}}};
  }
  std::string StateOf(uint64_t b) {
    return MemoryBlocks::StateShow(*m_.blocks().Find(BlockId(b)));
  }

  Machine m_{*model::Geometry::Named("x86_64-la57", KernelVersion::kV6_1),
             model::KernelProfile::For(KernelVersion::kV6_1)};
};

// The DIMM gets a static memory group of PFN_UP(total_length) pages on its
// node; its blocks belong to the group; the eject unregisters it.
TEST_F(AcpiTest, AddsTheDimmOfflineAndEjectsIt) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, 2 * kBlock);
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)), 0);
  EXPECT_TRUE(dev.res_list[0].enabled);
  ASSERT_EQ(dev.mgid, 0);
  const MemoryGroup* group = m_.memory_groups().MemoryGroupFindById(0);
  ASSERT_NE(group, nullptr);
  EXPECT_FALSE(group->is_dynamic);
  EXPECT_EQ(group->nid, NodeId(0));
  EXPECT_EQ(group->max_pages, model::NrPages(65536));
  EXPECT_EQ(group->memory_blocks,
            (std::set<BlockId>{BlockId(32), BlockId(33)}));
  EXPECT_EQ(m_.blocks().Find(BlockId(32))->group, group);
  EXPECT_EQ(StateOf(32), "offline");
  EXPECT_EQ(StateOf(33), "offline");
  ASSERT_TRUE(
      RunToCompletion(StateStore(m_, BlockId(33), "online_movable")).ok());
  // The eject offlines what is online, then removes the memory.
  ASSERT_EQ(RunToCompletion(AcpiScanHotRemove(m_, dev)), 0);
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
  EXPECT_EQ(m_.blocks().Find(BlockId(33)), nullptr);
  for (const std::string& l : IomemLines(m_)) {
    EXPECT_NE(l, "100000000-10fffffff : System RAM");
  }
  EXPECT_EQ(dev.mgid, -1);
  EXPECT_TRUE(m_.memory_groups().groups().empty());
}

// A DIMM whose size is not a multiple of the memory block size: the kernel
// refuses the range (pr_err from check_hotplug_memory_range), no range is
// enabled, and the driver says "add_memory failed" (dev_err, -EINVAL).
TEST_F(AcpiTest, UnalignedDimmFailsWithTheDriversMessage) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, 100 << 20);
  EXPECT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(m_.log().Contains(
      "Block size [0x8000000] unaligned hotplug range: start 0x100000000, "
      "size 0x6400000"));
  EXPECT_TRUE(m_.log().Contains("acpi PNP0C80:00: add_memory failed"));
  EXPECT_TRUE(
      m_.log().Contains("acpi PNP0C80:00: acpi_memory_enable_device() error"));
  EXPECT_FALSE(dev.res_list[0].enabled);
  // acpi_memory_device_free() unregistered the group.
  EXPECT_EQ(dev.mgid, -1);
  EXPECT_TRUE(m_.memory_groups().groups().empty());
}

// An empty device: "device is empty".
TEST_F(AcpiTest, EmptyDevice) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, 0);
  EXPECT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(m_.log().Contains("acpi PNP0C80:00: device is empty"));
  EXPECT_TRUE(
      m_.log().Contains("acpi PNP0C80:00: acpi_memory_enable_device() error"));
  EXPECT_TRUE(m_.memory_groups().groups().empty());
}

// The group covers PFN_UP(total_length) of every range, added or not: an
// aligned block and a 4097-byte range (refused, skipped) make 32768 + 2
// pages. The device is enabled by its one good range.
//
//   4 GiB            4.125 GiB                      5 GiB
//   |== memory32 ==|                                |=| 4097 bytes
TEST_F(AcpiTest, GroupSizeIsPfnUpOfTheTotalLength) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, kBlock);
  dev.res_list.push_back(
      {.start_addr = PhysAddr(5 * kGiB), .length = ByteSize(4097)});
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)), 0);
  EXPECT_TRUE(dev.res_list[0].enabled);
  EXPECT_FALSE(dev.res_list[1].enabled);
  ASSERT_GE(dev.mgid, 0);
  EXPECT_EQ(m_.memory_groups().MemoryGroupFindById(dev.mgid)->max_pages,
            model::NrPages(32770));
}

// _PXM names a node that is not possible: memory_group_register_static()
// refuses (-EINVAL) before any memory is added.
TEST_F(AcpiTest, ImpossibleNodeFailsTheGroup) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, kBlock);
  dev.pxm_node = NodeId(5);
  EXPECT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)),
            -static_cast<int>(Errno::kEINVAL));
  EXPECT_TRUE(
      m_.log().Contains("acpi PNP0C80:00: acpi_memory_enable_device() error"));
  EXPECT_FALSE(m_.log().Contains("acpi PNP0C80:00: add_memory failed"));
  EXPECT_EQ(m_.blocks().Find(BlockId(32)), nullptr);
  EXPECT_EQ(dev.mgid, -1);
  EXPECT_TRUE(m_.memory_groups().groups().empty());
}

// A range the kernel already has (-EEXIST) still counts as enabled.
TEST_F(AcpiTest, RangeTheKernelHasCountsAsEnabled) {
  AcpiMemoryDevice dev = Dimm(0, kBlock);
  EXPECT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)), 0);
  EXPECT_TRUE(dev.res_list[0].enabled);
  // The group has no blocks: the boot blocks have none.
  ASSERT_GE(dev.mgid, 0);
  EXPECT_TRUE(
      m_.memory_groups().MemoryGroupFindById(dev.mgid)->memory_blocks.empty());
  EXPECT_EQ(m_.blocks().Find(BlockId(0))->group, nullptr);
}

// The eject fails when a block cannot be offlined: "Offline failed." on
// that block, the blocks offlined on the way are onlined again, -EBUSY, and
// the memory stays.
//   memory32 online (movable), memory33 online with a reserved page.
TEST_F(AcpiTest, EjectFailsAndPutsBlocksBackOnline) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, 2 * kBlock);
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)), 0);
  ASSERT_TRUE(
      RunToCompletion(StateStore(m_, BlockId(32), "online_movable")).ok());
  ASSERT_TRUE(
      RunToCompletion(StateStore(m_, BlockId(33), "online_movable")).ok());
  m_.sparse().mutable_memmap().Assign(
      model::PfnRange::FromSize(model::Pfn(0x108010), model::NrPages(1)),
      sparse::PageState::Initialised(3, NodeId(0), /*reserved=*/true));
  EXPECT_EQ(RunToCompletion(AcpiScanHotRemove(m_, dev)),
            -static_cast<int>(Errno::kEBUSY));
  EXPECT_TRUE(m_.log().Contains("memory memory33: Offline failed."));
  EXPECT_EQ(StateOf(32), "online");
  // acpi_bus_online() uses device_online() without an online type, so the
  // block comes back as MMOP_ONLINE would place it: below the (shrunk)
  // Movable zone and next to no kernel zone, that is ZONE_NORMAL. The
  // kernel does not restore the zone it had.
  EXPECT_EQ(m_.blocks().Find(BlockId(32))->zone, ZoneType::kNormal);
  EXPECT_EQ(StateOf(33), "online");
  EXPECT_EQ(m_.blocks().Find(BlockId(33))->zone, ZoneType::kMovable);
  EXPECT_TRUE(dev.res_list[0].enabled);
}

// Without _PXM the node comes from memory_add_physaddr_to_nid(): the SRAT
// range (numa_meminfo below max_pfn, else its first block's node).
TEST_F(AcpiTest, NodeFromTheSratWithoutPxm) {
  AcpiMemoryDevice dev = Dimm(4 * kGiB, kBlock);
  dev.pxm_node = model::kNumaNoNode;
  ASSERT_EQ(RunToCompletion(AcpiMemoryDeviceAdd(m_, dev)), 0);
  EXPECT_EQ(m_.blocks().Find(BlockId(32))->nid, NodeId(0));
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// v5.3 has no memory groups (v5.15): the DIMM's range is added on its node,
// its blocks belong to no group, an empty device is not refused by name.
TEST(AcpiV53Test, NoMemoryGroupBeforeV515) {
  using model::KernelVersion;
  Machine m{*model::Geometry::Named("x86_64", KernelVersion::kV5_3),
            model::KernelProfile::For(KernelVersion::kV5_3)};
  absl::StatusOr<E820Table> fw = ParseE820Table(
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n",
      "p2");
  ASSERT_TRUE(fw.ok()) << fw.status();
  X86BootInput in{.firmware = *fw, .cmdline = ""};
  in.srat = {
      {model::PhysRange(model::PhysAddr(0), model::PhysAddr(0x80000000)),
       model::NodeId(0)},
      {model::PhysRange(model::PhysAddr(uint64_t{4} << 30),
                        model::PhysAddr(uint64_t{12} << 30)),
       model::NodeId(0), /*hotplug=*/true},
  };
  ASSERT_TRUE(BootX86(m, in).ok());
  m.set_system_running(true);
  AcpiMemoryDevice dev{
      .name = "PNP0C80:00",
      .pxm_node = model::NodeId(0),
      .res_list = {{.start_addr = model::PhysAddr(uint64_t{4} << 30),
                    .length = model::ByteSize(uint64_t{256} << 20)}}};
  ASSERT_EQ(model::RunToCompletion(AcpiMemoryDeviceAdd(m, dev)), 0);
  EXPECT_EQ(dev.mgid, -1);
  EXPECT_EQ(m.memory_groups().MemoryGroupFindById(0), nullptr);
  ASSERT_NE(m.blocks().Find(model::BlockId(32)), nullptr);
  EXPECT_EQ(m.blocks().Find(model::BlockId(32))->group, nullptr);
  EXPECT_EQ(m.blocks().Find(model::BlockId(32))->nid, model::NodeId(0));
}

}  // namespace
}  // namespace memhp::hotplug
