#include "properties/invariants.h"

#include <optional>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::properties {

using hotplug::Machine;
using hotplug::MemoryBlock;
using hotplug::MemoryBlockState;
using hotplug::PgData;
using hotplug::Zone;
using hotplug::ZoneType;
using model::Cat;
using model::InvariantViolation;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;
using model::SectionNr;

namespace {

std::string H(Pfn p) {
  return model::Sprintf("%#llx", static_cast<unsigned long long>(p.value()));
}

// Every present section, ascending.
std::vector<SectionNr> PresentSections(const Machine& m) {
  std::vector<SectionNr> out;
  for (std::optional<SectionNr> nr =
           m.sparse().NextPresentSectionNr(std::nullopt);
       nr; nr = m.sparse().NextPresentSectionNr(*nr)) {
    out.push_back(*nr);
  }
  return out;
}

// Calls fn(run, state) for every run of initialised struct pages inside
// the online sections.
void ForEachOnlineInitialisedRun(
    Machine& m,
    const std::function<void(PfnRange, const sparse::PageState&)>& fn) {
  const model::Geometry& g = m.geometry();
  for (SectionNr nr : PresentSections(m)) {
    if (!m.sparse().OnlineSection(nr)) continue;
    m.sparse().memmap().ForEach(
        g.SectionRange(nr), [&](PfnRange r, const sparse::PageState& st) {
          if (st.kind != sparse::MemmapKind::kInitialised) return;
          // Only the pfns pfn_to_online_page() returns (valid
          // sub-sections).
          for (Pfn p = r.start(); p < r.end();) {
            const Pfn sub_end = std::min(
                r.end(), g.SubsectionAlignDown(p) + g.PagesPerSubsection());
            if (m.sparse().PfnToOnlinePage(p)) fn(PfnRange(p, sub_end), st);
            p = sub_end;
          }
        });
  }
}

// Some pfn of `sub` (a sub-section) has an online page of (nid, zone).
bool SubsectionHasOnlinePageOf(Machine& m, Pfn pfn, NodeId nid, ZoneType zone) {
  const model::Geometry& g = m.geometry();
  const Pfn start = g.SubsectionAlignDown(pfn);
  if (!m.sparse().PfnToOnlinePage(start)) return false;
  bool found = false;
  m.sparse().memmap().ForEach(
      PfnRange::FromSize(start, g.PagesPerSubsection()),
      [&](PfnRange, const sparse::PageState& st) {
        if (st.kind == sparse::MemmapKind::kInitialised && st.nid == nid &&
            st.zone == static_cast<int>(zone)) {
          found = true;
        }
      });
  return found;
}

std::string ZoneWhere(const PgData& p, const Zone& z) {
  return Cat("node ", p.node_id.value(), " zone ", hotplug::ZoneName(z.type));
}

absl::Status CheckZoneContainsOnlinePages(Machine& m) {
  absl::Status out;
  ForEachOnlineInitialisedRun(m, [&](PfnRange r, const sparse::PageState& st) {
    // PageReserved struct pages of holes are initialised with a zone
    // outside its span ("pages in unavailable ranges"): not counted.
    if (!out.ok() || st.zone < 0 || st.reserved ||
        st.zone == static_cast<int>(ZoneType::kDevice)) {
      return;
    }
    const PgData* p = m.NodeData(st.nid);
    if (p == nullptr) {
      out = InvariantViolation("ZONE-1",
                               Cat("online pfn ", H(r.start()), " on node ",
                                   st.nid.value(), " without pgdat"));
      return;
    }
    const Zone& z = p->node_zones[st.zone];
    if (r.start() < z.zone_start_pfn || r.end() > z.zone_end_pfn()) {
      out = InvariantViolation(
          "ZONE-1", Cat("online pfns [", H(r.start()), ", ", H(r.end()),
                        ") of ", ZoneWhere(*p, z), " outside its span [",
                        H(z.zone_start_pfn), ", ", H(z.zone_end_pfn()), ")"));
    }
  });
  return out;
}

absl::Status CheckZoneEdges(Machine& m) {
  // Before v5.5 offlining leaves the span; it shrinks at removal.
  if (!m.profile().shrink_zone_span_on_offline) return absl::OkStatus();
  for (const auto& [nid, p] : m.zones().pgdat) {
    for (const Zone& z : p.node_zones) {
      if (z.IsEmpty() || z.type == ZoneType::kDevice) continue;
      // An edge free_area_init() set (it may lie in a hole up to a zone
      // limit) is the kernel's; only edges hotplug moved are checked.
      const PgData* boot = nullptr;
      if (auto it = m.boot_zones().pgdat.find(nid);
          it != m.boot_zones().pgdat.end()) {
        boot = &it->second;
      }
      const Zone* bz = boot ? &boot->zone(z.type) : nullptr;
      for (Pfn edge : {z.zone_start_pfn, z.zone_end_pfn() - NrPages(1)}) {
        if (bz && !bz->IsEmpty() &&
            (edge == bz->zone_start_pfn ||
             edge == bz->zone_end_pfn() - NrPages(1))) {
          continue;
        }
        if (!SubsectionHasOnlinePageOf(m, edge, p.node_id, z.type)) {
          return InvariantViolation(
              "ZONE-2",
              Cat(ZoneWhere(p, z), " spans [", H(z.zone_start_pfn), ", ",
                  H(z.zone_end_pfn()), ") but the sub-section of ", H(edge),
                  " has no online page of it"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPresentPages(Machine& m) {
  std::map<std::pair<int, int>, uint64_t> counted;
  ForEachOnlineInitialisedRun(m, [&](PfnRange r, const sparse::PageState& st) {
    if (st.reserved || st.zone < 0) return;
    counted[{st.nid.value(), st.zone}] += r.size().value();
  });
  for (const auto& [nid, p] : m.zones().pgdat) {
    uint64_t node_total = 0;
    for (const Zone& z : p.node_zones) {
      node_total += z.present_pages.value();
      if (z.type == ZoneType::kDevice) continue;
      const uint64_t want = counted[{nid, static_cast<int>(z.type)}];
      if (z.present_pages.value() != want) {
        return InvariantViolation(
            "ZONE-3",
            Cat(ZoneWhere(p, z), " has present_pages ", z.present_pages.value(),
                " but ", want, " online pfns"));
      }
    }
    if (p.node_present_pages.value() != node_total) {
      return InvariantViolation(
          "NODE-2",
          Cat("node ", nid, " node_present_pages ",
              p.node_present_pages.value(), " != sum of zones ", node_total));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckNodeSpan(Machine& m) {
  for (const auto& [nid, p] : m.zones().pgdat) {
    const Pfn start = p.node_start_pfn;
    const Pfn end = start + p.node_spanned_pages;
    for (const Zone& z : p.node_zones) {
      if (z.IsEmpty()) continue;
      if (z.zone_start_pfn < start || z.zone_end_pfn() > end) {
        return InvariantViolation(
            "NODE-1", Cat("node ", nid, " spans [", H(start), ", ", H(end),
                          ") but ", ZoneWhere(p, z), " spans [",
                          H(z.zone_start_pfn), ", ", H(z.zone_end_pfn()), ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBlocks(Machine& m) {
  const model::Geometry& g = m.geometry();
  const uint64_t spb = m.blocks().sections_per_block();
  for (const auto& [id, mem] : m.blocks().blocks()) {
    // A boot block may span holes. v5.1 has no SECTION_IS_EARLY: there
    // the block's creation at boot says it.
    bool early = !m.profile().has_mem_section_usage && mem.boot;
    for (uint64_t i = 0; i < spb; ++i) {
      early |=
          m.sparse().EarlySection(SectionNr(mem.start_section_nr.value() + i));
    }
    for (uint64_t i = 0; i < spb; ++i) {
      const SectionNr nr(mem.start_section_nr.value() + i);
      const bool present = m.sparse().PresentSection(nr);
      const std::string where = Cat("memory", id, " section ", nr.value());
      if (mem.state == MemoryBlockState::kOnline) {
        if (!present && !early) {
          return InvariantViolation("BLOCK-1",
                                    Cat(where,
                                        ": an online hot-added block with an "
                                        "absent section"));
        }
        if (present &&
            (!m.sparse().ValidSection(nr) || !m.sparse().OnlineSection(nr))) {
          return InvariantViolation(
              "BLOCK-1",
              Cat(where, ": online block, section not valid and online"));
        }
      } else if (mem.state == MemoryBlockState::kOffline) {
        if (!present || m.sparse().OnlineSection(nr)) {
          return InvariantViolation(
              "BLOCK-2",
              Cat(where, ": offline block, section absent or online"));
        }
      }
    }
    if (mem.zone && mem.state != MemoryBlockState::kOnline) {
      return InvariantViolation(
          "BLOCK-3", Cat("memory", id, " is not online but has a zone"));
    }
    if (mem.zone) {
      absl::Status out;
      m.sparse().memmap().ForEach(
          PfnRange::FromSize(g.SectionStart(mem.start_section_nr),
                             g.PagesPerSection() * spb),
          [&](PfnRange r, const sparse::PageState& st) {
            if (out.ok() && st.kind == sparse::MemmapKind::kInitialised &&
                !st.reserved && st.zone != static_cast<int>(*mem.zone)) {
              out = InvariantViolation(
                  "BLOCK-3", Cat("memory", id, " has zone ",
                                 hotplug::ZoneName(*mem.zone), " but pfn ",
                                 H(r.start()), " is in zone index ", st.zone));
            }
          });
      if (!out.ok()) return out;
    }
  }
  for (SectionNr nr : PresentSections(m)) {
    if (m.blocks().Find(m.blocks().BlockOf(nr)) != nullptr) continue;
    // memremap_pages() adds sections without memory blocks: a section that
    // holds only ZONE_DEVICE pages needs none. With an altmap the struct
    // pages of its reserve (the info block) are never initialised
    // (memmap_init_zone_device starts after the altmap's pages): poisoned
    // pages do not count against it, but one initialised ZONE_DEVICE page
    // must be there.
    bool device_only = true;
    bool any_device = false;
    m.sparse().memmap().ForEach(
        m.geometry().SectionRange(nr),
        [&](PfnRange, const sparse::PageState& st) {
          if (st.kind != sparse::MemmapKind::kInitialised) return;
          if (st.zone == static_cast<int>(hotplug::ZoneType::kDevice)) {
            any_device = true;
          } else {
            device_only = false;
          }
        });
    if (!any_device || !device_only) {
      return InvariantViolation(
          "BLOCK-4", Cat("present section ", nr.value(), " has no block"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOnlinePagesInitialised(Machine& m) {
  const model::Geometry& g = m.geometry();
  for (SectionNr nr : PresentSections(m)) {
    if (!m.sparse().OnlineSection(nr)) continue;
    const PfnRange sec = g.SectionRange(nr);
    for (Pfn p = sec.start(); p < sec.end(); p += g.PagesPerSubsection()) {
      if (!m.sparse().PfnToOnlinePage(p)) continue;
      const PfnRange sub = PfnRange::FromSize(p, g.PagesPerSubsection());
      if (!m.sparse().memmap().All(sub, sparse::MemmapKind::kInitialised)) {
        return InvariantViolation(
            "PFN-1", Cat("pfn_to_online_page(", H(p),
                         ") returns a page whose sub-section is not all "
                         "initialised"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<Invariant>& Registry() {
  static const std::vector<Invariant>* const kRegistry = new std::vector<
      Invariant>{
      {"BLOCK-1",
       "An online memory block's present sections are valid and online; a "
       "hot-added online block has all its sections present.",
       "drivers/base/memory.c memory_dev_init, memory_block_online",
       CheckBlocks},
      {"BLOCK-2", "An offline memory block's sections are present and offline.",
       "mm/memory_hotplug.c offline_pages (__offline_isolated_pages)",
       CheckBlocks},
      {"BLOCK-3",
       "mem->zone is set only for an online block, and all its online pages "
       "are in that zone.",
       "drivers/base/memory.c memory_block_online/offline", CheckBlocks},
      {"BLOCK-4",
       "Every present section belongs to a memory block device, unless it "
       "holds only ZONE_DEVICE pages (memremap_pages adds no blocks).",
       "drivers/base/memory.c memory_dev_init, create_memory_block_devices",
       CheckBlocks},
      {"NODE-1", "A node's span covers every non-empty zone of it.",
       "mm/memory_hotplug.c resize_pgdat_range, update_pgdat_span",
       CheckNodeSpan},
      {"NODE-2", "node_present_pages is the sum of its zones' present_pages.",
       "mm/memory_hotplug.c adjust_present_page_count", CheckPresentPages},
      {"PFN-1", "pfn_to_online_page() returns only initialised struct pages.",
       "mm/memory_hotplug.c pfn_to_online_page, move_pfn_range_to_zone",
       CheckOnlinePagesInitialised},
      {"RES-1..4",
       "The iomem tree nests: children inside parents, siblings sorted and "
       "disjoint.",
       "kernel/resource.c __request_resource, __insert_resource",
       [](Machine& m) { return m.iomem().CheckInvariants(); }},
      {"SPARSE-1..4",
       "The section table agrees with usage, subsection maps and memmaps.",
       "mm/sparse.c section_activate, section_deactivate",
       [](Machine& m) { return m.sparse().CheckInvariants(); }},
      {"ZONE-1",
       "Every online page of a zone that is not PageReserved lies inside "
       "the zone's span.",
       "mm/memory_hotplug.c move_pfn_range_to_zone, shrink_zone_span",
       CheckZoneContainsOnlinePages},
      {"ZONE-2",
       "An edge of a zone's span that hotplug moved (ZONE_DEVICE excepted) "
       "lies in a sub-section with an online page of the zone: the span "
       "shrinks to its online pages at sub-section granularity (boot edges "
       "may lie in holes up to a zone limit).",
       "mm/memory_hotplug.c shrink_zone_span, find_smallest_section_pfn",
       CheckZoneEdges},
      {"ZONE-3",
       "A zone's present_pages equals its online, initialised, "
       "non-reserved pages (ZONE_DEVICE excepted).",
       "mm/memory_hotplug.c online_pages, offline_pages", CheckPresentPages},
  };
  return *kRegistry;
}

absl::Status CheckAll(Machine& m) {
  for (const Invariant& inv : Registry()) {
    if (absl::Status s = inv.check(m); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace memhp::properties
