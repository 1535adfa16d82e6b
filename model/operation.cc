#include "model/operation.h"

namespace memhp::model {

std::string_view SuspendKindName(SuspendKind k) {
  switch (k) {
    case SuspendKind::kLockAcquire:
      return "acquire";
    case SuspendKind::kLockRelease:
      return "release";
    case SuspendKind::kRacyRead:
      return "racy-read";
    case SuspendKind::kRacyWrite:
      return "racy-write";
  }
  return "?";
}

}  // namespace memhp::model
