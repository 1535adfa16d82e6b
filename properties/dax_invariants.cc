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
    // A compat class device is alive while dax_pmem_compat's direct
    // dev_dax_probe holds it.
    const bool want_alive =
        d.driver == &dax.device_dax() || (d.dax_class && d.class_probed);
    if (d.dax_class && d.driver != nullptr) {
      return InvariantViolation(
          "DAX-1", Cat(d.name, " is a class device with a driver"));
    }
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
    if (d.driver != &dax.device_dax() && !d.class_probed) continue;
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

// One reservation kmem holds (`who`: the device, or what is left of it):
// in iomem, System RAM, covered by its System RAM (kmem) child, with memory
// blocks.
absl::Status CheckKmemReservation(DaxModules& dax, std::string_view who,
                                  const Resource* res) {
  if (res->parent == nullptr) {
    return InvariantViolation(
        "DAX-4", Cat(who, ": kmem holds a reservation not in iomem"));
  }
  if (res->flags != hotplug::kIoresourceSystemRam) {
    return InvariantViolation(
        "DAX-4", Cat(who, ": kmem reservation ", Hex(res->start.value()),
                     " flags ", Hex(res->flags)));
  }
  // v5.3's kmem adds its range with add_memory(): a plain "System RAM"
  // child (kmem_multi_range false).
  const std::string_view child_name = dax.machine().profile().kmem_multi_range
                                          ? hotplug::kKmemName
                                          : std::string_view("System RAM");
  const Resource* ram = res->child;
  if (ram == nullptr || ram->name != child_name || ram->start != res->start ||
      ram->end != res->end) {
    return InvariantViolation(
        "DAX-4", Cat(who, ": kmem reservation ", Hex(res->start.value()),
                     " has no ", child_name, " child covering it"));
  }
  const auto& blocks = dax.machine().blocks();
  const uint64_t bs = blocks.block_size().value();
  for (uint64_t a = res->start.value(); a <= res->end.value(); a += bs) {
    if (blocks.Find(model::BlockId(a / bs)) == nullptr) {
      return InvariantViolation("DAX-4", Cat(who, ": kmem memory at ", Hex(a),
                                             " has no memory block"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKmem(DaxModules& dax) {
  std::set<const Resource*> held;
  auto check = [&](std::string_view who,
                   const std::vector<Resource*>& reservations) {
    for (const Resource* res : reservations) {
      if (res == nullptr) continue;
      held.insert(res);
      if (absl::Status s = CheckKmemReservation(dax, who, res); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  };
  for (const DevDax& d : dax.bus().devices()) {
    if (!d.kmem) continue;
    if (absl::Status s = check(d.name, d.kmem->res); !s.ok()) return s;
  }
  // Devices unregistered after a failed removal leave their reservations
  // behind; the bus still accounts for them.
  for (const DevDax::KmemData& k : dax.bus().leaked_kmem()) {
    if (absl::Status s = check(Cat("leaked ", k.res_name), k.res); !s.ok()) {
      return s;
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

// A busy resource named `name` covering exactly [start, end] in iomem.
bool HasBusy(const Resource* r, std::string_view name, uint64_t start,
             uint64_t end) {
  for (; r != nullptr; r = r->sibling) {
    if (r->name == name && r->start.value() == start && r->end.value() == end &&
        (r->flags & hotplug::kIoresourceBusy) != 0) {
      return true;
    }
    if (HasBusy(r->child, name, start, end)) return true;
  }
  return false;
}

absl::Status CheckNd(DaxModules& dax) {
  const Resource* iomem = dax.machine().iomem().root()->child;
  for (hotplug::NdRegion& region : dax.nvdimm().regions()) {
    for (const hotplug::NdNamespaceIo& ns : region.namespaces) {
      if (ns.claim != nullptr && ns.claim->ndns != &ns) {
        return InvariantViolation(
            "ND-1", Cat(ns.name, " is claimed by ", ns.claim->name,
                        ", which holds another namespace"));
      }
      if (ns.claim != nullptr && ns.bound && !ns.claim->driver.empty()) {
        return InvariantViolation(
            "ND-1", Cat(ns.name, " is bound to nd_pmem and ", ns.claim->name,
                        " to ", ns.claim->driver));
      }
    }
    for (const hotplug::NdPfn& d : region.pfns) {
      if (d.ndns != nullptr && d.ndns->claim != &d) {
        return InvariantViolation("ND-1", Cat(d.name, " holds ", d.ndns->name,
                                              " without being its claim"));
      }
      if (d.driver.empty()) continue;
      if (!d.registered || d.ndns == nullptr || !d.pfn_sb.has_value()) {
        return InvariantViolation(
            "ND-2", Cat(d.name, " is bound to ", d.driver,
                        " without a registered device, namespace or info "
                        "block"));
      }
      const hotplug::NdNamespaceIo& ns = *d.ndns;
      const std::optional<hotplug::NdPfnSb>& sb = ns.info_block;
      if (!sb || sb->dax_sig != d.is_dax() || !d.uuid || sb->uuid != *d.uuid ||
          sb->mode != d.mode || (sb->align != 0 && sb->align != d.align)) {
        return InvariantViolation(
            "ND-2", Cat(d.name, " is bound but ", ns.name,
                        "'s info block does not carry its settings"));
      }
      const uint64_t start = ns.res.start.value();
      if (d.driver == "dax_pmem") {
        if (!HasBusy(iomem, ns.name, start, start + sb->dataoff - 1)) {
          return InvariantViolation("ND-2",
                                    Cat(d.name, ": the metadata of ", ns.name,
                                        " is not reserved busy in iomem"));
        }
      } else if (!d.mapped ||
                 !HasBusy(iomem, ns.name, start, ns.res.end.value())) {
        return InvariantViolation(
            "ND-2", Cat(d.name, ": nd_pmem does not hold ", ns.name,
                        " mapped and reserved"));
      }
    }
    for (const hotplug::NdPfn* seed : {region.pfn_seed, region.dax_seed}) {
      if (seed == nullptr || !seed->registered || !seed->driver.empty()) {
        return InvariantViolation(
            "ND-3",
            Cat(region.name, ": a seed is missing, unregistered or bound"));
      }
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
           "Every System RAM (kmem) (v5.3: System RAM) sits under a "
           "reservation a device's kmem "
           "data holds (also after a failed one-shot removal), and its "
           "memory blocks exist.",
           "drivers/dax/kmem.c dev_dax_kmem_probe, dev_dax_kmem_remove"},
          {"ND-1",
           "A namespace's claim and the claiming pfn/dax device point at each "
           "other; the namespace and its claim are never both bound.",
           "drivers/nvdimm/claim.c __nd_attach_ndns, "
           "namespace_devs.c nvdimm_namespace_common_probe"},
          {"ND-2",
           "A bound pfn/dax device's namespace carries its info block (its "
           "signature, uuid, mode, align); dax_pmem holds the metadata busy "
           "in iomem, nd_pmem the whole namespace, mapped.",
           "drivers/nvdimm/pfn_devs.c nd_pfn_validate, nd_pfn_init; "
           "drivers/dax/pmem.c __dax_pmem_probe; pmem.c pmem_attach_disk"},
          {"ND-3",
           "Every pmem region has a registered, unbound pfn seed and dax seed.",
           "drivers/nvdimm/region.c nd_region_probe, "
           "region_devs.c nd_region_advance_seeds"},
      };
  return *kDocs;
}

absl::Status CheckDax(DaxModules& dax) {
  for (auto check : {CheckBinding, CheckRegions, CheckDeviceDaxReservations,
                     CheckKmem, CheckNd}) {
    if (absl::Status s = check(dax); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace memhp::properties
