// Named bug toggles: each brings back the pre-fix logic of one reported bug on
// a profile that has the fix, so a maintainer can replay the report ("the
// trace plus the bug's toggle reproduces the kernel's messages; the fix makes
// it pass").
//
// A toggle rewrites switches of a KernelProfile; model code only ever reads
// the profile. The global registry lists every toggle the model knows; tests
// may build registries of their own.
//
// Invariants:
//  1. names are unique within a registry;
//  2. applying a toggle to a profile that does not have the fix is refused
//     (the bug is already there), so a replay never claims a fix it lacks.

#ifndef MEMHP_MODEL_BUG_TOGGLE_H_
#define MEMHP_MODEL_BUG_TOGGLE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/profile.h"

namespace memhp::model {

struct BugToggle {
  std::string name;     // "sparse-early-partial-remove-frees-memmap"
  std::string summary;  // one sentence, kernel terms
  std::string fix;      // the fixing commit: "ef69bc9f689d mm/sparse: ..."
  // True when `p` already has the fix (the toggle is meaningful there).
  std::function<bool(const KernelProfile& p)> has_fix;
  // Brings back the pre-fix rule. REQUIRES: has_fix(p).
  std::function<void(KernelProfile& p)> apply;
};

class BugToggleRegistry {
 public:
  // Errors: AlreadyExists when the name is taken; InvalidArgument for an
  // empty name or missing functions.
  absl::Status Register(BugToggle toggle);
  const BugToggle* Find(std::string_view name) const;
  std::vector<const BugToggle*> All() const;

  // `base` with the named toggles applied, in order.
  // Errors: InvalidArgument for an unknown name (listing the known ones) or a
  // toggle whose fix `base` does not have.
  absl::StatusOr<KernelProfile> Apply(
      KernelProfile base, const std::vector<std::string>& names) const;

  // Every toggle the model implements.
  static const BugToggleRegistry& Global();

 private:
  std::vector<BugToggle> toggles_;
};

}  // namespace memhp::model

#endif  // MEMHP_MODEL_BUG_TOGGLE_H_
