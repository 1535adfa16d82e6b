#include "hotplug/render.h"

#include "model/strings.h"

namespace memhp::hotplug {

using model::Sprintf;

std::vector<std::string> ZoneinfoLines(const Machine& m) {
  std::vector<std::string> out;
  for (const auto& [nid, pgdat] : m.zones().pgdat) {
    for (const Zone& zone : pgdat.node_zones) {
      const std::string name(ZoneName(zone.type));
      out.push_back(Sprintf("Node %d, zone %8s", nid, name.c_str()));
      out.push_back(
          Sprintf("        spanned  %lu",
                  static_cast<unsigned long>(zone.spanned_pages.value())));
      out.push_back(
          Sprintf("        present  %lu",
                  static_cast<unsigned long>(zone.present_pages.value())));
      if (zone.Populated()) {
        out.push_back(
            Sprintf("  start_pfn:           %lu",
                    static_cast<unsigned long>(zone.zone_start_pfn.value())));
      }
    }
  }
  return out;
}

std::vector<std::string> ValidZonesOf(const Machine& m,
                                      const MemoryBlock& mem) {
  const PgData& pgdat =
      m.zones().pgdat.at(mem.nid.IsNoNode() ? 0 : mem.nid.value());
  return m.blocks().ValidZonesShow(mem, pgdat, m.geometry(),
                                   m.movable_node_enabled());
}

std::vector<std::string> MemoryBlockLines(const Machine& m) {
  std::vector<std::string> out;
  const MemoryBlocks& blocks = m.blocks();
  for (const auto& [id, mem] : blocks.blocks()) {
    const std::string zones = model::Join(ValidZonesOf(m, mem), ",");
    out.push_back(model::Cat(
        "memory", id, " state=", MemoryBlocks::StateShow(mem),
        " phys_index=", blocks.PhysIndexShow(mem), " valid_zones=", zones,
        " removable=", MemoryBlocks::RemovableShow(m.geometry()),
        " node=", mem.nid.value()));
  }
  return out;
}

std::vector<std::string> IomemLines(const Machine& m) {
  return m.iomem().IomemLines();
}

LsmemSysfs LsmemSysfsOf(const Machine& m) {
  LsmemSysfs out{.block_size = m.blocks().block_size()};
  const bool removable = MemoryBlocks::RemovableShow(m.geometry()) == "1";
  for (const auto& [id, mem] : m.blocks().blocks()) {
    LsmemBlock b{.index = mem.id,
                 .state = MemoryBlocks::StateShow(mem),
                 .removable = removable ? 1 : 0};
    if (!mem.nid.IsNoNode()) b.node = mem.nid.value();
    b.valid_zones = ValidZonesOf(m, mem);
    out.blocks.push_back(std::move(b));
  }
  return out;
}

}  // namespace memhp::hotplug
