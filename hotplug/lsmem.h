// util-linux lsmem(1) as a pure function of a /sys/devices/system/memory
// description: the table (libsmartcols layout), --raw, --pairs, --json and
// the summary lines, byte for byte as util-linux 2.38.1 (Debian 12) prints
// them. Nothing here reads the file system; tests build the description.
//
// Mirrors: util-linux sys-utils/lsmem.c and lib/strutils.c
// size_to_human_string (v2.38.1), and the parts of libsmartcols print.c that
// lsmem's columns reach (no truncation, no wrapping, no tree).

#ifndef MEMHP_HOTPLUG_LSMEM_H_
#define MEMHP_HOTPLUG_LSMEM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/types.h"

namespace memhp::hotplug {

// One /sys/devices/system/memory/memoryN directory, as lsmem reads it.
struct LsmemBlock {
  model::BlockId index;  // N of memoryN.
  // The state file: "online", "offline", "going-offline"; anything else
  // prints as "?". nullopt: no state file.
  std::optional<std::string> state = "online";
  // The removable file: lsmem treats exactly 1 as removable.
  std::optional<int> removable = 1;
  // The first memoryN/nodeM entry; nullopt: none.
  std::optional<int> node;
  // The valid_zones file split on spaces ("none" for a block spanning
  // zones); nullopt: no valid_zones file.
  std::optional<std::vector<std::string>> valid_zones;
};

// /sys/devices/system/memory.
struct LsmemSysfs {
  model::ByteSize block_size;  // block_size_bytes (printed in hex by sysfs).
  std::vector<LsmemBlock> blocks;  // Any order: lsmem sorts by N.
};

enum class LsmemColumn {
  kRange,
  kSize,
  kState,
  kRemovable,
  kBlock,
  kNode,
  kZones,
};

enum class LsmemFormat { kTable, kRaw, kPairs, kJson };

// Which util-linux to mirror. They differ in two places only:
//  - zones: 2.38.1 shows ZONES only if memory0/valid_zones exists, so a
//    machine without memory0 (aarch64 with RAM at 1 TiB) gets an empty
//    column; upstream tests the first block (util-linux issue #4055);
//  - the summary: 2.38.1 prints "%-23s %5s" (human) / "%-23s %15ld"
//    (--bytes); upstream right-aligns the value to column 38.
// kUpstream is util-linux master at 39465c78 (the expected outputs of
// hotplug/testdata); its --bytes summary is not covered by them.
enum class LsmemVersion { k2_38_1, kUpstream };

// Resolved command line. Defaults are `lsmem` without arguments.
struct LsmemOptions {
  // Output columns; empty means RANGE,SIZE,STATE,REMOVABLE,BLOCK.
  std::vector<LsmemColumn> columns;
  // --split: nullopt follows the output columns; an empty list is "none".
  std::optional<std::vector<LsmemColumn>> split;
  bool all = false;         // --all: one line a block.
  bool bytes = false;       // --bytes: SIZE and summary in bytes.
  bool noheadings = false;  // --noheadings.
  LsmemFormat format = LsmemFormat::kTable;
  bool want_table = true;    // false with --summary / --summary=only.
  bool want_summary = true;  // false with --summary=never, -r, -J, -P.
  LsmemVersion version = LsmemVersion::k2_38_1;
};

// Parses lsmem's arguments (without argv[0]) the way its getopt_long loop
// does, option order included ("-J --summary=always" prints a summary).
// --sysroot/-s is accepted and ignored.
// Errors: InvalidArgument naming the argument lsmem would reject (unknown
// column or option, -a with -S, two of -J/-P/-r, summary-only with no
// summary).
absl::StatusOr<LsmemOptions> ParseLsmemArgs(
    const std::vector<std::string>& args);

// lib/strutils.c size_to_human_string(SIZE_SUFFIX_1LETTER): "0B", "128M",
// "1.5G", "15.6G", one rounded decimal, a trailing ".0" dropped.
std::string LsmemHumanSize(model::ByteSize bytes);

// lsmem's stdout for `sysfs`, including the trailing newline.
// REQUIRES: sysfs.blocks is non-empty and has no duplicate index (lsmem
// itself exits with "Failed to read" on an empty directory).
std::string RenderLsmem(const LsmemSysfs& sysfs, const LsmemOptions& options);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_LSMEM_H_
