// Properties of the resource tree over random sequences of request, insert,
// release and adjust on a 64-byte iomem_resource, checked after every step:
//  - RES-1..4 hold (children inside parents, siblings sorted and disjoint);
//  - region_intersects agrees with a naive reference that classifies the
//    region address by address.

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/resource.h"
#include "model/event_log.h"
#include "model/strings.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::PhysAddr;

constexpr uint64_t kSpace = 64;  // root is [0, 63]

enum class OpKind {
  kRequest,
  kInsert,
  kInsertExpand,
  kRequestMemRegion,
  kRelease,
  kRemove,
  kReleaseMemRegion,
  kAdjust,
};

struct Op {
  OpKind kind;
  uint64_t start;
  uint64_t size;  // >= 1
  uint64_t flags;
  IoresDesc desc;
  size_t pick;  // which handle, for release/remove/adjust
};

rc::Gen<uint64_t> GenFlags() {
  return rc::gen::elementOf(std::vector<uint64_t>{
      kIoresourceMem, kIoresourceMem | kIoresourceBusy, kIoresourceSystemRam,
      kIoresourceSystemRam | kIoresourceBusy});
}

rc::Gen<IoresDesc> GenDesc() {
  return rc::gen::elementOf(
      std::vector<IoresDesc>{IoresDesc::kNone, IoresDesc::kReserved});
}

rc::Gen<Op> GenOp() {
  return rc::gen::apply(
      [](OpKind kind, uint64_t start, uint64_t size, uint64_t flags,
         IoresDesc desc,
         size_t pick) { return Op{kind, start, size, flags, desc, pick}; },
      rc::gen::element(OpKind::kRequest, OpKind::kInsert, OpKind::kInsertExpand,
                       OpKind::kRequestMemRegion, OpKind::kRelease,
                       OpKind::kRemove, OpKind::kReleaseMemRegion,
                       OpKind::kAdjust),
      rc::gen::inRange<uint64_t>(0, kSpace + 2),
      rc::gen::inRange<uint64_t>(1, 24), GenFlags(), GenDesc(),
      rc::gen::inRange<size_t>(0, 1000));
}

bool Matches(const Resource* p, uint64_t flags, IoresDesc desc) {
  return (p->flags & flags) == flags &&
         (desc == IoresDesc::kNone || desc == p->desc);
}

bool SubtreeMatchesAt(const Resource* r, uint64_t a, uint64_t flags,
                      IoresDesc desc) {
  for (const Resource* c = r->child; c; c = c->sibling) {
    if (c->start.value() <= a && a <= c->end.value() &&
        (Matches(c, flags, desc) || SubtreeMatchesAt(c, a, flags, desc))) {
      return true;
    }
  }
  return false;
}

// Address by address: an address in a matching top-level resource, or in a
// matching descendant of its top-level resource, is "type"; one in a
// non-matching top-level resource without such a descendant is "other";
// holes are neither.
RegionIntersection NaiveRegionIntersects(const ResourceTree& tree,
                                         uint64_t start, uint64_t size,
                                         uint64_t flags, IoresDesc desc) {
  bool type = false;
  bool other = false;
  for (uint64_t a = start; a < start + size; ++a) {
    for (const Resource* p = tree.root()->child; p; p = p->sibling) {
      if (a < p->start.value() || a > p->end.value()) continue;
      if (Matches(p, flags, desc) || SubtreeMatchesAt(p, a, flags, desc)) {
        type = true;
      } else {
        other = true;
      }
    }
  }
  if (!type) return RegionIntersection::kDisjoint;
  if (!other) return RegionIntersection::kIntersects;
  return RegionIntersection::kMixed;
}

void Apply(ResourceTree& tree, std::vector<Resource*>& handles, const Op& op,
           int step) {
  const PhysAddr start(op.start);
  const PhysAddr end(op.start + op.size - 1);
  std::vector<Resource*> attached;
  for (Resource* r : handles) {
    if (r->parent != nullptr) attached.push_back(r);
  }
  Resource* picked =
      attached.empty() ? nullptr : attached[op.pick % attached.size()];
  const std::string name = model::Cat("r", step);
  switch (op.kind) {
    case OpKind::kRequest:
      handles.push_back(tree.Alloc(name, start, end, op.flags, op.desc));
      tree.RequestResource(tree.root(), handles.back()).IgnoreError();
      break;
    case OpKind::kInsert:
      handles.push_back(tree.Alloc(name, start, end, op.flags, op.desc));
      tree.InsertResource(tree.root(), handles.back()).IgnoreError();
      break;
    case OpKind::kInsertExpand:
      handles.push_back(tree.Alloc(name, start, end, op.flags, op.desc));
      tree.InsertResourceExpandToFit(tree.root(), handles.back());
      break;
    case OpKind::kRequestMemRegion:
      if (Resource* r = tree.RequestMemRegion(start, ByteSize(op.size), name)) {
        handles.push_back(r);
      }
      break;
    case OpKind::kRelease:
      if (picked) tree.ReleaseResource(picked).IgnoreError();
      break;
    case OpKind::kRemove:
      if (picked) tree.RemoveResource(picked).IgnoreError();
      break;
    case OpKind::kReleaseMemRegion:
      tree.ReleaseMemRegion(start, ByteSize(op.size));
      break;
    case OpKind::kAdjust:
      if (picked) {
        tree.AdjustResource(picked, start, ByteSize(op.size)).IgnoreError();
      }
      break;
  }
}

RC_GTEST_PROP(ResourceTreeProp, OperationsKeepInvariantsAndRegionIntersects,
              ()) {
  const std::vector<Op> ops = *rc::gen::container<std::vector<Op>>(GenOp());
  model::EventLog log;
  ResourceTree tree(PhysAddr(kSpace - 1), &log);
  std::vector<Resource*> handles;
  int step = 0;
  for (const Op& op : ops) {
    Apply(tree, handles, op, step++);
    const absl::Status inv = tree.CheckInvariants();
    RC_ASSERT(inv.ok());
    const uint64_t s = *rc::gen::inRange<uint64_t>(0, kSpace);
    const uint64_t n = *rc::gen::inRange<uint64_t>(1, kSpace - s + 1);
    const uint64_t flags = *GenFlags();
    const IoresDesc desc = *GenDesc();
    RC_ASSERT(tree.RegionIntersects(PhysAddr(s), ByteSize(n), flags, desc) ==
              NaiveRegionIntersects(tree, s, n, flags, desc));
  }
  // Exhaustively at the end, for System RAM.
  for (uint64_t s = 0; s < kSpace; ++s) {
    for (uint64_t n = 1; s + n <= kSpace; ++n) {
      RC_ASSERT(tree.RegionIntersects(PhysAddr(s), ByteSize(n),
                                      kIoresourceSystemRam, IoresDesc::kNone) ==
                NaiveRegionIntersects(tree, s, n, kIoresourceSystemRam,
                                      IoresDesc::kNone));
    }
  }
}

}  // namespace
}  // namespace memhp::hotplug
