// Trace format v1 (traces/FORMAT.md is the reference): a text file a person
// can write and review, parsed into a typed syntax tree and printed back in
// canonical form.
//
//   memhp-trace v1
//   geometry x86_64
//   profile v6.1
//   cmdline "console=ttyS0 memmap=512M%0x120000000+0xefffffff"
//   e820 0x0000000000000000-0x000000000009fbff usable
//
//   boot
//   expect zone node=0 zone=DMA spanned=4095 present=3998 start_pfn=1
//
//   write /sys/devices/system/memory/memory32/state online_movable
//   expect rc 0
//
//   snapshot online_movable
//   expect block memory32 state=online valid_zones=Movable
//
// Invariants of a Trace that ParseTrace returns (and that PrintTrace
// requires):
//  1. config.geometry names a model::Geometry, config.toggles name
//     registered bug toggles;
//  2. exactly one Boot step; before it only DimmAdd steps (cold-plugged
//     DIMMs), without threads;
//  3. ExpectRc and ExpectErrno steps directly follow a Write of the same
//     thread; only Write, DimmAdd, DimmRemove, ExpectRc and ExpectErrno steps
//     carry a thread;
//  4. every string fits the token rules of FORMAT.md (no line breaks or
//     other control characters but tab); identifiers (thread names, DIMM
//     ids) use their restricted alphabets.
// PrintTrace(ParseTrace(PrintTrace(t))) == PrintTrace(t) for every such t.

#ifndef MEMHP_TRACES_TRACE_H_
#define MEMHP_TRACES_TRACE_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "model/profile.h"
#include "model/status.h"
#include "model/types.h"
#include "traces/kernel_text.h"

namespace memhp::traces {

// --- configuration (before `boot`) -----------------------------------------

// A line with one string argument: `kernel 6.1.0-56-amd64`,
// `cmdline "..."`, `qemu "..."`, `toggle NAME`. Every `line` member of the
// tree is the 1-based line of the parsed file, 0 for what was built in code.
struct TextSetting {
  int line = 0;
  std::string text;

  bool operator==(const TextSetting&) const = default;
};

// `e820 0xSTART-0xEND TYPE`: one entry of the firmware memory map, as
// e820__print_table prints it (`last` is inclusive).
struct E820Entry {
  int line = 0;
  model::PhysAddr start;
  model::PhysAddr last;
  E820Type type = E820Type::kRam;

  bool operator==(const E820Entry&) const = default;
};

// `numa 0xSTART-0xEND node=N [hotplug] [non-volatile]`: a memory affinity
// range of the firmware's SRAT (`last` is inclusive).
struct NumaRange {
  int line = 0;
  model::PhysAddr start;
  model::PhysAddr last;
  model::NodeId node;
  bool hotplug = false;
  bool non_volatile = false;

  bool operator==(const NumaRange&) const = default;
};

// `memblock 0xSTART-0xEND node=N [hotplug] [nomap]`: a region of
// memblock.memory as the architecture's early setup leaves it (non-x86
// geometries; "Early memory node ranges" prints these), `last` inclusive;
// hotplug is MEMBLOCK_HOTPLUG, nomap MEMBLOCK_NOMAP.
struct MemblockRange {
  int line = 0;
  model::PhysAddr start;
  model::PhysAddr last;
  model::NodeId node;
  bool hotplug = false;
  bool nomap = false;

  bool operator==(const MemblockRange&) const = default;
};

// `dma-limit 0xADDR` (arm64): the highest CPU address the platform's DMA
// reaches (of_dma_get_max_cpu_address / the IORT), inclusive.
// `firmware-block-size 0xHEX` (ppc64 LMB size, s390x sclp.rzm).
struct AddrSetting {
  int line = 0;
  uint64_t value = 0;

  bool operator==(const AddrSetting&) const = default;
};

// `zones NAME,NAME,...`: the zones the kernel is built with, as its "Zone
// ranges:" block lists them (DMA, DMA32, Normal, Device; ZONE_MOVABLE is
// always there and never listed).
struct ZonesSetting {
  int line = 0;
  std::vector<std::string> names;  // in ZoneType order

  bool operator==(const ZonesSetting&) const = default;
};

// `memoryless-node N`: an online node without memory.
struct NodeSetting {
  int line = 0;
  model::NodeId node;

  bool operator==(const NodeSetting&) const = default;
};

struct Config {
  TextSetting geometry;  // a model::Geometry name
  int profile_line = 0;
  model::KernelVersion profile = model::KernelVersion::kV6_1;
  std::vector<TextSetting> toggles;    // applied in order
  std::optional<TextSetting> kernel;   // uname -r of the run, for the record
  std::optional<TextSetting> cmdline;  // the kernel command line, verbatim
  std::optional<TextSetting> qemu;     // QEMU memory arguments, for the record
  std::vector<E820Entry> e820;         // in table order
  std::vector<NumaRange> numa;
  std::vector<MemblockRange> memblock;   // non-x86 geometries, in order
  std::optional<AddrSetting> dma_limit;  // arm64
  std::optional<AddrSetting> firmware_block_size;  // ppc64, s390x
  std::optional<ZonesSetting> zones;
  std::vector<NodeSetting> memoryless_nodes;

  bool operator==(const Config&) const = default;
};

// --- operations ------------------------------------------------------------

// `boot`: the kernel boots with the configuration and the cold-plugged DIMMs.
struct Boot {
  bool operator==(const Boot&) const = default;
};

// `write PATH VALUE`: a sysfs write (memory block state, dax bus bind/unbind,
// new_id, ...). The value is written as given, without a newline.
struct Write {
  std::string path;  // absolute
  std::string value;

  bool operator==(const Write&) const = default;
};

// `dimm add ID SIZE [node=N] [addr=0xADDR]`: a pc-dimm with a RAM backend of
// SIZE (QMP object-add + device_add at run time; before `boot`, present at
// boot). Without addr, QEMU's placement decides.
struct DimmAdd {
  std::string id;
  model::ByteSize size;
  std::optional<model::NodeId> node;
  std::optional<model::PhysAddr> addr;

  bool operator==(const DimmAdd&) const = default;
};

// `dimm remove ID`: QMP device_del of a DIMM added before.
struct DimmRemove {
  std::string id;

  bool operator==(const DimmRemove&) const = default;
};

// `snapshot LABEL`: a point of observation; the expects that follow compare
// with the state there, and dmesg expects with the lines printed since the
// previous snapshot (or boot).
struct Snapshot {
  std::string label;

  bool operator==(const Snapshot&) const = default;
};

// `schedule TOKEN`: replays one interleaving of the threads exactly; the
// token comes from the race explorer and is opaque here.
struct Schedule {
  std::string token;

  bool operator==(const Schedule&) const = default;
};

// --- expectations ----------------------------------------------------------
// Absent optional fields are not checked.

// `expect zone node=N zone=NAME [spanned=N] [present=N] [start_pfn=N]`
// (at least one of the last three): a zone of /proc/zoneinfo.
struct ExpectZone {
  model::NodeId node;
  std::string zone;  // a ZoneNames() entry
  std::optional<model::NrPages> spanned;
  std::optional<model::NrPages> present;
  std::optional<model::Pfn> start_pfn;

  bool operator==(const ExpectZone&) const = default;
};

// `expect iomem "LINE"`: a line of /proc/iomem, exactly as printed.
struct ExpectIomem {
  IomemLine iomem;

  bool operator==(const ExpectIomem&) const = default;
};

// `expect block memoryN [state=S] [phys_index=HEX] [valid_zones=Z,Z|none]
// [removable=0|1] [node=N]` (at least one field).
struct ExpectBlock {
  model::BlockId id;
  std::optional<BlockState> state;
  std::optional<model::BlockId> phys_index;
  std::optional<std::vector<std::string>> valid_zones;  // empty: "none"
  std::optional<bool> removable;
  std::optional<model::NodeId> node;

  bool operator==(const ExpectBlock&) const = default;
};

// `expect block_size 0xHEX`: /sys/devices/system/memory/block_size_bytes.
struct ExpectBlockSize {
  model::ByteSize size;

  bool operator==(const ExpectBlockSize&) const = default;
};

// `expect auto_online POLICY`: /sys/devices/system/memory/auto_online_blocks.
struct ExpectAutoOnline {
  OnlineType policy = OnlineType::kOffline;

  bool operator==(const ExpectAutoOnline&) const = default;
};

// `expect dax NAME [driver=D] [size=N] [target_node=N] [align=N]
// [resource=0xHEX]` (at least one field): a device of /sys/bus/dax.
struct ExpectDax {
  std::string name;                   // daxR.N
  std::optional<std::string> driver;  // may be empty: no driver bound
  std::optional<model::ByteSize> size;
  std::optional<model::NodeId> target_node;  // -1 is NUMA_NO_NODE
  std::optional<model::ByteSize> align;
  std::optional<model::PhysAddr> resource;

  bool operator==(const ExpectDax&) const = default;
};

// `expect dmesg "TEXT"`: a kernel line (without its timestamp).
struct ExpectDmesg {
  std::string text;

  bool operator==(const ExpectDmesg&) const = default;
};

// `expect rc 0` (the write succeeded) or `expect rc 1` (it failed; the errno
// was not recorded), after a write.
struct ExpectRc {
  int rc = 0;

  bool operator==(const ExpectRc&) const = default;
};

// `expect errno NAME ["TEXT"]`: the write failed with this errno; TEXT is the
// shell's message, for the record.
struct ExpectErrno {
  model::Errno errno_value = model::Errno::kEINVAL;
  std::optional<std::string> text;

  bool operator==(const ExpectErrno&) const = default;
};

using StepKind = std::variant<Boot, Write, DimmAdd, DimmRemove, Snapshot,
                              Schedule, ExpectZone, ExpectIomem, ExpectBlock,
                              ExpectBlockSize, ExpectAutoOnline, ExpectDax,
                              ExpectDmesg, ExpectRc, ExpectErrno>;

// One line of the body. `thread` is empty for the main sequence, else the
// name of a `thread NAME:` prefix.
struct Step {
  int line = 0;  // 1-based line of the parsed file; 0 for a step built in code
  std::string thread;
  StepKind kind;

  bool operator==(const Step&) const = default;
};

struct Trace {
  Config config;
  std::vector<Step> steps;

  bool operator==(const Trace&) const = default;
};

// Parses a whole trace. `file` names it in errors.
// Errors: InvalidArgument "file:line:col: expected ..." (model::BadInput) for
// the first offending token.
absl::StatusOr<Trace> ParseTrace(std::string_view text, std::string_view file);

// The canonical text of `t` (FORMAT.md "Canonical form"), ending in '\n'.
// REQUIRES: t satisfies the invariants of this file's comment.
std::string PrintTrace(const Trace& t);

// One step in canonical form, without the line break.
std::string PrintStep(const Step& s);

// A string as a canonical token: bare when it is non-empty and has only
// printable ASCII other than '"', '\\' and a leading '#', else quoted with
// '"' and '\\' escaped.
std::string QuoteIfNeeded(std::string_view s);
// `s` quoted, with '"' and '\\' escaped.
std::string Quote(std::string_view s);

// `t` with every line number set to 0, to compare trees that came from
// different texts.
Trace WithoutLineNumbers(Trace t);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_TRACE_H_
