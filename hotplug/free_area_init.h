// Boot-time zone and node sizing: mm/page_alloc.c free_area_init() and what
// it calls (v6.1): the architecture's zone boundaries, ZONE_MOVABLE from
// kernelcore= / movablecore= / movable_node, per-node zone spans and present
// pages (calculate_node_totalpages), the early node map with
// subsection_map_init(), and memmap_init() with its "pages in unavailable
// ranges" accounting. Every pr_info line goes to the event log verbatim.
//
// Invariants of the result (checked by tests and the registry):
//  1. a zone spans [zone_start_pfn, zone_start_pfn + spanned_pages) inside
//     its node's span, and zones of a node do not overlap;
//  2. present_pages of a zone = memblock pages inside its span;
//  3. after memmap_init every pfn of every memblock range has an initialised
//     struct page of its zone and node.

#ifndef MEMHP_HOTPLUG_FREE_AREA_INIT_H_
#define MEMHP_HOTPLUG_FREE_AREA_INIT_H_

#include <array>
#include <map>
#include <vector>

#include "hotplug/zone.h"
#include "model/event_log.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// kernelcore= / movablecore=: a size in pages or a percentage
// (cmdline_parse_core); kernelcore=mirror.
struct CoreParam {
  model::NrPages pages{0};
  uint64_t percent = 0;
  bool mirror = false;  // kernelcore=mirror only
};

struct FreeAreaInitConfig {
  // memblock.memory, ascending, each region with its node (for_each_mem_
  // pfn_range). Adjacent regions of one node must already be merged.
  std::vector<sparse::MemblockRegion> memory;
  // memblock regions flagged MEMBLOCK_HOTPLUG (SRAT "hotplug"), for
  // movable_node.
  std::vector<model::PfnRange> hotpluggable;
  // max_zone_pfn[] from the architecture (zone_sizes_init); ZONE_MOVABLE's
  // entry is ignored.
  std::array<model::Pfn, kMaxNrZones> max_zone_pfn{};
  CoreParam kernelcore;
  CoreParam movablecore;
  bool movable_node = false;
  // The zones the kernel is built with (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32,
  // CONFIG_ZONE_DEVICE; hotplug/arch_zones.h ArchPossibleZones): "Zone
  // ranges:" lists only these. An unconfigured zone must get a max_zone_pfn
  // that leaves it empty. DIVERGENCE: the model keeps all five zones.
  std::array<bool, kMaxNrZones> configured_zones = {true, true, true, true,
                                                    true};
  // The online nodes (for_each_node / node_online); nodes without memory
  // here are initialised as memoryless.
  std::vector<model::NodeId> nodes;
};

struct BootZones {
  std::array<model::Pfn, kMaxNrZones> arch_zone_lowest_possible_pfn{};
  std::array<model::Pfn, kMaxNrZones> arch_zone_highest_possible_pfn{};
  ZoneType movable_zone = ZoneType::kNormal;
  std::map<int, model::Pfn> zone_movable_pfn;  // nid -> start, 0 = none
  std::map<int, PgData> pgdat;                 // nid -> node
  // No zone can hold ZONE_MOVABLE (all arch zones empty below the memory):
  // the kernel BUGs and nothing else was set up.
  bool halted = false;
};

// Kernel: mm/page_alloc.c free_area_init (v6.1), with
// find_zone_movable_pfns_for_nodes, free_area_init_node,
// calculate_node_totalpages and memmap_init. Calls
// sparse.SubsectionMapInit() for every memblock range and initialises the
// memmap of memblock pages (zone, node) and of unavailable ranges (reserved).
// REQUIRES: sparse.SparseInit() ran on the same memory.
BootZones FreeAreaInit(const FreeAreaInitConfig& config, sparse::Sparse& sparse,
                       model::EventLog& log);

// Kernel: mm/page_alloc.c cmdline_parse_core (v6.1): "25%" or a memparse
// size ("512M"). Returns nullopt for an unparsable value (the kernel's
// early_param then returns -EINVAL). WARN_ON(coremem > 100) for percentages
// goes to `log`.
std::optional<CoreParam> CmdlineParseCore(std::string_view value,
                                          const model::Geometry& g,
                                          model::EventLog& log);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_FREE_AREA_INIT_H_
