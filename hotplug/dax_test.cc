// The device-dax stack (drivers/dax/bus.c, device.c, kmem.c, hmem/, v6.1)
// on the machine of ../shared/capture-logs/p3-hmem-kmem.log: 5 GiB of RAM,
// 512 MiB of it soft-reserved by memmap=512M%0x120000000+0xefffffff:
//
//   4 GiB        0x120000000          0x140000000        6 GiB
//   |System RAM  |== Soft Reserved ===|System RAM       |
//    memory32-35  sections 36-39       memory40-47
//                 hmem.0 > Soft Reserved > dax0.0 (device_dax)
//
// Every write goes through DaxSysfsWrite, as a shell's would.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/dax_kmem.h"
#include "hotplug/dax_modules.h"
#include "hotplug/dax_sysfs.h"
#include "hotplug/daxctl_list.h"
#include "hotplug/e820.h"
#include "hotplug/memory_online.h"
#include "hotplug/render.h"
#include "hotplug/sysfs.h"
#include "hotplug/test_firmware.h"
#include "hotplug/x86_boot.h"
#include "hotplug/zone.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::Errno;
using model::KernelVersion;
using model::RunToCompletion;

constexpr char kKmemNewId[] = "/sys/bus/dax/drivers/kmem/new_id";
constexpr char kKmemBind[] = "/sys/bus/dax/drivers/kmem/bind";
constexpr char kKmemUnbind[] = "/sys/bus/dax/drivers/kmem/unbind";
constexpr char kDaxBind[] = "/sys/bus/dax/drivers/device_dax/bind";
constexpr char kDaxUnbind[] = "/sys/bus/dax/drivers/device_dax/unbind";
constexpr char kRegion[] = "/sys/devices/platform/hmem.0/dax_region/";

class DaxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(kP3Firmware, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{
        .firmware = *fw,
        .cmdline = "console=ttyS0 memmap=512M%0x120000000+0xefffffff"};
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    dax_ = std::make_unique<DaxModules>(m_);
    dax_->hmem().HmemInit(m_);
    m_.set_system_running(true);
    dax_->LoadModules();
  }

  // The errno of the write, or 0.
  int Write(std::string_view path, std::string_view value) {
    std::optional<model::Operation<absl::Status>> op =
        DaxSysfsWrite(*dax_, path, value);
    if (!op) {
      op = SysfsWrite(m_, path, value);
    }
    EXPECT_TRUE(op.has_value()) << path;
    if (!op) return -1;
    absl::Status st = RunToCompletion(std::move(*op));
    if (st.ok()) return 0;
    return static_cast<int>(*model::ErrnoOf(st));
  }
  std::vector<std::string> DmesgSince(size_t from) const {
    return m_.log().DmesgLines(from);
  }
  bool HasIomem(std::string_view line) const {
    for (const std::string& l : IomemLines(m_)) {
      if (l == line) return true;
    }
    return false;
  }
  std::string DaxLine() const { return dax_->bus().DaxLines().at(0); }
  const Zone& Device() {
    return m_.NodeData(model::NodeId(0))->zone(ZoneType::kDevice);
  }
  MemoryBlock* Block(uint64_t id) {
    return m_.mutable_blocks().FindMutable(model::BlockId(id));
  }
  // device_dax away, kmem in: p3's two steps.
  void ToKmem() {
    ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
    ASSERT_EQ(Write(kKmemNewId, "dax0.0"), 0);
  }

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
             model::KernelProfile::For(KernelVersion::kV6_1)};
  std::unique_ptr<DaxModules> dax_;
};

TEST_F(DaxTest, BootGivesTheSoftReservedRangeToDeviceDax) {
  EXPECT_TRUE(HasIomem("120000000-13fffffff : hmem.0"));
  EXPECT_TRUE(HasIomem("  120000000-13fffffff : Soft Reserved"));
  EXPECT_TRUE(HasIomem("    120000000-13fffffff : dax0.0"));
  EXPECT_EQ(DaxLine(),
            "dax0.0 driver=device_dax size=536870912 target_node=0 "
            "align=2097152 resource=0x120000000");
  // ZONE_DEVICE spans the range; its sections have no memory blocks.
  EXPECT_EQ(Device().spanned_pages.value(), 131072u);
  EXPECT_EQ(Device().zone_start_pfn.value(), 0x120000u);
  for (uint64_t b = 36; b < 40; ++b) EXPECT_EQ(Block(b), nullptr) << b;
  EXPECT_TRUE(dax_->bus().FindDevice("dax0.0")->alive);
}

// new_id on kmem while device_dax holds the device: the id is stored and
// driver_attach's -EBUSY is silent; nothing changes.
TEST_F(DaxTest, NewIdForABoundDeviceDoesNothing) {
  EXPECT_EQ(Write(kKmemNewId, "dax0.0"), 0);
  EXPECT_EQ(DaxLine().substr(0, 24), "dax0.0 driver=device_dax");
  // bind: matched now (the id), but bound: -EBUSY.
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), static_cast<int>(Errno::kEBUSY));
}

// p3: unbind from device_dax, new_id on kmem (auto-bind).
//
//   120000000-13fffffff : hmem.0
//     120000000-13fffffff : Soft Reserved
//       120000000-13fffffff : dax0.0            (kmem's, not busy)
//         120000000-13fffffff : System RAM (kmem)
TEST_F(DaxTest, KmemTakesTheDeviceAsSystemRam) {
  ToKmem();
  EXPECT_TRUE(HasIomem("    120000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("      120000000-13fffffff : System RAM (kmem)"));
  EXPECT_EQ(DaxLine().substr(0, 18), "dax0.0 driver=kmem");
  for (uint64_t b = 36; b < 40; ++b) {
    ASSERT_NE(Block(b), nullptr) << b;
    EXPECT_EQ(MemoryBlocks::StateShow(*Block(b)), "offline");
  }
  // ZONE_DEVICE spans never shrink (v6.1).
  EXPECT_EQ(Device().spanned_pages.value(), 131072u);
  EXPECT_FALSE(dax_->bus().FindDevice("dax0.0")->alive);
  // The blocks belong to kmem's static memory group of PFN_UP(512 MiB).
  const int mgid = dax_->bus().FindDevice("dax0.0")->kmem->mgid;
  const MemoryGroup* group = m_.memory_groups().MemoryGroupFindById(mgid);
  ASSERT_NE(group, nullptr);
  EXPECT_FALSE(group->is_dynamic);
  EXPECT_EQ(group->max_pages.value(), 131072u);
  EXPECT_EQ(group->memory_blocks.size(), 4u);
  EXPECT_EQ(Block(36)->group, group);
}

TEST_F(DaxTest, BindAndUnbindRefusals) {
  // No such device, or a driver that does not match it: -ENODEV.
  EXPECT_EQ(Write(kDaxBind, "dax9.9"), static_cast<int>(Errno::kENODEV));
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), static_cast<int>(Errno::kENODEV));
  // Unbind from a driver the device is not bound to: -ENODEV.
  EXPECT_EQ(Write(kKmemUnbind, "dax0.0"), static_cast<int>(Errno::kENODEV));
  // Bound already: -EBUSY.
  EXPECT_EQ(Write(kDaxBind, "dax0.0\n"), static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(Write(kDaxUnbind, "dax0.0\n"), 0);
  EXPECT_EQ(Write(kDaxUnbind, "dax0.0"), static_cast<int>(Errno::kENODEV));
  // Unbound, device_dax can take it back: the reservation and ZONE_DEVICE
  // mapping again.
  EXPECT_EQ(Write(kDaxBind, "dax0.0"), 0);
  EXPECT_TRUE(HasIomem("    120000000-13fffffff : dax0.0"));
  EXPECT_TRUE(dax_->bus().FindDevice("dax0.0")->alive);
}

TEST_F(DaxTest, IdStoresWantTheCanonicalName) {
  for (std::string_view bad : {"dax00.0", "dax0.0x", "dax0", "foo", "dax0.-0",
                               "dax 0.0", "dax0.0\n\n", ""}) {
    EXPECT_EQ(Write(kKmemNewId, bad), static_cast<int>(Errno::kEINVAL)) << bad;
  }
  // Ids of devices that do not exist are fine, so is removing an absent id.
  EXPECT_EQ(Write(kKmemNewId, "dax7.3"), 0);
  EXPECT_EQ(Write("/sys/bus/dax/drivers/kmem/remove_id", "dax4.4"), 0);
  EXPECT_EQ(Write("/sys/bus/dax/drivers/kmem/remove_id", "dax7.3\n"), 0);
  EXPECT_TRUE(dax_->kmem().ids.empty());
  EXPECT_EQ(Write("/sys/bus/dax/drivers/nodriver/new_id", "dax0.0"),
            static_cast<int>(Errno::kENOENT));
}

// kmem unbind while a block is online: remove_memory() refuses, the unbind
// goes on, the memory stays System RAM until reboot; neither driver can
// bind the device again.
TEST_F(DaxTest, OneShotRemovalLeavesOnlineMemoryForGood) {
  ToKmem();
  ASSERT_EQ(Write("/sys/devices/system/memory/memory37/state", "online"), 0);
  const size_t from = m_.log().size();
  EXPECT_EQ(Write(kKmemUnbind, "dax0.0"), 0);
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "removing memory fails, because memory "
                "[0x0000000128000000-0x000000012fffffff] is onlined",
                "kmem dax0.0: mapping0: 0x120000000-0x13fffffff cannot be "
                "hotremoved until the next reboot"}));
  EXPECT_EQ(DaxLine().substr(0, 15), "dax0.0 driver= ");
  EXPECT_TRUE(HasIomem("      120000000-13fffffff : System RAM (kmem)"));
  ASSERT_NE(Block(36), nullptr);
  ASSERT_NE(Block(37), nullptr);

  size_t at = m_.log().size();
  EXPECT_EQ(Write(kDaxBind, "dax0.0"), static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(DmesgSince(at),
            (std::vector<std::string>{
                "device_dax dax0.0: mapping0: 0x120000000-0x13fffffff could "
                "not reserve range",
                "device_dax: probe of dax0.0 failed with error -16"}));
  at = m_.log().size();
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(DmesgSince(at),
            (std::vector<std::string>{
                "kmem dax0.0: mapping0: 0x120000000-0x13fffffff could not "
                "reserve region",
                "kmem: probe of dax0.0 failed with error -16"}));
  // The blocks can still be offlined, never removed.
  EXPECT_EQ(Write("/sys/devices/system/memory/memory37/state", "offline"), 0);
  EXPECT_NE(Block(37), nullptr);
}

// Offline first, then unbind: the memory, its blocks and kmem's
// reservation go; device_dax can have the device again.
TEST_F(DaxTest, UnbindAfterOfflineRemovesEverything) {
  ToKmem();
  ASSERT_EQ(Write("/sys/devices/system/memory/memory36/state", "online"), 0);
  ASSERT_EQ(Write("/sys/devices/system/memory/memory36/state", "offline"), 0);
  EXPECT_EQ(Write(kKmemUnbind, "dax0.0"), 0);
  for (uint64_t b = 36; b < 40; ++b) EXPECT_EQ(Block(b), nullptr) << b;
  EXPECT_FALSE(HasIomem("    120000000-13fffffff : dax0.0"));
  EXPECT_FALSE(dax_->bus().FindDevice("dax0.0")->kmem.has_value());
  // The group went with the memory.
  EXPECT_EQ(m_.memory_groups().MemoryGroupFindById(0), nullptr);
  EXPECT_EQ(Write(kDaxBind, "dax0.0"), 0);
  EXPECT_EQ(DaxLine().substr(0, 24), "dax0.0 driver=device_dax");
}

// A dynamic region: resize, create, delete.
//
//   0x120000000   +256M          +384M             0x140000000
//   |== dax0.0 ===|== dax0.1 ===|----- free ------|
TEST_F(DaxTest, DynamicRegionResizeCreateDelete) {
  const std::string size0 = "/sys/bus/dax/devices/dax0.0/size";
  EXPECT_EQ(Write(size0, "268435456"), static_cast<int>(Errno::kEBUSY));
  ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
  EXPECT_EQ(Write(size0, "1234"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(size0, "x"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(size0, "0x40000000"), static_cast<int>(Errno::kENOSPC));
  ASSERT_EQ(Write(size0, "268435456"), 0);
  EXPECT_EQ(dax_->bus().DaxRegionAvailSize(*dax_->bus().FindRegion("hmem.0")),
            256u << 20);
  EXPECT_EQ(Write(std::string(kRegion) + "create", "2"),
            static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(std::string(kRegion) + "create", "one"),
            static_cast<int>(Errno::kEINVAL));
  ASSERT_EQ(Write(std::string(kRegion) + "create", "1"), 0);
  DevDax* seed = dax_->bus().FindDevice("dax0.1");
  ASSERT_NE(seed, nullptr);
  EXPECT_EQ(dax_->bus().FindRegion("hmem.0")->seed, seed);
  // A seed has no size: probing it is refused (-ENXIO, pr_debug only).
  EXPECT_EQ(Write(kDaxBind, "dax0.1"), static_cast<int>(Errno::kENXIO));
  ASSERT_EQ(Write("/sys/devices/platform/hmem.0/dax0.1/size", "134217728"), 0);
  EXPECT_EQ(dax_->bus().DaxLines().at(1),
            "dax0.1 driver= size=134217728 target_node=0 align=2097152 "
            "resource=0x130000000");
  // Bound by hand, the seed is no longer the seed.
  ASSERT_EQ(Write(kDaxBind, "dax0.1"), 0);
  EXPECT_EQ(dax_->bus().FindRegion("hmem.0")->seed, nullptr);
  // delete: id 0 is kept; a bound or sized device is busy; unknown -ENXIO.
  EXPECT_EQ(Write(std::string(kRegion) + "delete", "dax0.0"),
            static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(Write(std::string(kRegion) + "delete", "dax0.1"),
            static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(Write(std::string(kRegion) + "delete", "dax0.7"),
            static_cast<int>(Errno::kENXIO));
  ASSERT_EQ(Write(kDaxUnbind, "dax0.1"), 0);
  ASSERT_EQ(Write("/sys/devices/platform/hmem.0/dax0.1/size", "0"), 0);
  EXPECT_EQ(Write(std::string(kRegion) + "delete", "dax0.1"), 0);
  EXPECT_EQ(dax_->bus().FindDevice("dax0.1"), nullptr);
  // Growing dax0.0 back extends its one range.
  ASSERT_EQ(Write(size0, "536870912"), 0);
  EXPECT_EQ(dax_->bus().FindDevice("dax0.0")->ranges.size(), 1u);
  EXPECT_EQ(Write(std::string(kRegion) + "create", "1"),
            static_cast<int>(Errno::kENOSPC));
  // Read-only region and device attributes.
  EXPECT_EQ(Write(std::string(kRegion) + "size", "1"),
            static_cast<int>(Errno::kEACCES));
  EXPECT_EQ(Write("/sys/bus/dax/devices/dax0.0/target_node", "1"),
            static_cast<int>(Errno::kEACCES));
}

// kmem needs a whole memory block: a 64 MiB device has none.
TEST_F(DaxTest, KmemRefusesADeviceWithoutAWholeBlock) {
  ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
  ASSERT_EQ(Write("/sys/bus/dax/devices/dax0.0/size", "67108864"), 0);
  const size_t from = m_.log().size();
  EXPECT_EQ(Write(kKmemNewId, "dax0.0"), 0);  // driver_attach hides it
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "kmem dax0.0: mapping0: 0x120000000-0x123ffffff too small "
                "after alignment",
                "kmem dax0.0: rejecting DAX region without any memory after "
                "alignment",
                "kmem: probe of dax0.0 failed with error -22"}));
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(DaxLine().substr(0, 15), "dax0.0 driver= ");
}

TEST_F(DaxTest, AlignAndMappingStores) {
  const std::string align = "/sys/bus/dax/devices/dax0.0/align";
  const std::string mapping = "/sys/bus/dax/devices/dax0.0/mapping";
  EXPECT_EQ(Write(align, "4096"), static_cast<int>(Errno::kEBUSY));
  ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
  EXPECT_EQ(Write(align, "x"), static_cast<int>(Errno::kENXIO));
  EXPECT_EQ(Write(align, "8192"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(align, "1073741824"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(align, "4096"), 0);
  EXPECT_EQ(dax_->bus().FindDevice("dax0.0")->align, 4096u);
  // mapping: "start-end" in hex; a taken range cannot be allocated.
  EXPECT_EQ(Write(mapping, "120000000"), static_cast<int>(Errno::kEINVAL));
  EXPECT_EQ(Write(mapping, "120000000-1201fffff"),
            static_cast<int>(Errno::kENOMEM));
  ASSERT_EQ(Write("/sys/bus/dax/devices/dax0.0/size", "268435456"), 0);
  EXPECT_EQ(Write(mapping, "130000000-1300fffff"),
            static_cast<int>(Errno::kENXIO));  // 1 MiB: not aligned
  EXPECT_EQ(Write(mapping, "138000000-1381fffff"), 0);
  EXPECT_EQ(dax_->bus().FindDevice("dax0.0")->ranges.size(), 2u);
  EXPECT_EQ(dax_->bus().FindDevice("dax0.0")->ranges[1].pgoff, 0x10000u);
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// `daxctl list` as ndctl v81 prints it (json-c pretty, '/' escaped).
TEST_F(DaxTest, DaxctlListShowsDevicesRegionsAndMemblocks) {
  EXPECT_EQ(RenderDaxctlList(m_, dax_->bus(), {}),
            "[\n"
            "  {\n"
            "    \"chardev\":\"dax0.0\",\n"
            "    \"size\":536870912,\n"
            "    \"target_node\":0,\n"
            "    \"align\":2097152,\n"
            "    \"mode\":\"devdax\"\n"
            "  }\n"
            "]\n");
  ToKmem();
  ASSERT_EQ(
      Write("/sys/devices/system/memory/memory36/state", "online_movable"), 0);
  // Not every block online: no "movable".
  EXPECT_EQ(RenderDaxctlList(m_, dax_->bus(), {}),
            "[\n"
            "  {\n"
            "    \"chardev\":\"dax0.0\",\n"
            "    \"size\":536870912,\n"
            "    \"target_node\":0,\n"
            "    \"align\":2097152,\n"
            "    \"mode\":\"system-ram\",\n"
            "    \"online_memblocks\":1,\n"
            "    \"total_memblocks\":4\n"
            "  }\n"
            "]\n");
  for (int b = 37; b < 40; ++b) {
    ASSERT_EQ(
        Write(model::Cat("/sys/devices/system/memory/memory", b, "/state"),
              "online_movable"),
        0);
  }
  const std::string all = RenderDaxctlList(
      m_, dax_->bus(), {.regions = true, .devices = true, .mappings = true});
  EXPECT_NE(all.find("    \"path\":\"\\/platform\\/hmem.0\",\n"
                     "    \"id\":0,\n"
                     "    \"size\":536870912,\n"
                     "    \"align\":2097152,\n"
                     "    \"devices\":[\n"
                     "      {\n"
                     "        \"chardev\":\"dax0.0\","),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("\"online_memblocks\":4,\n"
                     "        \"total_memblocks\":4,\n"
                     "        \"movable\":true,\n"
                     "        \"mappings\":[\n"
                     "          {\n"
                     "            \"page_offset\":0,\n"
                     "            \"start\":4831838208,\n"
                     "            \"end\":5368709119,\n"
                     "            \"size\":536870912\n"
                     "          }\n"
                     "        ]\n"),
            std::string::npos)
      << all;
  // -u with one element: the element alone, sizes for people.
  EXPECT_EQ(RenderDaxctlList(m_, dax_->bus(), {.regions = true, .human = true}),
            "{\n"
            "  \"path\":\"\\/platform\\/hmem.0\",\n"
            "  \"id\":0,\n"
            "  \"size\":\"512.00 MiB (536.87 MB)\",\n"
            "  \"align\":2097152\n"
            "}\n");
  EXPECT_EQ(DaxctlHumanSize(uint64_t{128} << 30), "128.00 GiB (137.44 GB)");
}

// An unbound device is "disabled"; a seed of size 0 shows only with -i;
// nothing selected prints nothing.
TEST_F(DaxTest, DaxctlListDisabledAndIdle) {
  ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
  ASSERT_EQ(Write("/sys/bus/dax/devices/dax0.0/size", "0"), 0);
  EXPECT_EQ(RenderDaxctlList(m_, dax_->bus(), {}), "");
  const std::string idle = RenderDaxctlList(m_, dax_->bus(), {.idle = true});
  EXPECT_NE(idle.find("\"size\":0,"), std::string::npos) << idle;
  EXPECT_NE(idle.find("\"state\":\"disabled\""), std::string::npos) << idle;
  // -R: available_size appears once something is free.
  EXPECT_NE(RenderDaxctlList(m_, dax_->bus(), {.regions = true})
                .find("\"available_size\":536870912,"),
            std::string::npos);
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// v5.3's kmem (kmem_multi_range false) on a static region a provider made
// (v5.3 has no dax_hmem: dax_pmem's devdax namespaces are its regions):
//
//   4 GiB (0x100000000)               5 GiB
//   |== region dax0 (static, 1 GiB) ==|
//   kmem: "dax0.0" > "System RAM", memory32..39
class DaxV53Test : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(kP2Firmware, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    ASSERT_TRUE(BootX86(m_, {.firmware = *fw, .cmdline = ""}).ok());
    m_.set_system_running(true);
    ASSERT_EQ(RunToCompletion(bus_.DaxDriverRegister(&kmem_)), 0);
  }
  DevDax* Create(uint64_t size) {
    DaxRegion* region = bus_.AllocDaxRegion(
        "region0", 0,
        InclusiveRange{.start = model::PhysAddr(uint64_t{4} << 30),
                       .end = model::PhysAddr((uint64_t{4} << 30) + size - 1)},
        /*target_node=*/0, 2 << 20, kIoresourceDaxStatic);
    EXPECT_NE(region, nullptr);
    DevDax* dev = nullptr;
    EXPECT_EQ(RunToCompletion(bus_.DevmCreateDevDax(
                  {.region = region, .id = 0, .size = size}, &dev)),
              0);
    return dev;
  }
  bool HasIomem(std::string_view line) const {
    for (const std::string& l : IomemLines(m_)) {
      if (l == line) return true;
    }
    return false;
  }

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV5_3),
             model::KernelProfile::For(KernelVersion::kV5_3)};
  DevPagemapRegistry pgmap_array_{m_};
  DaxBus bus_{m_, pgmap_array_};
  DaxDeviceDriver kmem_ = KmemDriver();
};

TEST_F(DaxV53Test, OneRangeWithASystemRamChildAndTheOldMessages) {
  Create(uint64_t{1} << 30);
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_TRUE(HasIomem("100000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : System RAM"));
  ASSERT_NE(m_.blocks().Find(model::BlockId(39)), nullptr);
  ASSERT_EQ(RunToCompletion(OnlineStore(m_, model::BlockId(33), "1")).ok(),
            true);
  const size_t from = m_.log().size();
  EXPECT_EQ(RunToCompletion(bus_.UnbindStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(from),
            (std::vector<std::string>{
                "removing memory fails, because memory "
                "[0x0000000108000000-0x000000010fffffff] is onlined",
                "kmem dax0.0: DAX region [mem 0x100000000-0x13fffffff] cannot "
                "be hotremoved until the next reboot"}));
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : System RAM"));
}

TEST_F(DaxV53Test, ARegionWithoutAWholeBlockCannotBeReserved) {
  Create(uint64_t{64} << 20);
  const size_t from = m_.log().size();
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(from),
            (std::vector<std::string>{
                "kmem dax0.0: could not reserve region "
                "[0x0000000100000000-0x0000000100000000]",
                "kmem: probe of dax0.0 failed with error -16"}));
}

}  // namespace
}  // namespace memhp::hotplug
