#include "hotplug/dax_pmem.h"

#include <cstdio>
#include <string>

#include "hotplug/device_dax.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;

Operation<int> DaxPmemProbe(NvdimmBus& nd, DaxBus& bus, NdPfn& dev,
                            bool compat) {
  Machine& m = bus.machine();
  const model::Geometry& g = m.geometry();
  const std::string prefix =
      Cat(compat ? "dax_pmem_compat " : "dax_pmem ", dev.name, ": ");
  if (const int r = nd.CommonProbe(dev); r != 0) co_return r;
  NdNamespaceIo& ns = *dev.ndns;
  // Parse the info block through ->rw_bytes.
  if (const int r = DevmNamespaceEnable(
          m, ns, model::ByteSize(NdInfoBlockReserve(g)), prefix);
      r != 0) {
    co_return r;
  }
  DevPagemap pgmap;
  if (const int r = NvdimmSetupPfn(m, dev, pgmap, prefix); r != 0) {
    ReleaseNamespaceEnable(m, ns);  // devres
    co_return r;
  }
  ReleaseNamespaceEnable(m, ns);
  // Reserve the metadata; device-dax reserves the data.
  const uint64_t offset = dev.pfn_sb->dataoff;
  dev.metadata = m.iomem().RequestMemRegion(ns.res.start,
                                            model::ByteSize(offset), ns.name);
  if (dev.metadata == nullptr) {
    m.log().Printk(model::LogLevel::kWarning,
                   Cat(prefix, "could not reserve metadata"));
    co_return rc::kEBUSY;
  }
  auto release_metadata = [&] {
    (void)m.iomem().ReleaseMemRegion(dev.metadata->start,
                                     model::ByteSize(dev.metadata->Size()));
    dev.metadata = nullptr;
  };
  int region_id = 0;
  int id = 0;
  if (std::sscanf(ns.name.c_str(), "namespace%d.%d", &region_id, &id) != 2) {
    release_metadata();
    co_return rc::kEINVAL;
  }
  // The dax region starts at the data.
  InclusiveRange range = pgmap.ranges[0];
  range.start = model::PhysAddr(range.start.value() + offset);
  DaxRegion* region =
      bus.AllocDaxRegion(dev.name, region_id, range, dev.region->target_node,
                         dev.pfn_sb->align, kIoresourceDaxStatic);
  if (region == nullptr) {
    release_metadata();
    co_return rc::kENOMEM;
  }
  // dev_to_node() of the nd device: its region's node.
  region->provider_node = dev.region->numa_node;
  // The nd device's place in sysfs: e820_pmem's bus, the region.
  region->provider_path =
      Cat("platform/e820_pmem/ndbus0/", dev.region->name, "/", dev.name);
  DevDax* dev_dax = nullptr;
  const int r = co_await bus.DevmCreateDevDax({.region = region,
                                               .pgmap = &pgmap,
                                               .id = id,
                                               .size = range.Len().value(),
                                               .dax_class = compat},
                                              &dev_dax);
  if (r != 0) {
    bus.RemoveRegion(*region);
    release_metadata();
    co_return r;
  }
  dev.dax_region = region;
  dev.dev_dax = dev_dax;
  if (compat) {
    // dax_pmem_compat_probe: device_dax's probe, directly, in a devres
    // group of the class device.
    co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
    const int probe_rc = co_await DevDaxProbe(bus, *dev_dax);
    if (probe_rc != 0) {
      // devres_release_group (the probe undid itself), then the nd
      // device's devres: the failed probe returns its -errno.
      (void)co_await DaxPmemRelease(bus, m, dev);
      co_return probe_rc;
    }
    dev_dax->class_probed = true;
  }
  co_return 0;
}

Operation<bool> DaxPmemRelease(DaxBus& bus, Machine& m, NdPfn& dev) {
  if (dev.dev_dax != nullptr && dev.dev_dax->class_probed) {
    // dax_pmem_compat_release(): the device_dax group, under device_lock.
    co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
    (void)co_await DevDaxRelease(bus, *dev.dev_dax);
    dev.dev_dax->class_probed = false;
  }
  if (dev.dev_dax != nullptr) {
    (void)co_await bus.UnregisterDevDax(*dev.dev_dax);
    dev.dev_dax = nullptr;
  }
  if (dev.dax_region != nullptr) {
    bus.RemoveRegion(*dev.dax_region);
    dev.dax_region = nullptr;
  }
  if (dev.metadata != nullptr) {
    (void)m.iomem().ReleaseMemRegion(dev.metadata->start,
                                     model::ByteSize(dev.metadata->Size()));
    dev.metadata = nullptr;
  }
  co_return true;
}

}  // namespace memhp::hotplug
