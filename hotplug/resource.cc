#include "hotplug/resource.h"

#include <algorithm>
#include <string>
#include <utility>

#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::Cat;
using model::Errno;
using model::KernelError;
using model::LogLevel;
using model::PhysAddr;
using model::Sprintf;

constexpr int kMaxIoresLevel = 5;  // MAX_IORES_LEVEL

uint64_t Start(const Resource* r) { return r->start.value(); }
uint64_t End(const Resource* r) { return r->end.value(); }

// Kernel: kernel/resource.c next_resource (v6.1)
// Note: it climbs past the subtree it started in (no root bound), so a walk
// that begins at p->child continues into p's later siblings; the kernel's
// __region_intersects relies on that being harmless.
const Resource* NextResource(const Resource* p) {
  if (p->child) return p->child;
  while (!p->sibling && p->parent) p = p->parent;
  return p->sibling;
}

// Kernel: kernel/resource.c next_resource_skip_children (v6.1)
const Resource* NextResourceSkipChildren(const Resource* p) {
  while (!p->sibling && p->parent) p = p->parent;
  return p->sibling;
}

// Kernel: kernel/resource.c is_type_match (v6.1)
bool IsTypeMatch(const Resource* p, uint64_t flags, IoresDesc desc) {
  return (p->flags & flags) == flags &&
         (desc == IoresDesc::kNone || desc == p->desc);
}

// %pa of a phys_addr_t: "0x" and 16 zero-padded hex digits.
std::string Pa(uint64_t a) {
  return Sprintf("0x%016llx", static_cast<unsigned long long>(a));
}

// Kernel: kernel/resource.c __request_resource (v6.1)
Resource* DoRequestResource(Resource* root, Resource* new_res) {
  const uint64_t start = Start(new_res);
  const uint64_t end = End(new_res);
  if (end < start) return root;
  if (start < Start(root)) return root;
  if (end > End(root)) return root;
  Resource** p = &root->child;
  for (;;) {
    Resource* tmp = *p;
    if (!tmp || Start(tmp) > end) {
      new_res->sibling = tmp;
      *p = new_res;
      new_res->parent = root;
      return nullptr;
    }
    p = &tmp->sibling;
    if (End(tmp) < start) continue;
    return tmp;
  }
}

// Kernel: kernel/resource.c __release_resource (v6.1)
int DoReleaseResource(Resource* old, bool release_child) {
  MEMHP_CHECK(old->parent != nullptr)
      << "releasing a detached resource " << old->name;
  Resource** p = &old->parent->child;
  for (;;) {
    Resource* tmp = *p;
    if (!tmp) break;
    if (tmp == old) {
      if (release_child || !tmp->child) {
        *p = tmp->sibling;
      } else {
        Resource* chd;
        for (chd = tmp->child;; chd = chd->sibling) {
          chd->parent = tmp->parent;
          if (!chd->sibling) break;
        }
        *p = tmp->child;
        chd->sibling = tmp->sibling;
      }
      old->parent = nullptr;
      // DIVERGENCE: the kernel leaves old->sibling (and, for remove_resource,
      // old->child) stale; the model clears them so a detached resource can
      // be requested again without dragging old links along.
      old->sibling = nullptr;
      if (!release_child) old->child = nullptr;
      return 0;
    }
    p = &tmp->sibling;
  }
  return -static_cast<int>(Errno::kEINVAL);
}

// Kernel: kernel/resource.c system_ram_resources_mergeable (v6.1)
bool SystemRamResourcesMergeable(const Resource* r1, const Resource* r2) {
  // We assume either r1 or r2 is IORESOURCE_SYSRAM_MERGEABLE.
  // DIVERGENCE: the kernel compares name pointers, the model compares the
  // strings, so equal names from separate allocations (two kstrdup()s)
  // merge here but not in the kernel.
  return r1->flags == r2->flags && End(r1) + 1 == Start(r2) &&
         r1->name == r2->name && r1->desc == r2->desc && !r1->child &&
         !r2->child;
}

// The kernel's free_resource() of a resource already unlinked from its
// parent's list: the model keeps it, detached.
void Detach(Resource* res) {
  res->parent = nullptr;
  res->sibling = nullptr;
}

}  // namespace

std::string_view RegionIntersectionName(RegionIntersection r) {
  switch (r) {
    case RegionIntersection::kIntersects:
      return "REGION_INTERSECTS";
    case RegionIntersection::kDisjoint:
      return "REGION_DISJOINT";
    case RegionIntersection::kMixed:
      return "REGION_MIXED";
  }
  return "REGION_?";
}

ResourceTree::ResourceTree(PhysAddr end, model::EventLog* log) : log_(log) {
  MEMHP_CHECK(log_ != nullptr);
  root_ = Alloc("PCI mem", PhysAddr(0), end, kIoresourceMem);
}

Resource* ResourceTree::Alloc(std::string name, PhysAddr start, PhysAddr end,
                              uint64_t flags, IoresDesc desc) {
  storage_.push_back(Resource{.name = std::move(name),
                              .start = start,
                              .end = end,
                              .flags = flags,
                              .desc = desc});
  return &storage_.back();
}

// Kernel: kernel/resource.c request_resource_conflict (v6.1)
Resource* ResourceTree::RequestResourceConflict(Resource* root,
                                                Resource* new_res) {
  return DoRequestResource(root, new_res);
}

// Kernel: kernel/resource.c request_resource (v6.1)
absl::Status ResourceTree::RequestResource(Resource* root, Resource* new_res) {
  Resource* conflict = RequestResourceConflict(root, new_res);
  if (conflict) {
    return KernelError(Errno::kEBUSY,
                       model::Cat("request_resource ", new_res->name,
                                  " conflicts with ", conflict->name));
  }
  return absl::OkStatus();
}

// Kernel: kernel/resource.c release_resource (v6.1)
absl::Status ResourceTree::ReleaseResource(Resource* old) {
  if (DoReleaseResource(old, /*release_child=*/true) != 0) {
    return KernelError(Errno::kEINVAL, "release_resource: not in the tree");
  }
  return absl::OkStatus();
}

// Kernel: kernel/resource.c __request_region / __request_region_locked (v6.1)
Resource* ResourceTree::RequestRegion(Resource* parent, PhysAddr start,
                                      ByteSize n, std::string name,
                                      uint64_t flags) {
  MEMHP_CHECK((flags & kIoresourceMuxed) == 0)
      << "IORESOURCE_MUXED waits are not modelled";
  Resource* res =
      Alloc(std::move(name), start, PhysAddr(start.value() + n.value() - 1), 0);
  for (;;) {
    res->flags = (parent->flags & kIoresourceTypeBits) |
                 (parent->flags & kIoresourceExtTypeBits);
    res->flags |= kIoresourceBusy | flags;
    res->desc = parent->desc;

    Resource* conflict = DoRequestResource(parent, res);
    if (!conflict) break;
    // mm/hmm.c reserves physical addresses which then become unavailable to
    // other users.
    if (conflict->desc == IoresDesc::kDevicePrivateMemory) {
      log_->Printk(LogLevel::kWarning,
                   Cat("Unaddressable device ", conflict->name, " ",
                       PrintkResource(conflict->start, conflict->end,
                                      kIoresourceMem, /*raw=*/false),
                       " conflicts with ",
                       PrintkResource(res->start, res->end, kIoresourceMem,
                                      /*raw=*/false)));
    }
    if (conflict != parent) {
      if (!(conflict->flags & kIoresourceBusy)) {
        parent = conflict;
        continue;
      }
    }
    // Uhhuh, that didn't work out.. (-EBUSY; the kernel frees res.)
    return nullptr;
  }
  return res;
}

Resource* ResourceTree::RequestMemRegion(PhysAddr start, ByteSize n,
                                         std::string name) {
  return RequestRegion(root_, start, n, std::move(name), 0);
}

// Kernel: kernel/resource.c __release_region (v6.1)
Resource* ResourceTree::ReleaseRegion(Resource* parent, PhysAddr start_addr,
                                      ByteSize n) {
  const uint64_t start = start_addr.value();
  const uint64_t end = start + n.value() - 1;
  Resource** p = &parent->child;
  for (;;) {
    Resource* res = *p;
    if (!res) break;
    if (Start(res) <= start && End(res) >= end) {
      if (!(res->flags & kIoresourceBusy)) {
        p = &res->child;
        continue;
      }
      if (Start(res) != start || End(res) != end) break;
      *p = res->sibling;
      // The kernel frees res here; its children, if any, still point at it.
      res->parent = nullptr;
      res->sibling = nullptr;
      return res;
    }
    p = &res->sibling;
  }
  log_->Printk(LogLevel::kWarning,
               model::Cat("Trying to free nonexistent resource <", Pa(start),
                          "-", Pa(end), ">"));
  return nullptr;
}

Resource* ResourceTree::ReleaseMemRegion(PhysAddr start, ByteSize n) {
  return ReleaseRegion(root_, start, n);
}

// Kernel: kernel/resource.c __insert_resource (v6.1)
Resource* ResourceTree::InsertResourceConflict(Resource* parent,
                                               Resource* new_res) {
  Resource* first;
  for (;; parent = first) {
    first = DoRequestResource(parent, new_res);
    if (!first) return first;
    if (first == parent) return first;
    if (first == new_res) {  // duplicated insertion
      log_->WarnOn({"kernel/resource.c", "__insert_resource"}, "first == new");
      return first;
    }
    if (Start(first) > Start(new_res) || End(first) < End(new_res)) break;
    if (Start(first) == Start(new_res) && End(first) == End(new_res)) break;
  }

  Resource* next;
  for (next = first;; next = next->sibling) {
    // Partial overlap? Bad, and unfixable.
    if (Start(next) < Start(new_res) || End(next) > End(new_res)) return next;
    if (!next->sibling) break;
    if (Start(next->sibling) > End(new_res)) break;
  }

  new_res->parent = parent;
  new_res->sibling = next->sibling;
  new_res->child = first;

  next->sibling = nullptr;
  for (next = first; next; next = next->sibling) next->parent = new_res;

  if (parent->child == first) {
    parent->child = new_res;
  } else {
    next = parent->child;
    while (next->sibling != first) next = next->sibling;
    next->sibling = new_res;
  }
  return nullptr;
}

// Kernel: kernel/resource.c insert_resource (v6.1)
absl::Status ResourceTree::InsertResource(Resource* parent, Resource* new_res) {
  Resource* conflict = InsertResourceConflict(parent, new_res);
  if (conflict) {
    return KernelError(Errno::kEBUSY,
                       model::Cat("insert_resource ", new_res->name,
                                  " conflicts with ", conflict->name));
  }
  return absl::OkStatus();
}

// Kernel: kernel/resource.c insert_resource_expand_to_fit (v6.1)
void ResourceTree::InsertResourceExpandToFit(Resource* root,
                                             Resource* new_res) {
  if (new_res->parent) return;
  for (;;) {
    Resource* conflict = InsertResourceConflict(root, new_res);
    if (!conflict) break;
    if (conflict == root) break;
    // Ok, expand resource to cover the conflict, then try again ..
    if (Start(conflict) < Start(new_res)) new_res->start = conflict->start;
    if (End(conflict) > End(new_res)) new_res->end = conflict->end;
    log_->Printk(LogLevel::kInfo,
                 Sprintf("Expanded resource %s due to conflict with %s",
                         new_res->name.c_str(), conflict->name.c_str()));
  }
}

// Kernel: kernel/resource.c remove_resource (v6.1)
absl::Status ResourceTree::RemoveResource(Resource* old) {
  if (DoReleaseResource(old, /*release_child=*/false) != 0) {
    return KernelError(Errno::kEINVAL, "remove_resource: not in the tree");
  }
  return absl::OkStatus();
}

// Kernel: kernel/resource.c __adjust_resource (v6.1)
absl::Status ResourceTree::AdjustResource(Resource* res, PhysAddr start_addr,
                                          ByteSize size) {
  const uint64_t start = start_addr.value();
  const uint64_t end = start + size.value() - 1;
  Resource* parent = res->parent;
  const absl::Status busy =
      KernelError(Errno::kEBUSY, model::Cat("adjust_resource ", res->name));
  if (parent) {
    if (start < Start(parent) || end > End(parent)) return busy;
    if (res->sibling && Start(res->sibling) <= end) return busy;
    Resource* tmp = parent->child;
    if (tmp != res) {
      while (tmp->sibling != res) tmp = tmp->sibling;
      if (start <= End(tmp)) return busy;
    }
  }
  for (Resource* tmp = res->child; tmp; tmp = tmp->sibling) {
    if (Start(tmp) < start || End(tmp) > end) return busy;
  }
  res->start = PhysAddr(start);
  res->end = PhysAddr(end);
  return absl::OkStatus();
}

// Kernel: kernel/resource.c release_mem_region_adjustable (v6.1)
// DIVERGENCE: the kernel allocates the split's new resource up front
// (retrying with __GFP_NOFAIL) and frees it when unused; the model allocates
// it only when it splits, and allocation cannot fail.
// DIVERGENCE: the adjust-end and split WARN_ON_ONCEs have the same
// condition text, so they share one once-flag here (two in the kernel).
void ResourceTree::ReleaseMemRegionAdjustable(PhysAddr start_addr,
                                              ByteSize size) {
  static constexpr model::Site kSite{"kernel/resource.c",
                                     "release_mem_region_adjustable"};
  Resource* parent = root_;
  const uint64_t start = start_addr.value();
  const uint64_t end = start + size.value() - 1;
  if (start < Start(parent) || end > End(parent)) {
    log_->WarnOnOnce(kSite, "(start < parent->start) || (end > parent->end)");
    return;
  }
  Resource** p = &parent->child;
  while (Resource* res = *p) {
    // `end` is inclusive: a resource starting at the range's last byte
    // also ends the walk.
    if (Start(res) >= end) break;
    // look for the next resource if it does not fit into
    if (Start(res) > start || End(res) < end) {
      p = &res->sibling;
      continue;
    }
    if (!(res->flags & kIoresourceMem)) break;
    if (!(res->flags & kIoresourceBusy)) {
      p = &res->child;
      continue;
    }
    // found the target resource; let's adjust accordingly
    if (Start(res) == start && End(res) == end) {
      // free the whole entry (its children still point at it)
      *p = res->sibling;
      Detach(res);
    } else if (Start(res) == start && End(res) != end) {
      // adjust the start
      if (!AdjustResource(res, PhysAddr(end + 1), ByteSize(End(res) - end))
               .ok()) {
        log_->WarnOnOnce(kSite,
                         "__adjust_resource(res, end + 1, res->end - end)");
      }
    } else if (Start(res) != start && End(res) == end) {
      // adjust the end
      if (!AdjustResource(res, res->start, ByteSize(start - Start(res))).ok()) {
        log_->WarnOnOnce(
            kSite, "__adjust_resource(res, res->start, start - res->start)");
      }
    } else {
      // split into two entries - we need a new resource
      Resource* new_res =
          Alloc(res->name, PhysAddr(end + 1), res->end, res->flags, res->desc);
      new_res->parent = res->parent;
      new_res->sibling = res->sibling;
      if (!AdjustResource(res, res->start, ByteSize(start - Start(res))).ok()) {
        log_->WarnOnOnce(
            kSite, "__adjust_resource(res, res->start, start - res->start)");
        Detach(new_res);  // the kernel frees it
        break;
      }
      res->sibling = new_res;
    }
    break;
  }
}

// Kernel: kernel/resource.c merge_system_ram_resource (v6.1)
void ResourceTree::MergeSystemRamResource(Resource* res) {
  const uint64_t flags = kIoresourceSystemRam | kIoresourceBusy;
  if ((res->flags & flags) != flags) {
    log_->WarnOnOnce({"kernel/resource.c", "merge_system_ram_resource"},
                     "(res->flags & flags) != flags");
    return;
  }
  MEMHP_CHECK(res->parent != nullptr)
      << "merging a detached resource " << res->name;
  res->flags |= kIoresourceSysramMergeable;

  // Try to merge with next item in the list.
  Resource* cur = res->sibling;
  if (cur && SystemRamResourcesMergeable(res, cur)) {
    res->end = cur->end;
    res->sibling = cur->sibling;
    Detach(cur);
  }

  // Try to merge with previous item in the list.
  cur = res->parent->child;
  while (cur && cur->sibling != res) cur = cur->sibling;
  if (cur && SystemRamResourcesMergeable(cur, res)) {
    cur->end = res->end;
    cur->sibling = res->sibling;
    Detach(res);
  }
}

// Kernel: kernel/resource.c __region_intersects (v6.1)
RegionIntersection ResourceTree::RegionIntersects(PhysAddr start, ByteSize size,
                                                  uint64_t flags,
                                                  IoresDesc desc) const {
  int type = 0;
  int other = 0;
  const uint64_t res_start = start.value();
  const uint64_t res_end = res_start + size.value() - 1;
  for (const Resource* p = root_->child; p; p = p->sibling) {
    // resource_intersection(p, &res, &o)
    if (!(Start(p) <= res_end && End(p) >= res_start)) continue;
    uint64_t o_start = std::max(Start(p), res_start);
    const uint64_t o_end = std::min(End(p), res_end);
    if (IsTypeMatch(p, flags, desc)) {
      type++;
      continue;
    }
    // Continue to search in descendant resources as if the matched
    // descendant resources cover some ranges of 'p'.
    bool covered = false;
    for (const Resource* dp = p->child; dp; dp = NextResource(dp)) {
      if (!(Start(dp) <= res_end && End(dp) >= res_start)) continue;
      if (IsTypeMatch(dp, flags, desc)) {
        type++;
        // Range from 'o.start' to 'dp->start' isn't covered by matched
        // resource.
        if (Start(dp) > o_start) break;
        if (End(dp) >= o_end) {
          covered = true;
          break;
        }
        // Remove covered range.
        o_start = std::max(o_start, End(dp) + 1);
      }
    }
    if (!covered) other++;
  }
  if (type == 0) return RegionIntersection::kDisjoint;
  if (other == 0) return RegionIntersection::kIntersects;
  return RegionIntersection::kMixed;
}

// Kernel: kernel/resource.c find_next_iomem_res (v6.1)
int ResourceTree::FindNextIomemRes(PhysAddr start_addr, PhysAddr end_addr,
                                   uint64_t flags, IoresDesc desc,
                                   IomemRes* res) const {
  const uint64_t start = start_addr.value();
  const uint64_t end = end_addr.value();
  // Skip children until we find a top level range that matches.
  bool skip_children = true;
  if (!res) return -static_cast<int>(Errno::kEINVAL);
  if (start >= end) return -static_cast<int>(Errno::kEINVAL);
  const Resource* p;
  for (p = root_->child; p;
       p = skip_children ? NextResourceSkipChildren(p) : NextResource(p)) {
    // If we passed the resource we are looking for, stop.
    if (Start(p) > end) {
      p = nullptr;
      break;
    }
    // Skip until we find a range that matches what we look for.
    if (End(p) < start) continue;
    // We found a top level range that matches what we are looking for. Time
    // to start checking children too.
    skip_children = false;
    if (IsTypeMatch(p, flags, desc)) break;
  }
  if (!p) return -static_cast<int>(Errno::kENODEV);
  *res = IomemRes{.start = PhysAddr(std::max(start, Start(p))),
                  .end = PhysAddr(std::min(end, End(p))),
                  .flags = p->flags,
                  .desc = p->desc,
                  .parent = p->parent};
  return 0;
}

// Kernel: kernel/resource.c __walk_iomem_res_desc (v6.1)
int ResourceTree::WalkIomemResDesc(IoresDesc desc, uint64_t flags,
                                   PhysAddr start, PhysAddr end,
                                   const ResFunc& func) const {
  IomemRes res;
  int ret = -static_cast<int>(Errno::kEINVAL);
  while (start < end && !FindNextIomemRes(start, end, flags, desc, &res)) {
    ret = func(res);
    if (ret) break;
    start = PhysAddr(res.end.value() + 1);
  }
  return ret;
}

// Kernel: kernel/resource.c walk_system_ram_res (v6.1)
int ResourceTree::WalkSystemRamRes(PhysAddr start, PhysAddr end,
                                   const ResFunc& func) const {
  return WalkIomemResDesc(IoresDesc::kNone,
                          kIoresourceSystemRam | kIoresourceBusy, start, end,
                          func);
}

// Kernel: kernel/resource.c walk_system_ram_range (v6.1)
int ResourceTree::WalkSystemRamRange(const model::Geometry& geometry,
                                     model::Pfn start_pfn,
                                     model::NrPages nr_pages,
                                     const PfnFunc& func) const {
  const int shift = geometry.page_shift();
  uint64_t start = start_pfn.value() << shift;
  const uint64_t end = ((start_pfn.value() + nr_pages.value()) << shift) - 1;
  const uint64_t flags = kIoresourceSystemRam | kIoresourceBusy;
  IomemRes res;
  int ret = -static_cast<int>(Errno::kEINVAL);
  while (start < end && !FindNextIomemRes(PhysAddr(start), PhysAddr(end), flags,
                                          IoresDesc::kNone, &res)) {
    const model::Pfn pfn = geometry.PfnUp(res.start);
    const model::Pfn end_pfn = geometry.PfnDown(PhysAddr(res.end.value() + 1));
    if (end_pfn > pfn) ret = func(pfn, end_pfn - pfn);
    if (ret) break;
    start = res.end.value() + 1;
  }
  return ret;
}

// Kernel: kernel/resource.c page_is_ram (v6.1)
bool ResourceTree::PageIsRam(const model::Geometry& geometry,
                             model::Pfn pfn) const {
  // __is_ram
  return WalkSystemRamRange(geometry, pfn, model::NrPages(1),
                            [](model::Pfn, model::NrPages) { return 1; }) == 1;
}

// Kernel: kernel/resource.c r_start / r_next / r_show (v6.1)
std::vector<std::string> ResourceTree::IomemLines() const {
  std::vector<std::string> out;
  const int width = End(root_) < 0x10000 ? 4 : 8;
  for (const Resource* r = root_->child; r; r = NextResource(r)) {
    int depth = 0;
    for (const Resource* p = r; depth < kMaxIoresLevel;
         depth++, p = p->parent) {
      if (p->parent == root_) break;
    }
    // DIVERGENCE: the reader is taken to have CAP_SYS_ADMIN; the kernel
    // prints zeros for start and end to anyone else.
    out.push_back(Sprintf("%*s%0*llx-%0*llx : %s", depth * 2, "", width,
                          static_cast<unsigned long long>(Start(r)), width,
                          static_cast<unsigned long long>(End(r)),
                          r->name.c_str()));
  }
  return out;
}

absl::Status ResourceTree::CheckInvariants() const {
  for (const Resource* r = root_->child; r; r = NextResource(r)) {
    const Resource* parent = r->parent;
    if (parent == nullptr) {
      return model::InvariantViolation("RES-4",
                                       model::Cat(r->name, " has no parent"));
    }
    if (Start(r) > End(r)) {
      return model::InvariantViolation(
          "RES-3", Sprintf("%s [%#llx-%#llx] is inverted", r->name.c_str(),
                           static_cast<unsigned long long>(Start(r)),
                           static_cast<unsigned long long>(End(r))));
    }
    if (Start(r) < Start(parent) || End(r) > End(parent)) {
      return model::InvariantViolation(
          "RES-1",
          Sprintf("%s [%#llx-%#llx] outside %s [%#llx-%#llx]", r->name.c_str(),
                  static_cast<unsigned long long>(Start(r)),
                  static_cast<unsigned long long>(End(r)), parent->name.c_str(),
                  static_cast<unsigned long long>(Start(parent)),
                  static_cast<unsigned long long>(End(parent))));
    }
    if (r->sibling && End(r) >= Start(r->sibling)) {
      return model::InvariantViolation(
          "RES-2",
          Sprintf("%s [%#llx-%#llx] then %s [%#llx-%#llx]", r->name.c_str(),
                  static_cast<unsigned long long>(Start(r)),
                  static_cast<unsigned long long>(End(r)),
                  r->sibling->name.c_str(),
                  static_cast<unsigned long long>(Start(r->sibling)),
                  static_cast<unsigned long long>(End(r->sibling))));
    }
    for (const Resource* c = r->child; c; c = c->sibling) {
      if (c->parent != r) {
        return model::InvariantViolation(
            "RES-4", model::Cat(c->name, " is a child of ", r->name,
                                " but names another parent"));
      }
    }
  }
  for (const Resource* c = root_->child; c; c = c->sibling) {
    if (c->parent != root_) {
      return model::InvariantViolation(
          "RES-4", model::Cat(c->name, " is a child of ", root_->name,
                              " but names another parent"));
    }
  }
  return absl::OkStatus();
}

std::string PrintkResource(PhysAddr start, PhysAddr end, uint64_t flags,
                           bool raw) {
  // number() with SPECIAL prints "0x" for zero too, unlike printf's '#'.
  std::string out = Sprintf("[mem 0x%08llx-0x%08llx",
                            static_cast<unsigned long long>(start.value()),
                            static_cast<unsigned long long>(end.value()));
  if (raw) {
    out += Sprintf(" flags %#llx", static_cast<unsigned long long>(flags));
  }
  return out + "]";
}

}  // namespace memhp::hotplug
