#include "hotplug/zone.h"

namespace memhp::hotplug {

std::string_view ZoneName(ZoneType z) {
  switch (z) {
    case ZoneType::kDma:
      return "DMA";
    case ZoneType::kDma32:
      return "DMA32";
    case ZoneType::kNormal:
      return "Normal";
    case ZoneType::kMovable:
      return "Movable";
    case ZoneType::kDevice:
      return "Device";
  }
  return "?";
}

std::optional<ZoneType> ZoneFromName(std::string_view name) {
  for (int i = 0; i < kMaxNrZones; ++i) {
    if (ZoneName(ZoneAt(i)) == name) return ZoneAt(i);
  }
  return std::nullopt;
}

}  // namespace memhp::hotplug
