// dax_pmem: the nd driver that turns a devdax-mode namespace into a static
// dax region with one device (drivers/dax/pmem.c, v6.1: Debian
// linux-source-6.1 6.1.192).

#ifndef MEMHP_HOTPLUG_DAX_PMEM_H_
#define MEMHP_HOTPLUG_DAX_PMEM_H_

#include "hotplug/dax_bus.h"
#include "hotplug/nvdimm.h"
#include "model/operation.h"

namespace memhp::hotplug {

// Kernel: drivers/dax/pmem.c __dax_pmem_probe (v6.1), for an nd_dax device,
// in order: nvdimm_namespace_common_probe; devm_namespace_enable over the
// info-block reserve; nvdimm_setup_pfn (the info block: validated, or
// written when there is none; the pagemap of the whole namespace with its
// altmap); devm_namespace_disable; the metadata [start, start + dataoff)
// requested under the namespace's name (dev_warn "could not reserve
// metadata", -EBUSY); region and device ids from "namespace%d.%d";
// alloc_dax_region of the data (IORESOURCE_DAX_STATIC, the block's align,
// the nd region's target_node; -ENOMEM when it fails); devm_create_dev_dax
// with the pagemap, id as the namespace's, the whole data as size (the dax
// bus then offers it to its drivers). Returns 0 or -errno; what was set up
// is undone on failure, as devres does.
// `compat`: drivers/dax/pmem/compat.c dax_pmem_compat_probe (v5.1..v5.16):
// the device goes on the "dax" class (DEV_DAX_CLASS), then dev_dax_probe
// runs on it directly inside a devres group; its failure fails the probe.
model::Operation<int> DaxPmemProbe(NvdimmBus& nd, DaxBus& bus, NdPfn& dev,
                                   bool compat = false);

// The devres of a successful probe, last first: unregister_dev_dax (its
// driver released: device_dax unmaps, kmem tries its one-shot removal),
// dax_region_unregister, the metadata released. dax_pmem has no remove;
// dax_pmem_compat_remove first releases the device_dax group of its class
// device (dax_pmem_compat_release).
model::Operation<bool> DaxPmemRelease(DaxBus& bus, Machine& m, NdPfn& dev);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_PMEM_H_
