// The device-dax bus: drivers/dax/bus.c with the driver-core parts it relies
// on (drivers/base/bus.c bind/unbind, drivers/base/dd.c probing), v6.1
// (Debian linux-source-6.1 6.1.192).
//
//   dax_region   a provider's range (hmem.N, a pmem namespace): a private
//                resource root whose children are the devices' allocations
//   dev_dax      daxR.N on the dax bus: ranges carved from its region, an
//                align, a target node; dead until a driver binds it
//   drivers      device_dax (match_always, v5.1..v6.2) and kmem, probed in
//                registration order; new_id / remove_id lists
//
// The bus owns its regions, devices and drivers. A driver's probe and remove
// are operations (they take hotplug locks). Where the kernel registers a
// devres action at probe, the driver's remove undoes it explicitly, in the
// kernel's reverse order (there is no devres in the model).
//
// DIVERGENCE: the driver core's asynchronous probing, deferred probing,
// device links and uevents are not modelled; probes run synchronously in the
// writer's context, as they do for the dax bus (no driver asks for async).
// The mapping devices (mappingK) are kept as ids on their range, without
// their sysfs files. numa_node follows the provider's node.

#ifndef MEMHP_HOTPLUG_DAX_BUS_H_
#define MEMHP_HOTPLUG_DAX_BUS_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hotplug/machine.h"
#include "hotplug/memremap.h"
#include "hotplug/resource.h"
#include "model/operation.h"

namespace memhp::hotplug {

// IORESOURCE_DAX_STATIC (drivers/dax/bus.h): the region has one device the
// provider sized; no create/delete/resize.
inline constexpr uint64_t kIoresourceDaxStatic = 1u << 0;
// IORESOURCE_DAX_KMEM (v6.3+): the region's devices default to kmem
// (profile switch dax_match_type).
inline constexpr uint64_t kIoresourceDaxKmem = 1u << 1;

struct DevDax;
class DaxBus;

// struct dax_region (drivers/dax/dax-private.h).
struct DaxRegion {
  int id = 0;
  int target_node = -1;
  uint32_t align = 0;
  std::string provider;  // dax_region->dev: the provider device's name
  // Its path under /sys/devices ("platform/hmem.0",
  // "platform/e820_pmem/ndbus0/region0/dax0.0"); empty: "platform/" +
  // provider.
  std::string provider_path;
  int provider_node = -1;  // dev_to_node(provider): the devices inherit it
  // dax_region->dev->driver != NULL: the provider's driver is bound.
  bool provider_bound = true;
  // dax_region->res: the private root; its children are the devices'
  // allocations (busy, named after the device). Not in /proc/iomem.
  std::unique_ptr<ResourceTree> res;
  uint64_t flags = 0;  // res.flags beyond IORESOURCE_MEM
  std::set<int> ida;   // dynamic device ids in use
  DevDax* seed = nullptr;
  DevDax* youngest = nullptr;

  bool IsStatic() const { return (flags & kIoresourceDaxStatic) != 0; }
  model::PhysAddr start() const { return res->root()->start; }
  model::PhysAddr end() const { return res->root()->end; }  // inclusive
};

// struct dev_dax_range.
struct DevDaxRange {
  uint64_t pgoff = 0;
  InclusiveRange range;
  int mapping_id = -1;  // the mappingK device of the range
};

struct DaxDeviceDriver;

// struct dev_dax (drivers/dax/dax-private.h), with the driver-core state of
// its struct device and the private data of the driver bound to it.
struct DevDax {
  DaxRegion* region = nullptr;
  int id = -1;
  bool dyn_id = false;
  std::string name;  // "dax%d.%d"
  std::vector<DevDaxRange> ranges;
  // dev_dax->pgmap. Static regions: the provider's pagemap, copied at
  // creation (static_pgmap); dynamic: device_dax's probe allocates it with
  // devm (devm_pgmap, freed when the driver is released) and kill_dev_dax
  // forgets it.
  DevPagemap* pgmap = nullptr;
  std::unique_ptr<DevPagemap> static_pgmap;
  std::unique_ptr<DevPagemap> devm_pgmap;
  bool alive = false;  // dax_dev alive (run_dax / kill_dax)
  uint32_t align = 0;
  int target_node = -1;
  int numa_node = -1;
  std::set<int> mapping_ida;
  bool registered = false;  // device_add done, device_del not yet
  // Registered on the "dax" class instead of the dax bus (dax_pmem_compat,
  // DEV_DAX_CLASS, v5.1..v5.16): no driver binds it; dax_pmem_compat runs
  // device_dax's probe on it directly (class_probed).
  bool dax_class = false;
  bool class_probed = false;
  DaxDeviceDriver* driver = nullptr;

  // device_dax's devres: the regions it requested in iomem_resource.
  std::vector<Resource*> dax_reserved;
  bool dax_mapped = false;  // devm_memremap_pages succeeded
  // kmem's drvdata (struct dax_kmem_data): present between a successful
  // probe and a complete removal.
  struct KmemData {
    std::string res_name;
    int mgid = -1;
    std::vector<Resource*> res;  // per range; nullptr: not added
  };
  std::optional<KmemData> kmem;

  // dev_dax_size(): the sum of the range lengths.
  uint64_t Size() const;
};

// enum dax_driver_type (drivers/dax/bus.h, v6.3+).
enum class DaxDriverType { kKmem, kDevice };

// struct dax_device_driver. probe returns 0 or -errno.
struct DaxDeviceDriver {
  std::string name;           // KBUILD_MODNAME: "device_dax", "kmem"
  bool match_always = false;  // v5.1..v6.2 (dax_match_type false)
  DaxDriverType type = DaxDriverType::kDevice;  // v6.3+ (dax_match_type)
  std::vector<std::string> ids;                 // new_id entries, as written
  std::function<model::Operation<int>(DaxBus&, DevDax&)> probe;
  std::function<model::Operation<bool>(DaxBus&, DevDax&)> remove;
};

// Data for devm_create_dev_dax (struct dev_dax_data).
struct DevDaxData {
  DaxRegion* region = nullptr;
  const DevPagemap* pgmap = nullptr;
  int id = -1;
  uint64_t size = 0;
  bool dax_class = false;  // subsys DEV_DAX_CLASS (the compat driver)
};

class DaxBus {
 public:
  // REQUIRES: m and pgmap_array outlive the bus.
  DaxBus(Machine& m, DevPagemapRegistry& pgmap_array)
      : m_(m), pgmap_array_(pgmap_array) {}
  DaxBus(const DaxBus&) = delete;
  DaxBus& operator=(const DaxBus&) = delete;

  Machine& machine() { return m_; }
  DevPagemapRegistry& pgmap_array() { return pgmap_array_; }

  // Kernel: __dax_driver_register (v6.1): -EINVAL without a probe, WARN and
  // -EINVAL for a second match_always driver; then driver_register, which
  // attaches the driver to every unbound device it matches. With
  // dax_match_type (v6.3+) there is no match_always count.
  model::Operation<int> DaxDriverRegister(DaxDeviceDriver* drv);
  // Kernel: dax_driver_unregister: the ids go, every device bound to it is
  // released (driver_unregister -> driver_detach).
  model::Operation<bool> DaxDriverUnregister(DaxDeviceDriver* drv);

  // Kernel: alloc_dax_region (v6.1): nullptr when the provider already has
  // a region (dev_WARN "dax core failed to setup private data") or the range
  // is not aligned to `align`.
  DaxRegion* AllocDaxRegion(std::string provider, int region_id,
                            InclusiveRange range, int target_node,
                            uint32_t align, uint64_t flags);
  // Kernel: devm_create_dev_dax (v6.1): the device with its first range at
  // the region's start, added to the bus (drivers probe it).
  // Returns the device or -errno.
  model::Operation<int> DevmCreateDevDax(const DevDaxData& data,
                                         DevDax** out = nullptr);
  // Kernel: unregister_dev_dax: kill, device_del (the driver is released),
  // the ranges freed.
  model::Operation<bool> UnregisterDevDax(DevDax& dev);
  // Kernel: kill_dev_dax.
  static void KillDevDax(DevDax& dev);

  // --- sysfs ----------------------------------------------------------------
  // Each returns 0 for a write that succeeded (the kernel returns the byte
  // count) or -errno.
  // Kernel: drivers/dax/bus.c do_id_store (new_id / remove_id).
  model::Operation<int> NewIdStore(DaxDeviceDriver& drv, std::string_view buf);
  model::Operation<int> RemoveIdStore(DaxDeviceDriver& drv,
                                      std::string_view buf);
  // Kernel: drivers/base/bus.c bind_store / unbind_store (v6.1).
  model::Operation<int> BindStore(DaxDeviceDriver& drv, std::string_view buf);
  model::Operation<int> UnbindStore(DaxDeviceDriver& drv, std::string_view buf);
  // Kernel: drivers/base/bus.c drivers_probe / drivers_autoprobe stores.
  model::Operation<int> DriversProbeStore(std::string_view buf);
  int DriversAutoprobeStore(std::string_view buf);
  bool drivers_autoprobe() const { return drivers_autoprobe_; }
  // Region attributes (dax_region/create, delete).
  model::Operation<int> CreateStore(DaxRegion& region, std::string_view buf);
  model::Operation<int> DeleteStore(DaxRegion& region, std::string_view buf);
  // Device attributes (size, align, mapping).
  model::Operation<int> SizeStore(DevDax& dev, std::string_view buf);
  model::Operation<int> AlignStore(DevDax& dev, std::string_view buf);
  model::Operation<int> MappingStore(DevDax& dev, std::string_view buf);

  // The /sys/bus/dax listing of the capture log: one line a device, in
  // `ls` order: "NAME driver=D size=N target_node=N align=N resource=0xHEX".
  std::vector<std::string> DaxLines() const;
  // The same for /sys/class/dax (the compat view): "NAME size=N
  // target_node=N resource=0xHEX", in `ls` order.
  std::vector<std::string> ClassDaxLines() const;
  // available_size of a region.
  uint64_t DaxRegionAvailSize(const DaxRegion& region) const;

  // A device on the bus by name (sysfs_streq); class devices are not.
  DevDax* FindDevice(std::string_view name);
  DaxRegion* FindRegion(std::string_view provider);
  DaxDeviceDriver* FindDriver(std::string_view name);
  // The provider's devres released its region (dax_region_unregister).
  // REQUIRES: no device of the region is left.
  void RemoveRegion(DaxRegion& region);
  const std::list<DevDax>& devices() const { return devices_; }
  // kmem's data of devices unregistered after kmem's removal failed (the
  // one-shot remove_memory): its reservations and System RAM (kmem) stay
  // in iomem, held by nobody, until the next reboot.
  const std::vector<DevDax::KmemData>& leaked_kmem() const {
    return leaked_kmem_;
  }
  const std::list<DaxRegion>& regions() const { return regions_; }

 private:
  // Kernel: drivers/dax/bus.c dax_bus_match (v6.1 match_always, v6.3+
  // dax_match_id then dax_match_type).
  bool DaxBusMatch(const DevDax& dev, const DaxDeviceDriver& drv) const;
  bool DaxMatchId(const DevDax& dev, const DaxDeviceDriver& drv) const;
  static bool DaxMatchType(const DevDax& dev, const DaxDeviceDriver& drv);
  // really_probe through dax_bus_probe: 0, or the probe's -errno (logged as
  // the driver core does).
  model::Operation<int> ReallyProbe(DevDax& dev, DaxDeviceDriver& drv);
  // __driver_probe_device: -ENODEV unregistered, -EBUSY bound, else probe.
  model::Operation<int> DriverProbeDevice(DaxDeviceDriver& drv, DevDax& dev);
  // bus_probe_device -> __device_attach: drivers in registration order.
  model::Operation<bool> DeviceAttach(DevDax& dev);
  // driver_attach: every unbound device the driver matches.
  model::Operation<bool> DriverAttach(DaxDeviceDriver& drv);
  // device_release_driver: dax_bus_remove (the driver's remove).
  model::Operation<bool> DeviceReleaseDriver(DevDax& dev);
  model::Operation<int> DoIdStore(DaxDeviceDriver& drv, std::string_view buf,
                                  bool add);

  int AllocDevDaxRange(DevDax& dev, uint64_t start, uint64_t size);
  void TrimDevDaxRange(DevDax& dev);
  int AdjustDevDaxRange(DevDax& dev, Resource* res, uint64_t size);
  int DevDaxShrink(DevDax& dev, uint64_t size);
  bool AdjustOk(const DevDax& dev, const Resource* res) const;
  int DevDaxResize(DevDax& dev, uint64_t size);
  bool AllocIsAligned(const DevDax& dev, uint64_t size) const;
  int RegisterDaxMapping(DevDax& dev, size_t range_id);
  void FreeDevDaxId(DevDax& dev);

  Machine& m_;
  DevPagemapRegistry& pgmap_array_;
  std::list<DaxRegion> regions_;
  std::list<DevDax> devices_;              // bus klist order: device_add order
  std::vector<DaxDeviceDriver*> drivers_;  // registration order
  std::vector<DevDax::KmemData> leaked_kmem_;
  int match_always_count_ = 0;
  bool drivers_autoprobe_ = true;
};

// dev_printk's prefix: "<driver or bus name> <device name>: ".
std::string DevPrefix(const DevDax& dev);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_BUS_H_
