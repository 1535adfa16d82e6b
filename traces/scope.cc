#include "traces/scope.h"

#include <algorithm>
#include <string>

#include "model/strings.h"
#include "traces/text.h"

namespace memhp::traces {

const std::vector<DmesgPattern>& ClaimedDmesgPatterns() {
  static const auto* patterns = new std::vector<DmesgPattern>{
      // The memory map (arch/x86/kernel/e820.c).
      {"BIOS-provided physical RAM map:", "", false, "e820__memory_setup"},
      {"BIOS-e820: [mem ", "", false, "e820__print_table"},
      {"user-defined physical RAM map:", "", false,
       "e820__finish_early_params"},
      {"user: [mem ", "", false, "e820__print_table"},
      {"modified physical RAM map:", "", false, "e820__update_table_print"},
      {"modified: [mem ", "", false, "e820__print_table"},
      {"e820: update [mem ", "", false, "__e820__range_update"},
      {"e820: remove [mem ", "", false, "e820__range_remove"},
      // NUMA (arch/x86/mm/numa.c numa_cleanup_meminfo).
      {"NUMA: Node ", "", false, "numa_cleanup_meminfo"},
      // Its overlap error and warning ("node %d [mem ...] overlaps with node
      // %d [mem ...]", "Warning: node %d [mem ...] overlaps with itself
      // [mem ...]").
      {"node ", "]", false, "numa_cleanup_meminfo"},
      {"Warning: node ", "]", false, "numa_cleanup_meminfo"},
      // Zones and nodes (mm/page_alloc.c free_area_init and friends).
      {"Zone ranges:", "", true, "free_area_init"},
      {"Movable zone start for each node", "", true, "free_area_init"},
      {"Early memory node ranges", "", true, "free_area_init"},
      {"Initmem setup node ", "", false, "free_area_init_node"},
      {"On node ", " pages in unavailable ranges", false,
       "init_unavailable_range"},
      // Memory blocks (arch/x86/mm/init_64.c).
      {"x86/mm: Memory block size: ", "", false, "probe_memory_block_size"},
      // Hotplug (mm/memory_hotplug.c, mm/sparse.c).
      {"Hotplug memory [", "", false, "mhp_range_allowed"},
      {"Block size [", "", false, "check_hotplug_memory_range"},
      {"memory add fail, invalid altmap", "", false, "__add_pages"},
      {"Misaligned ", "", false, "check_pfn_span"},
      {"online_pages [mem ", "", false, "online_pages"},
      {"Offlined Pages ", "", false, "offline_pages"},
      {"memory offlining [mem ", "", false, "offline_pages"},
      {"removing memory fails, because memory [", "", false,
       "check_memblock_offlined_cb"},
      {"Refuse to remove ", "", false, "try_offline_memory_block"},
      {"offline_and_remove_memory: Failed", "", false,
       "offline_and_remove_memory"},
      {"Cannot online node ", "", false, "__try_online_node"},
      {"section already deactivated (", "", false, "clear_subsection_map"},
      // Device DAX (drivers/dax): dev_* lines name the driver and device.
      {"kmem dax", "", false, "dev_dax_kmem_probe"},
      {"device_dax dax", "", false, "dev_dax_probe"},
      {"hmem ", "", false, "hmem_register_device"},
      {"memregion allocation failure for ", "", false, "hmem_register_device"},
      // Legacy pmem (drivers/nvdimm): nd_pmem's dev_* lines name the
      // namespace; really_probe names the driver.
      {"nd_pmem namespace", "", false, "nd_pmem_probe"},
      {"nd_pmem: probe of ", "", false, "really_probe"},
  };
  return *patterns;
}

namespace {

bool Matches(const DmesgPattern& p, std::string_view text) {
  if (text.substr(0, p.prefix.size()) != p.prefix) return false;
  if (p.suffix.empty()) return true;
  return text.size() >= p.prefix.size() + p.suffix.size() &&
         text.substr(text.size() - p.suffix.size()) == p.suffix;
}

bool StartsWithDigitsDotDigits(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '.') return false;
  const size_t j = ++i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i > j && i == s.size();
}

}  // namespace

std::vector<bool> ClaimedDmesgLines(
    const std::vector<std::string_view>& texts) {
  std::vector<bool> out(texts.size(), false);
  bool in_block = false;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string_view t = texts[i];
    if (in_block && t.substr(0, 2) == "  ") {
      out[i] = true;
      continue;
    }
    in_block = false;
    for (const DmesgPattern& p : ClaimedDmesgPatterns()) {
      if (Matches(p, t)) {
        out[i] = true;
        in_block = p.block;
        break;
      }
    }
  }
  return out;
}

bool IsClaimedIomemName(std::string_view name) {
  static constexpr std::string_view kExact[] = {
      "System RAM",        "Reserved",
      "Persistent Memory", "Persistent Memory (legacy)",
      "Soft Reserved",     "System RAM (kmem)"};
  for (std::string_view e : kExact) {
    if (name == e) return true;
  }
  // "namespace0.0", "dax0.0": "%s%d.%d"; "hmem.0": platform device "%s.%d".
  for (std::string_view prefix : {"namespace", "dax"}) {
    if (name.substr(0, prefix.size()) == prefix &&
        StartsWithDigitsDotDigits(name.substr(prefix.size()))) {
      return true;
    }
  }
  constexpr std::string_view kHmem = "hmem.";
  if (name.substr(0, kHmem.size()) == kHmem) {
    std::string_view n = name.substr(kHmem.size());
    return !n.empty() && std::all_of(n.begin(), n.end(), IsDigit);
  }
  return false;
}

std::optional<model::Errno> ErrnoFromText(std::string_view error_text) {
  std::string_view text = TrimRight(error_text);
  std::optional<model::Errno> best;
  size_t best_len = 0;
  // model::Errno has no list of its values; every errno is below 256.
  for (int v = 1; v < 256; ++v) {
    std::optional<model::Errno> e = model::ParseErrno(model::Cat(v));
    if (!e.has_value()) continue;
    std::string_view msg = model::ErrnoText(*e);
    if (msg.size() > best_len && text.size() >= msg.size() &&
        text.substr(text.size() - msg.size()) == msg) {
      best = e;
      best_len = msg.size();
    }
  }
  return best;
}

}  // namespace memhp::traces
