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
//   drivers/nvdimm/pfn_devs.c, dax_devs.c       the pfn and dax seeds and
//                                               personalities (nd_pfn.h)
//   drivers/nvdimm/bus.c nvdimm_bus_probe       the seeds advance after a
//                                               probe (nd_region_advance_
//                                               seeds)
//   drivers/dax/pmem.c                          dax_pmem (dax_pmem.h)
//   drivers/base/bus.c bind_store/unbind_store  /sys/bus/nd/drivers/nd_pmem
//                                               and dax_pmem
//
// DIVERGENCE: the media holds only what the model writes: the pfn/dax info
// block (nd_pfn.h); BTT is not modelled (nd_btt_probe finds no BTT info
// block, btt seeds exist but nothing can configure them). The block layer
// (gendisk, badblocks, dax_device) and the async device registration are
// not modelled: probes run in registration order, at once. NVDIMMs
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
#include "hotplug/nd_pfn.h"
#include "hotplug/resource.h"
#include "model/operation.h"

namespace memhp::hotplug {

struct NdRegion;
class NvdimmBus;

// struct nd_namespace_io of a raw ("label-less") namespace, with what
// nd_pmem's probe left in its devres.
struct NdNamespaceIo {
  std::string name;  // "namespace%d.%d"
  NdRegion* region = nullptr;
  InclusiveRange res;      // nsio->res: the region's range, IORESOURCE_MEM
  int numa_node = -1;      // dev_to_node(): the region's
  bool bound = false;      // dev->driver == nd_pmem
  NdPfn* claim = nullptr;  // ndns->claim: the pfn/dax device holding it
  // The info block at SZ_4K of the media (nd_pfn_init wrote it).
  std::optional<NdPfnSb> info_block;
  // devm_namespace_enable()'s region (held by the probing device between
  // enable and disable).
  Resource* enabled = nullptr;
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
  // The pfn and dax devices in registration order, and the seeds
  // (nd_region->pfn_seed, dax_seed). btt0.N: the btt seed's name.
  std::list<NdPfn> pfns;
  const NvdimmBus* bus = nullptr;  // the bus it is on (nd_region_conflict)
  NdPfn* pfn_seed = nullptr;
  NdPfn* dax_seed = nullptr;
  std::string btt_seed;
};

// Kernel: drivers/nvdimm/claim.c devm_nsio_enable (v6.1): the first `size`
// bytes of the namespace requested under its name; dev_warn (`prefix`)
// "could not reserve region %pR" (the whole namespace) and -EBUSY.
int DevmNamespaceEnable(Machine& m, NdNamespaceIo& ns, model::ByteSize size,
                        std::string_view prefix);
// devm_nsio_disable: that region released.
void ReleaseNamespaceEnable(Machine& m, NdNamespaceIo& ns);

class DaxBus;

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

  // dax_pmem's module_init: nd_driver_register; driver_attach finds only
  // seeds without a namespace (-ENODEV). Its dax devices go on `bus`.
  // `compat`: dax_pmem_compat instead (drivers/dax/pmem/compat.c, v5.1 ..
  // v5.16; REQUIRES the profile's dax_pmem_compat_driver): the same nd
  // driver type under that name, whose devices go on the "dax" class.
  void DaxPmemInit(DaxBus& bus, bool compat = false);
  // The loaded dax_pmem driver's name ("dax_pmem", "dax_pmem_compat"), or
  // "" before it loads.
  std::string_view dax_pmem_name() const { return dax_pmem_name_; }

  // Kernel: drivers/base/bus.c bind_store / unbind_store (v6.1) of
  // /sys/bus/nd/drivers/DRV, DRV nd_pmem or dax_pmem: the device named by
  // buf (sysfs_streq). bind: -ENODEV unless the driver matches it
  // (nvdimm_bus_match: nd_pmem takes the namespaces and the pfn/btt
  // devices of an io region, dax_pmem the dax devices), -EBUSY when bound,
  // else the probe's -errno. unbind: -ENODEV unless bound to DRV.
  model::Operation<int> BindStore(std::string_view drv, std::string_view buf);
  model::Operation<int> UnbindStore(std::string_view drv, std::string_view buf);
  model::Operation<int> NdPmemBindStore(std::string_view buf) {
    return BindStore("nd_pmem", buf);
  }
  model::Operation<int> NdPmemUnbindStore(std::string_view buf) {
    return UnbindStore("nd_pmem", buf);
  }

  // The writable attributes of pfnR.N / daxR.N: mode, align, uuid
  // (nd_pfn.h) and namespace (claim.c nd_namespace_store: -EBUSY while
  // bound; a name not starting with "namespace" and not empty -EINVAL; ""
  // (after strim) detaches and resets the device, unregistering it when it
  // is idle; -EBUSY when one is set; -ENODEV for no such namespace in the
  // region; -EBUSY for a namespace of another claim class; -ENXIO below
  // 16 MiB; -EBUSY when another device claims it). Returns 0 or -errno;
  // nullopt for another attribute.
  std::optional<int> NdPfnAttrStore(NdPfn& dev, std::string_view attr,
                                    std::string_view buf);

  NdPfn* FindNdPfn(std::string_view name);
  // Kernel: drivers/nvdimm/region_devs.c nd_region_conflict: another region
  // of the bus overlaps [start, start + size).
  bool NdRegionConflict(const NdRegion& region, uint64_t start,
                        uint64_t size) const;
  // Kernel: nvdimm_namespace_common_probe (v6.1) for a pfn/dax device:
  // -ENODEV without a namespace, -EBUSY while the namespace has a driver,
  // -ENODEV below ND_MIN_NAMESPACE_SIZE. (pmem_should_map_pages() reads a
  // pfn/dax device as a namespace: nd_pfn has no force_raw, the bytes
  // there are the uuid pointer, never 0, so it says no and the raw
  // "misaligned" check is skipped.)
  int CommonProbe(NdPfn& dev);
  // ndbus0 exists (nd_e820 probed).
  bool registered() const { return registered_; }
  bool nd_pmem_loaded() const { return nd_pmem_loaded_; }
  std::list<NdRegion>& regions() { return regions_; }
  NdNamespaceIo* FindNamespace(std::string_view buf);
  // A device of the nd bus by name: ndbus0, regionN, namespaceN.0, the
  // btt, pfn and dax devices.
  bool HasDevice(std::string_view name) const;

 private:
  // really_probe through nvdimm_bus_probe: the probe, logging a failure as
  // the driver core does (-ENODEV and -ENXIO are pr_debug only).
  model::Operation<int> NdPmemAttach(NdNamespaceIo& ns);
  void ReleaseReserved(NdNamespaceIo& ns);
  // The same for a pfn/dax device with its driver (nd_pmem / dax_pmem);
  // after a probe that returned 0 or -EOPNOTSUPP the region's seeds
  // advance.
  model::Operation<int> NdPfnAttach(NdPfn& dev, std::string_view drv);
  // Kernel: pmem_attach_disk (v6.1) of an nd_pfn: nvdimm_setup_pfn, the
  // namespace's region, devm_memremap_pages with the altmap
  // (MEMORY_DEVICE_FS_DAX).
  model::Operation<int> NdPmemProbePfn(NdPfn& dev);
  // The driver's remove and its devres, last first.
  model::Operation<bool> NdPfnRelease(NdPfn& dev);
  // Kernel: nd_pfn_alloc / nd_dax_alloc + nd_pfn_devinit: the lowest free
  // id of the region's pfn_ida / dax_ida, mode none, the default
  // alignment, attached to `ndns` when given (nullptr: already claimed).
  NdPfn* NdPfnCreate(NdRegion& region, NdPfnType type, NdNamespaceIo* ndns);
  // nd_device_register: on the bus, then the matching driver probes it.
  model::Operation<bool> NdDeviceRegister(NdPfn& dev);
  // nd_device_unregister + the last put_device: off the bus, detached,
  // the id free.
  void NdDeviceUnregister(NdPfn& dev);
  // Kernel: nd_pfn_probe / nd_dax_probe (v6.1) of a raw namespace during
  // nd_pmem's probe: a new device claims it and validates the info block;
  // 0 (*found set, to be registered) or its -errno (the device dropped).
  int NdPfnProbe(NdNamespaceIo& ns, NdPfnType type, NdPfn** found);
  // Kernel: nd_region_advance_seeds (v6.1).
  void NdRegionAdvanceSeeds(NdRegion& region, NdPfn& dev);

  Machine& m_;
  DevPagemapRegistry& pgmap_array_;
  DaxBus* dax_bus_ = nullptr;  // dax_pmem loaded
  std::string dax_pmem_name_;
  // During a probe: the personality a raw namespace's probe found, and the
  // seeds created, registered once the probe is over.
  NdPfn* found_ = nullptr;
  std::vector<NdPfn*> pending_seeds_;
  bool e820_pmem_device_ = false;
  bool registered_ = false;
  bool nd_pmem_loaded_ = false;
  std::list<NdRegion> regions_;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_NVDIMM_H_
