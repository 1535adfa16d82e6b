#include "hotplug/memory_hotplug.h"

#include <algorithm>
#include <vector>

#include "hotplug/add_pages.h"
#include "hotplug/memory_online.h"
#include "hotplug/zone_span.h"
#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::ByteSize;
using model::Errno;
using model::NodeId;
using model::NrPages;
using model::Operation;
using model::Pfn;
using model::PhysAddr;
using model::Sprintf;

namespace {

constexpr int Neg(Errno e) { return -static_cast<int>(e); }

int ReturnCodeOf(const absl::Status& s) {
  return s.ok() ? 0 : model::ReturnCode(s);
}

// The end of the physical address space sparsemem can hold (PHYSMEM_END).
uint64_t PhysmemEnd(const model::Geometry& g) {
  return g.max_physmem_bits() >= 64 ? UINT64_MAX
                                    : (uint64_t{1} << g.max_physmem_bits()) - 1;
}

}  // namespace

absl::StatusOr<Resource*> RegisterMemoryResource(Machine& m, PhysAddr start,
                                                 ByteSize size,
                                                 std::string resource_name) {
  uint64_t flags = kIoresourceSystemRam | kIoresourceBusy;
  if (resource_name != "System RAM") flags |= kIoresourceSysramDriverManaged;
  if (!MhpRangeAllowed(m.sparse(), start, size, /*need_mapping=*/true)) {
    return model::KernelError(Errno::kE2BIG, "mhp_range_allowed");
  }
  // mem= only restricts memory added while booting.
  if (start.value() + size.value() > m.max_mem_size().value() &&
      !m.system_running()) {
    return model::KernelError(Errno::kE2BIG, "beyond mem= during boot");
  }
  Resource* res = m.iomem().RequestRegion(m.iomem().root(), start, size,
                                          std::move(resource_name), flags);
  if (res == nullptr) {
    // pr_debug("Unable to reserve System RAM region: %016llx->%016llx").
    return model::KernelError(Errno::kEEXIST,
                              "Unable to reserve System RAM region");
  }
  return res;
}

void ReleaseMemoryResource(Machine& m, Resource* res) {
  if (res == nullptr) return;
  (void)m.iomem().ReleaseResource(res);
}

int ArchAddMemory(Machine& m, NodeId nid, PhysAddr start, ByteSize size) {
  const model::Geometry& g = m.geometry();
  const Pfn start_pfn = g.PfnDown(start);
  const NrPages nr_pages = g.PagesIn(size);
  if (g.arch() == model::Arch::kX86_64) {
    // init_memory_mapping(start, start + size): the direct map (its
    // messages are pr_debug). add_pages():
    const uint64_t end = ((start_pfn + nr_pages).value() << g.page_shift()) - 1;
    if (end > PhysmemEnd(g)) {
      m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "add_pages"},
                         "end > PHYSMEM_END");
      return Neg(Errno::kERANGE);
    }
  }
  const int ret = ReturnCodeOf(
      AddPages(m.sparse(), nid, start_pfn, nr_pages, /*altmap=*/nullptr));
  if (g.arch() == model::Arch::kX86_64) {
    if (ret != 0) {
      m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "add_pages"}, "ret");
    }
    // update_end_of_memory_vars(): max_pfn grows to the end of the range.
    if (start_pfn + nr_pages > m.max_pfn()) m.set_max_pfn(start_pfn + nr_pages);
  }
  return ret;
}

void ArchRemoveMemory(Machine& m, PhysAddr start, ByteSize size) {
  const model::Geometry& g = m.geometry();
  const Pfn start_pfn = g.PfnDown(start);
  const NrPages nr_pages = g.PagesIn(size);
  if (!m.profile().shrink_zone_span_on_offline) {
    // v5.3: zone = page_zone(pfn_to_page(start_pfn)), then
    // __remove_pages(zone, ...) shrinks zone and node section by section
    // (__remove_zone) before each sparse_remove_section(). Memory that was
    // never onlined has a poisoned memmap: reading it is the kernel's BUG.
    if (!m.sparse().CheckPageReadable(start_pfn).ok()) return;
    const sparse::PageState st = m.sparse().memmap().Get(start_pfn);
    PgData* pgdat = m.NodeData(st.nid);
    if (pgdat != nullptr && st.zone >= 0 && st.zone < kMaxNrZones) {
      const NrPages per_section = g.PagesPerSection();
      for (Pfn pfn = start_pfn; pfn < start_pfn + nr_pages;
           pfn += per_section) {
        RemoveZoneV53(m.sparse(), *pgdat, ZoneAt(st.zone), pfn, per_section);
        // v5.1: __remove_pages() stops at a section that is not valid and
        // arch_remove_memory() WARN_ON_ONCE(ret)s (void from v5.2).
        if (RemovePages(m.sparse(), pfn, per_section, /*altmap=*/nullptr) !=
            0) {
          m.log().WarnOnOnce({"arch/x86/mm/init_64.c", "arch_remove_memory"},
                             "ret");
          return;
        }
      }
      return;
    }
  }
  RemovePages(m.sparse(), start_pfn, nr_pages, /*altmap=*/nullptr);
  // kernel_physical_mapping_remove(): the direct map (not modelled).
}

Operation<int> AddMemoryResource(Machine& m, NodeId nid, Resource* res,
                                 uint32_t mhp_flags) {
  const model::Geometry& g = m.geometry();
  const PhysAddr start = res->start;
  const ByteSize size(res->Size());
  if (absl::Status s = CheckHotplugMemoryRange(m.sparse(), start, size,
                                               m.blocks().block_size());
      !s.ok()) {
    co_return model::ReturnCode(s);
  }
  MemoryGroup* group = nullptr;
  if (mhp_flags & kMhpNidIsMgid) {
    group = m.memory_groups().MemoryGroupFindById(nid.value());
    if (group == nullptr) co_return Neg(Errno::kEINVAL);
    nid = group->nid;
  }
  if (nid.IsNoNode() || !m.NodePossible(nid)) {
    m.log().Warn(
        {"mm/memory_hotplug.c", "add_memory_resource"},
        Sprintf("node %d was absent from the node_possible_map", nid.value()));
    co_return Neg(Errno::kEINVAL);
  }
  // mem_hotplug_begin().
  co_await m.mem_hotplug_lock().DownWrite();
  // CONFIG_ARCH_KEEP_MEMBLOCK is off on x86: no memblock_add_node().
  int ret = m.TryOnlineNode(nid, /*set_node_online=*/false);
  bool new_node = false;
  if (ret >= 0) {
    new_node = ret == 1;
    if (mhp_flags & kMhpMemmapOnMemory) {
      // mhp_supports_memmap_on_memory() is false with the parameter off.
      ret = Neg(Errno::kEINVAL);
    } else {
      ret = ArchAddMemory(m, nid, start, size);
    }
  }
  if (ret >= 0) {
    // Create memory block devices after the memory was added.
    ret = ReturnCodeOf(m.mutable_blocks().CreateMemoryBlockDevices(
        m.log(), g, start, size, group));
    if (ret != 0) ArchRemoveMemory(m, start, size);
  }
  if (ret < 0) {
    // error: (memblock_remove on ARCH_KEEP_MEMBLOCK) mem_hotplug_done().
    co_await m.mem_hotplug_lock().UpWrite();
    co_return ret;
  }
  if (new_node) {
    // node_set_online(); __register_one_node() (BUG_ON failure).
    m.NodeSetOnline(nid);
  }
  m.mutable_blocks().RegisterMemoryBlocksUnderNodeHotplug(
      g, nid, g.PfnDown(start),
      g.PfnUp(PhysAddr(start.value() + size.value() - 1)));
  // firmware_map_add_hotplug() for "System RAM": not modelled.
  co_await m.mem_hotplug_lock().UpWrite();
  if (mhp_flags & kMhpMergeResource) m.iomem().MergeSystemRamResource(res);
  // Online pages if requested (online_memory_block, errors ignored).
  if (m.auto_online_blocks() != OnlineType::kOffline) {
    std::vector<model::BlockId> ids;
    for (MemoryBlock* mem :
         m.mutable_blocks().WalkMemoryBlocks(g, start, size)) {
      ids.push_back(mem->id);
    }
    for (model::BlockId id : ids) {
      m.mutable_blocks().FindMutable(id)->online_type = m.auto_online_blocks();
      (void)co_await DeviceOnline(m, id);
    }
  }
  co_return 0;
}

Operation<int> AddMemoryLocked(Machine& m, NodeId nid, PhysAddr start,
                               ByteSize size, uint32_t mhp_flags) {
  absl::StatusOr<Resource*> res =
      RegisterMemoryResource(m, start, size, "System RAM");
  if (!res.ok()) co_return model::ReturnCode(res.status());
  const int ret = co_await AddMemoryResource(m, nid, *res, mhp_flags);
  if (ret < 0) ReleaseMemoryResource(m, *res);
  co_return ret;
}

Operation<int> AddMemory(Machine& m, NodeId nid, PhysAddr start, ByteSize size,
                         uint32_t mhp_flags) {
  co_await m.device_hotplug_lock().Lock();
  const int rc = co_await AddMemoryLocked(m, nid, start, size, mhp_flags);
  co_await m.device_hotplug_lock().Unlock();
  co_return rc;
}

Operation<int> AddMemoryDriverManaged(Machine& m, NodeId nid, PhysAddr start,
                                      ByteSize size, std::string resource_name,
                                      uint32_t mhp_flags) {
  if (!resource_name.starts_with("System RAM (") ||
      !resource_name.ends_with(")")) {
    co_return Neg(Errno::kEINVAL);
  }
  co_await m.device_hotplug_lock().Lock();
  int rc = 0;
  absl::StatusOr<Resource*> res =
      RegisterMemoryResource(m, start, size, std::move(resource_name));
  if (!res.ok()) {
    rc = model::ReturnCode(res.status());
  } else {
    rc = co_await AddMemoryResource(m, nid, *res, mhp_flags);
    if (rc < 0) ReleaseMemoryResource(m, *res);
  }
  co_await m.device_hotplug_lock().Unlock();
  co_return rc;
}

void TryOfflineNode(Machine& m, NodeId nid) {
  const PgData* pgdat = m.NodeData(nid);
  // A node that still spans pages (ZONE_DEVICE too) stays.
  if (pgdat != nullptr && !pgdat->node_spanned_pages.IsZero()) return;
  // Offline memory blocks link to the node and can be onlined later.
  for (const auto& [id, mem] : m.blocks().blocks()) {
    if (mem.nid == nid) return;
  }
  // check_cpu_on_node(): DIVERGENCE: the model's CPUs all sit on node 0.
  if (nid.value() == 0) return;
  // node_set_offline(); unregister_one_node().
  m.NodeSetOffline(nid);
}

Operation<int> TryRemoveMemory(Machine& m, PhysAddr start, ByteSize size) {
  const model::Geometry& g = m.geometry();
  NodeId nid = model::kNumaNoNode;
  if (!CheckHotplugMemoryRange(m.sparse(), start, size, m.blocks().block_size())
           .ok()) {
    m.log().Bug({"mm/memory_hotplug.c", "try_remove_memory"},
                {"kernel BUG at mm/memory_hotplug.c:2075!"});
    co_return Neg(Errno::kEINVAL);
  }
  // v5.3: mem_hotplug_begin() comes before the check, and everything after
  // it runs under mem_hotplug_lock.
  const bool lock_first =
      !m.profile().try_remove_memory_checks_before_hotplug_lock;
  if (lock_first) co_await m.mem_hotplug_lock().DownWrite();
  // All memory blocks must be offline; the node is the last block's.
  for (MemoryBlock* mem : m.mutable_blocks().WalkMemoryBlocks(g, start, size)) {
    nid = mem->nid;
    if (mem->state != MemoryBlockState::kOffline) {
      const uint64_t beginpa = g.SectionStart(mem->start_section_nr).value()
                               << g.page_shift();
      const uint64_t endpa = beginpa + m.blocks().block_size().value() - 1;
      m.log().Printk(model::LogLevel::kWarning,
                     Sprintf("removing memory fails, because memory "
                             "[0x%016llx-0x%016llx] is onlined",
                             static_cast<unsigned long long>(beginpa),
                             static_cast<unsigned long long>(endpa)));
      // v5.3: "goto done", mem_hotplug_done().
      if (lock_first) co_await m.mem_hotplug_lock().UpWrite();
      co_return Neg(Errno::kEBUSY);
    }
  }
  // mhp_memmap_on_memory() is off: no altmap. firmware_map_remove(): not
  // modelled. Block devices go first, under device_hotplug_lock.
  m.mutable_blocks().RemoveMemoryBlockDevices(m.log(), g, start, size);
  if (!lock_first) co_await m.mem_hotplug_lock().DownWrite();
  ArchRemoveMemory(m, start, size);
  m.iomem().ReleaseMemRegionAdjustable(start, size);
  if (!nid.IsNoNode()) TryOfflineNode(m, nid);
  co_await m.mem_hotplug_lock().UpWrite();
  co_return 0;
}

Operation<bool> RemoveMemoryLocked(Machine& m, PhysAddr start, ByteSize size) {
  // (co_await inside a condition trips GCC 12's coroutine temporaries.)
  const int rc = co_await TryRemoveMemory(m, start, size);
  if (rc != 0) {
    m.log().Bug({"mm/memory_hotplug.c", "__remove_memory"},
                {"kernel BUG at mm/memory_hotplug.c:2159!"});
    co_return false;
  }
  co_return true;
}

Operation<int> RemoveMemory(Machine& m, PhysAddr start, ByteSize size) {
  co_await m.device_hotplug_lock().Lock();
  const int rc = co_await TryRemoveMemory(m, start, size);
  if (rc != 0 && !m.profile().remove_memory_returns_ebusy) {
    // v5.1: remove_memory() is __remove_memory() under the lock, which
    // BUG()s when a block is not offline.
    m.log().Bug({"mm/memory_hotplug.c", "__remove_memory"},
                {"kernel BUG at mm/memory_hotplug.c:2159!"});
  }
  co_await m.device_hotplug_lock().Unlock();
  co_return rc;
}

Operation<int> OfflineAndRemoveMemory(Machine& m, PhysAddr start,
                                      ByteSize size) {
  const model::Geometry& g = m.geometry();
  const uint64_t bs = m.blocks().block_size().value();
  if (start.value() % bs != 0 || size.value() % bs != 0 || size.IsZero()) {
    co_return Neg(Errno::kEINVAL);
  }
  co_await m.device_hotplug_lock().Lock();
  // The blocks of the range and how each was online (MMOP_OFFLINE: leave
  // it); try_offline_memory_block() stops at the first failure.
  std::vector<std::pair<model::BlockId, OnlineType>> online_types;
  for (MemoryBlock* mem : m.mutable_blocks().WalkMemoryBlocks(g, start, size)) {
    online_types.push_back({mem->id, OnlineType::kOffline});
  }
  int rc = 0;
  for (auto& [id, type] : online_types) {
    const MemoryBlock* mem = m.blocks().Find(id);
    OnlineType online_type = OnlineType::kOnlineKernel;
    const Pfn pfn = g.SectionStart(mem->start_section_nr);
    if (m.sparse().PfnToOnlinePage(pfn) &&
        m.sparse().memmap().Get(pfn).zone ==
            static_cast<int>(ZoneType::kMovable)) {
      online_type = OnlineType::kOnlineMovable;
    }
    const int ret = co_await DeviceOffline(m, id);
    if (ret == 0) type = online_type;
    if (ret < 0) {
      rc = ret;
      break;
    }
  }
  if (rc == 0) {
    rc = co_await TryRemoveMemory(m, start, size);
    if (rc != 0) {
      m.log().Printk(model::LogLevel::kErr,
                     Sprintf("%s: Failed to remove memory: %d",
                             "offline_and_remove_memory", rc));
    }
  }
  if (rc != 0) {
    // Roll back: online again what was offlined here.
    for (const auto& [id, type] : online_types) {
      if (type == OnlineType::kOffline) continue;
      if (m.mutable_blocks().FindMutable(id) == nullptr) continue;
      m.mutable_blocks().FindMutable(id)->online_type = type;
      const int ret = co_await DeviceOnline(m, id);
      if (ret < 0) {
        m.log().Printk(model::LogLevel::kWarning,
                       Sprintf("%s: Failed to re-online memory: %d",
                               "try_reonline_memory_block", ret));
      }
    }
  }
  co_await m.device_hotplug_lock().Unlock();
  co_return rc;
}

}  // namespace memhp::hotplug
