// The dax bus, kmem and hmem rules that differ between releases, each behind
// a profile switch (model/profile.h): v7.1's type-based match, hmem's
// hmem_platform device and default-to-kmem regions, kmem's truncation
// warning and mapping_store's return codes, and v5.1's kmem (remove and
// failed add leaking the reservation).
//
// The v7.1 and v6.1 machines are ../shared/capture-logs/p3-hmem-kmem.log's:
//
//   4 GiB        0x120000000          0x140000000        6 GiB
//   |System RAM  |== Soft Reserved ===|System RAM       |
//    memory32-35  sections 36-39       memory40-47
//
// v6.1:  hmem.0 > Soft Reserved > dax0.0 (device_dax, busy)
// v7.1:  Soft Reserved > dax0.0 (kmem, not busy) > System RAM (kmem)

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/dax_kmem.h"
#include "hotplug/dax_modules.h"
#include "hotplug/dax_sysfs.h"
#include "hotplug/device_dax.h"
#include "hotplug/e820.h"
#include "hotplug/memory_block.h"
#include "hotplug/render.h"
#include "hotplug/sysfs.h"
#include "hotplug/test_firmware.h"
#include "hotplug/x86_boot.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::Errno;
using model::KernelVersion;
using model::RunToCompletion;

constexpr char kKmemUnbind[] = "/sys/bus/dax/drivers/kmem/unbind";
constexpr char kKmemBind[] = "/sys/bus/dax/drivers/kmem/bind";
constexpr char kDaxBind[] = "/sys/bus/dax/drivers/device_dax/bind";
constexpr char kDaxUnbind[] = "/sys/bus/dax/drivers/device_dax/unbind";
constexpr char kDaxNewId[] = "/sys/bus/dax/drivers/device_dax/new_id";
constexpr char kKmemNewId[] = "/sys/bus/dax/drivers/kmem/new_id";
constexpr char kSize[] = "/sys/bus/dax/devices/dax0.0/size";
constexpr char kMapping[] = "/sys/bus/dax/devices/dax0.0/mapping";

int Err(Errno e) { return static_cast<int>(e); }

// p3's machine booted with the dax stack of `v` (the guest's module order).
class DaxVersionsTest : public ::testing::Test {
 protected:
  void Boot(KernelVersion v, bool region_idle = false) {
    dax_.reset();
    m_ = std::make_unique<Machine>(*model::Geometry::Named("x86_64", v),
                                   model::KernelProfile::For(v));
    absl::StatusOr<E820Table> fw = ParseE820Table(kP3Firmware, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{
        .firmware = *fw,
        .cmdline = "console=ttyS0 memmap=512M%0x120000000+0xefffffff"};
    absl::StatusOr<X86BootResult> r = BootX86(*m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    dax_ = std::make_unique<DaxModules>(*m_);
    dax_->hmem().HmemInit(*m_);
    dax_->hmem().region_idle = region_idle;
    m_->set_system_running(true);
    boot_log_ = m_->log().size();
    dax_->LoadModules();
  }
  int Write(std::string_view path, std::string_view value) {
    std::optional<model::Operation<absl::Status>> op =
        DaxSysfsWrite(*dax_, path, value);
    if (!op) op = SysfsWrite(*m_, path, value);
    EXPECT_TRUE(op.has_value()) << path;
    if (!op) return -1;
    absl::Status st = RunToCompletion(std::move(*op));
    if (st.ok()) return 0;
    return static_cast<int>(*model::ErrnoOf(st));
  }
  bool HasIomem(std::string_view line) const {
    for (const std::string& l : IomemLines(*m_)) {
      if (l == line) return true;
    }
    return false;
  }
  std::vector<std::string> DmesgSince(size_t from) const {
    return m_->log().DmesgLines(from);
  }
  DevDax* Dev() { return dax_->bus().FindDevice("dax0.0"); }
  std::string DaxLine() const { return dax_->bus().DaxLines().at(0); }
  const MemoryBlock* Block(uint64_t id) const {
    return m_->blocks().Find(model::BlockId(id));
  }

  std::unique_ptr<Machine> m_;
  std::unique_ptr<DaxModules> dax_;
  size_t boot_log_ = 0;
};

// v6.3+: hmem records the range, dax_hmem makes hmem.0 (no iomem resource)
// and a region with IORESOURCE_DAX_KMEM whose device kmem takes by type.
// A model with 6.1's rules would show hmem.0 above Soft Reserved and give
// the device to device_dax.
//
//   120000000-13fffffff : Soft Reserved
//     120000000-13fffffff : dax0.0
//       120000000-13fffffff : System RAM (kmem)
TEST_F(DaxVersionsTest, V71BootGivesTheSoftReservedRangeToKmem) {
  Boot(KernelVersion::kV7_1);
  EXPECT_TRUE(dax_->hmem().platform_initialized());
  ASSERT_NE(dax_->hmem().Find("hmem.0"), nullptr);
  EXPECT_EQ(dax_->hmem().Find("hmem.0")->res, nullptr);
  EXPECT_FALSE(HasIomem("120000000-13fffffff : hmem.0"));
  EXPECT_TRUE(HasIomem("120000000-13fffffff : Soft Reserved"));
  EXPECT_TRUE(HasIomem("  120000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("    120000000-13fffffff : System RAM (kmem)"));
  EXPECT_EQ(DaxLine().substr(0, 18), "dax0.0 driver=kmem");
  for (uint64_t b = 36; b < 40; ++b) EXPECT_NE(Block(b), nullptr) << b;
  EXPECT_FALSE(Dev()->alive);
  // A whole-block device: no truncation warning, nothing from kmem at all.
  for (const std::string& l : DmesgSince(boot_log_)) {
    EXPECT_EQ(l.find("kmem"), std::string::npos) << l;
  }
}

// The same boot on 6.1 keeps its rules: hmem.0 in iomem, device_dax.
TEST_F(DaxVersionsTest, V61BootStillGivesTheRangeToDeviceDax) {
  Boot(KernelVersion::kV6_1);
  EXPECT_FALSE(dax_->hmem().platform_initialized());
  EXPECT_TRUE(HasIomem("120000000-13fffffff : hmem.0"));
  EXPECT_EQ(DaxLine().substr(0, 24), "dax0.0 driver=device_dax");
}

// dax_hmem.region_idle: the region has no IORESOURCE_DAX_KMEM and its seed
// has no size; device_dax matches it by type but dax_bus_probe refuses a
// 0-size device (-ENXIO, debug only). A model that ignored region_idle
// would hand the whole range to kmem.
TEST_F(DaxVersionsTest, V71RegionIdleLeavesASeedForDeviceDax) {
  Boot(KernelVersion::kV7_1, /*region_idle=*/true);
  EXPECT_EQ(dax_->bus().FindRegion("hmem.0")->flags, 0u);
  EXPECT_EQ(DaxLine(),
            "dax0.0 driver= size=0 target_node=0 align=2097152 "
            "resource=0x120000000");
  EXPECT_FALSE(HasIomem("    120000000-13fffffff : System RAM (kmem)"));
  // Sized, it goes to device_dax by type on an explicit bind.
  ASSERT_EQ(Write(kSize, "268435456"), 0);
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(Write(kDaxBind, "dax0.0"), 0);
  EXPECT_EQ(DaxLine().substr(0, 24), "dax0.0 driver=device_dax");
}

// v7.1 dax_bus_match: device_dax does not match a KMEM region's device
// without an id (6.1's match_always bound it); new_id makes it match and
// auto-binds. A wrong model returns 0 for the first bind.
TEST_F(DaxVersionsTest, V71DeviceDaxNeedsAnIdForAKmemRegion) {
  Boot(KernelVersion::kV7_1);
  // The blocks are offline: the one-shot removal succeeds.
  ASSERT_EQ(Write(kKmemUnbind, "dax0.0"), 0);
  EXPECT_FALSE(HasIomem("    120000000-13fffffff : System RAM (kmem)"));
  EXPECT_EQ(Block(36), nullptr);
  EXPECT_EQ(Write(kDaxBind, "dax0.0"), Err(Errno::kENODEV));
  EXPECT_EQ(DaxLine().substr(0, 15), "dax0.0 driver= ");
  EXPECT_EQ(Write(kDaxNewId, "dax0.0"), 0);
  EXPECT_EQ(DaxLine().substr(0, 24), "dax0.0 driver=device_dax");
  EXPECT_TRUE(HasIomem("  120000000-13fffffff : dax0.0"));
  EXPECT_TRUE(Dev()->alive);
  // And kmem still matches by type: bind after unbinding device_dax.
  ASSERT_EQ(Write(kDaxUnbind, "dax0.0"), 0);
  EXPECT_EQ(Write(kKmemBind, "dax0.0"), 0);
}

// v6.3+ __dax_driver_register counts no default driver: a second
// DAXDRV_DEVICE_TYPE driver registers (6.1 WARNs and returns -EINVAL for a
// second match_always driver).
TEST_F(DaxVersionsTest, V71AcceptsASecondDeviceTypeDriver) {
  Boot(KernelVersion::kV7_1);
  DaxDeviceDriver other = DeviceDaxDriver();
  other.name = "fsdev_dax";
  EXPECT_EQ(RunToCompletion(dax_->bus().DaxDriverRegister(&other)), 0);
  (void)RunToCompletion(dax_->bus().DaxDriverUnregister(&other));

  Boot(KernelVersion::kV6_1);
  DaxDeviceDriver other61 = DeviceDaxDriver();
  other61.name = "fsdev_dax";
  EXPECT_EQ(RunToCompletion(dax_->bus().DaxDriverRegister(&other61)),
            -Err(Errno::kEINVAL));
}

// mapping_store: v6.9+ returns the lock's 0 for an unbound provider and
// "succeeds" without allocating for a misaligned size; 6.1 says -ENXIO for
// both. A wrong model gets the errno (or the allocation) wrong.
//
//   0x120000000   +256M (dax0.0)   0x130000000       0x140000000
//   |== dax0.0 ==|------------------ free --------------------|
TEST_F(DaxVersionsTest, MappingStoreReturnCodesPerRelease) {
  for (KernelVersion v : {KernelVersion::kV6_1, KernelVersion::kV7_1}) {
    SCOPED_TRACE(model::KernelVersionName(v));
    Boot(v);
    ASSERT_EQ(
        Write(v == KernelVersion::kV7_1 ? kKmemUnbind : kDaxUnbind, "dax0.0"),
        0);
    ASSERT_EQ(Write(kSize, "268435456"), 0);
    const int want = v == KernelVersion::kV7_1 ? 0 : Err(Errno::kENXIO);
    EXPECT_EQ(Write(kMapping, "130000000-1300fffff"), want);  // 1 MiB
    EXPECT_EQ(Dev()->ranges.size(), 1u);
    dax_->bus().FindRegion("hmem.0")->provider_bound = false;
    EXPECT_EQ(Write(kMapping, "130000000-1301fffff"), want);
    EXPECT_EQ(Dev()->ranges.size(), 1u);
    dax_->bus().FindRegion("hmem.0")->provider_bound = true;
    EXPECT_EQ(Write(kMapping, "130000000-1301fffff"), 0);
    EXPECT_EQ(Dev()->ranges.size(), 2u);
  }
}

// kmem of a 192 MiB device: one block after alignment. v7.1 warns
// "DAX region truncated by 64.0 MiB due to alignment" before reserving;
// 6.1 says nothing. A model without the switch misses the line, one that
// always prints it breaks 6.1's logs.
TEST_F(DaxVersionsTest, KmemTruncationWarningPerRelease) {
  for (KernelVersion v : {KernelVersion::kV6_1, KernelVersion::kV7_1}) {
    SCOPED_TRACE(model::KernelVersionName(v));
    Boot(v);
    ASSERT_EQ(
        Write(v == KernelVersion::kV7_1 ? kKmemUnbind : kDaxUnbind, "dax0.0"),
        0);
    ASSERT_EQ(Write(kSize, "201326592"), 0);
    const size_t from = m_->log().size();
    ASSERT_EQ(Write(kKmemNewId, "dax0.0"), 0);
    EXPECT_EQ(DaxLine().substr(0, 18), "dax0.0 driver=kmem");
    std::vector<std::string> want;
    if (v == KernelVersion::kV7_1) {
      want.push_back(
          "kmem dax0.0: DAX region truncated by 64.0 MiB due to alignment");
    }
    EXPECT_EQ(DmesgSince(from), want);
    EXPECT_TRUE(HasIomem(v == KernelVersion::kV7_1
                             ? "  120000000-127ffffff : dax0.0"
                             : "    120000000-127ffffff : dax0.0"));
  }
}

// lib/string_helpers.c string_get_size(size, 1, STRING_UNITS_2): three
// significant digits, rounded up from the first dropped digit.
TEST(StringGetSizeTest, ThreeSignificantDigitsWithBinaryUnits) {
  EXPECT_EQ(StringGetSize(0), "0 B");
  EXPECT_EQ(StringGetSize(1000), "1000 B");
  EXPECT_EQ(StringGetSize(4095), "4.00 KiB");
  EXPECT_EQ(StringGetSize(1536 * 1024), "1.50 MiB");
  EXPECT_EQ(StringGetSize(uint64_t{62} << 20), "62.0 MiB");
  EXPECT_EQ(StringGetSize(uint64_t{126} << 20), "126 MiB");
  EXPECT_EQ(StringGetSize(uint64_t{1} << 30), "1.00 GiB");
  EXPECT_EQ(StringGetSize(uint64_t{3} << 40), "3.00 TiB");
}

// v5.1's kmem (drivers/dax/kmem.c as merged in c221c0b0308f) on a static
// region, v5.3's profile with v5.1's two switches set:
//
//   4 GiB (0x100000000)               5 GiB
//   |== region dax0 (static, 1 GiB) ==|
//   kmem: "dax0.0" > "System RAM", memory32..39
class DaxV51Test : public ::testing::Test {
 protected:
  static model::KernelProfile V51() {
    model::KernelProfile p = model::KernelProfile::For(KernelVersion::kV5_3);
    p.kmem_remove_leaks_reservation = true;
    p.kmem_add_failure_leaks_reservation = true;
    return p;
  }
  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(kP2Firmware, "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    ASSERT_TRUE(BootX86(m_, {.firmware = *fw, .cmdline = ""}).ok());
    m_.set_system_running(true);
    ASSERT_EQ(RunToCompletion(bus_.DaxDriverRegister(&kmem_)), 0);
  }
  DevDax* Create(uint64_t start, uint64_t size, int target_node = 0) {
    DaxRegion* region = bus_.AllocDaxRegion(
        "region0", 0,
        InclusiveRange{.start = model::PhysAddr(start),
                       .end = model::PhysAddr(start + size - 1)},
        target_node, 2 << 20, kIoresourceDaxStatic);
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

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV5_3), V51()};
  DevPagemapRegistry pgmap_array_{m_};
  DaxBus bus_{m_, pgmap_array_};
  DaxDeviceDriver kmem_ = KmemDriver();
};

// The v5.1 remove returns 0 and releases nothing, even with every block
// offline: no message, the memory and both resources stay, and the range
// can never be reserved again. A v5.3 model would remove the memory.
TEST_F(DaxV51Test, UnbindLeavesTheMemoryAndTheReservation) {
  constexpr uint64_t k4G = uint64_t{4} << 30;
  Create(k4G, uint64_t{1} << 30);
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  ASSERT_NE(m_.blocks().Find(model::BlockId(32)), nullptr);
  const size_t from = m_.log().size();
  EXPECT_EQ(RunToCompletion(bus_.UnbindStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(from), std::vector<std::string>{});
  EXPECT_TRUE(HasIomem("100000000-13fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("  100000000-13fffffff : System RAM"));
  for (uint64_t b = 32; b < 40; ++b) {
    EXPECT_NE(m_.blocks().Find(model::BlockId(b)), nullptr) << b;
  }
  const size_t at = m_.log().size();
  EXPECT_EQ(RunToCompletion(bus_.BindStore(kmem_, "dax0.0")),
            -static_cast<int>(Errno::kEBUSY));
  EXPECT_EQ(m_.log().DmesgLines(at),
            (std::vector<std::string>{
                "kmem dax0.0: could not reserve region "
                "[0x0000000100000000-0x0000000140000000]",
                "kmem: probe of dax0.0 failed with error -16"}));
}

// add_memory() on a node that is not possible fails (-EINVAL with the
// hotplug core's WARN); v5.1 returns without releasing its reservation, so
// "dax0.0" stays in iomem with no System RAM under it. A v5.3 model would
// release it.
TEST_F(DaxV51Test, FailedAddKeepsTheReservation) {
  constexpr uint64_t k4G = uint64_t{4} << 30;
  Create(k4G, uint64_t{1} << 30, /*target_node=*/5);
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(0).back(),
            "kmem: probe of dax0.0 failed with error -22");
  EXPECT_TRUE(HasIomem("100000000-13fffffff : dax0.0"));
  EXPECT_FALSE(HasIomem("  100000000-13fffffff : System RAM"));
  EXPECT_EQ(m_.blocks().Find(model::BlockId(32)), nullptr);
  EXPECT_FALSE(bus_.FindDevice("dax0.0")->kmem.has_value());
}

// The same failure on v5.3 releases the reservation (4447e30357dc).
TEST(DaxV53AddFailureTest, FailedAddReleasesTheReservation) {
  Machine m{*model::Geometry::Named("x86_64", KernelVersion::kV5_3),
            model::KernelProfile::For(KernelVersion::kV5_3)};
  absl::StatusOr<E820Table> fw = ParseE820Table(kP2Firmware, "fw");
  ASSERT_TRUE(fw.ok());
  ASSERT_TRUE(BootX86(m, {.firmware = *fw, .cmdline = ""}).ok());
  m.set_system_running(true);
  DevPagemapRegistry pgmap_array{m};
  DaxBus bus{m, pgmap_array};
  DaxDeviceDriver kmem = KmemDriver();
  ASSERT_EQ(RunToCompletion(bus.DaxDriverRegister(&kmem)), 0);
  constexpr uint64_t k4G = uint64_t{4} << 30;
  DaxRegion* region = bus.AllocDaxRegion(
      "region0", 0,
      InclusiveRange{.start = model::PhysAddr(k4G),
                     .end = model::PhysAddr(k4G + (uint64_t{1} << 30) - 1)},
      /*target_node=*/5, 2 << 20, kIoresourceDaxStatic);
  ASSERT_NE(region, nullptr);
  ASSERT_EQ(RunToCompletion(bus.DevmCreateDevDax(
                {.region = region, .id = 0, .size = uint64_t{1} << 30})),
            0);
  ASSERT_EQ(RunToCompletion(bus.NewIdStore(kmem, "dax0.0")), 0);
  for (const std::string& l : IomemLines(m)) {
    EXPECT_EQ(l.find("dax0.0"), std::string::npos) << l;
  }
}

// v5.1 rejects a negative target node with the region printed (%pR).
TEST_F(DaxV51Test, InvalidNodeIsRejectedWithTheRegion) {
  constexpr uint64_t k4G = uint64_t{4} << 30;
  Create(k4G, uint64_t{1} << 30, /*target_node=*/-1);
  const size_t from = m_.log().size();
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(from),
            (std::vector<std::string>{
                "kmem dax0.0: rejecting DAX region [mem "
                "0x100000000-0x13fffffff] with invalid node: -1",
                "kmem: probe of dax0.0 failed with error -22"}));
}

// kmem_start = ALIGN(start, block); kmem_size = (size - (kmem_start -
// start)) & ~(block - 1): the end never passes the region's.
//
//   0x104000000 (4G+64M)                          0x116000000 (4G+352M)
//   |--64M--|====== 128M reserved ======|--96M: not a whole block--|
TEST_F(DaxV51Test, SizeIsAlignedInsideTheRegion) {
  constexpr uint64_t k4G = uint64_t{4} << 30;
  Create(k4G + (uint64_t{64} << 20), uint64_t{288} << 20);
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_TRUE(HasIomem("108000000-10fffffff : dax0.0"));
  EXPECT_TRUE(HasIomem("  108000000-10fffffff : System RAM"));
  EXPECT_EQ(m_.blocks().Find(model::BlockId(34)), nullptr);
}

// A region smaller than its distance to the next block: the unsigned size
// wraps, the end printed wraps below the start, request_mem_region fails.
TEST_F(DaxV51Test, ARegionBeforeTheNextBlockWrapsAndIsRefused) {
  constexpr uint64_t k4G = uint64_t{4} << 30;
  Create(k4G + (uint64_t{64} << 20), uint64_t{32} << 20);
  const size_t from = m_.log().size();
  ASSERT_EQ(RunToCompletion(bus_.NewIdStore(kmem_, "dax0.0")), 0);
  EXPECT_EQ(m_.log().DmesgLines(from),
            (std::vector<std::string>{
                "kmem dax0.0: could not reserve region "
                "[0x0000000108000000-0x0000000100000000]",
                "kmem: probe of dax0.0 failed with error -16"}));
}

}  // namespace
}  // namespace memhp::hotplug
