#include "traces/test_util.h"

#include <fstream>
#include <sstream>

#include "model/check.h"

namespace memhp::traces {

std::vector<std::string> CorpusNames() {
  return {"p1-boot-4g", "p2-dimm-online-offline", "p3-hmem-kmem"};
}

std::string ReadTestFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  MEMHP_CHECK(f.good()) << "cannot read " << path;
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string CorpusLogPath(const std::string& name) {
  return "traces/corpus/kernel-6.1/" + name + ".log";
}

std::string CorpusTracePath(const std::string& name) {
  return "traces/corpus/" + name + ".trace";
}

}  // namespace memhp::traces
