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
// DIVERGENCE: the platform bus is reduced to what hmem needs: devices with
// one resource and one driver (dax_hmem); hmem.disable is not modelled.

#ifndef MEMHP_HOTPLUG_DAX_HMEM_H_
#define MEMHP_HOTPLUG_DAX_HMEM_H_

#include <list>
#include <string>

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
  // phys_to_target_node() of its start.
  void HmemInit(Machine& m);

  // Kernel: drivers/dax/hmem/hmem.c dax_hmem_probe (v6.1): alloc_dax_region
  // (nullptr: -ENOMEM), devm_create_dev_dax of the whole range (0 bytes with
  // region_idle). A failure drops the region again (devres).
  model::Operation<int> DaxHmemProbe(DaxBus& bus, HmemDevice& pdev);
  // Loading dax_hmem: platform_driver_register probes every unbound hmem
  // device; a failing probe prints "hmem: probe of %s failed with error %d".
  model::Operation<bool> DaxHmemInit(DaxBus& bus);

  std::list<HmemDevice>& devices() { return devices_; }
  HmemDevice* Find(std::string_view name);
  bool region_idle = false;  // dax_hmem.region_idle

 private:
  std::list<HmemDevice> devices_;
  std::set<int> memregion_ids_;
  std::unique_ptr<ResourceTree> hmem_active_;  // "HMEM devices"
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_HMEM_H_
