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
#include "properties/dax_invariants.h"
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
  bool operator==(const Counts&) const = default;
};

std::string Row(const std::string& name, const Counts& c) {
  return model::Cat("| ", name, " | ", c.expectations, " | ", c.matched, " | ",
                    c.mismatched, " | ", c.unsupported_steps, " | ",
                    c.unchecked, " |");
}

// The table rows of KNOWN.md: "| NAME | E | M | X | U | C | WHY |".
std::map<std::string, Counts> KnownCounts(const std::string& text) {
  std::map<std::string, Counts> out;
  for (std::string_view line : model::Split(text, '\n')) {
    std::vector<std::string_view> cells = model::Split(line, '|');
    if (cells.size() < 8 || !cells[0].empty()) continue;
    auto trim = [](std::string_view s) {
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      return std::string(s);
    };
    std::vector<int> n;
    for (size_t i = 2; i <= 6; ++i) {
      const std::string c = trim(cells[i]);
      if (c.empty() || c.find_first_not_of("0123456789") != std::string::npos) {
        break;
      }
      n.push_back(std::stoi(c));
    }
    if (n.size() != 5) continue;
    out[trim(cells[1])] = {n[0], n[1], n[2], n[3], n[4]};
  }
  return out;
}

TEST(CorpusTest, EveryLogMatchesOrIsAKnownDivergence) {
  const std::map<std::string, Counts> known =
      KnownCounts(traces::ReadTestFile("traces/corpus/KNOWN.md"));
  ASSERT_GE(known.size(), 40u) << "KNOWN.md lists every log of the corpus";
  std::vector<std::string> logs;
  for (const auto& e :
       std::filesystem::directory_iterator("traces/corpus/kernel-6.1")) {
    if (e.path().extension() == ".log") logs.push_back(e.path().string());
  }
  std::sort(logs.begin(), logs.end());
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
    const Counts got{r->expectations, r->matched, r->mismatched,
                     static_cast<int>(r->unsupported_steps.size()),
                     r->unsupported};
    table += Row(name, got) + "\n";
    auto it = known.find(name);
    ASSERT_NE(it, known.end()) << name << " is not in KNOWN.md";
    EXPECT_EQ(got, it->second) << name << ": KNOWN.md says\n"
                               << Row(name, it->second) << "\nthe model gives\n"
                               << Row(name, got) << "\n"
                               << traces::RenderReportText({*r});
  }
  RecordProperty("table", table);
}

}  // namespace
}  // namespace memhp::properties
