// Replays every real-kernel capture log of traces/corpus/kernel-6.1/ with
// the invariant checks of `memhp replay`, and holds the result to
// traces/corpus/KNOWN.md: a log its table does not list as diverging must
// match every expectation, and a listed one must give exactly the listed
// counts (so a fix shows as a test to update, and a regression fails).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "properties/corpus_table.h"
#include "properties/dax_invariants.h"
#include "properties/invariants.h"
#include "traces/replay.h"
#include "traces/test_util.h"

namespace memhp::properties {
namespace {

TEST(CorpusTest, EveryLogMatchesOrIsAKnownDivergence) {
  const std::map<std::string, CorpusRow> known =
      ParseCorpusTable(traces::ReadTestFile("traces/corpus/KNOWN.md"));
  ASSERT_GE(known.size(), 40u) << "KNOWN.md lists every log of the corpus";
  const std::vector<std::string> logs =
      CorpusFiles("traces/corpus/kernel-6.1", ".log");
  ASSERT_GE(logs.size(), 40u);
  std::string table;
  for (const std::string& path : logs) {
    const std::string name = std::filesystem::path(path).stem().string();
    absl::StatusOr<traces::Trace> t =
        traces::LoadTraceOrCaptureLog(traces::ReadTestFile(path), path);
    ASSERT_TRUE(t.ok()) << t.status();
    absl::StatusOr<traces::ReplayReport> r = traces::ReplayTrace(
        *t, path, {.after_step = CheckAll, .after_step_dax = CheckDax});
    ASSERT_TRUE(r.ok()) << r.status();
    const CorpusCounts got = CountsOf(*r);
    table += CountsRow(name, got) + "\n";
    auto it = known.find(name);
    ASSERT_NE(it, known.end()) << name << " is not in KNOWN.md";
    EXPECT_EQ(got, it->second.counts)
        << name << ": KNOWN.md says\n"
        << CountsRow(name, it->second.counts) << "\nthe model gives\n"
        << CountsRow(name, got) << "\n"
        << traces::RenderReportText({*r});
  }
  RecordProperty("table", table);
}

}  // namespace
}  // namespace memhp::properties
