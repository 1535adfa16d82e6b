// Properties of the e820 table operations over random tables, checked
// against naive references that look at the map address by address:
//  - E820UpdateTable equals "the highest type at each address, merged where
//    the type is equal and mergeable", with PRAM and SOFT_RESERVED cut at
//    every change point of the input;
//  - sanitizing twice changes nothing, and the result keeps E820-1..3;
//  - E820RangeUpdate and E820RangeRemove change exactly the addresses of the
//    range whose type matches.

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/e820.h"
#include "model/event_log.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {

void showValue(const E820Entry& e, std::ostream& os) {
  os << E820FormatEntry(e, "e820");
}

namespace {

using model::ByteSize;
using model::PhysAddr;

constexpr uint64_t kUnit = 0x1000;

bool Nomerge(E820Type t) {
  return t == E820Type::kPram || t == E820Type::kSoftReserved;
}

rc::Gen<E820Type> GenType() {
  return rc::gen::elementOf(std::vector<E820Type>{
      E820Type::kRam, E820Type::kReserved, E820Type::kAcpi, E820Type::kNvs,
      E820Type::kUnusable, E820Type::kPmem, E820Type::kPram,
      E820Type::kSoftReserved, E820Type::kReservedKern, E820Type{20}});
}

rc::Gen<E820Entry> GenEntry() {
  return rc::gen::apply(
      [](uint64_t start, uint64_t size, E820Type type) {
        return E820Entry{PhysAddr(start * kUnit), ByteSize(size * kUnit), type};
      },
      rc::gen::inRange<uint64_t>(0, 64), rc::gen::inRange<uint64_t>(0, 24),
      GenType());
}

rc::Gen<E820Table> GenTable() {
  return rc::gen::map(rc::gen::container<std::vector<E820Entry>>(GenEntry()),
                      [](std::vector<E820Entry> es) {
                        if (es.size() > 12) es.resize(12);
                        return E820Table{std::move(es)};
                      });
}

uint64_t End(const E820Entry& e) { return e.addr.value() + e.size.value(); }

// The reference sanitizer.
E820Table RefSanitize(const E820Table& in) {
  std::set<uint64_t> points;
  for (const E820Entry& e : in.entries) {
    if (e.size.value() == 0) continue;
    points.insert(e.addr.value());
    points.insert(End(e));
  }
  E820Table out;
  std::vector<uint64_t> p(points.begin(), points.end());
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    uint32_t type = 0;
    for (const E820Entry& e : in.entries) {
      if (e.size.value() != 0 && e.addr.value() <= p[i] && End(e) >= p[i + 1]) {
        type = std::max(type, static_cast<uint32_t>(e.type));
      }
    }
    if (type == 0) continue;
    const E820Type t = static_cast<E820Type>(type);
    if (!out.entries.empty() && End(out.entries.back()) == p[i] &&
        out.entries.back().type == t && !Nomerge(t)) {
      out.entries.back().size += ByteSize(p[i + 1] - p[i]);
    } else {
      out.entries.push_back(
          E820Entry{PhysAddr(p[i]), ByteSize(p[i + 1] - p[i]), t});
    }
  }
  return out;
}

// The type at each unit (0 for none), from the highest covering entry.
std::map<uint64_t, uint32_t> Pointwise(const E820Table& t) {
  std::map<uint64_t, uint32_t> m;
  for (const E820Entry& e : t.entries) {
    for (uint64_t a = e.addr.value(); a < End(e); a += kUnit) {
      m[a] = std::max(m[a], static_cast<uint32_t>(e.type));
    }
  }
  std::erase_if(m, [](const auto& kv) { return kv.second == 0; });
  return m;
}

RC_GTEST_PROP(E820UpdateTableProp, EqualsTheReferenceSanitizer, ()) {
  const E820Table in = *GenTable();
  E820Table t = in;
  const int rc = E820UpdateTable(&t);
  if (in.entries.size() < 2) {
    RC_ASSERT(rc == -1);
    RC_ASSERT(t == in);
    return;
  }
  RC_ASSERT(rc == 0);
  RC_ASSERT(t == RefSanitize(in));
}

RC_GTEST_PROP(E820UpdateTableProp, IsIdempotentAndKeepsTheInvariants, ()) {
  E820Table t = *GenTable();
  E820UpdateTable(&t);
  if (t.entries.size() < 2) return;
  for (size_t i = 0; i < t.entries.size(); ++i) {
    RC_ASSERT(t.entries[i].size.value() != 0);  // E820-1
    if (i == 0) continue;
    const E820Entry& prev = t.entries[i - 1];
    RC_ASSERT(End(prev) <= t.entries[i].addr.value());  // E820-1
    if (End(prev) == t.entries[i].addr.value() &&
        prev.type == t.entries[i].type) {
      RC_ASSERT(Nomerge(prev.type));  // E820-2
    }
  }
  E820Table again = t;
  RC_ASSERT(E820UpdateTable(&again) == 0);
  // PRAM / SOFT_RESERVED pieces cut at change points stay cut.
  RC_ASSERT(again == t);
}

RC_GTEST_PROP(E820RangeUpdateProp, RetypesExactlyTheMatchingAddresses, ()) {
  E820Table t = *GenTable();
  E820UpdateTable(&t);
  const uint64_t start = *rc::gen::inRange<uint64_t>(0, 96) * kUnit;
  const uint64_t size = *rc::gen::inRange<uint64_t>(0, 48) * kUnit;
  const E820Type old_type = *GenType();
  const E820Type new_type =
      *rc::gen::suchThat(GenType(), [&](E820Type n) { return n != old_type; });

  std::map<uint64_t, uint32_t> expected = Pointwise(t);
  uint64_t changed = 0;
  for (auto& [a, type] : expected) {
    if (a >= start && a < start + size &&
        type == static_cast<uint32_t>(old_type)) {
      type = static_cast<uint32_t>(new_type);
      changed += kUnit;
    }
  }
  model::EventLog log;
  const std::optional<ByteSize> updated = E820RangeUpdate(
      &t, PhysAddr(start), ByteSize(size), old_type, new_type, &log);
  RC_ASSERT(updated == ByteSize(changed));
  RC_ASSERT(Pointwise(t) == expected);
  RC_ASSERT(log.size() == 1u);
}

RC_GTEST_PROP(E820RangeRemoveProp, RemovesExactlyTheMatchingAddresses, ()) {
  E820Table t = *GenTable();
  E820UpdateTable(&t);
  const uint64_t start = *rc::gen::inRange<uint64_t>(0, 96) * kUnit;
  const uint64_t size = *rc::gen::inRange<uint64_t>(0, 48) * kUnit;
  const E820Type old_type = *GenType();
  const bool check_type = *rc::gen::arbitrary<bool>();

  std::map<uint64_t, uint32_t> expected = Pointwise(t);
  uint64_t removed = 0;
  std::erase_if(expected, [&](const auto& kv) {
    const bool hit =
        kv.first >= start && kv.first < start + size &&
        (!check_type || kv.second == static_cast<uint32_t>(old_type));
    removed += hit ? kUnit : 0;
    return hit;
  });
  model::EventLog log;
  const ByteSize r = E820RangeRemove(&t, PhysAddr(start), ByteSize(size),
                                     old_type, check_type, &log);
  RC_ASSERT(r == ByteSize(removed));
  RC_ASSERT(Pointwise(t) == expected);
}

}  // namespace
}  // namespace memhp::hotplug
