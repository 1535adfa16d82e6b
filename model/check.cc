#include "model/check.h"

#include <cstdio>
#include <cstdlib>

namespace memhp::model::internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  os_ << file << ":" << line << ": memhp model bug: CHECK failed: " << condition
      << " ";
}

CheckFailure::~CheckFailure() {
  std::fprintf(stderr, "%s\n", os_.str().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace memhp::model::internal
