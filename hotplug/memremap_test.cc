// memremap_pages / memunmap_pages (mm/memremap.c, v6.1) on x86_64 (4-level:
// sections of 128 MiB = 0x8000 pfns, sub-sections of 2 MiB = 0x200 pfns).
//
// Most tests use the machine of ../shared/capture-logs/p2-*.log: 2 GiB of
// boot RAM, node 0, nothing above 4 GiB, where the device ranges go:
//
//   pfn 0x0          0x7ffe0      0x140000 (5 GiB)  0x148000   0x150000
//   |== boot RAM ==|   hole  ...  |== section 40 ==|== section 41 ==|
//
// The shared-section tests boot RAM that ends in the middle of section 15
// (kSharedFirmware), so a device range can take the rest of that section.

#include "hotplug/memremap.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/e820.h"
#include "hotplug/render.h"
#include "hotplug/test_firmware.h"
#include "hotplug/x86_boot.h"
#include "hotplug/zone.h"
#include "model/event_log.h"
#include "model/status.h"
#include "sparse/mem_section.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;
using model::PhysAddr;
using model::PhysRange;
using model::RunToCompletion;
using model::SectionNr;

// p2 with its RAM ending at 0x7c000000: section 15 [0x78000, 0x80000) holds
// System RAM in its lower half only.
constexpr char kSharedFirmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x000000007bffffff] usable\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kSection = 128 * kMiB;

const sparse::PageState kDevicePage = sparse::PageState::Initialised(
    static_cast<int>(ZoneType::kDevice), NodeId(0), /*reserved=*/true);

DevPagemap Pagemap(MemoryType type, std::vector<PhysRange> ranges) {
  DevPagemap pgmap;
  pgmap.type = type;
  for (const PhysRange& r : ranges) {
    pgmap.ranges.push_back(InclusiveRange::Of(r));
  }
  pgmap.nr_range = static_cast<int>(pgmap.ranges.size());
  return pgmap;
}

DevPagemap Generic(uint64_t start, uint64_t size) {
  return Pagemap(MemoryType::kDeviceGeneric,
                 {PhysRange(PhysAddr(start), PhysAddr(start + size))});
}

class MemremapTest : public ::testing::Test {
 protected:
  virtual const char* Firmware() const { return kP2Firmware; }

  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(Firmware(), "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{.firmware = *fw, .cmdline = "console=ttyS0"};
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    m_.set_system_running(true);
  }

  int Remap(DevPagemap& pgmap, NodeId nid = NodeId(0)) {
    return RunToCompletion(MemremapPages(m_, pgmap_array_, pgmap, nid));
  }
  void Unmap(DevPagemap& pgmap) {
    EXPECT_TRUE(RunToCompletion(MemunmapPages(m_, pgmap_array_, pgmap)));
  }
  // The WARN events logged since event `from`: their text, or their
  // condition for a WARN_ON without one.
  std::vector<std::string> WarnsSince(size_t from) const {
    std::vector<std::string> out;
    const auto& events = m_.log().events();
    for (size_t i = from; i < events.size(); ++i) {
      if (events[i].kind != model::EventKind::kWarn) continue;
      out.push_back(events[i].text.empty() ? events[i].condition
                                           : events[i].text);
    }
    return out;
  }
  const Zone& Device(int nid = 0) {
    return m_.NodeData(NodeId(nid))->zone(ZoneType::kDevice);
  }
  std::optional<sparse::SectionState> StateOf(uint64_t nr) {
    for (const sparse::SectionState& s : m_.sparse().SectionStates()) {
      if (s.nr == SectionNr(nr)) return s;
    }
    return std::nullopt;
  }

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
             model::KernelProfile::For(KernelVersion::kV6_1)};
  DevPagemapRegistry pgmap_array_{m_};
};

// The machine of kSharedFirmware.
class MemremapSharedSectionTest : public MemremapTest {
 protected:
  const char* Firmware() const override { return kSharedFirmware; }
};

// A device-dax range of two whole sections:
//
//   0x140000            0x148000            0x150000
//   |== section 40 =====|== section 41 =====|   pgmap [5 GiB, 5 GiB + 256 MiB)
//
// Both sections become valid but not online, every struct page is
// ZONE_DEVICE on node 0, the Device zone spans the range, and max_pfn stays
// (x86's add_pages does not raise it for a pagemap).
TEST_F(MemremapTest, SectionAlignedRangeBecomesZoneDevice) {
  DevPagemap pgmap = Generic(5 * kGiB, 2 * kSection);
  const Pfn max_pfn = m_.max_pfn();
  const size_t events = m_.log().size();
  const std::vector<std::string> iomem = IomemLines(m_);

  ASSERT_EQ(Remap(pgmap), 0);

  EXPECT_EQ(m_.log().size(), events);
  for (uint64_t nr : {40, 41}) {
    EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(nr))) << nr;
    EXPECT_FALSE(m_.sparse().OnlineSection(SectionNr(nr))) << nr;
  }
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(42)));
  EXPECT_TRUE(m_.sparse().PfnValid(Pfn(0x14ffff)));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x140000)), std::nullopt);
  EXPECT_TRUE(m_.sparse().memmap().All(PfnRange(Pfn(0x140000), Pfn(0x150000)),
                                       sparse::MemmapKind::kInitialised));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)), kDevicePage);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x14ffff)), kDevicePage);
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x10000));
  EXPECT_EQ(m_.NodeData(NodeId(0))->node_spanned_pages, NrPages(0x150000 - 1));
  EXPECT_EQ(m_.max_pfn(), max_pfn);
  // memremap_pages touches no resource: the driver requested its own.
  EXPECT_EQ(IomemLines(m_), iomem);

  // pgmap_array holds [first pfn, last pfn]; references: the initial one
  // plus one per page.
  const std::vector<DevPagemapRegistry::Entry> entries = pgmap_array_.Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, Pfn(0x140000));
  EXPECT_EQ(entries[0].last, Pfn(0x14ffff));
  EXPECT_EQ(entries[0].pgmap, &pgmap);
  EXPECT_EQ(pgmap.nr_range, 1);
  EXPECT_EQ(pgmap.ref_count, 1 + 0x10000);
  EXPECT_TRUE(PgmapPfnValid(m_.geometry(), pgmap, Pfn(0x140000)));
  EXPECT_FALSE(PgmapPfnValid(m_.geometry(), pgmap, Pfn(0x150000)));
  EXPECT_EQ(pgmap_array_.GetDevPagemap(Pfn(0x14ffff), nullptr), &pgmap);
  EXPECT_EQ(pgmap.ref_count, 2 + 0x10000);
  pgmap_array_.PutDevPagemap(&pgmap);
  EXPECT_EQ(pgmap_array_.GetDevPagemap(Pfn(0x150000), nullptr), nullptr);
}

// A 62 MiB range in the upper half of section 15, which boot RAM shares:
//
//   0x78000                  0x7c000                          0x80000
//   |== System RAM (early) ==|== pgmap [0x7c000000, 0x80000000) ==|
//   '--------------------- section 15 ----------------------------'
//
// The section, online since boot, gets SECTION_TAINT_ZONE_DEVICE, and
// pfn_to_online_page() takes its slow path (v5.12+): get_dev_pagemap()
// finds the device pfns, so they are not online; the RAM pfns still are.
TEST_F(MemremapSharedSectionTest,
       SubsectionRangeSharingASectionWithRamIsNotOnline) {
  DevPagemap pgmap = Generic(0x7c000000, 64 * kMiB);
  ASSERT_FALSE(m_.sparse().OnlineDeviceSection(SectionNr(15)));
  ASSERT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7bfff)), Pfn(0x7bfff));
  ASSERT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7c000)), std::nullopt);

  ASSERT_EQ(Remap(pgmap), 0);

  EXPECT_TRUE(m_.sparse().OnlineDeviceSection(SectionNr(15)));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7bfff)), Pfn(0x7bfff));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x78000)), Pfn(0x78000));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7c000)), std::nullopt);
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7ffff)), std::nullopt);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x7c000)), kDevicePage);
  EXPECT_NE(m_.sparse().memmap().Get(Pfn(0x7bfff)), kDevicePage);
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x7c000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x4000));
  // Every sub-section of section 15 is now active.
  EXPECT_EQ(StateOf(15)->subsection_map, std::string(64, '1'));
}

// A range that starts one page after a sub-section boundary:
//
//   0x140000 0x140001                                  0x150000 0x150001
//   |        |== pgmap [5 GiB + 4 KiB, + 256 MiB) ==========|
//
// __add_pages() refuses it (check_pfn_span) with the v6.1 WARN, whose "end"
// lacks its "0x"; x86's add_pages() WARN_ON_ONCEs the error; everything is
// unwound and -EINVAL returned.
TEST_F(MemremapTest, RangeNotSubsectionAlignedWarnsAndFailsWithEinval) {
  DevPagemap pgmap = Generic(5 * kGiB + 4096, 2 * kSection);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kEINVAL));

  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{
                "Misaligned __add_pages start: 0x140001 end: #150000", "ret"}));
  EXPECT_EQ(m_.log().events().back().function, "add_pages");
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_TRUE(Device().IsEmpty());
  // memunmap_pages() of the failed call killed and drained the ref;
  // nr_range is as the caller set it.
  EXPECT_EQ(pgmap.nr_range, 1);
  EXPECT_FALSE(pgmap.ref_live);
  EXPECT_TRUE(pgmap.done);
  EXPECT_EQ(pgmap.ref_count, 0);
}

// A range over boot System RAM:
//
//   0x40000000                 0x50000000
//   |== System RAM ============|   pgmap [1 GiB, 1 GiB + 256 MiB)
//
// region_intersects() says REGION_INTERSECTS: WARN_ONCE "attempted on ram
// region", -ENXIO, nothing changes. The WARN is once per boot: a second
// refusal is silent.
TEST_F(MemremapTest, RangeOverSystemRamWarnsOnceAndFailsWithEnxio) {
  DevPagemap pgmap = Generic(kGiB, 2 * kSection);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kENXIO));
  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{"attempted on ram region "
                                      "0x40000000-0x4fffffff"}));
  EXPECT_EQ(m_.log().events().back().function, "pagemap_range");
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_TRUE(Device().IsEmpty());

  DevPagemap again = Generic(kGiB + kSection, kSection);
  EXPECT_EQ(Remap(again), -static_cast<int>(model::Errno::kENXIO));
  EXPECT_EQ(WarnsSince(events).size(), 1u);
}

// The first sub-section, where System RAM and the BIOS's reserved ranges
// sit side by side:
//
//   0x0        0x9fc00     0xf0000      0x100000             0x200000
//   |== RAM ===|= reserved =|  reserved  |== System RAM ======|
//
// REGION_MIXED: WARN_ONCE "attempted on mixed region" with vsprintf's
// "%#llx" (which prints 0 as "0x0"), -ENXIO.
TEST_F(MemremapTest, MixedRangeWarnsAndFailsWithEnxio) {
  DevPagemap pgmap = Generic(0, 2 * kMiB);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kENXIO));
  EXPECT_EQ(
      WarnsSince(events),
      (std::vector<std::string>{"attempted on mixed region 0x0-0x1fffff"}));
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
}

// A second pagemap over pfns pgmap_array already holds:
//
//   0x140000            0x148000            0x150000
//   |== first ==========|===================|
//   |== second =========|                       (same first pfn)
//                       |== third ==========|== (last pfn inside first)
//
// v6.1 WARNs "Conflicting mapping in same section" and returns -ENOMEM
// (not -EBUSY); the first pagemap stays mapped and registered.
TEST_F(MemremapTest, ConflictingSecondPagemapWarnsAndFailsWithEnomem) {
  DevPagemap first = Generic(5 * kGiB, 2 * kSection);
  ASSERT_EQ(Remap(first), 0);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();

  DevPagemap second = Generic(5 * kGiB, kSection);
  EXPECT_EQ(Remap(second), -static_cast<int>(model::Errno::kENOMEM));
  DevPagemap third = Generic(5 * kGiB + kSection, 2 * kSection);
  EXPECT_EQ(Remap(third), -static_cast<int>(model::Errno::kENOMEM));

  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{"Conflicting mapping in same section",
                                      "Conflicting mapping in same section"}));
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  ASSERT_EQ(pgmap_array_.Entries().size(), 1u);
  EXPECT_EQ(pgmap_array_.Load(Pfn(0x148000)), &first);
  // The lookups' references were dropped again.
  EXPECT_EQ(first.ref_count, 1 + 0x10000);
  EXPECT_FALSE(second.ref_live);
}

// A pagemap around a mapped one slips past the first/last pfn checks:
//
//   0x140000            0x148000            0x150000            0x158000
//   |                   |== inner ==========|                   |
//   |== outer ============================================ ... =|
//
// xa_store_range() overwrites inner's entries, __add_pages() adds section
// 40, then fails on section 41 (-EEXIST) without undoing section 40, and
// pgmap_array_delete() erases the whole outer range: inner is still mapped
// but get_dev_pagemap() no longer finds it, and section 40 stays behind.
TEST_F(MemremapTest, PagemapAroundAMappedOneFailsAndErasesItsEntries) {
  DevPagemap inner = Generic(5 * kGiB + kSection, kSection);
  ASSERT_EQ(Remap(inner), 0);
  ASSERT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  const size_t events = m_.log().size();

  DevPagemap outer = Generic(5 * kGiB, 3 * kSection);
  EXPECT_EQ(Remap(outer), -static_cast<int>(model::Errno::kEEXIST));

  EXPECT_EQ(WarnsSince(events), (std::vector<std::string>{"ret"}));
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_EQ(pgmap_array_.GetDevPagemap(Pfn(0x148000), nullptr), nullptr);
  EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(41)));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(42)));
  EXPECT_TRUE(inner.ref_live);
}

// memunmap_pages() of a section-aligned pagemap:
//
//   0x140000            0x148000            0x150000
//   |== section 40 =====|== section 41 =====|   mapped, then unmapped
//
// The sections are as they were before, the memmap is gone, pgmap_array is
// empty and the ref drained; the Device zone keeps its span (v6.1 never
// shrinks ZONE_DEVICE), and so does the node.
TEST_F(MemremapTest, MemunmapRestoresSectionsAndKeepsTheDeviceSpan) {
  DevPagemap pgmap = Generic(5 * kGiB, 2 * kSection);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();
  ASSERT_EQ(Remap(pgmap), 0);

  Unmap(pgmap);

  EXPECT_EQ(m_.log().size(), events);
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_FALSE(m_.sparse().PfnValid(Pfn(0x140000)));
  EXPECT_TRUE(m_.sparse().memmap().All(PfnRange(Pfn(0x140000), Pfn(0x150000)),
                                       sparse::MemmapKind::kAbsent));
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_EQ(pgmap.ref_count, 0);
  EXPECT_TRUE(pgmap.done);
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x10000));
  EXPECT_EQ(m_.NodeData(NodeId(0))->node_spanned_pages, NrPages(0x150000 - 1));

  // The same range maps again.
  EXPECT_EQ(Remap(pgmap), 0);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)), kDevicePage);
}

// memunmap_pages() in a section shared with RAM (kSharedFirmware):
//
//   0x78000                  0x7c000                      0x80000
//   |== System RAM (early) ==|== pgmap: mapped, unmapped ==|
//
// The sub-sections go back to the boot map; the ZONE_DEVICE taint stays
// (nothing clears it), the RAM pfns stay online and the device pfns fail
// pfn_section_valid() again (pfn_valid() says yes throughout: an early
// section is valid for its whole span). Their boot struct pages stay,
// poisoned.
TEST_F(MemremapSharedSectionTest,
       MemunmapInASharedSectionRestoresTheSubsections) {
  DevPagemap pgmap = Generic(0x7c000000, 64 * kMiB);
  const std::optional<sparse::SectionState> before = StateOf(15);
  ASSERT_TRUE(before.has_value());
  ASSERT_EQ(Remap(pgmap), 0);

  Unmap(pgmap);

  const std::optional<sparse::SectionState> after = StateOf(15);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->subsection_map, before->subsection_map);
  EXPECT_EQ(after->flags, before->flags | sparse::kSectionTaintZoneDevice);
  EXPECT_TRUE(m_.sparse().PfnValid(Pfn(0x7c000)));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7c000)), std::nullopt);
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7bfff)), Pfn(0x7bfff));
  EXPECT_TRUE(m_.sparse().memmap().All(PfnRange(Pfn(0x7c000), Pfn(0x80000)),
                                       sparse::MemmapKind::kPoisoned));
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_EQ(Device().spanned_pages, NrPages(0x4000));
}

// An altmap: the struct pages of the range come from its own start.
//
//   0x140000 0x140002            0x141002                     0x150000
//   |reserve |== free: memmap ===|== device pages ============|
//
// __add_pages() takes 512 memmap pages per section from the altmap (64-byte
// struct pages, 0x8000 per section), memmap_init_range() initialises the
// memmap pages, memmap_init_zone_device() the rest; the reserve stays
// uninitialised. memunmap_pages() gives every altmap page back, so it does
// not WARN "failed to free all reserved pages".
TEST_F(MemremapTest, AltmapTakesTheMemmapFromTheDeviceRange) {
  DevPagemap pgmap = Generic(5 * kGiB, 2 * kSection);
  pgmap.flags = kPgmapAltmapValid;
  pgmap.altmap = sparse::VmemAltmap{.base_pfn = Pfn(0x140000),
                                    .reserve = NrPages(2),
                                    .free = NrPages(0x1000)};
  const size_t events = m_.log().size();

  ASSERT_EQ(Remap(pgmap), 0);

  EXPECT_EQ(pgmap.altmap.alloc, NrPages(1024));
  EXPECT_EQ(pgmap.altmap.free, NrPages(0x1000));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140001)).kind,
            sparse::MemmapKind::kPoisoned);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140002)), kDevicePage);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x141002)), kDevicePage);
  EXPECT_FALSE(PgmapPfnValid(m_.geometry(), pgmap, Pfn(0x140000)));
  EXPECT_FALSE(PgmapPfnValid(m_.geometry(), pgmap, Pfn(0x141001)));
  EXPECT_TRUE(PgmapPfnValid(m_.geometry(), pgmap, Pfn(0x141002)));
  // pfn_len() counts from pfn_first().
  EXPECT_EQ(pgmap.ref_count, 1 + (0x150000 - 0x141002));

  Unmap(pgmap);

  EXPECT_EQ(pgmap.altmap.alloc, NrPages(0));
  EXPECT_EQ(m_.log().size(), events);
  EXPECT_EQ(pgmap.ref_count, 0);
}

// An altmap that does not start at the range is refused by __add_pages()
// ("memory add fail, invalid altmap", -EINVAL).
TEST_F(MemremapTest, AltmapNotAtTheRangeStartIsInvalid) {
  DevPagemap pgmap = Generic(5 * kGiB, 2 * kSection);
  pgmap.flags = kPgmapAltmapValid;
  pgmap.altmap =
      sparse::VmemAltmap{.base_pfn = Pfn(0x148000), .free = NrPages(0x1000)};
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kEINVAL));
  EXPECT_TRUE(m_.log().Contains("memory add fail, invalid altmap"));
  EXPECT_EQ(WarnsSince(events), (std::vector<std::string>{"ret"}));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
}

// Two ranges, the second over System RAM:
//
//   0x40000            0x48000        0x140000            0x148000
//   |== RAM: range 1 ==|              |== range 0 ========|
//
// Range 0 is mapped, range 1 fails (-ENXIO), and memunmap_pages() unmaps
// the one range mapped so far; nr_range is restored to 2.
TEST_F(MemremapTest, SecondRangeFailingUnmapsTheFirst) {
  DevPagemap pgmap =
      Pagemap(MemoryType::kDeviceGeneric,
              {PhysRange(PhysAddr(5 * kGiB), PhysAddr(5 * kGiB + kSection)),
               PhysRange(PhysAddr(kGiB), PhysAddr(kGiB + kSection))});
  const auto sections = m_.sparse().SectionStates();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kENXIO));

  EXPECT_EQ(pgmap.nr_range, 2);
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_EQ(pgmap.ref_count, 0);
  // Range 0 was moved into ZONE_DEVICE before it was unmapped.
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x8000));
}

// Two ranges both mapped, then both unmapped.
TEST_F(MemremapTest, TwoRangesMapAndUnmap) {
  DevPagemap pgmap =
      Pagemap(MemoryType::kDeviceFsDax,
              {PhysRange(PhysAddr(5 * kGiB), PhysAddr(5 * kGiB + kSection)),
               PhysRange(PhysAddr(6 * kGiB), PhysAddr(6 * kGiB + kSection))});
  ASSERT_EQ(Remap(pgmap), 0);
  EXPECT_EQ(pgmap.nr_range, 2);
  EXPECT_EQ(pgmap_array_.Entries().size(), 2u);
  EXPECT_EQ(pgmap.ref_count, 1 + 2 * 0x8000);
  EXPECT_EQ(pgmap_array_.Load(Pfn(0x180000)), &pgmap);
  EXPECT_EQ(pgmap_array_.Load(Pfn(0x148000)), nullptr);
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x48000));

  Unmap(pgmap);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(48)));
}

// An altmap with more than one range: WARN_ONCE at the second range,
// -EINVAL, the first range unwound.
TEST_F(MemremapTest, AltmapWithTwoRangesIsRefused) {
  DevPagemap pgmap =
      Pagemap(MemoryType::kDeviceGeneric,
              {PhysRange(PhysAddr(5 * kGiB), PhysAddr(5 * kGiB + kSection)),
               PhysRange(PhysAddr(6 * kGiB), PhysAddr(6 * kGiB + kSection))});
  pgmap.flags = kPgmapAltmapValid;
  pgmap.altmap =
      sparse::VmemAltmap{.base_pfn = Pfn(0x140000), .free = NrPages(0x1000)};
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kEINVAL));
  EXPECT_EQ(
      WarnsSince(events),
      (std::vector<std::string>{"altmap not supported for multiple ranges"}));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_EQ(pgmap.altmap.alloc, NrPages(0));
}

// The type checks come before anything is touched.
TEST_F(MemremapTest, TypeChecksWarnAndFailWithEinval) {
  const size_t events = m_.log().size();
  DevPagemap none = Generic(5 * kGiB, kSection);
  none.nr_range = 0;
  EXPECT_EQ(Remap(none), -static_cast<int>(model::Errno::kEINVAL));

  DevPagemap priv = Generic(5 * kGiB, kSection);
  priv.type = MemoryType::kDevicePrivate;
  EXPECT_EQ(Remap(priv), -static_cast<int>(model::Errno::kEINVAL));
  const DevPagemapOps migrate_only{.migrate_to_ram = true};
  priv.ops = &migrate_only;
  EXPECT_EQ(Remap(priv), -static_cast<int>(model::Errno::kEINVAL));
  const DevPagemapOps both{.page_free = true, .migrate_to_ram = true};
  priv.ops = &both;
  EXPECT_EQ(Remap(priv), -static_cast<int>(model::Errno::kEINVAL));

  DevPagemap coherent = Generic(5 * kGiB, kSection);
  coherent.type = MemoryType::kDeviceCoherent;
  coherent.ops = &migrate_only;
  EXPECT_EQ(Remap(coherent), -static_cast<int>(model::Errno::kEINVAL));

  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{
                "nr_range must be specified", "Missing migrate_to_ram method",
                "Missing page_free method", "Missing owner",
                "Missing page_free method"}));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_FALSE(priv.ref_live);
}

// An uninitialised type (0) WARNs and is mapped anyway, as in the kernel.
TEST_F(MemremapTest, InvalidTypeWarnsAndMapsAnyway) {
  const size_t events = m_.log().size();
  DevPagemap pgmap =
      Pagemap(MemoryType{0},
              {PhysRange(PhysAddr(5 * kGiB), PhysAddr(5 * kGiB + kSection))});
  EXPECT_EQ(Remap(pgmap), 0);
  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{"Invalid pgmap type 0"}));
  EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(40)));
}

// DEVICE_PRIVATE with its methods and owner: add_pages() only, no
// per-range references, otherwise the same ZONE_DEVICE memmap.
TEST_F(MemremapTest, DevicePrivateTakesNoPerRangeReferences) {
  const DevPagemapOps ops{.page_free = true, .migrate_to_ram = true};
  const int owner = 0;
  DevPagemap pgmap = Generic(5 * kGiB, kSection);
  pgmap.type = MemoryType::kDevicePrivate;
  pgmap.ops = &ops;
  pgmap.owner = &owner;

  ASSERT_EQ(Remap(pgmap), 0);
  EXPECT_EQ(pgmap.ref_count, 1);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)), kDevicePage);
  Unmap(pgmap);
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_TRUE(pgmap.done);
}

// memunmap_pages() kills the ref before it takes mem_hotplug_lock: while it
// waits for the lock, get_dev_pagemap() no longer finds the pagemap, and
// pfn_to_online_page()'s slow path returns the still-valid device pfns of a
// shared section as online pages (kSharedFirmware).
//
//   0x78000                  0x7c000                      0x80000
//   |== System RAM (early) ==|== pgmap: being unmapped ===|
TEST_F(MemremapSharedSectionTest, WhileUnmappingPfnToOnlinePageSeesDevicePfns) {
  DevPagemap pgmap = Generic(0x7c000000, 64 * kMiB);
  ASSERT_EQ(Remap(pgmap), 0);

  model::Operation<bool> op = MemunmapPages(m_, pgmap_array_, pgmap);
  ASSERT_TRUE(op.Step());
  ASSERT_TRUE(op.suspended_at().has_value());
  EXPECT_EQ(op.suspended_at()->what, "mem_hotplug_lock");
  EXPECT_TRUE(m_.sparse().PfnValid(Pfn(0x7c000)));
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7c000)), Pfn(0x7c000));

  while (op.Step()) {
  }
  EXPECT_EQ(m_.sparse().PfnToOnlinePage(Pfn(0x7c000)), std::nullopt);
}

// A reference someone still holds keeps memunmap_pages() waiting on
// pgmap->done; the last put lets it go on.
TEST_F(MemremapTest, MemunmapWaitsForOutstandingReferences) {
  DevPagemap pgmap = Generic(5 * kGiB, kSection);
  ASSERT_EQ(Remap(pgmap), 0);
  DevPagemap* held = pgmap_array_.GetDevPagemap(Pfn(0x140000), nullptr);
  ASSERT_EQ(held, &pgmap);

  model::Operation<bool> op = MemunmapPages(m_, pgmap_array_, pgmap);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(op.Step());
    EXPECT_EQ(op.suspended_at()->what, "pgmap->done");
  }
  // A new lookup fails: the ref is dying.
  EXPECT_EQ(pgmap_array_.GetDevPagemap(Pfn(0x140000), nullptr), nullptr);
  EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(40)));

  pgmap_array_.PutDevPagemap(held);
  while (op.Step()) {
  }
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
}

// devm_memremap_pages() maps on the device's node; NUMA_NO_NODE means
// numa_mem_id() (node 0 here).
TEST_F(MemremapTest, DevmWrappersMapAndUnmap) {
  DevPagemap pgmap = Generic(5 * kGiB, kSection);
  ASSERT_EQ(RunToCompletion(
                DevmMemremapPages(m_, pgmap_array_, model::kNumaNoNode, pgmap)),
            0);
  EXPECT_EQ(Device(0).spanned_pages, NrPages(0x8000));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)).nid, NodeId(0));
  EXPECT_TRUE(RunToCompletion(DevmMemunmapPages(m_, pgmap_array_, pgmap)));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
}

// pgmap_array as an xarray of ranges: a store splits what it overlaps,
// a NULL store erases.
// --- v5.1: kernel/memremap.c devm_memremap_pages(), section aligned --------

class MemremapV51Test : public ::testing::Test {
 protected:
  virtual const char* Firmware() const { return kP2Firmware; }

  void SetUp() override {
    absl::StatusOr<E820Table> fw = ParseE820Table(Firmware(), "fw");
    ASSERT_TRUE(fw.ok()) << fw.status();
    X86BootInput in{.firmware = *fw, .cmdline = "console=ttyS0"};
    absl::StatusOr<X86BootResult> r = BootX86(m_, in);
    ASSERT_TRUE(r.ok()) << r.status();
    m_.set_system_running(true);
  }
  int Remap(DevPagemap& pgmap) {
    return RunToCompletion(
        DevmMemremapPages(m_, pgmap_array_, NodeId(0), pgmap));
  }
  bool Unmap(DevPagemap& pgmap) {
    return RunToCompletion(DevmMemunmapPages(m_, pgmap_array_, pgmap));
  }
  std::vector<std::string> WarnsSince(size_t from) const {
    std::vector<std::string> out;
    const auto& events = m_.log().events();
    for (size_t i = from; i < events.size(); ++i) {
      if (events[i].kind != model::EventKind::kWarn) continue;
      out.push_back(events[i].text.empty() ? events[i].condition
                                           : events[i].text);
    }
    return out;
  }
  const Zone& Device() {
    return m_.NodeData(NodeId(0))->zone(ZoneType::kDevice);
  }

  Machine m_{*model::Geometry::Named("x86_64", KernelVersion::kV5_1),
             model::KernelProfile::For(KernelVersion::kV5_1)};
  DevPagemapRegistry pgmap_array_{m_};
};

class MemremapV51SharedSectionTest : public MemremapV51Test {
 protected:
  const char* Firmware() const override { return kSharedFirmware; }
};

// A 32 MiB pagemap in the middle of section 40:
//
//   0x140000         0x144000      0x146000          0x148000
//   |.. padding .....|== pgmap ====|.... padding ....|
//   '------------------ section 40, mapped whole ------'
//
// v5.1 widens the range to the section: section 40 is added whole, the
// Device zone spans all of it, every struct page of it (the padding too) is
// a ZONE_DEVICE page, and x86's add_pages() raises max_pfn to its end. Only
// the resource's pfns are in pgmap_array, and only they hold references. A
// model with sub-section hotplug would add 16 sub-sections and span
// [0x144000, 0x146000) only.
TEST_F(MemremapV51Test, AnUnalignedRangeMapsItsWholeSection) {
  DevPagemap pgmap = Generic(5 * kGiB + 64 * kMiB, 32 * kMiB);
  const size_t events = m_.log().size();

  ASSERT_EQ(Remap(pgmap), 0);

  EXPECT_EQ(m_.log().size(), events);
  EXPECT_TRUE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_TRUE(m_.sparse().PfnValid(Pfn(0x140000)));
  EXPECT_TRUE(m_.sparse().PfnValid(Pfn(0x147fff)));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)), kDevicePage);
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x147fff)), kDevicePage);
  EXPECT_EQ(Device().zone_start_pfn, Pfn(0x140000));
  EXPECT_EQ(Device().spanned_pages, NrPages(0x8000));
  EXPECT_EQ(m_.max_pfn(), Pfn(0x148000));
  const std::vector<DevPagemapRegistry::Entry> entries = pgmap_array_.Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, Pfn(0x144000));
  EXPECT_EQ(entries[0].last, Pfn(0x145fff));
  EXPECT_EQ(pgmap_array_.GetDevPagemap(Pfn(0x140000), nullptr), nullptr);
  EXPECT_EQ(pgmap.ref_count, 1 + 0x2000);
}

// Releasing it removes the whole section: v5.1's __remove_pages() shrinks the
// Device zone (__remove_zone, no ZONE_DEVICE exception before v5.5) and
// frees the section; the pgmap_array entries go. v6.1 keeps the Device span.
TEST_F(MemremapV51Test, ReleaseRemovesTheWholeSectionAndTheDeviceSpan) {
  DevPagemap pgmap = Generic(5 * kGiB + 64 * kMiB, 32 * kMiB);
  ASSERT_EQ(Remap(pgmap), 0);
  const size_t events = m_.log().size();

  EXPECT_TRUE(Unmap(pgmap));

  EXPECT_EQ(m_.log().size(), events);
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_FALSE(m_.sparse().PresentSection(SectionNr(40)));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x140000)).kind,
            sparse::MemmapKind::kAbsent);
  EXPECT_TRUE(Device().IsEmpty());
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_FALSE(pgmap.ref_live);
  EXPECT_EQ(pgmap.ref_count, 0);
}

// Two pagemaps in one section, the first holding its first pfn:
//
//   0x140000  0x142000   0x144000  0x146000        0x148000
//   |== A ====|          |== B ====|               |
//
// B's aligned range starts at 0x140000, which pgmap_array gives to A: WARN
// "Conflicting mapping in same section", -ENOMEM. With sub-section hotplug
// B would be mapped beside A.
TEST_F(MemremapV51Test, ASecondPagemapInASectionWhoseStartIsTakenConflicts) {
  DevPagemap a = Generic(5 * kGiB, 32 * kMiB);
  ASSERT_EQ(Remap(a), 0);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();
  DevPagemap b = Generic(5 * kGiB + 64 * kMiB, 32 * kMiB);

  EXPECT_EQ(Remap(b), -static_cast<int>(model::Errno::kENOMEM));

  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{"Conflicting mapping in same section"}));
  EXPECT_EQ(m_.log().events().back().function, "devm_memremap_pages");
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  ASSERT_EQ(pgmap_array_.Entries().size(), 1u);
  EXPECT_EQ(pgmap_array_.Entries()[0].pgmap, &a);
  EXPECT_FALSE(b.ref_live);
}

// Two pagemaps in one section, neither at its first or last pfn:
//
//   0x140000  0x142000   0x144000  0x146000        0x148000
//   |         |== A =====|== B ====|               |
//
// The conflict checks look at 0x140000 and 0x147fff only, which nobody
// holds, so B is mapped: __add_section() finds section 40 valid (-EEXIST,
// ignored by __add_pages) and memmap_init_zone_device() re-initialises the
// whole section, A's pages included. Releasing B then removes section 40
// under A: A's pfns have no memmap any more. This is the collision the
// sub-section series was written for; a v5.3+ model keeps A's section.
TEST_F(MemremapV51Test, APagemapInAnotherPagemapsPaddingTakesTheSectionAway) {
  DevPagemap a = Generic(5 * kGiB + 32 * kMiB, 32 * kMiB);
  ASSERT_EQ(Remap(a), 0);
  DevPagemap b = Generic(5 * kGiB + 64 * kMiB, 32 * kMiB);
  const size_t events = m_.log().size();

  ASSERT_EQ(Remap(b), 0);
  EXPECT_EQ(m_.log().size(), events);
  ASSERT_EQ(pgmap_array_.Entries().size(), 2u);

  EXPECT_TRUE(Unmap(b));
  EXPECT_FALSE(m_.sparse().ValidSection(SectionNr(40)));
  EXPECT_FALSE(m_.sparse().PfnValid(Pfn(0x142000)));
  EXPECT_EQ(m_.sparse().memmap().Get(Pfn(0x142000)).kind,
            sparse::MemmapKind::kAbsent);
  // A is still registered: its pfns resolve to a pagemap without a memmap.
  EXPECT_EQ(pgmap_array_.Load(Pfn(0x142000)), &a);
}

// A 64 MiB pagemap in the upper half of section 15, whose lower half is boot
// System RAM:
//
//   0x78000                  0x7c000                          0x80000
//   |== System RAM ==========|== pgmap [0x7c000000, 0x80000000) ==|
//   '--------------------- section 15 ----------------------------'
//
// region_intersects() of the aligned range [0x78000000, 0x80000000) meets
// System RAM and no other resource (the upper half is a gap, which counts
// for neither): REGION_INTERSECTS, so WARN_ONCE "devm_memremap_pages
// attempted on ram region" with the resource in "%pr", -ENXIO, nothing
// changes. A v5.3+ model maps it as sub-sections of the RAM's section.
TEST_F(MemremapV51SharedSectionTest, ARangeSharingASectionWithRamIsRefused) {
  DevPagemap pgmap = Generic(0x7c000000, 64 * kMiB);
  const auto sections = m_.sparse().SectionStates();
  const size_t events = m_.log().size();

  EXPECT_EQ(Remap(pgmap), -static_cast<int>(model::Errno::kENXIO));

  EXPECT_EQ(WarnsSince(events),
            (std::vector<std::string>{
                "devm_memremap_pages attempted on ram region [mem "
                "0x7c000000-0x7fffffff flags 0x200]"}));
  EXPECT_EQ(m_.sparse().SectionStates(), sections);
  EXPECT_TRUE(pgmap_array_.Entries().empty());
  EXPECT_TRUE(Device().IsEmpty());
  EXPECT_FALSE(pgmap.ref_live);
}

TEST(DevPagemapRegistryTest, StoreRangeOverwritesAndErasesExactlyTheRange) {
  Machine m(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  DevPagemapRegistry reg(m);
  DevPagemap a, b;
  reg.StoreRange(Pfn(10), Pfn(19), &a);
  reg.StoreRange(Pfn(14), Pfn(15), &b);
  EXPECT_EQ(reg.Load(Pfn(13)), &a);
  EXPECT_EQ(reg.Load(Pfn(14)), &b);
  EXPECT_EQ(reg.Load(Pfn(16)), &a);
  EXPECT_EQ(reg.Load(Pfn(20)), nullptr);
  EXPECT_EQ(reg.Entries().size(), 3u);
  reg.StoreRange(Pfn(12), Pfn(17), nullptr);
  EXPECT_EQ(reg.Load(Pfn(11)), &a);
  EXPECT_EQ(reg.Load(Pfn(12)), nullptr);
  EXPECT_EQ(reg.Load(Pfn(17)), nullptr);
  EXPECT_EQ(reg.Load(Pfn(18)), &a);
  EXPECT_EQ(reg.Load(Pfn(9)), nullptr);
  EXPECT_EQ(reg.Entries().size(), 2u);
}

}  // namespace
}  // namespace memhp::hotplug
