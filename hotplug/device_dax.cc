#include "hotplug/device_dax.h"

#include <bit>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;
using model::Sprintf;
using model::Ull;

namespace {

// The devres of a probe: the reservations (released last first) and the
// devm pagemap.
void ReleaseReservations(DaxBus& bus, DevDax& dev) {
  ResourceTree& iomem = bus.machine().iomem();
  for (auto it = dev.dax_reserved.rbegin(); it != dev.dax_reserved.rend();
       ++it) {
    (void)iomem.ReleaseMemRegion((*it)->start, model::ByteSize((*it)->Size()));
  }
  dev.dax_reserved.clear();
}

}  // namespace

Operation<int> DevDaxProbe(DaxBus& bus, DevDax& dev) {
  Machine& m = bus.machine();
  DevPagemap* pgmap = nullptr;
  if (dev.region->IsStatic()) {
    if (dev.ranges.size() > 1) {
      m.log().Printk(
          model::LogLevel::kWarning,
          Cat(DevPrefix(dev), "static pgmap / multi-range device conflict"));
      co_return rc::kEINVAL;
    }
    pgmap = dev.pgmap;
  } else {
    if (dev.pgmap != nullptr) {
      m.log().Printk(
          model::LogLevel::kWarning,
          Cat(DevPrefix(dev), "dynamic-dax with pre-populated page map"));
      co_return rc::kEINVAL;
    }
    dev.devm_pgmap = std::make_unique<DevPagemap>();
    pgmap = dev.devm_pgmap.get();
    pgmap->nr_range = static_cast<int>(dev.ranges.size());
    for (const DevDaxRange& r : dev.ranges) pgmap->ranges.push_back(r.range);
    dev.pgmap = pgmap;
  }
  for (size_t i = 0; i < dev.ranges.size(); ++i) {
    const InclusiveRange& r = dev.ranges[i].range;
    Resource* res = m.iomem().RequestMemRegion(r.start, r.Len(), dev.name);
    if (res == nullptr) {
      if (m.profile().dev_dax_multi_range) {
        m.log().Printk(
            model::LogLevel::kWarning,
            Cat(DevPrefix(dev),
                Sprintf("mapping%zu: %#llx-%#llx could not reserve range", i,
                        Ull(r.start.value()), Ull(r.end.value()))));
      } else {
        // v5.3: the region's one resource.
        m.log().Printk(model::LogLevel::kWarning,
                       Cat(DevPrefix(dev), "could not reserve region ",
                           PrintkResource(r.start, r.end, kIoresourceMem,
                                          /*raw=*/false)));
      }
      // devres: the reservations go, the devm pagemap is freed, but
      // dev_dax->pgmap keeps pointing at it (the next probe refuses).
      ReleaseReservations(bus, dev);
      co_return rc::kEBUSY;
    }
    dev.dax_reserved.push_back(res);
  }
  pgmap->type = MemoryType::kDeviceGeneric;
  const uint64_t page = uint64_t{1} << m.geometry().page_shift();
  if (dev.align > page) {
    // order_base_2(align >> PAGE_SHIFT).
    pgmap->vmemmap_shift = static_cast<uint32_t>(
        std::bit_width(std::bit_ceil(dev.align / page)) - 1);
  }
  const int rc = co_await DevmMemremapPages(
      m, bus.pgmap_array(), model::NodeId(dev.numa_node), *pgmap);
  if (rc != 0) {
    ReleaseReservations(bus, dev);
    co_return rc;
  }
  dev.dax_mapped = true;
  // cdev_add(), then run_dax(): the device is alive.
  dev.alive = true;
  co_return 0;
}

Operation<bool> DevDaxRelease(DaxBus& bus, DevDax& dev) {
  // dev_dax_kill.
  DaxBus::KillDevDax(dev);
  // dev_dax_cdev_del: nothing to model.
  // devm_memremap_pages_release.
  if (dev.dax_mapped) {
    DevPagemap* pgmap =
        dev.region->IsStatic() ? dev.static_pgmap.get() : dev.devm_pgmap.get();
    (void)co_await DevmMemunmapPages(bus.machine(), bus.pgmap_array(), *pgmap);
    dev.dax_mapped = false;
  }
  ReleaseReservations(bus, dev);
  dev.devm_pgmap.reset();
  co_return true;
}

DaxDeviceDriver DeviceDaxDriver() {
  return DaxDeviceDriver{
      .name = "device_dax",
      .match_always = true,
      .type = DaxDriverType::kDevice,
      .probe = [](DaxBus& bus, DevDax& dev) { return DevDaxProbe(bus, dev); },
      .remove = [](DaxBus& bus,
                   DevDax& dev) { return DevDaxRelease(bus, dev); },
  };
}

}  // namespace memhp::hotplug
