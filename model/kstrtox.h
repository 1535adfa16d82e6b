// The kernel's strict number parsers for sysfs writes: lib/kstrtox.c
// kstrtoull, kstrtoll, kstrtoul, kstrtoint (v6.1). The whole string must be
// the number, optionally followed by one newline; base 0 takes "0x" as hex
// and a leading "0" as octal. Each returns the value or the kernel's -errno:
// -EINVAL (no digits, trailing characters) or -ERANGE (overflow).

#ifndef MEMHP_MODEL_KSTRTOX_H_
#define MEMHP_MODEL_KSTRTOX_H_

#include <cstdint>
#include <string_view>
#include <variant>

namespace memhp::model {

template <typename T>
struct KstrtoResult {
  T value{};
  int error = 0;  // 0 or -errno
  bool ok() const { return error == 0; }
};

// kstrtoull(s, base, &res): a leading '+' is allowed.
KstrtoResult<uint64_t> Kstrtoull(std::string_view s, unsigned base);
// kstrtoll(s, base, &res): a leading '-' negates; '+' as kstrtoull.
KstrtoResult<int64_t> Kstrtoll(std::string_view s, unsigned base);
// kstrtoul on a 64-bit kernel: kstrtoull.
KstrtoResult<uint64_t> Kstrtoul(std::string_view s, unsigned base);
// kstrtoint(s, base, &res): kstrtoll, -ERANGE outside int.
KstrtoResult<int> Kstrtoint(std::string_view s, unsigned base);

}  // namespace memhp::model

#endif  // MEMHP_MODEL_KSTRTOX_H_
