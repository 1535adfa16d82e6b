#include "hotplug/lsmem.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/check.h"
#include "model/strings.h"

namespace memhp::hotplug {
namespace {

using model::Cat;
using model::Sprintf;

struct ColumnDesc {
  const char* name;
  size_t width_hint;
  bool right;
};

// lsmem's coldescs[]: every column but RANGE is right-aligned; SIZE has a
// width hint of 5.
constexpr std::array<ColumnDesc, 7> kColumns = {{
    {"RANGE", 0, false},
    {"SIZE", 5, true},
    {"STATE", 0, true},
    {"REMOVABLE", 0, true},
    {"BLOCK", 0, true},
    {"NODE", 0, true},
    {"ZONES", 0, true},
}};

const ColumnDesc& Desc(LsmemColumn c) {
  return kColumns[static_cast<size_t>(c)];
}

// lsmem's zone_names[], indexed by its enum zone_id; tokens match
// case-insensitively, anything else is "Unknown".
constexpr std::array<const char*, 8> kZoneNames = {
    "DMA", "DMA32", "Normal", "Highmem", "Movable", "Device", "None", "Unknown",
};
constexpr int kZoneUnknown = 7;
constexpr size_t kMaxNrZones = 8;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int ZoneNameToId(std::string_view name) {
  for (size_t i = 0; i < kZoneNames.size(); ++i) {
    if (EqualsIgnoreCase(name, kZoneNames[i])) return static_cast<int>(i);
  }
  return kZoneUnknown;
}

enum class State { kOnline, kOffline, kGoingOffline, kUnknown };

// lsmem's struct memory_block: one line of output, `count` blocks long.
struct Range {
  uint64_t index = 0;
  uint64_t count = 1;
  State state = State::kUnknown;
  int node = -1;
  bool removable = false;
  std::vector<int> zones;
};

struct Split {
  bool state = false;
  bool removable = false;
  bool node = false;
  bool zones = false;
};

Split SplitPolicy(const std::vector<LsmemColumn>& cols) {
  Split s;
  for (LsmemColumn c : cols) {
    switch (c) {
      case LsmemColumn::kState:
        s.state = true;
        break;
      case LsmemColumn::kRemovable:
        s.removable = true;
        break;
      case LsmemColumn::kNode:
        s.node = true;
        break;
      case LsmemColumn::kZones:
        s.zones = true;
        break;
      default:
        break;
    }
  }
  return s;
}

struct Scan {
  uint64_t block_size = 0;
  bool have_nodes = false;
  bool have_zones = false;
  uint64_t mem_online = 0;
  uint64_t mem_offline = 0;
  std::vector<Range> ranges;
};

Range ReadBlock(const LsmemBlock& b, const Scan& scan) {
  Range r;
  r.index = b.index.value();
  r.removable = b.removable.has_value() && *b.removable == 1;
  if (b.state.has_value()) {
    if (*b.state == "offline") {
      r.state = State::kOffline;
    } else if (*b.state == "online") {
      r.state = State::kOnline;
    } else if (*b.state == "going-offline") {
      r.state = State::kGoingOffline;
    }
  }
  if (scan.have_nodes) r.node = b.node.value_or(-1);
  if (scan.have_zones && b.valid_zones.has_value()) {
    for (const std::string& z : *b.valid_zones) {
      if (r.zones.size() == kMaxNrZones) break;
      r.zones.push_back(ZoneNameToId(z));
    }
  }
  return r;
}

// lsmem's is_mergeable().
bool Mergeable(const Range& curr, const Range& blk, const Split& split,
               const Scan& scan, bool all) {
  if (all) return false;
  if (curr.index + curr.count != blk.index) return false;
  if (split.state && curr.state != blk.state) return false;
  if (split.removable && curr.removable != blk.removable) return false;
  if (split.node && scan.have_nodes && curr.node != blk.node) return false;
  if (split.zones && scan.have_zones) {
    if (curr.zones.size() != blk.zones.size()) return false;
    for (size_t i = 0; i < curr.zones.size(); ++i) {
      if (curr.zones[i] == kZoneUnknown || curr.zones[i] != blk.zones[i]) {
        return false;
      }
    }
  }
  return true;
}

Scan ReadInfo(const LsmemSysfs& sysfs, const Split& split, bool all,
              LsmemVersion version) {
  MEMHP_CHECK(!sysfs.blocks.empty()) << "lsmem needs at least one block";
  std::vector<const LsmemBlock*> sorted;
  for (const LsmemBlock& b : sysfs.blocks) sorted.push_back(&b);
  // scandir(..., versionsort): memoryN sorts by N.
  std::sort(sorted.begin(), sorted.end(),
            [](const LsmemBlock* a, const LsmemBlock* b) {
              return a->index < b->index;
            });
  for (size_t i = 1; i < sorted.size(); ++i) {
    MEMHP_CHECK(sorted[i - 1]->index != sorted[i]->index)
        << "duplicate memory" << sorted[i]->index.value();
  }

  Scan scan;
  scan.block_size = sysfs.block_size.value();
  scan.have_nodes = sorted.front()->node.has_value();
  switch (version) {
    case LsmemVersion::k2_38_1:
      scan.have_zones = sorted.front()->index.value() == 0 &&
                        sorted.front()->valid_zones.has_value();
      break;
    case LsmemVersion::kUpstream:
      scan.have_zones = sorted.front()->valid_zones.has_value();
      break;
  }
  for (const LsmemBlock* b : sorted) {
    Range blk = ReadBlock(*b, scan);
    if (blk.state == State::kOnline) {
      scan.mem_online += scan.block_size;
    } else {
      scan.mem_offline += scan.block_size;
    }
    if (!scan.ranges.empty() &&
        Mergeable(scan.ranges.back(), blk, split, scan, all)) {
      scan.ranges.back().count++;
      continue;
    }
    scan.ranges.push_back(std::move(blk));
  }
  return scan;
}

std::optional<std::string> Cell(const Range& r, LsmemColumn c, const Scan& scan,
                                bool bytes) {
  switch (c) {
    case LsmemColumn::kRange: {
      uint64_t start = r.index * scan.block_size;
      uint64_t end = start + r.count * scan.block_size - 1;
      return Sprintf("0x%016llx-0x%016llx",
                     static_cast<unsigned long long>(start),
                     static_cast<unsigned long long>(end));
    }
    case LsmemColumn::kSize: {
      uint64_t size = r.count * scan.block_size;
      if (bytes) return Cat(size);
      return LsmemHumanSize(model::ByteSize(size));
    }
    case LsmemColumn::kState:
      switch (r.state) {
        case State::kOnline:
          return "online";
        case State::kOffline:
          return "offline";
        case State::kGoingOffline:
          return "on->off";
        case State::kUnknown:
          return "?";
      }
      return "?";
    case LsmemColumn::kRemovable:
      if (r.state != State::kOnline) return std::nullopt;
      return r.removable ? "yes" : "no";
    case LsmemColumn::kBlock:
      if (r.count == 1) return Cat(r.index);
      return Cat(r.index, "-", r.index + r.count - 1);
    case LsmemColumn::kNode:
      if (!scan.have_nodes) return std::nullopt;
      return Cat(r.node);
    case LsmemColumn::kZones: {
      if (!scan.have_zones) return std::nullopt;
      std::vector<std::string_view> names;
      for (int z : r.zones) names.push_back(kZoneNames[z]);
      return model::Join(names, "/");
    }
  }
  return std::nullopt;
}

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// libsmartcols count_column_width(): the widest cell; if that is narrower
// than the header, the header; 2.38.1 (only) otherwise widens to the width
// hint. So 2.38.1 prints SIZE 5 wide for "128M" but 4 wide for "4K".
void PrintTable(const std::vector<LsmemColumn>& cols, const Rows& rows,
                bool noheadings, LsmemVersion version, std::string& out) {
  std::vector<size_t> width(cols.size(), 0);
  for (size_t i = 0; i < cols.size(); ++i) {
    const size_t width_min = std::string_view(Desc(cols[i]).name).size();
    const size_t hint = Desc(cols[i]).width_hint;
    for (const auto& row : rows) {
      if (row[i].has_value()) width[i] = std::max(width[i], row[i]->size());
    }
    if (width[i] < width_min) {
      width[i] = width_min;
    } else if (version == LsmemVersion::k2_38_1 && width[i] < hint &&
               width_min < hint) {
      width[i] = hint;
    }
  }
  auto print_line = [&](const std::vector<std::string_view>& cells) {
    for (size_t i = 0; i < cols.size(); ++i) {
      bool last = i + 1 == cols.size();
      // libsmartcols prints nothing for an empty last cell.
      if (last && cells[i].empty()) break;
      size_t pad = width[i] - cells[i].size();
      if (Desc(cols[i]).right) {
        out.append(pad, ' ');
        out.append(cells[i]);
      } else {
        out.append(cells[i]);
        // libsmartcols does not pad a left-aligned last column.
        if (!last) out.append(pad, ' ');
      }
      if (!last) out.push_back(' ');
    }
    out.push_back('\n');
  };
  if (!noheadings) {
    std::vector<std::string_view> header;
    for (LsmemColumn c : cols) header.push_back(Desc(c).name);
    print_line(header);
  }
  for (const auto& row : rows) {
    std::vector<std::string_view> cells;
    for (const auto& c : row) cells.push_back(c ? std::string_view(*c) : "");
    print_line(cells);
  }
}

void PrintRaw(const std::vector<LsmemColumn>& cols, const Rows& rows,
              bool noheadings, std::string& out) {
  if (!noheadings) {
    std::vector<std::string_view> header;
    for (LsmemColumn c : cols) header.push_back(Desc(c).name);
    out += Cat(model::Join(header, " "), "\n");
  }
  for (const auto& row : rows) {
    std::vector<std::string_view> cells;
    for (const auto& c : row) cells.push_back(c ? std::string_view(*c) : "");
    out += Cat(model::Join(cells, " "), "\n");
  }
}

void PrintPairs(const std::vector<LsmemColumn>& cols, const Rows& rows,
                std::string& out) {
  for (const auto& row : rows) {
    std::vector<std::string> pairs;
    for (size_t i = 0; i < cols.size(); ++i) {
      pairs.push_back(
          Cat(Desc(cols[i]).name, "=\"", row[i].value_or(""), "\""));
    }
    out += Cat(model::Join(pairs, " "), "\n");
  }
}

enum class JsonType { kString, kNumber, kBoolean };

std::string Lower(std::string_view s) {
  std::string l(s);
  for (char& c : l) c = static_cast<char>(std::tolower(c));
  return l;
}

void PrintJson(const std::vector<LsmemColumn>& cols, const Rows& rows,
               bool bytes, std::string& out) {
  out += "{\n   \"memory\": [\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += r == 0 ? "      {\n" : "},{\n";
    for (size_t i = 0; i < cols.size(); ++i) {
      JsonType type = JsonType::kString;
      if (cols[i] == LsmemColumn::kNode ||
          (cols[i] == LsmemColumn::kSize && bytes)) {
        type = JsonType::kNumber;
      } else if (cols[i] == LsmemColumn::kRemovable) {
        type = JsonType::kBoolean;
      }
      const std::string data = rows[r][i].value_or("");
      std::string value;
      switch (type) {
        case JsonType::kString:
          value = data.empty() ? "null" : Cat("\"", data, "\"");
          break;
        case JsonType::kNumber:
          value = data.empty() ? "null" : data;
          break;
        case JsonType::kBoolean:
          value = (data.empty() || data[0] == '0' || data[0] == 'N' ||
                   data[0] == 'n')
                      ? "false"
                      : "true";
          break;
      }
      out += Cat("         \"", Lower(Desc(cols[i]).name), "\": ", value,
                 i + 1 < cols.size() ? ",\n" : "\n");
    }
    out += "      ";
  }
  if (!rows.empty()) out += "}\n";
  out += "   ]\n}\n";
}

void PrintSummary(const Scan& scan, bool bytes, LsmemVersion version,
                  std::string& out) {
  auto line = [&](const char* label, uint64_t v) {
    if (version == LsmemVersion::kUpstream) {
      const std::string value =
          bytes ? Cat(v) : LsmemHumanSize(model::ByteSize(v));
      out += Sprintf("%-23s%15s\n", label, value.c_str());
    } else if (bytes) {
      out +=
          Sprintf("%-23s %15llu\n", label, static_cast<unsigned long long>(v));
    } else {
      out += Sprintf("%-23s %5s\n", label,
                     LsmemHumanSize(model::ByteSize(v)).c_str());
    }
  };
  line("Memory block size:", scan.block_size);
  line("Total online memory:", scan.mem_online);
  line("Total offline memory:", scan.mem_offline);
}

std::vector<LsmemColumn> DefaultColumns() {
  return {LsmemColumn::kRange, LsmemColumn::kSize, LsmemColumn::kState,
          LsmemColumn::kRemovable, LsmemColumn::kBlock};
}

// string_to_idarray() with lsmem's column_name_to_id(): case-insensitive.
absl::Status ParseColumnList(std::string_view list,
                             std::vector<LsmemColumn>& out) {
  for (std::string_view name : model::Split(list, ',')) {
    bool found = false;
    for (size_t i = 0; i < kColumns.size(); ++i) {
      if (EqualsIgnoreCase(name, kColumns[i].name)) {
        out.push_back(static_cast<LsmemColumn>(i));
        found = true;
        break;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(Cat("unknown column: ", name));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string LsmemHumanSize(model::ByteSize size) {
  const uint64_t bytes = size.value();
  int exp = 0;  // get_exp(): the largest multiple of 10 with 2^exp <= bytes.
  while (exp < 60 && bytes >= (uint64_t{1} << (exp + 10))) exp += 10;
  const char suffix = "BKMGTPE"[exp / 10];
  uint64_t dec = exp ? bytes >> exp : bytes;
  uint64_t frac = exp ? bytes & ((uint64_t{1} << exp) - 1) : 0;
  if (frac != 0) {
    // Three digits after the point, then rounded to one.
    if (frac >= UINT64_MAX / 1000) {
      frac = ((frac / 1024) * 1000) / (uint64_t{1} << (exp - 10));
    } else {
      frac = (frac * 1000) / (uint64_t{1} << exp);
    }
    frac = ((frac + 50) / 100) * 10;
    if (frac == 100) {
      dec++;
      frac = 0;
    }
  }
  if (frac == 0) return Cat(dec, suffix);
  // "%d.%02d" with the trailing zero (always there: frac is a multiple of 10)
  // dropped.
  return Cat(dec, ".", frac / 10, suffix);
}

absl::StatusOr<LsmemOptions> ParseLsmemArgs(
    const std::vector<std::string>& args) {
  LsmemOptions o;
  bool output_all = false;
  std::optional<std::string> outarg;
  std::optional<std::string> splitarg;
  int n_formats = 0;
  bool seen_all = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    std::optional<std::string_view> inline_value;
    std::string_view opt = a;
    if (a.substr(0, 2) == "--") {
      size_t eq = a.find('=');
      if (eq != std::string_view::npos) {
        inline_value = a.substr(eq + 1);
        opt = a.substr(0, eq);
      }
    } else if (a.size() > 2 && a[0] == '-' &&
               (a[1] == 'o' || a[1] == 'S' || a[1] == 's')) {
      inline_value = a.substr(2);
      opt = a.substr(0, 2);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return std::string(*inline_value);
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (opt == "-a" || opt == "--all") {
      o.all = true;
      seen_all = true;
    } else if (opt == "-b" || opt == "--bytes") {
      o.bytes = true;
    } else if (opt == "-J" || opt == "--json") {
      o.format = LsmemFormat::kJson;
      o.want_summary = false;
      n_formats++;
    } else if (opt == "-P" || opt == "--pairs") {
      o.format = LsmemFormat::kPairs;
      o.want_summary = false;
      n_formats++;
    } else if (opt == "-r" || opt == "--raw") {
      o.format = LsmemFormat::kRaw;
      o.want_summary = false;
      n_formats++;
    } else if (opt == "-n" || opt == "--noheadings") {
      o.noheadings = true;
    } else if (opt == "-o" || opt == "--output") {
      outarg = value();
      if (!outarg) return absl::InvalidArgumentError("-o needs a list");
    } else if (opt == "--output-all") {
      output_all = true;
    } else if (opt == "-S" || opt == "--split") {
      splitarg = value();
      if (!splitarg) return absl::InvalidArgumentError("-S needs a list");
    } else if (opt == "-s" || opt == "--sysroot") {
      if (!value()) return absl::InvalidArgumentError("-s needs a directory");
    } else if (opt == "--summary") {
      if (!inline_value) {
        o.want_table = false;
      } else if (*inline_value == "never") {
        o.want_summary = false;
      } else if (*inline_value == "only") {
        o.want_table = false;
      } else if (*inline_value == "always") {
        o.want_summary = true;
      } else {
        return absl::InvalidArgumentError("unsupported --summary argument");
      }
    } else {
      return absl::InvalidArgumentError(Cat("unsupported argument: ", a));
    }
  }
  if (n_formats > 1) {
    return absl::InvalidArgumentError(
        "--json, --pairs and --raw are mutually exclusive");
  }
  if (seen_all && splitarg) {
    return absl::InvalidArgumentError(
        "--all and --split are mutually exclusive");
  }
  if (!o.want_table && !o.want_summary) {
    return absl::InvalidArgumentError(
        "options --{raw,json,pairs} and --summary=only are mutually "
        "exclusive");
  }
  if (output_all) {
    for (size_t c = 0; c < kColumns.size(); ++c) {
      o.columns.push_back(static_cast<LsmemColumn>(c));
    }
  } else {
    o.columns = DefaultColumns();
  }
  if (outarg) {
    std::string_view list = *outarg;
    if (!list.empty() && list[0] == '+') {
      list.remove_prefix(1);
    } else {
      o.columns.clear();
    }
    if (absl::Status s = ParseColumnList(list, o.columns); !s.ok()) return s;
    if (o.columns.size() > 2 * kColumns.size()) {
      return absl::InvalidArgumentError("too many columns specified");
    }
  }
  if (splitarg) {
    std::vector<LsmemColumn> split;
    if (!EqualsIgnoreCase(*splitarg, "none")) {
      if (absl::Status s = ParseColumnList(*splitarg, split); !s.ok()) {
        return s;
      }
    }
    o.split = std::move(split);
  }
  return o;
}

std::string RenderLsmem(const LsmemSysfs& sysfs, const LsmemOptions& options) {
  const std::vector<LsmemColumn> cols =
      options.columns.empty() ? DefaultColumns() : options.columns;
  const Split split = SplitPolicy(options.split.value_or(cols));
  const Scan scan = ReadInfo(sysfs, split, options.all, options.version);

  std::string out;
  if (options.want_table) {
    Rows rows;
    for (const Range& r : scan.ranges) {
      std::vector<std::optional<std::string>> row;
      for (LsmemColumn c : cols) row.push_back(Cell(r, c, scan, options.bytes));
      rows.push_back(std::move(row));
    }
    switch (options.format) {
      case LsmemFormat::kTable:
        PrintTable(cols, rows, options.noheadings, options.version, out);
        break;
      case LsmemFormat::kRaw:
        PrintRaw(cols, rows, options.noheadings, out);
        break;
      case LsmemFormat::kPairs:
        PrintPairs(cols, rows, out);
        break;
      case LsmemFormat::kJson:
        PrintJson(cols, rows, options.bytes, out);
        break;
    }
    if (options.want_summary) out += "\n";
  }
  if (options.want_summary)
    PrintSummary(scan, options.bytes, options.version, out);
  return out;
}

}  // namespace memhp::hotplug
