// What the model claims of the kernel's output: the dmesg patterns (with
// their indented blocks), the iomem names, and strerror() text -> errno.

#include "traces/scope.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memhp::traces {
namespace {

using model::Errno;

std::vector<std::string_view> Claimed(
    const std::vector<std::string_view>& texts) {
  std::vector<std::string_view> out;
  const std::vector<bool> c = ClaimedDmesgLines(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    if (c[i]) out.push_back(texts[i]);
  }
  return out;
}

TEST(ClaimedDmesgTest, ClaimsTheMemoryMapZonesBlocksAndHotplugLines) {
  const std::vector<std::string_view> boot = {
      "Linux version 6.1.0-56-amd64",
      "BIOS-provided physical RAM map:",
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
      "user: [mem 0x0000000120000000-0x000000013fffffff] soft reserved",
      "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
      "e820: reserve RAM buffer [mem 0x0009fc00-0x0009ffff]",
      "NODE_DATA(0) allocated [mem 0x13ffd3000-0x13fffdfff]",
      "Zone ranges:",
      "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
      "  Device   empty",
      "Movable zone start for each node",
      "Early memory node ranges",
      "  node   0: [mem 0x0000000000001000-0x000000000009efff]",
      "Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]",
      "On node 0, zone DMA: 1 pages in unavailable ranges",
      "On node 0 totalpages: 1",
      "ACPI: PM-Timer IO Port: 0x608",
      "  not a block line any more",
      "x86/mm: Memory block size: 128MB",
      "Fallback order for Node 0: 0 ",
      "Built 1 zonelists, mobility grouping on.  Total pages: 502394",
      "Policy zone: DMA32",
      "kmem dax0.0: mapping0: 0x120000000-0x13fffffff could not reserve "
      "region",
      "section already deactivated (0x100000 + 0)",
  };
  EXPECT_EQ(Claimed(boot),
            (std::vector<std::string_view>{
                "BIOS-provided physical RAM map:",
                "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
                "user: [mem 0x0000000120000000-0x000000013fffffff] soft "
                "reserved",
                "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
                "Zone ranges:",
                "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
                "  Device   empty",
                "Movable zone start for each node",
                "Early memory node ranges",
                "  node   0: [mem 0x0000000000001000-0x000000000009efff]",
                "Initmem setup node 0 [mem "
                "0x0000000000001000-0x000000013fffffff]",
                "On node 0, zone DMA: 1 pages in unavailable ranges",
                "x86/mm: Memory block size: 128MB",
                "kmem dax0.0: mapping0: 0x120000000-0x13fffffff could not "
                "reserve region",
                "section already deactivated (0x100000 + 0)",
            }));
}

TEST(ClaimedDmesgTest, ClaimsNdPmemLinesOnly) {
  const std::vector<std::string_view> lines = {
      "nd_pmem namespace0.0: unable to guarantee persistence of writes",
      "nd_pmem namespace0.0: [mem 0x104100000-0x10a3fffff flags 0x200] "
      "misaligned, unable to map",
      "nd_pmem: probe of namespace0.0 failed with error -95",
      "pmem0: detected capacity change from 0 to 2097152",
      "nd_btt: probe of btt0.0 failed with error -22",
      "pci_bus 0000:00: root bus resource [mem 0x100000000-0x17fffffff "
      "window]",
  };
  EXPECT_EQ(Claimed(lines),
            (std::vector<std::string_view>{
                "nd_pmem namespace0.0: unable to guarantee persistence of "
                "writes",
                "nd_pmem namespace0.0: [mem 0x104100000-0x10a3fffff flags "
                "0x200] misaligned, unable to map",
                "nd_pmem: probe of namespace0.0 failed with error -95",
            }));
}

TEST(ClaimedDmesgTest, EveryPatternHasASource) {
  for (const DmesgPattern& p : ClaimedDmesgPatterns()) {
    EXPECT_FALSE(p.prefix.empty());
    EXPECT_FALSE(p.source.empty()) << p.prefix;
  }
}

TEST(ClaimedIomemTest, ClaimsMemoryResourcesOnly) {
  for (std::string_view n :
       {"System RAM", "Reserved", "Persistent Memory",
        "Persistent Memory (legacy)", "namespace0.0", "namespace12.3",
        "Soft Reserved", "hmem.0", "dax0.0", "dax1.12", "System RAM (kmem)"}) {
    EXPECT_TRUE(IsClaimedIomemName(n)) << n;
  }
  for (std::string_view n :
       {"Kernel code", "Kernel bss", "PCI Bus 0000:00", "0000:00:02.0",
        "IOAPIC 0", "Local APIC", "System ROM", "Video ROM", "ACPI Tables",
        "RAM buffer", "hmem.", "hmem.x", "dax0", "dax0.", "namespace0",
        "system ram", "reserved"}) {
    EXPECT_FALSE(IsClaimedIomemName(n)) << n;
  }
}

TEST(ErrnoFromTextTest, FindsTheStrerrorTextAtTheEnd) {
  EXPECT_EQ(ErrnoFromText("sh: write error: Device or resource busy"),
            Errno::kEBUSY);
  EXPECT_EQ(ErrnoFromText("Invalid argument  "), Errno::kEINVAL);
  EXPECT_EQ(ErrnoFromText("sh: write error: No such device"), Errno::kENODEV);
  // "No such device or address" also ends in... itself, not "No such
  // device": the longest match wins.
  EXPECT_EQ(ErrnoFromText("echo: No such device or address"), Errno::kENXIO);
  EXPECT_EQ(ErrnoFromText("Device or resource busy (really)"), std::nullopt);
  EXPECT_EQ(ErrnoFromText(""), std::nullopt);
}

}  // namespace
}  // namespace memhp::traces
