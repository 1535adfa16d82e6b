#include "hotplug/dax_bus.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "model/check.h"
#include "model/kstrtox.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;
using model::PhysAddr;
using model::Sprintf;
using model::SysfsStreq;
using model::Ull;

namespace {

constexpr std::string_view kBusC = "drivers/dax/bus.c";

uint64_t RangeLen(const InclusiveRange& r) {
  return r.end.value() - r.start.value() + 1;
}

// ida_alloc: the lowest free id.
int IdaAlloc(std::set<int>& ida) {
  int id = 0;
  while (ida.contains(id)) ++id;
  ida.insert(id);
  return id;
}

// sscanf(buf, "dax%d.%d") and the canonical re-print: the two ids when
// `buf` is exactly "dax%d.%d" of them (sysfs_streq), else nullopt.
bool IsCanonicalDaxName(std::string_view buf) {
  std::string_view s = buf;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (s.substr(0, 3) != "dax") return false;
  s.remove_prefix(3);
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  int64_t a = 0, b = 0;
  auto parse = [](std::string_view t, int64_t& v) {
    if (t.empty()) return false;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && p == t.data() + t.size() &&
           v >= std::numeric_limits<int>::min() &&
           v <= std::numeric_limits<int>::max();
  };
  if (!parse(s.substr(0, dot), a) || !parse(s.substr(dot + 1), b)) {
    return false;
  }
  const std::string canon =
      Sprintf("dax%d.%d", static_cast<int>(a), static_cast<int>(b));
  return SysfsStreq(buf, canon);
}

}  // namespace

std::string DevPrefix(const DevDax& dev) {
  // dev_driver_string(): the bound driver's name, else the bus's.
  return Cat(dev.driver != nullptr ? dev.driver->name : "dax", " ", dev.name,
             ": ");
}

uint64_t DevDax::Size() const {
  uint64_t size = 0;
  for (const DevDaxRange& r : ranges) size += RangeLen(r.range);
  return size;
}

// --- drivers --------------------------------------------------------------

Operation<int> DaxBus::DaxDriverRegister(DaxDeviceDriver* drv) {
  if (!drv->probe) co_return rc::kEINVAL;
  drv->ids.clear();
  // v6.3+ drivers have a type instead; only the v6.1 bus counts default
  // drivers.
  const bool match_always = !m_.profile().dax_match_type && drv->match_always;
  // There can only be one default driver.
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "dax_bus_lock");
  match_always_count_ += match_always ? 1 : 0;
  if (match_always_count_ > 1) {
    --match_always_count_;
    m_.log().WarnOn({kBusC, "__dax_driver_register"}, "1");
    co_return rc::kEINVAL;
  }
  // driver_register(): a name already on the bus is refused.
  if (FindDriver(drv->name) != nullptr) {
    m_.log().Printk(model::LogLevel::kErr,
                    Cat("Error: Driver '", drv->name,
                        "' is already registered, aborting..."));
    match_always_count_ -= match_always ? 1 : 0;
    co_return rc::kEBUSY;
  }
  drivers_.push_back(drv);
  // bus_add_driver(): driver_attach() when the bus autoprobes.
  if (drivers_autoprobe_) (void)co_await DriverAttach(*drv);
  co_return 0;
}

Operation<bool> DaxBus::DaxDriverUnregister(DaxDeviceDriver* drv) {
  if (!m_.profile().dax_match_type) {
    match_always_count_ -= drv->match_always ? 1 : 0;
  }
  drv->ids.clear();
  // driver_unregister() -> driver_detach(): the bound devices, last first.
  for (auto it = devices_.rbegin(); it != devices_.rend(); ++it) {
    if (it->driver == drv) (void)co_await DeviceReleaseDriver(*it);
  }
  std::erase(drivers_, drv);
  co_return true;
}

bool DaxBus::DaxMatchId(const DevDax& dev, const DaxDeviceDriver& drv) const {
  return std::any_of(
      drv.ids.begin(), drv.ids.end(),
      [&](const std::string& id) { return SysfsStreq(id, dev.name); });
}

bool DaxBus::DaxMatchType(const DevDax& dev, const DaxDeviceDriver& drv) {
  const DaxDriverType type = (dev.region->flags & kIoresourceDaxKmem) != 0
                                 ? DaxDriverType::kKmem
                                 : DaxDriverType::kDevice;
  // The kernel also gives device mode to DAXDRV_DEVICE_TYPE drivers when
  // CONFIG_DEV_DAX_KMEM is off; the model always has kmem.
  return drv.type == type;
}

bool DaxBus::DaxBusMatch(const DevDax& dev, const DaxDeviceDriver& drv) const {
  // Kernel: drivers/dax/bus.c dax_bus_match (v6.3+): an id, else the type.
  if (m_.profile().dax_match_type) {
    return DaxMatchId(dev, drv) || DaxMatchType(dev, drv);
  }
  // v6.1: all but the 'device-dax' driver, which has 'match_always' set,
  // require an exact id match.
  if (drv.match_always) return true;
  return DaxMatchId(dev, drv);
}

Operation<int> DaxBus::ReallyProbe(DevDax& dev, DaxDeviceDriver& drv) {
  dev.driver = &drv;
  // dax_bus_probe().
  int rc;
  if (dev.Size() == 0 || dev.id < 0) {
    rc = rc::kENXIO;
  } else {
    rc = co_await drv.probe(*this, dev);
    if (rc == 0 && !dev.region->IsStatic() && dev.region->seed == &dev) {
      // Track new seed creation only after a successful probe of the
      // previous seed.
      dev.region->seed = nullptr;
    }
  }
  if (rc != 0) {
    // call_driver_probe(): -ENODEV and -ENXIO are pr_debug only.
    if (rc != rc::kENODEV && rc != rc::kENXIO) {
      m_.log().Printk(model::LogLevel::kWarning,
                      Sprintf("%s: probe of %s failed with error %d",
                              drv.name.c_str(), dev.name.c_str(), rc));
    }
    // device_unbind_cleanup(): the driver undid its own devres on failure.
    dev.driver = nullptr;
  }
  co_return rc;
}

Operation<int> DaxBus::DriverProbeDevice(DaxDeviceDriver& drv, DevDax& dev) {
  // __driver_probe_device().
  if (!dev.registered) co_return rc::kENODEV;
  if (dev.driver != nullptr) co_return rc::kEBUSY;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  const int rc = co_await ReallyProbe(dev, drv);
  co_return rc;
}

Operation<bool> DaxBus::DeviceAttach(DevDax& dev) {
  // __device_attach() -> __device_attach_driver() for each driver in
  // registration order: a probe that fails lets the next driver try; the
  // driver core's own refusals (-ENODEV, -EBUSY) end the walk.
  const std::vector<DaxDeviceDriver*> drivers = drivers_;
  for (DaxDeviceDriver* drv : drivers) {
    if (!DaxBusMatch(dev, *drv)) continue;
    const int rc = co_await DriverProbeDevice(*drv, dev);
    if (rc == 0) co_return true;
    if (rc == rc::kENODEV || rc == rc::kEBUSY) {
      if (!dev.registered || dev.driver != nullptr) co_return false;
    }
  }
  co_return false;
}

Operation<bool> DaxBus::DriverAttach(DaxDeviceDriver& drv) {
  // bus_for_each_dev(__driver_attach): every matching device; a bound one
  // refuses with -EBUSY, silently.
  std::vector<DevDax*> devs;
  for (DevDax& d : devices_) devs.push_back(&d);
  for (DevDax* d : devs) {
    if (!DaxBusMatch(*d, drv)) continue;
    (void)co_await DriverProbeDevice(drv, *d);
  }
  co_return true;
}

Operation<bool> DaxBus::DeviceReleaseDriver(DevDax& dev) {
  if (dev.driver == nullptr) co_return true;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (dev.driver == nullptr) co_return true;
  // device_remove() -> dax_bus_remove(): the driver's remove, with its
  // devres actions; the driver stays visible to its messages until the end.
  if (dev.driver->remove) (void)co_await dev.driver->remove(*this, dev);
  dev.driver = nullptr;
  co_return true;
}

// --- regions and devices ----------------------------------------------------

DaxRegion* DaxBus::AllocDaxRegion(std::string provider, int region_id,
                                  InclusiveRange range, int target_node,
                                  uint32_t align, uint64_t flags) {
  // The DAX core stores its private data in parent->driver_data.
  if (FindRegion(provider) != nullptr) {
    m_.log().Warn({kBusC, "alloc_dax_region"},
                  Cat(provider.substr(0, provider.find('.')), " ", provider,
                      ": dax core failed to setup private data"));
    return nullptr;
  }
  if (range.start.value() % align != 0 || RangeLen(range) % align != 0) {
    return nullptr;
  }
  DaxRegion& r = regions_.emplace_back();
  r.id = region_id;
  r.align = align;
  r.provider = std::move(provider);
  r.target_node = target_node;
  r.flags = flags;
  r.res = std::make_unique<ResourceTree>(range.end, &m_.log());
  r.res->root()->start = range.start;
  r.res->root()->name = r.provider;
  r.res->root()->flags = kIoresourceMem | flags;
  return &r;
}

bool DaxBus::AllocIsAligned(const DevDax& dev, uint64_t size) const {
  // The minimum mapping granularity is a subsection
  // (memremap_compat_align() on x86).
  const model::Geometry& g = m_.geometry();
  const uint64_t subsection = g.PagesPerSubsection().value() << g.page_shift();
  const uint64_t a = std::max<uint64_t>(dev.align, subsection);
  return size % a == 0;
}

int DaxBus::RegisterDaxMapping(DevDax& dev, size_t range_id) {
  // devm_register_dax_mapping().
  if (!dev.region->provider_bound) {
    m_.log().WarnOnce({kBusC, "devm_register_dax_mapping"},
                      Cat(DevPrefix(dev), "region disabled"));
    return rc::kENXIO;
  }
  dev.ranges[range_id].mapping_id = IdaAlloc(dev.mapping_ida);
  return 0;
}

int DaxBus::AllocDevDaxRange(DevDax& dev, uint64_t start, uint64_t size) {
  DaxRegion& region = *dev.region;
  // The seed's special case: no range at all.
  if (size == 0) {
    if (!dev.ranges.empty()) {
      m_.log().WarnOnce({kBusC, "alloc_dev_dax_range"},
                        Cat(DevPrefix(dev), "0-size allocation must be first"));
      return rc::kEBUSY;
    }
    return 0;
  }
  Resource* alloc = region.res->RequestRegion(
      region.res->root(), PhysAddr(start), model::ByteSize(size), dev.name, 0);
  if (alloc == nullptr) return rc::kENOMEM;
  uint64_t pgoff = 0;
  for (const DevDaxRange& r : dev.ranges) {
    pgoff += RangeLen(r.range) >> m_.geometry().page_shift();
  }
  dev.ranges.push_back(
      {.pgoff = pgoff, .range = {.start = alloc->start, .end = alloc->end}});
  // The initial mapping device waits for device_add (devm_create_dev_dax).
  if (!dev.registered) return 0;
  const int rc = RegisterDaxMapping(dev, dev.ranges.size() - 1);
  if (rc != 0) TrimDevDaxRange(dev);
  return rc;
}

void DaxBus::TrimDevDaxRange(DevDax& dev) {
  const DevDaxRange& last = dev.ranges.back();
  (void)dev.region->res->ReleaseRegion(dev.region->res->root(),
                                       last.range.start,
                                       model::ByteSize(RangeLen(last.range)));
  dev.ranges.pop_back();
}

int DaxBus::AdjustDevDaxRange(DevDax& dev, Resource* res, uint64_t size) {
  DevDaxRange& last = dev.ranges.back();
  if (size == 0) {
    m_.log().WarnOnce(
        {kBusC, "adjust_dev_dax_range"},
        Cat(DevPrefix(dev), "deletion is handled by dev_dax_shrink"));
    return rc::kEINVAL;
  }
  absl::Status st = dev.region->res->AdjustResource(res, last.range.start,
                                                    model::ByteSize(size));
  if (!st.ok()) return -static_cast<int>(*model::ErrnoOf(st));
  last.range.end = PhysAddr(last.range.start.value() + size - 1);
  return 0;
}

int DaxBus::DevDaxShrink(DevDax& dev, uint64_t size) {
  uint64_t to_shrink = dev.Size() - size;
  for (int i = static_cast<int>(dev.ranges.size()) - 1; i >= 0; --i) {
    const uint64_t len = RangeLen(dev.ranges[i].range);
    const uint64_t shrink = std::min(to_shrink, len);
    if (shrink >= len) {
      // unregister_dax_mapping(), then the range goes.
      dev.mapping_ida.erase(dev.ranges[i].mapping_id);
      TrimDevDaxRange(dev);
      to_shrink -= shrink;
      if (to_shrink == 0) break;
      continue;
    }
    Resource* adjust = nullptr;
    for (Resource* res = dev.region->res->root()->child; res != nullptr;
         res = res->sibling) {
      if (res->name == dev.name && res->start == dev.ranges[i].range.start) {
        adjust = res;
        break;
      }
    }
    if (adjust == nullptr || i != static_cast<int>(dev.ranges.size()) - 1) {
      m_.log().WarnOnce(
          {kBusC, "dev_dax_shrink"},
          Cat(DevPrefix(dev), "failed to find matching resource"));
      return rc::kENXIO;
    }
    return AdjustDevDaxRange(dev, adjust, len - shrink);
  }
  return 0;
}

bool DaxBus::AdjustOk(const DevDax& dev, const Resource* res) const {
  // Only adjustments that keep the ranges ordered by increasing pgoff.
  if (dev.ranges.empty()) return false;
  if (res->name != dev.name) return false;
  const DevDaxRange& last = dev.ranges.back();
  if (last.range.start != res->start || last.range.end != res->end) {
    return false;
  }
  for (size_t i = 0; i + 1 < dev.ranges.size(); ++i) {
    if (dev.ranges[i].pgoff > last.pgoff) return false;
  }
  return true;
}

uint64_t DaxBus::DaxRegionAvailSize(const DaxRegion& region) const {
  uint64_t size = region.res->root()->Size();
  for (const Resource* res = region.res->root()->child; res != nullptr;
       res = res->sibling) {
    size -= res->Size();
  }
  return size;
}

int DaxBus::DevDaxResize(DevDax& dev, uint64_t size) {
  DaxRegion& region = *dev.region;
  const uint64_t avail = DaxRegionAvailSize(region);
  const uint64_t dev_size = dev.Size();
  if (dev.driver != nullptr) return rc::kEBUSY;
  if (size == dev_size) return 0;
  if (size > dev_size && size - dev_size > avail) return rc::kENOSPC;
  if (size < dev_size) return DevDaxShrink(dev, size);

  uint64_t to_alloc = size - dev_size;
  if (!AllocIsAligned(dev, to_alloc)) {
    m_.log().WarnOnce(
        {kBusC, "dev_dax_resize"},
        Cat(DevPrefix(dev),
            Sprintf("resize of 0x%016llx misaligned", Ull(to_alloc))));
    return rc::kENXIO;
  }
  // Expand into the unused parts of the region: extend the last range when
  // the free space follows it, else allocate a new range.
  const Resource* root = region.res->root();
  while (to_alloc != 0) {
    Resource* first = region.res->root()->child;
    if (first == nullptr) {
      return AllocDevDaxRange(dev, root->start.value(), to_alloc);
    }
    int rc = rc::kENOSPC;
    uint64_t alloc = 0;
    for (Resource* res = first; res != nullptr; res = res->sibling) {
      Resource* next = res->sibling;
      // Space at the beginning of the region.
      if (res == first && res->start > root->start) {
        alloc = std::min(res->start.value() - root->start.value(), to_alloc);
        rc = AllocDevDaxRange(dev, root->start.value(), alloc);
        break;
      }
      alloc = 0;
      // Space between allocations.
      if (next != nullptr && next->start.value() > res->end.value() + 1) {
        alloc =
            std::min(next->start.value() - (res->end.value() + 1), to_alloc);
      }
      // Space at the end of the region.
      if (alloc == 0 && next == nullptr && res->end < root->end) {
        alloc = std::min(root->end.value() - res->end.value(), to_alloc);
      }
      if (alloc == 0) continue;
      if (AdjustOk(dev, res)) {
        rc = AdjustDevDaxRange(dev, res, res->Size() + alloc);
        break;
      }
      rc = AllocDevDaxRange(dev, res->end.value() + 1, alloc);
      break;
    }
    if (rc != 0) return rc;
    to_alloc -= alloc;
  }
  return 0;
}

void DaxBus::FreeDevDaxId(DevDax& dev) {
  if (!dev.dyn_id || dev.id < 0) return;
  dev.region->ida.erase(dev.id);
  dev.id = -1;
}

Operation<int> DaxBus::DevmCreateDevDax(const DevDaxData& data, DevDax** out) {
  DaxRegion& region = *data.region;
  DevDax& dev = devices_.emplace_back();
  auto undo = [&] {
    for (auto it = devices_.begin(); it != devices_.end(); ++it) {
      if (&*it == &dev) {
        devices_.erase(it);
        break;
      }
    }
  };
  dev.region = &region;
  if (region.IsStatic()) {
    if (data.id < 0) {
      m_.log().WarnOnce({kBusC, "devm_create_dev_dax"},
                        Cat("dax_pmem ", region.provider,
                            ": dynamic id specified to static region"));
      undo();
      co_return rc::kEINVAL;
    }
    dev.id = data.id;
  } else {
    if (data.id >= 0) {
      m_.log().WarnOnce(
          {kBusC, "devm_create_dev_dax"},
          Cat(region.provider.substr(0, region.provider.find('.')), " ",
              region.provider, ": static id specified to dynamic region"));
      undo();
      co_return rc::kEINVAL;
    }
    dev.id = IdaAlloc(region.ida);
    dev.dyn_id = true;
  }
  dev.name = Sprintf("dax%d.%d", region.id, dev.id);
  if (const int rc = AllocDevDaxRange(dev, region.start().value(), data.size);
      rc != 0) {
    FreeDevDaxId(dev);
    undo();
    co_return rc;
  }
  if (data.pgmap != nullptr) {
    if (!region.IsStatic()) {
      m_.log().WarnOnce({kBusC, "devm_create_dev_dax"},
                        Cat(region.provider,
                            ": custom dev_pagemap requires a "
                            "static dax_region"));
    }
    dev.static_pgmap = std::make_unique<DevPagemap>(*data.pgmap);
    dev.pgmap = dev.static_pgmap.get();
  }
  // A device_dax instance is dead while no driver is attached.
  dev.alive = false;
  dev.target_node = region.target_node;
  dev.align = region.align;
  dev.numa_node = region.provider_node;
  // device_add(): on the bus, then the drivers are asked.
  dev.registered = true;
  dev.dax_class = data.dax_class;
  // On the bus the drivers are asked; a class device has none.
  if (drivers_autoprobe_ && !dev.dax_class) (void)co_await DeviceAttach(dev);
  // The mapping device of the initial allocation (v5.10+).
  if (m_.profile().dev_dax_multi_range && !dev.ranges.empty() &&
      RangeLen(dev.ranges[0].range) != 0) {
    if (const int rc = RegisterDaxMapping(dev, 0); rc != 0) co_return rc;
  }
  if (out != nullptr) *out = &dev;
  co_return 0;
}

void DaxBus::KillDevDax(DevDax& dev) {
  dev.alive = false;
  // unmap_mapping_range() of the char device's users: no mappings in the
  // model. A dynamic region's pgmap belongs to the driver's devres.
  if (!dev.region->IsStatic()) dev.pgmap = nullptr;
}

Operation<bool> DaxBus::UnregisterDevDax(DevDax& dev) {
  KillDevDax(dev);
  // device_del(): the driver is released, the device leaves the bus.
  (void)co_await DeviceReleaseDriver(dev);
  dev.registered = false;
  while (!dev.ranges.empty()) TrimDevDaxRange(dev);
  // put_device() -> dev_dax_release(): the id goes.
  FreeDevDaxId(dev);
  if (dev.region->seed == &dev) dev.region->seed = nullptr;
  if (dev.region->youngest == &dev) dev.region->youngest = nullptr;
  // A failed one-shot removal left kmem's data behind: the device goes, the
  // reservations and the memory stay until the next reboot.
  if (dev.kmem) leaked_kmem_.push_back(std::move(*dev.kmem));
  for (auto it = devices_.begin(); it != devices_.end(); ++it) {
    if (&*it == &dev) {
      devices_.erase(it);
      break;
    }
  }
  co_return true;
}

// --- sysfs ----------------------------------------------------------------

Operation<int> DaxBus::DoIdStore(DaxDeviceDriver& drv, std::string_view buf,
                                 bool add) {
  if (!IsCanonicalDaxName(buf)) co_return rc::kEINVAL;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "dax_bus_lock");
  auto it = std::find_if(drv.ids.begin(), drv.ids.end(),
                         [&](const auto& id) { return SysfsStreq(id, buf); });
  if (it == drv.ids.end()) {
    // list_add(): at the head; strncpy keeps the written text.
    if (add) drv.ids.insert(drv.ids.begin(), std::string(buf));
  } else if (!add) {
    drv.ids.erase(it);
  }
  if (add) (void)co_await DriverAttach(drv);
  co_return 0;
}

Operation<int> DaxBus::NewIdStore(DaxDeviceDriver& drv, std::string_view buf) {
  return DoIdStore(drv, buf, true);
}

Operation<int> DaxBus::RemoveIdStore(DaxDeviceDriver& drv,
                                     std::string_view buf) {
  return DoIdStore(drv, buf, false);
}

Operation<int> DaxBus::BindStore(DaxDeviceDriver& drv, std::string_view buf) {
  DevDax* dev = FindDevice(buf);
  if (dev == nullptr || !DaxBusMatch(*dev, drv)) co_return rc::kENODEV;
  // device_driver_attach().
  const int rc = co_await DriverProbeDevice(drv, *dev);
  co_return rc;
}

Operation<int> DaxBus::UnbindStore(DaxDeviceDriver& drv, std::string_view buf) {
  DevDax* dev = FindDevice(buf);
  if (dev == nullptr || dev->driver != &drv) co_return rc::kENODEV;
  // device_driver_detach(): a dax driver cannot refuse.
  (void)co_await DeviceReleaseDriver(*dev);
  co_return 0;
}

Operation<int> DaxBus::DriversProbeStore(std::string_view buf) {
  DevDax* dev = FindDevice(buf);
  if (dev == nullptr) co_return rc::kENODEV;
  // bus_rescan_devices_helper(): attach when unbound.
  if (dev->driver == nullptr) (void)co_await DeviceAttach(*dev);
  co_return 0;
}

int DaxBus::DriversAutoprobeStore(std::string_view buf) {
  drivers_autoprobe_ = !(buf.empty() || buf[0] == '0');
  return 0;
}

Operation<int> DaxBus::CreateStore(DaxRegion& region, std::string_view buf) {
  if (region.IsStatic()) co_return rc::kEINVAL;
  const model::KstrtoResult<int> val = model::Kstrtoint(buf, 0);
  if (!val.ok()) co_return val.error;
  if (val.value != 1) co_return rc::kEINVAL;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (DaxRegionAvailSize(region) == 0) co_return rc::kENOSPC;
  DevDax* dev = nullptr;
  const int rc =
      co_await DevmCreateDevDax({.region = &region, .id = -1, .size = 0}, &dev);
  if (rc != 0) co_return rc;
  // Several seeds may exist; the first one not yet bound is the seed.
  if (region.seed == nullptr) region.seed = dev;
  region.youngest = dev;
  co_return 0;
}

Operation<int> DaxBus::DeleteStore(DaxRegion& region, std::string_view buf) {
  if (region.IsStatic()) co_return rc::kEINVAL;
  // device_find_child_by_name(dax_region->dev, buf).
  DevDax* victim = nullptr;
  for (DevDax& d : devices_) {
    if (d.region == &region && SysfsStreq(d.name, buf)) {
      victim = &d;
      break;
    }
  }
  if (victim == nullptr) co_return rc::kENXIO;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (victim->driver != nullptr || victim->Size() != 0) co_return rc::kEBUSY;
  // Device id 0 is kept so that /sys/bus/dax is populated while a region
  // is registered.
  if (victim->id <= 0) co_return rc::kEBUSY;
  const bool do_del = victim->dyn_id;
  if (region.seed == victim) region.seed = nullptr;
  if (region.youngest == victim) region.youngest = nullptr;
  if (do_del) (void)co_await UnregisterDevDax(*victim);
  co_return 0;
}

Operation<int> DaxBus::SizeStore(DevDax& dev, std::string_view buf) {
  const model::KstrtoResult<uint64_t> val = model::Kstrtoull(buf, 0);
  if (!val.ok()) co_return val.error;
  if (!AllocIsAligned(dev, val.value)) co_return rc::kEINVAL;  // dev_dbg only
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (!dev.region->provider_bound) co_return rc::kENXIO;
  co_return DevDaxResize(dev, val.value);
}

Operation<int> DaxBus::AlignStore(DevDax& dev, std::string_view buf) {
  const model::KstrtoResult<uint64_t> val = model::Kstrtoul(buf, 0);
  if (!val.ok()) co_return rc::kENXIO;
  // dax_align_valid(): PUD (x86_64 has PUD THP), PMD (PSE), PAGE.
  const model::Geometry& g = m_.geometry();
  const uint64_t page = uint64_t{1} << g.page_shift();
  const uint64_t pmd = page << (g.page_shift() - 3);
  const uint64_t pud = pmd << (g.page_shift() - 3);
  if (val.value != pud && val.value != pmd && val.value != page) {
    co_return rc::kEINVAL;
  }
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (!dev.region->provider_bound) co_return rc::kENXIO;
  if (dev.driver != nullptr) co_return rc::kEBUSY;
  const uint32_t align_save = dev.align;
  dev.align = static_cast<uint32_t>(val.value);
  // dev_dax_validate_align().
  for (const DevDaxRange& r : dev.ranges) {
    if (!AllocIsAligned(dev, RangeLen(r.range))) {
      dev.align = align_save;
      co_return rc::kEINVAL;
    }
  }
  co_return 0;
}

Operation<int> DaxBus::MappingStore(DevDax& dev, std::string_view buf) {
  // range_parse(): "<hex start>-<hex end>".
  const size_t dash = buf.find('-');
  if (dash == std::string_view::npos) co_return rc::kEINVAL;
  const model::KstrtoResult<uint64_t> start =
      model::Kstrtoull(buf.substr(0, dash), 16);
  if (!start.ok()) co_return start.error;
  const model::KstrtoResult<uint64_t> end =
      model::Kstrtoull(buf.substr(dash + 1), 16);
  if (!end.ok()) co_return end.error;
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  // v6.9+ (mapping_store_keeps_lock_rc): rc holds down_write_killable()'s
  // 0 for an unbound provider and for a misaligned size, so the write
  // "succeeds" (the kernel returns 0 and len respectively).
  // DIVERGENCE: the model's stores return 0 for any success and cannot
  // tell a 0-byte write from a full one.
  const bool keeps_lock_rc = m_.profile().mapping_store_keeps_lock_rc;
  if (!dev.region->provider_bound) co_return keeps_lock_rc ? 0 : rc::kENXIO;
  const uint64_t to_alloc = end.value - start.value + 1;
  int rc = keeps_lock_rc ? 0 : rc::kENXIO;
  if (AllocIsAligned(dev, to_alloc)) {
    rc = AllocDevDaxRange(dev, start.value, to_alloc);
  }
  co_return rc;
}

// --- lookups and rendering ------------------------------------------------

DevDax* DaxBus::FindDevice(std::string_view name) {
  for (DevDax& d : devices_) {
    if (d.registered && !d.dax_class && SysfsStreq(d.name, name)) return &d;
  }
  return nullptr;
}

DaxRegion* DaxBus::FindRegion(std::string_view provider) {
  for (DaxRegion& r : regions_) {
    if (r.provider == provider) return &r;
  }
  return nullptr;
}

DaxDeviceDriver* DaxBus::FindDriver(std::string_view name) {
  for (DaxDeviceDriver* d : drivers_) {
    if (d->name == name) return d;
  }
  return nullptr;
}

void DaxBus::RemoveRegion(DaxRegion& region) {
  for (auto it = regions_.begin(); it != regions_.end(); ++it) {
    if (&*it == &region) {
      regions_.erase(it);
      return;
    }
  }
}

std::vector<std::string> DaxBus::ClassDaxLines() const {
  std::vector<const DevDax*> devs;
  for (const DevDax& d : devices_) {
    if (d.registered && d.dax_class) devs.push_back(&d);
  }
  std::sort(devs.begin(), devs.end(),
            [](const DevDax* a, const DevDax* b) { return a->name < b->name; });
  std::vector<std::string> out;
  for (const DevDax* d : devs) {
    out.push_back(
        Cat(d->name, " size=", d->Size(), " target_node=",
            d->region->target_node < 0 ? std::string()
                                       : Cat(d->region->target_node),
            " resource=", Sprintf("%#llx", Ull(d->region->start().value()))));
  }
  return out;
}

std::vector<std::string> DaxBus::DaxLines() const {
  std::vector<const DevDax*> devs;
  for (const DevDax& d : devices_) {
    if (d.registered && !d.dax_class) devs.push_back(&d);
  }
  // `ls /sys/bus/dax/devices`: byte order of the names.
  std::sort(devs.begin(), devs.end(),
            [](const DevDax* a, const DevDax* b) { return a->name < b->name; });
  std::vector<std::string> out;
  for (const DevDax* d : devs) {
    const uint64_t resource = d->ranges.empty()
                                  ? d->region->start().value()
                                  : d->ranges[0].range.start.value();
    out.push_back(Cat(
        d->name, " driver=", d->driver != nullptr ? d->driver->name : "",
        " size=", d->Size(), " target_node=",
        d->region->target_node < 0 ? std::string()
                                   : Cat(d->region->target_node),
        " align=", d->align, " resource=", Sprintf("%#llx", Ull(resource))));
  }
  return out;
}

}  // namespace memhp::hotplug
