// Speed of the sparsemem queries on booted layouts, and of hot-adding and
// removing one sub-section.
//
//   bazel run -c opt //sparse:sparse_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "model/check.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/profile.h"
#include "sparse/sparse.h"

namespace memhp::sparse {
namespace {

using model::KernelVersion;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PfnRange;

MemblockRegion Region(uint64_t start_pfn, uint64_t end_pfn, int nid) {
  return MemblockRegion{PfnRange(Pfn(start_pfn), Pfn(end_pfn)), NodeId(nid)};
}

struct Machine {
  model::EventLog log;
  std::unique_ptr<Sparse> sparse;
};

std::unique_ptr<Machine> Boot(std::string_view geometry,
                              const std::vector<MemblockRegion>& layout) {
  absl::StatusOr<model::Geometry> g =
      model::Geometry::Named(geometry, KernelVersion::kV6_1);
  MEMHP_CHECK(g.ok()) << g.status();
  auto m = std::make_unique<Machine>();
  m->sparse = std::make_unique<Sparse>(
      *g, model::KernelProfile::For(KernelVersion::kV6_1), &m->log);
  m->sparse->BootInit(layout);
  return m;
}

// cli/default-layout.txt: the p1 capture, a 4 GiB x86_64 QEMU guest.
std::unique_ptr<Machine> BootDefault() {
  return Boot("x86_64", {Region(0x1, 0x9f, 0), Region(0x100, 0xbffe0, 0),
                         Region(0x100000, 0x140000, 0)});
}

// 4 TiB on x86_64-la57: node 0 [1 MiB, 2 TiB), node 1 [2 TiB, 4 TiB).
constexpr uint64_t kTiBPfns = uint64_t{1} << 28;
std::unique_ptr<Machine> Boot4TiB() {
  return Boot("x86_64-la57", {Region(0x100, 2 * kTiBPfns, 0),
                              Region(2 * kTiBPfns, 4 * kTiBPfns, 1)});
}

// Random pfns in [0, end), generated before timing.
std::vector<Pfn> RandomPfns(uint64_t end) {
  std::mt19937_64 rng(42);
  std::vector<Pfn> pfns(1 << 16);
  for (Pfn& p : pfns) p = Pfn(rng() % end);
  return pfns;
}

template <typename Query>
void RunQueries(benchmark::State& state, Sparse& s,
                const std::vector<Pfn>& pfns, Query query) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query(s, pfns[i]));
    i = (i + 1) & (pfns.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PfnValid_Default(benchmark::State& state) {
  auto m = BootDefault();
  const std::vector<Pfn> pfns = RandomPfns(0x140000);
  RunQueries(state, *m->sparse, pfns,
             [](Sparse& s, Pfn p) { return s.PfnValid(p); });
}
BENCHMARK(BM_PfnValid_Default);

void BM_PfnToOnlinePage_Default(benchmark::State& state) {
  auto m = BootDefault();
  const std::vector<Pfn> pfns = RandomPfns(0x140000);
  RunQueries(state, *m->sparse, pfns,
             [](Sparse& s, Pfn p) { return s.PfnToOnlinePage(p); });
}
BENCHMARK(BM_PfnToOnlinePage_Default);

void BM_PfnValid_4TiB_La57(benchmark::State& state) {
  auto m = Boot4TiB();
  const std::vector<Pfn> pfns = RandomPfns(4 * kTiBPfns);
  RunQueries(state, *m->sparse, pfns,
             [](Sparse& s, Pfn p) { return s.PfnValid(p); });
}
BENCHMARK(BM_PfnValid_4TiB_La57);

void BM_PfnToOnlinePage_4TiB_La57(benchmark::State& state) {
  auto m = Boot4TiB();
  const std::vector<Pfn> pfns = RandomPfns(4 * kTiBPfns);
  RunQueries(state, *m->sparse, pfns,
             [](Sparse& s, Pfn p) { return s.PfnToOnlinePage(p); });
}
BENCHMARK(BM_PfnToOnlinePage_4TiB_La57);

// One 2 MiB sub-section of section 40 (pfn 0x140000), just above the default
// layout: adding it allocates the section's usage and memmap, removing it
// empties the section again. The other half of each pair runs with the
// timer paused.
constexpr Pfn kHotPfn(0x140000);

NrPages Subsection(const Sparse& s) {
  return s.geometry().PagesPerSubsection();
}

void BM_SparseAddSection(benchmark::State& state) {
  auto m = BootDefault();
  Sparse& s = *m->sparse;
  const NrPages n = Subsection(s);
  for (auto _ : state) {
    absl::Status st = s.SparseAddSection(NodeId(0), kHotPfn, n, nullptr);
    state.PauseTiming();
    MEMHP_CHECK(st.ok()) << st;
    s.SparseRemoveSection(kHotPfn, n, NrPages(0), nullptr);
    state.ResumeTiming();
  }
  MEMHP_CHECK(m->log.size() == 0) << "unexpected kernel messages";
}
BENCHMARK(BM_SparseAddSection);

void BM_SparseRemoveSection(benchmark::State& state) {
  auto m = BootDefault();
  Sparse& s = *m->sparse;
  const NrPages n = Subsection(s);
  for (auto _ : state) {
    state.PauseTiming();
    absl::Status st = s.SparseAddSection(NodeId(0), kHotPfn, n, nullptr);
    MEMHP_CHECK(st.ok()) << st;
    state.ResumeTiming();
    s.SparseRemoveSection(kHotPfn, n, NrPages(0), nullptr);
  }
  MEMHP_CHECK(m->log.size() == 0) << "unexpected kernel messages";
}
BENCHMARK(BM_SparseRemoveSection);

// The cost of PauseTiming + ResumeTiming alone, which the two benchmarks
// above include once per iteration.
void BM_PauseResumeTimingOverhead(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_PauseResumeTimingOverhead);

// Both in one timed step, without the cost of pausing the timer.
void BM_SparseAddRemoveSection(benchmark::State& state) {
  auto m = BootDefault();
  Sparse& s = *m->sparse;
  const NrPages n = Subsection(s);
  for (auto _ : state) {
    absl::Status st = s.SparseAddSection(NodeId(0), kHotPfn, n, nullptr);
    benchmark::DoNotOptimize(st);
    s.SparseRemoveSection(kHotPfn, n, NrPages(0), nullptr);
  }
  MEMHP_CHECK(m->log.size() == 0) << "unexpected kernel messages";
}
BENCHMARK(BM_SparseAddRemoveSection);

}  // namespace
}  // namespace memhp::sparse
