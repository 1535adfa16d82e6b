// A whole x86_64 boot from the firmware map of
// ../shared/capture-logs/p1-boot-4g.log: /proc/iomem's e820 lines, the
// zones and the memory blocks of its boot snapshot.

#include "hotplug/x86_boot.h"

#include "gtest/gtest.h"
#include "hotplug/render.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;

constexpr char kP1Firmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n"
    "BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

TEST(BootX86Test, P1BootMatchesTheRealKernel) {
  Machine m(*model::Geometry::Named("x86_64-la57", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  absl::StatusOr<E820Table> fw = ParseE820Table(kP1Firmware, "p1");
  ASSERT_TRUE(fw.ok()) << fw.status();
  absl::StatusOr<X86BootResult> r = BootX86(
      m, {.firmware = *fw, .cmdline = "console=ttyS0 loglevel=7 panic=-1 "});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->malformed.empty());
  EXPECT_EQ(IomemLines(m), (std::vector<std::string>{
                               "00000000-00000fff : Reserved",
                               "00001000-0009fbff : System RAM",
                               "0009fc00-0009ffff : Reserved",
                               "000f0000-000fffff : Reserved",
                               "00100000-bffdffff : System RAM",
                               "bffe0000-bfffffff : Reserved",
                               "fffc0000-ffffffff : Reserved",
                               "100000000-13fffffff : System RAM",
                               "fd00000000-ffffffffff : Reserved",
                           }));
  std::vector<std::string> zi = ZoneinfoLines(m);
  EXPECT_EQ(zi[1], "        spanned  4095");
  EXPECT_EQ(zi[2], "        present  3998");
  EXPECT_EQ(MemoryBlockLines(m).size(), 32u);
  for (const char* line :
       {"e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
        "last_pfn = 0x140000 max_arch_pfn = 0x10000000000",
        "Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]",
        "On node 0, zone Normal: 32 pages in unavailable ranges",
        "x86/mm: Memory block size: 128MB"}) {
    EXPECT_TRUE(m.log().Contains(line)) << line;
  }
}

TEST(BootX86Test, MovablecoreOnTheCommandLineMakesAMovableZone) {
  Machine m(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  absl::StatusOr<X86BootResult> r =
      BootX86(m, {.firmware = *ParseE820Table(kP1Firmware, "p1"),
                  .cmdline = "movablecore=512M"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(m.zones().pgdat.at(0).zone(ZoneType::kMovable).spanned_pages,
            model::NrPages(0x20000));
  Machine bad(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
              model::KernelProfile::For(KernelVersion::kV6_1));
  ASSERT_TRUE(BootX86(bad, {.firmware = *ParseE820Table(kP1Firmware, "p1"),
                            .cmdline = "kernelcore=lots"})
                  .ok());
  EXPECT_TRUE(bad.log().Contains("Malformed early option 'kernelcore'"));
}

}  // namespace
}  // namespace memhp::hotplug
