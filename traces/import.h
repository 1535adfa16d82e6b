// Capture log (capture_log.h) -> trace (trace.h): the real kernel's run
// becomes a trace whose expect lines are the kernel's observations.
//
//   configuration  geometry and profile from `=== kernel` (6.1.0-56-amd64 is
//                  x86_64, v6.1); kernel, cmdline and qemu verbatim; the
//                  firmware map from the boot snapshot's "BIOS-e820:" lines;
//                  `numa` ranges from its "ACPI: SRAT: Node N PXM P [mem
//                  ...]" lines; a cold-plugged `dimm add` before `boot` for
//                  each `-device pc-dimm` of the QEMU arguments (its size
//                  from the memory backend it names).
//   boot           then the boot snapshot's expects.
//   steps          `write PATH VALUE` and `expect rc 0`, `expect errno NAME
//                  "TEXT"` (the errno whose strerror() ends the error text)
//                  or `expect rc 1` (failed without an error text).
//   snapshots      after the first: `snapshot LABEL` and its expects.
//
// A snapshot's expects, in the capture's section order: every zone
// (spanned, present, start_pfn when shown; not managed), the claimed iomem
// lines with their indentation, block_size and auto_online, every block,
// every dax device, the claimed dmesg lines (scope.h has both lists).
// Console lines outside the capture are not imported: each snapshot's dmesg
// section is the authoritative copy.

#ifndef MEMHP_TRACES_IMPORT_H_
#define MEMHP_TRACES_IMPORT_H_

#include "absl/status/statusor.h"
#include "traces/capture_log.h"
#include "traces/trace.h"

namespace memhp::traces {

// Errors: InvalidArgument (model::BadInput, naming the capture's file and
// line) when the log lacks what a trace needs or holds what it cannot say:
// a kernel release without a profile or geometry, no BIOS-e820 lines, an
// unparsable e820/SRAT line, a pc-dimm without id or backend, a dax field
// outside the trace vocabulary, an error text after rc=0 or one that ends
// in no known strerror() text.
absl::StatusOr<Trace> ImportCaptureLog(const CaptureLog& log);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_IMPORT_H_
