// Random firmware maps through the whole x86_64 boot: never a crash, and
// when the kernel would boot, the zones agree with a naive per-page count of
// memblock.memory and the sparse invariants hold.

#include <algorithm>

#include "gtest/gtest.h"
#include "hotplug/x86_boot.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {
namespace {

using model::KernelVersion;
using model::PhysAddr;

RC_GTEST_PROP(BootX86Prop, RandomFirmwareMapsBootConsistently, ()) {
  // Entries in the first 16 GiB, page- or byte-granular, any of the named
  // types, overlapping or not.
  const std::vector<E820Type> types = {
      E820Type::kRam,         E820Type::kRam,  E820Type::kRam,
      E820Type::kReserved,    E820Type::kAcpi, E820Type::kNvs,
      E820Type::kUnusable,    E820Type::kPram, E820Type::kPmem,
      E820Type::kSoftReserved};
  const int n = *rc::gen::inRange(1, 12);
  E820Table fw;
  for (int i = 0; i < n; ++i) {
    uint64_t start = *rc::gen::inRange<uint64_t>(0, 16ull << 30);
    uint64_t size = *rc::gen::inRange<uint64_t>(1, 4ull << 30);
    if (*rc::gen::arbitrary<bool>()) {
      start &= ~0xfffull;
      size = (size + 0xfff) & ~0xfffull;
    }
    fw.entries.push_back(
        {.addr = PhysAddr(start),
         .size = model::ByteSize(size),
         .type = i == 0 ? E820Type::kRam : *rc::gen::elementOf(types)});
  }
  E820UpdateTable(&fw);
  const std::string cmdline = *rc::gen::elementOf(std::vector<std::string>{
      "", "movablecore=1G", "kernelcore=50%", "movable_node",
      "memmap=256M%0x100000000+0xefffffff", "mem=3G"});
  Machine m(*model::Geometry::Named("x86_64", KernelVersion::kV6_1),
            model::KernelProfile::For(KernelVersion::kV6_1));
  absl::StatusOr<X86BootResult> r =
      BootX86(m, {.firmware = fw, .cmdline = cmdline});
  const bool booted = r.ok() && !r->halted && !m.zones().pgdat.empty();
  RC_CLASSIFY(booted, "booted");
  if (!booted) return;
  RC_ASSERT(m.sparse().CheckInvariants().ok());
  RC_ASSERT(m.iomem().CheckInvariants().ok());
  for (const auto& [nid, pgdat] : m.zones().pgdat) {
    const uint64_t node_start = pgdat.node_start_pfn.value();
    const uint64_t node_end = node_start + pgdat.node_spanned_pages.value();
    uint64_t prev_end = 0;
    for (const Zone& z : pgdat.node_zones) {
      RC_ASSERT(z.present_pages <= z.spanned_pages);
      if (z.IsEmpty()) continue;
      RC_ASSERT(z.zone_start_pfn.value() >= node_start);
      RC_ASSERT(z.zone_end_pfn().value() <= node_end);
      RC_ASSERT(z.zone_start_pfn.value() >= prev_end);  // ordered, disjoint
      prev_end = z.zone_end_pfn().value();
      // Naive: every memblock page inside the span is present.
      uint64_t present = 0;
      m.sparse().memmap().ForEach(
          model::PfnRange(z.zone_start_pfn, z.zone_end_pfn()),
          [&](model::PfnRange run, const sparse::PageState& st) {
            if (st.kind == sparse::MemmapKind::kInitialised && !st.reserved &&
                st.zone == static_cast<int>(z.type)) {
              present += run.size().value();
            }
          });
      RC_ASSERT(present == z.present_pages.value());
    }
  }
  // Every block of the boot is online and on a node that exists.
  for (const auto& [id, mem] : m.blocks().blocks()) {
    RC_ASSERT(mem.state == MemoryBlockState::kOnline);
    RC_ASSERT(m.zones().pgdat.contains(mem.nid.value()));
  }
}

}  // namespace
}  // namespace memhp::hotplug
