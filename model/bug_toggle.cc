#include "model/bug_toggle.h"

#include "model/check.h"
#include "model/strings.h"

namespace memhp::model {

absl::Status BugToggleRegistry::Register(BugToggle toggle) {
  if (toggle.name.empty() || !toggle.has_fix || !toggle.apply) {
    return absl::InvalidArgumentError(
        "a bug toggle needs a name, has_fix and apply");
  }
  if (Find(toggle.name) != nullptr) {
    return absl::AlreadyExistsError(
        Cat("bug toggle '", toggle.name, "' is already registered"));
  }
  toggles_.push_back(std::move(toggle));
  return absl::OkStatus();
}

const BugToggle* BugToggleRegistry::Find(std::string_view name) const {
  for (const BugToggle& t : toggles_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<const BugToggle*> BugToggleRegistry::All() const {
  std::vector<const BugToggle*> out;
  for (const BugToggle& t : toggles_) out.push_back(&t);
  return out;
}

absl::StatusOr<KernelProfile> BugToggleRegistry::Apply(
    KernelProfile base, const std::vector<std::string>& names) const {
  for (const std::string& name : names) {
    const BugToggle* t = Find(name);
    if (t == nullptr) {
      std::vector<std::string> known;
      for (const BugToggle& k : toggles_) known.push_back(k.name);
      return absl::InvalidArgumentError(
          Cat("unknown bug toggle '", name,
              "'; known: ", known.empty() ? "(none)" : Join(known, ", ")));
    }
    if (!t->has_fix(base)) {
      return absl::InvalidArgumentError(
          Cat("bug toggle '", name, "' does not apply to profile ", base.name(),
              ": it has no fix for it (", t->fix, ")"));
    }
    t->apply(base);
  }
  return base;
}

namespace {

BugToggleRegistry MakeGlobal() {
  BugToggleRegistry r;
  auto must = [](absl::Status s) { MEMHP_CHECK(s.ok()) << s; };
  must(r.Register(BugToggle{
      .name = "sparse-early-partial-remove-frees-memmap",
      .summary = "section_deactivate() depopulates the removed part of an "
                 "early section's boot memmap although the section stays "
                 "valid and pfn_valid() keeps returning 1 for it",
      .fix = "ef69bc9f689d mm/sparse: never partially remove memmap for "
             "early section",
      .has_fix =
          [](const KernelProfile& p) {
            return p.early_partial_removal_keeps_memmap;
          },
      .apply =
          [](KernelProfile& p) {
            p.early_partial_removal_keeps_memmap = false;
          },
  }));
  must(r.Register(BugToggle{
      .name = "sparse-readded-early-section-frees-boot-usage",
      .summary = "the second complete removal of a re-added early section "
                 "kfree()s its boot-allocated mem_section_usage",
      .fix = "mm/memory_hotplug: Don't free usage map when removing a "
             "re-added early section (v5.5, 5.4.y)",
      .has_fix =
          [](const KernelProfile& p) { return p.boot_usage_never_freed; },
      .apply = [](KernelProfile& p) { p.boot_usage_never_freed = false; },
  }));
  must(r.Register(BugToggle{
      .name = "sparse-usage-freed-before-invalid",
      .summary = "section_deactivate() frees ms->usage while the section "
                 "still reads valid, so a concurrent pfn_valid() "
                 "dereferences freed or NULL usage (CVE-2023-52489)",
      .fix = "5ec8e8ea8b77 mm/sparsemem: fix race in accessing "
             "memory_section->usage, and the NULL check in "
             "pfn_section_valid()",
      .has_fix =
          [](const KernelProfile& p) {
            return p.clear_has_mem_map_before_freeing_usage &&
                   p.pfn_section_valid_null_safe;
          },
      .apply =
          [](KernelProfile& p) {
            p.clear_has_mem_map_before_freeing_usage = false;
            p.pfn_section_valid_null_safe = false;
          },
  }));
  return r;
}

}  // namespace

const BugToggleRegistry& BugToggleRegistry::Global() {
  static const BugToggleRegistry* const kGlobal =
      new BugToggleRegistry(MakeGlobal());
  return *kGlobal;
}

}  // namespace memhp::model
