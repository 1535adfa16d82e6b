// An importer for plain kernel boot logs (dmesg or console text of any
// architecture, as ../shared/real-logs holds them): the trace of the boot
// they record, with the kernel's own lines the model claims as expectations.
//
// Input: text lines, optionally after a "# PROVENANCE" header (the leading
// lines that start with '#'). A line's kernel message is found after its
// prefixes: a syslog level "<N>", anything up to a printk timestamp
// "[ SSSS.UUUUUU]" (LAVA's date, for example), a caller id "[    T0]" after
// it, or a journal's "... kernel: ". When some lines carry such a kernel
// prefix, only those are read (mail quotes and re-indented copies are
// left out); otherwise every line is.
//
// The boot imported is the first one: from the "Linux version" line before
// the first "Zone ranges:" to the next "Linux version" or "Zone ranges:".
// Its trace:
//   geometry, profile: from the options (the log does not say its kernel
//     configuration); kernel: the release of "Linux version R ...";
//   cmdline: the text of "Kernel command line: " verbatim;
//   x86 geometries: e820 lines from "BIOS-e820: [mem ...] TYPE" and numa
//     lines from "ACPI: SRAT: Node N PXM P [mem ...]";
//   other geometries: memblock lines from the "Early memory node ranges"
//     block (MEMBLOCK_HOTPLUG and NOMAP are not printed there, so none),
//     memoryless-node lines from "Initmem setup node N as memoryless", and a
//     zones line from the "Zone ranges:" block when the kernel was built
//     with other zones than the architecture's defaults;
//   boot, then `expect dmesg` for every line of the boot that
//     traces/scope.h ClaimedDmesgLines claims, in log order (trailing blanks
//     dropped: mail clients add them).

#ifndef MEMHP_TRACES_DMESG_IMPORT_H_
#define MEMHP_TRACES_DMESG_IMPORT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/profile.h"
#include "traces/trace.h"

namespace memhp::traces {

struct DmesgImportOptions {
  std::string geometry;  // a model::Geometry name
  model::KernelVersion profile = model::KernelVersion::kV6_1;
};

// Errors: InvalidArgument "FILE:LINE:COL: expected ..." for a log without a
// "Zone ranges:" line, a malformed memory-map line of the boot, or a
// geometry the profile does not have; the columns are the log file's.
absl::StatusOr<Trace> ImportDmesg(std::string_view text, std::string_view file,
                                  const DmesgImportOptions& options);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_DMESG_IMPORT_H_
