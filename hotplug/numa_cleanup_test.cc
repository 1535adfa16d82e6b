// numa_cleanup_meminfo's overlap checks (arch/x86/mm/numa.c, v6.1) and the
// fallback of x86_numa_init to one faked node when they fail.

#include "gtest/gtest.h"
#include "hotplug/render.h"
#include "hotplug/x86_boot.h"

namespace memhp::hotplug {
namespace {

using model::NodeId;
using model::PhysAddr;
using model::PhysRange;

constexpr uint64_t kG = 1ull << 30;

SratMemory Srat(uint64_t start, uint64_t end, int nid) {
  return {.range = PhysRange(PhysAddr(start), PhysAddr(end)),
          .node = NodeId(nid)};
}

// SRAT:  node 0 [0, 3G)
//        node 1         [2G, 5G)
//                  ^^^^ overlap of two nodes
// numa_cleanup_meminfo whines with pr_err and returns -EINVAL before any
// merge. A model that merged or split the overlap would return 0 and go on
// with two nodes.
TEST(NumaCleanupMeminfoTest, TwoNodesOverlappingFailWithEinval) {
  model::EventLog log;
  const NumaMeminfo mi = NumaCleanupMeminfo(
      {Srat(0, 3 * kG, 0), Srat(2 * kG, 5 * kG, 1)},
      {PhysRange(PhysAddr(0), PhysAddr(5 * kG))}, PhysAddr(5 * kG), log);
  EXPECT_EQ(mi.error, -22);
  EXPECT_EQ(log.DmesgLines(),
            (std::vector<std::string>{
                "node 0 [mem 0x00000000-0xbfffffff] overlaps with node 1 "
                "[mem 0x80000000-0x13fffffff]"}));
}

// SRAT:  node 0 [0, 3G)
//        node 0         [2G, 5G)
// One node overlapping itself: pr_warn, then the two merge with the usual
// "NUMA: Node" line. The warning has no "NUMA: " prefix (no pr_fmt in
// numa.c v6.1).
TEST(NumaCleanupMeminfoTest, OneNodeOverlappingItselfWarnsAndMerges) {
  model::EventLog log;
  const NumaMeminfo mi = NumaCleanupMeminfo(
      {Srat(0, 3 * kG, 0), Srat(2 * kG, 5 * kG, 0)},
      {PhysRange(PhysAddr(0), PhysAddr(5 * kG))}, PhysAddr(5 * kG), log);
  EXPECT_EQ(mi.error, 0);
  ASSERT_EQ(mi.meminfo.size(), 1u);
  EXPECT_EQ(mi.meminfo[0].end, 5 * kG);
  EXPECT_EQ(log.DmesgLines(),
            (std::vector<std::string>{
                "Warning: node 0 [mem 0x00000000-0xbfffffff] overlaps with "
                "itself [mem 0x80000000-0x13fffffff]",
                "NUMA: Node 0 [mem 0x00000000-0xbfffffff] + [mem "
                "0x80000000-0x13fffffff] -> [mem 0x00000000-0x13fffffff]"}));
}

// SRAT (table order):
//   0    1G   2G  2.5G 3G   4G
//   |b0 n0----|
//        |b1 n0----|
//                 |b2 n2-----|
// Pairs are visited in order (b0,b1), (b0,b2), (b1,b2). b0/b1 overlap within
// node 0: a warning, but no merge, because node 2's b2 lies inside their
// union [0, 3G). b0/b2 do not overlap. b1/b2 overlap across nodes: the
// error names b1, unmerged. A model that merged before the node check, or
// checked the pairs in another order, names other ranges.
TEST(NumaCleanupMeminfoTest, TheFirstOverlappingPairInOrderDecides) {
  model::EventLog log;
  const NumaMeminfo mi = NumaCleanupMeminfo(
      {Srat(0, 2 * kG, 0), Srat(1 * kG, 3 * kG, 0),
       Srat(5 * kG / 2, 4 * kG, 2)},
      {PhysRange(PhysAddr(0), PhysAddr(4 * kG))}, PhysAddr(4 * kG), log);
  EXPECT_EQ(mi.error, -22);
  EXPECT_EQ(log.DmesgLines(),
            (std::vector<std::string>{
                "Warning: node 0 [mem 0x00000000-0x7fffffff] overlaps with "
                "itself [mem 0x40000000-0xbfffffff]",
                "node 0 [mem 0x40000000-0xbfffffff] overlaps with node 2 "
                "[mem 0xa0000000-0xffffffff]"}));
}

// The whole boot: the SRAT of the first test fails, x86_numa_init falls
// back to dummy_numa_init: one faked node over all memory, node 1 neither
// online nor possible, and the SRAT's hotplug flag dropped (no
// ZONE_MOVABLE with movable_node). A model that kept the SRAT's nodes
// would show node 1 in zoneinfo.
TEST(BootX86NumaTest, OverlappingSratFallsBackToOneFakedNode) {
  Machine m(*model::Geometry::Named("x86_64", model::KernelVersion::kV6_1),
            model::KernelProfile::For(model::KernelVersion::kV6_1));
  absl::StatusOr<E820Table> fw = ParseE820Table(
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable\n"
      "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] usable\n",
      "fw");
  ASSERT_TRUE(fw.ok()) << fw.status();
  SratMemory hot = Srat(2 * kG, 5 * kG, 1);
  hot.hotplug = true;
  absl::StatusOr<X86BootResult> r =
      BootX86(m, {.firmware = *fw,
                  .cmdline = "movable_node",
                  .srat = {Srat(0, 3 * kG, 0), hot}});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<std::string> lines = m.log().DmesgLines();
  auto at = [&](const std::string& l) {
    return std::find(lines.begin(), lines.end(), l) - lines.begin();
  };
  const auto err =
      at("node 0 [mem 0x00000000-0xbfffffff] overlaps with node 1 [mem "
         "0x80000000-0x13fffffff]");
  const auto none = at("No NUMA configuration found");
  const auto fake =
      at("Faking a node at [mem 0x0000000000000000-0x000000013fffffff]");
  ASSERT_LT(err, static_cast<long>(lines.size()));
  EXPECT_LT(err, none);
  EXPECT_EQ(fake, none + 1);
  EXPECT_TRUE(m.NodeOnline(NodeId(0)));
  EXPECT_FALSE(m.NodePossible(NodeId(1)));
  EXPECT_EQ(m.NodeData(NodeId(1)), nullptr);
  EXPECT_TRUE(m.log().Contains("Movable zone start for each node"));
  for (const std::string& l : lines)
    EXPECT_EQ(l.rfind("  Node ", 0), std::string::npos) << l;
}

}  // namespace
}  // namespace memhp::hotplug
