#include "hotplug/memory_block.h"

#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::BlockId;
using model::ByteSize;
using model::NodeId;
using model::Pfn;
using model::SectionNr;
using model::Sprintf;

namespace {

bool IsPowerOf2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Kernel: drivers/base/memory.c early_node_zone_for_memory_block (v6.1).
std::optional<ZoneType> EarlyNodeZoneForMemoryBlock(
    const sparse::Sparse& sparse, const MemoryBlock& mem,
    uint64_t sections_per_block, const PgData& pgdat) {
  const Pfn start_pfn = sparse.geometry().SectionStart(mem.start_section_nr);
  const model::NrPages nr_pages =
      sparse.geometry().PagesPerSection() * sections_per_block;
  std::optional<ZoneType> matching;
  for (const Zone& zone : pgdat.node_zones) {
    if (!zone.Populated()) continue;
    if (!zone.Intersects(start_pfn, nr_pages)) continue;
    if (!matching) {
      matching = zone.type;
      continue;
    }
    return std::nullopt;  // spans multiple zones
  }
  return matching;
}

}  // namespace

// Kernel: arch/x86/mm/init_64.c probe_memory_block_size (v6.1); the generic
// __weak memory_block_size_bytes (MIN_MEMORY_BLOCK_SIZE); s390
// max(MIN_MEMORY_BLOCK_SIZE, sclp.rzm); powerpc ppc_md.memory_block_size.
ByteSize MemoryBlockSizeBytes(const model::Geometry& g,
                              const BlockSizeInputs& in, model::EventLog& log) {
  const uint64_t min = g.MinMemoryBlockSize().value();
  switch (g.block_rule()) {
    case model::MemoryBlockRule::kSectionSize:
      return ByteSize(min);
    case model::MemoryBlockRule::kS390Sclp:
    case model::MemoryBlockRule::kPpcFirmware:
      return ByteSize(std::max(min, in.firmware.value()));
    case model::MemoryBlockRule::kX86Probe:
      break;
  }
  constexpr uint64_t kMaxBlockSize = uint64_t{2} << 30;
  constexpr uint64_t kMemSizeForLargeBlock = uint64_t{64} << 30;
  const uint64_t boot_mem_end = g.PfnPhys(in.max_pfn).value();
  uint64_t bz = in.set_size.value();
  if (bz == 0) {
    if (boot_mem_end < kMemSizeForLargeBlock) {
      bz = min;
    } else if (!in.hypervisor) {
      bz = kMaxBlockSize;
    } else {
      for (bz = kMaxBlockSize; bz > min; bz >>= 1) {
        if ((boot_mem_end & (bz - 1)) == 0) break;
      }
    }
  }
  log.Printk(model::LogLevel::kInfo, Sprintf("x86/mm: Memory block size: %ldMB",
                                             static_cast<long>(bz >> 20)));
  return ByteSize(bz);
}

absl::Status MemoryBlocks::MemoryDevInit(const sparse::Sparse& sparse,
                                         ByteSize block_size) {
  const uint64_t min = sparse.geometry().MinMemoryBlockSize().value();
  if (!IsPowerOf2(block_size.value()) || block_size.value() < min) {
    return absl::InvalidArgumentError(
        Sprintf("Memory block size not suitable: 0x%lx",
                static_cast<unsigned long>(block_size.value())));
  }
  block_size_ = block_size;
  sections_per_block_ = block_size.value() / min;
  // add_boot_memory_block() for every block up to the highest present
  // section: a block is created when one of its sections is present. The
  // model walks the present sections instead of every block-sized step.
  for (std::optional<SectionNr> nr = sparse.NextPresentSectionNr(std::nullopt);
       nr; nr = sparse.NextPresentSectionNr(*nr)) {
    const uint64_t id = nr->value() / sections_per_block_;
    if (blocks_.contains(id)) continue;
    blocks_[id] =
        MemoryBlock{.id = BlockId(id),
                    .start_section_nr = SectionNr(id * sections_per_block_),
                    .state = MemoryBlockState::kOnline,
                    .dev_offline = false,
                    .boot = true};
  }
  return absl::OkStatus();
}

// Kernel: drivers/base/node.c register_mem_block_under_node_early and
// drivers/base/memory.c memory_block_add_nid (v6.1).
void MemoryBlocks::RegisterMemoryBlocksUnderNodeEarly(
    const sparse::Sparse& sparse, NodeId nid, Pfn start_pfn, Pfn end_pfn,
    const PgData& pgdat, const std::function<NodeId(Pfn)>& early_pfn_to_nid) {
  const model::Geometry& g = sparse.geometry();
  const uint64_t block_pfns = g.PagesPerSection().value() * sections_per_block_;
  for (auto& [id, mem] : blocks_) {
    const uint64_t bstart = g.SectionStart(mem.start_section_nr).value();
    const uint64_t bend = bstart + block_pfns;
    // walk_memory_blocks() over the node span.
    if (bend <= start_pfn.value() || bstart >= end_pfn.value()) continue;
    for (uint64_t pfn = bstart; pfn < bend; ++pfn) {
      if (!sparse.PfnInPresentSection(Pfn(pfn))) {
        pfn = (pfn + g.PagesPerSection().value()) /
                  g.PagesPerSection().value() * g.PagesPerSection().value() -
              1;
        continue;
      }
      if (early_pfn_to_nid(Pfn(pfn)) != nid) continue;
      // memory_block_add_nid(mem, nid, MEMINIT_EARLY).
      if (mem.nid != nid) {
        if (mem.nid.IsNoNode()) {
          mem.zone = EarlyNodeZoneForMemoryBlock(sparse, mem,
                                                 sections_per_block_, pgdat);
        } else {
          mem.zone.reset();
        }
      }
      mem.nid = nid;
      break;
    }
  }
}

absl::Status MemoryBlocks::CreateMemoryBlockDevices(model::EventLog& log,
                                                    const model::Geometry& g,
                                                    model::PhysAddr start,
                                                    ByteSize size,
                                                    MemoryGroup* group) {
  const uint64_t bs = block_size_.value();
  const uint64_t start_id = BlockOf(g.SectionOf(g.PfnDown(start))).value();
  const uint64_t end_id = BlockOf(g.SectionOf(g.PfnDown(start + size))).value();
  if ((start.value() & (bs - 1)) != 0 || (size.value() & (bs - 1)) != 0) {
    log.WarnOnOnce({"drivers/base/memory.c", "create_memory_block_devices"},
                   "!IS_ALIGNED(start, memory_block_size_bytes()) || "
                   "!IS_ALIGNED(size, memory_block_size_bytes())");
    return model::KernelError(model::Errno::kEINVAL, "unaligned range");
  }
  uint64_t id = start_id;
  for (; id != end_id; ++id) {
    // add_hotplug_memory_block() -> add_memory_block(): -EEXIST when the
    // block exists.
    if (blocks_.contains(id)) break;
    blocks_[id] =
        MemoryBlock{.id = BlockId(id),
                    .start_section_nr = SectionNr(id * sections_per_block_),
                    .state = MemoryBlockState::kOffline};
    if (group != nullptr) {
      blocks_[id].group = group;
      group->memory_blocks.insert(BlockId(id));
    }
  }
  if (id != end_id) {
    // remove_memory_block() of each block created here.
    for (uint64_t undo = start_id; undo != id; ++undo) {
      if (group != nullptr) group->memory_blocks.erase(BlockId(undo));
      blocks_.erase(undo);
    }
    return model::KernelError(model::Errno::kEEXIST, "memory block exists");
  }
  return absl::OkStatus();
}

void MemoryBlocks::RemoveMemoryBlockDevices(model::EventLog& log,
                                            const model::Geometry& g,
                                            model::PhysAddr start,
                                            ByteSize size) {
  const uint64_t bs = block_size_.value();
  if ((start.value() & (bs - 1)) != 0 || (size.value() & (bs - 1)) != 0) {
    log.WarnOnOnce({"drivers/base/memory.c", "remove_memory_block_devices"},
                   "!IS_ALIGNED(start, memory_block_size_bytes()) || "
                   "!IS_ALIGNED(size, memory_block_size_bytes())");
    return;
  }
  const uint64_t start_id = BlockOf(g.SectionOf(g.PfnDown(start))).value();
  const uint64_t end_id = BlockOf(g.SectionOf(g.PfnDown(start + size))).value();
  for (uint64_t id = start_id; id != end_id; ++id) {
    if (!blocks_.contains(id)) {
      log.WarnOnOnce({"drivers/base/memory.c", "remove_memory_block_devices"},
                     "!mem");
      continue;
    }
    // remove_memory_block(): the block leaves its group.
    if (MemoryGroup* group = blocks_.at(id).group; group != nullptr) {
      group->memory_blocks.erase(BlockId(id));
    }
    blocks_.erase(id);
  }
}

const MemoryBlock* MemoryBlocks::Find(BlockId id) const {
  auto it = blocks_.find(id.value());
  return it == blocks_.end() ? nullptr : &it->second;
}

MemoryBlock* MemoryBlocks::FindMutable(BlockId id) {
  auto it = blocks_.find(id.value());
  return it == blocks_.end() ? nullptr : &it->second;
}

std::vector<MemoryBlock*> MemoryBlocks::WalkMemoryBlocks(
    const model::Geometry& g, model::PhysAddr start, ByteSize size) {
  MEMHP_CHECK(!size.IsZero()) << "walk_memory_blocks of an empty range";
  // phys_to_block_id(start) .. phys_to_block_id(start + size - 1).
  const uint64_t start_id = BlockOf(g.SectionOf(g.PfnDown(start))).value();
  const uint64_t end_id =
      BlockOf(g.SectionOf(
                  g.PfnDown(model::PhysAddr(start.value() + size.value() - 1))))
          .value();
  std::vector<MemoryBlock*> out;
  for (auto it = blocks_.lower_bound(start_id);
       it != blocks_.end() && it->first <= end_id; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

void MemoryBlocks::RegisterMemoryBlocksUnderNodeHotplug(
    const model::Geometry& g, NodeId nid, Pfn start_pfn, Pfn end_pfn) {
  const uint64_t first = BlockOf(g.SectionOf(start_pfn)).value();
  // walk_memory_blocks(PFN_PHYS(start_pfn), PFN_PHYS(end_pfn - start_pfn)):
  // the last block is that of end_pfn - 1.
  if (end_pfn <= start_pfn) return;
  const uint64_t last = BlockOf(g.SectionOf(Pfn(end_pfn.value() - 1))).value();
  for (auto it = blocks_.lower_bound(first);
       it != blocks_.end() && it->first <= last; ++it) {
    // memory_block_add_nid(mem, nid, MEMINIT_HOTPLUG).
    it->second.nid = nid;
  }
}

std::string MemoryBlocks::StateShow(const MemoryBlock& mem) {
  switch (mem.state) {
    case MemoryBlockState::kOnline:
      return "online";
    case MemoryBlockState::kOffline:
      return "offline";
    case MemoryBlockState::kGoingOffline:
      return "going-offline";
  }
  return "?";
}

std::string MemoryBlocks::PhysIndexShow(const MemoryBlock& mem) const {
  return Sprintf("%08lx",
                 static_cast<unsigned long>(mem.start_section_nr.value() /
                                            sections_per_block_));
}

std::string MemoryBlocks::RemovableShow(const model::Geometry& g) {
  return g.memory_hotremove() ? "1" : "0";
}

std::optional<std::string> MemoryBlocks::ValidZonesShowOnline(
    const MemoryBlock& mem) {
  if (mem.state != MemoryBlockState::kOnline) return std::nullopt;
  if (!mem.zone) return std::string("none");
  return std::string(ZoneName(*mem.zone));
}

std::vector<std::string> MemoryBlocks::ValidZonesShow(
    const MemoryBlock& mem, const PgData& pgdat, const model::Geometry& g,
    bool movable_node_enabled) const {
  if (std::optional<std::string> online = ValidZonesShowOnline(mem)) {
    return {*online};
  }
  const Pfn start_pfn = g.SectionStart(mem.start_section_nr);
  const model::NrPages nr_pages = g.PagesPerSection() * sections_per_block_;
  ZoneSelectGlobals globals =
      globals_ != nullptr ? *globals_ : ZoneSelectGlobals{};
  globals.movable_node_enabled = movable_node_enabled;
  const ZoneType default_zone = ZoneForPfnRange(
      OnlineType::kOnline, pgdat, mem.group, start_pfn, nr_pages, globals);
  std::vector<std::string> out = {std::string(ZoneName(default_zone))};
  // print_allowed_zone() for MMOP_ONLINE_KERNEL, then MMOP_ONLINE_MOVABLE.
  for (OnlineType t : {OnlineType::kOnlineKernel, OnlineType::kOnlineMovable}) {
    const ZoneType z =
        ZoneForPfnRange(t, pgdat, mem.group, start_pfn, nr_pages, globals);
    if (z != default_zone) out.emplace_back(ZoneName(z));
  }
  return out;
}

std::string MemoryBlocks::BlockSizeBytesShow() const {
  return Sprintf("%lx", static_cast<unsigned long>(block_size_.value()));
}

}  // namespace memhp::hotplug
