// The invariant registry (ARCHITECTURE.md decision 6): every invariant of
// the modelled machine with an ID, one sentence in kernel terms, the kernel
// code it comes from and a check. The CLI, the property tests and the race
// explorer all use this one list.
//
// The IDs of the layers below are theirs: SPARSE-n (sparse/sparse.h),
// RES-n (hotplug/resource.h); this registry runs their checks and adds the
// ones that span the hotplug core: ZONE-n, NODE-n, BLOCK-n, PFN-n.

#ifndef MEMHP_PROPERTIES_INVARIANTS_H_
#define MEMHP_PROPERTIES_INVARIANTS_H_

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/machine.h"

namespace memhp::properties {

struct Invariant {
  std::string_view id;
  std::string_view text;        // one sentence, kernel terms
  std::string_view kernel_ref;  // file and function it follows from
  // OK, or InvariantViolation(id, what) naming the first offender.
  std::function<absl::Status(hotplug::Machine&)> check;
};

// Every registered invariant, in ID order.
const std::vector<Invariant>& Registry();

// Runs every check; the first violation, or OK.
absl::Status CheckAll(hotplug::Machine& m);

}  // namespace memhp::properties

#endif  // MEMHP_PROPERTIES_INVARIANTS_H_
