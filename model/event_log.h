// The machine's kernel log: every printk, WARN and BUG the modelled code would
// produce, with the kernel's exact message text and log level.
//
// WARN(cond, fmt, ...) in the kernel prints the formatted text, then
// "WARNING: CPU: N PID: N at FILE:LINE FUNCTION+off/size" and a backtrace; the
// model records the text (exact) and the site (file and function; CPU, PID,
// line and offsets are not modelled). WARN_ON_ONCE fires once per call site
// per boot: the log remembers which sites fired.
//
// Invariants:
//  1. events are kept in the order they were emitted, numbered from 0;
//  2. a once-site emits at most one event per log.

#ifndef MEMHP_MODEL_EVENT_LOG_H_
#define MEMHP_MODEL_EVENT_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace memhp::model {

// KERN_EMERG .. KERN_DEBUG.
enum class LogLevel : int {
  kEmerg = 0,
  kAlert = 1,
  kCrit = 2,
  kErr = 3,
  kWarning = 4,
  kNotice = 5,
  kInfo = 6,
  kDebug = 7,
};

enum class EventKind {
  kPrintk,  // pr_info, pr_warn, dev_err, ...
  kWarn,    // WARN, WARN_ON, WARN_ON_ONCE: the kernel continues
  kBug,     // BUG, BUG_ON, VM_BUG_ON_PAGE: the kernel stops this task
};

// Where a WARN or BUG fires: the kernel file and function.
struct Site {
  std::string_view file;      // "mm/sparse.c"
  std::string_view function;  // "clear_subsection_map"
};

struct Event {
  uint64_t seq = 0;
  EventKind kind = EventKind::kPrintk;
  LogLevel level = LogLevel::kInfo;
  std::string text;  // the message, without the trailing newline
  std::string file;
  std::string function;
  // For WARN_ON(cond) without a message: the condition as the kernel source
  // spells it ("!valid_section(ms)"); empty otherwise.
  std::string condition;
};

class EventLog {
 public:
  void Printk(LogLevel level, std::string text);
  // WARN(1, text).
  void Warn(Site site, std::string text);
  // WARN_ON(cond) that fired: no message of its own.
  void WarnOn(Site site, std::string_view condition);
  // WARN_ON_ONCE(cond) that fired: records only the first per site. Returns
  // true (the condition held) either way, as the kernel macro does.
  bool WarnOnOnce(Site site, std::string_view condition);
  // WARN_ONCE(1, text).
  bool WarnOnce(Site site, std::string text);
  // BUG / BUG_ON / VM_BUG_ON_PAGE: `lines` are what the kernel prints before
  // "kernel BUG at" (dump_page output, ...).
  void Bug(Site site, std::vector<std::string> lines);

  const std::vector<Event>& events() const { return events_; }
  size_t size() const { return events_.size(); }
  bool HasBug() const;
  size_t CountKind(EventKind k) const;
  // True when some event's text equals `text` exactly.
  bool Contains(std::string_view text) const;
  // The dmesg rendering of events [from, end): one line per printed line.
  std::vector<std::string> DmesgLines(size_t from = 0) const;

 private:
  void Push(Event e);

  std::vector<Event> events_;
  absl::flat_hash_set<std::string> fired_once_;
};

}  // namespace memhp::model

#endif  // MEMHP_MODEL_EVENT_LOG_H_
