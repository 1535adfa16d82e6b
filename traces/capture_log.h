// A strict reader of capture-log v1 (../shared/ORACLE.md): what a QEMU guest
// running the real kernel printed on its serial console while a scenario ran.
//
//   <console: the kernel's boot messages as they scrolled, anything at all>
//   === memhp-capture v1
//   === cmdline <the kernel command line, verbatim>
//   === kernel <uname -r>
//   === snapshot boot
//   --- /proc/zoneinfo             Node/spanned/present/managed/start_pfn
//   --- /proc/iomem
//   --- /sys/devices/system/memory "block_size_bytes HEX auto_online_blocks
//                                  POLICY", then one line per block
//   --- /sys/bus/dax               one line per device: NAME key=value...
//   --- dmesg                      the kernel lines new since the last snapshot
//   === end snapshot boot
//   === step N write <path> <value> -> rc=<0|1> <error text, possibly empty>
//   === snapshot <label> ... === end snapshot <label>   (more steps, snapshots)
//   === end capture
//   === qemu <the QEMU memory arguments>                  (host-appended)
//
// Kernel lines ("[    5.032586] text") interrupt the capture anywhere on the
// console: in the real logs they appear between a snapshot's end and the next
// step (the messages of a write can even precede its `=== step` line, since
// the guest prints the step after the write returns) and after
// `=== end capture` (power-off). The reader accepts them on a line of their
// own at any point after the header and keeps them in `interleaved`; inside
// a `--- dmesg` section every kernel line is taken as part of the section (a
// console line that landed there cannot be told apart, and the section is
// the authoritative copy anyway). A kernel line cut into the middle of
// another line is garbage and refused. No section line starts with '[', so
// the two never clash.
//
// Strictness: every line after the header is a marker, a kernel line, or a
// well-formed line of the section it is in; markers come in the order above
// (steps numbered 1, 2, ... in order; the first snapshot is labelled boot and
// comes before any step; each snapshot has all five sections in order and
// ends with its own label). Numbers must fit their type. Errors are
// model::BadInput "file:line:col: expected ..."; a truncated log names the
// marker it lacks ("expected '=== end snapshot kmem' before the end of the
// file (truncated log?)"). The reader never crashes on any input.

#ifndef MEMHP_TRACES_CAPTURE_LOG_H_
#define MEMHP_TRACES_CAPTURE_LOG_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "model/types.h"
#include "traces/kernel_text.h"

namespace memhp::traces {

// A console line before the capture header, verbatim. `kernel` is set when
// the line starts with a kernel timestamp (the first console line usually
// does not: the firmware's escape sequences precede it).
struct ConsoleLine {
  int line = 0;
  std::string text;
  std::optional<KernelLine> kernel;
};

// A marker's argument: "=== cmdline ARG".
struct MarkerText {
  int line = 0;
  std::string text;  // verbatim, trailing blanks kept
};

// "Node N, zone NAME" and its spanned/present/managed/start_pfn lines.
struct ZoneinfoRecord {
  int line = 0;  // of the "Node" line
  model::NodeId node;
  std::string zone;  // a ZoneNames() entry
  model::NrPages spanned;
  model::NrPages present;
  model::NrPages managed;
  // Printed only for populated zones (present > 0).
  std::optional<model::Pfn> start_pfn;
};

struct IomemRecord {
  int line = 0;
  IomemLine iomem;
};

// "memoryN state=S phys_index=HEX valid_zones=Z[,Z...] removable=R node=N".
struct MemoryBlockRecord {
  int line = 0;
  model::BlockId id;  // N of memoryN
  BlockState state = BlockState::kOffline;
  model::BlockId phys_index;
  // The zones of valid_zones_show(); empty for "none".
  std::vector<std::string> valid_zones;
  bool removable = false;
  model::NodeId node;
};

struct MemorySection {
  int line = 0;  // of the block_size_bytes line
  model::ByteSize block_size;
  OnlineType auto_online = OnlineType::kOffline;
  std::vector<MemoryBlockRecord> blocks;
};

// "NAME key=value key=value ..." (values may be empty; keys unique).
struct DaxRecord {
  int line = 0;
  std::string name;
  std::vector<std::pair<std::string, std::string>> fields;
};

struct CaptureSnapshot {
  int line = 0;  // "=== snapshot LABEL"
  std::string label;
  int zoneinfo_line = 0;  // the "--- " section markers
  int iomem_line = 0;
  int memory_line = 0;
  int dax_line = 0;
  int dmesg_line = 0;
  int end_line = 0;  // "=== end snapshot LABEL"
  std::vector<ZoneinfoRecord> zones;
  std::vector<IomemRecord> iomem;
  MemorySection memory;
  std::vector<DaxRecord> dax;
  std::vector<KernelLine> dmesg;
};

// "=== step N write PATH VALUE -> rc=R ERROR", or a DIMM plugged or
// unplugged by the host through QMP: "=== step N dimm add ID SIZE -> rc=R",
// "=== step N dimm remove ID -> rc=R" (traces/capture/README.md).
struct CaptureStep {
  enum class Kind { kWrite, kDimmAdd, kDimmRemove };
  int line = 0;
  int number = 0;
  Kind kind = Kind::kWrite;
  std::string path;     // kWrite
  std::string value;    // kWrite: up to the first " -> rc="; may be empty
  std::string dimm_id;  // kDimmAdd, kDimmRemove
  model::ByteSize dimm_size{0};            // kDimmAdd
  std::optional<model::NodeId> dimm_node;  // kDimmAdd: "node=N"
  int rc = 0;                              // the shell's status: 0 ok, 1 failed
  std::string error;     // the shell's error text, trailing blanks removed
  int error_column = 0;  // 1-based column of `error` (for messages)
};

using CaptureEntry = std::variant<CaptureSnapshot, CaptureStep>;

struct CaptureLog {
  std::string file;
  std::vector<ConsoleLine> console;  // before the header
  int header_line = 0;               // "=== memhp-capture v1"
  MarkerText cmdline;
  MarkerText kernel;
  std::vector<CaptureEntry> entries;    // snapshots and steps in file order
  int end_capture_line = 0;             // "=== end capture"
  MarkerText qemu;                      // "=== qemu ARGS"
  std::vector<KernelLine> interleaved;  // kernel lines outside dmesg sections

  std::vector<const CaptureSnapshot*> Snapshots() const;
  std::vector<const CaptureStep*> Steps() const;
};

// Reads a whole capture log. `file` names it in errors.
// Errors: InvalidArgument (model::BadInput) for the first offending line.
absl::StatusOr<CaptureLog> ReadCaptureLog(std::string_view text,
                                          std::string_view file);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_CAPTURE_LOG_H_
