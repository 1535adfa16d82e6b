#include "properties/dax_invariants.h"

#include <set>
#include <string>

#include "hotplug/dax_kmem.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::properties {

using hotplug::DaxModules;
using hotplug::DevDax;
using hotplug::Resource;
using model::Cat;
using model::InvariantViolation;

namespace {

std::string Hex(uint64_t v) {
  return model::Sprintf("%#llx", static_cast<unsigned long long>(v));
}

absl::Status CheckBinding(DaxModules& dax) {
  for (const DevDax& d : dax.bus().devices()) {
    if (d.driver != nullptr &&
        (!d.registered || dax.bus().FindDriver(d.driver->name) != d.driver)) {
      return InvariantViolation(
          "DAX-1", Cat(d.name, " is bound to an unregistered driver"));
    }
    const bool want_alive = d.driver == &dax.device_dax();
    if (d.alive != want_alive) {
      return InvariantViolation(
          "DAX-1",
          Cat(d.name, " is ", d.alive ? "alive" : "dead", " with driver ",
              d.driver != nullptr ? d.driver->name : "(none)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRegions(DaxModules& dax) {
  for (const hotplug::DaxRegion& r : dax.bus().regions()) {
    std::set<std::pair<uint64_t, std::string>> want;
    for (const DevDax& d : dax.bus().devices()) {
      if (d.region != &r) continue;
      for (const hotplug::DevDaxRange& dr : d.ranges) {
        want.insert({dr.range.start.value(), d.name});
      }
    }
    std::set<std::pair<uint64_t, std::string>> got;
    for (const Resource* c = r.res->root()->child; c != nullptr;
         c = c->sibling) {
      if (!(c->flags & hotplug::kIoresourceBusy)) {
        return InvariantViolation(
            "DAX-2", Cat(r.provider, ": allocation ", c->name, " not busy"));
      }
      got.insert({c->start.value(), c->name});
    }
    if (got != want) {
      return InvariantViolation(
          "DAX-2", Cat(r.provider,
                       ": the region's allocations differ from its devices' "
                       "ranges"));
    }
  }
  return absl::OkStatus();
}

// The busy iomem resource exactly [start, end] named `name`, at any depth.
const Resource* FindExact(const Resource* r, uint64_t start, uint64_t end,
                          std::string_view name) {
  for (; r != nullptr; r = r->sibling) {
    if (r->start.value() == start && r->end.value() == end && r->name == name) {
      return r;
    }
    if (r->start.value() <= start && end <= r->end.value()) {
      if (const Resource* c = FindExact(r->child, start, end, name)) return c;
    }
  }
  return nullptr;
}

absl::Status CheckDeviceDaxReservations(DaxModules& dax) {
  const Resource* top = dax.machine().iomem().root()->child;
  for (const DevDax& d : dax.bus().devices()) {
    if (d.driver != &dax.device_dax()) continue;
    for (const hotplug::DevDaxRange& dr : d.ranges) {
      const Resource* res =
          FindExact(top, dr.range.start.value(), dr.range.end.value(), d.name);
      if (res == nullptr || !(res->flags & hotplug::kIoresourceBusy)) {
        return InvariantViolation(
            "DAX-3",
            Cat(d.name, " is bound to device_dax but ",
                Hex(dr.range.start.value()), " is not reserved busy in iomem"));
      }
    }
  }
  return absl::OkStatus();
}

void CollectKmemRam(const Resource* r, std::vector<const Resource*>& out) {
  for (; r != nullptr; r = r->sibling) {
    if (r->name == hotplug::kKmemName) out.push_back(r);
    CollectKmemRam(r->child, out);
  }
}

absl::Status CheckKmem(DaxModules& dax) {
  std::set<const Resource*> held;
  for (const DevDax& d : dax.bus().devices()) {
    if (!d.kmem) continue;
    for (const Resource* res : d.kmem->res) {
      if (res == nullptr) continue;
      held.insert(res);
      if (res->parent == nullptr) {
        return InvariantViolation(
            "DAX-4", Cat(d.name, ": kmem holds a reservation not in iomem"));
      }
      if (res->flags != hotplug::kIoresourceSystemRam) {
        return InvariantViolation(
            "DAX-4", Cat(d.name, ": kmem reservation ", Hex(res->start.value()),
                         " flags ", Hex(res->flags)));
      }
      const Resource* ram = res->child;
      if (ram == nullptr || ram->name != hotplug::kKmemName ||
          ram->start != res->start || ram->end != res->end) {
        return InvariantViolation(
            "DAX-4", Cat(d.name, ": kmem reservation ", Hex(res->start.value()),
                         " has no System RAM (kmem) child covering it"));
      }
      const auto& blocks = dax.machine().blocks();
      const uint64_t bs = blocks.block_size().value();
      for (uint64_t a = res->start.value(); a <= res->end.value(); a += bs) {
        if (blocks.Find(model::BlockId(a / bs)) == nullptr) {
          return InvariantViolation(
              "DAX-4",
              Cat(d.name, ": kmem memory at ", Hex(a), " has no memory block"));
        }
      }
    }
  }
  std::vector<const Resource*> ram;
  CollectKmemRam(dax.machine().iomem().root()->child, ram);
  for (const Resource* r : ram) {
    if (!held.contains(r->parent)) {
      return InvariantViolation(
          "DAX-4", Cat("System RAM (kmem) at ", Hex(r->start.value()),
                       " under a reservation no device holds"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<DaxInvariantDoc>& DaxInvariantDocs() {
  static const std::vector<DaxInvariantDoc>* const kDocs =
      new std::vector<DaxInvariantDoc>{
          {"DAX-1",
           "A dax device is bound to at most one, registered, driver; it is "
           "alive exactly while device_dax holds it.",
           "drivers/dax/bus.c dax_bus_probe, drivers/dax/device.c "
           "dev_dax_probe (run_dax), kill_dev_dax"},
          {"DAX-2",
           "A region's private tree holds exactly its devices' ranges, busy "
           "and named after the device.",
           "drivers/dax/bus.c alloc_dev_dax_range, trim_dev_dax_range"},
          {"DAX-3",
           "A device bound to device_dax has every range reserved busy in "
           "iomem.",
           "drivers/dax/device.c dev_dax_probe devm_request_mem_region"},
          {"DAX-4",
           "Every System RAM (kmem) sits under a reservation a device's kmem "
           "data holds (also after a failed one-shot removal), and its "
           "memory blocks exist.",
           "drivers/dax/kmem.c dev_dax_kmem_probe, dev_dax_kmem_remove"},
      };
  return *kDocs;
}

absl::Status CheckDax(DaxModules& dax) {
  for (auto check :
       {CheckBinding, CheckRegions, CheckDeviceDaxReservations, CheckKmem}) {
    if (absl::Status s = check(dax); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace memhp::properties
