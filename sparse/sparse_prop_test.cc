// Properties of the sparse model over random geometries, profiles, boot
// layouts and sequences of sub-section aligned activate/deactivate, checked
// against a naive reference: per section, "early", "valid" and the set of
// active sub-sections. Under v5.1 (no sub-section hotplug) the operations
// are whole sections through sparse_add_one_section() and, for a valid
// section, sparse_remove_one_section() (its caller __remove_section() stops
// at an invalid one), and the reference's set of a valid section is full.

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "model/status.h"
#include "rapidcheck/gtest.h"
#include "sparse/sparse.h"

namespace memhp::sparse {
namespace {

using model::Errno;
using model::ErrnoOf;
using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;
using model::SectionNr;

constexpr uint64_t kWindow = 4;  // sections exercised per case

struct Config {
  std::string geometry;
  KernelVersion version;
};

void showValue(const Config& c, std::ostream& os) {
  os << c.geometry << " " << model::KernelVersionName(c.version);
}

rc::Gen<Config> GenConfig() {
  std::vector<Config> all;
  for (KernelVersion v : model::AllKernelVersions()) {
    for (const std::string& g : model::Geometry::Names()) {
      if (model::Geometry::Named(g, v).ok()) all.push_back({g, v});
    }
  }
  return rc::gen::elementOf(all);
}

struct RefSection;
void FillBits(const model::Geometry& g, RefSection& r);

// The naive reference of one section.
struct RefSection {
  bool early = false;
  bool valid = false;
  std::set<uint64_t> bits;
  // The usage carved from memblock at boot: kept for good from v5.5 on;
  // v5.3 kfree()s it when a re-added early section empties again.
  bool boot_usage = false;
};

void FillBits(const model::Geometry& g, RefSection& r) {
  for (uint64_t b = 0; b < g.SubsectionsPerSection(); ++b) r.bits.insert(b);
}

struct World {
  Config config;
  model::EventLog log;
  std::unique_ptr<Sparse> sparse;
  uint64_t base = 0;  // first section of the window
  std::vector<PfnRange> boot;
  std::map<uint64_t, RefSection> ref;  // window offset -> reference

  const model::Geometry& g() const { return sparse->geometry(); }
  Pfn SubPfn(uint64_t off, uint64_t idx) const {
    return g().SubsectionStart(SectionNr(base + off),
                               model::SubsectionIdx(idx));
  }

  bool RefPfnValid(uint64_t off, Pfn pfn) const {
    const RefSection& r = ref.at(off);
    if (!r.valid) return false;
    if (g().arch_pfn_valid()) {
      for (const PfnRange& b : boot) {
        if (b.Contains(pfn)) return true;
      }
      return false;
    }
    // v5.1: valid_section() alone.
    if (!sparse->profile().pfn_valid_checks_subsection) return true;
    return r.early || r.bits.count(g().SubsectionMapIndex(pfn).value());
  }
  bool RefOnline(uint64_t off, Pfn pfn) const {
    const RefSection& r = ref.at(off);
    // Only boot sections are online: nothing here onlines hot-added ones.
    if (!r.early) return false;
    if (!sparse->profile().pfn_to_online_page_checks_subsection) {
      return !g().arch_pfn_valid() || RefPfnValid(off, pfn);
    }
    if (g().arch_pfn_valid() && !RefPfnValid(off, pfn)) return false;
    return r.bits.count(g().SubsectionMapIndex(pfn).value());
  }

  void CheckAgainstReference() {
    const uint64_t pps = g().PagesPerSubsection().value();
    for (uint64_t off = 0; off < kWindow; ++off) {
      for (uint64_t idx = 0; idx < g().SubsectionsPerSection(); ++idx) {
        for (Pfn pfn :
             {SubPfn(off, idx), SubPfn(off, idx) + NrPages(pps - 1)}) {
          RC_ASSERT(sparse->PfnValid(pfn) == RefPfnValid(off, pfn));
          RC_ASSERT(sparse->PfnToOnlinePage(pfn).has_value() ==
                    RefOnline(off, pfn));
        }
      }
    }
    for (uint64_t off = 0; off < kWindow; ++off) {
      const MemSection* ms = sparse->NrToSection(SectionNr(base + off));
      const bool boot_usage = ms && ms->usage && ms->usage->boot_allocated;
      RC_ASSERT(boot_usage == ref.at(off).boot_usage);
    }
    absl::Status inv = sparse->CheckInvariants();
    RC_ASSERT(inv.ok());
  }
};

std::unique_ptr<World> GenWorld() {
  auto w = std::make_unique<World>();
  w->config = *GenConfig();
  w->sparse = std::make_unique<Sparse>(
      *model::Geometry::Named(w->config.geometry, w->config.version),
      model::KernelProfile::For(w->config.version), &w->log);
  const model::Geometry& g = w->g();
  // Anywhere in the address space, also near its top.
  w->base = *rc::gen::inRange<uint64_t>(0, g.NrMemSections() - kWindow);
  for (uint64_t off = 0; off < kWindow; ++off) w->ref[off] = RefSection{};
  // Up to three boot ranges, page granular, in ascending order.
  const uint64_t window_pages = kWindow * g.PagesPerSection().value();
  std::vector<uint64_t> cuts = *rc::gen::container<std::vector<uint64_t>>(
      *rc::gen::inRange(0, 7), rc::gen::inRange<uint64_t>(0, window_pages));
  if (*rc::gen::arbitrary<bool>()) {
    for (uint64_t& c : cuts)
      c = c / g.PagesPerSubsection().value() * g.PagesPerSubsection().value();
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  const Pfn start = g.SectionStart(SectionNr(w->base));
  std::vector<MemblockRegion> regions;
  for (size_t i = 0; i + 1 < cuts.size(); i += 2) {
    PfnRange r(start + NrPages(cuts[i]), start + NrPages(cuts[i + 1]));
    regions.push_back({r, NodeId(0)});
    w->boot.push_back(r);
    for (Pfn p = r.start(); p < r.end(); p += g.PagesPerSubsection()) {
      uint64_t off = g.SectionOf(p).value() - w->base;
      w->ref[off].early = w->ref[off].valid = w->ref[off].boot_usage = true;
      w->ref[off].bits.insert(g.SubsectionMapIndex(p).value());
    }
    // The last page's sub-section too (ranges need not be aligned).
    Pfn last = r.end() - NrPages(1);
    uint64_t off = g.SectionOf(last).value() - w->base;
    w->ref[off].early = w->ref[off].valid = w->ref[off].boot_usage = true;
    w->ref[off].bits.insert(g.SubsectionMapIndex(last).value());
  }
  if (!w->sparse->profile().subsection_hotplug) {
    // v5.1: a boot section's usemap covers all of it.
    for (auto& [off, r] : w->ref) {
      if (r.valid) FillBits(w->g(), r);
    }
  }
  w->sparse->BootInit(regions);
  return w;
}

struct Op {
  bool add;
  uint64_t off;    // section in the window
  uint64_t first;  // first sub-section
  uint64_t count;  // sub-sections, >= 1
};

Op GenOp(const World& w) {
  const uint64_t sps = w.g().SubsectionsPerSection();
  Op op;
  op.add = *rc::gen::arbitrary<bool>();
  op.off = *rc::gen::inRange<uint64_t>(0, kWindow);
  if (!w.sparse->profile().subsection_hotplug) {
    op.first = 0;
    op.count = sps;
    return op;
  }
  // A quarter of the operations take a whole section, and a third of the
  // removals take a run of active sub-sections, so that boot sections get
  // emptied and re-added.
  if (*rc::gen::inRange(0, 4) == 0) {
    op.first = 0;
    op.count = sps;
    return op;
  }
  const std::set<uint64_t>& bits = w.ref.at(op.off).bits;
  if (!op.add && !bits.empty() && *rc::gen::inRange(0, 3) == 0) {
    op.first =
        *rc::gen::elementOf(std::vector<uint64_t>(bits.begin(), bits.end()));
    while (op.first > 0 && bits.count(op.first - 1)) --op.first;
    op.count = 1;
    while (bits.count(op.first + op.count)) ++op.count;
    return op;
  }
  op.first = *rc::gen::inRange<uint64_t>(0, sps);
  op.count = *rc::gen::inRange<uint64_t>(1, sps - op.first + 1);
  return op;
}

// v5.1: whole sections. sparse_add_one_section() refuses a present section
// (-EEXIST) and changes nothing; otherwise the section becomes valid with a
// full map and a hot-add usemap. __remove_section() skips an invalid section
// silently; a valid one loses everything, its boot usemap included.
void ApplyWholeSection(World& w, const Op& op) {
  RefSection& r = w.ref[op.off];
  const Pfn pfn = w.g().SectionStart(SectionNr(w.base + op.off));
  const std::vector<SectionState> before = w.sparse->SectionStates();
  const Memmap memmap_before = w.sparse->memmap();
  const size_t events = w.log.size();
  if (op.add) {
    absl::Status s = w.sparse->SparseAddOneSection(NodeId(0), pfn, nullptr);
    if (r.valid) {
      RC_ASSERT(ErrnoOf(s) == Errno::kEEXIST);
      RC_ASSERT(w.sparse->SectionStates() == before);
      RC_ASSERT(w.sparse->memmap() == memmap_before);
      return;
    }
    RC_ASSERT(s.ok());
    r = RefSection{.valid = true};
    FillBits(w.g(), r);
    RC_ASSERT(w.log.size() == events);
    return;
  }
  if (!r.valid) {
    // __remove_section(): -EINVAL, no message, nothing removed.
    RC_ASSERT(!w.sparse->ValidSection(SectionNr(w.base + op.off)));
    return;
  }
  RC_CLASSIFY(r.early, "removed a boot section");
  w.sparse->SparseRemoveOneSection(pfn, NrPages(0), nullptr);
  RC_ASSERT(w.log.size() == events);
  r = RefSection{};
}

// Applies `op` to the model and the reference; asserts the outcome.
void Apply(World& w, const Op& op) {
  if (!w.sparse->profile().subsection_hotplug) {
    ApplyWholeSection(w, op);
    return;
  }
  const Pfn pfn = w.SubPfn(op.off, op.first);
  const NrPages nr = w.g().PagesPerSubsection() * op.count;
  RefSection& r = w.ref[op.off];
  bool overlap = false, subset = true;
  for (uint64_t b = op.first; b < op.first + op.count; ++b) {
    overlap |= r.bits.count(b) == 1;
    subset &= r.bits.count(b) == 1;
  }
  const std::vector<SectionState> before = w.sparse->SectionStates();
  const Memmap memmap_before = w.sparse->memmap();
  const size_t warns = w.log.CountKind(model::EventKind::kWarn);
  if (op.add) {
    absl::Status s = w.sparse->SparseAddSection(NodeId(0), pfn, nr, nullptr);
    if (overlap) {
      RC_ASSERT(ErrnoOf(s) == Errno::kEEXIST);
      RC_ASSERT(w.sparse->SectionStates() == before);
      RC_ASSERT(w.sparse->memmap() == memmap_before);
      return;
    }
    RC_ASSERT(s.ok());
    for (uint64_t b = op.first; b < op.first + op.count; ++b) r.bits.insert(b);
    r.valid = true;
    return;
  }
  const bool no_section =
      w.sparse->NrToSection(SectionNr(w.base + op.off)) == nullptr;
  const bool checks_valid =
      w.sparse->profile().sparse_remove_section_checks_valid;
  w.sparse->SparseRemoveSection(pfn, nr, NrPages(0), nullptr);
  if (!subset || !r.valid) {
    // Deactivating what is not active warns and changes nothing. v7.1 warns
    // once per boot for an invalid section; without that guard a section
    // whose root was never allocated is a NULL dereference.
    if (checks_valid && !r.valid) {
      RC_ASSERT(w.log.CountKind(model::EventKind::kWarn) <= warns + 1);
    } else if (no_section) {
      RC_ASSERT(w.log.HasBug());
    } else {
      RC_ASSERT(w.log.CountKind(model::EventKind::kWarn) == warns + 1);
      RC_ASSERT(w.log.events().back().text.rfind(
                    "section already deactivated (", 0) == 0);
    }
    RC_ASSERT(w.sparse->SectionStates() == before);
    RC_ASSERT(w.sparse->memmap() == memmap_before);
    return;
  }
  RC_ASSERT(w.log.CountKind(model::EventKind::kWarn) == warns);
  for (uint64_t b = op.first; b < op.first + op.count; ++b) r.bits.erase(b);
  if (r.bits.empty()) {
    RC_CLASSIFY(r.early, "emptied an early section");
    const bool keeps_boot_usage =
        r.boot_usage && (w.sparse->profile().boot_usage_never_freed || r.early);
    r = RefSection{.boot_usage = keeps_boot_usage};
  }
}

RC_GTEST_PROP(SparseProp,
              PfnValidEqualsTheReferenceAfterEveryActivateAndDeactivate, ()) {
  std::unique_ptr<World> w = GenWorld();
  w->CheckAgainstReference();
  const int n = *rc::gen::inRange(1, 30);
  for (int i = 0; i < n; ++i) {
    Op op = GenOp(*w);
    Apply(*w, op);
    w->CheckAgainstReference();
  }
}

RC_GTEST_PROP(SparseProp, DeactivatingWhatIsNotActiveWarnsAndChangesNothing,
              ()) {
  std::unique_ptr<World> w = GenWorld();
  // v5.1 removes whole valid sections only (ApplyWholeSection).
  RC_PRE(w->sparse->profile().subsection_hotplug);
  const int n = *rc::gen::inRange(0, 10);
  for (int i = 0; i < n; ++i) Apply(*w, GenOp(*w));
  // Pick a range that holds at least one inactive sub-section.
  Op op = GenOp(*w);
  op.add = false;
  bool inactive = false;
  for (uint64_t b = op.first; b < op.first + op.count; ++b) {
    inactive |= w->ref[op.off].bits.count(b) == 0;
  }
  RC_PRE(inactive);
  Apply(*w, op);  // asserts the warning and the unchanged state
}

RC_GTEST_PROP(SparseProp, ActivateThenDeactivateRestoresTheStateBitForBit, ()) {
  std::unique_ptr<World> w = GenWorld();
  // v5.3 does not restore it: the partial removal frees boot memmap
  // (ef69bc9f689d) and a re-added early section loses its boot usage.
  RC_PRE(w->config.version != KernelVersion::kV5_3);
  const int n = *rc::gen::inRange(0, 10);
  for (int i = 0; i < n; ++i) Apply(*w, GenOp(*w));
  if (!w->sparse->profile().subsection_hotplug) {
    // v5.1: a whole section that is not valid, added and removed again.
    const uint64_t off = *rc::gen::inRange<uint64_t>(0, kWindow);
    RC_PRE(!w->ref[off].valid);
    const std::vector<SectionState> before = w->sparse->SectionStates();
    const Memmap memmap_before = w->sparse->memmap();
    const size_t events = w->log.size();
    const uint64_t sps = w->g().SubsectionsPerSection();
    Apply(*w, Op{true, off, 0, sps});
    Apply(*w, Op{false, off, 0, sps});
    RC_ASSERT(w->sparse->SectionStates() == before);
    RC_ASSERT(w->sparse->memmap() == memmap_before);
    RC_ASSERT(w->log.size() == events);
    return;
  }
  // A run of inactive sub-sections.
  const uint64_t off = *rc::gen::inRange<uint64_t>(0, kWindow);
  const uint64_t sps = w->g().SubsectionsPerSection();
  std::vector<uint64_t> clear;
  for (uint64_t b = 0; b < sps; ++b) {
    if (!w->ref[off].bits.count(b)) clear.push_back(b);
  }
  RC_PRE(!clear.empty());
  const uint64_t first = *rc::gen::elementOf(clear);
  uint64_t count = 1;
  const uint64_t want = *rc::gen::inRange<uint64_t>(1, sps + 1);
  while (count < want && first + count < sps &&
         !w->ref[off].bits.count(first + count)) {
    ++count;
  }
  const std::vector<SectionState> before = w->sparse->SectionStates();
  const Memmap memmap_before = w->sparse->memmap();
  const size_t events = w->log.size();
  Apply(*w, Op{true, off, first, count});
  Apply(*w, Op{false, off, first, count});
  RC_ASSERT(w->sparse->SectionStates() == before);
  RC_ASSERT(w->sparse->memmap() == memmap_before);
  RC_ASSERT(w->log.size() == events);
}

RC_GTEST_PROP(SparseProp, MemoryUsedIsProportionalToSectionsTouched, ()) {
  const Config c = *GenConfig();
  model::EventLog log;
  const model::Geometry g = *model::Geometry::Named(c.geometry, c.version);
  Sparse s(g, model::KernelProfile::For(c.version), &log);
  const size_t empty = s.MemoryFootprintBytes();
  // Sections anywhere in the address space, one sub-section each.
  std::vector<uint64_t> sections = *rc::gen::container<std::vector<uint64_t>>(
      *rc::gen::inRange(1, 64),
      rc::gen::inRange<uint64_t>(0, g.NrMemSections()));
  std::set<uint64_t> touched(sections.begin(), sections.end());
  for (uint64_t nr : touched) {
    // v5.1 adds whole sections only.
    RC_ASSERT(
        (s.profile().subsection_hotplug
             ? s.SparseAddSection(NodeId(0), g.SectionStart(SectionNr(nr)),
                                  g.PagesPerSubsection(), nullptr)
             : s.SparseAddOneSection(NodeId(0), g.SectionStart(SectionNr(nr)),
                                     nullptr))
            .ok());
  }
  RC_ASSERT(s.sections().NumRoots() <= touched.size());
  // Per touched section at most: its root, its usage, two memmap runs.
  const size_t per_section =
      g.SectionsPerRoot() * sizeof(MemSection) + 256 + 2 * 128;
  RC_ASSERT(s.MemoryFootprintBytes() <= empty + touched.size() * per_section);
  // And nothing is sized by the address space: a flat table of all sections
  // would be NR_MEM_SECTIONS * sizeof(MemSection).
  RC_ASSERT(s.MemoryFootprintBytes() < g.NrMemSections() * sizeof(MemSection));
}

}  // namespace
}  // namespace memhp::sparse
