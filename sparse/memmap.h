// The state of the memmap (the struct pages) of every pfn, as an interval
// map: memory in proportion to the number of distinct runs, not to the
// address space.
//
// A struct page is
//   absent       no memmap backs it (never populated, or depopulated):
//                reading it faults;
//   poisoned     backed but uninitialised: boot memmap before memmap_init,
//                or hot-added memmap after page_init_poison() (0xff bytes);
//                PF_POISONED_CHECK / VM_BUG_ON_PAGE(PagePoisoned(p)) catch a
//                reader;
//   initialised  __init_single_page() ran: zone and node are known; it may
//                be PageReserved (boot holes, memblock.reserved) and
//                PageOffline (hot-added and not onlined, v6.8+ style).
//
// Invariants:
//  1. runs are disjoint, non-empty and sorted;
//  2. two adjacent runs never hold equal states (they are merged);
//  3. absent pfns are not stored.

#ifndef MEMHP_SPARSE_MEMMAP_H_
#define MEMHP_SPARSE_MEMMAP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "model/range.h"
#include "model/types.h"

namespace memhp::sparse {

enum class MemmapKind : uint8_t { kAbsent, kPoisoned, kInitialised };

struct PageState {
  MemmapKind kind = MemmapKind::kAbsent;
  int zone = -1;  // zone index (enum zone_type); -1 before initialisation
  model::NodeId nid = model::kNumaNoNode;
  bool reserved = false;  // PageReserved
  bool offline = false;   // PageOffline
  // PageReserved too: a boot allocation that memblock never freed
  // (reserve_bootmem_region). Kept apart from `reserved`, which the
  // model uses for holes and not-yet-onlined pages, because these pages
  // are present memory.
  bool boot_allocated = false;

  bool PageReserved() const { return reserved || boot_allocated; }

  static PageState Absent() { return {}; }
  static PageState Poisoned() { return {.kind = MemmapKind::kPoisoned}; }
  static PageState Initialised(int zone, model::NodeId nid,
                               bool reserved = false) {
    return {.kind = MemmapKind::kInitialised,
            .zone = zone,
            .nid = nid,
            .reserved = reserved};
  }
  bool operator==(const PageState&) const = default;
};

std::string ToString(const PageState& s);

class Memmap {
 public:
  // Every pfn of `r` takes state `s`.
  void Assign(model::PfnRange r, const PageState& s);
  PageState Get(model::Pfn pfn) const;
  // Calls fn(run, state) for the maximal runs of equal state inside `r`,
  // absent runs included, in order.
  void ForEach(
      model::PfnRange r,
      const std::function<void(model::PfnRange, const PageState&)>& fn) const;
  // True when every pfn of `r` has kind `k`.
  bool All(model::PfnRange r, MemmapKind k) const;
  size_t NumRuns() const { return runs_.size(); }
  // Approximate heap bytes of the map (node size times runs).
  size_t HeapBytes() const;

  bool operator==(const Memmap& o) const { return runs_ == o.runs_; }

 private:
  struct Run {
    uint64_t end;
    PageState state;
    bool operator==(const Run&) const = default;
  };
  // Splits so that a run boundary falls at `at`.
  void SplitAt(uint64_t at);
  void MergeAround(uint64_t start, uint64_t end);

  std::map<uint64_t, Run> runs_;  // start -> run
};

}  // namespace memhp::sparse

#endif  // MEMHP_SPARSE_MEMMAP_H_
