// The subsection_map of a mem_section_usage: one bit per 2 MiB sub-section,
// SUBSECTIONS_PER_SECTION bits (8 on ppc64 up to 512 on arm64-4k v5.3), and
// the bitmap_* operations mm/sparse.c applies to it.
//
// Invariants:
//  1. bits at or above size() are never set.

#ifndef MEMHP_SPARSE_SUBSECTION_MAP_H_
#define MEMHP_SPARSE_SUBSECTION_MAP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "model/types.h"

namespace memhp::sparse {

class SubsectionMap {
 public:
  // REQUIRES: nbits > 0.
  explicit SubsectionMap(uint64_t nbits);

  uint64_t size() const { return nbits_; }
  bool Test(model::SubsectionIdx i) const;
  // bitmap_set(map, first, last - first + 1). REQUIRES: first <= last < size.
  void SetRange(model::SubsectionIdx first, model::SubsectionIdx last);
  bool Empty() const;                             // bitmap_empty
  bool Intersects(const SubsectionMap& o) const;  // bitmap_intersects
  bool IsSubsetOf(const SubsectionMap& o) const;  // bitmap_and == self
  void Or(const SubsectionMap& o);                // bitmap_or
  void Xor(const SubsectionMap& o);               // bitmap_xor
  uint64_t Count() const;                         // bitmap_weight
  // Bit 0 first, '1' set and '.' clear: "........1111".
  std::string ToString() const;
  // Heap bytes owned (for the memory-footprint accounting).
  size_t HeapBytes() const { return words_.capacity() * sizeof(uint64_t); }

  bool operator==(const SubsectionMap&) const = default;

 private:
  uint64_t nbits_;
  std::vector<uint64_t> words_;
};

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_SUBSECTION_MAP_H_
