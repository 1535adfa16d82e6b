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
#include "hotplug/sysfs.h"
#include "hotplug/test_firmware.h"
#include "hotplug/x86_boot.h"
#include "hotplug/zone.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::Cat;
using model::Errno;
using model::KernelVersion;
using model::RunToCompletion;

constexpr char kBind[] = "/sys/bus/nd/drivers/nd_pmem/bind";
constexpr char kUnbind[] = "/sys/bus/nd/drivers/nd_pmem/unbind";

int Err(Errno e) { return static_cast<int>(e); }

class NvdimmTest : public ::testing::Test {
 protected:
  explicit NvdimmTest(KernelVersion v = KernelVersion::kV6_1)
      : m_(*model::Geometry::Named("x86_64", v), model::KernelProfile::For(v)) {
  }

  // Boots with `memmap`; `before_modules` runs between boot and the
  // modules (to take a range away from nd_pmem).
  void Boot(std::string_view memmap,
            const std::function<void()>& before_modules = nullptr) {
    absl::StatusOr<E820Table> fw = ParseE820Table(kSixGiBFirmware, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{
        .firmware = *fw,
        .cmdline = std::string("console=ttyS0 ") + std::string(memmap)};
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    dax_ = std::make_unique<DaxModules>(m_);
    if (m_.profile().dax_hmem) dax_->hmem().HmemInit(m_);
    m_.set_system_running(true);
    if (before_modules) before_modules();
    boot_dmesg_ = m_.log().size();
    dax_->LoadModules(pmem_compat_);
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
  // DmesgLines(from) counts events (a WARN is several lines).
  size_t DmesgSize() const { return m_.log().size(); }
  bool HasIomem(std::string_view line) const {
    for (const std::string& l : IomemLines(m_)) {
      if (l == line) return true;
    }
    return false;
  }
  const Zone& Device() {
    return m_.NodeData(model::NodeId(0))->zone(ZoneType::kDevice);
  }
  // What `ndctl create-namespace -e namespace0.0 -m devdax` writes before
  // it enables dax0.0: namespace0.0 off nd_pmem (unless it is not bound),
  // the seed's uuid, mode pmem and the namespace.
  void ConfigureDax0(bool unbind_namespace = true) {
    const std::string dax0 = "/sys/bus/nd/devices/dax0.0/";
    if (unbind_namespace) {
      ASSERT_EQ(Write("/sys/bus/nd/drivers/nd_pmem/unbind", "namespace0.0"), 0);
    }
    ASSERT_EQ(Write(dax0 + "uuid", "3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5f"), 0);
    ASSERT_EQ(Write(dax0 + "mode", "pmem"), 0);
    ASSERT_EQ(Write(dax0 + "namespace", "namespace0.0"), 0);
  }
  NdNamespaceIo* Ns(std::string_view name) {
    return dax_->nvdimm().FindNamespace(name);
  }

  Machine m_;
  std::unique_ptr<DaxModules> dax_;
  size_t boot_dmesg_ = 0;
  bool pmem_compat_ = false;  // dax_pmem_compat instead of dax_pmem
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

// --- pfn and dax personalities (nd_pfn.h, dax_pmem.h) ----------------------
//
// pmem-devdax-kmem: namespace0.0 of memmap=1G!4G as a devdax namespace, as
// `ndctl create-namespace -e namespace0.0 -m devdax` configures the seed.
// Mode pmem keeps the memmap in the namespace: 64 bytes for each of its
// 262142 pages after the 8 KiB info area, rounded up to the 2 MiB align:
//
//   4G                 4G+18M                                   5G
//   |namespace0.0      |dax0.0 (device_dax)                     |
//   | info + memmap    | 1054867456 bytes                       |
//   pgmap: the whole 1 GiB, altmap base 0x100000, reserve 2 pages
//
// Every errno and line below is what Debian's 6.1 did with the same writes.

constexpr char kDax0[] = "/sys/bus/nd/devices/dax0.0/";
constexpr char kDaxPmemBind[] = "/sys/bus/nd/drivers/dax_pmem/bind";
constexpr char kDaxPmemUnbind[] = "/sys/bus/nd/drivers/dax_pmem/unbind";
constexpr char kUuid[] = "3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5f";

TEST_F(NvdimmTest, DevdaxNamespaceThroughTheDaxSeed) {
  Boot("memmap=1G!4G");
  // The seeds exist from the region's probe.
  EXPECT_TRUE(dax_->nvdimm().HasDevice("btt0.0"));
  EXPECT_TRUE(dax_->nvdimm().HasDevice("pfn0.0"));
  EXPECT_TRUE(dax_->nvdimm().HasDevice("dax0.0"));
  EXPECT_FALSE(dax_->nvdimm().HasDevice("dax0.1"));
  const size_t from = DmesgSize();
  // nd_namespace_store does not look at the namespace's own driver.
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), "namespace0.0"), 0);
  EXPECT_EQ(Write(kUnbind, "namespace0.0"), 0);
  EXPECT_EQ(Write(Cat(kDax0, "uuid"), "not-a-uuid"), Err(Errno::kEINVAL));
  EXPECT_EQ(Write(Cat(kDax0, "uuid"), kUuid), 0);
  EXPECT_EQ(Write(Cat(kDax0, "align"), "12345"), Err(Errno::kEINVAL));
  EXPECT_EQ(Write(Cat(kDax0, "align"), "2097152"), 0);
  // Mode none: nd_pfn_init has nothing to write (-ENXIO, not logged).
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), Err(Errno::kENXIO));
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), "namespace0.0"), Err(Errno::kEBUSY));
  EXPECT_EQ(Write(Cat(kDax0, "mode"), "pmem"), 0);
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  EXPECT_EQ(Write(Cat(kDax0, "mode"), "ram"), Err(Errno::kEBUSY));
  // The claimed namespace refuses nd_pmem.
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kENXIO));
  EXPECT_TRUE(DmesgSince(from).empty());

  EXPECT_TRUE(HasIomem("  100000000-1011fffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("  101200000-13fffffff : dax0.0"));
  EXPECT_EQ(dax_->bus().DaxLines(),
            std::vector<std::string>{
                "dax0.0 driver=device_dax size=1054867456 target_node=0 "
                "align=2097152 resource=0x101200000"});
  // The pagemap covers the whole namespace: the Device span is unchanged.
  EXPECT_EQ(Device().spanned_pages.value(), 262144u);
  EXPECT_EQ(Device().zone_start_pfn.value(), 0x100000u);
  // The dax seed advanced.
  EXPECT_TRUE(dax_->nvdimm().HasDevice("dax0.1"));
  const NdNamespaceIo* ns = Ns("namespace0.0");
  ASSERT_TRUE(ns->info_block.has_value());
  EXPECT_TRUE(ns->info_block->dax_sig);
  EXPECT_EQ(ns->info_block->dataoff, 0x1200000u);
  EXPECT_EQ(ns->info_block->npfns, 257536u);
  EXPECT_EQ(ns->info_block->end_trunc, 0u);
}

// The rest of pmem-devdax-kmem: kmem takes dax0.0 from device_dax; a block
// goes online; dax_pmem is unbound: kmem's one-shot removal fails, the
// device goes, its reservation and memory stay (and the metadata is
// released).
TEST_F(NvdimmTest, DaxPmemUnbindLeavesKmemMemoryBehind) {
  Boot("memmap=1G!4G");
  ConfigureDax0();
  ASSERT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  ASSERT_EQ(Write("/sys/bus/dax/drivers/device_dax/unbind", "dax0.0"), 0);
  ASSERT_EQ(Write("/sys/bus/dax/drivers/kmem/new_id", "dax0.0"), 0);
  EXPECT_TRUE(HasIomem("  108000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("    108000000-13fffffff : System RAM (kmem)"));
  std::optional<model::Operation<absl::Status>> online =
      SysfsWrite(m_, "/sys/devices/system/memory/memory34/online", "1");
  ASSERT_TRUE(online.has_value());
  ASSERT_TRUE(RunToCompletion(std::move(*online)).ok());
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kDaxPmemUnbind, "dax0.0"), 0);
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "removing memory fails, because memory "
                "[0x0000000110000000-0x0000000117ffffff] is onlined",
                "kmem dax0.0: mapping0: 0x108000000-0x13fffffff cannot be "
                "hotremoved until the next reboot"}));
  EXPECT_FALSE(HasIomem("  100000000-1011fffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("  108000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("    108000000-13fffffff : System RAM (kmem)"));
  EXPECT_TRUE(dax_->bus().DaxLines().empty());
  ASSERT_EQ(dax_->bus().leaked_kmem().size(), 1u);
  // A second unbind finds no driver.
  EXPECT_EQ(Write(kDaxPmemUnbind, "dax0.0"), Err(Errno::kENODEV));
}

// mode_store compares len - 1 bytes with strncmp (pmem-devdax-unaligned):
// one character matches "pmem" (n = 0), "rammm" matches nothing.
TEST_F(NvdimmTest, ModeStoreComparesLenMinusOneBytes) {
  Boot("memmap=1G!4G");
  NdPfn* pfn = dax_->nvdimm().FindNdPfn("pfn0.0");
  ASSERT_NE(pfn, nullptr);
  const std::string mode = "/sys/bus/nd/devices/pfn0.0/mode";
  EXPECT_EQ(Write(mode, "ram"), 0);
  EXPECT_EQ(pfn->mode, PfnMode::kRam);
  EXPECT_EQ(Write(mode, "rammm"), Err(Errno::kEINVAL));
  EXPECT_EQ(pfn->mode, PfnMode::kRam);
  EXPECT_EQ(Write(mode, "x"), 0);
  EXPECT_EQ(pfn->mode, PfnMode::kPmem);
  EXPECT_EQ(Write(mode, "none\n"), 0);
  EXPECT_EQ(pfn->mode, PfnMode::kNone);
  EXPECT_EQ(Write(mode, "ra"), 0);  // "ram\n" over one byte
  EXPECT_EQ(pfn->mode, PfnMode::kRam);
}

TEST(UuidParseTest, ThirtySixCharactersWithDashesAtTheirPlaces) {
  const std::optional<Uuid> u =
      UuidParse("3A7E6F12-5b4c-4d2e-9f11-0a1b2c3d4e5f\nanything");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ((*u)[0], 0x3a);
  EXPECT_EQ((*u)[15], 0x5f);
  EXPECT_FALSE(UuidParse("3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5").has_value());
  EXPECT_FALSE(UuidParse("3a7e6f125-b4c-4d2e-9f11-0a1b2c3d4e5f").has_value());
  EXPECT_FALSE(UuidParse("3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5g").has_value());
}

// pmem-devdax-unaligned: memmap=255M!0x100100000. The raw probe refused to
// map it at boot; nd_pfn_init refuses the start of the devdax namespace.
TEST_F(NvdimmTest, DevdaxOnAnUnalignedStartIsRefusedWithEinval) {
  Boot("memmap=255M!0x100100000");
  ConfigureDax0(/*unbind_namespace=*/false);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), Err(Errno::kEINVAL));
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "dax_pmem dax0.0: namespace0.0: start 0x0000000100100000 "
                "misaligned to 0x200000",
                "dax_pmem: probe of dax0.0 failed with error -22"}));
  // Nothing was written; the seed did not advance.
  EXPECT_FALSE(Ns("namespace0.0")->info_block.has_value());
  EXPECT_FALSE(dax_->nvdimm().HasDevice("dax0.1"));
  // Another personality cannot claim it.
  EXPECT_EQ(Write("/sys/bus/nd/devices/pfn0.0/namespace", "namespace0.0"),
            Err(Errno::kEBUSY));
}

// pmem-fsdax: an alignment the namespace cannot hold (the 1 GiB namespace
// has no room for 1 GiB of data after its metadata).
TEST_F(NvdimmTest, FsdaxAlignmentTooLargeForTheNamespace) {
  Boot("memmap=1G!4G");
  ASSERT_EQ(Write(kUnbind, "namespace0.0"), 0);
  const std::string pfn = "/sys/bus/nd/devices/pfn0.0/";
  ASSERT_EQ(Write(Cat(pfn, "uuid"), "5d0c1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"), 0);
  ASSERT_EQ(Write(Cat(pfn, "mode"), "pmem"), 0);
  ASSERT_EQ(Write(Cat(pfn, "align"), "1073741824"), 0);
  ASSERT_EQ(Write(Cat(pfn, "namespace"), "namespace0.0"), 0);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kBind, "pfn0.0"), Err(Errno::kENXIO));
  EXPECT_EQ(DmesgSince(from),
            std::vector<std::string>{
                "nd_pmem pfn0.0: namespace0.0 unable to satisfy requested "
                "alignment"});
  EXPECT_FALSE(HasIomem("  100000000-13fffffff : namespace0.0"));
  // With 2 MiB it binds: the namespace is nd_pmem's again, mapped with the
  // altmap.
  ASSERT_EQ(Write(Cat(pfn, "align"), "2097152"), 0);
  EXPECT_EQ(Write(kBind, "pfn0.0"), 0);
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : namespace0.0"));
  NdPfn* dev = dax_->nvdimm().FindNdPfn("pfn0.0");
  ASSERT_TRUE(dev->mapped);
  EXPECT_EQ(dev->pgmap->type, MemoryType::kDeviceFsDax);
  EXPECT_NE(dev->pgmap->flags & kPgmapAltmapValid, 0u);
  EXPECT_EQ(dev->pgmap->altmap.reserve.value(), 2u);
  EXPECT_EQ(dev->pgmap->altmap.free.value(), (0x1200000u - 8192) / 4096);
  EXPECT_TRUE(dax_->nvdimm().HasDevice("pfn0.1"));
}

// The info block is on the media: once the device that wrote it is gone
// (detached with "\n": nd_detach_and_reset unregisters a non-seed device),
// nd_pmem's probe of the raw namespace finds it, nd_dax_probe registers a
// new dax device with the lowest free id, and dax_pmem binds it with the
// block's settings; the namespace itself stays unbound (-ENXIO).
TEST_F(NvdimmTest, ARawProbeFindsTheInfoBlockAndRegistersItsDevice) {
  Boot("memmap=1G!4G");
  ConfigureDax0();
  ASSERT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  ASSERT_EQ(Write(kDaxPmemUnbind, "dax0.0"), 0);
  EXPECT_FALSE(HasIomem("  101200000-13fffffff : dax0.0"));
  // An empty write never reaches the store.
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), ""), 0);
  EXPECT_TRUE(dax_->nvdimm().HasDevice("dax0.0"));
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), "\n"), 0);
  EXPECT_FALSE(dax_->nvdimm().HasDevice("dax0.0"));
  EXPECT_EQ(Ns("namespace0.0")->claim, nullptr);
  EXPECT_EQ(Write(kBind, "namespace0.0"), Err(Errno::kENXIO));
  EXPECT_FALSE(Ns("namespace0.0")->bound);
  NdPfn* dev = dax_->nvdimm().FindNdPfn("dax0.0");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->driver, "dax_pmem");
  EXPECT_EQ(dev->mode, PfnMode::kPmem);
  EXPECT_EQ(dev->align, 2097152u);
  EXPECT_TRUE(HasIomem("  101200000-13fffffff : dax0.0"));
  // The seed dax0.1 is untouched; the new device is not a seed.
  EXPECT_TRUE(dax_->nvdimm().HasDevice("dax0.1"));
}

// A settings change on a device whose block exists: the uuid matches, the
// align does not (-EOPNOTSUPP, logged; the seeds advance anyway).
TEST_F(NvdimmTest, ChangedAlignAgainstTheInfoBlockIsASettingsMismatch) {
  Boot("memmap=1G!4G");
  ConfigureDax0();
  ASSERT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  ASSERT_EQ(Write(kDaxPmemUnbind, "dax0.0"), 0);
  ASSERT_EQ(Write(Cat(kDax0, "align"), "4096"), 0);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), Err(Errno::kEOPNOTSUPP));
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "dax_pmem dax0.0: init failed, settings mismatch",
                "dax_pmem: probe of dax0.0 failed with error -95"}));
  // Back to the block's align: it validates and binds again.
  ASSERT_EQ(Write(Cat(kDax0, "align"), "2097152"), 0);
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  EXPECT_TRUE(HasIomem("  101200000-13fffffff : dax0.0"));
}

// Read-only and missing attributes of the personalities.
TEST_F(NvdimmTest, PersonalityAttributesThatRefuseWrites) {
  Boot("memmap=1G!4G");
  EXPECT_EQ(Write(Cat(kDax0, "resource"), "0"), Err(Errno::kEACCES));
  EXPECT_EQ(Write(Cat(kDax0, "size"), "0"), Err(Errno::kEACCES));
  EXPECT_EQ(Write(Cat(kDax0, "nothing"), "0"), Err(Errno::kENOENT));
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), "region0"), Err(Errno::kEINVAL));
  EXPECT_EQ(Write(Cat(kDax0, "namespace"), "namespace9.0"),
            Err(Errno::kENODEV));
  // Each driver matches only its device types.
  EXPECT_EQ(Write(kDaxPmemBind, "namespace0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kDaxPmemBind, "pfn0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kBind, "dax0.0"), Err(Errno::kENODEV));
  // A seed without a namespace: -ENODEV from the probe.
  EXPECT_EQ(Write(kBind, "pfn0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kBind, "btt0.0"), Err(Errno::kENODEV));
}

// --- v5.3 (nd_pfn_eopnotsupp, nd_memremap_compat_align,
// nsio_enable_takes_size, dev_dax_multi_range false) ------------------------

class NvdimmV53Test : public NvdimmTest {
 protected:
  NvdimmV53Test() : NvdimmTest(KernelVersion::kV5_3) {}
};

// v5.3's nd_pfn_validate returns -EINVAL for a settings mismatch (6.1:
// -EOPNOTSUPP), and nvdimm_bus_probe advances the seeds only after a
// successful probe; the v5.3 dax device has no align attribute.
TEST_F(NvdimmV53Test, SettingsMismatchIsEinvalAndTheSeedStays) {
  Boot("memmap=1G!4G");
  ConfigureDax0();
  // The same layout as v6.1's: the info block formula did not change.
  ASSERT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  EXPECT_TRUE(HasIomem("  100000000-1011fffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("  101200000-13fffffff : dax0.0"));
  EXPECT_EQ(Write("/sys/bus/dax/devices/dax0.0/align", "4096"),
            Err(Errno::kENOENT));
  EXPECT_EQ(Write("/sys/bus/dax/devices/dax0.0/size", "0"),
            Err(Errno::kEACCES));
  ASSERT_EQ(Write(kDaxPmemUnbind, "dax0.0"), 0);
  ASSERT_EQ(Write(Cat(kDax0, "align"), "4096"), 0);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), Err(Errno::kEINVAL));
  EXPECT_EQ(DmesgSince(from),
            (std::vector<std::string>{
                "dax_pmem dax0.0: init failed, settings mismatch",
                "dax_pmem: probe of dax0.0 failed with error -22"}));
  // dax0.1 came with the first bind; the failed one made no dax0.2.
  EXPECT_TRUE(dax_->nvdimm().HasDevice("dax0.1"));
  EXPECT_FALSE(dax_->nvdimm().HasDevice("dax0.2"));
}

// v5.3 has no memremap_compat_align() check: nd_pmem's raw probe does not
// print "misaligned, unable to map" but maps, and __add_pages refuses the
// sub-section-unaligned range (check_pfn_span, -EINVAL).
TEST_F(NvdimmV53Test, UnalignedRawNamespaceFailsInAddPages) {
  Boot("memmap=255M!0x100100000");
  const std::vector<std::string> lines = DmesgSince(boot_dmesg_);
  for (const std::string& l : lines) {
    EXPECT_EQ(l.find("misaligned, unable to map"), std::string::npos) << l;
  }
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "nd_pmem: probe of namespace0.0 failed with error -22");
  EXPECT_FALSE(Ns("namespace0.0")->bound);
  // devdax: nd_pfn_init has no start check either; the info block is
  // written, dax_pmem's probe succeeds and device_dax's memremap fails.
  ConfigureDax0(/*unbind_namespace=*/false);
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  EXPECT_TRUE(Ns("namespace0.0")->info_block.has_value());
  EXPECT_EQ(dax_->bus().DaxLines().size(), 1u);
  EXPECT_EQ(dax_->bus().DaxLines()[0].find("dax0.0 driver= "), 0u)
      << dax_->bus().DaxLines()[0];
}

// v5.3 with dax_pmem_compat loaded instead of dax_pmem (DEV_DAX_PMEM_COMPAT,
// the deprecated /sys/class/dax interface): the device is on the "dax"
// class, not the bus: device_dax runs on it directly, no driver can be
// bound or unbound on the bus, and unbinding dax_pmem_compat takes it all
// down.
TEST_F(NvdimmV53Test, CompatDriverPutsTheDeviceOnTheDaxClass) {
  pmem_compat_ = true;
  Boot("memmap=1G!4G");
  const std::string compat_bind = "/sys/bus/nd/drivers/dax_pmem_compat/bind";
  // dax_pmem is not loaded: its directory does not exist.
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), Err(Errno::kENOENT));
  ConfigureDax0();
  EXPECT_EQ(Write(compat_bind, "dax0.0"), 0);
  EXPECT_TRUE(dax_->bus().DaxLines().empty());
  EXPECT_EQ(dax_->bus().ClassDaxLines(),
            std::vector<std::string>{
                "dax0.0 size=1054867456 target_node=0 resource=0x101200000"});
  // device_dax's reservation and mapping are there all the same.
  EXPECT_TRUE(HasIomem("  101200000-13fffffff : dax0.0"));
  EXPECT_EQ(Device().spanned_pages.value(), 262144u);
  // The dax bus does not know the device.
  EXPECT_EQ(Write("/sys/bus/dax/drivers/device_dax/unbind", "dax0.0"),
            Err(Errno::kENODEV));
  EXPECT_EQ(Write("/sys/bus/dax/drivers/kmem/new_id", "dax0.0"), 0);
  EXPECT_EQ(Write("/sys/bus/dax/devices/dax0.0/size", "0"),
            Err(Errno::kENOENT));
  EXPECT_FALSE(HasIomem("    101200000-13fffffff : System RAM"));
  EXPECT_EQ(Write("/sys/bus/nd/drivers/dax_pmem_compat/unbind", "dax0.0"), 0);
  EXPECT_TRUE(dax_->bus().ClassDaxLines().empty());
  EXPECT_FALSE(HasIomem("  101200000-13fffffff : dax0.0"));
  EXPECT_FALSE(HasIomem("  100000000-1011fffff : namespace0.0"));
}

// The compat driver is v5.1..v5.16 only.
TEST(NvdimmCompatTest, NotInV61) {
  EXPECT_FALSE(
      model::KernelProfile::For(KernelVersion::kV6_1).dax_pmem_compat_driver);
  EXPECT_TRUE(
      model::KernelProfile::For(KernelVersion::kV5_3).dax_pmem_compat_driver);
  EXPECT_TRUE(
      model::KernelProfile::For(KernelVersion::kV5_1).dax_pmem_compat_driver);
}

// --- v5.1: section padding of a new info block (nd_pfn_section_padding) ---
//
// memmap=192M!0x104000000: the section below the namespace also holds
// System RAM (4G..4G+64M), so trim_pfn_device pads the start to the next
// section; the end is section- and PMD-aligned. The memmap reserve counts
// section-aligned pfns (32768 pages: 2 MiB) and the data starts at the next
// PMD boundary:
//
//   4G      4G+64M    4G+128M 4G+132M                    4G+256M
//   |RAM    |namespace0.0 .................................|
//           | start_pad |info+memmap|dax0.0               |
//           |<- metadata reserved ->| (dax_pmem: from the namespace start)
class NvdimmV51Test : public NvdimmTest {
 protected:
  NvdimmV51Test() : NvdimmTest(KernelVersion::kV5_1) {}
};

TEST_F(NvdimmV51Test, NewInfoBlockIsPaddedToTheNextSection) {
  Boot("memmap=192M!0x104000000");
  ASSERT_EQ(Write(kUnbind, "namespace0.0"), Err(Errno::kENODEV))
      << "the raw namespace shares a section with System RAM and cannot be "
         "mapped in v5.1";
  ConfigureDax0(/*unbind_namespace=*/false);
  const size_t from = DmesgSize();
  EXPECT_EQ(Write(kDaxPmemBind, "dax0.0"), 0);
  EXPECT_EQ(DmesgSince(from),
            std::vector<std::string>{
                "dax_pmem dax0.0: namespace0.0 alignment collision, truncate "
                "67108864 bytes"});
  const NdNamespaceIo* ns = Ns("namespace0.0");
  ASSERT_TRUE(ns->info_block.has_value());
  EXPECT_EQ(ns->info_block->start_pad, 0x4000000u);
  EXPECT_EQ(ns->info_block->end_trunc, 0u);
  EXPECT_EQ(ns->info_block->dataoff, 0x400000u);
  EXPECT_EQ(ns->info_block->npfns, 31744u);
  EXPECT_EQ(ns->info_block->version_minor, 3u);
  EXPECT_TRUE(HasIomem("  104000000-1043fffff : namespace0.0"));
  EXPECT_TRUE(HasIomem("  108400000-10fffffff : dax0.0"));
  EXPECT_EQ(dax_->bus().DaxLines(),
            std::vector<std::string>{
                "dax0.0 driver=device_dax size=130023424 target_node=0 "
                "align=2097152 resource=0x108400000"});
}

}  // namespace
}  // namespace memhp::hotplug
