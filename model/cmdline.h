// The kernel's command-line number parsers (lib/cmdline.c, lib/vsprintf.c,
// v6.1): simple_strtoull with base 0 and memparse with its K/M/G/T/P/E
// suffixes, returning where parsing stopped as the kernel's endptr does.

#ifndef MEMHP_MODEL_CMDLINE_H_
#define MEMHP_MODEL_CMDLINE_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace memhp::model {

struct ParsedNumber {
  uint64_t value = 0;
  size_t consumed = 0;  // characters used; 0 when no digit was found
  bool overflow = false;
};

// simple_strtoull(s, &end, 0): "0x" hex, leading "0" octal, else decimal.
// Overflow wraps in the kernel; the model reports it.
ParsedNumber SimpleStrtoull(std::string_view s);

// memparse(s, &end): a number, then an optional K, M, G, T, P or E (either
// case) multiplying by 2^10 .. 2^60; the suffix is taken even without
// digits before it ("G" is 0, consumed 1), as the kernel does.
ParsedNumber Memparse(std::string_view s);

// Kernel: lib/kstrtox.c kstrtobool (v6.1): y/Y/t/T/1 and "on" are true,
// n/N/f/F/0 and "off" false (only the first one or two characters count);
// nullopt where the kernel returns -EINVAL.
std::optional<bool> Kstrtobool(std::string_view s);

}  // namespace memhp::model

#endif  // MEMHP_MODEL_CMDLINE_H_
