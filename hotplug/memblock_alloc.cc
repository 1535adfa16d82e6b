#include "hotplug/memblock_alloc.h"

#include <algorithm>
#include <optional>
#include <set>

namespace memhp::hotplug {

using model::Pfn;
using model::PfnRange;

namespace {

// memblock_find_in_range_node, top-down: the highest `pages`-long range
// aligned to `align` pages inside the candidate ranges (below `limit`)
// that overlaps nothing reserved.
std::optional<PfnRange> FindTopDown(const std::vector<PfnRange>& candidates,
                                    const std::vector<PfnRange>& reserved,
                                    uint64_t pages, uint64_t align,
                                    uint64_t limit) {
  std::vector<PfnRange> sorted = candidates;
  std::sort(sorted.begin(), sorted.end(),
            [](const PfnRange& a, const PfnRange& b) {
              return a.start() > b.start();
            });
  for (const PfnRange& c : sorted) {
    uint64_t end = std::min(c.end().value(), limit);
    while (end >= c.start().value() + pages) {
      const uint64_t start = (end - pages) / align * align;
      if (start < c.start().value()) break;
      const PfnRange want(Pfn(start), Pfn(start + pages));
      const PfnRange* hit = nullptr;
      for (const PfnRange& r : reserved) {
        if (r.start() < want.end() && want.start() < r.end()) {
          if (hit == nullptr || r.start() < hit->start()) hit = &r;
        }
      }
      if (hit == nullptr) return want;
      end = hit->start().value();  // below the lowest overlapping one
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<PfnRange> X86BootAllocations(
    const model::Geometry& g, const std::vector<sparse::MemblockRegion>& memory,
    Pfn max_pfn) {
  std::vector<PfnRange> reserved;
  auto node_ranges = [&](model::NodeId nid) {
    std::vector<PfnRange> out;
    for (const sparse::MemblockRegion& r : memory) {
      if (r.nid == nid) out.push_back(r.range);
    }
    return out;
  };
  std::vector<model::NodeId> nodes;
  for (const sparse::MemblockRegion& r : memory) {
    if (std::find(nodes.begin(), nodes.end(), r.nid) == nodes.end()) {
      nodes.push_back(r.nid);
    }
  }
  const uint64_t page = uint64_t{1} << g.page_shift();
  // initmem_init() -> alloc_node_data() for each node with memory.
  for (model::NodeId nid : nodes) {
    if (auto r = FindTopDown(node_ranges(nid), reserved,
                             (kPgDataBytes + page - 1) / page, 1, UINT64_MAX)) {
      reserved.push_back(*r);
    }
  }
  // paging_init() -> sparse_init(): one buffer per run of present sections
  // of a node, in section order.
  std::vector<std::pair<model::NodeId, uint64_t>> runs;  // nid, map_count
  std::optional<uint64_t> last_section;
  for (const sparse::MemblockRegion& r : memory) {
    const uint64_t first = g.SectionOf(r.range.start()).value();
    const uint64_t last = g.SectionOf(Pfn(r.range.end().value() - 1)).value();
    for (uint64_t s = first; s <= last; ++s) {
      if (last_section && s <= *last_section) continue;  // counted already
      if (runs.empty() || runs.back().first != r.nid) {
        runs.push_back({r.nid, 0});
      }
      ++runs.back().second;
      last_section = s;
    }
  }
  // section_map_size(): the memmap of a section, PMD aligned.
  const uint64_t pmd_pages = uint64_t{1} << (g.page_shift() - 3);
  const uint64_t map_pages =
      (g.PagesPerSection().value() * kStructPageBytes / page + pmd_pages - 1) /
      pmd_pages * pmd_pages;
  for (const auto& [nid, count] : runs) {
    if (auto r = FindTopDown(node_ranges(nid), reserved, map_pages * count,
                             pmd_pages, UINT64_MAX)) {
      reserved.push_back(*r);
    }
  }
  // mem_init() -> pci_iommu_alloc() -> swiotlb_init(): memory above 4 GiB
  // makes the kernel bounce DMA through 64 MiB below it.
  const uint64_t pfn_4g = (uint64_t{4} << 30) / page;
  if (max_pfn.value() > pfn_4g) {
    std::vector<PfnRange> all;
    for (const sparse::MemblockRegion& r : memory) all.push_back(r.range);
    if (auto r = FindTopDown(all, reserved, kSwiotlbBytes / page, 1, pfn_4g)) {
      reserved.push_back(*r);
    }
  }
  return reserved;
}

}  // namespace memhp::hotplug
