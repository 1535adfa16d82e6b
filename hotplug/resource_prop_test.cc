// Properties of the resource tree over random sequences of request, insert,
// release and adjust on a 64-byte iomem_resource, checked after every step:
//  - RES-1..4 hold (children inside parents, siblings sorted and disjoint);
//  - region_intersects agrees with a naive reference that classifies the
//    region address by address;
//  - release_mem_region_adjustable keeps RES-1..4, and the addresses covered
//    by busy System RAM lose exactly the released range when a busy
//    resource that the kernel's walk reaches holds it and can be freed,
//    trimmed or split around its children, and are unchanged otherwise.

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

// --- release_mem_region_adjustable ---------------------------------------

constexpr uint64_t kBusyRam = kIoresourceSystemRam | kIoresourceBusy;

// Trees built by request and insert only, with an IORESOURCE_IO type among
// the flags so that the walk can meet a non-MEM resource.
rc::Gen<Op> GenBuildOp() {
  return rc::gen::apply(
      [](OpKind kind, uint64_t start, uint64_t size, uint64_t flags,
         IoresDesc desc) { return Op{kind, start, size, flags, desc, 0}; },
      rc::gen::element(OpKind::kRequest, OpKind::kInsert, OpKind::kInsertExpand,
                       OpKind::kRequestMemRegion),
      rc::gen::inRange<uint64_t>(0, kSpace), rc::gen::inRange<uint64_t>(1, 24),
      rc::gen::elementOf(std::vector<uint64_t>{
          kIoresourceMem, kIoresourceMem | kIoresourceBusy,
          kIoresourceSystemRam, kBusyRam, kBusyRam, kBusyRam,
          kIoresourceIo | kIoresourceBusy}),
      GenDesc());
}

void MarkBusyRam(const Resource* parent, std::vector<bool>& covered) {
  for (const Resource* r = parent->child; r; r = r->sibling) {
    if ((r->flags & kBusyRam) == kBusyRam) {
      for (uint64_t a = r->start.value(); a <= r->end.value(); ++a) {
        covered[a] = true;
      }
    }
    MarkBusyRam(r, covered);
  }
}

// Address by address: covered by some busy System RAM resource in the tree.
std::vector<bool> BusyRamAddresses(const ResourceTree& tree) {
  std::vector<bool> covered(kSpace, false);
  MarkBusyRam(tree.root(), covered);
  return covered;
}

enum class Expected { kNothing, kReleased, kWarnOnly };

// What releasing [s, e] should do, read off the tree's shape rather than
// replaying the kernel's walk: the resources holding the range form a chain
// from the top; the first one that is busy or not IORESOURCE_MEM decides.
// A busy MEM one loses the range when it equals it or when the piece that
// remains (the lower one, for a split) keeps every child; otherwise
// __adjust_resource fails and the kernel WARNs. Either way the busy System
// RAM addresses then lose exactly the range: it held all of them there.
Expected ExpectedRelease(const ResourceTree& tree, uint64_t s, uint64_t e) {
  if (e < s || e >= kSpace) return Expected::kWarnOnly;  // leaves root
  const Resource* level = tree.root();
  for (;;) {
    const Resource* holder = nullptr;
    for (const Resource* c = level->child; c; c = c->sibling) {
      if (c->start.value() <= s && e <= c->end.value()) holder = c;
    }
    if (holder == nullptr) return Expected::kNothing;
    // The kernel's `res->start >= end` with the inclusive end: a one-byte
    // range at the holder's first byte stops the walk.
    if (holder->start.value() == e) return Expected::kNothing;
    if (!(holder->flags & kIoresourceMem)) return Expected::kNothing;
    if (!(holder->flags & kIoresourceBusy)) {
      level = holder;
      continue;
    }
    const uint64_t hs = holder->start.value();
    const uint64_t he = holder->end.value();
    if (hs == s && he == e) return Expected::kReleased;
    for (const Resource* c = holder->child; c; c = c->sibling) {
      const bool kept = hs == s ? c->start.value() > e : c->end.value() < s;
      if (!kept) return Expected::kWarnOnly;
    }
    return Expected::kReleased;
  }
}

RC_GTEST_PROP(ResourceTreeProp,
              ReleaseMemRegionAdjustableRemovesExactlyTheHeldRange, ()) {
  // Few operations: on 64 bytes, long sequences nest nearly every busy
  // resource under another or give it children.
  const size_t n = *rc::gen::inRange<size_t>(0, 16);
  const std::vector<Op> ops =
      *rc::gen::container<std::vector<Op>>(n, GenBuildOp());
  model::EventLog log;
  ResourceTree tree(PhysAddr(kSpace - 1), &log);
  std::vector<Resource*> handles;
  int step = 0;
  for (const Op& op : ops) Apply(tree, handles, op, step++);
  RC_ASSERT(tree.CheckInvariants().ok());

  int outcomes[3] = {0, 0, 0};
  for (int round = 0; round < 8; ++round) {
    // Half the time a range inside an attached busy System RAM resource,
    // else anywhere (possibly leaving root).
    std::vector<const Resource*> ram;
    for (const Resource* r : handles) {
      if (r->parent != nullptr && (r->flags & kBusyRam) == kBusyRam) {
        ram.push_back(r);
      }
    }
    uint64_t s;
    uint64_t e;
    if (!ram.empty() && *rc::gen::arbitrary<bool>()) {
      const Resource* r = *rc::gen::elementOf(ram);
      s = *rc::gen::inRange<uint64_t>(r->start.value(), r->end.value() + 1);
      e = *rc::gen::inRange<uint64_t>(s, r->end.value() + 1);
    } else {
      s = *rc::gen::inRange<uint64_t>(0, kSpace + 2);
      e = s + *rc::gen::inRange<uint64_t>(0, 8);
    }
    const Expected expected = ExpectedRelease(tree, s, e);
    const std::vector<bool> before = BusyRamAddresses(tree);
    const size_t events = log.size();
    ++outcomes[static_cast<int>(expected)];

    tree.ReleaseMemRegionAdjustable(PhysAddr(s), ByteSize(e - s + 1));

    const absl::Status inv = tree.CheckInvariants();
    RC_ASSERT(inv.ok());
    std::vector<bool> want = before;
    if (expected == Expected::kReleased) {
      for (uint64_t a = s; a <= e; ++a) want[a] = false;
    }
    RC_ASSERT(BusyRamAddresses(tree) == want);
    if (expected == Expected::kWarnOnly) {
      RC_ASSERT(log.size() <= events + 1);  // WARN_ON_ONCE
      bool warned = false;
      for (const model::Event& ev : log.events()) {
        warned |= ev.kind == model::EventKind::kWarn &&
                  ev.function == "release_mem_region_adjustable";
      }
      RC_ASSERT(warned);
    } else {
      RC_ASSERT(log.size() == events);
    }
  }
  RC_TAG(outcomes[0] > 0 ? "nothing" : "-", outcomes[1] > 0 ? "released" : "-",
         outcomes[2] > 0 ? "warned" : "-");
}

}  // namespace
}  // namespace memhp::hotplug
