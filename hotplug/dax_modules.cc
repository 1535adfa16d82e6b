#include "hotplug/dax_modules.h"

#include <set>

#include "hotplug/dax_kmem.h"
#include "hotplug/device_dax.h"
#include "model/check.h"
#include "model/operation.h"

namespace memhp::hotplug {

DaxModules::DaxModules(Machine& m)
    : m_(m),
      pgmap_array_(m),
      bus_(m, pgmap_array_),
      device_dax_(DeviceDaxDriver()),
      kmem_(KmemDriver()),
      nvdimm_(m, pgmap_array_) {}

void DaxModules::LoadModules(bool dax_pmem_compat) {
  // register_e820_pmem (device_initcall, built in): the e820_pmem platform
  // device. DIVERGENCE: asked here, before the modules; nothing observable
  // happens in between.
  (void)nvdimm_.RegisterE820Pmem();
  // libnvdimm (the nd bus and its nd_bus/nd_region/nvdimm drivers), nd_btt
  // (a library: no driver), nd_pmem, then nd_e820, whose platform driver
  // probes e820_pmem: the regions, their namespaces, nd_pmem's probes.
  nvdimm_.NdPmemInit();
  std::set<int> hmem_ids;
  for (const HmemDevice& d : hmem_.devices()) hmem_ids.insert(d.id);
  (void)model::RunToCompletion(nvdimm_.E820PmemProbe(hmem_ids));
  // dax_pmem: the nd driver of devdax-mode namespaces (nd_dax); at load
  // it finds only the unconfigured dax seeds.
  nvdimm_.DaxPmemInit(bus_, dax_pmem_compat);
  // module_init of device_dax (dax_init) and kmem (dax_kmem_init): driver
  // registration cannot fail here (distinct names, one match_always).
  const int dax_rc =
      model::RunToCompletion(bus_.DaxDriverRegister(&device_dax_));
  MEMHP_CHECK(dax_rc == 0) << dax_rc;
  const int kmem_rc = model::RunToCompletion(bus_.DaxDriverRegister(&kmem_));
  MEMHP_CHECK(kmem_rc == 0) << kmem_rc;
  // dax_hmem (v5.5+).
  if (m_.profile().dax_hmem) {
    (void)model::RunToCompletion(hmem_.DaxHmemInit(bus_));
  }
}

}  // namespace memhp::hotplug
