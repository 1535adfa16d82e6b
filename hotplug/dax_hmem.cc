#include "hotplug/dax_hmem.h"

#include <algorithm>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;
using model::PhysAddr;
using model::Sprintf;

namespace {}  // namespace

HmemDevice* HmemDevices::Find(std::string_view name) {
  for (HmemDevice& d : devices_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

void HmemDevices::HmemRegisterDevice(Machine& m, int target_nid,
                                     InclusiveRange r) {
  if (m.iomem().RegionIntersects(r.start, r.Len(), kIoresourceMem,
                                 IoresDesc::kSoftReserved) !=
      RegionIntersection::kIntersects) {
    return;
  }
  int id = 0;
  while (memregion_ids_.contains(id)) ++id;
  const std::string name = Sprintf("hmem.%d", id);
  if (hmem_active_ == nullptr) {
    hmem_active_ =
        std::make_unique<ResourceTree>(PhysAddr(UINT64_MAX), &m.log());
    hmem_active_->root()->name = "HMEM devices";
  }
  // An already active range: dev_dbg only.
  if (hmem_active_->RequestRegion(hmem_active_->root(), r.start, r.Len(), name,
                                  0) == nullptr) {
    return;
  }
  memregion_ids_.insert(id);
  const int numa_node = m.NumaMapToOnlineNode(target_nid);
  // platform_device_add(): the resource, named after the device, inserted
  // above the Soft Reserved entry.
  Resource* res = m.iomem().Alloc(name, r.start, r.end, kIoresourceMem,
                                  IoresDesc::kSoftReserved);
  if (!m.iomem().InsertResource(m.iomem().root(), res).ok()) {
    m.log().Printk(model::LogLevel::kErr,
                   Cat("platform ", name, ": failed to claim resource 0: ",
                       PrintkResource(r.start, r.end, kIoresourceMem,
                                      /*raw=*/false)));
    m.log().Printk(model::LogLevel::kErr,
                   Cat("platform ", name, ": device add failed for ",
                       PrintkResource(r.start, r.end, kIoresourceMem,
                                      /*raw=*/true)));
    (void)hmem_active_->ReleaseRegion(hmem_active_->root(), r.start, r.Len());
    memregion_ids_.erase(id);
    return;
  }
  devices_.push_back({.id = id,
                      .name = name,
                      .range = r,
                      .target_node = target_nid,
                      .numa_node = numa_node,
                      .res = res});
}

void HmemDevices::HmemRegisterResource(Machine& m, int target_nid,
                                       InclusiveRange r) {
  if (hmem_active_ == nullptr) {
    hmem_active_ =
        std::make_unique<ResourceTree>(PhysAddr(UINT64_MAX), &m.log());
    hmem_active_->root()->name = "HMEM devices";
  }
  // An already active range: pr_debug only.
  if (hmem_active_->RequestRegion(hmem_active_->root(), r.start, r.Len(), "",
                                  0) == nullptr) {
    return;
  }
  hmem_resources_.push_back({r, target_nid});
  std::sort(hmem_resources_.begin(), hmem_resources_.end(),
            [](const auto& a, const auto& b) {
              return a.first.start < b.first.start;
            });
  // platform_device_alloc("hmem_platform", 0) + platform_device_add().
  platform_initialized_ = true;
}

void HmemDevices::HmemRegisterDeviceFromResource(Machine& m, int target_nid,
                                                 InclusiveRange r) {
  if (m.iomem().RegionIntersects(r.start, r.Len(), kIoresourceMem,
                                 IoresDesc::kSoftReserved) !=
      RegionIntersection::kIntersects) {
    return;
  }
  int id = 0;
  while (memregion_ids_.contains(id)) ++id;
  memregion_ids_.insert(id);
  const int numa_node = m.NumaMapToOnlineNode(target_nid);
  // The range is platform data (memregion_info.range): nothing in iomem.
  devices_.push_back({.id = id,
                      .name = Sprintf("hmem.%d", id),
                      .range = r,
                      .target_node = target_nid,
                      .numa_node = numa_node,
                      .res = nullptr});
}

void HmemDevices::HmemInit(Machine& m) {
  std::vector<InclusiveRange> ranges;
  (void)m.iomem().WalkIomemResDesc(
      IoresDesc::kSoftReserved, kIoresourceMem, PhysAddr(0),
      PhysAddr(UINT64_MAX), [&](const IomemRes& res) {
        ranges.push_back({.start = res.start, .end = res.end});
        return 0;
      });
  for (const InclusiveRange& r : ranges) {
    const int nid = m.PhysToTargetNode(r.start).value();
    if (m.profile().hmem_platform_device) {
      HmemRegisterResource(m, nid, r);
    } else {
      HmemRegisterDevice(m, nid, r);
    }
  }
}

Operation<int> HmemDevices::DaxHmemProbe(DaxBus& bus, HmemDevice& pdev) {
  // v6.3+: the devices go to dax_kmem by default unless an administrative
  // agent wants to partition the range first (region_idle).
  const uint64_t flags =
      bus.machine().profile().hmem_regions_default_to_kmem && !region_idle
          ? kIoresourceDaxKmem
          : 0;
  DaxRegion* region = bus.AllocDaxRegion(
      pdev.name, pdev.id, pdev.range, pdev.target_node,
      /*align=*/
      static_cast<uint32_t>(uint64_t{1}
                            << (2 * bus.machine().geometry().page_shift() - 3)),
      flags);
  if (region == nullptr) co_return rc::kENOMEM;
  region->provider_node = pdev.numa_node;
  const int rc = co_await bus.DevmCreateDevDax(
      {.region = region,
       .id = -1,
       .size = region_idle ? 0 : pdev.range.Len().value()});
  if (rc != 0) {
    bus.RemoveRegion(*region);
    co_return rc;
  }
  co_return 0;
}

Operation<bool> HmemDevices::DaxHmemInit(DaxBus& bus) {
  // dax_hmem_init: platform_driver_register(&dax_hmem_platform_driver)
  // probes hmem_platform.0, which creates the hmem.N devices; then
  // platform_driver_register(&dax_hmem_driver) probes them.
  if (bus.machine().profile().hmem_platform_device && platform_initialized_ &&
      !platform_probed_) {
    platform_probed_ = true;
    for (const auto& [r, nid] : hmem_resources_) {
      HmemRegisterDeviceFromResource(bus.machine(), nid, r);
    }
  }
  for (HmemDevice& d : devices_) {
    if (d.bound) continue;
    const int rc = co_await DaxHmemProbe(bus, d);
    if (rc == 0) {
      d.bound = true;
    } else if (rc != rc::kENODEV && rc != rc::kENXIO) {
      bus.machine().log().Printk(
          model::LogLevel::kWarning,
          Sprintf("hmem: probe of %s failed with error %d", d.name.c_str(),
                  rc));
    }
  }
  co_return true;
}

}  // namespace memhp::hotplug
