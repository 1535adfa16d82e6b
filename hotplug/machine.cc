#include "hotplug/machine.h"

#include <set>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::NodeId;
using model::Pfn;

Machine::Machine(model::Geometry geometry, model::KernelProfile profile)
    : sparse_(std::make_unique<sparse::Sparse>(std::move(geometry), profile,
                                               &log_)),
      // iomem_resource ends at the architecture's physical address limit;
      // x86 narrows it to the CPU's x86_phys_bits in setup_arch().
      iomem_(std::make_unique<ResourceTree>(
          model::PhysAddr(
              sparse_->geometry().max_physmem_bits() >= 64
                  ? UINT64_MAX
                  : (uint64_t{1} << sparse_->geometry().max_physmem_bits()) -
                        1),
          &log_)),
      memory_groups_(
          [this](NodeId nid) { return NodePossible(nid); },
          [this] { return this->geometry().PagesIn(blocks_.block_size()); }) {
  zone_select_globals_.node_data = &zones_.pgdat;
  zone_select_globals_.memory_groups = &memory_groups_;
  zone_select_globals_.sparse = sparse_.get();
  blocks_.AttachZoneSelectGlobals(&zone_select_globals_);
}

absl::Status Machine::Boot(const BootMemory& boot) {
  if (boot.memory.empty()) {
    return absl::InvalidArgumentError("no memory to boot with");
  }
  memory_ = boot.memory;
  numa_meminfo_ = boot.numa_meminfo;
  numa_reserved_meminfo_ = boot.numa_reserved_meminfo;
  max_mem_size_ = boot.max_mem_size;
  zone_select_globals_.movable_node_enabled = boot.zones.movable_node;
  max_pfn_ = boot.block_size.max_pfn;
  for (const sparse::MemblockRegion& r : memory_) {
    possible_nodes_.insert(r.nid.value());
  }
  for (NodeId n : boot.possible_nodes) possible_nodes_.insert(n.value());
  for (NodeId n : boot.zones.nodes) possible_nodes_.insert(n.value());
  // paging_init() -> sparse_init().
  sparse_->SparseInit(memory_);
  // zone_sizes_init() -> free_area_init().
  FreeAreaInitConfig zc = boot.zones;
  zc.memory = memory_;
  zones_ = FreeAreaInit(zc, *sparse_, log_);
  if (zones_.halted) {
    return absl::FailedPreconditionError(
        "the boot stopped in free_area_init: no zone below the memory can "
        "hold ZONE_MOVABLE");
  }
  // mm_init() -> memblock_free_all(): reserved memblock ranges keep
  // PageReserved struct pages (reserve_bootmem_region).
  for (const model::PfnRange& r : boot.reserved) {
    std::vector<std::pair<model::PfnRange, sparse::PageState>> runs;
    sparse_->memmap().ForEach(
        r, [&](model::PfnRange run, const sparse::PageState& st) {
          if (st.kind != sparse::MemmapKind::kInitialised) return;
          sparse::PageState reserved = st;
          reserved.boot_allocated = true;
          runs.push_back({run, reserved});
        });
    for (const auto& [run, st] : runs)
      sparse_->mutable_memmap().Assign(run, st);
  }
  // start_kernel(): parse_args() after setup_arch().
  ParseMemoryHotplugParams(boot.cmdline);
  // driver_init() -> memory_dev_init().
  const model::ByteSize bz =
      MemoryBlockSizeBytes(geometry(), boot.block_size, log_);
  if (absl::Status s = blocks_.MemoryDevInit(*sparse_, bz); !s.ok()) return s;
  // topology_init() -> register_one_node() for each online node, in order.
  // early_pfn_to_nid(): the node of the memblock range, else the first
  // online node.
  const NodeId first_online =
      zones_.pgdat.empty() ? NodeId(0) : NodeId(zones_.pgdat.begin()->first);
  auto early_pfn_to_nid = [&](Pfn pfn) {
    for (const sparse::MemblockRegion& r : memory_) {
      if (r.range.Contains(pfn)) return r.nid;
    }
    return first_online;
  };
  boot_zones_ = zones_;
  for (const auto& [nid, pgdat] : zones_.pgdat) online_nodes_.insert(nid);
  for (const auto& [nid, pgdat] : zones_.pgdat) {
    const Pfn start = pgdat.node_start_pfn;
    const Pfn end = start + pgdat.node_spanned_pages;
    blocks_.RegisterMemoryBlocksUnderNodeEarly(*sparse_, NodeId(nid), start,
                                               end, pgdat, early_pfn_to_nid);
  }
  return absl::OkStatus();
}

std::string_view MemoryActionName(MemoryAction a) {
  switch (a) {
    case MemoryAction::kGoingOnline:
      return "MEM_GOING_ONLINE";
    case MemoryAction::kCancelOnline:
      return "MEM_CANCEL_ONLINE";
    case MemoryAction::kOnline:
      return "MEM_ONLINE";
    case MemoryAction::kGoingOffline:
      return "MEM_GOING_OFFLINE";
    case MemoryAction::kCancelOffline:
      return "MEM_CANCEL_OFFLINE";
    case MemoryAction::kOffline:
      return "MEM_OFFLINE";
  }
  return "?";
}

PgData* Machine::NodeData(NodeId nid) {
  auto it = zones_.pgdat.find(nid.value());
  return it == zones_.pgdat.end() ? nullptr : &it->second;
}

const PgData* Machine::NodeData(NodeId nid) const {
  auto it = zones_.pgdat.find(nid.value());
  return it == zones_.pgdat.end() ? nullptr : &it->second;
}

int Machine::NumaMapToOnlineNode(int nid) const {
  if (nid < 0 || NodeOnline(model::NodeId(nid))) return nid;
  for (int n = 0; n < (1 << 10); ++n) {
    if (NodeOnline(model::NodeId(n))) return n;
  }
  return nid;
}

bool Machine::NodeOnline(NodeId nid) const {
  return online_nodes_.contains(nid.value());
}

bool Machine::NodePossible(NodeId nid) const {
  return possible_nodes_.contains(nid.value());
}

int Machine::TryOnlineNode(NodeId nid, bool set_node_online) {
  if (NodeOnline(nid)) return 0;
  // hotadd_init_pgdat(): free_area_init_core_hotplug() resets
  // node_start_pfn; reset_node_present_pages() the present pages. The zone
  // spans stay (a node is offlined only when it spans nothing).
  PgData& pgdat = zones_.pgdat[nid.value()];
  pgdat.node_id = nid;
  pgdat.node_start_pfn = Pfn(0);
  for (Zone& z : pgdat.node_zones) z.present_pages = model::NrPages(0);
  pgdat.node_present_pages = model::NrPages(0);
  if (set_node_online) NodeSetOnline(nid);
  return 1;
}

void Machine::NodeSetOnline(NodeId nid) { online_nodes_.insert(nid.value()); }
void Machine::NodeSetOffline(NodeId nid) { online_nodes_.erase(nid.value()); }

namespace {

std::optional<NodeId> MeminfoToNid(
    const std::vector<sparse::MemblockRegion>& mi, const model::Geometry& g,
    model::PhysAddr start) {
  const Pfn pfn = g.PfnDown(start);
  for (const sparse::MemblockRegion& r : mi) {
    if (r.range.Contains(pfn)) return r.nid;
  }
  return std::nullopt;
}

}  // namespace

NodeId Machine::MemoryAddPhysaddrToNid(model::PhysAddr start) const {
  if (std::optional<NodeId> nid =
          MeminfoToNid(numa_meminfo_, geometry(), start)) {
    return *nid;
  }
  // numa_meminfo.blk[0].nid.
  return numa_meminfo_.empty() ? NodeId(0) : numa_meminfo_.front().nid;
}

NodeId Machine::PhysToTargetNode(model::PhysAddr start) const {
  if (std::optional<NodeId> nid =
          MeminfoToNid(numa_meminfo_, geometry(), start)) {
    return *nid;
  }
  return MeminfoToNid(numa_reserved_meminfo_, geometry(), start)
      .value_or(model::kNumaNoNode);
}

void Machine::ParseMemoryHotplugParams(std::string_view cmdline) {
  for (std::string_view arg : model::Split(cmdline, ' ')) {
    if (arg.empty()) continue;
    // parse_args(): "--" ends the kernel's options.
    if (arg == "--") break;
    const size_t eq = arg.find('=');
    const std::string_view param = arg.substr(0, eq);
    const std::optional<std::string_view> val =
        eq == std::string_view::npos ? std::nullopt
                                     : std::optional(arg.substr(eq + 1));
    // parse_one() over the built-in module parameters (none before the
    // online policies came, v5.15).
    const int ret =
        profile().memory_groups
            ? MemoryHotplugParamSet(zone_select_globals_.params, param, val)
            : -static_cast<int>(model::Errno::kENOENT);
    if (ret == 0) continue;
    if (ret != -static_cast<int>(model::Errno::kENOENT)) {
      log_.Printk(model::LogLevel::kErr,
                  model::Cat("Booting kernel: `", val.value_or(""),
                             "' invalid for parameter `", param, "'"));
      continue;
    }
    // unknown_bootoption() -> obsolete_checksetup(): the __setup options;
    // "memhp_default_state=" needs its '=' (parameqn over the whole
    // string).
    constexpr std::string_view kMemhpDefaultState = "memhp_default_state=";
    if (arg.size() >= kMemhpDefaultState.size()) {
      bool match = true;
      for (size_t i = 0; i < kMemhpDefaultState.size(); ++i) {
        const char c = arg[i] == '-' ? '_' : arg[i];
        if (c != kMemhpDefaultState[i]) match = false;
      }
      if (match) {
        // setup_memhp_default_state(): mhp_online_type_from_str().
        if (std::optional<OnlineType> t =
                OnlineTypeFromStr(arg.substr(kMemhpDefaultState.size()))) {
          auto_online_blocks_ = *t;
        }
      }
    }
  }
}

int Machine::MemoryNotify(MemoryAction action,
                          const hotplug::MemoryNotify& arg) {
  for (const MemoryNotifier& n : memory_chain_) {
    // notifier_from_errno / NOTIFY_STOP_MASK: the chain stops at a veto.
    if (const int rc = n(action, arg); rc != 0) return rc;
  }
  return 0;
}

}  // namespace memhp::hotplug
