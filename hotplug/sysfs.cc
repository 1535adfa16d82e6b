#include "hotplug/sysfs.h"

#include <string>

#include "hotplug/memory_online.h"
#include "model/status.h"

namespace memhp::hotplug {

using model::Errno;
using model::Operation;

namespace {

constexpr std::string_view kMemoryRoot = "/sys/devices/system/memory/";

Operation<absl::Status> Fail(Errno e, std::string what) {
  co_return model::KernelError(e, what);
}

Operation<absl::Status> Done(absl::Status s) { co_return s; }

// "memoryN" -> N (decimal, no leading zeros but "memory0").
std::optional<uint64_t> BlockIdOf(std::string_view dir) {
  constexpr std::string_view kPrefix = "memory";
  if (!dir.starts_with(kPrefix) || dir.size() == kPrefix.size()) {
    return std::nullopt;
  }
  std::string_view digits = dir.substr(kPrefix.size());
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  return id;
}

}  // namespace

std::optional<Operation<absl::Status>> SysfsWrite(Machine& m,
                                                  std::string_view path,
                                                  std::string_view value) {
  if (!path.starts_with(kMemoryRoot)) return std::nullopt;
  const std::string_view rest = path.substr(kMemoryRoot.size());
  const std::string p(path);
  if (rest == "auto_online_blocks") {
    return Done(AutoOnlineBlocksStore(m, value));
  }
  // uevent writes synthesize events the model does not have.
  if (rest == "uevent" || rest.ends_with("/uevent")) return std::nullopt;
  if (rest == "block_size_bytes") {
    return Fail(Errno::kEACCES, p);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Fail(Errno::kENOENT, p);
  const std::optional<uint64_t> id = BlockIdOf(rest.substr(0, slash));
  const std::string_view attr = rest.substr(slash + 1);
  if (!id || m.blocks().Find(model::BlockId(*id)) == nullptr) {
    return Fail(Errno::kENOENT, p);
  }
  if (attr == "state") return StateStore(m, model::BlockId(*id), value);
  if (attr == "online") return OnlineStore(m, model::BlockId(*id), value);
  if (attr == "phys_index" || attr == "valid_zones" || attr == "removable" ||
      attr == "phys_device") {
    return Fail(Errno::kEACCES, p);
  }
  return Fail(Errno::kENOENT, p);
}

}  // namespace memhp::hotplug
