// Round trip of trace format v1 over generated traces: for every tree t that
// satisfies trace.h's invariants, parsing PrintTrace(t) succeeds, gives back
// t (line numbers aside), prints the same text again, and every step's line
// number points at that step's text.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/bug_toggle.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "model/strings.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "traces/text.h"
#include "traces/trace.h"

namespace memhp::traces {
namespace {

using model::BlockId;
using model::ByteSize;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;

// Numbers of every size, with the edges likely.
rc::Gen<uint64_t> U64() {
  return rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, 300),
                        rc::gen::arbitrary<uint64_t>(),
                        rc::gen::element<uint64_t>(0, UINT64_MAX));
}

rc::Gen<char> AnyChar() {
  // Everything a quoted string may hold: printable ASCII (with '"', '\\',
  // '#', '='), tab, and bytes of UTF-8 sequences.
  return rc::gen::map(
      rc::gen::oneOf(rc::gen::inRange<int>(0x20, 0x7f),
                     rc::gen::just<int>('\t'),
                     rc::gen::element<int>('"', '\\', '#', '=', ' '),
                     rc::gen::inRange<int>(0x80, 0x100)),
      [](int c) { return static_cast<char>(c); });
}

rc::Gen<std::string> Text() {
  return rc::gen::container<std::string>(AnyChar());
}

rc::Gen<std::string> NonEmptyText() { return rc::gen::nonEmpty(Text()); }

rc::Gen<std::string> Word(std::string_view first, std::string_view rest) {
  const std::string f(first);
  const std::string r(rest);
  return rc::gen::exec([f, r] {
    std::string out(1, *rc::gen::elementOf(f));
    const int n = *rc::gen::inRange(0, 6);
    for (int i = 0; i < n; ++i) out.push_back(*rc::gen::elementOf(r));
    return out;
  });
}

constexpr std::string_view kLetters =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kIdChars = "abcxyzABCXYZ0189-._";

rc::Gen<NodeId> Node(bool allow_no_node) {
  return rc::gen::map(rc::gen::inRange(allow_no_node ? -1 : 0, kMaxNodeId + 1),
                      [](int n) { return NodeId(n); });
}

template <typename T>
std::optional<T> Maybe(const rc::Gen<T>& g) {
  if (*rc::gen::arbitrary<bool>()) return *g;
  return std::nullopt;
}

std::pair<PhysAddr, PhysAddr> AddrRange() {
  uint64_t a = *U64();
  uint64_t b = *U64();
  if (b < a) std::swap(a, b);
  return {PhysAddr(a), PhysAddr(b)};
}

E820Type GenE820Type() {
  const std::vector<E820Type> named = {
      E820Type::kRam,  E820Type::kReserved, E820Type::kSoftReserved,
      E820Type::kAcpi, E820Type::kNvs,      E820Type::kUnusable,
      E820Type::kPmem, E820Type::kPram};
  if (*rc::gen::arbitrary<bool>()) return *rc::gen::elementOf(named);
  const uint32_t v = *rc::gen::arbitrary<uint32_t>();
  for (E820Type t : named) {
    if (static_cast<uint32_t>(t) == v) return t;
  }
  return v == 128 ? E820Type::kRam : static_cast<E820Type>(v);
}

Config GenConfig() {
  Config c;
  c.geometry = {0, *rc::gen::elementOf(model::Geometry::Names())};
  c.profile = *rc::gen::elementOf(model::AllKernelVersions());
  for (const model::BugToggle* t : model::BugToggleRegistry::Global().All()) {
    if (*rc::gen::arbitrary<bool>()) c.toggles.push_back({0, t->name});
  }
  if (*rc::gen::arbitrary<bool>()) c.kernel = TextSetting{0, *NonEmptyText()};
  if (*rc::gen::arbitrary<bool>()) c.cmdline = TextSetting{0, *Text()};
  if (*rc::gen::arbitrary<bool>()) c.qemu = TextSetting{0, *Text()};
  const std::string& g = c.geometry.text;
  if (g.rfind("x86_64", 0) == 0) {
    const int n_e820 = *rc::gen::inRange(0, 5);
    for (int i = 0; i < n_e820; ++i) {
      const auto [a, b] = AddrRange();
      c.e820.push_back({0, a, b, GenE820Type()});
    }
    const int n_numa = *rc::gen::inRange(0, 3);
    for (int i = 0; i < n_numa; ++i) {
      const auto [a, b] = AddrRange();
      c.numa.push_back({0, a, b, *Node(false), *rc::gen::arbitrary<bool>(),
                        *rc::gen::arbitrary<bool>()});
    }
    return c;
  }
  // memblock lines: ascending and disjoint, from sorted distinct addresses.
  std::vector<uint64_t> addrs = *rc::gen::container<std::vector<uint64_t>>(
      2 * *rc::gen::inRange(0, 5), U64());
  std::sort(addrs.begin(), addrs.end());
  addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
  for (size_t i = 0; i + 1 < addrs.size(); i += 2) {
    c.memblock.push_back({0, PhysAddr(addrs[i]), PhysAddr(addrs[i + 1]),
                          *Node(false), *rc::gen::arbitrary<bool>(),
                          *rc::gen::arbitrary<bool>()});
  }
  if (g.rfind("arm64", 0) == 0 && *rc::gen::arbitrary<bool>()) {
    c.dma_limit = AddrSetting{0, *U64()};
  }
  if ((g == "ppc64" || g == "s390x") && *rc::gen::arbitrary<bool>()) {
    c.firmware_block_size =
        AddrSetting{0, uint64_t{1} << *rc::gen::inRange(0, 64)};
  }
  if (*rc::gen::arbitrary<bool>()) {
    ZonesSetting z;
    for (const char* name : {"DMA", "DMA32", "Normal", "Device"}) {
      if (std::string_view(name) == "Normal" || *rc::gen::arbitrary<bool>()) {
        z.names.emplace_back(name);
      }
    }
    c.zones = z;
  }
  std::vector<int> nodes = *rc::gen::container<std::vector<int>>(
      *rc::gen::inRange(0, 3), rc::gen::inRange(0, kMaxNodeId + 1));
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  for (int n : nodes) c.memoryless_nodes.push_back({0, NodeId(n)});
  return c;
}

DimmAdd GenDimmAdd() {
  DimmAdd d;
  d.id = *Word(kLetters, kIdChars);
  d.size = ByteSize(std::max<uint64_t>(1, *U64()));
  d.node = Maybe(Node(false));
  if (*rc::gen::arbitrary<bool>()) d.addr = PhysAddr(*U64());
  return d;
}

std::vector<std::string> GenZones() {
  return *rc::gen::container<std::vector<std::string>>(
      rc::gen::map(rc::gen::elementOf(ZoneNames()),
                   [](std::string_view z) { return std::string(z); }));
}

// An observation (not rc/errno).
StepKind GenState() {
  switch (*rc::gen::inRange(0, 7)) {
    case 0: {
      ExpectZone z;
      z.node = *Node(false);
      z.zone = std::string(*rc::gen::elementOf(ZoneNames()));
      do {
        if (*rc::gen::arbitrary<bool>()) z.spanned = NrPages(*U64());
        if (*rc::gen::arbitrary<bool>()) z.present = NrPages(*U64());
        if (*rc::gen::arbitrary<bool>()) z.start_pfn = Pfn(*U64());
      } while (!z.spanned && !z.present && !z.start_pfn);
      return z;
    }
    case 1: {
      const auto [a, b] = AddrRange();
      return ExpectIomem{{*rc::gen::inRange(0, 5), a, b, *NonEmptyText()}};
    }
    case 2: {
      ExpectBlock b;
      b.id = BlockId(*U64());
      do {
        if (*rc::gen::arbitrary<bool>()) {
          b.state = *rc::gen::elementOf(AllBlockStates());
        }
        if (*rc::gen::arbitrary<bool>()) b.phys_index = BlockId(*U64());
        if (*rc::gen::arbitrary<bool>()) b.valid_zones = GenZones();
        if (*rc::gen::arbitrary<bool>()) {
          b.removable = *rc::gen::arbitrary<bool>();
        }
        if (*rc::gen::arbitrary<bool>()) b.node = *Node(true);
      } while (!b.state && !b.phys_index && !b.valid_zones && !b.removable &&
               !b.node);
      return b;
    }
    case 3:
      return ExpectBlockSize{ByteSize(std::max<uint64_t>(1, *U64()))};
    case 4:
      return ExpectAutoOnline{*rc::gen::elementOf(AllOnlineTypes())};
    case 5: {
      ExpectDax d;
      d.name = model::Cat("dax", *rc::gen::inRange(0, 100), ".",
                          *rc::gen::inRange(0, 100));
      do {
        if (*rc::gen::arbitrary<bool>()) d.driver = *Text();
        if (*rc::gen::arbitrary<bool>()) d.size = ByteSize(*U64());
        if (*rc::gen::arbitrary<bool>()) d.target_node = *Node(true);
        if (*rc::gen::arbitrary<bool>()) d.align = ByteSize(*U64());
        if (*rc::gen::arbitrary<bool>()) d.resource = PhysAddr(*U64());
      } while (!d.driver && !d.size && !d.target_node && !d.align &&
               !d.resource);
      return d;
    }
    default:
      return ExpectDmesg{*Text()};
  }
}

StepKind GenResult() {
  if (*rc::gen::arbitrary<bool>()) return ExpectRc{*rc::gen::inRange(0, 2)};
  std::vector<model::Errno> known;
  for (int v = 1; v < 256; ++v) {
    if (std::optional<model::Errno> e = model::ParseErrno(model::Cat(v))) {
      known.push_back(*e);
    }
  }
  ExpectErrno e;
  e.errno_value = *rc::gen::elementOf(known);
  if (*rc::gen::arbitrary<bool>()) e.text = *Text();
  return e;
}

Trace GenTrace() {
  Trace t;
  t.config = GenConfig();
  const int cold = *rc::gen::inRange(0, 3);
  for (int i = 0; i < cold; ++i) t.steps.push_back({0, "", GenDimmAdd()});
  t.steps.push_back({0, "", Boot{}});
  const std::vector<std::string> threads = {"", "", "a", "b-2", "T_3"};
  const int n = *rc::gen::inRange(0, 25);
  for (int i = 0; i < n; ++i) {
    const std::string thread = *rc::gen::elementOf(threads);
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        t.steps.push_back(
            {0, thread, Write{model::Cat("/", *Text()), *Text()}});
        if (*rc::gen::arbitrary<bool>()) {
          t.steps.push_back({0, thread, GenResult()});
        }
        break;
      case 1:
        t.steps.push_back({0, thread, GenDimmAdd()});
        break;
      case 2:
        t.steps.push_back({0, thread, DimmRemove{*Word(kLetters, kIdChars)}});
        break;
      case 3:
        t.steps.push_back({0, "", Snapshot{*NonEmptyText()}});
        break;
      case 4:
        t.steps.push_back({0, "", Schedule{*NonEmptyText()}});
        break;
      default:
        t.steps.push_back({0, "", GenState()});
        break;
    }
  }
  return t;
}

RC_GTEST_PROP(TraceRoundTripTest, PrintParsePrintIsTheIdentity, ()) {
  const Trace t = GenTrace();
  const std::string text = PrintTrace(t);
  absl::StatusOr<Trace> parsed = ParseTrace(text, "gen.trace");
  if (!parsed.ok())
    RC_FAIL(model::Cat(std::string(parsed.status().message()), "\n", text));
  RC_ASSERT(PrintTrace(*parsed) == text);
  RC_ASSERT(WithoutLineNumbers(*parsed) == WithoutLineNumbers(t));
  // Line numbers point at the step's own text.
  const std::vector<TextLine> lines = SplitLines(text);
  for (const Step& s : parsed->steps) {
    RC_ASSERT(s.line >= 1 && s.line <= static_cast<int>(lines.size()));
    RC_ASSERT(lines[s.line - 1].text == PrintStep(s));
  }
}

RC_GTEST_PROP(TraceRoundTripTest, ExtraBlanksAndCommentsDoNotChangeTheTree,
              ()) {
  const Trace t = GenTrace();
  std::string loose;
  bool first = true;
  const std::string text = PrintTrace(t);
  for (const TextLine& l : SplitLines(text)) {
    if (!first && *rc::gen::arbitrary<bool>()) loose += "  # note\n\n";
    // Indentation and trailing blanks never matter after the header.
    loose +=
        first ? std::string(l.text)
              : model::Cat(*rc::gen::element<std::string>("", " ", "\t"),
                           l.text, *rc::gen::element<std::string>("", " \t"));
    loose += "\n";
    first = false;
  }
  absl::StatusOr<Trace> parsed = ParseTrace(loose, "loose.trace");
  if (!parsed.ok())
    RC_FAIL(model::Cat(std::string(parsed.status().message()), "\n", loose));
  RC_ASSERT(PrintTrace(*parsed) == PrintTrace(t));
}

}  // namespace
}  // namespace memhp::traces
