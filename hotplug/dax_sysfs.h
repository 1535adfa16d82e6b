// The sysfs files of the device-dax stack that userspace writes, by path
// (v6.1):
//   /sys/bus/dax/drivers/DRIVER/{new_id,remove_id,bind,unbind}   0200
//   /sys/bus/dax/{drivers_probe,drivers_autoprobe}
//   /sys/bus/dax/devices/DEV/{size,align,mapping}  (also under the provider:
//   /sys/devices/platform/hmem.N/DEV/...)          static regions: size and
//                                                  align 0444, no mapping
//   /sys/devices/platform/hmem.N/dax_region/{create,delete}  dynamic only
//   /sys/bus/nd/drivers/{nd_pmem,dax_pmem}/{bind,unbind}  (nvdimm.h)
//   /sys/bus/nd/devices/{pfnR.N,daxR.N}/{mode,align,uuid,namespace}
//                                                   (nd_pfn.h, nvdimm.h)
//   /sys/bus/nd/drivers/{nd_bus,nd_region,nvdimm}: no other file than
//   bind, unbind and uevent (not modelled); the nd bus's own files and the
//   attributes of its other devices are not modelled either
// A read-only attribute refuses a write with -EACCES, a missing file or
// directory is -ENOENT.

#ifndef MEMHP_HOTPLUG_DAX_SYSFS_H_
#define MEMHP_HOTPLUG_DAX_SYSFS_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "hotplug/dax_modules.h"
#include "model/operation.h"

namespace memhp::hotplug {

// The write of `value` to `path`, or nullopt when the path is not one of the
// dax stack's (/sys/bus/dax, /sys/bus/nd, /sys/devices/platform/hmem.N) or
// is one the model does not have.
std::optional<model::Operation<absl::Status>> DaxSysfsWrite(
    DaxModules& dax, std::string_view path, std::string_view value);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_SYSFS_H_
