// The device-dax stack of a booted machine, as the capture guest loads it:
// the built-in hmem platform devices (hmem_init, a late initcall), then the
// modules in the guest's insmod order: libnvdimm, nd_btt, nd_pmem, nd_e820
// (legacy pmem: hotplug/nvdimm.h), dax_pmem (devdax namespaces:
// hotplug/dax_pmem.h), device_dax, kmem, dax_hmem. It owns the pagemap
// registry, the nd and dax buses and the drivers, and answers the sysfs
// writes of /sys/bus/dax, /sys/bus/nd and of the providers' dax_region
// directories (dax_sysfs.h).

#ifndef MEMHP_HOTPLUG_DAX_MODULES_H_
#define MEMHP_HOTPLUG_DAX_MODULES_H_

#include <memory>

#include "hotplug/dax_bus.h"
#include "hotplug/dax_hmem.h"
#include "hotplug/machine.h"
#include "hotplug/memremap.h"
#include "hotplug/nvdimm.h"

namespace memhp::hotplug {

class DaxModules {
 public:
  // REQUIRES: m is booted and outlives this.
  explicit DaxModules(Machine& m);
  DaxModules(const DaxModules&) = delete;
  DaxModules& operator=(const DaxModules&) = delete;

  // hmem_init (built in, a late initcall): call before userspace runs.
  // Then LoadModules: libnvdimm, nd_btt, nd_pmem, nd_e820, dax_pmem,
  // device_dax, kmem and dax_hmem, in that order.
  // `dax_pmem_compat`: load dax_pmem_compat instead of dax_pmem (the
  // /sys/class/dax interface; REQUIRES the profile's
  // dax_pmem_compat_driver).
  void LoadModules(bool dax_pmem_compat = false);

  Machine& machine() { return m_; }
  DaxBus& bus() { return bus_; }
  const DaxBus& bus() const { return bus_; }
  HmemDevices& hmem() { return hmem_; }
  DevPagemapRegistry& pgmap_array() { return pgmap_array_; }
  DaxDeviceDriver& device_dax() { return device_dax_; }
  DaxDeviceDriver& kmem() { return kmem_; }
  NvdimmBus& nvdimm() { return nvdimm_; }

 private:
  Machine& m_;
  DevPagemapRegistry pgmap_array_;
  DaxBus bus_;
  DaxDeviceDriver device_dax_;
  DaxDeviceDriver kmem_;
  HmemDevices hmem_;
  NvdimmBus nvdimm_;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_MODULES_H_
