// Memory block devices (drivers/base/memory.c, v6.1): the blocks created at
// boot for present sections, their node and zone as the node code links them
// (drivers/base/node.c register_mem_block_under_node_early), the memory block
// size (arch/x86/mm/init_64.c probe_memory_block_size and the other
// architectures' rules), and the sysfs attributes as the kernel prints them.
//
// Invariants:
//  1. a block covers sections [id * sections_per_block,
//     (id + 1) * sections_per_block) and at least one of them is present;
//  2. state is one of online, going-offline, offline;
//  3. an online boot block has a zone only if exactly one populated zone of
//     its node intersects it (early_node_zone_for_memory_block);
//  4. a block with a group is in that group's memory_blocks; boot blocks
//     have none.

#ifndef MEMHP_HOTPLUG_MEMORY_BLOCK_H_
#define MEMHP_HOTPLUG_MEMORY_BLOCK_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hotplug/memory_group.h"
#include "hotplug/zone.h"
#include "hotplug/zone_select.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/types.h"
#include "sparse/sparse.h"

namespace memhp::hotplug {

// The states stored in memory_block.state (MEM_ONLINE, MEM_GOING_OFFLINE,
// MEM_OFFLINE); the other MEM_* values are notifier events only.
enum class MemoryBlockState { kOnline, kGoingOffline, kOffline };

struct MemoryBlock {
  model::BlockId id;
  model::SectionNr start_section_nr;
  MemoryBlockState state = MemoryBlockState::kOffline;
  model::NodeId nid = model::kNumaNoNode;
  // mem->zone: the single zone of the block's memory (with its node), unset
  // when it spans several zones or nodes, or is offline.
  std::optional<ZoneType> zone;
  // mem->online_type: how the next device_online() onlines the block
  // (MMOP_OFFLINE: as MMOP_ONLINE), reset after every attempt.
  OnlineType online_type = OnlineType::kOffline;
  // dev->offline: the driver core's view (device_online/device_offline).
  bool dev_offline = true;
  // mem->group: the memory group the block was created for, or nullptr.
  MemoryGroup* group = nullptr;
  // Created by memory_dev_init() at boot (the kernel has no such field; the
  // invariants use it where a profile has no SECTION_IS_EARLY to tell boot
  // memory from hot-added memory).
  bool boot = false;
};

// How the architecture chooses memory_block_size_bytes().
struct BlockSizeInputs {
  model::Pfn max_pfn;           // the end of boot RAM (x86)
  bool hypervisor = true;       // X86_FEATURE_HYPERVISOR (QEMU: yes)
  model::ByteSize set_size{0};  // set_memory_block_size (0: not set)
  model::ByteSize firmware{0};  // s390 sclp.rzm / ppc LMB size (0: none)
};

// memory_block_size_bytes() for the geometry's rule; the x86 probe prints
// "x86/mm: Memory block size: %ldMB".
model::ByteSize MemoryBlockSizeBytes(const model::Geometry& g,
                                     const BlockSizeInputs& in,
                                     model::EventLog& log);

class MemoryBlocks {
 public:
  // Kernel: drivers/base/memory.c memory_dev_init (v6.1): one online block
  // for each block-sized group of sections with a present section.
  // Errors: InvalidArgument when the block size is not a power of two of at
  // least a section (the kernel panics "Memory block size not suitable").
  absl::Status MemoryDevInit(const sparse::Sparse& sparse,
                             model::ByteSize block_size);

  // Kernel: drivers/base/node.c register_memory_blocks_under_node with
  // MEMINIT_EARLY for node `nid` spanning [start_pfn, end_pfn):
  // memory_block_add_nid() for every block with a pfn of the node, which
  // sets the block's zone from the node's zones.
  // `early_pfn_to_nid` answers early_pfn_to_nid() (first online node for
  // holes).
  void RegisterMemoryBlocksUnderNodeEarly(
      const sparse::Sparse& sparse, model::NodeId nid, model::Pfn start_pfn,
      model::Pfn end_pfn, const PgData& pgdat,
      const std::function<model::NodeId(model::Pfn)>& early_pfn_to_nid);

  // Kernel: drivers/base/memory.c create_memory_block_devices (v6.1): one
  // offline block per block-sized piece of [start, start + size), without a
  // node until the node code links it, in `group` (add_memory_block: the
  // block joins the group's list) when there is one. A block that already
  // exists fails the call with -EEXIST and the blocks created by it are
  // removed again (and leave the group).
  // Errors: -EINVAL (WARN_ON_ONCE) for a range not aligned to the block
  // size; -EEXIST.
  absl::Status CreateMemoryBlockDevices(model::EventLog& log,
                                        const model::Geometry& g,
                                        model::PhysAddr start,
                                        model::ByteSize size,
                                        MemoryGroup* group = nullptr);
  // Kernel: drivers/base/memory.c remove_memory_block_devices (v6.1): a
  // misaligned range WARNs once and removes nothing; a missing block WARNs
  // once and is skipped; a removed block leaves its group
  // (remove_memory_block).
  void RemoveMemoryBlockDevices(model::EventLog& log, const model::Geometry& g,
                                model::PhysAddr start, model::ByteSize size);

  // Kernel: drivers/base/node.c register_memory_blocks_under_node with
  // MEMINIT_HOTPLUG (v6.1): memory_block_add_nid() sets the node of every
  // block of [start_pfn, end_pfn). add_memory_resource() passes
  // PFN_UP(start + size - 1), the pfn after the range's last byte, and the
  // walk covers PFN_PHYS(end_pfn - start_pfn) bytes, so the block after the
  // range keeps its node.
  void RegisterMemoryBlocksUnderNodeHotplug(const model::Geometry& g,
                                            model::NodeId nid,
                                            model::Pfn start_pfn,
                                            model::Pfn end_pfn);

  const std::map<uint64_t, MemoryBlock>& blocks() const { return blocks_; }
  const MemoryBlock* Find(model::BlockId id) const;
  MemoryBlock* FindMutable(model::BlockId id);
  // walk_memory_blocks(start, size): the existing blocks that intersect
  // [start, start + size), ascending. REQUIRES: size > 0.
  std::vector<MemoryBlock*> WalkMemoryBlocks(const model::Geometry& g,
                                             model::PhysAddr start,
                                             model::ByteSize size);
  uint64_t sections_per_block() const { return sections_per_block_; }
  model::ByteSize block_size() const { return block_size_; }
  model::BlockId BlockOf(model::SectionNr nr) const {
    return model::BlockId(nr.value() / sections_per_block_);
  }

  // --- sysfs attributes, as the kernel prints them (without the newline) ----
  // state: "online", "offline", "going-offline".
  static std::string StateShow(const MemoryBlock& mem);
  // phys_index: "%08lx" of the first section / sections_per_block.
  std::string PhysIndexShow(const MemoryBlock& mem) const;
  // removable: "1" with CONFIG_MEMORY_HOTREMOVE.
  static std::string RemovableShow(const model::Geometry& g);
  // valid_zones of an online block: its zone, or "none"; nullopt when the
  // block is not online.
  static std::optional<std::string> ValidZonesShowOnline(
      const MemoryBlock& mem);
  // Kernel: drivers/base/memory.c valid_zones_show (v6.1), as a list: the
  // zone of an online block (or "none"), else the default zone for
  // MMOP_ONLINE followed by the kernel and movable zones that differ, each
  // from zone_for_pfn_range() with the block's group and the attached
  // globals (AttachZoneSelectGlobals: the online policy and its inputs;
  // without them "contig-zones"); `movable_node_enabled` overrides theirs.
  // REQUIRES: pgdat is the block's node.
  std::vector<std::string> ValidZonesShow(const MemoryBlock& mem,
                                          const PgData& pgdat,
                                          const model::Geometry& g,
                                          bool movable_node_enabled) const;
  // block_size_bytes: "%lx".
  std::string BlockSizeBytesShow() const;

  // The machine-wide state zone_for_pfn_range() reads (the Machine that owns
  // these blocks attaches its own). REQUIRES: `globals` outlives this.
  void AttachZoneSelectGlobals(const ZoneSelectGlobals* globals) {
    globals_ = globals;
  }
  const ZoneSelectGlobals* zone_select_globals() const { return globals_; }

 private:
  model::ByteSize block_size_{0};
  uint64_t sections_per_block_ = 1;
  std::map<uint64_t, MemoryBlock> blocks_;
  const ZoneSelectGlobals* globals_ = nullptr;
};

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_MEMORY_BLOCK_H_
