#include "traces/qemu_dimm.h"

#include <set>

#include "model/strings.h"

namespace memhp::traces {

using model::ByteSize;
using model::PhysAddr;
using model::Sprintf;

namespace {

constexpr uint64_t kDimmAlign = uint64_t{2} << 20;  // QEMU_VMALLOC_ALIGN

std::optional<int> SlotsOf(const std::optional<TextSetting>& qemu) {
  if (!qemu) return std::nullopt;
  const std::string& t = qemu->text;
  const size_t at = t.find("slots=");
  if (at == std::string::npos) return std::nullopt;
  int n = 0;
  size_t i = at + 6;
  if (i >= t.size() || t[i] < '0' || t[i] > '9') return std::nullopt;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9' && n < 1000000; ++i) {
    n = n * 10 + (t[i] - '0');
  }
  return n;
}

}  // namespace

std::optional<QemuDeviceMemory> QemuDeviceMemory::FromConfig(
    const Config& config) {
  for (const NumaRange& r : config.numa) {
    if (!r.hotplug) continue;
    QemuDeviceMemory dm;
    dm.base_ = r.start;
    dm.size_ = ByteSize(r.last.value() - r.start.value() + 1);
    dm.slots_ = SlotsOf(config.qemu);
    return dm;
  }
  return std::nullopt;
}

const QemuDimm* QemuDeviceMemory::Find(const std::string& id) const {
  auto it = dimms_.find(id);
  return it == dimms_.end() ? nullptr : &it->second;
}

absl::StatusOr<QemuDimm> QemuDeviceMemory::Plug(const DimmAdd& dimm) {
  if (dimms_.contains(dimm.id)) {
    return absl::FailedPreconditionError(
        Sprintf("Duplicate device ID '%s'", dimm.id.c_str()));
  }
  std::set<int> used_slots;
  for (const auto& [id, d] : dimms_) used_slots.insert(d.slot);
  int slot = 0;
  while (used_slots.contains(slot)) ++slot;
  if (slots_ && slot >= *slots_) {
    return absl::FailedPreconditionError(
        "no free slots available for the memory device");
  }
  const uint64_t size = dimm.size.value();
  const uint64_t base = base_.value();
  const uint64_t end = base + size_.value();  // exclusive
  auto overlapping = [&](uint64_t a) -> const QemuDimm* {
    for (const auto& [id, d] : dimms_) {
      if (a < d.addr.value() + d.size.value() && d.addr.value() < a + size) {
        return &d;
      }
    }
    return nullptr;
  };
  uint64_t addr = 0;
  if (dimm.addr) {
    addr = dimm.addr->value();
    if (addr % kDimmAlign != 0) {
      return absl::FailedPreconditionError(
          Sprintf("address must be aligned to 0x%llx bytes",
                  static_cast<unsigned long long>(kDimmAlign)));
    }
    if (addr < base || size > end - base || addr > end - size) {
      return absl::FailedPreconditionError(Sprintf(
          "can't add memory device [0x%llx:0x%llx], usable range for memory "
          "devices [0x%llx:0x%llx]",
          static_cast<unsigned long long>(addr),
          static_cast<unsigned long long>(size),
          static_cast<unsigned long long>(base),
          static_cast<unsigned long long>(size_.value())));
    }
    if (const QemuDimm* d = overlapping(addr)) {
      return absl::FailedPreconditionError(Sprintf(
          "address range conflicts with memory device id='%s'", d->id.c_str()));
    }
  } else {
    // First fit, in address order.
    addr = (base + kDimmAlign - 1) / kDimmAlign * kDimmAlign;
    while (const QemuDimm* d = overlapping(addr)) {
      const uint64_t next = d->addr.value() + d->size.value();
      addr = (next + kDimmAlign - 1) / kDimmAlign * kDimmAlign;
    }
    if (size > end - base || addr > end - size) {
      return absl::FailedPreconditionError(
          "could not find position in guest address space for memory device "
          "- memory fragmented or too small");
    }
  }
  QemuDimm d{.id = dimm.id,
             .addr = PhysAddr(addr),
             .size = dimm.size,
             .node = dimm.node.value_or(model::NodeId(0)),
             .slot = slot};
  dimms_[dimm.id] = d;
  return d;
}

}  // namespace memhp::traces
