// Typed quantities of the memory-hotplug core: places (Pfn, PhysAddr),
// lengths (NrPages, ByteSize) and identifiers (SectionNr, SubsectionIdx,
// BlockId, NodeId).
//
// A place plus a length is a place; the difference of two places is a length;
// two places never add. Every conversion between units is a named function of
// Geometry (geometry.h), never an implicit cast, so `pfn + PAGES_PER_SECTION`
// cannot silently mean bytes.

#ifndef MEMHP_MODEL_TYPES_H_
#define MEMHP_MODEL_TYPES_H_

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

#include "model/check.h"

namespace memhp::model {

// A strongly typed unsigned 64-bit value. `Tag` only distinguishes types.
template <typename Tag>
class Strong {
 public:
  constexpr Strong() = default;
  constexpr explicit Strong(uint64_t v) : v_(v) {}
  constexpr uint64_t value() const { return v_; }
  constexpr auto operator<=>(const Strong&) const = default;

  template <typename H>
  friend H AbslHashValue(H h, Strong s) {
    return H::combine(std::move(h), s.v_);
  }

 private:
  uint64_t v_ = 0;
};

// A length: a number of pages, bytes, ...
template <typename Tag>
class Length : public Strong<Tag> {
 public:
  using Strong<Tag>::Strong;
  constexpr Length operator+(Length o) const {
    return Length(this->value() + o.value());
  }
  // REQUIRES: *this >= o.
  constexpr Length operator-(Length o) const {
    MEMHP_CHECK(this->value() >= o.value()) << "length underflow";
    return Length(this->value() - o.value());
  }
  constexpr Length operator*(uint64_t k) const {
    return Length(this->value() * k);
  }
  Length& operator+=(Length o) { return *this = *this + o; }
  Length& operator-=(Length o) { return *this = *this - o; }
  constexpr bool IsZero() const { return this->value() == 0; }
};

// A place: a page frame number, a physical address, ... `Len` is the length
// type that moves it.
template <typename Tag, typename Len>
class Place : public Strong<Tag> {
 public:
  using Strong<Tag>::Strong;
  using LengthType = Len;
  constexpr Place operator+(Len n) const {
    return Place(this->value() + n.value());
  }
  // REQUIRES: value() >= n.
  constexpr Place operator-(Len n) const {
    MEMHP_CHECK(this->value() >= n.value()) << "place underflow";
    return Place(this->value() - n.value());
  }
  // REQUIRES: *this >= o.
  constexpr Len operator-(Place o) const {
    MEMHP_CHECK(this->value() >= o.value()) << "negative distance";
    return Len(this->value() - o.value());
  }
  Place& operator+=(Len n) { return *this = *this + n; }
  Place& operator-=(Len n) { return *this = *this - n; }
};

// An identifier: comparable and hashable, no arithmetic but successor.
template <typename Tag>
class Id : public Strong<Tag> {
 public:
  using Strong<Tag>::Strong;
  constexpr Id Next() const { return Id(this->value() + 1); }
};

struct NrPagesTag {};
struct PfnTag {};
struct ByteSizeTag {};
struct PhysAddrTag {};
struct SectionNrTag {};
struct SubsectionIdxTag {};
struct BlockIdTag {};

// A number of pages (`unsigned long nr_pages`).
using NrPages = Length<NrPagesTag>;
// A page frame number (`unsigned long pfn`).
using Pfn = Place<PfnTag, NrPages>;
// A number of bytes (`u64 size`).
using ByteSize = Length<ByteSizeTag>;
// A physical address (`phys_addr_t` / `u64 start`).
using PhysAddr = Place<PhysAddrTag, ByteSize>;
// A mem_section number (`unsigned long section_nr`).
using SectionNr = Id<SectionNrTag>;
// A bit index in a section's subsection_map (`subsection_map_index(pfn)`).
using SubsectionIdx = Id<SubsectionIdxTag>;
// A memory block device id (`memoryN`), i.e. phys_index.
using BlockId = Id<BlockIdTag>;

// A NUMA node id (`int nid`); NUMA_NO_NODE is -1.
class NodeId {
 public:
  constexpr NodeId() = default;
  constexpr explicit NodeId(int v) : v_(v) {}
  constexpr int value() const { return v_; }
  constexpr bool IsNoNode() const { return v_ < 0; }
  constexpr auto operator<=>(const NodeId&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, NodeId n) {
    return H::combine(std::move(h), n.v_);
  }

 private:
  int v_ = 0;
};
inline constexpr NodeId kNumaNoNode{-1};

// Printers for test failures and logs: the kernel prints pfns in hex.
std::ostream& operator<<(std::ostream& os, Pfn p);
std::ostream& operator<<(std::ostream& os, NrPages n);
std::ostream& operator<<(std::ostream& os, PhysAddr a);
std::ostream& operator<<(std::ostream& os, ByteSize s);
std::ostream& operator<<(std::ostream& os, SectionNr n);
std::ostream& operator<<(std::ostream& os, SubsectionIdx i);
std::ostream& operator<<(std::ostream& os, BlockId b);
std::ostream& operator<<(std::ostream& os, NodeId n);

// Alignment of a typed value to a power-of-two length.
// REQUIRES: align is a non-zero power of two; AlignUp does not overflow.
template <typename P>
constexpr P AlignDown(P p, typename P::LengthType align) {
  MEMHP_CHECK(align.value() != 0 && (align.value() & (align.value() - 1)) == 0)
      << "alignment must be a power of two: " << align.value();
  return P(p.value() & ~(align.value() - 1));
}
template <typename P>
constexpr P AlignUp(P p, typename P::LengthType align) {
  MEMHP_CHECK(align.value() != 0 && (align.value() & (align.value() - 1)) == 0)
      << "alignment must be a power of two: " << align.value();
  MEMHP_CHECK(p.value() <= UINT64_MAX - (align.value() - 1))
      << "AlignUp overflow";
  return P((p.value() + align.value() - 1) & ~(align.value() - 1));
}
template <typename P>
constexpr bool IsAligned(P p, typename P::LengthType align) {
  return AlignDown(p, align) == p;
}
// For lengths: IS_ALIGNED(nr_pages, align).
template <typename Tag>
constexpr bool IsAligned(Length<Tag> n, Length<Tag> align) {
  MEMHP_CHECK(align.value() != 0 && (align.value() & (align.value() - 1)) == 0);
  return (n.value() & (align.value() - 1)) == 0;
}

}  // namespace memhp::model

#endif  // MEMHP_MODEL_TYPES_H_
