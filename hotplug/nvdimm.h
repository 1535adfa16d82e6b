// Legacy persistent memory (memmap=nn!ss, E820_TYPE_PRAM) through
// libnvdimm, v6.1 (Debian linux-source-6.1 6.1.192):
//   arch/x86/kernel/pmem.c register_e820_pmem   the "e820_pmem" platform
//                                               device, when iomem has a
//                                               "Persistent Memory (legacy)"
//   drivers/nvdimm/e820.c e820_pmem_probe       nd_e820: the bus ndbus0 and
//                                               a region per legacy range
//   drivers/nvdimm/region_devs.c, region.c      regionN (memregion id) and
//                                               its probe: one raw
//                                               namespace namespaceN.0
//   drivers/nvdimm/namespace_devs.c, claim.c    the namespace checks and
//                                               devm_nsio_enable/disable
//   drivers/nvdimm/pmem.c nd_pmem_probe         the region reserved under
//                                               the namespace's name and
//                                               mapped into ZONE_DEVICE
//                                               (MEMORY_DEVICE_FS_DAX)
//   drivers/base/bus.c bind_store/unbind_store  /sys/bus/nd/drivers/nd_pmem
//
// DIVERGENCE: the media is blank: nd_btt_probe, nd_pfn_probe and
// nd_dax_probe find no info block, so a namespace is always a raw pmem disk
// (no btt/pfn/dax personalities, no seeds, force_raw never set). The block
// layer (gendisk, badblocks, dax_device) and the async device registration
// are not modelled: probes run in registration order, at once. NVDIMMs
// described by ACPI NFIT, labels and namespace creation are not modelled.

#ifndef MEMHP_HOTPLUG_NVDIMM_H_
#define MEMHP_HOTPLUG_NVDIMM_H_

#include <list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hotplug/machine.h"
#include "hotplug/memremap.h"
#include "hotplug/resource.h"
#include "model/operation.h"

namespace memhp::hotplug {

struct NdRegion;

// struct nd_namespace_io of a raw ("label-less") namespace, with what
// nd_pmem's probe left in its devres.
struct NdNamespaceIo {
  std::string name;  // "namespace%d.%d"
  NdRegion* region = nullptr;
  InclusiveRange res;  // nsio->res: the region's range, IORESOURCE_MEM
  int numa_node = -1;  // dev_to_node(): the region's
  bool bound = false;  // dev->driver == nd_pmem
  // pmem_attach_disk's devres: the busy "namespaceN.0" region and the
  // mapped pagemap.
  Resource* reserved = nullptr;
  std::unique_ptr<DevPagemap> pgmap;
  bool mapped = false;
};

// struct nd_region of a pmem region without mappings (ndr_mappings 0).
struct NdRegion {
  int id = 0;        // memregion id
  std::string name;  // "region%d"
  InclusiveRange range;
  int numa_node = -1;    // ndr_desc->numa_node
  int target_node = -1;  // ndr_desc->target_node
  bool pagemap = false;  // ND_REGION_PAGEMAP
  std::list<NdNamespaceIo> namespaces;
};

// The libnvdimm stack of legacy pmem: the nd bus with its regions and
// namespaces and the nd_pmem driver.
//
// Invariants:
//  1. a namespace has `reserved` exactly while it is bound;
//  2. `mapped` implies bound and a pgmap registered in pgmap_array;
//  3. region ids are distinct and none is an hmem device's (one memregion
//     ida).
class NvdimmBus {
 public:
  // REQUIRES: m and pgmap_array outlive this.
  NvdimmBus(Machine& m, DevPagemapRegistry& pgmap_array);
  NvdimmBus(const NvdimmBus&) = delete;
  NvdimmBus& operator=(const NvdimmBus&) = delete;

  // Kernel: arch/x86/kernel/pmem.c register_e820_pmem (device_initcall):
  // true when iomem has an IORES_DESC_PERSISTENT_MEMORY_LEGACY resource
  // (the e820_pmem platform device exists).
  bool RegisterE820Pmem();

  // Kernel: drivers/nvdimm/e820.c e820_pmem_probe (v6.1), when nd_e820
  // loads and the platform device exists: nvdimm_bus_register ("ndbus0"),
  // then e820_register_one for each legacy range in address order: node
  // phys_to_target_node(start), numa_map_to_online_node() of it,
  // ND_REGION_PAGEMAP, nvdimm_pmem_region_create (a memregion id not in
  // `taken_ids`, "region%d"); the region's probe (nd_region_probe) gives it
  // namespace%d.0, which is offered to nd_pmem when loaded.
  // Errors: none reachable in the model (the kernel's -ENXIO and
  // "failed to register legacy persistent memory ranges" need an
  // allocation failure).
  model::Operation<int> E820PmemProbe(const std::set<int>& taken_ids);

  // nd_pmem's module_init: the driver is registered; later namespaces are
  // probed by it (nd_pmem loads before nd_e820 in the guest).
  void NdPmemInit() { nd_pmem_loaded_ = true; }

  // Kernel: drivers/nvdimm/pmem.c nd_pmem_probe (v6.1) for a raw namespace,
  // in order: nvdimm_namespace_common_probe (capacity below
  // ND_MIN_NAMESPACE_SIZE: -ENODEV; pmem_should_map_pages() and start or
  // end+1 not aligned to memremap_compat_align() (SUBSECTION_SIZE on x86):
  // dev_err "%pr misaligned, unable to map", -EOPNOTSUPP);
  // devm_namespace_enable (devm_request_mem_region under the namespace's
  // name: dev_warn "could not reserve region %pR", -EBUSY); no info block
  // (see DIVERGENCE); devm_namespace_disable; pmem_attach_disk:
  // nvdimm_has_flush() is -ENXIO without mappings: dev_warn "unable to
  // guarantee persistence of writes"; the region requested again (-EBUSY as
  // above); with pmem_should_map_pages() devm_memremap_pages of the range
  // (MEMORY_DEVICE_FS_DAX, no altmap), its -errno releasing the region.
  // Returns 0 or -errno; really_probe's "nd_pmem: probe of %s failed with
  // error %d" is NdPmemAttach's.
  model::Operation<int> NdPmemProbe(NdNamespaceIo& ns);
  // Kernel: nd_pmem_remove (nvdimm_flush only) and the devres actions of a
  // successful probe, last first: pmem_release_disk (not modelled),
  // devm_memremap_pages_release (memunmap_pages: the Device span stays),
  // the region released.
  model::Operation<bool> NdPmemRemove(NdNamespaceIo& ns);

  // Kernel: drivers/base/bus.c bind_store / unbind_store (v6.1) of
  // /sys/bus/nd/drivers/nd_pmem: the device named by buf (sysfs_streq).
  // bind: -ENODEV unless it is a namespace (nd_pmem matches only
  // namespaces and btt/pfn seeds, whose probe is -ENODEV), -EBUSY when
  // bound, else the probe's -errno. unbind: -ENODEV unless bound to nd_pmem.
  model::Operation<int> NdPmemBindStore(std::string_view buf);
  model::Operation<int> NdPmemUnbindStore(std::string_view buf);

  // ndbus0 exists (nd_e820 probed).
  bool registered() const { return registered_; }
  bool nd_pmem_loaded() const { return nd_pmem_loaded_; }
  std::list<NdRegion>& regions() { return regions_; }
  NdNamespaceIo* FindNamespace(std::string_view buf);
  // A device of the nd bus by name: ndbus0, regionN, namespaceN.0.
  bool HasDevice(std::string_view name) const;

 private:
  // really_probe through nvdimm_bus_probe: the probe, logging a failure as
  // the driver core does (-ENODEV and -ENXIO are pr_debug only).
  model::Operation<int> NdPmemAttach(NdNamespaceIo& ns);
  void ReleaseReserved(NdNamespaceIo& ns);

  Machine& m_;
  DevPagemapRegistry& pgmap_array_;
  bool e820_pmem_device_ = false;
  bool registered_ = false;
  bool nd_pmem_loaded_ = false;
  std::list<NdRegion> regions_;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_NVDIMM_H_
