// Half-open ranges [start, end) of typed places (Pfn, PhysAddr) and their
// arithmetic: size, containment, overlap, intersection, splitting and
// alignment outwards/inwards.
//
// Invariants:
//  1. start <= end (an empty range has start == end);
//  2. all operations are exact: no rounding unless the name says Align.

#ifndef MEMHP_MODEL_RANGE_H_
#define MEMHP_MODEL_RANGE_H_

#include <optional>
#include <ostream>
#include <utility>

#include "model/check.h"
#include "model/types.h"

namespace memhp::model {

template <typename P>
class Range {
 public:
  using Len = typename P::LengthType;

  constexpr Range() = default;
  // REQUIRES: start <= end.
  Range(P start, P end) : start_(start), end_(end) {
    MEMHP_CHECK(start <= end)
        << "inverted range [" << start.value() << ", " << end.value() << ")";
  }
  static Range FromSize(P start, Len size) {
    return Range(start, start + size);
  }

  P start() const { return start_; }
  P end() const { return end_; }
  Len size() const { return end_ - start_; }
  bool empty() const { return start_ == end_; }

  bool Contains(P p) const { return start_ <= p && p < end_; }
  // An empty range is contained in any range whose bounds enclose it.
  bool Contains(const Range& o) const {
    return start_ <= o.start_ && o.end_ <= end_;
  }
  // Two ranges overlap when they share at least one place; empty ranges
  // overlap nothing.
  bool Overlaps(const Range& o) const {
    return !empty() && !o.empty() && start_ < o.end_ && o.start_ < end_;
  }
  // The common part, or nullopt when they do not overlap.
  std::optional<Range> Intersect(const Range& o) const {
    if (!Overlaps(o)) return std::nullopt;
    return Range(std::max(start_, o.start_), std::min(end_, o.end_));
  }
  // [start, at) and [at, end). REQUIRES: start <= at <= end.
  std::pair<Range, Range> SplitAt(P at) const {
    MEMHP_CHECK(start_ <= at && at <= end_) << "split point outside range";
    return {Range(start_, at), Range(at, end_)};
  }
  // The smallest align-aligned range that contains this one.
  Range AlignOutward(Len align) const {
    return Range(AlignDown(start_, align), AlignUp(end_, align));
  }
  // The largest align-aligned range inside this one (empty if none).
  Range AlignInward(Len align) const {
    P s = AlignUp(start_, align);
    P e = AlignDown(end_, align);
    if (e < s) return Range(s, s);
    return Range(s, e);
  }
  bool IsAlignedTo(Len align) const {
    return IsAligned(start_, align) && IsAligned(end_, align);
  }

  bool operator==(const Range&) const = default;

 private:
  P start_{};
  P end_{};
};

using PfnRange = Range<Pfn>;
using PhysRange = Range<PhysAddr>;

template <typename P>
std::ostream& operator<<(std::ostream& os, const Range<P>& r) {
  return os << "[" << r.start() << ", " << r.end() << ")";
}

}  // namespace memhp::model

#endif  // MEMHP_MODEL_RANGE_H_
