// ZONE_DEVICE: mm/memremap.c (v6.1: Debian linux-source-6.1 6.1.192) and the
// struct dev_pagemap of include/linux/memremap.h. memremap_pages() gives a
// device's physical range struct pages in the node's ZONE_DEVICE (sparse
// sections or subsections, the zone span, the memmap), memunmap_pages() takes
// them away again; pgmap_array (an xarray keyed by pfn) answers
// get_dev_pagemap(), which pfn_to_online_page() asks when ZONE_DEVICE shares
// a section with online memory.
//
// The full path is the one device-dax and pmem use (MEMORY_DEVICE_GENERIC,
// MEMORY_DEVICE_FS_DAX). DEVICE_PRIVATE, DEVICE_COHERENT and PCI_P2PDMA get
// their type checks and the kernel's branches (add_pages() without a direct
// map for DEVICE_PRIVATE, no per-page references for PRIVATE/COHERENT), no
// more: their drivers (migrate_to_ram, page_free, p2pdma) are not modelled.
//
// Locks, as suspension points: mem_hotplug_lock for writing
// (mem_hotplug_begin/done) around the arch and zone work of each range;
// memunmap_pages() waits for the pagemap's references to drain
// (wait_for_completion(&pgmap->done)).
//
// Profiles: v6.1's memremap_pages() serves v5.3 .. v7.1 (DIVERGENCE: v5.3's
// took one resource, v7.1 reworked the references). v5.1
// (!profile.memremap_pages_exact_range) has its own devm_memremap_pages()
// and release, section aligned (kernel/memremap.c, v5.1): see
// DevmMemremapPages.
// Not modelled: pgprot (PAGE_KERNEL / decrypted / noncached),
// track_pfn_remap / untrack_pfn (x86 PAT memtypes: always succeed),
// kasan_add_zero_shadow (KASAN is off in Debian), percpu_ref_init and
// xa_store_range allocation failures, the devmap_managed_key static key,
// compound (vmemmap_shift) head/tail pages and the vmemmap deduplication of
// their tails (every struct page is initialised alike), the page refcounts
// and page->pgmap (the model's struct page has no pgmap field: the pagemap
// of a device pfn is the one pgmap_array holds for it).

#ifndef MEMHP_HOTPLUG_MEMREMAP_H_
#define MEMHP_HOTPLUG_MEMREMAP_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hotplug/machine.h"
#include "model/geometry.h"
#include "model/operation.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// enum memory_type (include/linux/memremap.h, v6.1). 0 is reserved to catch
// an uninitialised type field.
enum class MemoryType : int {
  kDevicePrivate = 1,
  kDeviceCoherent = 2,
  kDeviceFsDax = 3,
  kDeviceGeneric = 4,
  kDevicePciP2pdma = 5,
};

// PGMAP_ALTMAP_VALID: pgmap->altmap is to be used.
inline constexpr uint32_t kPgmapAltmapValid = 1u << 0;

// struct range (include/linux/range.h): both ends inclusive, as the kernel's
// pgmap->ranges[] are.
struct InclusiveRange {
  model::PhysAddr start;
  model::PhysAddr end;  // inclusive

  // The struct range of the half-open [r.start, r.end). REQUIRES: !r.empty().
  static InclusiveRange Of(model::PhysRange r);
  // range_len(): end - start + 1.
  model::ByteSize Len() const {
    return model::ByteSize(end.value() - start.value() + 1);
  }
};

// struct dev_pagemap_ops: which methods the driver provides (the model never
// calls them).
struct DevPagemapOps {
  bool page_free = false;
  bool migrate_to_ram = false;
  bool memory_failure = false;
};

// struct dev_pagemap (include/linux/memremap.h, v6.1). The driver owns it; a
// mapped pagemap must outlive its mapping (pgmap_array points at it).
struct DevPagemap {
  sparse::VmemAltmap altmap;  // used when flags has kPgmapAltmapValid
  MemoryType type{0};
  uint32_t flags = 0;
  uint32_t vmemmap_shift = 0;  // compound page order of the memmap
  const DevPagemapOps* ops = nullptr;
  const void* owner = nullptr;
  // How many of `ranges` are mapped. memremap_pages() counts it up from 0 as
  // each range is mapped and restores it when it fails.
  int nr_range = 0;
  std::vector<InclusiveRange> ranges;  // the union's range / ranges[]
  // v5.1: the flags of pgmap->res, which "%pr" prints (IORESOURCE_MEM for
  // the pmem and device-dax resources).
  uint64_t res_flags = kIoresourceMem;

  // The percpu_ref `ref` and the completion `done`, as counts:
  // percpu_ref_init() makes ref_count 1 and ref_live true;
  // percpu_ref_kill() drops that initial reference and clears ref_live;
  // `done` completes when a killed ref drains to 0
  // (dev_pagemap_percpu_release).
  int64_t ref_count = 0;
  bool ref_live = false;
  bool done = false;
};

// pgmap_altmap(pgmap): &pgmap->altmap when PGMAP_ALTMAP_VALID, else nullptr.
sparse::VmemAltmap* PgmapAltmap(DevPagemap& pgmap);

// Kernel: mm/memremap.c pgmap_pfn_valid (v6.1): pfn lies in one of the
// pagemap's mapped ranges and is not one of the altmap's pages at the start
// of the first range (the driver's reserve and the memmap itself, for which
// vmem_altmap_offset() says pfn_to_page() is not valid).
bool PgmapPfnValid(const model::Geometry& g, DevPagemap& pgmap, model::Pfn pfn);

// struct mhp_params, as memremap_pages() fills it (pgprot not modelled).
struct MhpParams {
  sparse::VmemAltmap* altmap = nullptr;
  const DevPagemap* pgmap = nullptr;
};

// The kernel's static pgmap_array (DEFINE_XARRAY, keyed by pfn) and the
// per-boot WARN_ONCE state of mm/memremap.c, for one machine. The caller
// owns it beside the Machine (Machine has no slot for it); construction
// installs Sparse::set_dev_pagemap_lookup() so pfn_to_online_page() sees
// ZONE_DEVICE pfns through GetDevPagemap(), destruction uninstalls it.
// REQUIRES: the machine outlives the registry.
//
// Invariants:
//  1. the stored pfn intervals are disjoint and non-empty; each names one
//     pagemap;
//  2. a pagemap is looked up by get_dev_pagemap() only while its ref is live.
// The kernel can leave a mapped pagemap without entries: a failed
// memremap_pages() of a range strictly inside a mapped one first overwrites,
// then erases the outer pagemap's entries for the inner range
// (xa_store_range, then pgmap_array_delete).
class DevPagemapRegistry {
 public:
  explicit DevPagemapRegistry(Machine& m);
  ~DevPagemapRegistry();
  DevPagemapRegistry(const DevPagemapRegistry&) = delete;
  DevPagemapRegistry& operator=(const DevPagemapRegistry&) = delete;

  // xa_store_range(&pgmap_array, first, last, pgmap): every pfn of
  // [first, last] maps to pgmap, or to nothing for nullptr.
  // DIVERGENCE: a store over part of an existing multi-index entry is
  // modelled as splitting it (the xarray's entries are power-of-two chunks;
  // memremap_pages only overwrites whole entries, but may erase part of one).
  void StoreRange(model::Pfn first, model::Pfn last, DevPagemap* pgmap);
  // xa_load(&pgmap_array, pfn): no reference taken.
  DevPagemap* Load(model::Pfn pfn) const;
  // The stored intervals, [first, last] inclusive, in order.
  struct Entry {
    model::Pfn first;
    model::Pfn last;
    DevPagemap* pgmap;
  };
  std::vector<Entry> Entries() const;

  // Kernel: mm/memremap.c get_dev_pagemap (v6.1): with `pgmap` given and
  // covering pfn (its first range only, as the kernel's pgmap->range),
  // pgmap as it is; otherwise its reference is dropped and pgmap_array is
  // asked: the pagemap holding pfn with a new reference, or nullptr when
  // there is none or its ref is no longer live (percpu_ref_tryget_live).
  DevPagemap* GetDevPagemap(model::Pfn pfn, DevPagemap* pgmap);
  // put_dev_pagemap(pgmap): drops one reference (nullptr: nothing).
  void PutDevPagemap(DevPagemap* pgmap);

  // WARN_ONCE bookkeeping: true the first time `site` asks (the kernel's
  // __warned of that call site), false after.
  bool FirstWarn(std::string_view site);

  Machine& machine() { return m_; }

 private:
  struct Stored {
    uint64_t last;
    DevPagemap* pgmap;
  };
  Machine& m_;
  std::map<uint64_t, Stored> entries_;  // first pfn -> [first, last]
  std::set<std::string> warned_;
};

// Kernel: mm/memremap.c memremap_pages (v6.1). In order: WARN_ONCE "nr_range
// must be specified" (-EINVAL); the type checks (DEVICE_PRIVATE: "Missing
// migrate_to_ram method", "Missing page_free method", "Missing owner";
// DEVICE_COHERENT: "Missing page_free method", "Missing owner"; each WARN and
// -EINVAL; an unknown type WARNs "Invalid pgmap type %d" and goes on);
// percpu_ref_init; then pagemap_range() for each range, counting
// pgmap.nr_range up. When a range fails, memunmap_pages() unmaps the ranges
// mapped so far, nr_range is restored and the range's error returned.
//
// pagemap_range(), per range: WARN_ONCE "altmap not supported for multiple
// ranges" (-EINVAL) for an altmap with a second range; WARN "Conflicting
// mapping in same section" (-ENOMEM) when pgmap_array already holds the
// range's first or last pfn; WARN_ONCE "attempted on ram|mixed region
// %#llx-%#llx" (-ENXIO) unless region_intersects(System RAM) is DISJOINT;
// the pgmap_array store; mhp_range_allowed (-EINVAL); under mem_hotplug_lock
// arch_add_memory (x86: init_memory_mapping + add_pages with the altmap;
// DEVICE_PRIVATE: add_pages only) and, when it succeeded,
// move_pfn_range_to_zone(ZONE_DEVICE); after the lock
// memmap_init_zone_device(); on failure the pgmap_array entries go again.
// x86's add_pages does not raise max_pfn for a pagemap.
//
// `nid` < 0 means numa_mem_id(): node 0 in the model (DIVERGENCE: the
// model's CPUs all sit on node 0). Returns 0 (the kernel returns
// __va(pgmap->ranges[0].start)) or -errno (the kernel's ERR_PTR).
// REQUIRES: nr_range <= ranges.size(); NODE_DATA(nid) exists; a
// DEVICE_COHERENT pagemap has ops (the kernel dereferences them); the
// geometry has SPARSEMEM_VMEMMAP (ZONE_DEVICE depends on it).
model::Operation<int> MemremapPages(Machine& m, DevPagemapRegistry& pgmap_array,
                                    DevPagemap& pgmap, model::NodeId nid);

// Kernel: mm/memremap.c memunmap_pages (v6.1): kills the ref, drops the
// per-range references (not for PRIVATE/COHERENT), waits until the ref has
// drained (a suspension point for as long as someone holds a reference:
// run alone with a reference outstanding, it never completes, as the
// kernel's task hangs), then pageunmap_range() for each of the nr_range
// ranges: under mem_hotplug_lock remove_pfn_range_from_zone (the struct
// pages are poisoned; ZONE_DEVICE's span stays), __remove_pages (PRIVATE)
// or arch_remove_memory with the altmap; then the pgmap_array entries are
// erased. Last WARN_ONCE "failed to free all reserved pages" when the
// altmap still has pages allocated. Always returns true (the kernel's is
// void).
model::Operation<bool> MemunmapPages(Machine& m,
                                     DevPagemapRegistry& pgmap_array,
                                     DevPagemap& pgmap);

// Kernel: mm/memremap.c devm_memremap_pages (v6.1): memremap_pages() with
// the device's node (dev_to_node(dev)).
// v5.1 (Kernel: kernel/memremap.c devm_memremap_pages, v5.1): one resource
// (REQUIRES nr_range == 1), widened to whole sections: align_start =
// start & ~(SECTION_SIZE - 1), align_size up to the next section boundary.
// In order: WARN "Conflicting mapping in same section" (-ENOMEM) when
// pgmap_array holds the first or the last pfn of the aligned range; WARN_ONCE
// "devm_memremap_pages attempted on ram|mixed region %pr" (-ENXIO) unless
// region_intersects(aligned range, System RAM) is DISJOINT; pgmap_array gets
// the resource's own pfns only; under mem_hotplug_lock add_pages()
// (DEVICE_PRIVATE) or arch_add_memory() of the aligned range (every
// section it touches is added whole, one already valid is skipped: see
// AddPages) and move_pfn_range_to_zone(ZONE_DEVICE) of it; then
// memmap_init_zone_device() of the aligned range (the padding's struct pages
// become ZONE_DEVICE pages too) and a reference per resource page. x86's
// add_pages() raises max_pfn. No type checks (v5.1 has none here). On
// failure the driver's pgmap->kill() kills the reference.
// DIVERGENCE: there is no devres in the model: the caller remembers to call
// DevmMemunmapPages (the kernel's devm_add_action_or_reset registers it for
// driver detach, and its -ENOMEM is not modelled).
model::Operation<int> DevmMemremapPages(Machine& m,
                                        DevPagemapRegistry& pgmap_array,
                                        model::NodeId dev_node,
                                        DevPagemap& pgmap);
// Kernel: mm/memremap.c devm_memunmap_pages (v6.1): devm_release_action
// runs devm_memremap_pages_release, i.e. memunmap_pages().
// v5.1 (Kernel: kernel/memremap.c devm_memremap_pages_release, v5.1): the
// reference is killed and the per-page references dropped, without waiting
// for the others; the node of the struct page at align_start (a BUG when it
// is poisoned); under mem_hotplug_lock, section by section of the aligned
// range, __remove_zone (the Device zone's span shrinks) and the section's
// removal, stopping at a section that is not valid (x86: WARN_ON_ONCE);
// then the pgmap_array entries go and "devm_memremap_pages_release: failed
// to free all reserved pages" is warned once when altmap pages are still
// allocated. Returns false when a struct page read oopsed.
// DIVERGENCE: without devres, the WARN devm_release_action prints for a
// pagemap that was never registered cannot happen.
model::Operation<bool> DevmMemunmapPages(Machine& m,
                                         DevPagemapRegistry& pgmap_array,
                                         DevPagemap& pgmap);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMREMAP_H_
