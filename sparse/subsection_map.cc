#include "sparse/subsection_map.h"

#include <bit>

#include "model/check.h"

namespace memhp::sparse {

SubsectionMap::SubsectionMap(uint64_t nbits)
    : nbits_(nbits), words_((nbits + 63) / 64, 0) {
  MEMHP_CHECK(nbits > 0);
}

bool SubsectionMap::Test(model::SubsectionIdx i) const {
  MEMHP_CHECK(i.value() < nbits_) << "bit " << i.value() << " of " << nbits_;
  return (words_[i.value() / 64] >> (i.value() % 64)) & 1;
}

void SubsectionMap::SetRange(model::SubsectionIdx first,
                             model::SubsectionIdx last) {
  MEMHP_CHECK(first <= last && last.value() < nbits_)
      << first.value() << ".." << last.value() << " of " << nbits_;
  for (uint64_t b = first.value(); b <= last.value(); ++b) {
    words_[b / 64] |= uint64_t{1} << (b % 64);
  }
}

bool SubsectionMap::Empty() const {
  for (uint64_t w : words_) {
    if (w != 0) return false;
  }
  return true;
}

bool SubsectionMap::Intersects(const SubsectionMap& o) const {
  MEMHP_CHECK(o.nbits_ == nbits_);
  for (size_t i = 0; i < words_.size(); ++i) {
    if (words_[i] & o.words_[i]) return true;
  }
  return false;
}

bool SubsectionMap::IsSubsetOf(const SubsectionMap& o) const {
  MEMHP_CHECK(o.nbits_ == nbits_);
  for (size_t i = 0; i < words_.size(); ++i) {
    if ((words_[i] & o.words_[i]) != words_[i]) return false;
  }
  return true;
}

void SubsectionMap::Or(const SubsectionMap& o) {
  MEMHP_CHECK(o.nbits_ == nbits_);
  for (size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
}

void SubsectionMap::Xor(const SubsectionMap& o) {
  MEMHP_CHECK(o.nbits_ == nbits_);
  for (size_t i = 0; i < words_.size(); ++i) words_[i] ^= o.words_[i];
}

uint64_t SubsectionMap::Count() const {
  uint64_t n = 0;
  for (uint64_t w : words_) n += std::popcount(w);
  return n;
}

std::string SubsectionMap::ToString() const {
  std::string s(nbits_, '.');
  for (uint64_t b = 0; b < nbits_; ++b) {
    if (Test(model::SubsectionIdx(b))) s[b] = '1';
  }
  return s;
}

}  // namespace memhp::sparse
