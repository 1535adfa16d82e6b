#include "traces/qemu_firmware.h"

#include <map>
#include <optional>
#include <string>

#include "model/cmdline.h"
#include "model/strings.h"
#include "traces/text.h"

namespace memhp::traces {

using model::Cat;
using model::NodeId;
using model::PhysAddr;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t k4G = 4 * kGiB;

// "key=value,key=value" after the first word ("2G,slots=4" -> "2G" and
// {slots: 4}); the first word's own value under "".
std::map<std::string, std::string> Options(std::string_view s) {
  std::map<std::string, std::string> out;
  bool first = true;
  for (std::string_view part : model::Split(s, ',')) {
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (first) out[""] = std::string(part);
    } else {
      out[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    }
    first = false;
  }
  return out;
}

E820Entry E820(uint64_t start, uint64_t end, E820Type t) {
  return {.start = PhysAddr(start), .last = PhysAddr(end - 1), .type = t};
}

NumaRange Numa(uint64_t start, uint64_t end, int node, bool hotplug = false) {
  return {.start = PhysAddr(start),
          .last = PhysAddr(end - 1),
          .node = NodeId(node),
          .hotplug = hotplug};
}

}  // namespace

absl::StatusOr<QemuFirmware> QemuPcFirmware(std::string_view qemu_args,
                                            std::string_view file, int line) {
  auto bad = [&](std::string what) {
    return absl::InvalidArgumentError(Cat(file, ":", line, ": qemu: ", what));
  };
  std::vector<std::string_view> words;
  for (std::string_view w : model::Split(qemu_args, ' ')) {
    if (!w.empty()) words.push_back(w);
  }
  std::optional<uint64_t> ram, maxmem;
  uint64_t slots = 0;
  std::map<std::string, uint64_t> backends;  // id -> size
  std::map<int, uint64_t> node_mem;          // nodeid -> bytes
  auto size_of = [&](std::string_view what,
                     const std::string& v) -> absl::StatusOr<uint64_t> {
    std::optional<model::ByteSize> s = ParseQemuSize(v);
    if (!s) return bad(Cat("expected a size for ", what, ", got '", v, "'"));
    return s->value();
  };
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string_view w = words[i];
    const bool has_value = i + 1 < words.size();
    if (w == "-m") {
      if (!has_value) return bad("-m needs a size");
      auto o = Options(words[++i]);
      absl::StatusOr<uint64_t> r = size_of("-m", o[""]);
      if (!r.ok()) return r.status();
      ram = *r;
      if (o.contains("maxmem")) {
        absl::StatusOr<uint64_t> mm = size_of("maxmem", o["maxmem"]);
        if (!mm.ok()) return mm.status();
        maxmem = *mm;
      }
      if (o.contains("slots")) {
        model::ParsedNumber n = model::SimpleStrtoull(o["slots"]);
        if (n.consumed != o["slots"].size() || n.consumed == 0 ||
            n.value > 256) {
          return bad(
              Cat("expected slots=N (up to 256), got '", o["slots"], "'"));
        }
        slots = n.value;
      }
    } else if (w == "-object" && has_value) {
      auto o = Options(words[++i]);
      if (o[""] == "memory-backend-ram" && o.contains("id")) {
        absl::StatusOr<uint64_t> s = size_of("a memory backend", o["size"]);
        if (!s.ok()) return s.status();
        backends[o["id"]] = *s;
      }
    } else if (w == "-numa" && has_value) {
      auto o = Options(words[++i]);
      if (o[""] != "node") continue;
      model::ParsedNumber id = model::SimpleStrtoull(o["nodeid"]);
      if (id.consumed == 0 || id.consumed != o["nodeid"].size() ||
          id.value >= 64) {
        return bad(Cat("expected -numa node,nodeid=N, got '", words[i], "'"));
      }
      auto b = backends.find(o["memdev"]);
      if (b == backends.end()) {
        return bad(Cat("-numa node,nodeid=", id.value, ": no memory backend '",
                       o["memdev"], "' before it"));
      }
      node_mem[static_cast<int>(id.value)] = b->second;
    }
  }
  if (!ram) return bad("no -m: the guest's RAM size is unknown");
  if (*ram < (uint64_t{2} << 20)) return bad("-m below 2 MiB");
  if (!node_mem.empty()) {
    uint64_t sum = 0;
    for (const auto& [n, b] : node_mem) sum += b;
    if (sum != *ram) {
      return bad(Cat("the -numa nodes hold ", sum, " bytes, -m says ", *ram));
    }
  }
  // pc_init1: the low RAM ends at 0xc0000000 (gigabyte_align) once -m
  // reaches max-ram-below-4g's 0xe0000000.
  const uint64_t below = *ram >= 0xe0000000 ? 0xc0000000 : *ram;
  const uint64_t above = *ram - below;
  QemuFirmware fw;
  fw.e820 = {E820(0, 0x9fc00, E820Type::kRam),
             E820(0x9fc00, 0xa0000, E820Type::kReserved),
             E820(0xf0000, 0x100000, E820Type::kReserved),
             E820(0x100000, below - 0x20000, E820Type::kRam),
             E820(below - 0x20000, below, E820Type::kReserved),
             E820(0xfffc0000, k4G, E820Type::kReserved)};
  if (above != 0) fw.e820.push_back(E820(k4G, k4G + above, E820Type::kRam));
  fw.e820.push_back(E820(0xfd00000000, uint64_t{1} << 40, E820Type::kReserved));

  // The host bridge's windows: VGA, the 32-bit hole, the 64-bit hole after
  // all RAM and device memory.
  const uint64_t dev_end = maxmem && *maxmem > *ram
                               ? (k4G + above + kGiB - 1) / kGiB * kGiB +
                                     *maxmem - *ram + slots * kGiB
                               : k4G + above;
  const uint64_t hole64 = (dev_end + kGiB - 1) / kGiB * kGiB;
  fw.pci_windows = {
      model::PhysRange(PhysAddr(0xa0000), PhysAddr(0xc0000)),
      model::PhysRange(PhysAddr(below), PhysAddr(0xfec00000)),
      model::PhysRange(PhysAddr(hole64), PhysAddr(hole64 + 2 * kGiB))};
  // QEMU adds node 0 itself when the machine has DIMM slots.
  if (node_mem.empty() && slots > 0) node_mem[0] = *ram;
  if (node_mem.empty()) return fw;
  fw.numa.push_back(Numa(0, 0xa0000, 0));
  uint64_t next = 0x100000;
  for (const auto& [node, bytes] : node_mem) {
    uint64_t base = next;
    uint64_t len = bytes - (node == node_mem.begin()->first ? 0x100000 : 0);
    next = base + len;
    if (base <= below && next > below) {
      if (below > base) fw.numa.push_back(Numa(base, below, node));
      base = k4G;
      len = next - below;
      next = base + len;
    }
    if (len > 0) fw.numa.push_back(Numa(base, base + len, node));
  }
  if (maxmem && *maxmem > *ram) {
    const uint64_t dev_base = (k4G + above + kGiB - 1) / kGiB * kGiB;
    const uint64_t dev_size = *maxmem - *ram + slots * kGiB;
    fw.numa.push_back(Numa(dev_base, dev_base + dev_size,
                           node_mem.rbegin()->first, /*hotplug=*/true));
  }
  return fw;
}

absl::StatusOr<Config> WithQemuFirmware(Config config, std::string_view file) {
  if (!config.e820.empty() || !config.qemu) return config;
  absl::StatusOr<QemuFirmware> fw =
      QemuPcFirmware(config.qemu->text, file, config.qemu->line);
  if (!fw.ok()) return fw.status();
  config.e820 = std::move(fw->e820);
  if (config.numa.empty()) config.numa = std::move(fw->numa);
  return config;
}

}  // namespace memhp::traces
