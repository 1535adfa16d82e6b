// Replays every trace of traces/corpus/real/ (imported from boot logs of
// real machines, ../shared/real-logs) with the invariant checks of `memhp
// replay`, and holds the result to the table of traces/corpus/real/
// README.md: every trace is listed, and each gives exactly its row's
// counts, so a model fix shows as a row to update and a regression fails.
// The reasons in the table are the kernel differences; the numbers are not
// written here.

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "properties/invariants.h"
#include "traces/replay.h"
#include "traces/test_util.h"

namespace memhp::properties {
namespace {

struct Counts {
  int expectations = 0;
  int matched = 0;
  int mismatched = 0;
  int unsupported_steps = 0;
  int unchecked = 0;
  std::string why;
  bool operator==(const Counts& o) const {
    return expectations == o.expectations && matched == o.matched &&
           mismatched == o.mismatched &&
           unsupported_steps == o.unsupported_steps && unchecked == o.unchecked;
  }
};

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// "| LOG | E | M | X | U | C | ARCH | WHY |" rows.
std::map<std::string, Counts> Table(const std::string& text) {
  std::map<std::string, Counts> out;
  for (std::string_view line : model::Split(text, '\n')) {
    std::vector<std::string_view> cells = model::Split(line, '|');
    if (cells.size() < 10 || !cells[0].empty()) continue;
    std::vector<int> n;
    for (size_t i = 2; i <= 6; ++i) {
      const std::string c = Trim(cells[i]);
      if (c.empty() || c.find_first_not_of("0123456789") != std::string::npos) {
        break;
      }
      n.push_back(std::stoi(c));
    }
    if (n.size() != 5) continue;
    out[Trim(cells[1])] = {n[0], n[1], n[2], n[3], n[4], Trim(cells[8])};
  }
  return out;
}

TEST(RealCorpusTest, EveryBootLogGivesItsTableRow) {
  const std::map<std::string, Counts> table =
      Table(traces::ReadTestFile("traces/corpus/real/README.md"));
  std::vector<std::string> traces_found;
  for (const auto& e :
       std::filesystem::directory_iterator("traces/corpus/real")) {
    if (e.path().extension() == ".trace") {
      traces_found.push_back(e.path().string());
    }
  }
  std::sort(traces_found.begin(), traces_found.end());
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
    const Counts got{r->expectations, r->matched, r->mismatched,
                     static_cast<int>(r->unsupported_steps.size()),
                     r->unsupported};
    auto it = table.find(name);
    ASSERT_NE(it, table.end()) << name << " is not in the README's table";
    EXPECT_EQ(got, it->second)
        << name << ": the model gives " << got.expectations << " | "
        << got.matched << " | " << got.mismatched << " | "
        << got.unsupported_steps << " | " << got.unchecked << "\n"
        << traces::RenderReportText({*r});
    // A mismatch needs its reason; a clean row has none to give.
    EXPECT_EQ(it->second.why.empty(), it->second.mismatched == 0) << name;
  }
}

}  // namespace
}  // namespace memhp::properties
