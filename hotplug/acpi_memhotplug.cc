#include "hotplug/acpi_memhotplug.h"

#include "hotplug/memory_hotplug.h"
#include "hotplug/memory_online.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::BlockId;
using model::Cat;
using model::Errno;
using model::NodeId;
using model::Operation;

namespace {

// The memory blocks acpi_bind_memory_blocks() bound to the device (its
// physical_node_list), in order.
std::vector<BlockId> BoundBlocks(Machine& m, const AcpiMemoryDevice& dev) {
  std::vector<BlockId> out;
  for (const AcpiMemoryInfo& info : dev.res_list) {
    if (!info.enabled || info.length.IsZero()) continue;
    for (MemoryBlock* mem : m.mutable_blocks().WalkMemoryBlocks(
             m.geometry(), info.start_addr, info.length)) {
      out.push_back(mem->id);
    }
  }
  return out;
}

std::string BlockDevName(BlockId id) {
  return Cat("memory memory", id.value());
}

// acpi_memory_device_free(): in case *some* memory was added, unregistering
// fails (-EBUSY) and the group stays.
void AcpiMemoryDeviceFree(Machine& m, AcpiMemoryDevice& dev) {
  if (dev.mgid >= 0) (void)m.memory_groups().MemoryGroupUnregister(dev.mgid);
  dev.mgid = -1;
}

}  // namespace

Operation<int> AcpiMemoryDeviceAdd(Machine& m, AcpiMemoryDevice& dev) {
  co_await m.device_hotplug_lock().Lock();
  NodeId node = dev.pxm_node;
  uint64_t total_length = 0;
  for (const AcpiMemoryInfo& info : dev.res_list) {
    if (info.length.IsZero()) continue;
    // A single node for the whole memory group.
    if (node.IsNoNode()) node = m.MemoryAddPhysaddrToNid(info.start_addr);
    total_length += info.length.value();
  }
  int rc = 0;
  int mgid = -1;
  const bool groups = m.profile().memory_groups;
  if (!groups) {
    // v5.3: no group; each range is added on the node.
  } else if (total_length == 0) {
    m.log().Printk(model::LogLevel::kErr,
                   Cat("acpi ", dev.name, ": device is empty"));
    rc = -static_cast<int>(Errno::kEINVAL);
  } else {
    mgid = m.memory_groups().MemoryGroupRegisterStatic(
        node, model::NrPages(  // PFN_UP(total_length)
                  m.geometry().PfnUp(model::PhysAddr(total_length)).value()));
    if (mgid < 0) rc = mgid;
  }
  if (rc == 0) {
    dev.mgid = mgid;
    int num_enabled = 0;
    for (AcpiMemoryInfo& info : dev.res_list) {
      if (info.length.IsZero()) continue;
      // mhp_supports_memmap_on_memory() is false (parameter off).
      // (No co_await inside ?: : GCC 12 miscompiles its temporaries.)
      int result;
      if (groups) {
        result = co_await AddMemoryLocked(m, MgidAsNid(mgid), info.start_addr,
                                          info.length, kMhpNidIsMgid);
      } else {
        result = co_await AddMemoryLocked(m, node, info.start_addr, info.length,
                                          kMhpNone);
      }
      // -EEXIST: the range is the kernel's already; count it as enabled.
      if (result != 0 && result != -static_cast<int>(Errno::kEEXIST)) {
        continue;
      }
      info.enabled = true;
      ++num_enabled;
    }
    if (num_enabled == 0) {
      m.log().Printk(model::LogLevel::kErr,
                     Cat("acpi ", dev.name, ": add_memory failed"));
      rc = -static_cast<int>(Errno::kEINVAL);
    }
  }
  if (rc != 0) {
    m.log().Printk(
        model::LogLevel::kErr,
        Cat("acpi ", dev.name, ": acpi_memory_enable_device() error"));
    AcpiMemoryDeviceFree(m, dev);
  }
  co_await m.device_hotplug_lock().Unlock();
  co_return rc;
}

Operation<int> AcpiScanHotRemove(Machine& m, AcpiMemoryDevice& dev) {
  co_await m.device_hotplug_lock().Lock();
  const std::vector<BlockId> blocks = BoundBlocks(m, dev);
  std::vector<bool> put_online(blocks.size(), false);
  // First pass: errors are ignored.
  bool failed = false;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const int ret = co_await DeviceOffline(m, blocks[i]);
    if (ret >= 0) {
      put_online[i] = ret == 0;
    } else {
      failed = true;
    }
  }
  std::optional<BlockId> errdev;
  if (failed) {
    // Second pass over the blocks the first pass did not offline.
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (put_online[i]) continue;
      const int ret = co_await DeviceOffline(m, blocks[i]);
      if (ret >= 0) {
        put_online[i] = ret == 0;
      } else {
        errdev = blocks[i];
        break;
      }
    }
  }
  if (errdev) {
    m.log().Printk(model::LogLevel::kWarning,
                   Cat(BlockDevName(*errdev), ": Offline failed."));
    // acpi_bus_online(): back online what was offlined here.
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (!put_online[i]) continue;
      (void)co_await DeviceOnline(m, blocks[i]);
    }
    co_await m.device_hotplug_lock().Unlock();
    co_return -static_cast<int>(Errno::kEBUSY);
  }
  // acpi_bus_trim() -> acpi_memory_device_remove() ->
  // acpi_memory_remove_memory().
  for (AcpiMemoryInfo& info : dev.res_list) {
    if (!info.enabled) continue;
    (void)co_await RemoveMemoryLocked(m, info.start_addr, info.length);
    info.enabled = false;
  }
  AcpiMemoryDeviceFree(m, dev);
  co_await m.device_hotplug_lock().Unlock();
  co_return 0;
}

}  // namespace memhp::hotplug
