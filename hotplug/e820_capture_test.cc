// The e820 model against the real 6.1 kernel: for each capture log of
// ../shared/capture-logs, its BIOS-e820 lines and its command line must give
// exactly the e820 lines of its boot dmesg ("user:", "e820: update/remove",
// "last_pfn", "e820: reserve RAM buffer"), its "Early memory node ranges" and
// the System RAM / Reserved / Soft Reserved lines of its boot /proc/iomem.
// The lines below are copied from the boot snapshot of each log.

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotplug/e820.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using ::testing::ElementsAreArray;

struct Capture {
  // The "=== cmdline" line.
  std::string_view cmdline;
  // The e820 lines of the boot dmesg, from "BIOS-provided physical RAM map:"
  // to trim_bios_range()'s "e820: remove".
  std::string_view setup_arch;
  // The "last_pfn = ..." lines (setup_arch, a few lines later).
  std::string_view last_pfn;
  // "Early memory node ranges" (free_area_init).
  std::string_view node_ranges;
  // "e820: reserve RAM buffer" (e820__reserve_resources_late, ~1 s later).
  std::string_view ram_buffers;
  // The /proc/iomem lines named System RAM, Reserved, Soft Reserved,
  // Persistent Memory, at any depth.
  std::string_view iomem;
};

// ../shared/capture-logs/p1-boot-4g.log: cmdline line 372, dmesg lines
// 466-480, 482 and 484, 513-515, 736-737; /proc/iomem lines 400-427.
constexpr Capture kP1{
    .cmdline = "console=ttyS0 loglevel=7 panic=-1 ",
    .setup_arch =
        R"([    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable
[    0.000000] BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable
[    0.000000] BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
[    0.000000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
[    0.000000] e820: remove [mem 0x000a0000-0x000fffff] usable
)",
    .last_pfn =
        R"([    0.000000] last_pfn = 0x140000 max_arch_pfn = 0x10000000000
[    0.000000] last_pfn = 0xbffe0 max_arch_pfn = 0x10000000000
)",
    .node_ranges =
        R"([    0.000000]   node   0: [mem 0x0000000000001000-0x000000000009efff]
[    0.000000]   node   0: [mem 0x0000000000100000-0x00000000bffdffff]
[    0.000000]   node   0: [mem 0x0000000100000000-0x000000013fffffff]
)",
    .ram_buffers =
        R"([    1.199704] e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]
[    1.199816] e820: reserve RAM buffer [mem 0xbffe0000-0xbfffffff]
)",
    .iomem = R"(00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000f0000-000fffff : Reserved
00100000-bffdffff : System RAM
bffe0000-bfffffff : Reserved
fffc0000-ffffffff : Reserved
100000000-13fffffff : System RAM
fd00000000-ffffffffff : Reserved
)",
};

// ../shared/capture-logs/p2-dimm-online-offline.log: cmdline line 371,
// dmesg lines 456-469, 471, 506-507, 725-726; /proc/iomem lines 398-425
// without "100000000-13fffffff : System RAM": that is the pc-dimm, which
// ACPI hot-adds later in the boot (add_memory), not part of the e820 map.
constexpr Capture kP2{
    .cmdline = "console=ttyS0 loglevel=7 panic=-1 ",
    .setup_arch =
        R"([    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable
[    0.000000] BIOS-e820: [mem 0x000000007ffe0000-0x000000007fffffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
[    0.000000] BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
[    0.000000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
[    0.000000] e820: remove [mem 0x000a0000-0x000fffff] usable
)",
    .last_pfn =
        R"([    0.000000] last_pfn = 0x7ffe0 max_arch_pfn = 0x10000000000
)",
    .node_ranges =
        R"([    0.000000]   node   0: [mem 0x0000000000001000-0x000000000009efff]
[    0.000000]   node   0: [mem 0x0000000000100000-0x000000007ffdffff]
)",
    .ram_buffers =
        R"([    1.370668] e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]
[    1.370810] e820: reserve RAM buffer [mem 0x7ffe0000-0x7fffffff]
)",
    .iomem = R"(00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000f0000-000fffff : Reserved
00100000-7ffdffff : System RAM
7ffe0000-7fffffff : Reserved
fffc0000-ffffffff : Reserved
fd00000000-ffffffffff : Reserved
)",
};

// ../shared/capture-logs/p3-hmem-kmem.log: cmdline line 391 (memmap=
// 512M%0x120000000+0xefffffff: size%offset+type, an e820__range_add, hence
// no "e820: update" line), dmesg lines 494-518, 520 and 522, 558-561,
// 783-784; /proc/iomem lines 419-450 (Soft Reserved sits under dax_hmem's
// hmem.0 there).
constexpr Capture kP3{
    .cmdline =
        "console=ttyS0 loglevel=7 panic=-1 memmap=512M%0x120000000+0xefffffff",
    .setup_arch =
        R"([    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable
[    0.000000] BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved
[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000017fffffff] usable
[    0.000000] BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
[    0.000000] user-defined physical RAM map:
[    0.000000] user: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] user: [mem 0x000000000009fc00-0x000000000009ffff] reserved
[    0.000000] user: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] user: [mem 0x0000000000100000-0x00000000bffdffff] usable
[    0.000000] user: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved
[    0.000000] user: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved
[    0.000000] user: [mem 0x0000000100000000-0x000000011fffffff] usable
[    0.000000] user: [mem 0x0000000120000000-0x000000013fffffff] soft reserved
[    0.000000] user: [mem 0x0000000140000000-0x000000017fffffff] usable
[    0.000000] user: [mem 0x000000fd00000000-0x000000ffffffffff] reserved
[    0.000000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved
[    0.000000] e820: remove [mem 0x000a0000-0x000fffff] usable
)",
    .last_pfn =
        R"([    0.000000] last_pfn = 0x180000 max_arch_pfn = 0x10000000000
[    0.000000] last_pfn = 0xbffe0 max_arch_pfn = 0x10000000000
)",
    .node_ranges =
        R"([    0.000000]   node   0: [mem 0x0000000000001000-0x000000000009efff]
[    0.000000]   node   0: [mem 0x0000000000100000-0x00000000bffdffff]
[    0.000000]   node   0: [mem 0x0000000100000000-0x000000011fffffff]
[    0.000000]   node   0: [mem 0x0000000140000000-0x000000017fffffff]
)",
    .ram_buffers =
        R"([    1.068003] e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]
[    1.068134] e820: reserve RAM buffer [mem 0xbffe0000-0xbfffffff]
)",
    .iomem = R"(00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-0009ffff : Reserved
000f0000-000fffff : Reserved
00100000-bffdffff : System RAM
bffe0000-bfffffff : Reserved
fffc0000-ffffffff : Reserved
100000000-11fffffff : System RAM
  120000000-13fffffff : Soft Reserved
140000000-17fffffff : System RAM
fd00000000-ffffffffff : Reserved
)",
};

// The lines of `text` without the dmesg timestamp and the iomem indent.
std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view line : model::Split(text, '\n')) {
    if (line.empty()) continue;
    if (line.substr(0, 15) == "[    0.000000] " ||
        (line.size() > 15 && line[0] == '[' && line[14] == ' ')) {
      line.remove_prefix(15);
    }
    while (!line.empty() && line.front() == ' ' &&
           line.find(" : ") != std::string_view::npos) {
      line.remove_prefix(1);
    }
    out.emplace_back(line);
  }
  return out;
}

// The capture guests run `-cpu max` under TCG, which has LA57: the kernel
// uses 5-level paging, MAX_PHYSMEM_BITS 52 (max_arch_pfn = 0x10000000000).
model::Geometry La57() {
  absl::StatusOr<model::Geometry> g =
      model::Geometry::Named("x86_64-la57", model::KernelVersion::kV6_1);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

class E820CaptureTest : public ::testing::TestWithParam<Capture> {
 protected:
  // SetupArchE820 on the capture's BIOS map and command line.
  E820SetupResult Boot(model::EventLog* log) {
    std::string bios;
    for (std::string_view line : model::Split(GetParam().setup_arch, '\n')) {
      if (line.find("BIOS-e820:") != std::string_view::npos) {
        bios += model::Cat(line, "\n");
      }
    }
    absl::StatusOr<E820Table> table = ParseE820Table(bios, "capture");
    EXPECT_TRUE(table.ok()) << table.status();
    absl::StatusOr<E820SetupResult> r =
        SetupArchE820(*table, GetParam().cmdline, {"cmdline", 1, 1}, log);
    EXPECT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->halted);
    EXPECT_THAT(r->malformed, ::testing::IsEmpty());
    return *r;
  }
};

TEST_P(E820CaptureTest, SetupArchPrintsTheCapturedE820Lines) {
  model::EventLog log;
  Boot(&log);
  EXPECT_THAT(log.DmesgLines(), ElementsAreArray(Lines(GetParam().setup_arch)));
}

TEST_P(E820CaptureTest, MaxPfnLinesMatch) {
  model::EventLog log;
  const E820SetupResult r = Boot(&log);
  const size_t from = log.size();
  const model::Pfn max_pfn = E820EndOfRamPfn(r.table, La57(), &log);
  // setup_arch(): the low end only when there is RAM above 4 GiB.
  if (max_pfn > model::Pfn(uint64_t{1} << 20)) {
    E820EndOfLowRamPfn(r.table, La57(), &log);
  }
  EXPECT_THAT(log.DmesgLines(from),
              ElementsAreArray(Lines(GetParam().last_pfn)));
}

TEST_P(E820CaptureTest, MemblockMemoryIsTheEarlyMemoryNodeRanges) {
  model::EventLog log;
  const E820Memblock memblock = E820MemblockSetup(Boot(&log).table, La57());
  std::vector<std::string> lines;
  for (const model::PhysRange& r : memblock.memory) {
    lines.push_back(
        model::Sprintf("  node   0: [mem 0x%016llx-0x%016llx]",
                       static_cast<unsigned long long>(r.start().value()),
                       static_cast<unsigned long long>(r.end().value() - 1)));
  }
  EXPECT_THAT(lines, ElementsAreArray(Lines(GetParam().node_ranges)));
}

TEST_P(E820CaptureTest, IomemGetsTheCapturedRamAndReservedRanges) {
  model::EventLog log;
  std::vector<std::string> lines;
  for (const E820Resource& r : E820ReserveResources(Boot(&log).table)) {
    // /proc/iomem: "%0*llx-%0*llx : %s" with width 8.
    lines.push_back(model::Sprintf(
        "%08llx-%08llx : %s",
        static_cast<unsigned long long>(r.range.start().value()),
        static_cast<unsigned long long>(r.range.end().value() - 1),
        r.name.c_str()));
  }
  EXPECT_THAT(lines, ElementsAreArray(Lines(GetParam().iomem)));
}

TEST_P(E820CaptureTest, RamBufferLinesMatch) {
  model::EventLog log;
  const E820SetupResult r = Boot(&log);
  const size_t from = log.size();
  E820ReserveResourcesLate(r.table, &log);
  std::vector<std::string> expected;
  for (const std::string& l : Lines(GetParam().ram_buffers)) {
    expected.push_back(l);
  }
  EXPECT_THAT(log.DmesgLines(from), ElementsAreArray(expected));
}

INSTANTIATE_TEST_SUITE_P(CaptureLogs, E820CaptureTest,
                         ::testing::Values(kP1, kP2, kP3),
                         [](const ::testing::TestParamInfo<Capture>& info) {
                           return std::string(info.index == 0   ? "p1"
                                              : info.index == 1 ? "p2"
                                                                : "p3");
                         });

}  // namespace
}  // namespace memhp::hotplug
