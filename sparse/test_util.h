// Shared set-up for the sparse tests: a model on a named geometry and
// profile, booted from memblock ranges given in pfns.

#ifndef MEMHP_SPARSE_TEST_UTIL_H_
#define MEMHP_SPARSE_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/bug_toggle.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "sparse/sparse.h"

namespace memhp::sparse::testing {

struct Machine {
  model::EventLog log;
  std::unique_ptr<Sparse> sparse;
};

inline std::unique_ptr<Machine> MakeMachine(
    std::string_view geometry, model::KernelVersion version,
    const std::vector<std::string>& toggles = {}) {
  auto m = std::make_unique<Machine>();
  absl::StatusOr<model::Geometry> g = model::Geometry::Named(geometry, version);
  EXPECT_TRUE(g.ok()) << g.status();
  absl::StatusOr<model::KernelProfile> p =
      model::BugToggleRegistry::Global().Apply(
          model::KernelProfile::For(version), toggles);
  EXPECT_TRUE(p.ok()) << p.status();
  m->sparse = std::make_unique<Sparse>(*g, *p, &m->log);
  return m;
}

inline MemblockRegion Region(uint64_t start_pfn, uint64_t end_pfn,
                             int nid = 0) {
  return MemblockRegion{
      model::PfnRange(model::Pfn(start_pfn), model::Pfn(end_pfn)),
      model::NodeId(nid)};
}

inline std::string MapOf(const Sparse& s, uint64_t nr) {
  const MemSection* ms = s.NrToSection(model::SectionNr(nr));
  if (ms == nullptr || !ms->usage) return "";
  return ms->usage->subsection_map.ToString();
}

inline uint32_t FlagsOf(const Sparse& s, uint64_t nr) {
  const MemSection* ms = s.NrToSection(model::SectionNr(nr));
  return ms ? ms->flags : 0;
}

}  // namespace memhp::sparse::testing

#endif  // MEMHP_SPARSE_TEST_UTIL_H_
