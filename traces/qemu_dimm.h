// QEMU's side of a pc-dimm (hw/mem/memory-device.c, hw/i386/pc.c, QEMU
// 7.2 as Debian 12 ships it): the device-memory region the DIMMs live in
// and where a new DIMM is placed. The guest sees the region as the SRAT
// range flagged hot-pluggable (build_srat), so the model takes the region
// from the trace's `numa ... hotplug` line.
//
// Placement (memory_device_get_free_addr): the lowest address in the region,
// aligned to the RAM backend's alignment (2 MiB: QEMU_VMALLOC_ALIGN on an
// x86_64 host), where the DIMM overlaps no other; an `addr=` hint must be
// aligned, inside the region and free. Slots: `slots=N` of the `qemu`
// line when it is there.

#ifndef MEMHP_TRACES_QEMU_DIMM_H_
#define MEMHP_TRACES_QEMU_DIMM_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "model/range.h"
#include "model/types.h"
#include "traces/trace.h"

namespace memhp::traces {

struct QemuDimm {
  std::string id;
  model::PhysAddr addr{0};
  model::ByteSize size{0};
  model::NodeId node{0};
  int slot = 0;
};

class QemuDeviceMemory {
 public:
  // The region of the trace: its first hot-pluggable `numa` range (nullopt
  // when there is none: QEMU without slots has no device memory), and the
  // slot count of `slots=N` in its `qemu` line.
  static std::optional<QemuDeviceMemory> FromConfig(const Config& config);

  // device_add of a pc-dimm. Errors: FailedPrecondition with QEMU's message
  // (no free slot, duplicate id, unaligned or conflicting address, no room).
  absl::StatusOr<QemuDimm> Plug(const DimmAdd& dimm);
  // The DIMM leaves once the guest ejected it.
  void Unplug(const std::string& id) { dimms_.erase(id); }
  const QemuDimm* Find(const std::string& id) const;

  model::PhysAddr base() const { return base_; }
  model::ByteSize size() const { return size_; }

 private:
  model::PhysAddr base_{0};
  model::ByteSize size_{0};
  std::optional<int> slots_;
  std::map<std::string, QemuDimm> dimms_;
};

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_QEMU_DIMM_H_
