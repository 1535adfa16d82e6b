// The range-level entry points of mm/memory_hotplug.c (v6.1) that sit
// directly on the sparse model: mhp_range_allowed / mhp_get_pluggable_range,
// check_hotplug_memory_range, __add_pages and __remove_pages /
// __remove_section. add_memory() and friends build on these. Before
// sub-section hotplug (v5.1, !profile.subsection_hotplug) __add_pages and
// __remove_pages work in whole sections.

#ifndef MEMHP_HOTPLUG_ADD_PAGES_H_
#define MEMHP_HOTPLUG_ADD_PAGES_H_

#include "absl/status/status.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// Kernel: mm/memory_hotplug.c mhp_range_allowed (v6.1), with the generic
// arch_get_mappable_range() (x86: everything) and PHYSMEM_END =
// 2^MAX_PHYSMEM_BITS - 1. Prints "Hotplug memory [%#llx-%#llx] exceeds
// maximum addressable range [%#llx-%#llx]" when refusing.
bool MhpRangeAllowed(sparse::Sparse& sparse, model::PhysAddr start,
                     model::ByteSize size, bool need_mapping);

// Kernel: mm/memory_hotplug.c check_hotplug_memory_range (v6.1).
// Errors: -EINVAL with "Block size [%#lx] unaligned hotplug range: start
// %#llx, size %#llx" when size is 0 or start/size are not multiples of the
// memory block size.
absl::Status CheckHotplugMemoryRange(sparse::Sparse& sparse,
                                     model::PhysAddr start,
                                     model::ByteSize size,
                                     model::ByteSize memory_block_size);

// Kernel: mm/memory_hotplug.c __add_pages (v6.1): checks the altmap ("memory
// add fail, invalid altmap", once), the pfn span (WARN "Misaligned
// __add_pages ..."), then sparse_add_section() section by section. A
// failing section stops the loop; the sections added before it stay (the
// kernel does not roll back here).
// v5.1 (Kernel: mm/memory_hotplug.c __add_pages and __add_section, v5.1):
// the altmap check, then every section from that of pfn to that of the last
// pfn is added whole: __add_section() returns -EEXIST for a section whose
// first pfn is valid, else sparse_add_one_section(); -EEXIST does not stop
// the loop ("dealt with by ioresource collision check") and is not
// returned, any other error stops it.
// REQUIRES: mhp_range_allowed(pfn, nr_pages) (the kernel VM_BUG_ONs).
// Errors: -EINVAL (altmap, misaligned), and sparse_add_section's -EEXIST,
// -ENOMEM, -EINVAL; v5.1: sparse_add_one_section's -ENOMEM.
absl::Status AddPages(sparse::Sparse& sparse, model::NodeId nid, model::Pfn pfn,
                      model::NrPages nr_pages, sparse::VmemAltmap* altmap);

// Kernel: mm/memory_hotplug.c __remove_pages and __remove_section (v6.1;
// v7.1 has the validity WARN in sparse_remove_section instead). A misaligned
// span WARNs and removes nothing; each section that is not valid WARNs once
// (WARN_ON_ONCE) and is skipped. Returns 0.
// v5.1 (Kernel: mm/memory_hotplug.c __remove_pages, __remove_section, v5.1,
// as David Hildenbrand's April 2019 series found them): BUG_ON a pfn or
// nr_pages that is not section aligned (the kernel BUG is logged, nothing
// removed, -EINVAL returned); then section by section, __remove_section()
// returns -EINVAL without a word for a section that is not valid, which
// stops the loop and is returned (x86's arch_remove_memory WARN_ON_ONCEs
// it); a valid one goes with sparse_remove_one_section().
// DIVERGENCE (v5.1): __remove_pages() also releases the System RAM resource
// of a non-ZONE_DEVICE zone before the BUG_ONs ("Unable to release
// resource <%pa-%pa> (%d)"), and __remove_section() unregisters the
// section's memory block and shrinks the zone; the model's callers do these
// (try_remove_memory, __remove_zone), in v5.3's order.
int RemovePages(sparse::Sparse& sparse, model::Pfn pfn, model::NrPages nr_pages,
                sparse::VmemAltmap* altmap);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ADD_PAGES_H_
