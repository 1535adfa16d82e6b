// The range-level entry points of mm/memory_hotplug.c (v6.1) that sit
// directly on the sparse model: mhp_range_allowed / mhp_get_pluggable_range,
// check_hotplug_memory_range, __add_pages and __remove_pages /
// __remove_section. add_memory() and friends build on these.

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
// REQUIRES: mhp_range_allowed(pfn, nr_pages) (the kernel VM_BUG_ONs).
// Errors: -EINVAL (altmap, misaligned), and sparse_add_section's -EEXIST,
// -ENOMEM, -EINVAL.
absl::Status AddPages(sparse::Sparse& sparse, model::NodeId nid, model::Pfn pfn,
                      model::NrPages nr_pages, sparse::VmemAltmap* altmap);

// Kernel: mm/memory_hotplug.c __remove_pages and __remove_section (v6.1;
// v7.1 has the validity WARN in sparse_remove_section instead). A misaligned
// span WARNs and removes nothing; each section that is not valid WARNs once
// (WARN_ON_ONCE) and is skipped.
void RemovePages(sparse::Sparse& sparse, model::Pfn pfn,
                 model::NrPages nr_pages, sparse::VmemAltmap* altmap);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ADD_PAGES_H_
