#include "sparse/memmap.h"

#include "model/check.h"
#include "model/strings.h"

namespace memhp::sparse {

std::string ToString(const PageState& s) {
  switch (s.kind) {
    case MemmapKind::kAbsent:
      return "absent";
    case MemmapKind::kPoisoned:
      return "poisoned";
    case MemmapKind::kInitialised:
      return model::Cat("zone ", s.zone, " node ", s.nid.value(),
                        s.reserved ? " reserved" : "",
                        s.offline ? " offline" : "",
                        s.boot_allocated ? " boot-allocated" : "");
  }
  return "?";
}

void Memmap::SplitAt(uint64_t at) {
  auto it = runs_.upper_bound(at);
  if (it == runs_.begin()) return;
  --it;
  if (it->first < at && at < it->second.end) {
    Run tail = it->second;
    it->second.end = at;
    runs_.emplace(at, tail);
  }
}

void Memmap::MergeAround(uint64_t start, uint64_t end) {
  // Merge from the run before `start` up to the run starting at `end`.
  auto it = runs_.lower_bound(start);
  if (it != runs_.begin()) --it;
  while (it != runs_.end() && it->first <= end) {
    auto next = std::next(it);
    if (next == runs_.end()) break;
    if (it->second.end == next->first &&
        it->second.state == next->second.state) {
      it->second.end = next->second.end;
      runs_.erase(next);
      continue;
    }
    it = next;
  }
}

void Memmap::Assign(model::PfnRange r, const PageState& s) {
  if (r.empty()) return;
  uint64_t start = r.start().value();
  uint64_t end = r.end().value();
  SplitAt(start);
  SplitAt(end);
  runs_.erase(runs_.lower_bound(start), runs_.lower_bound(end));
  if (s.kind != MemmapKind::kAbsent) runs_.emplace(start, Run{end, s});
  MergeAround(start, end);
}

PageState Memmap::Get(model::Pfn pfn) const {
  auto it = runs_.upper_bound(pfn.value());
  if (it == runs_.begin()) return PageState::Absent();
  --it;
  if (pfn.value() < it->second.end) return it->second.state;
  return PageState::Absent();
}

void Memmap::ForEach(
    model::PfnRange r,
    const std::function<void(model::PfnRange, const PageState&)>& fn) const {
  uint64_t pos = r.start().value();
  const uint64_t end = r.end().value();
  auto it = runs_.upper_bound(pos);
  if (it != runs_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > pos) it = prev;
  }
  while (pos < end) {
    if (it == runs_.end() || it->first >= end) {
      fn(model::PfnRange(model::Pfn(pos), model::Pfn(end)),
         PageState::Absent());
      return;
    }
    if (it->first > pos) {
      fn(model::PfnRange(model::Pfn(pos), model::Pfn(it->first)),
         PageState::Absent());
      pos = it->first;
    }
    uint64_t run_end = std::min(it->second.end, end);
    fn(model::PfnRange(model::Pfn(pos), model::Pfn(run_end)), it->second.state);
    pos = run_end;
    ++it;
  }
}

bool Memmap::All(model::PfnRange r, MemmapKind k) const {
  bool all = true;
  ForEach(r, [&](model::PfnRange, const PageState& s) { all &= s.kind == k; });
  return all;
}

size_t Memmap::HeapBytes() const {
  // A std::map node: three pointers, colour, key and value, rounded.
  constexpr size_t kNode = 4 * sizeof(void*) + sizeof(uint64_t) + sizeof(Run);
  return runs_.size() * kNode;
}

}  // namespace memhp::sparse
