// The section table costs memory in proportion to what exists: x86_64 with
// 46-bit (4-level) and 52-bit (5-level) physical addresses and a few
// terabytes populated far apart stays in the megabytes, where a flat table of
// every possible section would not.

#include <malloc.h>

#include <iostream>

#include "gtest/gtest.h"
#include "model/geometry.h"
#include "sparse/sparse.h"

namespace memhp::sparse {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::Pfn;
using model::PfnRange;

constexpr uint64_t kTiB = 1ull << 40;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRealHeapMeasurable = false;  // ASan replaces malloc
#else
constexpr bool kRealHeapMeasurable = true;
#endif

size_t HeapInUse() { return mallinfo2().uordblks; }

struct Figures {
  size_t footprint;
  size_t heap;
  size_t roots;
};

Figures Build(std::string_view geometry,
              const std::vector<std::pair<uint64_t, uint64_t>>& boot_bytes,
              std::pair<uint64_t, uint64_t> hot_bytes) {
  const size_t heap_before = HeapInUse();
  model::EventLog log;
  auto g = model::Geometry::Named(geometry, KernelVersion::kV6_1);
  EXPECT_TRUE(g.ok());
  auto s = std::make_unique<Sparse>(
      *g, model::KernelProfile::For(KernelVersion::kV6_1), &log);
  std::vector<MemblockRegion> regions;
  int nid = 0;
  for (auto [start, size] : boot_bytes) {
    regions.push_back({PfnRange(g->PfnDown(model::PhysAddr(start)),
                                g->PfnDown(model::PhysAddr(start + size))),
                       NodeId(nid++)});
  }
  s->BootInit(regions);
  // Hot-add section by section, as __add_pages does.
  const Pfn hot_start = g->PfnDown(model::PhysAddr(hot_bytes.first));
  const Pfn hot_end =
      g->PfnDown(model::PhysAddr(hot_bytes.first + hot_bytes.second));
  for (Pfn p = hot_start; p < hot_end; p += g->PagesPerSection()) {
    EXPECT_TRUE(
        s->SparseAddSection(NodeId(nid), p, g->PagesPerSection(), nullptr)
            .ok());
  }
  EXPECT_TRUE(s->CheckInvariants().ok());
  EXPECT_EQ(log.size(), 0u);
  Figures f{s->MemoryFootprintBytes(), HeapInUse() - heap_before,
            s->sections().NumRoots()};
  // Every section of the populated ranges is valid; the gaps are not.
  EXPECT_TRUE(s->PfnValid(hot_start));
  EXPECT_FALSE(s->PfnValid(hot_end));
  std::cout << geometry << ": " << f.roots << " roots, footprint "
            << f.footprint / 1024 << " KiB, heap " << f.heap / 1024 << " KiB\n";
  return f;
}

TEST(SparseFootprintTest, FourLevelTableWithFourTerabytesStaysSmall) {
  // node 0: [0, 2 TiB); node 1: [32 TiB, 34 TiB); hot-add [60 TiB, 61 TiB).
  Figures f = Build("x86_64", {{0, 2 * kTiB}, {32 * kTiB, 2 * kTiB}},
                    {60 * kTiB, kTiB});
  // 5 TiB = 40960 sections of 128 MiB, in 160 roots of 256 sections.
  EXPECT_EQ(f.roots, 160u);
  EXPECT_LT(f.footprint, 16u << 20);
  if (kRealHeapMeasurable) {
    EXPECT_LT(f.heap, 24u << 20);
  }
}

TEST(SparseFootprintTest, FiveLevelTableWithTerabytesPetabytesApartStaysSmall) {
  // 52-bit: 2^25 possible sections. Populated: 2 TiB at 0, 2 TiB at 1 PiB,
  // hot-added 1 TiB at 3 PiB.
  constexpr uint64_t kPiB = 1ull << 50;
  Figures f =
      Build("x86_64-la57", {{0, 2 * kTiB}, {kPiB, 2 * kTiB}}, {3 * kPiB, kTiB});
  EXPECT_EQ(f.roots, 160u);
  EXPECT_LT(f.footprint, 16u << 20);
  if (kRealHeapMeasurable) {
    EXPECT_LT(f.heap, 24u << 20);
  }
  // A flat table of every section would take 2^25 * sizeof(MemSection).
  EXPECT_LT(f.footprint * 50, (1ull << 25) * sizeof(MemSection));
}

}  // namespace
}  // namespace memhp::sparse
