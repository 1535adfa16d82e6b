// The kernel's own words, as the capture log and a trace spell them: zone
// names, memory block states, online policies, e820 types, /proc/iomem lines
// and dmesg lines with their timestamps. Each has a parser and a printer, and
// printing what was parsed gives back the kernel's text.

#ifndef MEMHP_TRACES_KERNEL_TEXT_H_
#define MEMHP_TRACES_KERNEL_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hotplug/e820.h"
#include "hotplug/zone_select.h"
#include "model/types.h"
#include "traces/text.h"

namespace memhp::traces {

// The rest of an "ACPI: SRAT: Node N PXM P [mem 0xS-0xE][ hotplug][
// non-volatile]" line (drivers/acpi/numa/srat.c
// acpi_numa_memory_affinity_init) after "ACPI: SRAT: Node ", with the
// cursor left after the flags; errors at the offending column.
struct SratMemoryLine {
  int node = 0;
  model::PhysAddr start;
  model::PhysAddr last;
  bool hotplug = false;
  bool non_volatile = false;
};
absl::StatusOr<SratMemoryLine> ParseSratMemoryLine(LineScanner& s);

// zone_names[] of mm/page_alloc.c (v6.1), every CONFIG on: "DMA", "DMA32",
// "Normal", "HighMem", "Movable", "Device".
const std::vector<std::string_view>& ZoneNames();
bool IsZoneName(std::string_view s);

// The state attribute of a memory block (drivers/base/memory.c state_show).
enum class BlockState { kOnline, kOffline, kGoingOffline };
std::string_view BlockStateName(BlockState s);  // "going-offline"
std::optional<BlockState> ParseBlockState(std::string_view s);
std::vector<BlockState> AllBlockStates();

// online_type_to_str[] (drivers/base/memory.c): auto_online_blocks and the
// values a block's state attribute accepts besides "offline".
// The type and its names are hotplug's (hotplug/zone_select.h).
using OnlineType = hotplug::OnlineType;
using hotplug::OnlineTypeName;  // "online_movable"
std::optional<OnlineType> ParseOnlineType(std::string_view s);
std::vector<OnlineType> AllOnlineTypes();

// The firmware map's types and their printed names are hotplug's
// (hotplug/e820.h): e820_type and e820_print_type().
using E820Type = hotplug::E820Type;
inline std::string E820TypeName(E820Type t) {
  return hotplug::E820PrintType(t);
}
// The inverse, for the names a firmware table can carry: "usable" is kRam;
// "type N" only for an N that has no name of its own.
std::optional<E820Type> ParseE820Type(std::string_view s);

// One line of /proc/iomem: "%*s%0*llx-%0*llx : %s" with depth * 2 spaces and
// width 8 (kernel/resource.c r_show, v6.1). `end` is inclusive, as printed.
struct IomemLine {
  int depth = 0;
  model::PhysAddr start;
  model::PhysAddr end;
  std::string name;

  bool operator==(const IomemLine&) const = default;
};
std::string RenderIomemLine(const IomemLine& l);
// Parses the whole of `s.text()`. Guarantees on success: start <= end, name
// is not empty. With `canonical`, the text must be exactly what
// RenderIomemLine prints (lowercase, zero-padded to 8 digits).
// Errors: BadInput at the offending column.
absl::StatusOr<IomemLine> ParseIomemLine(const LineScanner& s, bool canonical);

// A kernel log line as the console and dmesg print it:
// "[%5lu.%06lu] text" (printk_time). `timestamp` keeps the brackets and the
// padding exactly ("[    0.000000]"); `text` is everything after the one
// space that follows it (possibly empty, trailing blanks kept).
struct KernelLine {
  int line = 0;  // in the file it was read from
  std::string timestamp;
  std::string text;

  bool operator==(const KernelLine&) const = default;
};
// A kernel line if `text` starts with a well-formed timestamp: '[', blanks,
// digits, '.', digits, ']', then a space or the end of the line.
std::optional<KernelLine> ParseKernelLine(std::string_view text, int line);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_KERNEL_TEXT_H_
