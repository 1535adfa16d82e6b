// The iomem resource tree: kernel/resource.c and include/linux/ioport.h
// (v6.1: Debian linux-source-6.1 6.1.192).
//
// Requesting:  RequestResourceConflict / RequestResource (a free slot
//              among the siblings under `root`), RequestRegion /
//              RequestMemRegion (__request_region: a BUSY region, nesting
//              under non-busy conflicts), ReleaseResource, ReleaseRegion /
//              ReleaseMemRegion.
// Producers:   InsertResourceConflict / InsertResource (adopting the fully
//              contained conflicts as children), InsertResourceExpandToFit,
//              RemoveResource (children move up), AdjustResource.
// Hotplug:     ReleaseMemRegionAdjustable (hot-remove: frees, trims or
//              splits the busy resource holding the range),
//              MergeSystemRamResource (hot-add: merges adjacent mergeable
//              System RAM).
// Queries:     RegionIntersects, FindNextIomemRes, WalkIomemResDesc,
//              WalkSystemRamRes, WalkSystemRamRange, PageIsRam.
// Rendering:   IomemLines (/proc/iomem as r_show prints it).
//
// Resources keep the kernel's inclusive `end`. A resource is allocated by
// the tree (ResourceTree::Alloc, the kernel's kzalloc + fill) and is owned by
// it for the tree's lifetime: a Resource* is a stable handle, also after it
// was released (the kernel would kfree it; the model keeps it detached, with
// parent == nullptr, so a caller's handle never dangles).
//
// DIVERGENCE: no resource_lock (operations are atomic steps here), no
// ioport_resource (only iomem_resource is modelled; the functions still
// take the kernel's `root`/`parent` argument), no IORESOURCE_MUXED waits,
// no allocate_resource / reallocate_resource / release_child_resources yet.

#ifndef MEMHP_HOTPLUG_RESOURCE_H_
#define MEMHP_HOTPLUG_RESOURCE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/types.h"

namespace memhp::hotplug {

// IORESOURCE_* flags (include/linux/ioport.h), the kernel's bit values.
inline constexpr uint64_t kIoresourceTypeBits = 0x00001f00;
inline constexpr uint64_t kIoresourceIo = 0x00000100;
inline constexpr uint64_t kIoresourceMem = 0x00000200;
inline constexpr uint64_t kIoresourceMuxed = 0x00400000;
inline constexpr uint64_t kIoresourceExtTypeBits = 0x01000000;
inline constexpr uint64_t kIoresourceSysram = 0x01000000;
inline constexpr uint64_t kIoresourceSysramDriverManaged = 0x02000000;
inline constexpr uint64_t kIoresourceSysramMergeable = 0x04000000;
inline constexpr uint64_t kIoresourceExclusive = 0x08000000;
inline constexpr uint64_t kIoresourceDisabled = 0x10000000;
inline constexpr uint64_t kIoresourceUnset = 0x20000000;
inline constexpr uint64_t kIoresourceAuto = 0x40000000;
inline constexpr uint64_t kIoresourceBusy = 0x80000000;
inline constexpr uint64_t kIoresourceSystemRam =
    kIoresourceMem | kIoresourceSysram;

// enum IORES_DESC_* (include/linux/ioport.h).
enum class IoresDesc : int {
  kNone = 0,
  kCrashKernel = 1,
  kAcpiTables = 2,
  kAcpiNvStorage = 3,
  kPersistentMemory = 4,
  kPersistentMemoryLegacy = 5,
  kDevicePrivateMemory = 6,
  kReserved = 7,
  kSoftReserved = 8,
  kCxl = 9,
};

// REGION_* (include/linux/mm.h), the kernel's values.
enum class RegionIntersection : int {
  kIntersects = 0,  // REGION_INTERSECTS
  kDisjoint = 1,    // REGION_DISJOINT
  kMixed = 2,       // REGION_MIXED
};
std::string_view RegionIntersectionName(RegionIntersection r);

// Kernel: lib/vsprintf.c resource_string (v6.1) for an IORESOURCE_MEM
// resource: %pR "[mem 0x...-0x...]" (each number at least 10 characters
// with its "0x", mem_spec; no decoded flags for plain MEM) or, raw, %pr
// "[mem 0x...-0x... flags 0x...]".
std::string PrintkResource(model::PhysAddr start, model::PhysAddr end,
                           uint64_t flags, bool raw);

// struct resource.
struct Resource {
  std::string name;
  model::PhysAddr start;
  model::PhysAddr end;  // inclusive, as the kernel's
  uint64_t flags = 0;
  IoresDesc desc = IoresDesc::kNone;
  Resource* parent = nullptr;
  Resource* sibling = nullptr;
  Resource* child = nullptr;

  // resource_size(): end - start + 1 (u64, wraps for the whole space).
  uint64_t Size() const { return end.value() - start.value() + 1; }
};

// A found part of a resource (find_next_iomem_res's copy: clipped to the
// searched range, no name, not in the tree).
struct IomemRes {
  model::PhysAddr start;
  model::PhysAddr end;  // inclusive
  uint64_t flags = 0;
  IoresDesc desc = IoresDesc::kNone;
  const Resource* parent = nullptr;
};

// iomem_resource and every resource requested or inserted under it.
//
// Invariants (CheckInvariants, over the resources reachable from root()):
//  RES-1  a child lies inside its parent: parent->start <= start and
//         end <= parent->end;
//  RES-2  siblings are sorted and disjoint: r->end < r->sibling->start;
//  RES-3  start <= end;
//  RES-4  a child's parent pointer names the resource whose child list
//         holds it.
// The kernel can leave RES-3 broken: AdjustResource(res, start, 0) is
// accepted and makes end = start - 1 (__adjust_resource checks no size).
class ResourceTree {
 public:
  // iomem_resource: "PCI mem", [0, end], IORESOURCE_MEM. On x86 setup_arch
  // sets end = (1 << x86_phys_bits) - 1. `log` receives the kernel's printks
  // and WARNs; it must outlive the tree.
  ResourceTree(model::PhysAddr end, model::EventLog* log);
  ResourceTree(const ResourceTree&) = delete;
  ResourceTree& operator=(const ResourceTree&) = delete;

  Resource* root() { return root_; }
  const Resource* root() const { return root_; }

  // A new detached resource [start, end] (end inclusive), owned by the tree.
  Resource* Alloc(std::string name, model::PhysAddr start, model::PhysAddr end,
                  uint64_t flags, IoresDesc desc = IoresDesc::kNone);

  // --- requesting --------------------------------------------------------

  // request_resource_conflict(root, new): links `new` among root's children
  // when it lies inside root and overlaps none of them. Returns nullptr on
  // success, else the conflict: root itself when new is inverted or outside
  // root, otherwise the first child that overlaps (new itself when it is
  // already there). Never descends.
  Resource* RequestResourceConflict(Resource* root, Resource* new_res);
  // request_resource(root, new). Errors: EBUSY on any conflict.
  absl::Status RequestResource(Resource* root, Resource* new_res);

  // release_resource(old): unlinks old together with its subtree (the
  // children stay old's children). Errors: EINVAL when old is not found
  // among its parent's children.
  // REQUIRES: old->parent != nullptr (the kernel dereferences it).
  absl::Status ReleaseResource(Resource* old);

  // __request_region(parent, start, n, name, flags): a new resource
  // [start, start + n - 1] with IORESOURCE_BUSY | flags and the type bits
  // and desc of the resource it ends up under. A conflict that is not busy
  // (and is not the current parent) becomes the parent and the request is
  // retried inside it; a busy conflict, or the parent itself (outside it),
  // fails. Returns the new resource, or nullptr (the kernel's NULL) on
  // failure. Logs "Unaddressable device ..." for each conflict with
  // IORES_DESC_DEVICE_PRIVATE_MEMORY, as the kernel does.
  // REQUIRES: flags has no IORESOURCE_MUXED (the kernel would sleep).
  Resource* RequestRegion(Resource* parent, model::PhysAddr start,
                          model::ByteSize n, std::string name, uint64_t flags);
  // request_mem_region(start, n, name): RequestRegion(root(), ..., 0).
  Resource* RequestMemRegion(model::PhysAddr start, model::ByteSize n,
                             std::string name);

  // __release_region(parent, start, n): descends through non-busy resources
  // that contain [start, start + n - 1] and unlinks the busy one that
  // equals it exactly. Its children are dropped with it (the kernel frees
  // the region and leaves them pointing at it). Otherwise pr_warn
  // "Trying to free nonexistent resource <%pa-%pa>" and nothing changes.
  // Returns the released region (detached) or nullptr; the kernel's is void.
  Resource* ReleaseRegion(Resource* parent, model::PhysAddr start,
                          model::ByteSize n);
  // release_mem_region(start, n).
  Resource* ReleaseMemRegion(model::PhysAddr start, model::ByteSize n);

  // --- producers ---------------------------------------------------------

  // insert_resource_conflict(parent, new): as RequestResourceConflict, but
  // descends into a conflict that contains new (and is not equal to it),
  // and where the conflicts at that level all lie inside new, new adopts
  // them as children. Returns nullptr on success, else the conflict: parent
  // (outside it), a resource equal to new, or the first one that overlaps
  // new partially, or new itself (with the kernel's WARN_ON) when it is
  // already in the tree on that path.
  Resource* InsertResourceConflict(Resource* parent, Resource* new_res);
  // insert_resource(parent, new). Errors: EBUSY on any conflict.
  absl::Status InsertResource(Resource* parent, Resource* new_res);
  // insert_resource_expand_to_fit(root, new): grows new to cover each
  // partial conflict (pr_info "Expanded resource %s due to conflict with
  // %s") until it inserts; gives up silently when the conflict is root.
  // Does nothing when new already has a parent.
  void InsertResourceExpandToFit(Resource* root, Resource* new_res);
  // remove_resource(old): unlinks old, its children take its place among
  // its siblings. Errors: EINVAL when old is not found.
  // REQUIRES: old->parent != nullptr.
  absl::Status RemoveResource(Resource* old);
  // adjust_resource(res, start, size): moves/resizes res to
  // [start, start + size - 1] when it stays inside its parent, clear of its
  // neighbours and around all its children. Errors: EBUSY otherwise.
  absl::Status AdjustResource(Resource* res, model::PhysAddr start,
                              model::ByteSize size);

  // --- memory hotplug ----------------------------------------------------

  // Kernel: kernel/resource.c release_mem_region_adjustable (v6.1,
  // CONFIG_MEMORY_HOTREMOVE). Releases [start, start + size - 1] from the
  // busy resource that holds it, found under root() by descending through
  // non-busy IORESOURCE_MEM resources that contain the range: a resource
  // equal to the range is unlinked (its children go with it, still pointing
  // at it); one sharing an edge is trimmed with __adjust_resource; one
  // holding the range in its middle is split, the new upper piece taking
  // its name, flags and desc but none of its children. WARN_ON_ONCE and
  // nothing changes when the range leaves root() or when a trim or split
  // would leave a child outside (__adjust_resource fails). Silently does
  // nothing when no busy resource holds the whole range, when a containing
  // resource is not IORESOURCE_MEM, or when a resource starting at or after
  // the range's inclusive end is reached first (so a 1-byte range at a
  // resource's first byte is never released).
  void ReleaseMemRegionAdjustable(model::PhysAddr start, model::ByteSize size);

  // Kernel: kernel/resource.c merge_system_ram_resource (v6.1,
  // CONFIG_MEMORY_HOTPLUG). Marks res IORESOURCE_SYSRAM_MERGEABLE, then
  // merges its next sibling into it and res into its previous sibling, each
  // when system_ram_resources_mergeable holds: equal flags (so both
  // mergeable), adjacent, same name and desc, neither has children. A
  // merged-away resource is detached (the kernel frees it; res itself when
  // it merged into its predecessor). WARN_ON_ONCE and nothing changes unless
  // res has IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY.
  // REQUIRES: res->parent != nullptr when res has those flags (the kernel
  // dereferences it).
  void MergeSystemRamResource(Resource* res);

  // --- queries -----------------------------------------------------------

  // region_intersects(start, size, flags, desc) over root()'s children:
  // DISJOINT when no resource of flags/desc (IORES_DESC_NONE: any desc)
  // overlaps [start, start + size - 1]; INTERSECTS when some do and every
  // other top-level resource overlapping the region is covered, where it
  // overlaps, by matching descendants (holes do not count); else MIXED.
  RegionIntersection RegionIntersects(model::PhysAddr start,
                                      model::ByteSize size, uint64_t flags,
                                      IoresDesc desc) const;

  // find_next_iomem_res(start, end, flags, desc, res): the lowest resource
  // of flags/desc covering part of [start, end] (end inclusive), descending
  // only into top-level resources that overlap the range, clipped to it.
  // Returns 0 and fills *res, -ENODEV when none, -EINVAL when start >= end.
  int FindNextIomemRes(model::PhysAddr start, model::PhysAddr end,
                       uint64_t flags, IoresDesc desc, IomemRes* res) const;

  // Callbacks return 0 to continue; anything else stops the walk and is
  // returned.
  using ResFunc = std::function<int(const IomemRes&)>;
  using PfnFunc = std::function<int(model::Pfn, model::NrPages)>;

  // walk_iomem_res_desc(desc, flags, start, end, func): func on each match
  // in address order. Returns func's last value, or -EINVAL when nothing
  // matched (also for an empty range).
  int WalkIomemResDesc(IoresDesc desc, uint64_t flags, model::PhysAddr start,
                       model::PhysAddr end, const ResFunc& func) const;
  // walk_system_ram_res(start, end, func): IORESOURCE_SYSTEM_RAM | BUSY.
  int WalkSystemRamRes(model::PhysAddr start, model::PhysAddr end,
                       const ResFunc& func) const;
  // walk_system_ram_range(start_pfn, nr_pages, func): System RAM (busy) in
  // [start_pfn, start_pfn + nr_pages), each piece rounded inwards to whole
  // pages (pieces without a whole page are skipped). Returns func's last
  // value, or -EINVAL when func was never called.
  int WalkSystemRamRange(const model::Geometry& geometry, model::Pfn start_pfn,
                         model::NrPages nr_pages, const PfnFunc& func) const;
  // page_is_ram(pfn) (the generic __weak one).
  bool PageIsRam(const model::Geometry& geometry, model::Pfn pfn) const;

  // --- rendering and checking --------------------------------------------

  // /proc/iomem as root reads it: r_show's "%*s%0*llx-%0*llx : %s" for each
  // resource in pre-order (next_resource), indented two spaces a level with
  // the depth capped at MAX_IORES_LEVEL (5), width 8, or 4 when root ends
  // below 0x10000.
  std::vector<std::string> IomemLines() const;

  // RES-1..4 over the tree. Errors: InvariantViolation "RES-n: ..." for the
  // first broken one.
  absl::Status CheckInvariants() const;

 private:
  model::EventLog* log_;
  std::deque<Resource> storage_;
  Resource* root_;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_RESOURCE_H_
