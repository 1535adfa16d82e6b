// Soft-reserved memory as dax devices: drivers/dax/hmem/device.c (built in:
// hmem_register_device and the hmem_init late initcall) and
// drivers/dax/hmem/hmem.c (the dax_hmem module's platform driver), v6.1
// (Debian linux-source-6.1 6.1.192).
//
// At boot every "Soft Reserved" range of iomem becomes a platform device
// hmem.N whose resource ("hmem.N", IORESOURCE_MEM, not busy) is inserted
// above the e820 "Soft Reserved" entry. When dax_hmem loads, its probe makes
// the range a dynamic dax region (id N, align PMD_SIZE, the range's target
// node) with one device daxN.0 covering it, which the bus offers to its
// drivers (device_dax before v6.3).
//
// v6.3+ (profile switch hmem_platform_device, read from torvalds/linux
// drivers/dax/hmem/hmem.c @ 059edcc405e4 and the v6.3+ hmem/device.c text):
// hmem_init only records each range in "HMEM devices"
// (hmem_register_resource, its desc the target node) and adds the one
// "hmem_platform.0" device. Loading dax_hmem probes it
// (dax_hmem_platform_probe -> walk_hmem_resources -> hmem_register_device):
// each range that is still all Soft Reserved becomes hmem.N (a memregion id)
// with the range as platform data and no iomem resource; then dax_hmem's
// "hmem" driver probes them. With hmem_regions_default_to_kmem the region
// has IORESOURCE_DAX_KMEM (unless region_idle), so kmem takes the device.
//
// DIVERGENCE: the platform bus is reduced to what hmem needs: devices with
// one resource and one driver (dax_hmem); hmem.disable is not modelled.

#ifndef MEMHP_HOTPLUG_DAX_HMEM_H_
#define MEMHP_HOTPLUG_DAX_HMEM_H_

#include <list>
#include <string>
#include <utility>
#include <vector>

#include "hotplug/dax_bus.h"
#include "model/operation.h"

namespace memhp::hotplug {

// struct platform_device "hmem" with its memregion_info.
struct HmemDevice {
  int id = 0;        // memregion id
  std::string name;  // "hmem.%d"
  InclusiveRange range;
  int target_node = -1;  // memregion_info.target_node
  int numa_node = -1;    // pdev->dev.numa_node
  Resource* res = nullptr;
  bool bound = false;  // dax_hmem probed it
};

class HmemDevices {
 public:
  // Kernel: drivers/dax/hmem/device.c hmem_register_device (v6.1): nothing
  // unless the range is all Soft Reserved (region_intersects), a memregion
  // id (lowest free), nothing when the range is already active, the node
  // (numa_map_to_online_node), the resource inserted in iomem (dev_err
  // "failed to claim resource 0: %pR" and pr_err ... "device add failed
  // for %pr" when it conflicts).
  void HmemRegisterDevice(Machine& m, int target_nid, InclusiveRange r);
  // Kernel: hmem_init (late_initcall): every Soft Reserved resource, at
  // phys_to_target_node() of its start: hmem_register_device (6.1) or
  // hmem_register_resource (hmem_platform_device).
  void HmemInit(Machine& m);
  // Kernel: drivers/dax/hmem/device.c hmem_register_resource (v6.3+): the
  // range requested in "HMEM devices" (pr_debug "hmem range %pr already
  // active" when taken), its desc the target node; the first one adds
  // hmem_platform.0.
  void HmemRegisterResource(Machine& m, int target_nid, InclusiveRange r);
  // Kernel: drivers/dax/hmem/hmem.c hmem_register_device ->
  // __hmem_register_device (v6.3+): nothing unless the range is all Soft
  // Reserved; hmem.<memregion id> with numa_map_to_online_node(target_nid).
  // DIVERGENCE: the CXL deferral (IORES_DESC_CXL) is not modelled.
  void HmemRegisterDeviceFromResource(Machine& m, int target_nid,
                                      InclusiveRange r);

  // Kernel: drivers/dax/hmem/hmem.c dax_hmem_probe (v6.1): alloc_dax_region
  // (nullptr: -ENOMEM), devm_create_dev_dax of the whole range (0 bytes with
  // region_idle). A failure drops the region again (devres).
  model::Operation<int> DaxHmemProbe(DaxBus& bus, HmemDevice& pdev);
  // Loading dax_hmem: platform_driver_register probes every unbound hmem
  // device; a failing probe prints "hmem: probe of %s failed with error %d".
  // With hmem_platform_device, dax_hmem_platform_probe first creates the
  // hmem.N devices from the recorded ranges.
  model::Operation<bool> DaxHmemInit(DaxBus& bus);

  // hmem_platform.0 was added (hmem_platform_device).
  bool platform_initialized() const { return platform_initialized_; }

  std::list<HmemDevice>& devices() { return devices_; }
  HmemDevice* Find(std::string_view name);
  bool region_idle = false;  // dax_hmem.region_idle

 private:
  std::list<HmemDevice> devices_;
  std::set<int> memregion_ids_;
  std::unique_ptr<ResourceTree> hmem_active_;  // "HMEM devices"
  // hmem_platform_device: the recorded ranges, in address order, and their
  // target nodes (res->desc).
  std::vector<std::pair<InclusiveRange, int>> hmem_resources_;
  bool platform_initialized_ = false;
  bool platform_probed_ = false;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_HMEM_H_
