// Invariants of the device-dax stack (hotplug/dax_*.h), checked after every
// step of the dax property tests and of `memhp replay` on the v6.1 profile:
//
//  DAX-1  a device is bound to at most one driver, a registered one; its
//         dax_dev is alive exactly while device_dax holds it (run_dax at the
//         end of dev_dax_probe, kill_dev_dax first at release).
//  DAX-2  a region's private tree holds exactly its devices' ranges: every
//         range is a busy child named after its device, nothing else.
//  DAX-3  device_dax's reservations: a device bound to device_dax has each
//         range reserved in iomem_resource (busy, its name).
//  DAX-4  kmem never loses track of memory: every "System RAM (kmem)" in
//         iomem sits under a reservation some device's kmem data still holds
//         (also after a failed one-shot removal), flagged SYSTEM_RAM and not
//         busy, and each held reservation has that child; its memory blocks
//         exist.
//  ND-1   a namespace's claim and the claiming pfn/dax device point at each
//         other; never both the namespace and its claim bound.
//  ND-2   a bound pfn/dax device's namespace holds its info block (settings
//         equal); dax_pmem's metadata / nd_pmem's namespace busy in iomem.
//  ND-3   every pmem region has a registered, unbound pfn and dax seed.

#ifndef MEMHP_PROPERTIES_DAX_INVARIANTS_H_
#define MEMHP_PROPERTIES_DAX_INVARIANTS_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/dax_modules.h"

namespace memhp::properties {

// OK, or an InvariantViolation naming the first broken invariant.
absl::Status CheckDax(hotplug::DaxModules& dax);

// The invariants CheckDax checks, for `memhp invariants`.
struct DaxInvariantDoc {
  std::string_view id;
  std::string_view text;
  std::string_view kernel_ref;
};
const std::vector<DaxInvariantDoc>& DaxInvariantDocs();

}  // namespace memhp::properties

#endif  // MEMHP_PROPERTIES_DAX_INVARIANTS_H_
