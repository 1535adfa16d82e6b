// Human-readable views of the sparsemem model, for the command line: the
// geometry and every touched mem_section, and what the pfn predicates answer
// at the interesting pfns of a boot layout.

#ifndef MEMHP_SPARSE_DESCRIBE_H_
#define MEMHP_SPARSE_DESCRIBE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sparse/sparse.h"

namespace memhp::sparse {

// Section flag bits as "PRESENT|HAS_MEM_MAP|ONLINE|EARLY|TAINT_ZONE_DEVICE"
// (the SECTION_* names without their prefix), in bit order; unknown bits as
// a trailing hex value; "0" for none.
std::string SectionFlagNames(uint32_t flags);

// A header with the geometry and profile (PAGE_SHIFT, SECTION_SIZE_BITS,
// MAX_PHYSMEM_BITS, PAGES_PER_SECTION, PAGES_PER_SUBSECTION,
// SUBSECTIONS_PER_SECTION, NR_MEM_SECTIONS, SECTIONS_PER_ROOT, roots
// allocated), then one line per section of Sparse::SectionStates(): number,
// pfn range, flags, early nid (if any), usage and subsection_map.
std::vector<std::string> DescribeSections(const Sparse& s);

// A table of pfn_valid(), pfn_in_present_section(), pfn_to_online_page() and
// the memmap state at: pfn 0, each region's start, end - 1 and end (the end
// is the first pfn of the hole after it, if any), the start of every touched
// section, the first pfn after the highest present section and the first pfn
// sparsemem cannot hold (1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT)). Sorted, each
// pfn once. Non-const because the predicates may log what the kernel would
// print (a NULL dereference on some profiles).
std::vector<std::string> DescribePfnProbes(
    Sparse& s, const std::vector<MemblockRegion>& layout);

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_DESCRIBE_H_
