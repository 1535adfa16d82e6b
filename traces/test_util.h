// Helpers for the traces tests: reading the corpus files the tests get as
// Bazel data.

#ifndef MEMHP_TRACES_TEST_UTIL_H_
#define MEMHP_TRACES_TEST_UTIL_H_

#include <string>
#include <vector>

namespace memhp::traces {

// The three capture logs of traces/corpus/kernel-6.1 by base name
// ("p1-boot-4g"), in corpus order.
std::vector<std::string> CorpusNames();

// The contents of `path` (relative to the test's working directory, the
// workspace root of its runfiles). REQUIRES: the file is readable.
std::string ReadTestFile(const std::string& path);

// "traces/corpus/kernel-6.1/NAME.log" and "traces/corpus/NAME.trace".
std::string CorpusLogPath(const std::string& name);
std::string CorpusTracePath(const std::string& name);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_TEST_UTIL_H_
