#include "hotplug/memory_online.h"

#include "hotplug/online_pages.h"
#include "hotplug/zone_select.h"
#include "model/check.h"
#include "model/cmdline.h"
#include "model/status.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::BlockId;
using model::Errno;
using model::NrPages;
using model::Operation;
using model::Pfn;

namespace {

struct BlockSpan {
  Pfn start_pfn;
  NrPages nr_pages;
};

BlockSpan SpanOf(const Machine& m, const MemoryBlock& mem) {
  const model::Geometry& g = m.geometry();
  return {g.SectionStart(mem.start_section_nr),
          g.PagesPerSection() * m.blocks().sections_per_block()};
}

// memory_block_change_state(mem, to_state, from_state_req).
Operation<int> MemoryBlockChangeState(Machine& m, BlockId id,
                                      MemoryBlockState to_state,
                                      MemoryBlockState from_state_req) {
  MemoryBlock* mem = m.mutable_blocks().FindMutable(id);
  if (mem->state != from_state_req) co_return rc::kEINVAL;
  if (to_state == MemoryBlockState::kOffline) {
    mem->state = MemoryBlockState::kGoingOffline;
  }
  // memory_block_action().
  int ret = 0;
  if (to_state == MemoryBlockState::kOnline) {
    ret = co_await MemoryBlockOnline(m, id);
  } else {
    ret = co_await MemoryBlockOffline(m, id);
  }
  mem = m.mutable_blocks().FindMutable(id);
  mem->state = ret != 0 ? from_state_req : to_state;
  co_return ret;
}

// memory_subsys_online(dev).
Operation<int> MemorySubsysOnline(Machine& m, BlockId id) {
  MemoryBlock* mem = m.mutable_blocks().FindMutable(id);
  if (mem->state == MemoryBlockState::kOnline) co_return 0;
  // device_online() without a configured online_type means MMOP_ONLINE.
  if (mem->online_type == OnlineType::kOffline) {
    mem->online_type = OnlineType::kOnline;
  }
  const int ret = co_await MemoryBlockChangeState(
      m, id, MemoryBlockState::kOnline, MemoryBlockState::kOffline);
  m.mutable_blocks().FindMutable(id)->online_type = OnlineType::kOffline;
  co_return ret;
}

// memory_subsys_offline(dev).
Operation<int> MemorySubsysOffline(Machine& m, BlockId id) {
  const MemoryBlock* mem = m.blocks().Find(id);
  if (mem->state == MemoryBlockState::kOffline) co_return 0;
  co_return co_await MemoryBlockChangeState(m, id, MemoryBlockState::kOffline,
                                            MemoryBlockState::kOnline);
}

absl::Status StoreResult(int ret, std::string_view what) {
  if (ret < 0) return model::FromReturnCode(ret, what);
  return absl::OkStatus();
}

}  // namespace

Operation<int> MemoryBlockOnline(Machine& m, BlockId id) {
  const MemoryBlock* mem = m.blocks().Find(id);
  MEMHP_CHECK(mem != nullptr) << "memory_block_online of a missing block";
  MEMHP_CHECK(!mem->nid.IsNoNode()) << "memory_block_online without a node";
  const BlockSpan span = SpanOf(m, *mem);
  const model::NodeId nid = mem->nid;
  MemoryGroup* const group = mem->group;
  // v5.3: online_pages() takes mem_hotplug_lock first and chooses the zone
  // under it; v6.1 chooses it before mem_hotplug_begin().
  const bool zone_under_lock =
      !m.profile().memory_block_online_takes_hotplug_lock;
  if (zone_under_lock) co_await m.mem_hotplug_lock().DownWrite();
  mem = m.blocks().Find(id);
  const PgData* pgdat = m.NodeData(nid);
  MEMHP_CHECK(pgdat != nullptr) << "memory block on a node without pgdat";
  const ZoneType zone =
      ZoneForPfnRange(mem->online_type, *pgdat, group, span.start_pfn,
                      span.nr_pages, m.zone_select_globals());
  // mem_hotplug_begin().
  if (!zone_under_lock) co_await m.mem_hotplug_lock().DownWrite();
  // DIVERGENCE: nr_vmemmap_pages (memmap_on_memory) is always 0: the
  // module parameter is off on the oracle.
  const int ret =
      OnlinePages(m, span.start_pfn, span.nr_pages, nid, zone, group);
  if (ret == 0) m.mutable_blocks().FindMutable(id)->zone = zone;
  // mem_hotplug_done().
  co_await m.mem_hotplug_lock().UpWrite();
  co_return ret;
}

Operation<int> MemoryBlockOffline(Machine& m, BlockId id) {
  const MemoryBlock* mem = m.blocks().Find(id);
  MEMHP_CHECK(mem != nullptr) << "memory_block_offline of a missing block";
  // v5.3 has no mem->zone: __offline_pages() finds the zone itself, under
  // mem_hotplug_lock (OfflinePages ignores `zone` then).
  const bool uses_zone = m.profile().offline_uses_memory_block_zone;
  if (uses_zone && !mem->zone) co_return rc::kEINVAL;
  const BlockSpan span = SpanOf(m, *mem);
  const model::NodeId nid = mem->nid;
  const ZoneType zone = mem->zone.value_or(ZoneType::kNormal);
  MemoryGroup* const group = mem->group;
  co_await m.mem_hotplug_lock().DownWrite();
  const int ret =
      OfflinePages(m, span.start_pfn, span.nr_pages, nid, zone, group);
  if (ret == 0) m.mutable_blocks().FindMutable(id)->zone.reset();
  co_await m.mem_hotplug_lock().UpWrite();
  co_return ret;
}

Operation<int> DeviceOnline(Machine& m, BlockId id) {
  MemoryBlock* mem = m.mutable_blocks().FindMutable(id);
  MEMHP_CHECK(mem != nullptr) << "device_online of a missing block";
  if (!mem->dev_offline) co_return 1;
  const int ret = co_await MemorySubsysOnline(m, id);
  // kobject_uevent(KOBJ_ONLINE) is not modelled.
  if (ret == 0) m.mutable_blocks().FindMutable(id)->dev_offline = false;
  co_return ret;
}

Operation<int> DeviceOffline(Machine& m, BlockId id) {
  MemoryBlock* mem = m.mutable_blocks().FindMutable(id);
  MEMHP_CHECK(mem != nullptr) << "device_offline of a missing block";
  // dev->offline_disabled and children: memory blocks have neither.
  if (mem->dev_offline) co_return 1;
  const int ret = co_await MemorySubsysOffline(m, id);
  if (ret == 0) m.mutable_blocks().FindMutable(id)->dev_offline = true;
  co_return ret;
}

Operation<absl::Status> StateStore(Machine& m, BlockId id,
                                   std::string_view buf) {
  const std::optional<OnlineType> online_type = OnlineTypeFromStr(buf);
  const bool parse_first = m.profile().state_store_parses_before_lock;
  if (!online_type && parse_first) {
    co_return model::KernelError(Errno::kEINVAL, "unknown online type");
  }
  // lock_device_hotplug_sysfs(): a failed trylock restarts the write, which
  // the model folds into waiting for the lock.
  co_await m.device_hotplug_lock().Lock();
  if (!online_type) {
    // v5.3: the sysfs_streq() chain runs under the lock ("goto err").
    co_await m.device_hotplug_lock().Unlock();
    co_return model::KernelError(Errno::kEINVAL, "unknown online type");
  }
  int ret = 0;
  if (m.blocks().Find(id) == nullptr) {
    ret = -static_cast<int>(Errno::kENODEV);
  } else if (*online_type == OnlineType::kOffline) {
    ret = co_await DeviceOffline(m, id);
  } else {
    // mem->online_type is protected by device_hotplug_lock.
    m.mutable_blocks().FindMutable(id)->online_type = *online_type;
    ret = co_await DeviceOnline(m, id);
  }
  co_await m.device_hotplug_lock().Unlock();
  if (ret > 0) ret = rc::kEINVAL;  // already in that state
  co_return StoreResult(ret, "state_store");
}

Operation<absl::Status> OnlineStore(Machine& m, BlockId id,
                                    std::string_view buf) {
  const std::optional<bool> val = model::Kstrtobool(buf);
  if (!val) co_return model::KernelError(Errno::kEINVAL, "strtobool");
  co_await m.device_hotplug_lock().Lock();
  int ret = 0;
  if (m.blocks().Find(id) == nullptr) {
    ret = -static_cast<int>(Errno::kENODEV);
  } else if (*val) {
    ret = co_await DeviceOnline(m, id);
  } else {
    ret = co_await DeviceOffline(m, id);
  }
  co_await m.device_hotplug_lock().Unlock();
  co_return StoreResult(ret, "online_store");
}

absl::Status AutoOnlineBlocksStore(Machine& m, std::string_view buf) {
  const std::optional<OnlineType> t = OnlineTypeFromStr(buf);
  if (!t) return model::KernelError(Errno::kEINVAL, "unknown online type");
  m.set_auto_online_blocks(*t);
  return absl::OkStatus();
}

}  // namespace memhp::hotplug
