#include "hotplug/daxctl_list.h"

#include <algorithm>
#include <vector>

#include "hotplug/zone.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::Cat;
using model::Sprintf;

namespace {

// A JSON value as json-c keeps it: objects keep their keys in insertion
// order.
struct Json {
  std::string raw;  // a scalar, already in JSON form
  std::vector<std::pair<std::string, Json>> fields;  // an object
  std::vector<Json> items;                           // an array
  bool is_object = false;
  bool is_array = false;

  static Json Raw(std::string v) { return {.raw = std::move(v)}; }
  static Json Object() { return {.is_object = true}; }
  static Json Array(std::vector<Json> items) {
    return {.items = std::move(items), .is_array = true};
  }
  void Add(std::string key, Json v) {
    fields.push_back({std::move(key), std::move(v)});
  }
  void Add(std::string key, std::string raw) {
    Add(std::move(key), Raw(std::move(raw)));
  }
};

std::string JsonQuoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '/') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Indent(int level) { return std::string(2 * level, ' '); }

// json_object_to_json_string_ext(JSON_C_TO_STRING_PRETTY).
std::string Render(const Json& j, int level) {
  if (j.is_object) {
    std::string out = "{\n";
    for (size_t i = 0; i < j.fields.size(); ++i) {
      out += Cat(Indent(level + 1), JsonQuoted(j.fields[i].first), ":",
                 Render(j.fields[i].second, level + 1));
      out += i + 1 < j.fields.size() ? ",\n" : "\n";
    }
    return out + Indent(level) + "}";
  }
  if (j.is_array) {
    std::string out = "[\n";
    for (size_t i = 0; i < j.items.size(); ++i) {
      out += Indent(level + 1) + Render(j.items[i], level + 1);
      out += i + 1 < j.items.size() ? ",\n" : "\n";
    }
    return out + Indent(level) + "]";
  }
  return j.raw;
}

std::string Size(uint64_t bytes, bool human) {
  return human ? JsonQuoted(DaxctlHumanSize(bytes)) : Cat(bytes);
}

std::string Hex(uint64_t v) {
  return JsonQuoted(Sprintf("%#llx", static_cast<unsigned long long>(v)));
}

Json Device(const Machine& m, const DevDax& d, const DaxctlListOptions& o) {
  Json j = Json::Object();
  j.Add("chardev", JsonQuoted(d.name));
  j.Add("size", Size(d.Size(), o.human));
  if (d.region->target_node >= 0) j.Add("target_node", Cat(d.target_node));
  if (d.align > 0) j.Add("align", Cat(d.align));
  const bool system_ram = d.driver != nullptr && d.driver->name == "kmem";
  j.Add("mode", JsonQuoted(system_ram ? "system-ram" : "devdax"));
  const uint64_t resource = d.ranges.empty() ? d.region->start().value()
                                             : d.ranges[0].range.start.value();
  if (system_ram && resource != 0) {
    // The blocks of [resource, resource + size) linked under the target
    // node.
    const uint64_t bs = m.blocks().block_size().value();
    int total = 0, online = 0, movable = 0;
    for (uint64_t a = resource / bs * bs; a < resource + d.Size(); a += bs) {
      const MemoryBlock* mem = m.blocks().Find(model::BlockId(a / bs));
      if (mem == nullptr || mem->nid.value() != d.target_node) continue;
      ++total;
      if (mem->state == MemoryBlockState::kOnline) {
        ++online;
        if (mem->zone == ZoneType::kMovable) ++movable;
      }
    }
    j.Add("online_memblocks", Cat(online));
    j.Add("total_memblocks", Cat(total));
    if (total > 0 && online == total) {
      j.Add("movable", movable == online ? "true" : "false");
    }
  }
  if (d.driver == nullptr) j.Add("state", JsonQuoted("disabled"));
  if (o.mappings && !d.ranges.empty()) {
    std::vector<Json> maps;
    for (const DevDaxRange& r : d.ranges) {
      Json mj = Json::Object();
      const uint64_t len = r.range.Len().value();
      if (o.human) {
        mj.Add("page_offset", Hex(r.pgoff));
        mj.Add("start", Hex(r.range.start.value()));
        mj.Add("end", Hex(r.range.end.value()));
        mj.Add("size", Size(len, true));
      } else {
        mj.Add("page_offset", Cat(r.pgoff));
        mj.Add("start", Cat(r.range.start.value()));
        mj.Add("end", Cat(r.range.end.value()));
        mj.Add("size", Cat(len));
      }
      maps.push_back(std::move(mj));
    }
    j.Add("mappings", Json::Array(std::move(maps)));
  }
  return j;
}

}  // namespace

std::string DaxctlHumanSize(uint64_t bytes) {
  static constexpr const char* kIec[] = {"B",   "KiB", "MiB", "GiB",
                                         "TiB", "PiB", "EiB"};
  static constexpr const char* kSi[] = {"B",  "KB", "MB", "GB",
                                        "TB", "PB", "EB"};
  double iec = static_cast<double>(bytes), si = iec;
  int i = 0, s = 0;
  while (iec >= 1024 && i < 6) {
    iec /= 1024;
    ++i;
  }
  while (si >= 1000 && s < 6) {
    si /= 1000;
    ++s;
  }
  return Sprintf("%.2f %s (%.2f %s)", iec, kIec[i], si, kSi[s]);
}

std::string RenderDaxctlList(const Machine& m, const DaxBus& bus,
                             const DaxctlListOptions& o) {
  const bool want_devices = o.devices || !o.regions;
  // Regions by id, their devices by id.
  std::vector<const DaxRegion*> regions;
  for (const DaxRegion& r : bus.regions()) regions.push_back(&r);
  std::sort(
      regions.begin(), regions.end(),
      [](const DaxRegion* a, const DaxRegion* b) { return a->id < b->id; });
  auto devices_of = [&](const DaxRegion* r) {
    std::vector<const DevDax*> out;
    for (const DevDax& d : bus.devices()) {
      if (d.registered && d.region == r && (o.idle || d.Size() != 0)) {
        out.push_back(&d);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const DevDax* a, const DevDax* b) { return a->id < b->id; });
    return out;
  };
  std::vector<Json> items;
  if (o.regions) {
    for (const DaxRegion* r : regions) {
      Json j = Json::Object();
      j.Add("path", JsonQuoted(Cat("/", r->provider_path.empty()
                                            ? Cat("platform/", r->provider)
                                            : r->provider_path)));
      j.Add("id", Cat(r->id));
      j.Add("size", Size(r->res->root()->Size(), o.human));
      if (const uint64_t avail = bus.DaxRegionAvailSize(*r); avail != 0) {
        j.Add("available_size", Size(avail, o.human));
      }
      j.Add("align", Cat(r->align));
      if (o.devices) {
        std::vector<Json> devs;
        for (const DevDax* d : devices_of(r)) devs.push_back(Device(m, *d, o));
        if (!devs.empty()) j.Add("devices", Json::Array(std::move(devs)));
      }
      items.push_back(std::move(j));
    }
  } else if (want_devices) {
    for (const DaxRegion* r : regions) {
      for (const DevDax* d : devices_of(r)) {
        items.push_back(Device(m, *d, o));
      }
    }
  }
  if (items.empty()) return "";
  // -u with a single element prints the element alone.
  if (o.human && items.size() == 1) return Render(items[0], 0) + "\n";
  return Render(Json::Array(std::move(items)), 0) + "\n";
}

}  // namespace memhp::hotplug
