#include "hotplug/free_area_init.h"

#include <algorithm>
#include <set>

#include "model/check.h"
#include "model/cmdline.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;
using model::Sprintf;

namespace {

constexpr int kMovable = static_cast<int>(ZoneType::kMovable);

uint64_t Clamp(uint64_t v, uint64_t lo, uint64_t hi) {
  return std::min(std::max(v, lo), hi);
}

unsigned long long Phys(const model::Geometry& g, uint64_t pfn) {
  return static_cast<unsigned long long>(pfn) << g.page_shift();
}

// The state free_area_init() keeps in file-scope variables.
class FreeAreaInitRun {
 public:
  FreeAreaInitRun(const FreeAreaInitConfig& c, sparse::Sparse& sparse,
                  model::EventLog& log)
      : c_(c), g_(sparse.geometry()), sparse_(sparse), log_(log) {}

  BootZones Run();

 private:
  // for_each_mem_pfn_range(i, nid, ...); nid < 0 means MAX_NUMNODES (all).
  std::vector<PfnRange> Ranges(int nid) const {
    std::vector<PfnRange> out;
    for (const sparse::MemblockRegion& r : c_.memory) {
      if (nid < 0 || r.nid.value() == nid) out.push_back(r.range);
    }
    return out;
  }
  void GetPfnRangeForNid(int nid, uint64_t* start, uint64_t* end) const;
  void FindUsableZoneForMovable();
  void FindZoneMovablePfnsForNodes();
  void AdjustZoneRangeForZoneMovable(int nid, int zone_type,
                                     uint64_t node_start, uint64_t node_end,
                                     uint64_t* zone_start,
                                     uint64_t* zone_end) const;
  uint64_t ZoneSpannedPagesInNode(int nid, int zone_type, uint64_t node_start,
                                  uint64_t node_end, uint64_t* zone_start,
                                  uint64_t* zone_end) const;
  uint64_t AbsentPagesInRange(int nid, uint64_t start, uint64_t end) const;
  uint64_t ZoneAbsentPagesInNode(int nid, int zone_type, uint64_t node_start,
                                 uint64_t node_end) const;
  void CalculateNodeTotalpages(PgData& pgdat, uint64_t start, uint64_t end);
  void FreeAreaInitNode(int nid);
  void MemmapInit();
  void MemmapInitZoneRange(const Zone& zone, int nid, uint64_t start,
                           uint64_t end, uint64_t* hole_pfn);
  void InitUnavailableRange(uint64_t spfn, uint64_t epfn, int zone, int node);

  const FreeAreaInitConfig& c_;
  const model::Geometry& g_;
  sparse::Sparse& sparse_;
  model::EventLog& log_;
  std::array<uint64_t, kMaxNrZones> lowest_{};
  std::array<uint64_t, kMaxNrZones> highest_{};
  int movable_zone_ = 0;
  std::map<int, uint64_t> zone_movable_pfn_;
  std::map<int, PgData> pgdat_;
  bool halted_ = false;
};

void FreeAreaInitRun::GetPfnRangeForNid(int nid, uint64_t* start,
                                        uint64_t* end) const {
  *start = UINT64_MAX;
  *end = 0;
  for (const PfnRange& r : Ranges(nid)) {
    *start = std::min(*start, r.start().value());
    *end = std::max(*end, r.end().value());
  }
  if (*start == UINT64_MAX) *start = 0;
}

// Kernel: mm/page_alloc.c find_usable_zone_for_movable (v6.1).
void FreeAreaInitRun::FindUsableZoneForMovable() {
  int zone_index;
  for (zone_index = kMaxNrZones - 1; zone_index >= 0; --zone_index) {
    if (zone_index == kMovable) continue;
    if (highest_[zone_index] > lowest_[zone_index]) break;
  }
  if (zone_index < 0) {
    // VM_BUG_ON(zone_index == -1). DIVERGENCE: without CONFIG_DEBUG_VM
    // (Debian) the kernel goes on with movable_zone = -1 and indexes out of
    // bounds; the model stops the boot here.
    log_.Bug({"mm/page_alloc.c", "find_usable_zone_for_movable"},
             {"VM_BUG_ON(zone_index == -1)"});
    halted_ = true;
    zone_index = 0;
  }
  movable_zone_ = zone_index;
}

// Kernel: mm/page_alloc.c find_zone_movable_pfns_for_nodes (v6.1).
// DIVERGENCE: the model has no mirrored memory (MEMBLOCK_MIRROR); with
// kernelcore=mirror every region counts as not mirrored.
void FreeAreaInitRun::FindZoneMovablePfnsForNodes() {
  const NrPages max_order = g_.MaxOrderNrPages();
  auto roundup = [&](uint64_t v) {
    return (v + max_order.value() - 1) / max_order.value() * max_order.value();
  };
  // early_calculate_totalpages() and N_MEMORY.
  uint64_t totalpages = 0;
  std::set<int> memory_nodes;
  for (const sparse::MemblockRegion& r : c_.memory) {
    totalpages += r.range.size().value();
    if (!r.range.empty()) memory_nodes.insert(r.nid.value());
  }
  int usable_nodes = static_cast<int>(memory_nodes.size());
  FindUsableZoneForMovable();

  bool out2 = false;
  if (c_.movable_node) {
    for (const sparse::MemblockRegion& r : c_.memory) {
      bool hotpluggable = false;
      for (const PfnRange& h : c_.hotpluggable) {
        hotpluggable |= h.Contains(r.range) && !r.range.empty();
      }
      if (!hotpluggable) continue;
      const int nid = r.nid.value();
      const uint64_t usable_startpfn = r.range.start().value();
      uint64_t& z = zone_movable_pfn_[nid];
      z = z ? std::min(usable_startpfn, z) : usable_startpfn;
    }
    out2 = true;
  } else if (c_.kernelcore.mirror) {
    bool mem_below_4gb_not_mirrored = false;
    const uint64_t pfn_4g = (uint64_t{4} << 30) >> g_.page_shift();
    for (const sparse::MemblockRegion& r : c_.memory) {
      const int nid = r.nid.value();
      const uint64_t usable_startpfn = r.range.start().value();
      if (usable_startpfn < pfn_4g) {
        mem_below_4gb_not_mirrored = true;
        continue;
      }
      uint64_t& z = zone_movable_pfn_[nid];
      z = z ? std::min(usable_startpfn, z) : usable_startpfn;
    }
    if (mem_below_4gb_not_mirrored) {
      log_.Printk(model::LogLevel::kWarning,
                  "This configuration results in unmirrored kernel memory.");
    }
    out2 = true;
  }

  if (!out2) {
    uint64_t required_kernelcore = c_.kernelcore.pages.value();
    uint64_t required_movablecore = c_.movablecore.pages.value();
    if (c_.kernelcore.percent) {
      required_kernelcore = (totalpages * 100 * c_.kernelcore.percent) / 10000;
    }
    if (c_.movablecore.percent) {
      required_movablecore =
          (totalpages * 100 * c_.movablecore.percent) / 10000;
    }
    if (required_movablecore) {
      required_movablecore = roundup(required_movablecore);
      required_movablecore = std::min(totalpages, required_movablecore);
      const uint64_t corepages = totalpages - required_movablecore;
      required_kernelcore = std::max(required_kernelcore, corepages);
    }
    if (!required_kernelcore || required_kernelcore >= totalpages) return;

    const uint64_t usable_startpfn = lowest_[movable_zone_];
    while (true) {  // restart:
      uint64_t kernelcore_node = required_kernelcore / usable_nodes;
      for (int nid : memory_nodes) {
        if (required_kernelcore < kernelcore_node) {
          kernelcore_node = required_kernelcore / usable_nodes;
        }
        uint64_t kernelcore_remaining = kernelcore_node;
        for (const PfnRange& r : Ranges(nid)) {
          uint64_t start_pfn = r.start().value();
          const uint64_t end_pfn = r.end().value();
          start_pfn = std::max(start_pfn, zone_movable_pfn_[nid]);
          if (start_pfn >= end_pfn) continue;
          if (start_pfn < usable_startpfn) {
            const uint64_t kernel_pages =
                std::min(end_pfn, usable_startpfn) - start_pfn;
            kernelcore_remaining -=
                std::min(kernel_pages, kernelcore_remaining);
            required_kernelcore -= std::min(kernel_pages, required_kernelcore);
            if (end_pfn <= usable_startpfn) {
              zone_movable_pfn_[nid] = end_pfn;
              continue;
            }
            start_pfn = usable_startpfn;
          }
          uint64_t size_pages = end_pfn - start_pfn;
          if (size_pages > kernelcore_remaining) {
            size_pages = kernelcore_remaining;
          }
          zone_movable_pfn_[nid] = start_pfn + size_pages;
          required_kernelcore -= std::min(required_kernelcore, size_pages);
          kernelcore_remaining -= size_pages;
          if (!kernelcore_remaining) break;
        }
      }
      --usable_nodes;
      if (usable_nodes &&
          required_kernelcore > static_cast<uint64_t>(usable_nodes)) {
        continue;
      }
      break;
    }
  }
  // out2: align the start of ZONE_MOVABLE to MAX_ORDER_NR_PAGES.
  for (auto& [nid, z] : zone_movable_pfn_) {
    z = roundup(z);
    uint64_t start_pfn, end_pfn;
    GetPfnRangeForNid(nid, &start_pfn, &end_pfn);
    if (z >= end_pfn) z = 0;
  }
}

// Kernel: mm/page_alloc.c adjust_zone_range_for_zone_movable (v6.1).
void FreeAreaInitRun::AdjustZoneRangeForZoneMovable(int nid, int zone_type,
                                                    uint64_t node_start,
                                                    uint64_t node_end,
                                                    uint64_t* zone_start,
                                                    uint64_t* zone_end) const {
  (void)node_start;
  auto it = zone_movable_pfn_.find(nid);
  const uint64_t zmp = it == zone_movable_pfn_.end() ? 0 : it->second;
  if (!zmp) return;
  if (zone_type == kMovable) {
    *zone_start = zmp;
    *zone_end = std::min(node_end, highest_[movable_zone_]);
  } else if (!c_.kernelcore.mirror && *zone_start<zmp&& * zone_end> zmp) {
    *zone_end = zmp;
  } else if (*zone_start >= zmp) {
    *zone_start = *zone_end;
  }
}

// Kernel: mm/page_alloc.c zone_spanned_pages_in_node (v6.1).
uint64_t FreeAreaInitRun::ZoneSpannedPagesInNode(int nid, int zone_type,
                                                 uint64_t node_start,
                                                 uint64_t node_end,
                                                 uint64_t* zone_start,
                                                 uint64_t* zone_end) const {
  const uint64_t zone_low = lowest_[zone_type];
  const uint64_t zone_high = highest_[zone_type];
  if (!node_start && !node_end) return 0;
  *zone_start = Clamp(node_start, zone_low, zone_high);
  *zone_end = Clamp(node_end, zone_low, zone_high);
  AdjustZoneRangeForZoneMovable(nid, zone_type, node_start, node_end,
                                zone_start, zone_end);
  if (*zone_end < node_start || *zone_start > node_end) return 0;
  *zone_end = std::min(*zone_end, node_end);
  *zone_start = std::max(*zone_start, node_start);
  return *zone_end - *zone_start;
}

// Kernel: mm/page_alloc.c __absent_pages_in_range (v6.1).
uint64_t FreeAreaInitRun::AbsentPagesInRange(int nid, uint64_t start,
                                             uint64_t end) const {
  uint64_t nr_absent = end - start;
  for (const PfnRange& r : Ranges(nid)) {
    const uint64_t s = Clamp(r.start().value(), start, end);
    const uint64_t e = Clamp(r.end().value(), start, end);
    nr_absent -= e - s;
  }
  return nr_absent;
}

// Kernel: mm/page_alloc.c zone_absent_pages_in_node (v6.1).
uint64_t FreeAreaInitRun::ZoneAbsentPagesInNode(int nid, int zone_type,
                                                uint64_t node_start,
                                                uint64_t node_end) const {
  const uint64_t zone_low = lowest_[zone_type];
  const uint64_t zone_high = highest_[zone_type];
  if (!node_start && !node_end) return 0;
  uint64_t zone_start = Clamp(node_start, zone_low, zone_high);
  uint64_t zone_end = Clamp(node_end, zone_low, zone_high);
  AdjustZoneRangeForZoneMovable(nid, zone_type, node_start, node_end,
                                &zone_start, &zone_end);
  // The kernel relies on zone_start <= zone_end here.
  if (zone_end < zone_start) zone_end = zone_start;
  uint64_t nr_absent = AbsentPagesInRange(nid, zone_start, zone_end);
  auto it = zone_movable_pfn_.find(nid);
  if (c_.kernelcore.mirror && it != zone_movable_pfn_.end() && it->second) {
    // No region is mirrored: every region inside ZONE_NORMAL is absent.
    if (zone_type == static_cast<int>(ZoneType::kNormal)) {
      for (const sparse::MemblockRegion& r : c_.memory) {
        nr_absent += Clamp(r.range.end().value(), zone_start, zone_end) -
                     Clamp(r.range.start().value(), zone_start, zone_end);
      }
    }
  }
  return nr_absent;
}

// Kernel: mm/page_alloc.c calculate_node_totalpages (v6.1).
void FreeAreaInitRun::CalculateNodeTotalpages(PgData& pgdat, uint64_t start,
                                              uint64_t end) {
  uint64_t realtotalpages = 0, totalpages = 0;
  const int nid = pgdat.node_id.value();
  for (int i = 0; i < kMaxNrZones; ++i) {
    Zone& zone = pgdat.node_zones[i];
    uint64_t zone_start = 0, zone_end = 0;
    const uint64_t size =
        ZoneSpannedPagesInNode(nid, i, start, end, &zone_start, &zone_end);
    const uint64_t absent = ZoneAbsentPagesInNode(nid, i, start, end);
    const uint64_t real_size = size - std::min(absent, size);
    zone.zone_start_pfn = Pfn(size ? zone_start : 0);
    zone.spanned_pages = NrPages(size);
    zone.present_pages = NrPages(real_size);
    zone.present_early_pages = NrPages(real_size);
    totalpages += size;
    realtotalpages += real_size;
  }
  pgdat.node_spanned_pages = NrPages(totalpages);
  pgdat.node_present_pages = NrPages(realtotalpages);
}

// Kernel: mm/page_alloc.c free_area_init_node (v6.1).
void FreeAreaInitRun::FreeAreaInitNode(int nid) {
  uint64_t start_pfn = 0, end_pfn = 0;
  GetPfnRangeForNid(nid, &start_pfn, &end_pfn);
  PgData& pgdat = pgdat_[nid];
  pgdat.node_id = NodeId(nid);
  pgdat.node_start_pfn = Pfn(start_pfn);
  if (start_pfn != end_pfn) {
    log_.Printk(
        model::LogLevel::kInfo,
        Sprintf("Initmem setup node %d [mem 0x%016llx-0x%016llx]", nid,
                Phys(g_, start_pfn), end_pfn ? Phys(g_, end_pfn) - 1 : 0ull));
  } else {
    log_.Printk(model::LogLevel::kInfo,
                Sprintf("Initmem setup node %d as memoryless", nid));
  }
  CalculateNodeTotalpages(pgdat, start_pfn, end_pfn);
}

// Kernel: mm/page_alloc.c init_unavailable_range (v6.1).
void FreeAreaInitRun::InitUnavailableRange(uint64_t spfn, uint64_t epfn,
                                           int zone, int node) {
  const uint64_t pageblock = g_.PageblockNrPages().value();
  uint64_t pgcnt = 0;
  for (uint64_t pfn = spfn; pfn < epfn; ++pfn) {
    const uint64_t block_start = pfn & ~(pageblock - 1);
    if (!sparse_.PfnValid(Pfn(block_start))) {
      pfn = block_start + pageblock - 1;
      continue;
    }
    // A run of valid pfns up to the next pageblock: initialise it at once.
    const uint64_t run_end = std::min(epfn, block_start + pageblock);
    sparse_.mutable_memmap().Assign(
        PfnRange(Pfn(pfn), Pfn(run_end)),
        sparse::PageState::Initialised(zone, NodeId(node), /*reserved=*/true));
    pgcnt += run_end - pfn;
    pfn = run_end - 1;
  }
  if (pgcnt) {
    log_.Printk(model::LogLevel::kInfo,
                Sprintf("On node %d, zone %s: %llu pages in unavailable ranges",
                        node, std::string(ZoneName(ZoneAt(zone))).c_str(),
                        static_cast<unsigned long long>(pgcnt)));
  }
}

// Kernel: mm/page_alloc.c memmap_init_zone_range (v6.1).
void FreeAreaInitRun::MemmapInitZoneRange(const Zone& zone, int nid,
                                          uint64_t start, uint64_t end,
                                          uint64_t* hole_pfn) {
  const uint64_t zone_start = zone.zone_start_pfn.value();
  const uint64_t zone_end = zone.zone_end_pfn().value();
  start = Clamp(start, zone_start, zone_end);
  end = Clamp(end, zone_start, zone_end);
  if (start >= end) return;
  // memmap_init_range(): the struct pages of the range get zone and node
  // (deferred init included: it completes before userspace runs).
  const int zone_id = static_cast<int>(zone.type);
  sparse_.mutable_memmap().Assign(
      PfnRange(Pfn(start), Pfn(end)),
      sparse::PageState::Initialised(zone_id, NodeId(nid)));
  if (*hole_pfn < start) InitUnavailableRange(*hole_pfn, start, zone_id, nid);
  *hole_pfn = end;
}

// Kernel: mm/page_alloc.c memmap_init (v6.1).
void FreeAreaInitRun::MemmapInit() {
  uint64_t hole_pfn = 0;
  int zone_id = 0;
  int nid = 0;
  uint64_t end_pfn = 0;
  for (const sparse::MemblockRegion& r : c_.memory) {
    nid = r.nid.value();
    end_pfn = r.range.end().value();
    PgData& node = pgdat_[nid];
    for (int j = 0; j < kMaxNrZones; ++j) {
      const Zone& zone = node.node_zones[j];
      if (!zone.Populated()) continue;
      MemmapInitZoneRange(zone, nid, r.range.start().value(), end_pfn,
                          &hole_pfn);
      zone_id = j;
    }
  }
  // The hole at the end of the last section goes to the highest zone of the
  // last node.
  end_pfn = g_.SectionAlignUp(Pfn(end_pfn)).value();
  if (hole_pfn < end_pfn) InitUnavailableRange(hole_pfn, end_pfn, zone_id, nid);
}

BootZones FreeAreaInitRun::Run() {
  // Record where the zone boundaries are.
  uint64_t start_pfn =
      c_.memory.empty() ? 0 : c_.memory.front().range.start().value();
  for (int zone = 0; zone < kMaxNrZones; ++zone) {
    if (zone == kMovable) continue;
    const uint64_t end_pfn = std::max(c_.max_zone_pfn[zone].value(), start_pfn);
    lowest_[zone] = start_pfn;
    highest_[zone] = end_pfn;
    start_pfn = end_pfn;
  }
  FindZoneMovablePfnsForNodes();
  if (halted_) {
    BootZones out;
    out.halted = true;
    return out;
  }

  // The kernel's %#018Lx always prints "0x" (vsnprintf's SPECIAL flag), also
  // for 0, where the C library's %#llx prints none: "0x%016llx" is the
  // kernel's rendering for every value.
  log_.Printk(model::LogLevel::kInfo, "Zone ranges:");
  for (int i = 0; i < kMaxNrZones; ++i) {
    if (i == kMovable || !c_.configured_zones[i]) continue;
    const std::string name(ZoneName(ZoneAt(i)));
    if (lowest_[i] == highest_[i]) {
      log_.Printk(model::LogLevel::kInfo,
                  Sprintf("  %-8s empty", name.c_str()));
    } else {
      log_.Printk(model::LogLevel::kInfo,
                  Sprintf("  %-8s [mem 0x%016llx-0x%016llx]", name.c_str(),
                          Phys(g_, lowest_[i]), Phys(g_, highest_[i]) - 1));
    }
  }
  log_.Printk(model::LogLevel::kInfo, "Movable zone start for each node");
  for (const auto& [nid, z] : zone_movable_pfn_) {
    if (z) {
      log_.Printk(model::LogLevel::kInfo,
                  Sprintf("  Node %d: 0x%016llx", nid, Phys(g_, z)));
    }
  }
  log_.Printk(model::LogLevel::kInfo, "Early memory node ranges");
  for (const sparse::MemblockRegion& r : c_.memory) {
    log_.Printk(model::LogLevel::kInfo,
                Sprintf("  node %3d: [mem 0x%016llx-0x%016llx]", r.nid.value(),
                        Phys(g_, r.range.start().value()),
                        Phys(g_, r.range.end().value()) - 1));
    sparse_.SubsectionMapInit(r.range.start(), r.range.size());
  }
  // Every online node; nodes not in `nodes` but with memory are online too.
  std::set<int> nodes;
  for (NodeId n : c_.nodes) nodes.insert(n.value());
  for (const sparse::MemblockRegion& r : c_.memory) nodes.insert(r.nid.value());
  for (int nid : nodes) FreeAreaInitNode(nid);
  MemmapInit();

  BootZones out;
  for (int i = 0; i < kMaxNrZones; ++i) {
    out.arch_zone_lowest_possible_pfn[i] = Pfn(lowest_[i]);
    out.arch_zone_highest_possible_pfn[i] = Pfn(highest_[i]);
  }
  out.movable_zone = ZoneAt(movable_zone_);
  for (const auto& [nid, z] : zone_movable_pfn_)
    out.zone_movable_pfn[nid] = Pfn(z);
  out.pgdat = std::move(pgdat_);
  return out;
}

}  // namespace

BootZones FreeAreaInit(const FreeAreaInitConfig& config, sparse::Sparse& sparse,
                       model::EventLog& log) {
  return FreeAreaInitRun(config, sparse, log).Run();
}

std::optional<CoreParam> CmdlineParseCore(std::string_view value,
                                          const model::Geometry& g,
                                          model::EventLog& log) {
  if (value == "mirror") return CoreParam{.mirror = true};
  model::ParsedNumber n = model::SimpleStrtoull(value);
  if (n.consumed < value.size() && value[n.consumed] == '%') {
    if (n.value > 100) {
      log.WarnOn({"mm/page_alloc.c", "cmdline_parse_core"}, "coremem > 100");
    }
    return CoreParam{.percent = n.value};
  }
  model::ParsedNumber m = model::Memparse(value);
  if (m.consumed == 0) return std::nullopt;
  return CoreParam{.pages = NrPages(m.value >> g.page_shift())};
}

}  // namespace memhp::hotplug
