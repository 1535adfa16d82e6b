// CHECK for broken internal assumptions of the model (outcome tier 1 of
// STYLE.md): a model bug, never a kernel refusal or bad input. Prints the
// condition, the place and any streamed context, then aborts.
//
// Abseil 20220623 (Debian 12) has no absl/log, hence this small equivalent.

#ifndef MEMHP_MODEL_CHECK_H_
#define MEMHP_MODEL_CHECK_H_

#include <sstream>

namespace memhp::model::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return os_; }

 private:
  std::ostringstream os_;
};

}  // namespace memhp::model::internal

// Always on.
#define MEMHP_CHECK(condition)                                           \
  while (!(condition))                                                   \
  ::memhp::model::internal::CheckFailure(__FILE__, __LINE__, #condition) \
      .stream()

// Cheap checks in hot loops: compiled out with NDEBUG (opt builds).
#ifdef NDEBUG
#define MEMHP_DCHECK(condition)                                          \
  while (false && (condition))                                           \
  ::memhp::model::internal::CheckFailure(__FILE__, __LINE__, #condition) \
      .stream()
#else
#define MEMHP_DCHECK(condition) MEMHP_CHECK(condition)
#endif

#endif  // MEMHP_MODEL_CHECK_H_
