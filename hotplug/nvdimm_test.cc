// Legacy pmem through libnvdimm (drivers/nvdimm/e820.c, region_devs.c,
// namespace_devs.c, pmem.c, v6.1) on the machine of
// traces/corpus/kernel-6.1/pmem-legacy-*.log: 6 GiB of RAM, part of it made
// "Persistent Memory (legacy)" by memmap=nn!ss:
//
//   4 GiB                   5 GiB                               7 GiB
//   |== Persistent Memory ==|System RAM                         |
//    (legacy) > namespace0.0 (busy, nd_pmem's)
//    Device zone: spanned 262144, present 0
//
// Every write goes through DaxSysfsWrite, as a shell's would.

#include "hotplug/nvdimm.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/dax_modules.h"
#include "hotplug/dax_sysfs.h"
#include "hotplug/e820.h"
#include "hotplug/render.h"
#include "hotplug/x86_boot.h"
#include "hotplug/zone.h"
#include "model/status.h"

namespace memhp::hotplug {
namespace {

using model::Errno;
using model::KernelVersion;
using model::RunToCompletion;

constexpr char kSixGiB[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n"
    "BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x0000000100000000-0x00000001bfffffff] usable\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

constexpr char kBind[] = "/sys/bus/nd/drivers/nd_pmem/bind";
constexpr char kUnbind[] = "/sys/bus/nd/drivers/nd_pmem/unbind";

int Err(Errno e) { return static_cast<int>(e); }

class NvdimmTest : public ::testing::Test {
 protected:
  // Boots with `memmap`; `before_modules` runs between boot and the
  // modules (to take a range away from nd_pmem).
  void Boot(std::string_view memmap,
            const std::function<void()>& before_modules = nullptr) {
    absl::StatusOr<E820Table> fw = ParseE820Table(kSixGiB, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{
        .firmware = *fw,
        .cmdline = std::string("console=ttyS0 ") + std::string(memmap)};
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    dax_ = std::make_unique<DaxModules>(m_);
    dax_->hmem().HmemInit(m_);
    m_.set_system_running(true);
    if (before_modules) before_modules();
    boot_dmesg_ = m_.log().DmesgLines(0).size();
    dax_->LoadModules();
  }

  // The errno of the write, or 0; -1 when the model has no such file.
  int Write(std::string_view path, std::string_view value) {
    std::optional<model::Operation<absl::Status>> op =
        DaxSysfsWrite(*dax_, path, value);
    if (!op) return -1;
    absl::Status st = RunToCompletion(std::move(*op));
    if (st.ok()) return 0;
    return static_cast<int>(*model::ErrnoOf(st));
  }
  std::vector<std::string> DmesgSince(size_t from) const {
    return m_.log().DmesgLines(from);
  }
  size_t DmesgSize() const { return m_.log().DmesgLines(0).size(); }
  bool HasIomem(std::string_view line) const {
    for (const std::string& l : IomemLines(m_)) {
      if (l == line) return true;
    }
    return false;
  }
  const Zone& Device() {
    return m_.NodeData(model::NodeId(0))->zone(ZoneType::kDevice);
  }
  NdNamespaceIo* Ns(std::string_view name) {
    return dax_->nvdimm().FindNamespace(name);
  }

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
             model::KernelProfile::For(KernelVersion::kV6_1)};
  std::unique_ptr<DaxModules> dax_;
  size_t boot_dmesg_ = 0;
};

// pmem-legacy-1g-at-4g: nd_e820 makes region0 with namespace0.0; nd_pmem
// reserves it under the legacy range and maps it into ZONE_DEVICE.
TEST_F(NvdimmTest, BootMapsTheRawNamespaceIntoZoneDevice) {
  Boot("memmap=1G!4G");
  EXPECT_TRUE(HasIomem("100000000-13fffffff : Persistent Memory (legacy)"));
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : namespace0.0"));
  EXPECT_EQ(Device().spanned_pages.value(), 262144u);
  EXPECT_EQ(Device().present_pages.value(), 0u);
  EXPECT_EQ(Device().zone_start_pfn.value(), 0x100000u);
  EXPECT_EQ(DmesgSince(boot_dmesg_),
            std::vector<std::string>{
                "nd_pmem namespace0.0: unable to guarantee persistence of "
                "writes"});
  ASSERT_NE(Ns("namespace0.0"), nullptr);
  EXPECT_TRUE(Ns("namespace0.0")->mapped);
  EXPECT_EQ(Ns("namespace0.0")->pgmap->type, MemoryType::kDeviceFsDax);
  EXPECT_EQ(dax_->nvdimm().regions().front().name, "region0");
  // dax_pmem has nothing to bind: no dax device.
  EXPECT_TRUE(dax_->bus().DaxLines().empty());
}

// pmem-legacy-2regions: one region and namespace per range, in address
// order.
//
//   4G      0x110000000   0x130000000   5G
//   |region0|System RAM   |region1      |
TEST_F(NvdimmTest, TwoRangesGiveTwoRegions) {
  Boot("memmap=256M!4G memmap=256M!0x130000000");
  EXPECT_TRUE(HasIomem("  100000000-10fffffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("  130000000-13fffffff : namespace1.0"));
  // One zone span from the first to the last device pfn.
  EXPECT_EQ(Device().zone_start_pfn.value(), 0x100000u);
  EXPECT_EQ(Device().spanned_pages.value(), 0x40000u);
}

// pmem-legacy-unaligned: neither end on a 2 MiB sub-section: refused before
// anything is reserved.
//
//   0x104100000        0x10a400000
//   |== 99 MiB legacy ==|        no namespace line, no Device span
TEST_F(NvdimmTest, MisalignedNamespaceIsRefusedWithEopnotsupp) {
  Boot("memmap=99M!0x104100000");
  const std::vector<std::string> expected{
      "nd_pmem namespace0.0: [mem 0x104100000-0x10a3fffff flags 0x200] "
      "misaligned, unable to map",
      "nd_pmem: probe of namespace0.0 failed with error -95"};
  EXPECT_EQ(DmesgSince(boot_dmesg_), expected);
  EXPECT_TRUE(HasIomem("104100000-10a3fffff : Persistent Memory (legacy)"));
  EXPECT_FALSE(HasIomem("  104100000-10a3fffff : namespace0.0"));
  EXPECT_EQ(Device().spanned_pages.value(), 0u);
  // bind tries again and fails alike.
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kEOPNOTSUPP));
  EXPECT_EQ(DmesgSince(from), expected);
}

// pmem-legacy-unbind-rebind: unbind unmaps and releases namespace0.0, the
// Device span stays (ZONE_DEVICE never shrinks); bind maps it again.
TEST_F(NvdimmTest, UnbindKeepsTheDeviceSpanAndBindMapsAgain) {
  Boot("memmap=1G!4G");
  ASSERT_EQ(Write(kUnbind, "namespace0.0\n"), 0);
  EXPECT_FALSE(HasIomem("  100000000-13fffffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("100000000-13fffffff : Persistent Memory (legacy)"));
  EXPECT_EQ(Device().spanned_pages.value(), 262144u);
  EXPECT_FALSE(Ns("namespace0.0")->bound);
  EXPECT_TRUE(dax_->pgmap_array().Entries().empty());
  const size_t from = DmesgSize();
  ASSERT_EQ(Write(kBind, "namespace0.0"), 0);
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : namespace0.0"));
  EXPECT_EQ(Device().spanned_pages.value(), 262144u);
  EXPECT_EQ(dax_->pgmap_array().Entries().size(), 1u);
  EXPECT_EQ(DmesgSince(from),
            std::vector<std::string>{
                "nd_pmem namespace0.0: unable to guarantee persistence of "
                "writes"});
}

// bind_store / unbind_store's own refusals: nothing changes.
TEST_F(NvdimmTest, BindAndUnbindRefuseWhatTheyCannotDo) {
  Boot("memmap=1G!4G");
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kEBUSY));
  EXPECT_EQ(Write(kBind, "region0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kBind, "namespace9.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kUnbind, "region0"), Err(Errno::kENODEV));
  ASSERT_EQ(Write(kUnbind, "namespace0.0"), 0);
  EXPECT_EQ(Write(kUnbind, "namespace0.0"), Err(Errno::kENODEV));
  EXPECT_FALSE(HasIomem("  100000000-13fffffff : namespace0.0"));
}

// Someone else holds the range: devm_nsio_enable's request fails, -EBUSY.
//
//   100000000-13fffffff : Persistent Memory (legacy)
//     100000000-13fffffff : other          (busy, before nd_e820 loads)
TEST_F(NvdimmTest, ARangeAlreadyRequestedIsRefusedWithEbusy) {
  Boot("memmap=1G!4G", [&] {
    ASSERT_NE(m_.iomem().RequestMemRegion(model::PhysAddr(0x100000000),
                                          model::ByteSize(0x40000000), "other"),
              nullptr);
  });
  EXPECT_EQ(DmesgSince(boot_dmesg_),
            (std::vector<std::string>{
                "nd_pmem namespace0.0: could not reserve region [mem "
                "0x100000000-0x13fffffff]",
                "nd_pmem: probe of namespace0.0 failed with error -16"}));
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : other"));
  EXPECT_FALSE(Ns("namespace0.0")->bound);
  EXPECT_EQ(Device().spanned_pages.value(), 0u);
}

// devm_memremap_pages fails (the range is already in pgmap_array: WARN
// "Conflicting mapping in same section", -ENOMEM): the region is released.
TEST_F(NvdimmTest, AFailedMemremapReleasesTheRegion) {
  Boot("memmap=1G!4G");
  ASSERT_EQ(Write(kUnbind, "namespace0.0"), 0);
  DevPagemap other;  // live, as a mapped pagemap's ref is
  other.ref_live = true;
  other.ref_count = 1;
  dax_->pgmap_array().StoreRange(model::Pfn(0x100000), model::Pfn(0x100000),
                                 &other);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kENOMEM));
  const std::vector<std::string> lines = DmesgSince(from);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "nd_pmem: probe of namespace0.0 failed with error -12");
  EXPECT_FALSE(HasIomem("  100000000-13fffffff : namespace0.0"));
  EXPECT_FALSE(Ns("namespace0.0")->bound);
  EXPECT_EQ(Ns("namespace0.0")->pgmap, nullptr);
}

// nvdimm_namespace_common_probe: a capacity below ND_MIN_NAMESPACE_SIZE
// (PAGE_SIZE) is -ENODEV, silently (dev_dbg, and really_probe's pr_debug).
TEST_F(NvdimmTest, ANamespaceBelowOnePageIsRefusedSilently) {
  Boot("memmap=1G!4G");
  NdRegion& region = dax_->nvdimm().regions().front();
  region.namespaces.push_back({.name = "namespace0.1",
                               .region = &region,
                               .res = {.start = model::PhysAddr(0x100000000),
                                       .end = model::PhysAddr(0x1000007ff)}});
  const size_t from = DmesgSize();
  EXPECT_EQ(
      RunToCompletion(dax_->nvdimm().NdPmemProbe(region.namespaces.back())),
      -Err(Errno::kENODEV));
  EXPECT_EQ(Write(kBind, "namespace0.1"), Err(Errno::kENODEV));
  EXPECT_TRUE(DmesgSince(from).empty());
}

// Soft-reserved memory registered first takes memregion id 0 (hmem_init is
// a late initcall, nd_e820 a module): the pmem region is region1.
TEST_F(NvdimmTest, RegionIdsFollowHmemIds) {
  Boot("memmap=512M%0x160000000+0xefffffff memmap=1G!4G");
  EXPECT_NE(dax_->hmem().Find("hmem.0"), nullptr);
  EXPECT_EQ(dax_->nvdimm().regions().front().name, "region1");
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : namespace1.0"));
}

// Without legacy pmem there is no e820_pmem device: no bus, no devices.
TEST_F(NvdimmTest, NoLegacyRangeNoBus) {
  Boot("");
  EXPECT_FALSE(dax_->nvdimm().registered());
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write("/sys/bus/nd/devices/region0/size", "0"),
            Err(Errno::kENOENT));
}

// The other files of /sys/bus/nd.
TEST_F(NvdimmTest, OtherNdFilesAreMissingOrNotModelled) {
  Boot("memmap=1G!4G");
  EXPECT_EQ(Write("/sys/bus/nd/drivers/nd_pmem/new_id", "x"),
            Err(Errno::kENOENT));
  EXPECT_EQ(Write("/sys/bus/nd/drivers/nd_btt/bind", "x"), Err(Errno::kENOENT));
  EXPECT_EQ(Write("/sys/bus/nd/devices/region7/size", "0"),
            Err(Errno::kENOENT));
  EXPECT_EQ(Write("/sys/bus/nd/nothing", "0"), Err(Errno::kENOENT));
  // Writable files the model does not have.
  EXPECT_EQ(Write("/sys/bus/nd/drivers_probe", "namespace0.0"), -1);
  EXPECT_EQ(Write("/sys/bus/nd/drivers/nd_region/unbind", "region0"), -1);
  EXPECT_EQ(Write("/sys/bus/nd/devices/namespace0.0/force_raw", "1"), -1);
}

}  // namespace
}  // namespace memhp::hotplug
