// Where the x86 boot allocations land (memblock_alloc.h), x86_64 4-level:
// 128 MiB sections of 0x8000 pfns, a 2 MiB memmap per section.
//
// boot-movablecore-1g's machine: node 0 has [0x1000, 0x9f000) and
// [0x100000, 0xbffe0) pfns below 4 GiB, [0x100000000, 0x140000000) above.
//
//   0x13be00000        0x13fe00000  0x13ffd5000  0x140000000
//   |== memmap buffer (32 x 2 MiB) ==|   ...     |NODE_DATA|
//   all inside memory39 [0x138000000, 0x140000000)
//
// and the swiotlb takes the 64 MiB below the top of RAM under 4 GiB.

#include "hotplug/memblock_alloc.h"

#include "gtest/gtest.h"

namespace memhp::hotplug {
namespace {

using model::NodeId;
using model::Pfn;
using model::PfnRange;

std::vector<sparse::MemblockRegion> FourGiB() {
  return {{PfnRange(Pfn(0x1), Pfn(0x9f)), NodeId(0)},
          {PfnRange(Pfn(0x100), Pfn(0xbffe0)), NodeId(0)},
          {PfnRange(Pfn(0x100000), Pfn(0x140000)), NodeId(0)}};
}

TEST(X86BootAllocationsTest, TopOfTheNodeAndBelow4G) {
  auto g = *model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  const std::vector<PfnRange> r =
      X86BootAllocations(g, FourGiB(), Pfn(0x140000));
  ASSERT_EQ(r.size(), 3u);
  // NODE_DATA: 0x2b000 bytes at the very top.
  EXPECT_EQ(r[0], PfnRange(Pfn(0x13ffd5), Pfn(0x140000)));
  // The memmap buffer: sections 0..23 and 32..39, 2 MiB each, 2 MiB
  // aligned, below NODE_DATA.
  EXPECT_EQ(r[1], PfnRange(Pfn(0x13be00), Pfn(0x13fe00)));
  // The swiotlb: 64 MiB under the end of RAM below 4 GiB.
  EXPECT_EQ(r[2], PfnRange(Pfn(0xbffe0 - 0x4000), Pfn(0xbffe0)));
}

// Without memory above 4 GiB there is no swiotlb; each node gets its own
// NODE_DATA and memmap buffer, top-down on the node.
TEST(X86BootAllocationsTest, OnePerNodeAndNoSwiotlbBelow4G) {
  auto g = *model::Geometry::Named("x86_64", model::KernelVersion::kV6_1);
  const std::vector<sparse::MemblockRegion> memory = {
      {PfnRange(Pfn(0x100), Pfn(0x40000)), NodeId(0)},
      {PfnRange(Pfn(0x40000), Pfn(0x80000)), NodeId(1)}};
  const std::vector<PfnRange> r = X86BootAllocations(g, memory, Pfn(0x80000));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].end(), Pfn(0x40000));
  EXPECT_EQ(r[1].end(), Pfn(0x80000));
  // 8 sections on each node: 16 MiB of memmap, the highest 2 MiB aligned
  // 16 MiB under each NODE_DATA (0x3ffd5: the buffer ends at 0x3fe00).
  EXPECT_EQ(r[2], PfnRange(Pfn(0x3ee00), Pfn(0x3fe00)));
  EXPECT_EQ(r[3], PfnRange(Pfn(0x7ee00), Pfn(0x7fe00)));
}

}  // namespace
}  // namespace memhp::hotplug
