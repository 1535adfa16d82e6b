// What the model claims to reproduce of the real kernel's output
// (../shared/ORACLE.md "Scope of comparison"), in one place: the importer
// turns exactly these into `expect` lines, and replay compares exactly these.
//
// - /proc/iomem: the resources of memory (System RAM, Reserved, Persistent
//   Memory, pmem namespaces, Soft Reserved, hmem, dax devices, System RAM
//   (kmem)); not the kernel image, PCI or firmware resources.
// - dmesg: the lines of kClaimedDmesg below; not timestamps.
// - zoneinfo: spanned, present, start_pfn; not managed (it depends on boot
//   allocations).

#ifndef MEMHP_TRACES_SCOPE_H_
#define MEMHP_TRACES_SCOPE_H_

#include <optional>
#include <string_view>
#include <vector>

#include "model/status.h"

namespace memhp::traces {

// A dmesg line the model claims: text starting with `prefix` and, when
// `suffix` is not empty, ending with it. A `block` pattern also claims the
// indented lines right after the matching one (text starting with two
// spaces), as the kernel prints "Zone ranges:" and its zone lines.
struct DmesgPattern {
  std::string_view prefix;
  std::string_view suffix;
  bool block = false;
  std::string_view source;  // the kernel function that prints it (v6.1)
};

// THE list of claimed dmesg lines. Considered and not claimed: "Fallback
// order for Node", "Built N zonelists ... Total pages" and "Policy zone" (the
// zonelist rebuild that online_pages() triggers: its page total counts
// managed pages, which are not modelled), "e820: reserve RAM buffer", SRAT and
// "NUMA:" lines (firmware input: SRAT ranges become `numa` lines instead),
// "NODE_DATA(N) allocated" and "Memory: ...K/...K available" (boot
// allocations), and the WARNING/stack-trace lines around a WARN (the model
// logs the WARN's text).
const std::vector<DmesgPattern>& ClaimedDmesgPatterns();

// For each line of `texts` (consecutive dmesg texts without timestamps),
// whether the model claims it.
std::vector<bool> ClaimedDmesgLines(const std::vector<std::string_view>& texts);

// Whether the model claims an iomem resource of this name: "System RAM",
// "Reserved", "Persistent Memory", "Persistent Memory (legacy)",
// "namespaceR.N", "Soft Reserved", "hmem.N", "daxR.N", "System RAM (kmem)".
bool IsClaimedIomemName(std::string_view name);

// The errno whose strerror() text ends `error_text` (after trailing blanks),
// the longest match: "sh: write error: Device or resource busy" is EBUSY.
// Only the errnos of model::Errno are known.
std::optional<model::Errno> ErrnoFromText(std::string_view error_text);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_SCOPE_H_
