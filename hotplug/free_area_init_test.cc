// free_area_init(): zone boundaries, spans, present pages and the
// "pages in unavailable ranges" accounting, checked against the boots of
// Debian's 6.1 kernel in ../shared/capture-logs and against a naive per-pfn
// reference on random memory maps.

#include "hotplug/free_area_init.h"

#include <set>

#include "gtest/gtest.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;

struct Booted {
  model::EventLog log;
  std::unique_ptr<sparse::Sparse> sparse;
  BootZones zones;
};

sparse::MemblockRegion Region(uint64_t start, uint64_t end, int nid = 0) {
  return {PfnRange(Pfn(start), Pfn(end)), NodeId(nid)};
}

// x86 zone_sizes_init(): DMA below 16 MiB, DMA32 below 4 GiB, Normal up to
// max_low_pfn (= max_pfn on x86_64).
std::array<Pfn, kMaxNrZones> X86MaxZonePfn(uint64_t max_pfn) {
  return {Pfn(std::min<uint64_t>(0x1000, max_pfn)),
          Pfn(std::min<uint64_t>(0x100000, max_pfn)), Pfn(max_pfn), Pfn(0),
          Pfn(0)};
}

std::unique_ptr<Booted> Boot(const FreeAreaInitConfig& c) {
  auto b = std::make_unique<Booted>();
  b->sparse = std::make_unique<sparse::Sparse>(
      *model::Geometry::Named("x86_64", KernelVersion::kV6_1),
      model::KernelProfile::For(KernelVersion::kV6_1), &b->log);
  b->sparse->SparseInit(c.memory);
  b->zones = FreeAreaInit(c, *b->sparse, b->log);
  return b;
}

std::vector<std::string> Lines(const model::EventLog& log) {
  return log.DmesgLines();
}

struct ZoneInfo {
  uint64_t spanned, present, start_pfn;
};

void ExpectZones(const Booted& b, const std::vector<ZoneInfo>& want) {
  const PgData& pgdat = b.zones.pgdat.at(0);
  for (int i = 0; i < kMaxNrZones; ++i) {
    SCOPED_TRACE(ZoneName(ZoneAt(i)));
    EXPECT_EQ(pgdat.node_zones[i].spanned_pages.value(), want[i].spanned);
    EXPECT_EQ(pgdat.node_zones[i].present_pages.value(), want[i].present);
    EXPECT_EQ(pgdat.node_zones[i].zone_start_pfn.value(), want[i].start_pfn);
  }
}

// ../shared/capture-logs/p1-boot-4g.log: 4 GiB, hole 3..4 GiB.
//
//  pfn 0 1     0x9f 0x100      0xbffe0 0xc0000      0x100000     0x140000
//      |x|=====|xxxx|=============|xx|..no sections..|============|
//       DMA: 1  DMA: 97                Normal: 32 (charged to the zone above)
TEST(FreeAreaInitTest, P1BootMatchesTheRealKernel) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x1, 0x9f), Region(0x100, 0xbffe0),
              Region(0x100000, 0x140000)};
  c.max_zone_pfn = X86MaxZonePfn(0x140000);
  c.nodes = {NodeId(0)};
  auto b = Boot(c);
  EXPECT_EQ(
      Lines(b->log),
      (std::vector<std::string>{
          "Zone ranges:",
          "  DMA      [mem 0x0000000000001000-0x0000000000ffffff]",
          "  DMA32    [mem 0x0000000001000000-0x00000000ffffffff]",
          "  Normal   [mem 0x0000000100000000-0x000000013fffffff]",
          "  Device   empty",
          "Movable zone start for each node",
          "Early memory node ranges",
          "  node   0: [mem 0x0000000000001000-0x000000000009efff]",
          "  node   0: [mem 0x0000000000100000-0x00000000bffdffff]",
          "  node   0: [mem 0x0000000100000000-0x000000013fffffff]",
          "Initmem setup node 0 [mem 0x0000000000001000-0x000000013fffffff]",
          "On node 0, zone DMA: 1 pages in unavailable ranges",
          "On node 0, zone DMA: 97 pages in unavailable ranges",
          "On node 0, zone Normal: 32 pages in unavailable ranges",
      }));
  ExpectZones(*b, {{4095, 3998, 1},
                   {1044480, 782304, 4096},
                   {262144, 262144, 1048576},
                   {0, 0, 0},
                   {0, 0, 0}});
  // The unavailable pages are initialised and reserved in the zone charged.
  EXPECT_EQ(b->sparse->memmap().Get(Pfn(0)),
            sparse::PageState::Initialised(0, NodeId(0), true));
  EXPECT_EQ(b->sparse->memmap().Get(Pfn(0xbfff0)),
            sparse::PageState::Initialised(2, NodeId(0), true));
  EXPECT_EQ(b->sparse->memmap().Get(Pfn(0x100000)),
            sparse::PageState::Initialised(2, NodeId(0)));
  EXPECT_EQ(b->sparse->memmap().Get(Pfn(0xc0000)).kind,
            sparse::MemmapKind::kAbsent);
}

// ../shared/capture-logs/p2-dimm-online-offline.log: 2 GiB; the tail of the
// last section is charged to the highest zone of the last node.
TEST(FreeAreaInitTest, P2BootMatchesTheRealKernel) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x1, 0x9f), Region(0x100, 0x7ffe0)};
  c.max_zone_pfn = X86MaxZonePfn(0x7ffe0);
  c.nodes = {NodeId(0)};
  auto b = Boot(c);
  std::vector<std::string> lines = Lines(b->log);
  EXPECT_EQ(lines[2], "  DMA32    [mem 0x0000000001000000-0x000000007ffdffff]");
  EXPECT_EQ(lines[3], "  Normal   empty");
  EXPECT_EQ(lines.back(),
            "On node 0, zone DMA32: 32 pages in unavailable ranges");
  ExpectZones(*b, {{4095, 3998, 1},
                   {520160, 520160, 4096},
                   {0, 0, 0},
                   {0, 0, 0},
                   {0, 0, 0}});
}

// ../shared/capture-logs/p3-hmem-kmem.log: memmap=512M%0x120000000+0xefffffff
// retypes [4.5 GiB, 5 GiB) as soft reserved: a hole of whole sections in
// Normal, spanned but not present.
TEST(FreeAreaInitTest, P3BootMatchesTheRealKernel) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x1, 0x9f), Region(0x100, 0xbffe0),
              Region(0x100000, 0x120000), Region(0x140000, 0x180000)};
  c.max_zone_pfn = X86MaxZonePfn(0x180000);
  c.nodes = {NodeId(0)};
  auto b = Boot(c);
  std::vector<std::string> lines = Lines(b->log);
  EXPECT_EQ(lines.back(),
            "On node 0, zone Normal: 32 pages in unavailable ranges");
  // The ZONE_DEVICE span of the real snapshot comes from dax_hmem at boot,
  // not from free_area_init.
  ExpectZones(*b, {{4095, 3998, 1},
                   {1044480, 782304, 4096},
                   {524288, 393216, 1048576},
                   {0, 0, 0},
                   {0, 0, 0}});
}

// movablecore=1G on p1's map: ZONE_MOVABLE takes the top GiB of Normal
// (required_movablecore rounded to MAX_ORDER_NR_PAGES, kernelcore the rest).
TEST(FreeAreaInitTest, MovablecoreCarvesTheMovableZoneFromTheTop) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x1, 0x9f), Region(0x100, 0xbffe0),
              Region(0x100000, 0x140000)};
  c.max_zone_pfn = X86MaxZonePfn(0x140000);
  c.nodes = {NodeId(0)};
  model::EventLog scratch;
  auto g = *model::Geometry::Named("x86_64", KernelVersion::kV6_1);
  c.movablecore = *CmdlineParseCore("512M", g, scratch);
  auto b = Boot(c);
  EXPECT_EQ(b->zones.zone_movable_pfn.at(0), Pfn(0x120000));
  const PgData& n = b->zones.pgdat.at(0);
  EXPECT_EQ(n.zone(ZoneType::kNormal).spanned_pages, NrPages(0x20000));
  EXPECT_EQ(n.zone(ZoneType::kMovable).zone_start_pfn, Pfn(0x120000));
  EXPECT_EQ(n.zone(ZoneType::kMovable).spanned_pages, NrPages(0x20000));
  EXPECT_EQ(n.zone(ZoneType::kMovable).present_pages, NrPages(0x20000));
  std::vector<std::string> lines = Lines(b->log);
  EXPECT_NE(
      std::find(lines.begin(), lines.end(), "  Node 0: 0x0000000120000000"),
      lines.end());
}

TEST(FreeAreaInitTest, KernelcorePercentLeavesTheRestMovable) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x100000, 0x200000)};  // 4 GiB at 4 GiB, all Normal
  c.max_zone_pfn = X86MaxZonePfn(0x200000);
  c.nodes = {NodeId(0)};
  model::EventLog scratch;
  auto g = *model::Geometry::Named("x86_64", KernelVersion::kV6_1);
  c.kernelcore = *CmdlineParseCore("25%", g, scratch);
  EXPECT_EQ(c.kernelcore.percent, 25u);
  auto b = Boot(c);
  // 25% of 0x100000 pages stay kernel: movable starts at 0x140000.
  EXPECT_EQ(b->zones.zone_movable_pfn.at(0), Pfn(0x140000));
  EXPECT_FALSE(CmdlineParseCore("lots", g, scratch).has_value());
  CmdlineParseCore("150%", g, scratch);
  EXPECT_EQ(scratch.CountKind(model::EventKind::kWarn), 1u);
}

TEST(FreeAreaInitTest, TwoNodesEachGetTheirZonesAndHolesGoToTheNextNode) {
  //  node 0: [0x1000, 0x80000)   node 1: [0x100000, 0x140000)
  FreeAreaInitConfig c;
  c.memory = {Region(0x1000, 0x7f000, 0), Region(0x100000, 0x140000, 1)};
  c.max_zone_pfn = X86MaxZonePfn(0x140000);
  c.nodes = {NodeId(0), NodeId(1)};
  auto b = Boot(c);
  EXPECT_EQ(b->zones.pgdat.at(1).zone(ZoneType::kNormal).present_pages,
            NrPages(0x40000));
  EXPECT_EQ(b->zones.pgdat.at(0).zone(ZoneType::kDma32).spanned_pages,
            NrPages(0x7e000));
  std::vector<std::string> lines = Lines(b->log);
  EXPECT_NE(
      std::find(
          lines.begin(), lines.end(),
          "Initmem setup node 1 [mem 0x0000000100000000-0x000000013fffffff]"),
      lines.end());
  // [0x7f000, 0x80000) is in node 0's last section, charged to node 1's
  // Normal zone: the zone of the next range.
  EXPECT_EQ(lines.back(),
            "On node 1, zone Normal: 4096 pages in unavailable ranges");
}

// The naive reference: per pfn, which zone and node the kernel charges, and
// whether the struct page exists (its section is present).
RC_GTEST_PROP(FreeAreaInitProp, SpansPresentPagesAndHolesEqualANaivePerPfnCount,
              ()) {
  const uint64_t pps = 0x8000;
  const uint64_t universe = 12 * pps;
  std::vector<uint64_t> cuts = *rc::gen::container<std::vector<uint64_t>>(
      2 * *rc::gen::inRange(1, 5), rc::gen::inRange<uint64_t>(1, universe));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  RC_PRE(cuts.size() >= 2);
  FreeAreaInitConfig c;
  for (size_t i = 0; i + 1 < cuts.size(); i += 2) {
    c.memory.push_back(Region(cuts[i], cuts[i + 1]));
  }
  // DMA and DMA32 end anywhere; Normal ends at the end of memory, as
  // max_low_pfn does on x86_64.
  std::vector<uint64_t> bounds = *rc::gen::container<std::vector<uint64_t>>(
      2, rc::gen::inRange<uint64_t>(0, universe + 1));
  bounds.push_back(c.memory.back().range.end().value());
  std::sort(bounds.begin(), bounds.end());
  c.max_zone_pfn = {Pfn(bounds[0]), Pfn(bounds[1]), Pfn(bounds[2]), Pfn(0),
                    Pfn(0)};
  c.nodes = {NodeId(0)};
  auto b = Boot(c);

  // Reference zone bounds: each zone starts where the previous ended, the
  // first at the start of memory.
  const uint64_t mem_start = c.memory.front().range.start().value();
  const uint64_t mem_end = c.memory.back().range.end().value();
  std::array<uint64_t, 3> lo, hi;
  uint64_t s = mem_start;
  for (int z = 0; z < 3; ++z) {
    lo[z] = s;
    hi[z] = std::max(bounds[z], s);
    s = hi[z];
  }
  auto in_memory = [&](uint64_t p) {
    for (const auto& r : c.memory) {
      if (r.range.Contains(Pfn(p))) return true;
    }
    return false;
  };
  auto zone_of = [&](uint64_t p) {
    for (int z = 0; z < 3; ++z) {
      if (lo[z] <= p && p < hi[z]) return z;
    }
    return -1;
  };
  std::set<uint64_t> present_sections;
  for (const auto& r : c.memory) {
    for (uint64_t p = r.range.start().value(); p < r.range.end().value();
         p += 1) {
      present_sections.insert(p / pps);
      p = std::min(r.range.end().value(), (p / pps + 1) * pps) - 1;
    }
  }
  std::array<uint64_t, 3> present{};
  for (uint64_t p = mem_start; p < mem_end; ++p) {
    if (in_memory(p) && zone_of(p) >= 0) present[zone_of(p)]++;
  }
  const PgData& n = b->zones.pgdat.at(0);
  int highest_populated = 0;
  for (int z = 0; z < 3; ++z) {
    const uint64_t zs = std::max(mem_start, lo[z]);
    const uint64_t ze = std::min(mem_end, hi[z]);
    const uint64_t spanned = ze > zs ? ze - zs : 0;
    RC_ASSERT(n.node_zones[z].spanned_pages.value() == spanned);
    RC_ASSERT(n.node_zones[z].present_pages.value() == present[z]);
    if (spanned) RC_ASSERT(n.node_zones[z].zone_start_pfn.value() == zs);
    if (present[z]) highest_populated = z;
  }
  // Holes: each gap before a range (and the tail up to the section end) is
  // charged to the zone of the next memory pfn (the tail: the highest
  // populated zone); only pfns of present sections count.
  std::vector<std::string> want;
  auto charge = [&](uint64_t from, uint64_t to, int zone) {
    uint64_t count = 0;
    for (uint64_t p = from; p < to; ++p)
      count += present_sections.count(p / pps);
    if (count) {
      want.push_back("On node 0, zone " + std::string(ZoneName(ZoneAt(zone))) +
                     ": " + std::to_string(count) +
                     " pages in unavailable ranges");
    }
  };
  uint64_t hole = 0;
  for (const auto& r : c.memory) {
    // Each zone part of the range is processed in zone order.
    for (int z = 0; z < 3; ++z) {
      const uint64_t zs =
          std::max(r.range.start().value(), std::max(mem_start, lo[z]));
      const uint64_t ze =
          std::min(r.range.end().value(), std::min(mem_end, hi[z]));
      if (zs >= ze || !present[z]) continue;
      if (hole < zs) charge(hole, zs, z);
      hole = ze;
    }
  }
  const uint64_t tail = (mem_end + pps - 1) / pps * pps;
  if (hole < tail) charge(hole, tail, highest_populated);
  std::vector<std::string> got;
  for (const std::string& l : Lines(b->log)) {
    if (l.find("unavailable ranges") != std::string::npos) got.push_back(l);
  }
  RC_ASSERT(got == want);
}

}  // namespace
}  // namespace memhp::hotplug

namespace memhp::hotplug {
namespace {

// Memory above every zone limit (the architecture's zones end below it):
// no zone can hold ZONE_MOVABLE and the kernel's VM_BUG_ON stops the boot.
TEST(FreeAreaInitTest, MemoryAboveEveryZoneLimitStopsTheBoot) {
  FreeAreaInitConfig c;
  c.memory = {Region(0x200000, 0x210000)};
  c.max_zone_pfn = {Pfn(0x1000), Pfn(0x100000), Pfn(0x100000), Pfn(0), Pfn(0)};
  auto b = Boot(c);
  EXPECT_TRUE(b->zones.halted);
  EXPECT_TRUE(b->log.HasBug());
  EXPECT_TRUE(b->zones.pgdat.empty());
}

}  // namespace
}  // namespace memhp::hotplug
