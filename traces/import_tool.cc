// import_tool: converts a capture log into a trace in canonical form.
//
//   bazel run //traces:import_tool -- LOG [OUT]
//
// Writes OUT, or stdout without it. Relative paths are taken from the
// directory `bazel run` was called from. Exit status 0 on success, 1 when the
// log cannot be read or imported (one line on stderr, "file:line:col: ..."),
// 2 for bad arguments. traces/corpus/README.md has the command that
// regenerates the corpus.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "traces/capture_log.h"
#include "traces/import.h"
#include "traces/trace.h"

namespace {

std::string Resolve(const std::string& path) {
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || wd == nullptr) return path;
  return std::string(wd) + "/" + path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: import_tool LOG [OUT]\n";
    return 2;
  }
  const std::string in = Resolve(argv[1]);
  std::ifstream f(in, std::ios::binary);
  if (!f) {
    std::cerr << in << ": cannot read\n";
    return 1;
  }
  std::stringstream text;
  text << f.rdbuf();
  const std::string contents = text.str();
  absl::StatusOr<memhp::traces::CaptureLog> log =
      memhp::traces::ReadCaptureLog(contents, argv[1]);
  if (!log.ok()) {
    std::cerr << log.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<memhp::traces::Trace> trace =
      memhp::traces::ImportCaptureLog(*log);
  if (!trace.ok()) {
    std::cerr << trace.status().message() << "\n";
    return 1;
  }
  const std::string out = memhp::traces::PrintTrace(*trace);
  if (argc == 3) {
    const std::string path = Resolve(argv[2]);
    std::ofstream o(path, std::ios::binary);
    o << out;
    if (!o) {
      std::cerr << path << ": cannot write\n";
      return 1;
    }
    return 0;
  }
  std::cout << out;
  return std::cout ? 0 : 1;
}
