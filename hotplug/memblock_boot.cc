#include "hotplug/memblock_boot.h"

#include <algorithm>
#include <set>

#include "model/check.h"
#include "model/cmdline.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::NodeId;
using model::PfnRange;
using model::PhysAddr;
using model::PhysRange;
using model::Sprintf;

void ParseZoneParams(std::string_view cmdline, const model::Geometry& g,
                     FreeAreaInitConfig& zc, model::EventLog& log) {
  for (std::string_view arg : model::Split(cmdline, ' ')) {
    if (arg.empty()) continue;
    const size_t eq = arg.find('=');
    const std::string_view key = arg.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : arg.substr(eq + 1);
    if (key == "movable_node") {
      zc.movable_node = true;
    } else if (key == "kernelcore" || key == "movablecore") {
      // early_param handlers: an unparsable value returns -EINVAL and the
      // kernel prints "Malformed early option".
      std::optional<CoreParam> p = key == "movablecore" && value == "mirror"
                                       ? std::nullopt
                                       : CmdlineParseCore(value, g, log);
      if (!p) {
        log.Printk(model::LogLevel::kWarning,
                   model::Cat("Malformed early option '", key, "'"));
        continue;
      }
      (key == "kernelcore" ? zc.kernelcore : zc.movablecore) = *p;
    }
  }
}

std::optional<PhysAddr> FindMaxAddr(const std::vector<MemblockMemory>& memory,
                                    uint64_t limit) {
  for (const MemblockMemory& r : memory) {
    const uint64_t size = r.range.size().value();
    if (limit <= size) return PhysAddr(r.range.start().value() + limit);
    limit -= size;
  }
  return std::nullopt;
}

namespace {

// Removes [max_addr, PHYS_ADDR_MAX) from the regions, splitting the one that
// holds max_addr (memblock_isolate_range); `keep_nomap` keeps NOMAP regions
// and pieces (memblock_cap_memory_range).
void RemoveAbove(std::vector<MemblockMemory>& memory, uint64_t max_addr,
                 bool keep_nomap) {
  std::vector<MemblockMemory> out;
  for (const MemblockMemory& r : memory) {
    if (keep_nomap && r.nomap) {
      out.push_back(r);
      continue;
    }
    if (r.range.start().value() >= max_addr) continue;
    MemblockMemory kept = r;
    if (r.range.end().value() > max_addr) {
      kept.range = PhysRange(r.range.start(), PhysAddr(max_addr));
    }
    out.push_back(kept);
  }
  memory = std::move(out);
}

// The value of the last "KEY=..." option (early_param runs its handler for
// each; the last one wins), or nullopt; `bare` is set when the option
// appears without '=' (the handler's !p case).
std::optional<std::string_view> LastOption(std::string_view cmdline,
                                           std::string_view key, bool* bare) {
  std::optional<std::string_view> out;
  for (std::string_view arg : model::Split(cmdline, ' ')) {
    if (arg == "--") break;  // parse_args stops at "--"
    if (arg == key) {
      *bare = true;
      continue;
    }
    if (arg.size() > key.size() && arg.substr(0, key.size()) == key &&
        arg[key.size()] == '=') {
      out = arg.substr(key.size() + 1);
    }
  }
  return out;
}

std::vector<sparse::MemblockRegion> PfnRegions(
    const std::vector<MemblockMemory>& memory, const model::Geometry& g) {
  std::vector<sparse::MemblockRegion> out;
  for (const MemblockMemory& r : memory) {
    // for_each_mem_pfn_range: PFN_UP(base), PFN_DOWN(base + size).
    const PfnRange p = g.PfnsOf(r.range);
    if (!p.empty()) out.push_back({p, r.nid});
  }
  return out;
}

}  // namespace

void MemblockEnforceMemoryLimit(std::vector<MemblockMemory>& memory,
                                uint64_t limit) {
  if (!limit) return;
  const std::optional<PhysAddr> max_addr = FindMaxAddr(memory, limit);
  if (!max_addr) return;
  RemoveAbove(memory, max_addr->value(), /*keep_nomap=*/false);
}

void MemblockMemLimitRemoveMap(std::vector<MemblockMemory>& memory,
                               uint64_t limit) {
  if (!limit) return;
  const std::optional<PhysAddr> max_addr = FindMaxAddr(memory, limit);
  if (!max_addr) return;
  // memblock_cap_memory_range(0, max_addr).
  RemoveAbove(memory, max_addr->value(), /*keep_nomap=*/true);
}

absl::StatusOr<MemblockBootResult> BootFromMemblock(
    Machine& m, const MemblockBootInput& in) {
  const model::Geometry& g = m.geometry();
  const model::KernelProfile& profile = m.profile();
  const model::Arch arch = g.arch();
  MEMHP_CHECK(arch != model::Arch::kX86_64)
      << "BootFromMemblock on " << g.name() << ": x86 boots from e820";
  model::EventLog& log = m.log();
  for (size_t i = 0; i < in.memory.size(); ++i) {
    const MemblockMemory& r = in.memory[i];
    if (r.range.empty()) {
      return absl::InvalidArgumentError(
          Sprintf("memblock region %zu is empty", i));
    }
    if (i > 0 && in.memory[i - 1].range.end() > r.range.start()) {
      return absl::InvalidArgumentError(Sprintf(
          "memblock region %zu [mem 0x%016llx-0x%016llx] is not above the one "
          "before it",
          i, static_cast<unsigned long long>(r.range.start().value()),
          static_cast<unsigned long long>(r.range.end().value() - 1)));
    }
  }
  MemblockBootResult result;
  std::vector<MemblockMemory> memory = in.memory;

  // mem=, as each architecture reads it.
  bool bare = false;
  const std::optional<std::string_view> mem =
      LastOption(in.cmdline, "mem", &bare);
  const uint64_t page_mask = ~(g.PageSize().value() - 1);
  auto malformed = [&] {
    log.Printk(model::LogLevel::kWarning, "Malformed early option 'mem'");
    result.malformed.push_back(
        model::BadInput(in.cmdline_at, "expected mem=SIZE, got 'mem'"));
  };
  std::optional<uint64_t> s390_memory_limit;
  switch (arch) {
    case model::Arch::kArm64:
    case model::Arch::kRiscv64:
      // early_mem(): a bare "mem" returns 1 (malformed).
      if (bare) malformed();
      if (mem) {
        const uint64_t limit = model::Memparse(*mem).value & page_mask;
        // DIVERGENCE: riscv's memory_limit starts at KERN_VIRT_SIZE - 4 GiB
        // (setup_vm, depends on the satp mode); the model has no such cap.
        log.Printk(model::LogLevel::kNotice,
                   Sprintf("Memory limited to %lldMB",
                           static_cast<long long>(limit >> 20)));
        if (arch == model::Arch::kArm64) {
          // DIVERGENCE: the kernel image is added back with memblock_add();
          // the model assumes it lies below the limit.
          MemblockMemLimitRemoveMap(memory, limit);
        } else {
          MemblockEnforceMemoryLimit(memory, limit);
        }
      }
      break;
    case model::Arch::kPpc64: {
      if (bare) malformed();
      // early_parse_mem: PAGE_ALIGN(memparse()); early_init_devtree:
      // ALIGN(memory_limit ?: memblock_phys_mem_size(), PAGE_SIZE).
      uint64_t limit = 0;
      if (mem) {
        limit = (model::Memparse(*mem).value + ~page_mask) & page_mask;
      }
      if (limit == 0) {
        for (const MemblockMemory& r : memory) limit += r.range.size().value();
        limit = (limit + ~page_mask) & page_mask;
      }
      MemblockEnforceMemoryLimit(memory, limit);
      break;
    }
    case model::Arch::kS390x:
      // The decompressor's parse_boot_command_line: an address limit.
      if (mem) {
        s390_memory_limit = model::Memparse(*mem).value & page_mask;
      }
      break;
    case model::Arch::kX86_64:
      break;
  }
  if (memory.empty()) {
    return absl::InvalidArgumentError("no memory left in memblock");
  }
  const PhysAddr memblock_start = memory.front().range.start();
  PhysAddr memblock_end = memory.back().range.end();
  for (const MemblockMemory& r : memory) {
    memblock_end = std::max(memblock_end, r.range.end());
  }

  BootMemory boot;
  boot.cmdline = in.cmdline;
  model::Pfn max_pfn = g.PfnDown(memblock_end);
  switch (arch) {
    case model::Arch::kArm64:
      // bootmem_init: max_pfn = max_low_pfn = PFN_DOWN(end of DRAM).
      boot.zones.max_zone_pfn = Arm64ZoneSizesInit(
          g, profile, memblock_start, memblock_end, max_pfn, in.dma);
      break;
    case model::Arch::kRiscv64:
      boot.zones.max_zone_pfn =
          RiscvZoneSizesInit(g, RiscvDma32PhysLimit(g, max_pfn), max_pfn);
      break;
    case model::Arch::kPpc64:
      boot.zones.max_zone_pfn = Ppc64PagingInit(g, max_pfn);
      break;
    case model::Arch::kS390x: {
      // setup_ident_map_size(): min(max_physmem_end, mem=, 2^MAX_PHYSMEM);
      // setup_memory_end(): memblock_remove above it, max_pfn from it.
      // DIVERGENCE: max_physmem_end is the end of the online memory here;
      // the SCLP's larger memory size (standby memory) is not an input.
      uint64_t ident_map_size = memblock_end.value();
      if (s390_memory_limit && *s390_memory_limit) {
        ident_map_size = std::min(ident_map_size, *s390_memory_limit);
      }
      std::vector<MemblockMemory> kept;
      for (MemblockMemory r : memory) {
        if (r.range.start().value() >= ident_map_size) continue;
        if (r.range.end().value() > ident_map_size) {
          r.range = PhysRange(r.range.start(), PhysAddr(ident_map_size));
        }
        kept.push_back(r);
      }
      memory = std::move(kept);
      if (memory.empty()) {
        return absl::InvalidArgumentError("no memory below mem=");
      }
      max_pfn = g.PfnDown(PhysAddr(ident_map_size));
      log.Printk(
          model::LogLevel::kNotice,
          Sprintf("The maximum memory size is %lluMB",
                  static_cast<unsigned long long>(ident_map_size >> 20)));
      boot.zones.max_zone_pfn = S390PagingInit(g, max_pfn);
      break;
    }
    case model::Arch::kX86_64:
      break;
  }
  const ConfiguredZones configured =
      in.zones.value_or(ArchPossibleZones(arch, profile));
  const ConfiguredZones possible = ArchPossibleZones(arch, profile);
  for (int i = 0; i < kMaxNrZones; ++i) {
    if (configured[i] && !possible[i]) {
      return absl::InvalidArgumentError(
          model::Cat("zone ", ZoneName(ZoneAt(i)), " does not exist on ",
                     model::ArchName(arch), " in ", profile.name()));
    }
    // A zone the kernel is built without has no max_zone_pfn: it stays
    // empty at the boundary of the zone below it.
    if (!configured[i] && i != static_cast<int>(ZoneType::kMovable)) {
      boot.zones.max_zone_pfn[i] =
          i == 0 ? model::Pfn(0) : boot.zones.max_zone_pfn[i - 1];
    }
  }
  boot.zones.configured_zones = configured;

  boot.memory = PfnRegions(memory, g);
  if (boot.memory.empty()) {
    return absl::InvalidArgumentError("memblock holds no whole page");
  }
  std::set<int> with_memory;
  for (const sparse::MemblockRegion& r : boot.memory) {
    with_memory.insert(r.nid.value());
  }
  std::set<int> nodes = with_memory;
  for (NodeId n : in.memoryless_nodes) {
    if (with_memory.contains(n.value())) {
      return absl::InvalidArgumentError(
          Sprintf("node %d is memoryless but has memblock memory", n.value()));
    }
    nodes.insert(n.value());
  }
  for (int n : nodes) boot.zones.nodes.push_back(NodeId(n));
  for (const MemblockMemory& r : memory) {
    if (r.hotplug) boot.zones.hotpluggable.push_back(g.PfnsOf(r.range));
  }
  ParseZoneParams(in.cmdline, g, boot.zones, log);
  boot.block_size.max_pfn = max_pfn;
  boot.block_size.firmware = in.firmware_block_size;
  if (absl::Status s = m.Boot(boot); !s.ok()) return s;

  // The System RAM resources of each architecture.
  ResourceTree& iomem = m.iomem();
  for (const MemblockMemory& r : memory) {
    const PfnRange p = g.PfnsOf(r.range);
    if (p.empty()) continue;
    const PhysAddr start = g.PfnPhys(p.start());
    const PhysAddr last = PhysAddr(g.PfnPhys(p.end()).value() - 1);
    switch (arch) {
      case model::Arch::kArm64: {
        // request_standard_resources(): insert_resource of every region.
        Resource* res =
            r.nomap ? iomem.Alloc("reserved", start, last, kIoresourceMem)
                    : iomem.Alloc("System RAM", start, last,
                                  kIoresourceSystemRam | kIoresourceBusy);
        (void)iomem.InsertResource(iomem.root(), res);
        break;
      }
      case model::Arch::kRiscv64: {
        // init_resources(): add_resource() = insert_resource().
        Resource* res =
            r.nomap ? iomem.Alloc("Reserved", start, last,
                                  kIoresourceMem | kIoresourceExclusive)
                    : iomem.Alloc("System RAM", start, last,
                                  kIoresourceSystemRam | kIoresourceBusy);
        (void)iomem.InsertResource(iomem.root(), res);
        break;
      }
      case model::Arch::kPpc64:
      case model::Arch::kS390x: {
        // for_each_mem_range() skips MEMBLOCK_NOMAP; request_resource().
        if (r.nomap) break;
        Resource* res = iomem.Alloc("System RAM", PhysAddr(r.range.start()),
                                    PhysAddr(r.range.end().value() - 1),
                                    kIoresourceSystemRam | kIoresourceBusy);
        (void)iomem.RequestResource(iomem.root(), res);
        break;
      }
      case model::Arch::kX86_64:
        break;
    }
  }
  result.memory = std::move(memory);
  result.max_pfn = max_pfn;
  return result;
}

}  // namespace memhp::hotplug
