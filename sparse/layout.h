// The boot memory layout as the kernel prints it: the "Early memory node
// ranges" block of free_area_init() (mm/page_alloc.c, v6.1), one line per
// memblock.memory range,
//
//   Early memory node ranges
//     node   0: [mem 0x0000000000001000-0x000000000009efff]
//
// printed with "  node %3d: [mem %#018Lx-%#018Lx]\n", nid,
// PFN_PHYS(start_pfn), PFN_PHYS(end_pfn) - 1 (the end is inclusive).
//
// Grammar of a layout file, line by line:
//   [whitespace] [dmesg timestamp "[    0.000000]"] [whitespace] then one of
//     nothing                            (a blank line)
//     "#" anything                       (a comment)
//     "Early memory node ranges"         (the kernel's header, skipped)
//     "node" NID ":" "[mem" START "-" END "]"
//   and optional trailing whitespace. NID is decimal in 0..1023
//   (MAX_NUMNODES with NODES_SHIFT 10); START and END are hex with "0x".

#ifndef MEMHP_SPARSE_LAYOUT_H_
#define MEMHP_SPARSE_LAYOUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/geometry.h"
#include "sparse/sparse.h"

namespace memhp::sparse {

// MAX_NUMNODES of the configurations modelled (x86_64 Debian: NODES_SHIFT 10).
inline constexpr int kMaxNumNodes = 1024;

// The memblock regions of a layout, in file order.
// Guarantees on success: at least one region; every region is non-empty and
// below geometry.MaxSparsemPfn(); regions are in ascending order and do not
// overlap (they may touch).
// Errors: InvalidArgument "file:line:col: expected ..." (model::BadInput) for
// the first offending token; an empty layout is reported at file:1:1.
absl::StatusOr<std::vector<MemblockRegion>> ParseLayout(
    std::string_view text, std::string_view file, const model::Geometry& g);

// The kernel's lines for `regions`: the "Early memory node ranges" header,
// then one "  node %3d: [mem %#018Lx-%#018Lx]" line per region, each ending
// in '\n'. ParseLayout(FormatLayout(x)) == x for every x ParseLayout returns.
std::string FormatLayout(const std::vector<MemblockRegion>& regions,
                         const model::Geometry& g);

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_LAYOUT_H_
