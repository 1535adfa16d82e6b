// Stateful properties of the hotplug core (RapidCheck's rapidcheck/state):
// random sequences of the trace vocabulary's operations - `dimm add`,
// `dimm remove`, writes of memoryN/state, memoryN/online and
// auto_online_blocks - on random small x86 machines (generators.h). After
// boot and after every command:
//  1. every invariant of the registry holds (invariants.h): a zone spans
//     exactly its online pages at sub-section granularity after a shrink,
//     present_pages counts the online pages, a block is online only if its
//     sections are present, valid and online, pfn_to_online_page() returns
//     only online initialised pages, the iomem tree nests, the section table
//     agrees with itself;
//  2. the machine agrees with HotplugModel, a naive model of QEMU and the
//     guest: where QEMU puts every DIMM, which DIMMs the kernel accepted (a
//     range aligned to the memory block size), which memory blocks exist,
//     the state of every hot-added block, the errno of every write the model
//     can predict, and the busy "System RAM" resources above 4 GiB, which
//     are exactly the accepted DIMMs that were not removed;
//  3. add then remove restores: a `dimm remove` with nothing in between
//     since that DIMM's `dimm add` but writes to the DIMM's own blocks (and
//     to auto_online_blocks or to blocks that do not exist) gives back the
//     zoneinfo, memory block and iomem lines and the section states of the
//     machine before the add.
//
// A failing case shrinks to a short command sequence and its message holds
// the trace of the case (PrintTrace): the configuration, the operations run
// so far with an `expect rc`/`expect errno` for every write whose outcome
// the model predicts, and a `snapshot model` with what the model expected
// of the DIMMs' blocks and System RAM. `memhp replay` runs it; the
// invariants are checked after every step there too.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "hotplug/machine.h"
#include "hotplug/render.h"
#include "hotplug/resource.h"
#include "model/status.h"
#include "model/strings.h"
#include "properties/generators.h"
#include "properties/invariants.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "rapidcheck/state.h"
#include "sparse/describe.h"
#include "sparse/sparse.h"
#include "traces/replay.h"
#include "traces/run.h"
#include "traces/trace.h"

namespace memhp::properties {
namespace {

using model::BlockId;
using model::ByteSize;
using model::Cat;
using model::Errno;
using model::NodeId;
using model::PhysAddr;
using model::Sprintf;

constexpr int kDimmIds = 6;                    // d0 .. d5
constexpr uint64_t kQemuDimmAlign = 2 * kMiB;  // QEMU_VMALLOC_ALIGN
constexpr std::string_view kTraceFile = "hotplug_state_test.trace";

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// --- the naive model ---------------------------------------------------------

struct ModelDimm {
  uint64_t addr = 0;
  uint64_t size = 0;
  // The guest added its memory: the kernel accepts only a range aligned to
  // the memory block size (check_hotplug_memory_range).
  bool accepted = false;
};

// What the model predicts of a write: nothing, success, or an errno.
struct Prediction {
  bool known = false;
  std::optional<Errno> err;

  static Prediction Unknown() { return {}; }
  static Prediction Ok() { return {.known = true}; }
  static Prediction Fails(Errno e) { return {.known = true, .err = e}; }
};

// QEMU's device memory and the guest's view of the DIMMs in it, kept the
// simplest way: a sorted list of DIMMs, a block -> online map.
// Invariants:
//  1. the DIMMs lie inside [region_base, region_base + region_size), are
//     disjoint and 2 MiB aligned;
//  2. hot_blocks holds exactly the blocks of the accepted DIMMs;
//  3. no boot block is a hot block.
struct HotplugModel {
  // From the configuration and the boot.
  uint64_t region_base = 0;
  uint64_t region_size = 0;
  std::vector<NodeId> nodes;  // the SRAT nodes: the nodes a DIMM may name
  uint64_t block_size = 128 * kMiB;
  std::set<uint64_t> boot_blocks;

  // The state.
  std::string auto_online = "offline";
  std::map<std::string, ModelDimm> dimms;  // the DIMMs QEMU holds
  std::map<uint64_t, bool> hot_blocks;     // block id -> online

  // memory_device_get_free_addr: the lowest 2 MiB aligned address where
  // `size` bytes fit between the DIMMs, or nullopt.
  std::optional<uint64_t> PlaceDimm(uint64_t size) const {
    std::vector<std::pair<uint64_t, uint64_t>> taken;
    for (const auto& [id, d] : dimms) taken.push_back({d.addr, d.size});
    std::sort(taken.begin(), taken.end());
    uint64_t at = AlignUp(region_base, kQemuDimmAlign);
    for (const auto& [addr, sz] : taken) {
      if (at + size <= addr) break;
      at = std::max(at, AlignUp(addr + sz, kQemuDimmAlign));
    }
    if (at + size > region_base + region_size) return std::nullopt;
    return at;
  }

  std::vector<uint64_t> BlocksOf(const ModelDimm& d) const {
    std::vector<uint64_t> out;
    if (!d.accepted) return out;
    for (uint64_t b = d.addr / block_size; b < (d.addr + d.size) / block_size;
         ++b) {
      out.push_back(b);
    }
    return out;
  }

  // The DIMM whose blocks include `block`, if any.
  std::optional<std::string> DimmOfBlock(uint64_t block) const {
    for (const auto& [id, d] : dimms) {
      const std::vector<uint64_t> blocks = BlocksOf(d);
      if (std::find(blocks.begin(), blocks.end(), block) != blocks.end()) {
        return id;
      }
    }
    return std::nullopt;
  }

  bool BlockExists(uint64_t block) const {
    return boot_blocks.contains(block) || hot_blocks.contains(block);
  }
};

bool IsOnlineType(std::string_view v) {
  return v == "offline" || v == "online" || v == "online_kernel" ||
         v == "online_movable";
}

// lib/kstrtox.c kstrtobool, the naive way.
std::optional<bool> NaiveStrtobool(std::string_view s) {
  if (s.empty()) return std::nullopt;
  switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
      return true;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
      return false;
    case 'o':
    case 'O':
      if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N')) return true;
      if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F')) return false;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

enum class BlockAttr { kState, kOnline };

// The outcome of writing `value` to memory`block`/`attr`, and the block's
// state after it when the model knows it.
struct WriteEffect {
  Prediction prediction;
  std::optional<bool> online_after;
};

WriteEffect PredictBlockWrite(const HotplugModel& s, uint64_t block,
                              BlockAttr attr, const std::string& value) {
  if (!s.BlockExists(block)) return {Prediction::Fails(Errno::kENOENT), {}};
  // What the value asks for: online (true), offline (false), or invalid.
  std::optional<bool> want;
  if (attr == BlockAttr::kState) {
    if (IsOnlineType(value)) want = value != "offline";
  } else {
    want = NaiveStrtobool(value);
  }
  if (!want) return {Prediction::Fails(Errno::kEINVAL), {}};
  auto it = s.hot_blocks.find(block);
  if (it == s.hot_blocks.end()) return {};  // a boot block: not modelled
  // A hot-added block has no holes, no PageReserved pages and one zone:
  // onlining and offlining it always succeed. state_store refuses a block
  // already in the requested state (device_online/offline return 1),
  // online_store does not.
  if (it->second == *want && attr == BlockAttr::kState) {
    return {Prediction::Fails(Errno::kEINVAL), it->second};
  }
  return {Prediction::Ok(), *want};
}

// --- the system under test ---------------------------------------------------

// /proc/zoneinfo: the zones of the online nodes only, as the kernel's
// zoneinfo_show walks them (first_online_pgdat / next_online_pgdat).
// hotplug::ZoneinfoLines also prints a node that try_offline_node() took
// offline (its pgdat stays), so its lines are filtered here.
std::vector<std::string> OnlineZoneinfoLines(const hotplug::Machine& m) {
  std::vector<std::string> out;
  bool keep = true;
  for (std::string& l : hotplug::ZoneinfoLines(m)) {
    int nid = 0;
    if (std::sscanf(l.c_str(), "Node %d, zone", &nid) == 1) {
      keep = m.NodeOnline(NodeId(nid));
    }
    if (keep) out.push_back(std::move(l));
  }
  return out;
}

// "node N online" for every online node (a pgdat that hotplug created stays
// when try_offline_node() takes its node offline, as in the kernel).
std::vector<std::string> OnlineNodes(const hotplug::Machine& m) {
  std::vector<std::string> out;
  for (const auto& [nid, pgdat] : m.zones().pgdat) {
    if (m.NodeOnline(NodeId(nid))) out.push_back(Cat("node ", nid, " online"));
  }
  return out;
}

// What "add then remove restores" compares.
struct MachineSnapshot {
  std::vector<std::string> zoneinfo;
  std::vector<std::string> nodes;
  std::vector<std::string> blocks;
  std::vector<std::string> iomem;
  std::vector<sparse::SectionState> sections;
  std::vector<std::string> sections_text;  // DescribeSections, for messages

  static MachineSnapshot Of(const hotplug::Machine& m) {
    return {.zoneinfo = OnlineZoneinfoLines(m),
            .nodes = OnlineNodes(m),
            .blocks = hotplug::MemoryBlockLines(m),
            .iomem = hotplug::IomemLines(m),
            .sections = m.sparse().SectionStates(),
            .sections_text = sparse::DescribeSections(m.sparse())};
  }
};

// The lines of `a` not in `b` and of `b` not in `a`, as "- x" / "+ y".
std::string LineDiff(const std::vector<std::string>& a,
                     const std::vector<std::string>& b) {
  std::string out;
  const std::multiset<std::string> sa(a.begin(), a.end());
  const std::multiset<std::string> sb(b.begin(), b.end());
  for (const std::string& l : a) {
    if (!sb.contains(l)) out += Cat("  - ", l, "\n");
  }
  for (const std::string& l : b) {
    if (!sa.contains(l)) out += Cat("  + ", l, "\n");
  }
  if (out.empty()) out = "  (same lines, different order)\n";
  return out;
}

class HotplugSut;

// The case running now. A failed MEMHP_CHECK (a model bug) aborts the
// process before RapidCheck can shrink or report, so the SIGABRT handler
// prints the trace so far: `memhp replay` on it hits the same CHECK. Best
// effort (it allocates in a signal handler), which is fine for an abort()
// the CHECK raised synchronously.
const HotplugSut* g_running = nullptr;
void PrintRunningTraceAndAbort(int sig);

// A TraceMachine and the trace of what ran on it.
class HotplugSut {
 public:
  explicit HotplugSut(traces::Config config)
      : trace_{.config = config}, tm_(std::move(config)) {
    static const bool kInstalled =
        std::signal(SIGABRT, PrintRunningTraceAndAbort) != SIG_ERR;
    (void)kInstalled;
    g_running = this;
  }
  ~HotplugSut() {
    if (g_running == this) g_running = nullptr;
  }
  HotplugSut(HotplugSut&&) = delete;

  absl::Status Boot() {
    trace_.steps.push_back({.kind = traces::Boot{}});
    return tm_.Boot(kTraceFile);
  }

  // The step is in the trace before it runs, so a failure shows it.
  traces::StepOutcome Write(std::string path, std::string value,
                            const Prediction& p) {
    traces::Write w{.path = std::move(path), .value = std::move(value)};
    trace_.steps.push_back({.kind = w});
    if (p.known && p.err) {
      trace_.steps.push_back(
          {.kind = traces::ExpectErrno{.errno_value = *p.err}});
    } else if (p.known) {
      trace_.steps.push_back({.kind = traces::ExpectRc{.rc = 0}});
    }
    return tm_.Write(w);
  }
  traces::StepOutcome AddDimm(const traces::DimmAdd& d) {
    trace_.steps.push_back({.kind = d});
    return tm_.AddDimm(d);
  }
  traces::StepOutcome RemoveDimm(const traces::DimmRemove& d) {
    trace_.steps.push_back({.kind = d});
    return tm_.RemoveDimm(d);
  }

  hotplug::Machine& machine() { return *tm_.machine(); }
  const traces::TraceMachine& tm() const { return tm_; }
  const traces::Trace& trace() const { return trace_; }

  // "Add then remove restores": the machine before each DIMM's add, while
  // nothing but writes to its own blocks ran since.
  std::map<std::string, MachineSnapshot> before_add;
  int restores_checked = 0;

 private:
  traces::Trace trace_;
  traces::TraceMachine tm_;
};

void PrintRunningTraceAndAbort(int sig) {
  std::signal(sig, SIG_DFL);
  if (g_running != nullptr) {
    const std::string t =
        Cat("\n--- trace of the case that aborted (run `memhp replay FILE`) "
            "---\n",
            traces::PrintTrace(g_running->trace()), "--- end of trace ---\n");
    std::fwrite(t.data(), 1, t.size(), stderr);
    std::fflush(stderr);
  }
  std::raise(sig);
}

// The trace of the case with a `snapshot model` of what the model expects
// of the hot-added blocks and System RAM, so `memhp replay` shows the
// mismatch the model found (a missing line or another state).
std::string TraceForReplay(const HotplugSut& sut, const HotplugModel& s) {
  traces::Trace t = sut.trace();
  if (s.hot_blocks.empty()) return traces::PrintTrace(t);
  t.steps.push_back({.kind = traces::Snapshot{.label = "model"}});
  for (const auto& [block, online] : s.hot_blocks) {
    t.steps.push_back({.kind = traces::ExpectBlock{
                           .id = BlockId(block),
                           .state = online ? traces::BlockState::kOnline
                                           : traces::BlockState::kOffline}});
  }
  for (const auto& [id, d] : s.dimms) {
    if (!d.accepted) continue;
    t.steps.push_back({.kind = traces::ExpectIomem{
                           .iomem = {.start = PhysAddr(d.addr),
                                     .end = PhysAddr(d.addr + d.size - 1),
                                     .name = "System RAM"}}});
  }
  return traces::PrintTrace(t);
}

[[noreturn]] void Fail(const HotplugSut& sut, const HotplugModel& s,
                       const std::string& what) {
  RC_FAIL(Cat(what, "\n--- trace (save it and run `memhp replay FILE`) ---\n",
              TraceForReplay(sut, s), "--- end of trace ---"));
}

std::string StatusText(const absl::Status& st) {
  if (st.ok()) return "OK";
  std::optional<Errno> e = model::ErrnoOf(st);
  return Cat(e ? model::ErrnoName(*e) : "(no errno)", " (",
             std::string(st.message()), ")");
}

void CheckPrediction(const HotplugSut& sut, const HotplugModel& s,
                     const Prediction& p, const absl::Status& got) {
  if (!p.known) return;
  if (p.err ? model::ErrnoOf(got) == p.err : got.ok()) return;
  Fail(sut, s,
       Cat("the write returned ", StatusText(got), ", the model expected ",
           p.err ? model::ErrnoName(*p.err) : "success"));
}

// Busy "System RAM" resources at or above 4 GiB, at any depth, as
// "depth start-end busy".
std::vector<std::string> HighSystemRam(const hotplug::Machine& m) {
  std::vector<std::string> out;
  auto walk = [&](auto& self, const hotplug::Resource* r, int depth) -> void {
    for (; r != nullptr; r = r->sibling) {
      if (r->name == "System RAM" && r->end.value() >= kHotplugBase.value()) {
        out.push_back(Sprintf(
            "depth=%d %#llx-%#llx%s", depth,
            static_cast<unsigned long long>(r->start.value()),
            static_cast<unsigned long long>(r->end.value()),
            (r->flags & hotplug::kIoresourceBusy) ? " busy" : " not-busy"));
      }
      self(self, r->child, depth + 1);
    }
  };
  walk(walk, m.iomem().root()->child, 0);
  return out;
}

// Checks 1 and 2 of the file comment against `s`, the model after the
// command.
void CheckMachine(HotplugSut& sut, const HotplugModel& s) {
  hotplug::Machine& m = sut.machine();
  if (absl::Status v = CheckAll(m); !v.ok()) {
    Fail(sut, s, Cat("invariant violated: ", std::string(v.message())));
  }
  // QEMU placed every DIMM where the model did and holds no other.
  for (int i = 0; i < kDimmIds; ++i) {
    const std::string id = DimmId(i);
    const traces::QemuDimm* q = sut.tm().qemu()->Find(id);
    auto it = s.dimms.find(id);
    if ((q != nullptr) != (it != s.dimms.end())) {
      Fail(sut, s,
           Cat("QEMU ", q ? "holds" : "does not hold", " DIMM ", id,
               ", the model ", q ? "does not" : "does"));
    }
    if (q && (q->addr.value() != it->second.addr ||
              q->size.value() != it->second.size)) {
      Fail(sut, s,
           Sprintf("QEMU put DIMM %s at %#llx+%#llx, the model at %#llx",
                   id.c_str(), static_cast<unsigned long long>(q->addr.value()),
                   static_cast<unsigned long long>(q->size.value()),
                   static_cast<unsigned long long>(it->second.addr)));
    }
  }
  // The memory blocks: the boot ones and those of the accepted DIMMs, in
  // the state the model says.
  std::set<uint64_t> want_blocks = s.boot_blocks;
  for (const auto& [b, online] : s.hot_blocks) want_blocks.insert(b);
  std::set<uint64_t> got_blocks;
  for (const auto& [b, mem] : m.blocks().blocks()) got_blocks.insert(b);
  if (want_blocks != got_blocks) {
    Fail(sut, s,
         Cat("memory blocks {", model::Join(got_blocks, ","),
             "}, the model expected {", model::Join(want_blocks, ","), "}"));
  }
  for (const auto& [b, online] : s.hot_blocks) {
    const hotplug::MemoryBlock* mem = m.blocks().Find(BlockId(b));
    const bool got_online = mem->state == hotplug::MemoryBlockState::kOnline;
    if (got_online != online || (online && mem->dev_offline)) {
      Fail(sut, s,
           Cat("memory", b, " is ", hotplug::MemoryBlocks::StateShow(*mem),
               " (dev->offline ", mem->dev_offline, "), the model expected ",
               online ? "online" : "offline"));
    }
  }
  // System RAM above 4 GiB: exactly the accepted DIMMs, busy, top level.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [id, d] : s.dimms) {
    if (d.accepted) ranges.push_back({d.addr, d.addr + d.size - 1});
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::string> want_ram;
  for (const auto& [start, last] : ranges) {
    want_ram.push_back(Sprintf("depth=0 %#llx-%#llx busy",
                               static_cast<unsigned long long>(start),
                               static_cast<unsigned long long>(last)));
  }
  if (std::vector<std::string> got_ram = HighSystemRam(m);
      got_ram != want_ram) {
    Fail(sut, s,
         Cat("System RAM above 4 GiB differs from the accepted DIMMs:\n",
             LineDiff(want_ram, got_ram), "/proc/iomem:\n  ",
             model::Join(hotplug::IomemLines(m), "\n  ")));
  }
}

void CheckRestored(HotplugSut& sut, const HotplugModel& s,
                   const std::string& id, const MachineSnapshot& before) {
  const MachineSnapshot after = MachineSnapshot::Of(sut.machine());
  ++sut.restores_checked;
  std::string diff;
  if (after.zoneinfo != before.zoneinfo) {
    diff += Cat("zoneinfo:\n", LineDiff(before.zoneinfo, after.zoneinfo));
  }
  if (after.nodes != before.nodes) {
    diff += Cat("nodes:\n", LineDiff(before.nodes, after.nodes));
  }
  if (after.blocks != before.blocks) {
    diff += Cat("memory blocks:\n", LineDiff(before.blocks, after.blocks));
  }
  if (after.iomem != before.iomem) {
    diff += Cat("iomem:\n", LineDiff(before.iomem, after.iomem));
  }
  if (after.sections != before.sections) {
    diff +=
        Cat("sections:\n", LineDiff(before.sections_text, after.sections_text));
  }
  if (!diff.empty()) {
    Fail(sut, s,
         Cat("dimm remove ", id,
             " did not give back the machine of before its add (- before, + "
             "after):\n",
             diff));
  }
}

// --- commands
// ------------------------------------------------------------------

using HotplugCommand = rc::state::Command<HotplugModel, HotplugSut>;

class AddDimmCmd : public HotplugCommand {
 public:
  explicit AddDimmCmd(const HotplugModel& s) {
    std::vector<std::string> free_ids;
    for (int i = 0; i < kDimmIds; ++i) {
      if (!s.dimms.contains(DimmId(i))) free_ids.push_back(DimmId(i));
    }
    RC_PRE(!free_ids.empty());
    d_.id = *rc::gen::elementOf(free_ids);
    d_.size = *GenDimmSize();
    if (*rc::gen::arbitrary<bool>()) d_.node = *rc::gen::elementOf(s.nodes);
  }
  explicit AddDimmCmd(traces::DimmAdd d) : d_(std::move(d)) {}

  void checkPreconditions(const HotplugModel& s) const override {
    RC_PRE(!s.dimms.contains(d_.id));
    RC_PRE(s.PlaceDimm(d_.size.value()).has_value());
    RC_PRE(!d_.node || std::find(s.nodes.begin(), s.nodes.end(), *d_.node) !=
                           s.nodes.end());
  }

  void apply(HotplugModel& s) const override {
    ModelDimm d{.addr = *s.PlaceDimm(d_.size.value()), .size = d_.size.value()};
    d.accepted = d.addr % s.block_size == 0 && d.size % s.block_size == 0;
    for (uint64_t b : s.BlocksOf(d)) {
      s.hot_blocks[b] = s.auto_online != "offline";
    }
    s.dimms[d_.id] = d;
  }

  void run(const HotplugModel& s0, HotplugSut& sut) const override {
    const HotplugModel s1 = nextState(s0);
    MachineSnapshot before = MachineSnapshot::Of(sut.machine());
    traces::StepOutcome o = sut.AddDimm(d_);
    if (!o.supported) Fail(sut, s1, Cat("dimm add refused: ", o.reason));
    CheckMachine(sut, s1);
    sut.before_add.clear();
    sut.before_add[d_.id] = std::move(before);
  }

  void show(std::ostream& os) const override {
    os << traces::PrintStep({.kind = d_});
  }

 private:
  traces::DimmAdd d_;
};

class RemoveDimmCmd : public HotplugCommand {
 public:
  explicit RemoveDimmCmd(const HotplugModel& s) {
    RC_PRE(!s.dimms.empty());
    std::vector<std::string> ids;
    for (const auto& [id, d] : s.dimms) ids.push_back(id);
    d_.id = *rc::gen::elementOf(ids);
  }
  explicit RemoveDimmCmd(std::string id) { d_.id = std::move(id); }

  void checkPreconditions(const HotplugModel& s) const override {
    RC_PRE(s.dimms.contains(d_.id));
  }

  // Every block of a DIMM is hot-added, so acpi_scan_try_to_offline()
  // always succeeds and the DIMM always leaves.
  void apply(HotplugModel& s) const override {
    for (uint64_t b : s.BlocksOf(s.dimms.at(d_.id))) s.hot_blocks.erase(b);
    s.dimms.erase(d_.id);
  }

  void run(const HotplugModel& s0, HotplugSut& sut) const override {
    const HotplugModel s1 = nextState(s0);
    traces::StepOutcome o = sut.RemoveDimm(d_);
    if (!o.supported) Fail(sut, s1, Cat("dimm remove refused: ", o.reason));
    CheckMachine(sut, s1);
    if (auto it = sut.before_add.find(d_.id); it != sut.before_add.end()) {
      CheckRestored(sut, s1, d_.id, it->second);
    }
    sut.before_add.clear();
  }

  void show(std::ostream& os) const override {
    os << traces::PrintStep({.kind = d_});
  }

 private:
  traces::DimmRemove d_;
};

// A write to memoryN/state or memoryN/online.
class WriteBlockCmd : public HotplugCommand {
 public:
  explicit WriteBlockCmd(const HotplugModel& s) {
    std::vector<uint64_t> hot;
    for (const auto& [b, online] : s.hot_blocks) hot.push_back(b);
    const std::vector<uint64_t> boot(s.boot_blocks.begin(),
                                     s.boot_blocks.end());
    // Blocks that do not exist (yet): past the boot RAM, at the end of the
    // device memory, far away.
    const std::vector<uint64_t> absent = {
        *s.boot_blocks.rbegin() + 1,
        (s.region_base + s.region_size) / s.block_size - 1, 100000};
    block_ = hot.empty() ? *rc::gen::weightedOneOf<uint64_t>(
                               {{2, rc::gen::elementOf(boot)},
                                {1, rc::gen::elementOf(absent)}})
                         : *rc::gen::weightedOneOf<uint64_t>(
                               {{8, rc::gen::elementOf(hot)},
                                {2, rc::gen::elementOf(boot)},
                                {1, rc::gen::elementOf(absent)}});
    attr_ = *rc::gen::weightedElement<BlockAttr>(
        {{3, BlockAttr::kState}, {1, BlockAttr::kOnline}});
    value_ = attr_ == BlockAttr::kState ? *GenStateValue() : *GenOnlineValue();
  }
  WriteBlockCmd(uint64_t block, BlockAttr attr, std::string value)
      : block_(block), attr_(attr), value_(std::move(value)) {}

  void apply(HotplugModel& s) const override {
    WriteEffect e = PredictBlockWrite(s, block_, attr_, value_);
    if (e.online_after) s.hot_blocks[block_] = *e.online_after;
  }

  void run(const HotplugModel& s0, HotplugSut& sut) const override {
    const HotplugModel s1 = nextState(s0);
    const Prediction p =
        PredictBlockWrite(s0, block_, attr_, value_).prediction;
    traces::StepOutcome o = sut.Write(Path(), value_, p);
    if (!o.supported) Fail(sut, s1, Cat("write not supported: ", o.reason));
    CheckPrediction(sut, s1, p, o.result);
    CheckMachine(sut, s1);
    // Only writes to the DIMM's own blocks (or to no block) keep its
    // "before add" picture comparable.
    if (s0.BlockExists(block_)) {
      const std::optional<std::string> owner = s0.DimmOfBlock(block_);
      std::erase_if(sut.before_add,
                    [&](const auto& kv) { return kv.first != owner; });
    }
  }

  void show(std::ostream& os) const override {
    os << "write " << Path() << " " << traces::QuoteIfNeeded(value_);
  }

 private:
  std::string Path() const {
    return attr_ == BlockAttr::kState ? BlockStatePath(BlockId(block_))
                                      : BlockOnlinePath(BlockId(block_));
  }

  uint64_t block_ = 0;
  BlockAttr attr_ = BlockAttr::kState;
  std::string value_;
};

class WriteAutoOnlineCmd : public HotplugCommand {
 public:
  explicit WriteAutoOnlineCmd(const HotplugModel&)
      : value_(*GenAutoOnlineValue()) {}
  explicit WriteAutoOnlineCmd(std::string value) : value_(std::move(value)) {}

  void apply(HotplugModel& s) const override {
    if (IsOnlineType(value_)) s.auto_online = value_;
  }

  void run(const HotplugModel& s0, HotplugSut& sut) const override {
    const HotplugModel s1 = nextState(s0);
    const Prediction p = IsOnlineType(value_)
                             ? Prediction::Ok()
                             : Prediction::Fails(Errno::kEINVAL);
    traces::StepOutcome o =
        sut.Write(std::string(kAutoOnlineBlocksPath), value_, p);
    if (!o.supported) Fail(sut, s1, Cat("write not supported: ", o.reason));
    CheckPrediction(sut, s1, p, o.result);
    CheckMachine(sut, s1);
  }

  void show(std::ostream& os) const override {
    os << "write " << kAutoOnlineBlocksPath << " "
       << traces::QuoteIfNeeded(value_);
  }

 private:
  std::string value_;
};

// --- set-up
// --------------------------------------------------------------------

// Boots `sut` and returns the model of the booted machine.
HotplugModel BootAndModel(HotplugSut& sut) {
  HotplugModel s;
  for (const traces::NumaRange& r : sut.trace().config.numa) {
    if (r.hotplug) {
      s.region_base = r.start.value();
      s.region_size = r.last.value() - r.start.value() + 1;
      break;
    }
  }
  s.nodes = SratNodes(sut.trace().config);
  if (absl::Status b = sut.Boot(); !b.ok()) {
    Fail(sut, s,
         Cat("the generated configuration does not boot: ",
             std::string(b.message())));
  }
  hotplug::Machine& m = sut.machine();
  for (const auto& [b, mem] : m.blocks().blocks()) s.boot_blocks.insert(b);
  // probe_memory_block_size(): below 64 GiB of boot RAM, 128 MiB.
  if (m.blocks().block_size().value() != s.block_size) {
    Fail(sut, s,
         Cat("memory block size ", m.blocks().block_size().value(),
             ", expected 128 MiB"));
  }
  if (absl::Status v = CheckAll(m); !v.ok()) {
    Fail(sut, s,
         Cat("invariant violated after boot: ", std::string(v.message())));
  }
  return s;
}

// --- properties
// ------------------------------------------------------------------

RC_GTEST_PROP(HotplugStateTest, RandomOperationsKeepInvariantsAndMatchModel,
              ()) {
  const traces::Config config = *GenSmallX86Config();
  HotplugSut sut(config);
  const HotplugModel s0 = BootAndModel(sut);
  rc::state::check(
      s0, sut,
      rc::state::gen::execOneOfWithArgs<AddDimmCmd, RemoveDimmCmd,
                                        WriteBlockCmd, WriteBlockCmd,
                                        WriteAutoOnlineCmd>());
  RC_TAG(sut.restores_checked > 0 ? "restore checked" : "no restore");
}

// Runs `cmd` as rc::state::check would, when its preconditions hold.
void RunCommand(const HotplugCommand& cmd, HotplugModel& s, HotplugSut& sut) {
  cmd.checkPreconditions(s);
  cmd.run(s, sut);
  cmd.apply(s);
}

// Add then remove restores, every time: other DIMMs before (some online),
// then a DIMM, writes to its blocks only, its removal.
RC_GTEST_PROP(HotplugStateTest, AddThenRemoveRestoresTheMachine, ()) {
  const traces::Config config = *GenSmallX86Config();
  HotplugSut sut(config);
  HotplugModel s = BootAndModel(sut);
  RunCommand(WriteAutoOnlineCmd(*GenAutoOnlineValue()), s, sut);
  const int others = *rc::gen::inRange(0, 3);
  for (int i = 1; i <= others; ++i) {
    traces::DimmAdd d{.id = DimmId(i), .size = *GenDimmSize()};
    if (!s.PlaceDimm(d.size.value())) break;
    RunCommand(AddDimmCmd(d), s, sut);
    for (uint64_t b : s.BlocksOf(s.dimms.at(d.id))) {
      if (*rc::gen::arbitrary<bool>()) {
        RunCommand(WriteBlockCmd(b, BlockAttr::kState, *GenStateValue()), s,
                   sut);
      }
    }
  }
  // The DIMM under test, placed last so that it always fits (2 GiB of
  // device memory at least, 1 GiB DIMMs at most... unless two came first).
  traces::DimmAdd d{.id = DimmId(0), .size = *GenDimmSize()};
  if (*rc::gen::arbitrary<bool>()) d.node = *rc::gen::elementOf(s.nodes);
  RC_PRE(s.PlaceDimm(d.size.value()).has_value());
  RunCommand(AddDimmCmd(d), s, sut);
  const ModelDimm dimm = s.dimms.at(d.id);
  // Writes to its blocks (to the blocks it would have when refused: those
  // do not exist).
  const uint64_t first = dimm.addr / s.block_size;
  const uint64_t count = (dimm.size + s.block_size - 1) / s.block_size;
  const int writes = *rc::gen::inRange(0, 8);
  for (int i = 0; i < writes; ++i) {
    const uint64_t b = first + *rc::gen::inRange<uint64_t>(0, count);
    if (*rc::gen::weightedElement<bool>({{3, true}, {1, false}})) {
      RunCommand(WriteBlockCmd(b, BlockAttr::kState, *GenStateValue()), s, sut);
    } else {
      RunCommand(WriteBlockCmd(b, BlockAttr::kOnline, *GenOnlineValue()), s,
                 sut);
    }
  }
  RunCommand(RemoveDimmCmd(d.id), s, sut);
  RC_ASSERT(sut.restores_checked == 1);
}

// --- the failing case is a trace that replays
// ------------------------------------

// A machine of 1 GiB with 2 GiB of device memory on node 0 and 1 GiB on
// node 1:
//
//   0        1G            4G         6G        7G
//   |RAM     |   ...       |dev mem   |node 1   |
//             d0 (512M) at 4G, d1 (128M, node 1) at 4G+512M
traces::Config SmallConfig() {
  traces::Config c;
  c.geometry.text = "x86_64";
  c.profile = model::KernelVersion::kV6_1;
  auto e820 = [](uint64_t start, uint64_t end, traces::E820Type t) {
    return traces::E820Entry{
        .start = PhysAddr(start), .last = PhysAddr(end - 1), .type = t};
  };
  auto numa = [](uint64_t start, uint64_t end, int node, bool hotplug) {
    return traces::NumaRange{.start = PhysAddr(start),
                             .last = PhysAddr(end - 1),
                             .node = NodeId(node),
                             .hotplug = hotplug};
  };
  c.e820 = {e820(0, 0x9fc00, traces::E820Type::kRam),
            e820(0x9fc00, 0xa0000, traces::E820Type::kReserved),
            e820(0xf0000, 0x100000, traces::E820Type::kReserved),
            e820(0x100000, kGiB - 0x20000, traces::E820Type::kRam),
            e820(kGiB - 0x20000, kGiB, traces::E820Type::kReserved),
            e820(0xfffc0000, 4 * kGiB, traces::E820Type::kReserved)};
  c.numa = {numa(0, 0xa0000, 0, false), numa(0x100000, kGiB, 0, false),
            numa(4 * kGiB, 6 * kGiB, 0, true),
            numa(6 * kGiB, 7 * kGiB, 1, true)};
  return c;
}

// The commands of a short case, run with every check of the properties.
void RunSmallCase(HotplugSut& sut) {
  HotplugModel s = BootAndModel(sut);
  const std::vector<std::shared_ptr<const HotplugCommand>> cmds = {
      std::make_shared<AddDimmCmd>(
          traces::DimmAdd{.id = "d0", .size = ByteSize(512 * kMiB)}),
      std::make_shared<AddDimmCmd>(traces::DimmAdd{
          .id = "d1", .size = ByteSize(128 * kMiB), .node = NodeId(1)}),
      std::make_shared<WriteBlockCmd>(32, BlockAttr::kState, "online_movable"),
      std::make_shared<WriteBlockCmd>(36, BlockAttr::kOnline, "1"),
      std::make_shared<WriteBlockCmd>(36, BlockAttr::kState, "online"),
      std::make_shared<WriteBlockCmd>(99, BlockAttr::kState, "offline"),
      std::make_shared<WriteAutoOnlineCmd>("online_kernel"),
      std::make_shared<RemoveDimmCmd>("d0"),
  };
  for (const auto& c : cmds) RunCommand(*c, s, sut);
}

TEST(HotplugStateTest, PrintedTraceParsesBackAndReplays) {
  HotplugSut sut(SmallConfig());
  RunSmallCase(sut);
  const std::string text = traces::PrintTrace(sut.trace());
  absl::StatusOr<traces::Trace> parsed = traces::ParseTrace(text, kTraceFile);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_EQ(traces::WithoutLineNumbers(*parsed), sut.trace());
  EXPECT_EQ(traces::PrintTrace(*parsed), text);

  absl::StatusOr<traces::ReplayReport> r = traces::ReplayTrace(
      *parsed, kTraceFile,
      {.after_step = [](hotplug::Machine& m) { return CheckAll(m); }});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->AllMatched()) << traces::RenderReportText({*r}) << text;
  // One expectation per write: the model predicted all of these.
  EXPECT_EQ(r->expectations, 5) << text;
}

TEST(HotplugStateTest, ReplayReportsAFailingCheckAtItsStep) {
  HotplugSut sut(SmallConfig());
  RunSmallCase(sut);
  const std::string text = traces::PrintTrace(sut.trace());
  absl::StatusOr<traces::Trace> parsed = traces::ParseTrace(text, kTraceFile);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // An injected check that fails once memory32 is online.
  absl::StatusOr<traces::ReplayReport> r = traces::ReplayTrace(
      *parsed, kTraceFile, {.after_step = [](hotplug::Machine& m) {
        const hotplug::MemoryBlock* mem = m.blocks().Find(BlockId(32));
        if (mem && mem->state == hotplug::MemoryBlockState::kOnline) {
          return model::InvariantViolation("TEST-1", "memory32 is online");
        }
        return absl::OkStatus();
      }});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_FALSE(r->mismatches.empty()) << traces::RenderReportText({*r});
  const traces::ReplayMismatch& first = r->mismatches.front();
  EXPECT_EQ(first.expected,
            "(invariants hold after) write "
            "/sys/devices/system/memory/memory32/state online_movable");
  EXPECT_NE(first.got.find("TEST-1"), std::string::npos) << first.got;
  // The line is the write's in the printed trace.
  const std::vector<std::string_view> lines = model::Split(text, '\n');
  ASSERT_GE(first.line, 1);
  EXPECT_EQ(lines[first.line - 1],
            "write /sys/devices/system/memory/memory32/state online_movable");
}

}  // namespace
}  // namespace memhp::properties
