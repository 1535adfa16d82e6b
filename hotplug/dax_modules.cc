#include "hotplug/dax_modules.h"

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
      kmem_(KmemDriver()) {}

void DaxModules::LoadModules() {
  // module_init of device_dax (dax_init) and kmem (dax_kmem_init): driver
  // registration cannot fail here (distinct names, one match_always).
  const int dax_rc =
      model::RunToCompletion(bus_.DaxDriverRegister(&device_dax_));
  MEMHP_CHECK(dax_rc == 0) << dax_rc;
  const int kmem_rc = model::RunToCompletion(bus_.DaxDriverRegister(&kmem_));
  MEMHP_CHECK(kmem_rc == 0) << kmem_rc;
  (void)model::RunToCompletion(hmem_.DaxHmemInit(bus_));
}

}  // namespace memhp::hotplug
