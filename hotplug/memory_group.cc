#include "hotplug/memory_group.h"

#include <climits>
#include <utility>

#include "model/check.h"
#include "model/status.h"

namespace memhp::hotplug {

using model::Errno;
using model::NodeId;
using model::NrPages;

namespace {

constexpr int Neg(Errno e) { return -static_cast<int>(e); }

bool IsPowerOf2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

MemoryGroups::MemoryGroups(NodePossibleFn node_possible,
                           MemoryBlockPagesFn memory_block_pages)
    : node_possible_(std::move(node_possible)),
      memory_block_pages_(std::move(memory_block_pages)) {}

int MemoryGroups::MemoryGroupRegister(const MemoryGroup& group) {
  if (!node_possible_(group.nid)) return Neg(Errno::kEINVAL);
  // xa_alloc() with xa_limit_31b: the lowest free index from 0.
  MEMHP_CHECK(groups_.size() < static_cast<size_t>(INT_MAX))
      << "memory group ids exhausted";
  int mgid = 0;
  for (const auto& [id, g] : groups_) {
    if (id != mgid) break;
    ++mgid;
  }
  auto new_group = std::make_unique<MemoryGroup>(group);
  new_group->memory_blocks.clear();  // INIT_LIST_HEAD
  groups_[mgid] = std::move(new_group);
  return mgid;
}

int MemoryGroups::MemoryGroupRegisterStatic(NodeId nid, NrPages max_pages) {
  if (max_pages.IsZero()) return Neg(Errno::kEINVAL);
  return MemoryGroupRegister(MemoryGroup{.nid = nid, .max_pages = max_pages});
}

int MemoryGroups::MemoryGroupRegisterDynamic(NodeId nid, NrPages unit_pages) {
  if (!IsPowerOf2(unit_pages.value()) || unit_pages < memory_block_pages_()) {
    return Neg(Errno::kEINVAL);
  }
  return MemoryGroupRegister(
      MemoryGroup{.nid = nid, .is_dynamic = true, .unit_pages = unit_pages});
}

int MemoryGroups::MemoryGroupUnregister(int mgid) {
  if (mgid < 0) return Neg(Errno::kEINVAL);
  auto it = groups_.find(mgid);
  if (it == groups_.end()) return Neg(Errno::kEINVAL);
  if (!it->second->memory_blocks.empty()) return Neg(Errno::kEBUSY);
  groups_.erase(it);
  return 0;
}

MemoryGroup* MemoryGroups::MemoryGroupFindById(int mgid) {
  auto it = groups_.find(mgid);
  return it == groups_.end() ? nullptr : it->second.get();
}

const MemoryGroup* MemoryGroups::MemoryGroupFindById(int mgid) const {
  auto it = groups_.find(mgid);
  return it == groups_.end() ? nullptr : it->second.get();
}

int MemoryGroups::WalkDynamicMemoryGroups(
    NodeId nid, const std::function<int(const MemoryGroup&)>& func,
    const MemoryGroup* excluded) const {
  for (const auto& [id, group] : groups_) {
    // xa_for_each_marked(..., MEMORY_GROUP_MARK_DYNAMIC).
    if (!group->is_dynamic) continue;
    if (group.get() == excluded) continue;
    if (!nid.IsNoNode() && group->nid != nid) continue;
    if (const int ret = func(*group); ret != 0) return ret;
  }
  return 0;
}

int MemoryGroups::IdOf(const MemoryGroup* group) const {
  for (const auto& [id, g] : groups_) {
    if (g.get() == group) return id;
  }
  MEMHP_CHECK(false) << "memory group not registered";
  return -1;
}

}  // namespace memhp::hotplug
