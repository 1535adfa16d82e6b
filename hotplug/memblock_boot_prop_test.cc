// For random memblock layouts (and, on arm64, random DMA limits), every
// node's zones after BootFromMemblock span and hold exactly what a naive
// per-pfn walk gives from the architectures' zone rules, restated here from
// the kernel sources (arch_zones.h) in their plainest form: a pfn belongs to
// the first zone whose end lies above it; a zone of a node spans the pfns of
// [node start, node end) it owns and holds the memblock pfns among them.

#include <algorithm>
#include <map>

#include "gtest/gtest.h"
#include "hotplug/arch_zones.h"
#include "hotplug/memblock_boot.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {
namespace {

using model::KernelProfile;
using model::KernelVersion;
using model::PhysAddr;

constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k4G = 4ull << 30;

// The end (exclusive, bytes) of DMA, DMA32 and Normal for a layout.
std::array<uint64_t, 3> NaiveZoneEnds(model::Arch arch, KernelVersion v,
                                      uint64_t start, uint64_t end,
                                      std::optional<uint64_t> dma_limit) {
  switch (arch) {
    case model::Arch::kArm64: {
      if (v == KernelVersion::kV6_1) {
        // zone_dma_bits = min(32, fls64(limit)); DRAM above 4G: all of it;
        // DRAM above the mask: the 4 GiB line.
        int bits = 32;
        if (dma_limit) {
          int fls = 0;
          for (uint64_t x = *dma_limit; x; x >>= 1) ++fls;
          bits = std::min(bits, std::max(fls, 1));
        }
        const uint64_t mask =
            bits >= 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
        auto phys = [&](uint64_t m) {
          if (start > k4G - 1) return end;
          if (start > m) return std::min(k4G, end);
          return std::min(m + 1, end);
        };
        return {phys(mask), phys(k4G - 1), end};
      }
      // v7.1: an address, capped at 4 GiB when DRAM starts below it.
      uint64_t lim = dma_limit.value_or(UINT64_MAX);
      if (start < k4G - 1) lim = std::min(lim, k4G - 1);
      return {std::min(lim, end - 1) + 1, std::min(k4G - 1, end - 1) + 1, end};
    }
    case model::Arch::kRiscv64:
      return {0, std::min(k4G, end), end};
    case model::Arch::kS390x:
      return {2ull << 30, 2ull << 30, end};
    case model::Arch::kPpc64:
      return {0, 0, end};
    case model::Arch::kX86_64:
      break;
  }
  return {0, 0, end};
}

RC_GTEST_PROP(BootFromMemblockProp, ZonesEqualANaivePerPfnWalk, ()) {
  const std::string geometry = *rc::gen::element<std::string>(
      "arm64-4k", "arm64-64k", "riscv64", "s390x", "ppc64");
  const KernelVersion v =
      *rc::gen::element(KernelVersion::kV6_1, KernelVersion::kV7_1);
  const model::Geometry g = *model::Geometry::Named(geometry, v);
  // Regions on a 2 MiB grid (a multiple of every page size here), within
  // 16 GiB, optionally shifted above 4 GiB (arm64 servers).
  const uint64_t base =
      *rc::gen::element<uint64_t>(0, 1ull << 31, 0x880000000ull);
  std::vector<uint64_t> cuts = *rc::gen::container<std::vector<uint64_t>>(
      2 * *rc::gen::inRange(1, 5), rc::gen::inRange<uint64_t>(0, 8192));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  RC_PRE(cuts.size() >= 2);
  MemblockBootInput in;
  int nid = 0;
  for (size_t i = 0; i + 1 < cuts.size(); i += 2) {
    // Nodes ascend with the address, as firmware gives them.
    nid = std::min(2, nid + *rc::gen::inRange(0, 2));
    in.memory.push_back(
        {.range = model::PhysRange(PhysAddr(base + cuts[i] * k2M),
                                   PhysAddr(base + cuts[i + 1] * k2M)),
         .nid = model::NodeId(nid)});
  }
  std::optional<uint64_t> dma_limit;
  if (g.arch() == model::Arch::kArm64 && *rc::gen::arbitrary<bool>()) {
    // A DT dma-ranges end: the last byte of a 2 MiB multiple, or (to test
    // the + 1 of max_zone_phys against PFN_DOWN) the multiple itself.
    dma_limit = *rc::gen::inRange<uint64_t>(1, 1ull << 15) * k2M -
                (*rc::gen::arbitrary<bool>() ? 1 : 0);
    in.dma.dt = PhysAddr(*dma_limit);
  }
  Machine m(g, KernelProfile::For(v));
  absl::StatusOr<MemblockBootResult> r = BootFromMemblock(m, in);
  RC_ASSERT(r.ok());

  const uint64_t start = in.memory.front().range.start().value();
  const uint64_t end = in.memory.back().range.end().value();
  std::array<uint64_t, 3> ends =
      NaiveZoneEnds(g.arch(), v, start, end, dma_limit);
  // max_zone_pfn[] is PFN_DOWN() of each end.
  for (uint64_t& e : ends) e &= ~(g.PageSize().value() - 1);
  const ConfiguredZones configured =
      ArchPossibleZones(g.arch(), KernelProfile::For(v));
  // The zone of an address: the first configured zone whose end is above
  // it (free_area_init's consecutive [lowest, highest) ranges).
  auto zone_of = [&](uint64_t a) {
    for (int z = 0; z < 3; ++z) {
      if (configured[z] && a < ends[z]) return z;
    }
    return 2;
  };
  std::map<int, std::pair<uint64_t, uint64_t>> node_span;
  for (const MemblockMemory& mm : in.memory) {
    auto& s =
        node_span.try_emplace(mm.nid.value(), UINT64_MAX, 0).first->second;
    s.first = std::min(s.first, mm.range.start().value());
    s.second = std::max(s.second, mm.range.end().value());
  }
  const uint64_t pages_per_unit = k2M >> g.page_shift();
  for (const auto& [n, span] : node_span) {
    std::array<uint64_t, 3> spanned{}, present{};
    for (uint64_t a = span.first; a < span.second; a += k2M) {
      const int z = zone_of(a);
      spanned[z] += pages_per_unit;
      for (const MemblockMemory& mm : in.memory) {
        if (mm.nid.value() == n && mm.range.start().value() <= a &&
            a < mm.range.end().value()) {
          present[z] += pages_per_unit;
        }
      }
    }
    const PgData* pgdat = m.NodeData(model::NodeId(n));
    RC_ASSERT(pgdat != nullptr);
    for (int z = 0; z < 3; ++z) {
      RC_ASSERT(pgdat->node_zones[z].spanned_pages.value() == spanned[z]);
      RC_ASSERT(pgdat->node_zones[z].present_pages.value() == present[z]);
    }
  }
}

}  // namespace
}  // namespace memhp::hotplug
