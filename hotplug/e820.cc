#include "hotplug/e820.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "model/check.h"
#include "model/cmdline.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::LogLevel;
using model::PhysAddr;
using model::PhysRange;
using model::Sprintf;

constexpr uint64_t kU64Max = UINT64_MAX;  // ULLONG_MAX, PHYS_ADDR_MAX
constexpr uint64_t kPageSize = 4096;      // x86 PAGE_SIZE

uint32_t Raw(E820Type t) { return static_cast<uint32_t>(t); }

// The kernel's "%#0<width>Lx": "0x" and at least width - 2 digits. The
// kernel prints the "0x" for 0 too, glibc does not, hence no '#' here.
std::string KHex(uint64_t v, int width) {
  return Sprintf("0x%0*llx", width - 2, static_cast<unsigned long long>(v));
}

// e820_nomerge().
bool E820Nomerge(uint32_t type) {
  return type == Raw(E820Type::kPram) || type == Raw(E820Type::kSoftReserved);
}

// --- lib/ctype.c, lib/kstrtox.c, lib/vsprintf.c, lib/cmdline.c -------------

// isspace() of the kernel's ctype table: \t \n \v \f \r, ' ' and 0xa0.
bool KernelIsSpace(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u >= 9 && u <= 13) || u == ' ' || u == 0xa0;
}

char* SkipSpaces(char* s) {
  while (KernelIsSpace(*s)) ++s;
  return s;
}

// simple_strtoull(cp, &endp, 0) and memparse(ptr, &retptr) over the
// NUL-terminated buffer the early parameters are parsed in place in
// (model/cmdline.h has the parsers). The kernel wraps on overflow and says
// nothing; the model also reports it in *overflow.
uint64_t SimpleStrtoull(char* cp, char** endp, bool* overflow) {
  const model::ParsedNumber n = model::SimpleStrtoull(cp);
  *overflow |= n.overflow;
  *endp = cp + n.consumed;
  return n.value;
}

uint64_t Memparse(char* ptr, char** retptr, bool* overflow) {
  const model::ParsedNumber n = model::Memparse(ptr);
  *overflow |= n.overflow;
  *retptr = ptr + n.consumed;
  return n.value;
}

// next_arg() (lib/cmdline.c): splits off one "param[=val]", honouring
// double quotes, writing NULs into the buffer as the kernel does.
char* NextArg(char* args, char** param, char** val) {
  unsigned i, equals = 0;
  bool in_quote = false, quoted = false;

  if (*args == '"') {
    args++;
    in_quote = true;
    quoted = true;
  }
  for (i = 0; args[i]; i++) {
    if (KernelIsSpace(args[i]) && !in_quote) break;
    if (equals == 0 && args[i] == '=') equals = i;
    if (args[i] == '"') in_quote = !in_quote;
  }
  *param = args;
  if (!equals) {
    *val = nullptr;
  } else {
    args[equals] = '\0';
    *val = args + equals + 1;
    // Don't include quotes in value.
    if (**val == '"') {
      (*val)++;
      if (args[i - 1] == '"') args[i - 1] = '\0';
    }
  }
  if (quoted && i > 0 && args[i - 1] == '"') args[i - 1] = '\0';
  if (args[i]) {
    args[i] = '\0';
    args += i + 1;
  } else {
    args += i;
  }
  return SkipSpaces(args);
}

// do_mark_busy().
bool DoMarkBusy(E820Type type, uint64_t start) {
  // The legacy BIOS/DOS rom-shadow and MMIO region.
  if (start < (uint64_t{1} << 20)) return true;
  switch (type) {
    case E820Type::kReserved:
    case E820Type::kSoftReserved:
    case E820Type::kPram:
    case E820Type::kPmem:
      return false;
    default:
      return true;
  }
}

// ram_alignment().
uint64_t RamAlignment(uint64_t pos) {
  const uint64_t mb = pos >> 20;
  if (mb == 0) return 64 * 1024;
  if (mb < 16) return 1024 * 1024;
  return 64 * 1024 * 1024;
}

// round_up() for a power of two, wrapping like the kernel's macro.
uint64_t RoundUp(uint64_t x, uint64_t align) {
  return ((x - 1) | (align - 1)) + 1;
}

// e820_end_pfn(limit_pfn, type).
model::Pfn E820EndPfn(const E820Table& table, const model::Geometry& geometry,
                      uint64_t limit_pfn, model::EventLog* log) {
  const int page_shift = geometry.page_shift();
  const uint64_t max_arch_pfn = geometry.MaxSparsemPfn().value();
  uint64_t last_pfn = 0;
  for (const E820Entry& entry : table.entries) {
    if (entry.type != E820Type::kRam) continue;
    const uint64_t start_pfn = entry.addr.value() >> page_shift;
    const uint64_t end_pfn =
        (entry.addr.value() + entry.size.value()) >> page_shift;
    if (start_pfn >= limit_pfn) continue;
    if (end_pfn > limit_pfn) {
      last_pfn = limit_pfn;
      break;
    }
    if (end_pfn > last_pfn) last_pfn = end_pfn;
  }
  if (last_pfn > max_arch_pfn) last_pfn = max_arch_pfn;
  // "%#lx": the kernel prints "0x0" for 0.
  log->Printk(LogLevel::kInfo, Sprintf("last_pfn = %s max_arch_pfn = %s",
                                       KHex(last_pfn, 3).c_str(),
                                       KHex(max_arch_pfn, 3).c_str()));
  return model::Pfn(last_pfn);
}

// Sorted union of [start, end) pieces; touching pieces merge (memblock
// merges neighbours of the same node and flags, and all of e820's have
// MAX_NUMNODES and no flags).
std::vector<std::pair<uint64_t, uint64_t>> Union(
    std::vector<std::pair<uint64_t, uint64_t>> pieces) {
  std::sort(pieces.begin(), pieces.end());
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& [s, e] : pieces) {
    if (s == e) continue;
    if (!out.empty() && s <= out.back().second) {
      out.back().second = std::max(out.back().second, e);
    } else {
      out.emplace_back(s, e);
    }
  }
  return out;
}

}  // namespace

// --- types -------------------------------------------------------------------

// Kernel: arch/x86/kernel/e820.c e820_print_type (v6.1)
std::string E820PrintType(E820Type type) {
  switch (type) {
    case E820Type::kRam:
    case E820Type::kReservedKern:
      return "usable";
    case E820Type::kReserved:
      return "reserved";
    case E820Type::kSoftReserved:
      return "soft reserved";
    case E820Type::kAcpi:
      return "ACPI data";
    case E820Type::kNvs:
      return "ACPI NVS";
    case E820Type::kUnusable:
      return "unusable";
    case E820Type::kPmem:
    case E820Type::kPram:
      return Sprintf("persistent (type %u)", Raw(type));
  }
  return Sprintf("type %u", Raw(type));
}

// Kernel: arch/x86/kernel/e820.c e820_type_to_string (v6.1)
std::string_view E820TypeToString(E820Type type) {
  switch (type) {
    case E820Type::kReservedKern:
    case E820Type::kRam:
      return "System RAM";
    case E820Type::kAcpi:
      return "ACPI Tables";
    case E820Type::kNvs:
      return "ACPI Non-volatile Storage";
    case E820Type::kUnusable:
      return "Unusable memory";
    case E820Type::kPram:
      return "Persistent Memory (legacy)";
    case E820Type::kPmem:
      return "Persistent Memory";
    case E820Type::kReserved:
      return "Reserved";
    case E820Type::kSoftReserved:
      return "Soft Reserved";
  }
  return "Unknown E820 type";
}

// Kernel: arch/x86/kernel/e820.c e820_type_to_iores_desc (v6.1)
IoresDesc E820TypeToIoresDesc(E820Type type) {
  switch (type) {
    case E820Type::kAcpi:
      return IoresDesc::kAcpiTables;
    case E820Type::kNvs:
      return IoresDesc::kAcpiNvStorage;
    case E820Type::kPmem:
      return IoresDesc::kPersistentMemory;
    case E820Type::kPram:
      return IoresDesc::kPersistentMemoryLegacy;
    case E820Type::kReserved:
      return IoresDesc::kReserved;
    case E820Type::kSoftReserved:
      return IoresDesc::kSoftReserved;
    default:
      return IoresDesc::kNone;
  }
}

// --- tables ------------------------------------------------------------------

// Kernel: arch/x86/kernel/e820.c __e820__range_add (v6.1)
void E820RangeAdd(E820Table* table, PhysAddr start, ByteSize size,
                  E820Type type, model::EventLog* log) {
  if (table->entries.size() >= kE820MaxEntries) {
    log->Printk(LogLevel::kErr,
                Sprintf("too many entries; ignoring [mem %s-%s]",
                        KHex(start.value(), 10).c_str(),
                        KHex(start.value() + size.value() - 1, 10).c_str()));
    return;
  }
  table->entries.push_back(E820Entry{start, size, type});
}

// Kernel: arch/x86/kernel/e820.c e820__update_table (v6.1)
int E820UpdateTable(E820Table* table) {
  std::vector<E820Entry>& entries = table->entries;
  const size_t max_nr_entries = kE820MaxEntries;

  // If there's only one memory region, don't bother.
  if (entries.size() < 2) return -1;
  MEMHP_CHECK(entries.size() <= max_nr_entries)
      << entries.size() << " entries: E820RangeAdd should have refused some";

  // Bail out on any unreasonable (wrapping) address.
  for (const E820Entry& e : entries) {
    if (e.addr.value() + e.size.value() < e.addr.value()) return -1;
  }

  // Change points, omitting empty regions.
  struct ChangeMember {
    size_t entry;   // index into entries
    uint64_t addr;  // this change point
    bool IsEnd(const std::vector<E820Entry>& es) const {
      return addr != es[entry].addr.value();
    }
  };
  std::vector<ChangeMember> change_point;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].size.value() != 0) {
      change_point.push_back({i, entries[i].addr.value()});
      change_point.push_back(
          {i, entries[i].addr.value() + entries[i].size.value()});
    }
  }
  // cpcompare(): by address; at equal addresses starts before ends. The
  // kernel's heapsort orders ties of one kind arbitrarily, which does not
  // change the result: only the overlap set after the last point of an
  // address leaves a non-empty entry behind.
  std::sort(change_point.begin(), change_point.end(),
            [&](const ChangeMember& a, const ChangeMember& b) {
              if (a.addr != b.addr) return a.addr < b.addr;
              return !a.IsEnd(entries) && b.IsEnd(entries);
            });

  std::vector<size_t> overlap_list;
  std::vector<E820Entry> new_entries(max_nr_entries);
  size_t new_nr_entries = 0;
  uint32_t last_type = 0;
  uint64_t last_addr = 0;
  for (const ChangeMember& cp : change_point) {
    if (!cp.IsEnd(entries)) {
      overlap_list.push_back(cp.entry);
    } else {
      auto it = std::find(overlap_list.begin(), overlap_list.end(), cp.entry);
      MEMHP_CHECK(it != overlap_list.end()) << "end before start";
      *it = overlap_list.back();
      overlap_list.pop_back();
    }
    // The larger type value takes precedence.
    uint32_t current_type = 0;
    for (size_t i : overlap_list) {
      current_type = std::max(current_type, Raw(entries[i].type));
    }
    if (current_type != last_type || E820Nomerge(current_type)) {
      if (last_type != 0) {
        new_entries[new_nr_entries].size = ByteSize(cp.addr - last_addr);
        // Move forward only if the new size was non-zero.
        if (new_entries[new_nr_entries].size.value() != 0) {
          if (++new_nr_entries >= max_nr_entries) break;
        }
      }
      if (current_type != 0) {
        new_entries[new_nr_entries].addr = PhysAddr(cp.addr);
        new_entries[new_nr_entries].type = static_cast<E820Type>(current_type);
        last_addr = cp.addr;
      }
      last_type = current_type;
    }
  }
  new_entries.resize(new_nr_entries);
  entries = std::move(new_entries);
  return 0;
}

// Kernel: arch/x86/kernel/e820.c __e820__range_update (v6.1)
std::optional<ByteSize> E820RangeUpdate(E820Table* table, PhysAddr start,
                                        ByteSize size, E820Type old_type,
                                        E820Type new_type,
                                        model::EventLog* log) {
  if (old_type == new_type) {
    log->Bug({"arch/x86/kernel/e820.c", "__e820__range_update"}, {});
    return std::nullopt;
  }
  const uint64_t s = start.value();
  uint64_t sz = size.value();
  if (sz > kU64Max - s) sz = kU64Max - s;
  const uint64_t end = s + sz;
  log->Printk(
      LogLevel::kDebug,
      Sprintf("e820: update [mem %s-%s] %s ==> %s", KHex(s, 10).c_str(),
              KHex(end - 1, 10).c_str(), E820PrintType(old_type).c_str(),
              E820PrintType(new_type).c_str()));

  uint64_t real_updated_size = 0;
  // By index: the pieces appended below are visited too, as in the kernel.
  for (size_t i = 0; i < table->entries.size(); ++i) {
    const E820Entry entry = table->entries[i];
    if (entry.type != old_type) continue;
    const uint64_t addr = entry.addr.value();
    const uint64_t entry_end = addr + entry.size.value();

    // Completely covered by new range?
    if (addr >= s && entry_end <= end) {
      table->entries[i].type = new_type;
      real_updated_size += entry.size.value();
      continue;
    }
    // New range is completely covered?
    if (addr < s && entry_end > end) {
      E820RangeAdd(table, PhysAddr(s), ByteSize(sz), new_type, log);
      E820RangeAdd(table, PhysAddr(end), ByteSize(entry_end - end), entry.type,
                   log);
      table->entries[i].size = ByteSize(s - addr);
      real_updated_size += sz;
      continue;
    }
    // Partially covered.
    const uint64_t final_start = std::max(s, addr);
    const uint64_t final_end = std::min(end, entry_end);
    if (final_start >= final_end) continue;
    E820RangeAdd(table, PhysAddr(final_start),
                 ByteSize(final_end - final_start), new_type, log);
    real_updated_size += final_end - final_start;
    // The left range could be head or tail: size first.
    table->entries[i].size =
        ByteSize(entry.size.value() - (final_end - final_start));
    if (addr < final_start) continue;
    table->entries[i].addr = PhysAddr(final_end);
  }
  return ByteSize(real_updated_size);
}

// Kernel: arch/x86/kernel/e820.c e820__range_remove (v6.1)
ByteSize E820RangeRemove(E820Table* table, PhysAddr start, ByteSize size,
                         E820Type old_type, bool check_type,
                         model::EventLog* log) {
  const uint64_t s = start.value();
  uint64_t sz = size.value();
  if (sz > kU64Max - s) sz = kU64Max - s;
  const uint64_t end = s + sz;
  // "e820: remove [mem %#010Lx-%#010Lx] " then the type, or nothing: the
  // line keeps its trailing space without check_type.
  std::string text = Sprintf("e820: remove [mem %s-%s] ", KHex(s, 10).c_str(),
                             KHex(end - 1, 10).c_str());
  if (check_type) text += E820PrintType(old_type);
  log->Printk(LogLevel::kDebug, std::move(text));

  uint64_t real_removed_size = 0;
  for (size_t i = 0; i < table->entries.size(); ++i) {
    const E820Entry entry = table->entries[i];
    if (check_type && entry.type != old_type) continue;
    const uint64_t addr = entry.addr.value();
    const uint64_t entry_end = addr + entry.size.value();

    // Completely covered?
    if (addr >= s && entry_end <= end) {
      real_removed_size += entry.size.value();
      table->entries[i] = E820Entry{PhysAddr(0), ByteSize(0), E820Type{0}};
      continue;
    }
    // Is the new range completely covered?
    if (addr < s && entry_end > end) {
      E820RangeAdd(table, PhysAddr(end), ByteSize(entry_end - end), entry.type,
                   log);
      table->entries[i].size = ByteSize(s - addr);
      real_removed_size += sz;
      continue;
    }
    // Partially covered.
    const uint64_t final_start = std::max(s, addr);
    const uint64_t final_end = std::min(end, entry_end);
    if (final_start >= final_end) continue;
    real_removed_size += final_end - final_start;
    table->entries[i].size =
        ByteSize(entry.size.value() - (final_end - final_start));
    if (addr < final_start) continue;
    table->entries[i].addr = PhysAddr(final_end);
  }
  return ByteSize(real_removed_size);
}

// Kernel: arch/x86/kernel/e820.c _e820__mapped_any (v6.1)
bool E820MappedAny(const E820Table& table, PhysAddr start, PhysAddr end,
                   std::optional<E820Type> type) {
  for (const E820Entry& entry : table.entries) {
    if (type.has_value() && entry.type != *type) continue;
    if (entry.addr.value() >= end.value() ||
        entry.addr.value() + entry.size.value() <= start.value()) {
      continue;
    }
    return true;
  }
  return false;
}

// Kernel: arch/x86/kernel/e820.c __e820__mapped_all (v6.1)
bool E820MappedAll(const E820Table& table, PhysAddr start, PhysAddr end,
                   std::optional<E820Type> type) {
  uint64_t s = start.value();
  const uint64_t e = end.value();
  for (const E820Entry& entry : table.entries) {
    if (type.has_value() && entry.type != *type) continue;
    const uint64_t entry_end = entry.addr.value() + entry.size.value();
    // Is the region (part) in overlap with the current region?
    if (entry.addr.value() >= e || entry_end <= s) continue;
    // At the beginning of [s, e): it is fine up to its end.
    if (entry.addr.value() <= s) s = entry_end;
    if (s >= e) return true;
  }
  return false;
}

// Kernel: arch/x86/kernel/e820.c e820__print_table (v6.1)
std::string E820FormatEntry(const E820Entry& entry, std::string_view who) {
  return Sprintf("%.*s: [mem %s-%s] %s", static_cast<int>(who.size()),
                 who.data(), KHex(entry.addr.value(), 18).c_str(),
                 KHex(entry.Last().value(), 18).c_str(),
                 E820PrintType(entry.type).c_str());
}

void E820PrintTable(const E820Table& table, std::string_view who,
                    model::EventLog* log) {
  for (const E820Entry& entry : table.entries) {
    log->Printk(LogLevel::kInfo, E820FormatEntry(entry, who));
  }
}

// --- parsing the printed table -----------------------------------------------

namespace {

constexpr std::string_view kHeaders[] = {
    "BIOS-provided physical RAM map:", "user-defined physical RAM map:",
    "modified physical RAM map:",      "extended physical RAM map:",
    "fixed physical RAM map:",
};

constexpr char kTypeExpectation[] =
    "expected an e820 type: usable, reserved, soft reserved, ACPI data, "
    "ACPI NVS, unusable, persistent (type 7), persistent (type 12) or "
    "type N";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A cursor over one line; errors name the 1-based column of their token.
class LineCursor {
 public:
  LineCursor(std::string_view line, int line_no, std::string_view file)
      : line_(line), line_no_(line_no), file_(file) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return AtEnd() ? '\0' : line_[pos_]; }
  std::string_view Rest() const { return line_.substr(pos_); }

  absl::Status ErrorAt(size_t at, std::string_view what) const {
    return model::BadInput(
        {std::string(file_), line_no_, static_cast<int>(at) + 1}, what);
  }
  void SkipSpace() {
    while (!AtEnd() &&
           (line_[pos_] == ' ' || line_[pos_] == '\t' || line_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(std::string_view literal) {
    if (line_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  // printk_time's "[    0.000000]", then CONFIG_PRINTK_CALLER's
  // "[     T0]" if present.
  absl::Status SkipPrefixes() {
    SkipSpace();
    if (Peek() != '[') return absl::OkStatus();
    const size_t at = pos_;
    ++pos_;
    SkipSpace();
    size_t digits = 0;
    while (IsDigit(Peek())) ++pos_, ++digits;
    if (digits == 0 || !Consume(".")) return BadTimestamp(at);
    digits = 0;
    while (IsDigit(Peek())) ++pos_, ++digits;
    if (digits == 0 || !Consume("]")) return BadTimestamp(at);
    SkipSpace();
    if (Peek() != '[') return absl::OkStatus();
    const size_t caller = pos_;
    ++pos_;
    SkipSpace();
    if (Peek() != 'T' && Peek() != 'C') return BadCaller(caller);
    ++pos_;
    digits = 0;
    while (IsDigit(Peek())) ++pos_, ++digits;
    if (digits == 0 || !Consume("]")) return BadCaller(caller);
    SkipSpace();
    return absl::OkStatus();
  }

  // "0x" and hex digits, fitting in 64 bits.
  absl::StatusOr<uint64_t> HexToken() {
    const size_t at = pos_;
    size_t end = pos_;
    // The whole word, so "0x0g" is one bad token.
    while (end < line_.size() &&
           std::isalnum(static_cast<unsigned char>(line_[end]))) {
      ++end;
    }
    const std::string_view tok = line_.substr(at, end - at);
    if (tok.size() < 3 || tok[0] != '0' || (tok[1] != 'x' && tok[1] != 'X')) {
      return ErrorAt(at, "expected a hex address like 0x000000000009fbff");
    }
    const model::HexDigits hex = model::ParseHexDigits(tok.substr(2));
    if (hex.result == model::HexDigits::kOverflow) {
      return ErrorAt(
          at, model::Cat("expected an address below 2^64, got '", tok, "'"));
    }
    if (hex.result != model::HexDigits::kOk) {
      return ErrorAt(at, "expected a hex address like 0x000000000009fbff");
    }
    const uint64_t v = hex.value;
    pos_ = end;
    return v;
  }

  // The rest of the line as an e820_print_type() text.
  absl::StatusOr<E820Type> TypeToken() {
    const size_t at = pos_;
    std::string_view tok = Rest();
    while (!tok.empty() &&
           (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\r')) {
      tok.remove_suffix(1);
    }
    for (E820Type t : {E820Type::kRam, E820Type::kReserved,
                       E820Type::kSoftReserved, E820Type::kAcpi, E820Type::kNvs,
                       E820Type::kUnusable, E820Type::kPmem, E820Type::kPram}) {
      if (tok == E820PrintType(t)) {
        pos_ = line_.size();
        return t;
      }
    }
    if (tok.substr(0, 5) != "type " || tok.size() == 5) {
      return ErrorAt(at, kTypeExpectation);
    }
    uint64_t v = 0;
    for (char c : tok.substr(5)) {
      if (!IsDigit(c)) return ErrorAt(at, kTypeExpectation);
      v = v * 10 + static_cast<uint64_t>(c - '0');
      if (v > UINT32_MAX) {
        return ErrorAt(at + 5, model::Cat("expected a type below 2^32, got '",
                                          tok.substr(5), "'"));
      }
    }
    const E820Type t = static_cast<E820Type>(v);
    if (E820PrintType(t) != tok) {
      return ErrorAt(at + 5, Sprintf("expected '%s' for type %u, as the kernel "
                                     "prints it",
                                     E820PrintType(t).c_str(), Raw(t)));
    }
    pos_ = line_.size();
    return t;
  }

 private:
  absl::Status BadTimestamp(size_t at) const {
    return ErrorAt(at, "expected a dmesg timestamp like '[    0.000000]'");
  }
  absl::Status BadCaller(size_t at) const {
    return ErrorAt(at, "expected a printk caller id like '[      T0]'");
  }

  std::string_view line_;
  size_t pos_ = 0;
  int line_no_;
  std::string_view file_;
};

// One line: an entry, or nullopt for lines without one.
absl::StatusOr<std::optional<E820Entry>> ParseLine(std::string_view line,
                                                   int line_no,
                                                   std::string_view file,
                                                   std::string_view who) {
  LineCursor c(line, line_no, file);
  if (absl::Status s = c.SkipPrefixes(); !s.ok()) return s;
  if (c.AtEnd() || c.Peek() == '#') return std::nullopt;
  for (std::string_view header : kHeaders) {
    if (c.Rest().substr(0, header.size()) == header) {
      c.Consume(header);
      c.SkipSpace();
      if (!c.AtEnd()) {
        return c.ErrorAt(c.pos(), model::Cat("expected the end of the line "
                                             "after '",
                                             header, "'"));
      }
      return std::nullopt;
    }
  }
  if (!c.Consume(who)) {
    return c.ErrorAt(c.pos(),
                     model::Cat("expected '", who,
                                ": [mem START-END] TYPE', a kernel header "
                                "like 'BIOS-provided physical RAM map:', a "
                                "'#' comment or a blank line"));
  }
  if (!c.Consume(":")) {
    return c.ErrorAt(c.pos(), model::Cat("expected ':' after '", who, "'"));
  }
  c.SkipSpace();
  if (!c.Consume("[mem")) return c.ErrorAt(c.pos(), "expected '[mem'");
  c.SkipSpace();
  const size_t start_at = c.pos();
  absl::StatusOr<uint64_t> start = c.HexToken();
  if (!start.ok()) return start.status();
  c.SkipSpace();
  if (!c.Consume("-")) {
    return c.ErrorAt(c.pos(), "expected '-' between the start and end address");
  }
  c.SkipSpace();
  const size_t end_at = c.pos();
  absl::StatusOr<uint64_t> last = c.HexToken();
  if (!last.ok()) return last.status();
  c.SkipSpace();
  if (!c.Consume("]")) {
    return c.ErrorAt(c.pos(), "expected ']' after the end address");
  }
  if (*last < *start) {
    return c.ErrorAt(end_at, Sprintf("expected an end address >= the start %s",
                                     KHex(*start, 18).c_str()));
  }
  if (*start == 0 && *last == kU64Max) {
    return c.ErrorAt(start_at,
                     "expected a range smaller than 2^64 bytes (an e820 size "
                     "is a u64)");
  }
  c.SkipSpace();
  absl::StatusOr<E820Type> type = c.TypeToken();
  if (!type.ok()) return type.status();
  return E820Entry{PhysAddr(*start), ByteSize(*last - *start + 1), *type};
}

}  // namespace

absl::StatusOr<E820Table> ParseE820Table(std::string_view text,
                                         std::string_view file,
                                         std::string_view who) {
  E820Table table;
  int line_no = 0;
  for (std::string_view line : model::Split(text, '\n')) {
    ++line_no;
    absl::StatusOr<std::optional<E820Entry>> entry =
        ParseLine(line, line_no, file, who);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) continue;
    if (table.entries.size() == kE820MaxEntries) {
      return model::BadInput({std::string(file), line_no, 1},
                             Sprintf("expected at most %zu entries "
                                     "(E820_MAX_ENTRIES)",
                                     kE820MaxEntries));
    }
    table.entries.push_back(**entry);
  }
  if (table.entries.empty()) {
    return model::BadInput({std::string(file), 1, 1},
                           model::Cat("expected at least one '", who,
                                      ": [mem START-END] TYPE' line"));
  }
  return table;
}

// --- boot
// ----------------------------------------------------------------------

E820Setup::E820Setup(E820Table firmware, model::EventLog* log)
    : table_(std::move(firmware)), log_(log) {
  MEMHP_CHECK(log_ != nullptr);
}

// Kernel: arch/x86/kernel/e820.c e820__memory_setup (v6.1)
void E820Setup::E820MemorySetup(std::string_view who) {
  log_->Printk(LogLevel::kInfo, "BIOS-provided physical RAM map:");
  E820PrintTable(table_, who, log_);
}

void E820Setup::Malformed(const char* at, std::string_view what) {
  const int column = cmdline_at_.column + static_cast<int>(at - base_);
  malformed_.push_back(
      model::BadInput({cmdline_at_.file, cmdline_at_.line, column}, what));
}

void E820Setup::Panic(std::string_view message) {
  // early_panic(): early_printk() reaches only the early console; panic()
  // prints these two lines (a stack dump between them is not modelled).
  log_->Printk(LogLevel::kEmerg,
               model::Cat("Kernel panic - not syncing: ", message));
  log_->Printk(
      LogLevel::kEmerg,
      model::Cat("---[ end Kernel panic - not syncing: ", message, " ]---"));
  halted_ = true;
}

// Kernel: init/main.c parse_early_param, parse_early_options (v6.1);
// kernel/params.c parse_args (v6.1)
absl::Status E820Setup::ParseEarlyParam(
    std::string_view cmdline, const model::SourceLocation& cmdline_at) {
  if (size_t nul = cmdline.find('\0'); nul != std::string_view::npos) {
    return model::BadInput(
        {cmdline_at.file, cmdline_at.line,
         cmdline_at.column + static_cast<int>(nul)},
        "expected a command line without NUL bytes (the kernel's is a C "
        "string)");
  }
  if (cmdline.size() >= kCommandLineSize) {
    return model::BadInput(
        {cmdline_at.file, cmdline_at.line,
         cmdline_at.column + static_cast<int>(kCommandLineSize) - 1},
        Sprintf("expected a command line of at most %zu bytes "
                "(COMMAND_LINE_SIZE %zu), got %zu",
                kCommandLineSize - 1, kCommandLineSize, cmdline.size()));
  }
  if (halted_) return absl::OkStatus();
  cmdline_at_ = cmdline_at;
  // tmp_cmdline: parsing writes NULs into it.
  std::string buf(cmdline);
  char* args = buf.data();  // NUL-terminated since C++11
  base_ = args;

  args = SkipSpaces(args);
  while (*args && !halted_) {
    char* param;
    char* val;
    args = NextArg(args, &param, &val);
    // Stop at "--": the rest is for init.
    if (!val && std::strcmp(param, "--") == 0) break;
    // parse_one() with no known parameters hands everything to
    // do_early_param().
    DoEarlyParam(param, val);
  }
  base_ = nullptr;
  return absl::OkStatus();
}

// Kernel: init/main.c do_early_param (v6.1), for the early_params of
// arch/x86/kernel/e820.c. parameq() equates '-' and '_', which "mem" and
// "memmap" do not contain.
void E820Setup::DoEarlyParam(char* param, char* val) {
  int rc = 0;
  if (std::strcmp(param, "mem") == 0) {
    rc = ParseMemopt(param, val);
  } else if (std::strcmp(param, "memmap") == 0) {
    rc = ParseMemmapOpt(val);
  } else {
    return;
  }
  if (rc != 0) {
    log_->Printk(LogLevel::kWarning,
                 Sprintf("Malformed early option '%s'", param));
  }
}

// Kernel: arch/x86/kernel/e820.c parse_memopt (v6.1)
int E820Setup::ParseMemopt(const char* param, char* p) {
  constexpr int kEinval = -static_cast<int>(model::Errno::kEINVAL);
  if (p == nullptr) {
    Malformed(param,
              "expected mem=SIZE: parse_memopt returns -EINVAL for a bare "
              "'mem' and the kernel warns \"Malformed early option 'mem'\"");
    return kEinval;
  }
  if (std::strcmp(p, "nopentium") == 0) {
    log_->Printk(LogLevel::kWarning,
                 "mem=nopentium ignored! (only supported on x86_32)");
    Malformed(p,
              "expected mem=SIZE: mem=nopentium is for x86_32; parse_memopt "
              "returns -EINVAL");
    return kEinval;
  }
  userdef_ = true;
  char* const oldp = p;
  bool overflow = false;
  const uint64_t mem_size = Memparse(p, &p, &overflow);
  if (overflow) {
    Malformed(oldp, Sprintf("expected a size below 2^64: memparse wraps it "
                            "to %s",
                            KHex(mem_size, 3).c_str()));
  }
  // Don't remove all memory when getting "mem={invalid}".
  if (mem_size == 0) {
    Malformed(oldp,
              "expected a non-zero size after mem=: parse_memopt returns "
              "-EINVAL (the map still counts as user-defined)");
    return kEinval;
  }
  if (*p != '\0') {
    Malformed(p, Sprintf("expected the end of the option after the size: "
                         "parse_memopt ignores '%s'",
                         p));
  }
  E820RangeRemove(&table_, PhysAddr(mem_size), ByteSize(kU64Max - mem_size),
                  E820Type::kRam, true, log_);
  max_mem_size_ = ByteSize(mem_size);
  return 0;
}

// Kernel: arch/x86/kernel/e820.c parse_memmap_one (v6.1)
int E820Setup::ParseMemmapOne(char* p) {
  constexpr int kEinval = -static_cast<int>(model::Errno::kEINVAL);
  if (p == nullptr) return kEinval;

  if (std::strncmp(p, "exactmap", 8) == 0) {
    table_.entries.clear();
    userdef_ = true;
    if (p[8] != '\0') {
      Malformed(p + 8, Sprintf("expected ',' or the end of the entry after "
                               "'exactmap': the kernel ignores '%s'",
                               p + 8));
    }
    return 0;
  }

  char* const oldp = p;
  bool overflow = false;
  const uint64_t mem_size = Memparse(p, &p, &overflow);
  if (p == oldp) {
    Malformed(p,
              "expected a size (nn[KMGTPE]) at the start of a memmap= entry: "
              "parse_memmap_one returns -EINVAL and the entry is ignored");
    return kEinval;
  }
  if (overflow) {
    Malformed(oldp, Sprintf("expected a size below 2^64: memparse wraps it "
                            "to %s",
                            KHex(mem_size, 3).c_str()));
  }

  userdef_ = true;
  const char op = *p;
  if (op == '@' || op == '#' || op == '$' || op == '!') {
    char* const start_text = p + 1;
    overflow = false;
    const uint64_t start_at = Memparse(p + 1, &p, &overflow);
    if (overflow) {
      Malformed(start_text, Sprintf("expected an address below 2^64: "
                                    "memparse wraps it to %s",
                                    KHex(start_at, 3).c_str()));
    }
    const E820Type type = op == '@'   ? E820Type::kRam
                          : op == '#' ? E820Type::kAcpi
                          : op == '$' ? E820Type::kReserved
                                      : E820Type::kPram;
    E820RangeAdd(&table_, PhysAddr(start_at), ByteSize(mem_size), type, log_);
  } else if (op == '%') {
    char* const start_text = p + 1;
    overflow = false;
    const uint64_t start_at = Memparse(p + 1, &p, &overflow);
    if (overflow) {
      Malformed(start_text, Sprintf("expected an address below 2^64: "
                                    "memparse wraps it to %s",
                                    KHex(start_at, 3).c_str()));
    }
    // enum e820_type is 32 bits wide: the kernel truncates the values.
    auto parse_type = [&](char* text) {
      bool type_overflow = false;
      const uint64_t v = SimpleStrtoull(text, &p, &type_overflow);
      if (type_overflow || v > UINT32_MAX) {
        Malformed(text, Sprintf("expected a type below 2^32: enum e820_type "
                                "truncates it to %u",
                                static_cast<uint32_t>(v)));
      }
      return static_cast<uint32_t>(v);
    };
    uint32_t from = 0, to = 0;
    if (*p == '-') from = parse_type(p + 1);
    if (*p == '+') to = parse_type(p + 1);
    if (*p != '\0') {
      Malformed(p,
                "expected '-TYPE', '+TYPE', ',' or the end of the entry: "
                "parse_memmap_one returns -EINVAL before changing the map");
      return kEinval;
    }
    if (from != 0 && to != 0) {
      if (from == to) {
        Malformed(oldp, Sprintf("expected two different types in %s: "
                                "e820__range_update BUGs on %u ==> %u",
                                oldp, from, to));
      }
      if (!E820RangeUpdate(&table_, PhysAddr(start_at), ByteSize(mem_size),
                           static_cast<E820Type>(from),
                           static_cast<E820Type>(to), log_)
               .has_value()) {
        halted_ = true;
        return 0;
      }
    } else if (to != 0) {
      E820RangeAdd(&table_, PhysAddr(start_at), ByteSize(mem_size),
                   static_cast<E820Type>(to), log_);
    } else if (from != 0) {
      E820RangeRemove(&table_, PhysAddr(start_at), ByteSize(mem_size),
                      static_cast<E820Type>(from), true, log_);
    } else {
      E820RangeRemove(&table_, PhysAddr(start_at), ByteSize(mem_size),
                      E820Type{0}, false, log_);
    }
  } else {
    // memmap=nn: like mem=nn, without max_mem_size.
    E820RangeRemove(&table_, PhysAddr(mem_size), ByteSize(kU64Max - mem_size),
                    E820Type::kRam, true, log_);
    if (*p != '\0') {
      Malformed(p,
                "expected '@', '#', '$', '!', '%', ',' or the end of the entry "
                "after the size: the kernel removed the RAM above it, then "
                "returned -EINVAL");
      return kEinval;
    }
    return 0;
  }
  if (*p != '\0') {
    Malformed(p,
              "expected ',' or the end of the entry after the address: the "
              "kernel changed the map, then returned -EINVAL");
    return kEinval;
  }
  return 0;
}

// Kernel: arch/x86/kernel/e820.c parse_memmap_opt (v6.1)
int E820Setup::ParseMemmapOpt(char* str) {
  while (str != nullptr && !halted_) {
    char* k = std::strchr(str, ',');
    if (k != nullptr) *k++ = '\0';
    // The return value is dropped: no "Malformed early option" for memmap=.
    ParseMemmapOne(str);
    str = k;
  }
  return 0;
}

// Kernel: arch/x86/kernel/e820.c e820__finish_early_params (v6.1)
void E820Setup::E820FinishEarlyParams() {
  if (halted_ || !userdef_) return;
  if (E820UpdateTable(&table_) < 0) {
    Panic("Invalid user supplied memory map");
    return;
  }
  log_->Printk(LogLevel::kInfo, "user-defined physical RAM map:");
  E820PrintTable(table_, "user", log_);
}

// Kernel: arch/x86/kernel/setup.c e820_add_kernel_range (v6.1)
void E820Setup::E820AddKernelRange(PhysRange kernel) {
  if (halted_) return;
  if (E820MappedAll(table_, kernel.start(), kernel.end(), E820Type::kRam)) {
    return;
  }
  log_->Printk(LogLevel::kWarning,
               ".text .data .bss are not marked as E820_TYPE_RAM!");
  E820RangeRemove(&table_, kernel.start(), kernel.size(), E820Type::kRam, false,
                  log_);
  E820RangeAdd(&table_, kernel.start(), kernel.size(), E820Type::kRam, log_);
}

// Kernel: arch/x86/kernel/setup.c trim_bios_range (v6.1)
void E820Setup::TrimBiosRange() {
  if (halted_) return;
  // The first 4 KiB: BIOS-owned, generally not listed as such.
  E820RangeUpdate(&table_, PhysAddr(0), ByteSize(kPageSize), E820Type::kRam,
                  E820Type::kReserved, log_);
  // Some BIOSes report 640 KiB .. 1 MiB as RAM.
  E820RangeRemove(&table_, kBiosBegin, kBiosEnd - kBiosBegin, E820Type::kRam,
                  true, log_);
  E820UpdateTable(&table_);
}

absl::StatusOr<E820SetupResult> SetupArchE820(
    E820Table firmware, std::string_view cmdline,
    const model::SourceLocation& cmdline_at, model::EventLog* log,
    std::optional<PhysRange> kernel_image) {
  E820Setup setup(std::move(firmware), log);
  setup.E820MemorySetup("BIOS-e820");
  if (absl::Status s = setup.ParseEarlyParam(cmdline, cmdline_at); !s.ok()) {
    return s;
  }
  setup.E820FinishEarlyParams();
  if (kernel_image.has_value()) setup.E820AddKernelRange(*kernel_image);
  setup.TrimBiosRange();
  return E820SetupResult{
      .table = setup.table(),
      .userdef = setup.userdef(),
      .max_mem_size = setup.max_mem_size(),
      .halted = setup.halted(),
      .malformed = setup.malformed(),
  };
}

// --- consumers
// -----------------------------------------------------------------

// Kernel: arch/x86/kernel/e820.c e820__memblock_setup (v6.1);
// mm/memblock.c memblock_trim_memory (v6.1)
E820Memblock E820MemblockSetup(const E820Table& table,
                               const model::Geometry& geometry) {
  std::vector<std::pair<uint64_t, uint64_t>> memory, reserved;
  for (const E820Entry& entry : table.entries) {
    const uint64_t base = entry.addr.value();
    // memblock_cap_size(): at most up to PHYS_ADDR_MAX.
    const uint64_t size = std::min(entry.size.value(), kU64Max - base);
    if (entry.type == E820Type::kSoftReserved) {
      reserved.emplace_back(base, base + size);
    }
    if (entry.type != E820Type::kRam && entry.type != E820Type::kReservedKern) {
      continue;
    }
    memory.emplace_back(base, base + size);
  }

  E820Memblock out;
  // memblock_trim_memory(PAGE_SIZE): throw away partial pages.
  const uint64_t align = geometry.PageSize().value();
  for (const auto& [orig_start, orig_end] : Union(std::move(memory))) {
    const uint64_t start = RoundUp(orig_start, align);
    const uint64_t end = orig_end & ~(align - 1);
    if (start < end) out.memory.emplace_back(PhysAddr(start), PhysAddr(end));
  }
  for (const auto& [s, e] : Union(std::move(reserved))) {
    out.reserved.emplace_back(PhysAddr(s), PhysAddr(e));
  }
  return out;
}

// Kernel: arch/x86/kernel/e820.c e820__reserve_resources (v6.1)
std::vector<E820Resource> E820ReserveResources(const E820Table& table) {
  std::vector<E820Resource> out;
  for (const E820Entry& entry : table.entries) {
    const uint64_t start = entry.addr.value();
    const uint64_t size = entry.size.value();
    // See the DIVERGENCE in the header: empty or reaching 2^64.
    if (size == 0 || start + size <= start) continue;
    out.push_back(E820Resource{
        .range = PhysRange(entry.addr, PhysAddr(start + size)),
        .name = std::string(E820TypeToString(entry.type)),
        .busy = DoMarkBusy(entry.type, start),
        .desc = E820TypeToIoresDesc(entry.type),
        .system_ram = entry.type == E820Type::kRam ||
                      entry.type == E820Type::kReservedKern,
    });
  }
  return out;
}

// Kernel: arch/x86/kernel/e820.c e820__reserve_resources_late (v6.1)
std::vector<PhysRange> E820ReserveResourcesLate(const E820Table& table,
                                                model::EventLog* log) {
  std::vector<PhysRange> out;
  // Bump RAM up to reasonable boundaries, to avoid stolen RAM.
  for (const E820Entry& entry : table.entries) {
    if (entry.type != E820Type::kRam) continue;
    const uint64_t start = entry.addr.value() + entry.size.value();
    const uint64_t end = RoundUp(start, RamAlignment(start)) - 1;
    if (start >= end) continue;
    log->Printk(LogLevel::kDebug,
                Sprintf("e820: reserve RAM buffer [mem %s-%s]",
                        KHex(start, 10).c_str(), KHex(end, 10).c_str()));
    // DIVERGENCE: a buffer reaching the last byte of the 64-bit space loses
    // that byte (PhysRange is half-open); no x86 CPU addresses it.
    out.emplace_back(PhysAddr(start),
                     PhysAddr(end == kU64Max ? kU64Max : end + 1));
  }
  return out;
}

// Kernel: arch/x86/kernel/e820.c e820__end_of_ram_pfn (v6.1)
model::Pfn E820EndOfRamPfn(const E820Table& table,
                           const model::Geometry& geometry,
                           model::EventLog* log) {
  return E820EndPfn(table, geometry, geometry.MaxSparsemPfn().value(), log);
}

// Kernel: arch/x86/kernel/e820.c e820__end_of_low_ram_pfn (v6.1)
model::Pfn E820EndOfLowRamPfn(const E820Table& table,
                              const model::Geometry& geometry,
                              model::EventLog* log) {
  return E820EndPfn(table, geometry,
                    uint64_t{1} << (32 - geometry.page_shift()), log);
}

}  // namespace memhp::hotplug
