#include "model/event_log.h"

#include "model/strings.h"

namespace memhp::model {

void EventLog::Push(Event e) {
  e.seq = events_.size();
  events_.push_back(std::move(e));
}

void EventLog::Printk(LogLevel level, std::string text) {
  Push(Event{
      .kind = EventKind::kPrintk, .level = level, .text = std::move(text)});
}

void EventLog::Warn(Site site, std::string text) {
  Push(Event{.kind = EventKind::kWarn,
             .level = LogLevel::kWarning,
             .text = std::move(text),
             .file = std::string(site.file),
             .function = std::string(site.function)});
}

void EventLog::WarnOn(Site site, std::string_view condition) {
  Push(Event{.kind = EventKind::kWarn,
             .level = LogLevel::kWarning,
             .file = std::string(site.file),
             .function = std::string(site.function),
             .condition = std::string(condition)});
}

bool EventLog::WarnOnOnce(Site site, std::string_view condition) {
  std::string key = Cat(site.file, ":", site.function, ":", condition);
  if (fired_once_.insert(key).second) WarnOn(site, condition);
  return true;
}

bool EventLog::WarnOnce(Site site, std::string text) {
  std::string key = Cat(site.file, ":", site.function, ":", text);
  if (fired_once_.insert(key).second) Warn(site, std::move(text));
  return true;
}

void EventLog::Bug(Site site, std::vector<std::string> lines) {
  Push(Event{.kind = EventKind::kBug,
             .level = LogLevel::kEmerg,
             .text = Join(lines, "\n"),
             .file = std::string(site.file),
             .function = std::string(site.function)});
}

bool EventLog::HasBug() const { return CountKind(EventKind::kBug) > 0; }

size_t EventLog::CountKind(EventKind k) const {
  size_t n = 0;
  for (const Event& e : events_) n += e.kind == k;
  return n;
}

bool EventLog::Contains(std::string_view text) const {
  for (const Event& e : events_) {
    if (e.text == text) return true;
  }
  return false;
}

std::vector<std::string> EventLog::DmesgLines(size_t from) const {
  std::vector<std::string> out;
  for (size_t i = from; i < events_.size(); ++i) {
    const Event& e = events_[i];
    switch (e.kind) {
      case EventKind::kPrintk:
        for (std::string_view l : Split(e.text, '\n')) {
          out.emplace_back(l);
        }
        break;
      case EventKind::kWarn:
        out.emplace_back("------------[ cut here ]------------");
        if (!e.text.empty()) out.push_back(e.text);
        out.push_back(Cat("WARNING: at ", e.file, " ", e.function));
        break;
      case EventKind::kBug:
        for (std::string_view l : Split(e.text, '\n')) {
          if (!l.empty()) out.emplace_back(l);
        }
        out.emplace_back("------------[ cut here ]------------");
        out.push_back(Cat("kernel BUG at ", e.file, " (", e.function, ")!"));
        break;
    }
  }
  return out;
}

}  // namespace memhp::model
