// What the corpus tests share: the markdown tables that hold each replayed
// file's counts (traces/corpus/KNOWN.md, traces/corpus/real/README.md), the
// counts of a replay report, and the files of a corpus folder.

#ifndef MEMHP_PROPERTIES_CORPUS_TABLE_H_
#define MEMHP_PROPERTIES_CORPUS_TABLE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "traces/replay.h"

namespace memhp::properties {

// expectations, matched, mismatched, unsupported steps, expectations left
// unchecked after an unsupported step.
struct CorpusCounts {
  int expectations = 0;
  int matched = 0;
  int mismatched = 0;
  int unsupported_steps = 0;
  int unchecked = 0;
  bool operator==(const CorpusCounts&) const = default;
};

struct CorpusRow {
  CorpusCounts counts;
  // The cells after the five counts, trimmed (e.g. the reason column).
  std::vector<std::string> rest;
};

// The rows "| NAME | E | M | X | U | C | ... |" of a markdown table whose
// five cells after the name are decimal numbers (other lines are skipped),
// by name.
std::map<std::string, CorpusRow> ParseCorpusTable(std::string_view text);

// The counts of a replay, and their row "| NAME | E | M | X | U | C |".
CorpusCounts CountsOf(const traces::ReplayReport& r);
std::string CountsRow(const std::string& name, const CorpusCounts& c);

// The files of `dir` whose name ends in `extension` (".log"), sorted.
std::vector<std::string> CorpusFiles(const std::string& dir,
                                     std::string_view extension);

}  // namespace memhp::properties

#endif  // MEMHP_PROPERTIES_CORPUS_TABLE_H_
