#include "traces/kernel_text.h"

#include <array>
#include <string>

#include "model/strings.h"

namespace memhp::traces {

absl::StatusOr<SratMemoryLine> ParseSratMemoryLine(LineScanner& s) {
  SratMemoryLine n;
  const size_t at = s.pos();
  absl::StatusOr<int> node =
      ParseNodeId(s, at, s.TakeWhile(IsDigit), /*allow_no_node=*/false);
  if (!node.ok()) return node.status();
  n.node = *node;
  if (!s.Consume(" PXM ") || s.TakeWhile(IsDigit).empty() ||
      !s.Consume(" [mem ")) {
    return s.Error("expected ' PXM P [mem START-END]'");
  }
  absl::StatusOr<std::pair<model::PhysAddr, model::PhysAddr>> r =
      ParseMemRange(s);
  if (!r.ok()) return r.status();
  n.start = r->first;
  n.last = r->second;
  n.hotplug = s.Consume(" hotplug");
  n.non_volatile = s.Consume(" non-volatile");
  return n;
}

using model::Cat;
using model::PhysAddr;
using model::Sprintf;

const std::vector<std::string_view>& ZoneNames() {
  static const auto* names = new std::vector<std::string_view>{
      "DMA", "DMA32", "Normal", "HighMem", "Movable", "Device"};
  return *names;
}

bool IsZoneName(std::string_view s) {
  for (std::string_view n : ZoneNames()) {
    if (n == s) return true;
  }
  return false;
}

std::string_view BlockStateName(BlockState s) {
  switch (s) {
    case BlockState::kOnline:
      return "online";
    case BlockState::kOffline:
      return "offline";
    case BlockState::kGoingOffline:
      return "going-offline";
  }
  return "ERROR-UNKNOWN";
}

std::vector<BlockState> AllBlockStates() {
  return {BlockState::kOnline, BlockState::kOffline, BlockState::kGoingOffline};
}

std::optional<BlockState> ParseBlockState(std::string_view s) {
  for (BlockState b : AllBlockStates()) {
    if (BlockStateName(b) == s) return b;
  }
  return std::nullopt;
}

std::vector<OnlineType> AllOnlineTypes() {
  return {OnlineType::kOffline, OnlineType::kOnline, OnlineType::kOnlineKernel,
          OnlineType::kOnlineMovable};
}

std::optional<OnlineType> ParseOnlineType(std::string_view s) {
  for (OnlineType t : AllOnlineTypes()) {
    if (OnlineTypeName(t) == s) return t;
  }
  return std::nullopt;
}

std::optional<E820Type> ParseE820Type(std::string_view s) {
  static constexpr std::array kNamed = {
      E820Type::kRam,  E820Type::kReserved, E820Type::kSoftReserved,
      E820Type::kAcpi, E820Type::kNvs,      E820Type::kUnusable,
      E820Type::kPmem, E820Type::kPram,     E820Type::kReservedKern};
  for (E820Type t : kNamed) {
    if (t != E820Type::kReservedKern && E820TypeName(t) == s) return t;
  }
  constexpr std::string_view kType = "type ";
  if (s.substr(0, kType.size()) != kType) return std::nullopt;
  std::string_view digits = s.substr(kType.size());
  if (digits.empty() || digits.size() > 10 ||
      (digits[0] == '0' && digits.size() > 1)) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return std::nullopt;
  for (E820Type t : kNamed) {
    if (static_cast<uint64_t>(t) == v) return std::nullopt;
  }
  return static_cast<E820Type>(v);
}

std::string RenderIomemLine(const IomemLine& l) {
  return Sprintf("%*s%08llx-%08llx : %s", l.depth * 2, "",
                 static_cast<unsigned long long>(l.start.value()),
                 static_cast<unsigned long long>(l.end.value()),
                 l.name.c_str());
}

absl::StatusOr<IomemLine> ParseIomemLine(const LineScanner& line,
                                         bool canonical) {
  LineScanner s = line;
  s.set_pos(0);
  IomemLine out;
  const size_t indent = s.TakeWhile([](char c) { return c == ' '; }).size();
  if (s.Peek() == '\t') {
    return s.Error("expected spaces for the indentation, not a tab");
  }
  if (indent % 2 != 0) {
    return s.ErrorAt(0, Cat("expected an even number of spaces of "
                            "indentation (2 a level), got ",
                            indent));
  }
  out.depth = static_cast<int>(indent / 2);
  const char* kShape = "'START-END : NAME' (hex, like 00100000-bffdffff)";
  const size_t start_at = s.pos();
  std::string_view start = s.TakeWhile(IsHexDigit);
  if (start.empty() || !s.Consume("-")) {
    return s.ErrorAt(start_at, Cat("expected ", kShape));
  }
  const size_t end_at = s.pos();
  std::string_view end = s.TakeWhile(IsHexDigit);
  if (end.empty()) return s.ErrorAt(end_at, Cat("expected ", kShape));
  absl::StatusOr<uint64_t> a =
      ParseHex(s, start_at, start, "a start address", HexPrefix::kForbidden);
  if (!a.ok()) return a.status();
  absl::StatusOr<uint64_t> b =
      ParseHex(s, end_at, end, "an end address", HexPrefix::kForbidden);
  if (!b.ok()) return b.status();
  if (*b < *a) {
    return s.ErrorAt(end_at, "expected an end address at or above the start");
  }
  if (!s.Consume(" : ")) return s.Error("expected ' : ' before the name");
  if (s.AtEnd()) return s.Error("expected a resource name after ' : '");
  out.start = PhysAddr(*a);
  out.end = PhysAddr(*b);
  out.name = std::string(s.Rest());
  if (canonical && RenderIomemLine(out) != line.text()) {
    return s.ErrorAt(0, Cat("expected the line exactly as /proc/iomem "
                            "prints it: '",
                            RenderIomemLine(out), "'"));
  }
  return out;
}

std::optional<KernelLine> ParseKernelLine(std::string_view text, int line) {
  if (text.empty() || text[0] != '[') return std::nullopt;
  size_t i = 1;
  while (i < text.size() && text[i] == ' ') ++i;
  const size_t int_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == int_start || i >= text.size() || text[i] != '.') return std::nullopt;
  ++i;
  const size_t frac_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == frac_start || i >= text.size() || text[i] != ']') {
    return std::nullopt;
  }
  ++i;
  KernelLine out;
  out.line = line;
  out.timestamp = std::string(text.substr(0, i));
  if (i == text.size()) return out;
  if (text[i] != ' ') return std::nullopt;
  out.text = std::string(text.substr(i + 1));
  return out;
}

}  // namespace memhp::traces
