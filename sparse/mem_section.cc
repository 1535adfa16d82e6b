#include "sparse/mem_section.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "model/check.h"

namespace memhp::sparse {

using model::SectionNr;

const MemSection* MemSectionTable::Get(SectionNr nr) const {
  uint64_t root = geometry_->SectionRoot(nr);
  if (root >= geometry_->NrSectionRoots()) return nullptr;
  auto it = roots_.find(root);
  if (it == roots_.end()) return nullptr;
  return &(*it->second)[nr.value() % geometry_->SectionsPerRoot()];
}

MemSection* MemSectionTable::GetMutable(SectionNr nr) {
  return const_cast<MemSection*>(std::as_const(*this).Get(nr));
}

MemSection& MemSectionTable::EnsureRoot(SectionNr nr) {
  MEMHP_CHECK(nr.value() < geometry_->NrMemSections())
      << "section " << nr.value() << " beyond NR_MEM_SECTIONS";
  uint64_t root = geometry_->SectionRoot(nr);
  std::unique_ptr<Root>& r = roots_[root];
  if (!r) r = std::make_unique<Root>(geometry_->SectionsPerRoot());
  return (*r)[nr.value() % geometry_->SectionsPerRoot()];
}

void MemSectionTable::MarkPresent(SectionNr nr) {
  MemSection* ms = GetMutable(nr);
  MEMHP_CHECK(ms != nullptr) << "marking a section without a root present";
  if (!highest_present_ || nr > *highest_present_) highest_present_ = nr;
  ms->flags |= kSectionMarkedPresent;
}

std::optional<SectionNr> MemSectionTable::NextPresent(
    std::optional<SectionNr> after) const {
  if (!highest_present_) return std::nullopt;
  uint64_t nr = after ? after->value() + 1 : 0;
  const uint64_t spr = geometry_->SectionsPerRoot();
  while (nr <= highest_present_->value()) {
    // Skip whole unallocated roots: they hold no present section.
    if (!roots_.contains(nr / spr)) {
      nr = (nr / spr + 1) * spr;
      continue;
    }
    const MemSection* ms = Get(SectionNr(nr));
    if (ms != nullptr && (ms->flags & kSectionMarkedPresent)) {
      return SectionNr(nr);
    }
    ++nr;
  }
  return std::nullopt;
}

std::vector<uint64_t> MemSectionTable::AllocatedRoots() const {
  std::vector<uint64_t> out;
  out.reserve(roots_.size());
  for (const auto& [root, sections] : roots_) out.push_back(root);
  std::sort(out.begin(), out.end());
  return out;
}

size_t MemSectionTable::HeapBytes() const {
  size_t bytes = roots_.capacity() * (sizeof(uint64_t) + sizeof(void*));
  absl::flat_hash_set<const MemSectionUsage*> usages;
  for (const auto& [root, sections] : roots_) {
    bytes += sections->capacity() * sizeof(MemSection);
    for (const MemSection& ms : *sections) {
      if (ms.usage) usages.insert(ms.usage.get());
    }
  }
  for (const MemSectionUsage* u : usages) {
    bytes += sizeof(MemSectionUsage) + u->subsection_map.HeapBytes() +
             2 * sizeof(void*);  // shared_ptr control block
  }
  return bytes;
}

}  // namespace memhp::sparse
