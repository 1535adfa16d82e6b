#include "sparse/describe.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/strings.h"

namespace memhp::sparse {

using model::Pfn;
using model::SectionNr;

namespace {

std::string Hex(uint64_t v) { return fmt::format("{:#x}", v); }

}  // namespace

std::string SectionFlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kSectionMarkedPresent, "PRESENT"},
      {kSectionHasMemMap, "HAS_MEM_MAP"},
      {kSectionIsOnline, "ONLINE"},
      {kSectionIsEarly, "EARLY"},
      {kSectionTaintZoneDevice, "TAINT_ZONE_DEVICE"},
  };
  if (flags == 0) return "0";
  std::vector<std::string> parts;
  uint32_t rest = flags;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) parts.emplace_back(name);
    rest &= ~bit;
  }
  if (rest != 0) parts.push_back(Hex(rest));
  return model::Join(parts, "|");
}

std::vector<std::string> DescribeSections(const Sparse& s) {
  const model::Geometry& g = s.geometry();
  std::vector<std::string> out;
  const std::string arch =
      g.name() == model::ArchName(g.arch())
          ? ""
          : fmt::format(" (arch {})", model::ArchName(g.arch()));
  out.push_back(fmt::format(
      "geometry {}{}, profile {}: PAGE_SHIFT {}, SECTION_SIZE_BITS {}, "
      "MAX_PHYSMEM_BITS {}",
      g.name(), arch, s.profile().name(), g.page_shift(), g.section_size_bits(),
      g.max_physmem_bits()));
  out.push_back(fmt::format(
      "PAGES_PER_SECTION {} ({:#x}), PAGES_PER_SUBSECTION {} ({:#x}), "
      "SUBSECTIONS_PER_SECTION {}",
      g.PagesPerSection().value(), g.PagesPerSection().value(),
      g.PagesPerSubsection().value(), g.PagesPerSubsection().value(),
      g.SubsectionsPerSection()));
  out.push_back(fmt::format(
      "NR_MEM_SECTIONS {}, SECTIONS_PER_ROOT {}, roots allocated {} of {}",
      g.NrMemSections(), g.SectionsPerRoot(), s.sections().NumRoots(),
      g.NrSectionRoots()));

  const std::vector<SectionState> states = s.SectionStates();
  const std::optional<SectionNr> highest = s.sections().highest_present();
  out.push_back(fmt::format(
      "{} sections touched, __highest_present_section_nr {}", states.size(),
      highest ? fmt::format("{}", highest->value()) : std::string("none")));
  out.push_back(fmt::format("{:>8}  {:<24}  {:<38}  {:<9}  {:<5}  {}",
                            "section", "pfns", "flags", "early_nid", "usage",
                            "subsection_map"));
  for (const SectionState& st : states) {
    const model::PfnRange r = g.SectionRange(st.nr);
    const std::string pfns =
        fmt::format("[{:#x}-{:#x})", r.start().value(), r.end().value());
    const std::string flags =
        fmt::format("{:#x} {}", st.flags, SectionFlagNames(st.flags));
    const std::string nid =
        st.early_nid ? fmt::format("{}", st.early_nid->value()) : "-";
    const std::string usage =
        !st.has_usage ? "-" : (st.usage_boot ? "boot" : "hot");
    out.push_back(fmt::format(
        "{:>8}  {:<24}  {:<38}  {:<9}  {:<5}  {}", st.nr.value(), pfns, flags,
        nid, usage, st.has_usage ? st.subsection_map : std::string("-")));
  }
  return out;
}

std::vector<std::string> DescribePfnProbes(
    Sparse& s, const std::vector<MemblockRegion>& layout) {
  const model::Geometry& g = s.geometry();
  // pfn -> why it is interesting, in the order the reasons were added.
  std::map<uint64_t, std::vector<std::string>> probes;
  auto add = [&](Pfn pfn, std::string why) {
    probes[pfn.value()].push_back(std::move(why));
  };

  add(Pfn(0), "pfn 0");
  for (size_t i = 0; i < layout.size(); ++i) {
    const MemblockRegion& r = layout[i];
    const std::string name =
        fmt::format("range {} (node {})", i, r.nid.value());
    add(r.range.start(), name + " start");
    if (!r.range.empty())
      add(r.range.end() - model::NrPages(1), name + " end-1");
    const bool hole_after =
        i + 1 < layout.size() && r.range.end() < layout[i + 1].range.start();
    add(r.range.end(), name + (hole_after ? " end, hole start" : " end"));
  }
  const std::vector<SectionState> states = s.SectionStates();
  for (const SectionState& st : states) {
    add(g.SectionStart(st.nr), fmt::format("section {} start", st.nr.value()));
  }
  if (std::optional<SectionNr> highest = s.sections().highest_present()) {
    add(g.SectionStart(highest->Next()), "past __highest_present_section_nr");
  }
  add(g.MaxSparsemPfn(), "1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT)");

  std::vector<std::string> out;
  out.push_back(fmt::format("{:<18}  {:>8}  {:<9}  {:<22}  {:<18}  {:<22}  {}",
                            "pfn", "section", "pfn_valid",
                            "pfn_in_present_section", "pfn_to_online_page",
                            "memmap", "why"));
  for (const auto& [value, why] : probes) {
    const Pfn pfn(value);
    // In this order, so that anything they log comes out in this order.
    const bool valid = s.PfnValid(pfn);
    const bool present = s.PfnInPresentSection(pfn);
    const std::optional<Pfn> online = s.PfnToOnlinePage(pfn);
    out.push_back(fmt::format(
        "{:<18}  {:>8}  {:<9}  {:<22}  {:<18}  {:<22}  {}", Hex(value),
        g.SectionOf(pfn).value(), valid ? 1 : 0, present ? 1 : 0,
        online ? Hex(online->value()) : std::string("NULL"),
        ToString(s.memmap().Get(pfn)), model::Join(why, "; ")));
  }
  return out;
}

}  // namespace memhp::sparse
