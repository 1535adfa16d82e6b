// Replays every trace of traces/corpus/real/ (imported from boot logs of
// real machines, ../shared/real-logs) with the invariant checks of `memhp
// replay`, and holds the result to the table of traces/corpus/real/
// README.md: every trace is listed, and each gives exactly its row's
// counts, so a model fix shows as a row to update and a regression fails.
// The reasons in the table are the kernel differences; the numbers are not
// written here.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "properties/corpus_table.h"
#include "properties/invariants.h"
#include "traces/replay.h"
#include "traces/test_util.h"

namespace memhp::properties {
namespace {

TEST(RealCorpusTest, EveryBootLogGivesItsTableRow) {
  // "| LOG | E | M | X | U | C | ARCH | WHY |".
  const std::map<std::string, CorpusRow> table =
      ParseCorpusTable(traces::ReadTestFile("traces/corpus/real/README.md"));
  const std::vector<std::string> traces_found =
      CorpusFiles("traces/corpus/real", ".trace");
  ASSERT_GE(traces_found.size(), 8u);
  EXPECT_EQ(table.size(), traces_found.size())
      << "the README lists every trace, and only those";
  for (const std::string& path : traces_found) {
    const std::string name = std::filesystem::path(path).stem().string();
    absl::StatusOr<traces::Trace> t =
        traces::LoadTraceOrCaptureLog(traces::ReadTestFile(path), path);
    ASSERT_TRUE(t.ok()) << t.status();
    absl::StatusOr<traces::ReplayReport> r =
        traces::ReplayTrace(*t, path, {.after_step = CheckAll});
    ASSERT_TRUE(r.ok()) << r.status();
    const CorpusCounts got = CountsOf(*r);
    auto it = table.find(name);
    ASSERT_NE(it, table.end()) << name << " is not in the README's table";
    ASSERT_EQ(it->second.rest.size(), 2u) << name << ": ARCH and WHY cells";
    EXPECT_EQ(got, it->second.counts)
        << name << ": the model gives " << CountsRow(name, got) << "\n"
        << traces::RenderReportText({*r});
    // A mismatch needs its reason; a clean row has none to give.
    const std::string& why = it->second.rest[1];
    EXPECT_EQ(why.empty(), it->second.counts.mismatched == 0) << name;
  }
}

}  // namespace
}  // namespace memhp::properties
