#include "properties/generators.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "model/profile.h"
#include "model/strings.h"

namespace memhp::properties {

using model::ByteSize;
using model::NodeId;
using model::PhysAddr;
using traces::E820Entry;
using traces::E820Type;
using traces::NumaRange;

namespace {

E820Entry E820(uint64_t start, uint64_t end_exclusive, E820Type type) {
  return {.start = PhysAddr(start),
          .last = PhysAddr(end_exclusive - 1),
          .type = type};
}

NumaRange Numa(uint64_t start, uint64_t end_exclusive, int node, bool hotplug) {
  return {.start = PhysAddr(start),
          .last = PhysAddr(end_exclusive - 1),
          .node = NodeId(node),
          .hotplug = hotplug};
}

}  // namespace

rc::Gen<traces::Config> GenSmallX86Config() {
  return rc::gen::exec([] {
    traces::Config c;
    c.geometry.text = *rc::gen::element<std::string>("x86_64", "x86_64-la57");
    c.profile = *rc::gen::element(model::KernelVersion::kV6_1,
                                  model::KernelVersion::kV7_1);
    // RAM_END in 2 MiB steps from 512 MiB to 3 GiB; small ones likely.
    const uint64_t ram_end =
        *rc::gen::inRange<uint64_t>(256, 1536 + 1) * 2 * kMiB;
    const bool acpi_tail =
        *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
    const uint64_t usable_end = acpi_tail ? ram_end - 128 * 1024 : ram_end;
    c.e820 = {
        E820(0, 0x9fc00, E820Type::kRam),
        E820(0x9fc00, 0xa0000, E820Type::kReserved),
        E820(0xf0000, 0x100000, E820Type::kReserved),
        E820(0x100000, usable_end, E820Type::kRam),
    };
    if (acpi_tail) {
      c.e820.push_back(E820(usable_end, ram_end, E820Type::kReserved));
    }
    c.e820.push_back(E820(0xfffc0000, 4 * kGiB, E820Type::kReserved));

    const uint64_t hp_size = *rc::gen::inRange<uint64_t>(2, 8 + 1) * kGiB;
    c.numa = {
        Numa(0, 0xa0000, 0, false),
        Numa(0x100000, ram_end, 0, false),
        Numa(kHotplugBase.value(), kHotplugBase.value() + hp_size, 0, true),
    };
    if (*rc::gen::arbitrary<bool>()) {
      const uint64_t start = kHotplugBase.value() + hp_size;
      const uint64_t size = *rc::gen::inRange<uint64_t>(1, 4 + 1) * kGiB;
      c.numa.push_back(Numa(start, start + size, 1, true));
    }
    return c;
  });
}

std::vector<NodeId> SratNodes(const traces::Config& config) {
  std::set<NodeId> nodes;
  for (const NumaRange& r : config.numa) nodes.insert(r.node);
  return {nodes.begin(), nodes.end()};
}

rc::Gen<ByteSize> GenDimmSize() {
  return rc::gen::weightedOneOf<ByteSize>({
      {6, rc::gen::map(rc::gen::inRange<uint64_t>(1, 8 + 1),
                       [](uint64_t n) { return ByteSize(n * 128 * kMiB); })},
      // 2 MiB .. 1 GiB in 2 MiB steps, minus the multiples of 128 MiB.
      {1,
       rc::gen::map(rc::gen::suchThat(rc::gen::inRange<uint64_t>(1, 512 + 1),
                                      [](uint64_t n) { return n % 64 != 0; }),
                    [](uint64_t n) { return ByteSize(n * 2 * kMiB); })},
  });
}

std::string DimmId(int n) { return model::Cat("d", n); }

rc::Gen<std::string> GenStateValue() {
  return rc::gen::weightedOneOf<std::string>({
      {8, rc::gen::element<std::string>("online", "online_kernel",
                                        "online_movable", "offline")},
      {1, rc::gen::element<std::string>("on", "1", "Online", "movable",
                                        "online_movablex", "offline ")},
  });
}

rc::Gen<std::string> GenOnlineValue() {
  return rc::gen::weightedOneOf<std::string>({
      {8, rc::gen::element<std::string>("0", "1")},
      {1, rc::gen::element<std::string>("2", "-1", "maybe", "x")},
  });
}

rc::Gen<std::string> GenAutoOnlineValue() {
  return rc::gen::weightedOneOf<std::string>({
      {8, rc::gen::element<std::string>("online", "online_kernel",
                                        "online_movable", "offline")},
      {1, rc::gen::element<std::string>("1", "movable", "Offline")},
  });
}

std::string BlockStatePath(model::BlockId id) {
  return model::Cat("/sys/devices/system/memory/memory", id.value(), "/state");
}

std::string BlockOnlinePath(model::BlockId id) {
  return model::Cat("/sys/devices/system/memory/memory", id.value(), "/online");
}

namespace {

// p3's machine with one or two ranges of the RAM above 4 GiB given to
// `memmap=SIZE<sep>START<suffix>`.
rc::Gen<traces::Config> GenHighRangesConfig(char sep, std::string suffix) {
  return rc::gen::exec([sep, suffix] {
    traces::Config c;
    c.geometry.text = "x86_64";
    c.profile = model::KernelVersion::kV6_1;
    const uint64_t high = *rc::gen::inRange<uint64_t>(8, 24 + 1) * 128 * kMiB;
    c.e820 = {
        E820(0, 0x9fc00, E820Type::kRam),
        E820(0x9fc00, 0xa0000, E820Type::kReserved),
        E820(0xf0000, 0x100000, E820Type::kReserved),
        E820(0x100000, 0xbffe0000, E820Type::kRam),
        E820(0xbffe0000, 0xc0000000, E820Type::kReserved),
        E820(0xfffc0000, 4 * kGiB, E820Type::kReserved),
        E820(4 * kGiB, 4 * kGiB + high, E820Type::kRam),
    };
    // Units of the range's start and size: a section, 2 MiB, or 4 KiB.
    const uint64_t unit = *rc::gen::weightedElement<uint64_t>(
        {{2, 128 * kMiB}, {5, 2 * kMiB}, {1, 4096}});
    const uint64_t units = high / unit;
    std::string cmdline;
    uint64_t from = 0;
    const int count = *rc::gen::weightedElement<int>({{3, 1}, {1, 2}});
    for (int i = 0; i < count && from + 1 < units; ++i) {
      const uint64_t start = *rc::gen::inRange<uint64_t>(from, units - 1);
      const uint64_t max_len = std::min<uint64_t>(units - start, kGiB / unit);
      const uint64_t len = *rc::gen::inRange<uint64_t>(1, max_len + 1);
      if (!cmdline.empty()) cmdline += " ";
      cmdline += model::Sprintf(
          "memmap=%#llx%c%#llx%s", static_cast<unsigned long long>(len * unit),
          sep, static_cast<unsigned long long>(4 * kGiB + start * unit),
          suffix.c_str());
      from = start + len + 1;
    }
    c.cmdline = traces::TextSetting{.text = cmdline};
    return c;
  });
}

}  // namespace

rc::Gen<traces::Config> GenDaxConfig() {
  return GenHighRangesConfig('%', "+0xefffffff");
}

rc::Gen<traces::Config> GenLegacyPmemConfig() {
  return GenHighRangesConfig('!', "");
}

std::vector<DaxRange> DaxRangesOf(const traces::Config& config) {
  std::vector<DaxRange> out;
  if (!config.cmdline) return out;
  for (std::string_view opt : model::Split(config.cmdline->text, ' ')) {
    unsigned long long size = 0, start = 0;
    char sep = 0;
    if (std::sscanf(std::string(opt).c_str(), "memmap=%llx%c%llx", &size, &sep,
                    &start) == 3 &&
        (sep == '%' || sep == '!')) {
      out.push_back({.start = start, .size = size});
    }
  }
  return out;
}

}  // namespace memhp::properties
