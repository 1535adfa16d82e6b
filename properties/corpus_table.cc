#include "properties/corpus_table.h"

#include <algorithm>
#include <filesystem>

#include "model/strings.h"

namespace memhp::properties {

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::map<std::string, CorpusRow> ParseCorpusTable(std::string_view text) {
  std::map<std::string, CorpusRow> out;
  for (std::string_view line : model::Split(text, '\n')) {
    // "| a | b |" splits into "", " a ", " b ", "".
    std::vector<std::string_view> cells = model::Split(line, '|');
    if (cells.size() < 8 || !cells[0].empty()) continue;
    std::vector<int> n;
    for (size_t i = 2; i <= 6; ++i) {
      const std::string c = Trim(cells[i]);
      if (c.empty() || c.size() > 9 ||
          c.find_first_not_of("0123456789") != std::string::npos) {
        break;
      }
      n.push_back(std::stoi(c));
    }
    if (n.size() != 5) continue;
    CorpusRow row{.counts = {n[0], n[1], n[2], n[3], n[4]}};
    for (size_t i = 7; i + 1 < cells.size(); ++i) {
      row.rest.push_back(Trim(cells[i]));
    }
    out[Trim(cells[1])] = std::move(row);
  }
  return out;
}

CorpusCounts CountsOf(const traces::ReplayReport& r) {
  return {r.expectations, r.matched, r.mismatched,
          static_cast<int>(r.unsupported_steps.size()), r.unsupported};
}

std::string CountsRow(const std::string& name, const CorpusCounts& c) {
  return model::Cat("| ", name, " | ", c.expectations, " | ", c.matched, " | ",
                    c.mismatched, " | ", c.unsupported_steps, " | ",
                    c.unchecked, " |");
}

std::vector<std::string> CorpusFiles(const std::string& dir,
                                     std::string_view extension) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == extension) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace memhp::properties
