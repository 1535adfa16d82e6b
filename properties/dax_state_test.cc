// Properties of the device-dax stack over random sequences of the sysfs
// writes daxctl makes (bind, unbind, new_id, remove_id on device_dax and
// kmem, device resizes, region create) and memory block online/offline, on
// random soft-reserved layouts (GenDaxConfig: section-aligned,
// sub-section-aligned and unaligned ranges). After boot and after every
// write:
//  1. the invariants of both registries hold (invariants.h: zones, blocks,
//     sections, iomem; dax_invariants.h: one driver per device, the
//     regions' trees, device_dax's reservations, kmem never losing track of
//     its memory);
//  2. the writes the kernel's rules decide from the state before them return
//     what the kernel returns: unbind is 0 exactly when that driver holds
//     the device (-ENODEV otherwise) and leaves it unbound; new_id and
//     remove_id accept exactly the canonical "daxR.N" names; a kmem unbind
//     removes the memory exactly when every block of it was offline, and
//     otherwise leaves it System RAM (the one-shot removal).
// A failing case shrinks to a short command list; its message holds the
// trace so far, which `memhp replay` runs with the same checks.

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "hotplug/dax_kmem.h"
#include "hotplug/render.h"
#include "model/status.h"
#include "model/strings.h"
#include "properties/dax_invariants.h"
#include "properties/generators.h"
#include "properties/invariants.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "traces/replay.h"
#include "traces/run.h"
#include "traces/trace.h"

namespace memhp::properties {
namespace {

using model::Cat;
using model::Errno;

constexpr std::string_view kTraceFile = "dax_state_test.trace";

// One write of the sequence.
struct DaxWrite {
  std::string path;
  std::string value;
};

rc::Gen<DaxWrite> GenDaxWrite(const std::vector<uint64_t>& blocks) {
  const std::vector<std::string> devs = {"dax0.0", "dax0.1", "dax1.0",
                                         "dax00.0", "dax0.0x"};
  auto driver_write = rc::gen::exec([devs] {
    const std::string drv =
        *rc::gen::element<std::string>("device_dax", "kmem");
    const std::string attr = *rc::gen::weightedElement<std::string>(
        {{4, "unbind"}, {4, "new_id"}, {3, "bind"}, {2, "remove_id"}});
    return DaxWrite{
        Cat("/sys/bus/dax/drivers/", drv, "/", attr),
        *rc::gen::weightedOneOf<std::string>(
            {{6, rc::gen::just(devs[0])}, {3, rc::gen::elementOf(devs)}})};
  });
  auto size_write = rc::gen::exec([] {
    const std::string dev = *rc::gen::element<std::string>("dax0.0", "dax0.1");
    return DaxWrite{Cat("/sys/bus/dax/devices/", dev, "/size"),
                    Cat(*rc::gen::inRange<uint64_t>(0, 300) * 2 * kMiB)};
  });
  auto create = rc::gen::just(
      DaxWrite{"/sys/devices/platform/hmem.0/dax_region/create", "1"});
  if (blocks.empty()) {
    return rc::gen::weightedOneOf<DaxWrite>(
        {{8, driver_write}, {2, size_write}, {1, create}});
  }
  auto block_write = rc::gen::exec([blocks] {
    return DaxWrite{Cat("/sys/devices/system/memory/memory",
                        *rc::gen::elementOf(blocks), "/state"),
                    *rc::gen::element<std::string>("online", "online_movable",
                                                   "online_kernel", "offline")};
  });
  return rc::gen::weightedOneOf<DaxWrite>(
      {{8, driver_write}, {5, block_write}, {2, size_write}, {1, create}});
}

// The canonical "dax%d.%d" names the generator uses.
bool Canonical(std::string_view v) {
  return v == "dax0.0" || v == "dax0.1" || v == "dax1.0";
}

// The writes `ndctl create-namespace -m devdax|fsdax` and its reverse make
// on legacy pmem: the personalities' attributes, nd_pmem and dax_pmem
// bind/unbind, then device_dax/kmem on the dax device and the blocks.
rc::Gen<DaxWrite> GenNdWrite(const std::vector<uint64_t>& blocks) {
  auto attr_write = rc::gen::exec([] {
    const std::string dev =
        *rc::gen::weightedElement<std::string>({{4, "dax0.0"},
                                                {3, "pfn0.0"},
                                                {1, "dax0.1"},
                                                {1, "pfn0.1"},
                                                {1, "dax1.0"}});
    const std::string attr =
        *rc::gen::element<std::string>("uuid", "mode", "align", "namespace");
    std::string value;
    if (attr == "uuid") {
      value = *rc::gen::element<std::string>(
          "3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5f",
          "11111111-2222-4333-8444-555555555555", "not-a-uuid");
    } else if (attr == "mode") {
      value = *rc::gen::weightedElement<std::string>(
          {{4, "pmem"}, {2, "ram"}, {1, "none"}, {1, "x"}, {1, "bogus"}});
    } else if (attr == "align") {
      value = *rc::gen::weightedElement<std::string>(
          {{4, "2097152"}, {2, "4096"}, {1, "1073741824"}, {1, "12345"}});
    } else {
      value = *rc::gen::weightedElement<std::string>(
          {{5, Cat("namespace", dev.substr(3, 1), ".0")},
           {2, " "},
           {1, "namespace9.0"}});
    }
    return DaxWrite{Cat("/sys/bus/nd/devices/", dev, "/", attr), value};
  });
  auto nd_driver_write = rc::gen::exec([] {
    const bool dax_pmem = *rc::gen::arbitrary<bool>();
    const std::string attr = *rc::gen::element<std::string>("bind", "unbind");
    const std::string dev =
        dax_pmem ? *rc::gen::weightedElement<std::string>({{5, "dax0.0"},
                                                           {2, "dax0.1"},
                                                           {1, "dax1.0"},
                                                           {1, "namespace0.0"}})
                 : *rc::gen::weightedElement<std::string>({{4, "namespace0.0"},
                                                           {3, "pfn0.0"},
                                                           {1, "pfn0.1"},
                                                           {1, "namespace1.0"},
                                                           {1, "dax0.0"}});
    return DaxWrite{Cat("/sys/bus/nd/drivers/",
                        dax_pmem ? "dax_pmem" : "nd_pmem", "/", attr),
                    dev};
  });
  auto dax_write = rc::gen::exec([] {
    const std::string drv =
        *rc::gen::element<std::string>("device_dax", "kmem");
    const std::string attr =
        *rc::gen::element<std::string>("unbind", "new_id", "bind");
    return DaxWrite{Cat("/sys/bus/dax/drivers/", drv, "/", attr),
                    *rc::gen::element<std::string>("dax0.0", "dax1.0")};
  });
  if (blocks.empty()) {
    return rc::gen::weightedOneOf<DaxWrite>(
        {{8, attr_write}, {6, nd_driver_write}, {3, dax_write}});
  }
  auto block_write = rc::gen::exec([blocks] {
    return DaxWrite{
        Cat("/sys/devices/system/memory/memory", *rc::gen::elementOf(blocks),
            "/state"),
        *rc::gen::element<std::string>("online", "online_movable", "offline")};
  });
  return rc::gen::weightedOneOf<DaxWrite>({{8, attr_write},
                                           {6, nd_driver_write},
                                           {3, dax_write},
                                           {2, block_write}});
}

class DaxCase {
 public:
  explicit DaxCase(traces::Config c) : trace_{.config = c}, tm_(std::move(c)) {}

  void Boot() {
    trace_.steps.push_back({.kind = traces::Boot{}});
    if (absl::Status b = tm_.Boot(kTraceFile); !b.ok()) {
      Fail(Cat("the configuration does not boot: ", std::string(b.message())));
    }
    RC_ASSERT(tm_.dax() != nullptr);
    Check("boot");
  }

  void Run(const DaxWrite& w) {
    hotplug::DaxBus& bus = tm_.dax()->bus();
    hotplug::DevDax* dev = bus.FindDevice(w.value);
    const std::string drv_before =
        dev != nullptr && dev->driver != nullptr ? dev->driver->name : "";
    // A kmem unbind removes the memory when every block of it is offline.
    bool all_offline = true;
    if (dev != nullptr && dev->kmem) {
      for (const hotplug::Resource* res : dev->kmem->res) {
        if (res == nullptr) continue;
        const uint64_t bs = tm_.machine()->blocks().block_size().value();
        for (uint64_t a = res->start.value(); a <= res->end.value(); a += bs) {
          const hotplug::MemoryBlock* mem =
              tm_.machine()->blocks().Find(model::BlockId(a / bs));
          if (mem != nullptr &&
              mem->state != hotplug::MemoryBlockState::kOffline) {
            all_offline = false;
          }
        }
      }
    }
    const bool had_kmem = dev != nullptr && dev->kmem.has_value();

    traces::Write tw{.path = w.path, .value = w.value};
    trace_.steps.push_back({.kind = tw});
    traces::StepOutcome o = tm_.Write(tw);
    if (!o.supported) Fail(Cat("write not supported: ", o.reason));
    const std::optional<Errno> err = model::ErrnoOf(o.result);
    Check(Cat("write ", w.path, " ", w.value));

    const std::string_view path = w.path;
    const bool kmem_drv = path.find("/drivers/kmem/") != std::string::npos;
    const std::string drv_name = kmem_drv ? "kmem" : "device_dax";
    if (path.ends_with("/unbind")) {
      const bool bound_here = drv_before == drv_name;
      if (bound_here ? !o.result.ok() : err != Errno::kENODEV) {
        Fail(
            Cat("unbind returned ", o.result.ToString(), " with the device ",
                drv_before.empty() ? "unbound" : Cat("bound to ", drv_before)));
      }
      dev = bus.FindDevice(w.value);
      if (bound_here && dev != nullptr && dev->driver != nullptr) {
        Fail("the device is still bound after unbind");
      }
      if (bound_here && kmem_drv && had_kmem) {
        const bool kept = dev != nullptr && dev->kmem.has_value();
        if (kept == all_offline) {
          Fail(Cat("kmem unbind with ", all_offline ? "all" : "not all",
                   " blocks offline ", kept ? "kept" : "removed",
                   " the memory"));
        }
      }
    }
    if (path.ends_with("/new_id") || path.ends_with("/remove_id")) {
      const bool ok = Canonical(w.value);
      if (ok != o.result.ok() || (!ok && err != Errno::kEINVAL)) {
        Fail(Cat(path, " of '", w.value, "' returned ", o.result.ToString()));
      }
    }
  }

  // A write of GenNdWrite, with the nd rules the state before decides:
  // unbind returns 0 exactly when that driver holds the device (-ENODEV
  // otherwise) and leaves it unbound; bind of a bound device is -EBUSY,
  // of a claimed namespace -ENXIO; the personalities' attributes refuse
  // writes with -EBUSY while bound.
  void RunNd(const DaxWrite& w) {
    hotplug::NvdimmBus& nd = tm_.dax()->nvdimm();
    const std::string_view path = w.path;
    const bool drivers = path.starts_with("/sys/bus/nd/drivers/");
    std::string bound_to;  // the driver holding the device named by value
    bool claimed = false;
    if (hotplug::NdNamespaceIo* ns = nd.FindNamespace(w.value)) {
      bound_to = ns->bound ? "nd_pmem" : "";
      claimed = ns->claim != nullptr;
    } else if (hotplug::NdPfn* dev = nd.FindNdPfn(w.value)) {
      bound_to = dev->driver;
    }
    // nvdimm_bus_match: nd_pmem takes namespaces and pfn devices, dax_pmem
    // dax devices (the names the generator uses).
    const bool dax_dev = w.value.starts_with("dax");
    const bool matches =
        path.starts_with("/sys/bus/nd/drivers/dax_pmem/") ? dax_dev : !dax_dev;
    std::string attr_dev_driver;  // for attribute writes
    const std::vector<std::string_view> parts = model::Split(path, '/');
    if (!drivers && path.starts_with("/sys/bus/nd/devices/")) {
      if (hotplug::NdPfn* dev = nd.FindNdPfn(parts[5])) {
        attr_dev_driver = dev->driver;
      }
    }
    traces::Write tw{.path = w.path, .value = w.value};
    trace_.steps.push_back({.kind = tw});
    traces::StepOutcome o = tm_.Write(tw);
    if (!o.supported) Fail(Cat("write not supported: ", o.reason));
    const std::optional<Errno> err = model::ErrnoOf(o.result);
    Check(Cat("write ", w.path, " ", w.value));
    if (drivers && path.ends_with("/bind") && o.result.ok()) ++nd_binds_;
    if (drivers) {
      const std::string drv(parts[5]);
      if (path.ends_with("/unbind")) {
        const bool here = bound_to == drv;
        if (here ? !o.result.ok() : err != Errno::kENODEV) {
          Fail(Cat(path, " ", w.value, " returned ", o.result.ToString(),
                   " with the device bound to '", bound_to, "'"));
        }
        hotplug::NdPfn* dev = nd.FindNdPfn(w.value);
        hotplug::NdNamespaceIo* ns = nd.FindNamespace(w.value);
        if (here && ((dev != nullptr && !dev->driver.empty()) ||
                     (ns != nullptr && ns->bound))) {
          Fail("the device is still bound after unbind");
        }
      } else if (!matches) {
        if (err != Errno::kENODEV) {
          Fail(Cat(drv, " bind of ", w.value,
                   ", which it does not match, "
                   "returned ",
                   o.result.ToString()));
        }
      } else if (!bound_to.empty() && err != Errno::kEBUSY) {
        Fail(Cat("bind of a bound device returned ", o.result.ToString()));
      } else if (bound_to.empty() && claimed && drv == "nd_pmem" &&
                 err != Errno::kENXIO) {
        Fail(Cat("bind of a claimed namespace returned ", o.result.ToString()));
      }
    } else if (!attr_dev_driver.empty() && err != Errno::kEBUSY) {
      Fail(Cat(path, " of a device bound to ", attr_dev_driver, " returned ",
               o.result.ToString()));
    }
  }

 private:
  void Check(const std::string& after) {
    if (absl::Status v = CheckAll(*tm_.machine()); !v.ok()) {
      Fail(Cat("after ", after, ": ", std::string(v.message())));
    }
    if (absl::Status v = CheckDax(*tm_.dax()); !v.ok()) {
      Fail(Cat("after ", after, ": ", std::string(v.message())));
    }
  }
  [[noreturn]] void Fail(const std::string& what) {
    RC_FAIL(Cat(what, "\n--- trace (run `memhp replay FILE`) ---\n",
                traces::PrintTrace(trace_), "--- end of trace ---"));
  }

  traces::Trace trace_;
  traces::TraceMachine tm_;

 public:
  int nd_binds() const { return nd_binds_; }

 private:
  int nd_binds_ = 0;  // nd_pmem/dax_pmem binds that succeeded
};

// The memory blocks the soft-reserved or legacy pmem ranges of `c` can
// become.
std::vector<uint64_t> SoftReservedBlocks(const traces::Config& c) {
  std::vector<uint64_t> out;
  for (const DaxRange& r : DaxRangesOf(c)) {
    for (uint64_t b = r.start / (128 * kMiB);
         b <= (r.start + r.size - 1) / (128 * kMiB); ++b) {
      out.push_back(b);
    }
  }
  return out;
}

RC_GTEST_PROP(DaxStateTest, RandomWritesKeepTheInvariants, ()) {
  const traces::Config config = *GenDaxConfig();
  const std::vector<DaxWrite> writes =
      *rc::gen::container<std::vector<DaxWrite>>(
          GenDaxWrite(SoftReservedBlocks(config)));
  DaxCase c(config);
  c.Boot();
  for (const DaxWrite& w : writes) c.Run(w);
}

// The same on legacy pmem (memmap=SIZE!START): the nd personalities, their
// drivers, and device_dax/kmem and the blocks on top.
// What ndctl writes to give namespace0.0 a personality, as one chunk: the
// random writes alone rarely line up a whole configuration.
rc::Gen<std::vector<DaxWrite>> GenNdRecipe() {
  return rc::gen::exec([] {
    const std::string dev = *rc::gen::element<std::string>("dax0.0", "pfn0.0");
    const std::string at = Cat("/sys/bus/nd/devices/", dev, "/");
    return std::vector<DaxWrite>{
        {"/sys/bus/nd/drivers/nd_pmem/unbind", "namespace0.0"},
        {Cat(at, "uuid"), "3a7e6f12-5b4c-4d2e-9f11-0a1b2c3d4e5f"},
        {Cat(at, "mode"), *rc::gen::element<std::string>("pmem", "ram")},
        {Cat(at, "namespace"), "namespace0.0"},
        {Cat("/sys/bus/nd/drivers/",
             dev.starts_with("dax") ? "dax_pmem" : "nd_pmem", "/bind"),
         dev}};
  });
}

RC_GTEST_PROP(DaxStateTest, RandomNdWritesKeepTheInvariants, ()) {
  const traces::Config config = *GenLegacyPmemConfig();
  const std::vector<std::vector<DaxWrite>> chunks =
      *rc::gen::container<std::vector<std::vector<DaxWrite>>>(
          rc::gen::weightedOneOf<std::vector<DaxWrite>>(
              {{6, rc::gen::container<std::vector<DaxWrite>>(
                       1, GenNdWrite(SoftReservedBlocks(config)))},
               {1, GenNdRecipe()}}));
  std::vector<DaxWrite> writes;
  for (const std::vector<DaxWrite>& chunk : chunks) {
    writes.insert(writes.end(), chunk.begin(), chunk.end());
  }
  DaxCase c(config);
  c.Boot();
  for (const DaxWrite& w : writes) {
    if (w.path.starts_with("/sys/bus/nd/")) {
      c.RunNd(w);
    } else {
      c.Run(w);
    }
  }
  RC_CLASSIFY(c.nd_binds() > 0, "an nd bind succeeded");
}

// p3's sequence and more, fixed: the trace of a case parses back and
// replays with the dax checks.
TEST(DaxStateTest, ACaseReplays) {
  traces::Config config;
  config.geometry.text = "x86_64";
  config.cmdline =
      traces::TextSetting{.text = "memmap=512M%0x120000000+0xefffffff"};
  auto e820 = [](uint64_t s, uint64_t e, traces::E820Type t) {
    return traces::E820Entry{
        .start = model::PhysAddr(s), .last = model::PhysAddr(e - 1), .type = t};
  };
  config.e820 = {e820(0, 0x9fc00, traces::E820Type::kRam),
                 e820(0x100000, 0xbffe0000, traces::E820Type::kRam),
                 e820(0x100000000, 0x180000000, traces::E820Type::kRam)};
  traces::Trace t{.config = config};
  t.steps.push_back({.kind = traces::Boot{}});
  for (const DaxWrite& w : std::vector<DaxWrite>{
           {"/sys/bus/dax/drivers/device_dax/unbind", "dax0.0"},
           {"/sys/bus/dax/drivers/kmem/new_id", "dax0.0"},
           {"/sys/devices/system/memory/memory36/state", "online_movable"},
           {"/sys/bus/dax/drivers/kmem/unbind", "dax0.0"},
           {"/sys/bus/dax/drivers/device_dax/bind", "dax0.0"}}) {
    t.steps.push_back(
        {.kind = traces::Write{.path = w.path, .value = w.value}});
  }
  t.steps.push_back(
      {.kind = traces::ExpectErrno{.errno_value = Errno::kEBUSY}});
  t.steps.push_back(
      {.kind = traces::ExpectDax{.name = "dax0.0", .driver = ""}});
  t.steps.push_back({.kind = traces::ExpectIomem{
                         .iomem = {.depth = 3,
                                   .start = model::PhysAddr(0x120000000),
                                   .end = model::PhysAddr(0x13fffffff),
                                   .name = "System RAM (kmem)"}}});
  const std::string text = traces::PrintTrace(t);
  absl::StatusOr<traces::Trace> parsed = traces::ParseTrace(text, kTraceFile);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  int dax_checks = 0;
  absl::StatusOr<traces::ReplayReport> r = traces::ReplayTrace(
      *parsed, kTraceFile,
      {.after_step = [](hotplug::Machine& m) { return CheckAll(m); },
       .after_step_dax =
           [&](hotplug::DaxModules& d) {
             ++dax_checks;
             return CheckDax(d);
           }});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->AllMatched()) << traces::RenderReportText({*r}) << text;
  EXPECT_EQ(r->expectations, 3);
  EXPECT_EQ(dax_checks, 6);  // boot and five writes
}

}  // namespace
}  // namespace memhp::properties
