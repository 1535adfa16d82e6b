#include "hotplug/nvdimm.h"

#include <algorithm>
#include <cctype>

#include "hotplug/dax_pmem.h"
#include "model/check.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;
using model::PhysAddr;
using model::Sprintf;
using model::SysfsStreq;

namespace {

// %pr / %pR of nsio->res (IORESOURCE_MEM).
std::string RawResource(const InclusiveRange& r) {
  return PrintkResource(r.start, r.end, kIoresourceMem, /*raw=*/true);
}
std::string DecodedResource(const InclusiveRange& r) {
  return PrintkResource(r.start, r.end, kIoresourceMem, /*raw=*/false);
}

// dev_* prefix of a namespace while nd_pmem probes or holds it.
std::string NsPrefix(const NdNamespaceIo& ns) {
  return Cat("nd_pmem ", ns.name, ": ");
}

// dev_printk's prefix of a pfn/dax device: its driver's name while one
// probes or holds it, the bus's once registered, nothing before.
std::string PfnPrefix(const NdPfn& dev, std::string_view drv) {
  if (!drv.empty()) return Cat(drv, " ", dev.name, ": ");
  return Cat(dev.registered ? "nd" : "", " ", dev.name, ": ");
}

// strim(): leading and trailing whitespace off.
std::string_view Strim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

int DevmNamespaceEnable(Machine& m, NdNamespaceIo& ns, model::ByteSize size,
                        std::string_view prefix) {
  MEMHP_CHECK(ns.enabled == nullptr) << ns.name;
  // v5.3's devm_nsio_enable(dev, nsio) takes the whole namespace.
  if (!m.profile().nsio_enable_takes_size) size = ns.res.Len();
  ns.enabled = m.iomem().RequestMemRegion(ns.res.start, size, ns.name);
  if (ns.enabled == nullptr) {
    m.log().Printk(
        model::LogLevel::kWarning,
        Cat(prefix, "could not reserve region ", DecodedResource(ns.res)));
    return rc::kEBUSY;
  }
  return 0;
}

void ReleaseNamespaceEnable(Machine& m, NdNamespaceIo& ns) {
  if (ns.enabled == nullptr) return;
  (void)m.iomem().ReleaseMemRegion(ns.enabled->start,
                                   model::ByteSize(ns.enabled->Size()));
  ns.enabled = nullptr;
}

NvdimmBus::NvdimmBus(Machine& m, DevPagemapRegistry& pgmap_array)
    : m_(m), pgmap_array_(pgmap_array) {}

void NvdimmBus::DaxPmemInit(DaxBus& bus, bool compat) {
  MEMHP_CHECK(!compat || m_.profile().dax_pmem_compat_driver)
      << "dax_pmem_compat does not exist in " << m_.profile().name();
  dax_bus_ = &bus;
  dax_pmem_name_ = compat ? "dax_pmem_compat" : "dax_pmem";
}

bool NvdimmBus::RegisterE820Pmem() {
  const int rc = m_.iomem().WalkIomemResDesc(
      IoresDesc::kPersistentMemoryLegacy, kIoresourceMem, PhysAddr(0),
      PhysAddr(UINT64_MAX), [](const IomemRes&) { return 1; });
  e820_pmem_device_ = rc > 0;
  return e820_pmem_device_;
}

NdNamespaceIo* NvdimmBus::FindNamespace(std::string_view buf) {
  for (NdRegion& r : regions_) {
    for (NdNamespaceIo& ns : r.namespaces) {
      if (SysfsStreq(buf, ns.name)) return &ns;
    }
  }
  return nullptr;
}

bool NvdimmBus::HasDevice(std::string_view name) const {
  if (!registered_) return false;
  if (name == "ndbus0") return true;
  for (const NdRegion& r : regions_) {
    if (name == r.name || name == r.btt_seed) return true;
    for (const NdNamespaceIo& ns : r.namespaces) {
      if (name == ns.name) return true;
    }
    for (const NdPfn& d : r.pfns) {
      if (d.registered && name == d.name) return true;
    }
  }
  return false;
}

bool NvdimmBus::NdRegionConflict(const NdRegion& region, uint64_t start,
                                 uint64_t size) const {
  for (const NdRegion& r : regions_) {
    if (&r == &region) continue;
    if (r.range.start.value() < start + size && start <= r.range.end.value()) {
      return true;
    }
  }
  return false;
}

NdPfn* NvdimmBus::FindNdPfn(std::string_view name) {
  for (NdRegion& r : regions_) {
    for (NdPfn& d : r.pfns) {
      if (d.registered && SysfsStreq(name, d.name)) return &d;
    }
  }
  return nullptr;
}

Operation<int> NvdimmBus::E820PmemProbe(const std::set<int>& taken_ids) {
  if (!e820_pmem_device_) co_return rc::kENODEV;
  // nvdimm_bus_register(): "ndbus%d" from nd_ida, the first bus.
  registered_ = true;
  std::vector<InclusiveRange> ranges;
  (void)m_.iomem().WalkIomemResDesc(
      IoresDesc::kPersistentMemoryLegacy, kIoresourceMem, PhysAddr(0),
      PhysAddr(UINT64_MAX), [&](const IomemRes& res) {
        ranges.push_back({.start = res.start, .end = res.end});
        return 0;
      });
  for (const InclusiveRange& r : ranges) {
    // e820_register_one().
    const int nid = m_.PhysToTargetNode(r.start).value();
    const int numa_node = m_.NumaMapToOnlineNode(nid);
    // nd_region_create(): memregion_alloc(), the ida hmem shares.
    int id = 0;
    auto used = [&](int i) {
      if (taken_ids.contains(i)) return true;
      for (const NdRegion& reg : regions_) {
        if (reg.id == i) return true;
      }
      return false;
    };
    while (used(id)) ++id;
    regions_.push_back({.id = id,
                        .name = Sprintf("region%d", id),
                        .range = r,
                        .numa_node = numa_node,
                        .target_node = nid,
                        .pagemap = true,
                        .bus = this});
    NdRegion& region = regions_.back();
    // nd_region_probe() -> nd_region_register_namespaces() ->
    // create_namespace_io(): the one raw namespace, id 0 of the region.
    region.namespaces.push_back({.name = Sprintf("namespace%d.0", id),
                                 .region = &region,
                                 .res = r,
                                 .numa_node = numa_node});
    // nd_device_register(): offered to nd_pmem (already loaded).
    if (nd_pmem_loaded_) {
      (void)co_await NdPmemAttach(region.namespaces.back());
    }
    // The seeds: nd_btt_create, nd_pfn_create, nd_dax_create (offered to
    // their drivers, whose probe finds no namespace: -ENODEV).
    region.btt_seed = Sprintf("btt%d.0", id);
    region.pfn_seed = NdPfnCreate(region, NdPfnType::kPfn, nullptr);
    (void)co_await NdDeviceRegister(*region.pfn_seed);
    region.dax_seed = NdPfnCreate(region, NdPfnType::kDax, nullptr);
    (void)co_await NdDeviceRegister(*region.dax_seed);
  }
  co_return 0;
}

Operation<int> NvdimmBus::NdPmemAttach(NdNamespaceIo& ns) {
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  found_ = nullptr;
  const int rc = co_await NdPmemProbe(ns);
  NdPfn* found = found_;
  found_ = nullptr;
  if (rc == 0) {
    ns.bound = true;
  } else if (rc != rc::kENODEV && rc != rc::kENXIO) {
    m_.log().Printk(model::LogLevel::kWarning,
                    Sprintf("nd_pmem: probe of %s failed with error %d",
                            ns.name.c_str(), rc));
  }
  // The personality nd_pfn_probe / nd_dax_probe found is registered and
  // probed by its own driver.
  if (found != nullptr) (void)co_await NdDeviceRegister(*found);
  co_return rc;
}

void NvdimmBus::ReleaseReserved(NdNamespaceIo& ns) {
  if (ns.reserved == nullptr) return;
  (void)m_.iomem().ReleaseMemRegion(ns.reserved->start,
                                    model::ByteSize(ns.reserved->Size()));
  ns.reserved = nullptr;
}

Operation<int> NvdimmBus::NdPmemProbe(NdNamespaceIo& ns) {
  MEMHP_CHECK(ns.reserved == nullptr && !ns.mapped) << ns.name;
  const model::Geometry& g = m_.geometry();
  const std::string prefix = NsPrefix(ns);
  // nvdimm_namespace_common_probe(): a claimed namespace is the
  // personality's (dev_dbg "claimed by %s, failing probe"); a raw namespace
  // is never locked.
  if (ns.claim != nullptr) co_return rc::kENXIO;
  const uint64_t page = uint64_t{1} << g.page_shift();
  if (ns.res.Len().value() < page) co_return rc::kENODEV;
  // pmem_should_map_pages(): ZONE_DEVICE, ND_REGION_PAGEMAP, no personality,
  // not force_raw, not mixed with System RAM; x86's ARCH_MEMREMAP_PMEM is
  // MEMREMAP_WB.
  const bool map_pages = ns.region->pagemap &&
                         m_.iomem().RegionIntersects(
                             ns.res.start, ns.res.Len(), kIoresourceSystemRam,
                             IoresDesc::kNone) != RegionIntersection::kMixed;
  if (map_pages && m_.profile().nd_memremap_compat_align) {
    const uint64_t align = MemremapCompatAlign(g);
    if (((ns.res.start.value() | (ns.res.end.value() + 1)) & (align - 1)) !=
        0) {
      m_.log().Printk(model::LogLevel::kErr, Cat(prefix, RawResource(ns.res),
                                                 " misaligned, unable to map"));
      co_return rc::kEOPNOTSUPP;
    }
  }
  const model::ByteSize reserve(NdInfoBlockReserve(g));
  if (const int r = DevmNamespaceEnable(m_, ns, reserve, prefix); r != 0) {
    // v5.3 returns -ENXIO whatever devm_nsio_enable() said.
    co_return m_.profile().nsio_enable_takes_size ? r : rc::kENXIO;
  }
  // nd_btt_probe: no BTT info block (not modelled). nd_pfn_probe, then
  // nd_dax_probe: a personality whose info block validates takes the
  // namespace (-ENXIO: the raw probe gives way); -EOPNOTSUPP fails it
  // (v5.4+; v5.3 goes on to a raw disk).
  for (NdPfnType type : {NdPfnType::kPfn, NdPfnType::kDax}) {
    NdPfn* found = nullptr;
    const int r = NdPfnProbe(ns, type, &found);
    if (r == 0) {
      ReleaseNamespaceEnable(m_, ns);  // devres of the failed probe
      found_ = found;
      co_return rc::kENXIO;
    }
    if (r == rc::kEOPNOTSUPP && m_.profile().nd_pfn_eopnotsupp) {
      ReleaseNamespaceEnable(m_, ns);
      co_return r;
    }
  }
  ReleaseNamespaceEnable(m_, ns);
  // pmem_attach_disk(): devm_namespace_enable/disable once more (a raw
  // namespace has no pfn info block to parse), then the flush check.
  if (const int r = DevmNamespaceEnable(m_, ns, reserve, prefix); r != 0) {
    co_return r;
  }
  ReleaseNamespaceEnable(m_, ns);
  // nvdimm_has_flush(): -ENXIO for a region without mappings.
  m_.log().Printk(model::LogLevel::kWarning,
                  Cat(prefix, "unable to guarantee persistence of writes"));
  ns.reserved =
      m_.iomem().RequestMemRegion(ns.res.start, ns.res.Len(), ns.name);
  if (ns.reserved == nullptr) {
    m_.log().Printk(
        model::LogLevel::kWarning,
        Cat(prefix, "could not reserve region ", DecodedResource(ns.res)));
    co_return rc::kEBUSY;
  }
  if (map_pages) {
    ns.pgmap = std::make_unique<DevPagemap>();
    ns.pgmap->ranges = {ns.res};
    ns.pgmap->nr_range = 1;
    ns.pgmap->type = MemoryType::kDeviceFsDax;
    ns.pgmap->owner = &ns;
    const int rc = co_await DevmMemremapPages(
        m_, pgmap_array_, model::NodeId(ns.numa_node), *ns.pgmap);
    if (rc != 0) {
      // devres: the pagemap and the region go.
      ns.pgmap.reset();
      ReleaseReserved(ns);
      co_return rc;
    }
    ns.mapped = true;
  }
  // DIVERGENCE: without map_pages devm_memremap() maps the range write-back
  // (nothing the model tracks); the gendisk "pmem%d" is not modelled.
  co_return 0;
}

int NvdimmBus::NdPfnProbe(NdNamespaceIo& ns, NdPfnType type, NdPfn** found) {
  // force_raw is never set; a raw namespace's claim class is NONE.
  NdPfn* dev = NdPfnCreate(*ns.region, type, &ns);
  if (dev == nullptr) return rc::kENOMEM;
  // Not registered yet: dev_printk has no driver or bus name for it.
  const int r = NdPfnValidate(m_, *dev, PfnPrefix(*dev, ""));
  // The pfn_sb buffer was the namespace's devres.
  dev->pfn_sb.reset();
  if (r < 0) {
    NdDeviceUnregister(*dev);
    return r;
  }
  *found = dev;
  return 0;
}

NdPfn* NvdimmBus::NdPfnCreate(NdRegion& region, NdPfnType type,
                              NdNamespaceIo* ndns) {
  // ida_simple_get(): the lowest id not in use.
  int id = 0;
  auto used = [&](int i) {
    return std::any_of(
        region.pfns.begin(), region.pfns.end(),
        [&](const NdPfn& d) { return d.type == type && d.id == i; });
  };
  while (used(id)) ++id;
  if (ndns != nullptr && ndns->claim != nullptr) {
    // nd_pfn_devinit(): dev_dbg "failed, already claimed by %s".
    return nullptr;
  }
  NdPfn& d = region.pfns.emplace_back();
  d.type = type;
  d.id = id;
  d.name =
      Sprintf(type == NdPfnType::kDax ? "dax%d.%d" : "pfn%d.%d", region.id, id);
  d.region = &region;
  d.mode = PfnMode::kNone;
  d.align = NdPfnDefaultAlignment(m_.geometry());
  if (ndns != nullptr) {
    ndns->claim = &d;
    d.ndns = ndns;
  }
  return &d;
}

Operation<bool> NvdimmBus::NdDeviceRegister(NdPfn& dev) {
  dev.registered = true;
  // bus_probe_device(): nd_pmem takes pfn devices, dax_pmem dax devices.
  if (dev.is_dax() && dax_bus_ != nullptr) {
    (void)co_await NdPfnAttach(dev, dax_pmem_name_);
  } else if (!dev.is_dax() && nd_pmem_loaded_) {
    (void)co_await NdPfnAttach(dev, "nd_pmem");
  }
  co_return true;
}

void NvdimmBus::NdDeviceUnregister(NdPfn& dev) {
  MEMHP_CHECK(dev.driver.empty()) << dev.name;
  NdRegion& region = *dev.region;
  if (dev.ndns != nullptr) {
    dev.ndns->claim = nullptr;
    dev.ndns = nullptr;
  }
  if (region.pfn_seed == &dev) region.pfn_seed = nullptr;
  if (region.dax_seed == &dev) region.dax_seed = nullptr;
  for (auto it = region.pfns.begin(); it != region.pfns.end(); ++it) {
    if (&*it == &dev) {
      region.pfns.erase(it);
      return;
    }
  }
}

void NvdimmBus::NdRegionAdvanceSeeds(NdRegion& region, NdPfn& dev) {
  // Raw (io) regions have no namespace seed. A new seed is created and
  // registered; its probe finds no namespace.
  if (!dev.is_dax() && region.pfn_seed == &dev) {
    region.pfn_seed = NdPfnCreate(region, NdPfnType::kPfn, nullptr);
    pending_seeds_.push_back(region.pfn_seed);
  } else if (dev.is_dax() && region.dax_seed == &dev) {
    region.dax_seed = NdPfnCreate(region, NdPfnType::kDax, nullptr);
    pending_seeds_.push_back(region.dax_seed);
  }
}

int NvdimmBus::CommonProbe(NdPfn& dev) {
  NdNamespaceIo* ns = dev.ndns;
  if (ns == nullptr) return rc::kENODEV;
  // dev_dbg "is active, can't bind %s".
  if (ns->bound) return rc::kEBUSY;
  const uint64_t page = uint64_t{1} << m_.geometry().page_shift();
  if (ns->res.Len().value() < page) return rc::kENODEV;
  return 0;
}

Operation<int> NvdimmBus::NdPfnAttach(NdPfn& dev, std::string_view drv) {
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  int r = 0;
  if (drv == dax_pmem_name_) {
    r = co_await DaxPmemProbe(*this, *dax_bus_, dev, drv == "dax_pmem_compat");
  } else {
    r = co_await NdPmemProbePfn(dev);
  }
  // nvdimm_bus_probe(): the seeds advance after 0 or -EOPNOTSUPP (v5.3:
  // after 0 only).
  if (r == 0 || (r == rc::kEOPNOTSUPP && m_.profile().nd_pfn_eopnotsupp)) {
    NdRegionAdvanceSeeds(*dev.region, dev);
  }
  if (r == 0) {
    dev.driver = std::string(drv);
  } else {
    // The pfn_sb buffer was the device's devres.
    dev.pfn_sb.reset();
    if (r != rc::kENODEV && r != rc::kENXIO) {
      m_.log().Printk(model::LogLevel::kWarning,
                      Sprintf("%s: probe of %s failed with error %d",
                              std::string(drv).c_str(), dev.name.c_str(), r));
    }
  }
  std::vector<NdPfn*> seeds;
  seeds.swap(pending_seeds_);
  for (NdPfn* seed : seeds) (void)co_await NdDeviceRegister(*seed);
  co_return r;
}

Operation<int> NvdimmBus::NdPmemProbePfn(NdPfn& dev) {
  const model::Geometry& g = m_.geometry();
  const std::string prefix = PfnPrefix(dev, "nd_pmem");
  if (const int r = CommonProbe(dev); r != 0) co_return r;
  NdNamespaceIo& ns = *dev.ndns;
  // pmem_attach_disk() (v5.3: nd_pmem_probe enables the namespace before
  // it and masks a failure as -ENXIO).
  if (const int r = DevmNamespaceEnable(
          m_, ns, model::ByteSize(NdInfoBlockReserve(g)), prefix);
      r != 0) {
    co_return m_.profile().nsio_enable_takes_size ? r : rc::kENXIO;
  }
  dev.pgmap = std::make_unique<DevPagemap>();
  if (const int r = NvdimmSetupPfn(m_, dev, *dev.pgmap, prefix); r != 0) {
    ReleaseNamespaceEnable(m_, ns);
    dev.pgmap.reset();
    co_return r;
  }
  ReleaseNamespaceEnable(m_, ns);
  m_.log().Printk(model::LogLevel::kWarning,
                  Cat(prefix, "unable to guarantee persistence of writes"));
  dev.reserved =
      m_.iomem().RequestMemRegion(ns.res.start, ns.res.Len(), ns.name);
  if (dev.reserved == nullptr) {
    m_.log().Printk(
        model::LogLevel::kWarning,
        Cat(prefix, "could not reserve region ", DecodedResource(ns.res)));
    dev.pgmap.reset();
    co_return rc::kEBUSY;
  }
  dev.pgmap->type = MemoryType::kDeviceFsDax;
  dev.pgmap->owner = &dev;
  // dev_to_node() of the pfn device: its region's node.
  const int r = co_await DevmMemremapPages(
      m_, pgmap_array_, model::NodeId(dev.region->numa_node), *dev.pgmap);
  if (r != 0) {
    dev.pgmap.reset();
    (void)m_.iomem().ReleaseMemRegion(dev.reserved->start,
                                      model::ByteSize(dev.reserved->Size()));
    dev.reserved = nullptr;
    co_return r;
  }
  dev.mapped = true;
  co_return 0;
}

Operation<bool> NvdimmBus::NdPfnRelease(NdPfn& dev) {
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  if (dev.driver == dax_pmem_name_) {
    (void)co_await DaxPmemRelease(*dax_bus_, m_, dev);
  } else {
    // nd_pmem_remove(), then devres: devm_memremap_pages_release, the
    // region.
    if (dev.mapped) {
      (void)co_await DevmMemunmapPages(m_, pgmap_array_, *dev.pgmap);
      dev.mapped = false;
    }
    dev.pgmap.reset();
    if (dev.reserved != nullptr) {
      (void)m_.iomem().ReleaseMemRegion(dev.reserved->start,
                                        model::ByteSize(dev.reserved->Size()));
      dev.reserved = nullptr;
    }
  }
  dev.pfn_sb.reset();
  dev.driver.clear();
  co_return true;
}

std::optional<int> NvdimmBus::NdPfnAttrStore(NdPfn& dev, std::string_view attr,
                                             std::string_view buf) {
  if (attr == "mode") return NdPfnModeStore(dev, buf);
  if (attr == "align") return NdPfnAlignStore(m_.geometry(), dev, buf);
  if (attr == "uuid") return NdPfnUuidStore(dev, buf);
  if (attr != "namespace") return std::nullopt;
  // nd_namespace_store().
  if (!dev.driver.empty()) return rc::kEBUSY;
  const std::string_view name = Strim(buf);
  if (!name.starts_with("namespace") && !name.empty()) return rc::kEINVAL;
  NdRegion& region = *dev.region;
  if (name.empty()) {
    // nd_detach_and_reset(): detached; a device that is not the seed is
    // idle now and goes, the seed is reset.
    if (dev.ndns != nullptr) {
      dev.ndns->claim = nullptr;
      dev.ndns = nullptr;
    }
    if (region.pfn_seed != &dev && region.dax_seed != &dev) {
      NdDeviceUnregister(dev);
    } else {
      dev.uuid.reset();
      dev.mode = PfnMode::kNone;
    }
    return 0;
  }
  if (dev.ndns != nullptr) return rc::kEBUSY;
  NdNamespaceIo* found = nullptr;
  for (NdNamespaceIo& ns : region.namespaces) {
    if (ns.name == name) found = &ns;
  }
  if (found == nullptr) return rc::kENODEV;
  // Claim class NONE: any personality may take a raw namespace.
  if (found->res.Len().value() < (uint64_t{16} << 20)) return rc::kENXIO;
  if (found->claim != nullptr) return rc::kEBUSY;
  found->claim = &dev;
  dev.ndns = found;
  return 0;
}

Operation<int> NvdimmBus::BindStore(std::string_view drv,
                                    std::string_view buf) {
  const bool nd_pmem = drv == "nd_pmem";
  if (NdNamespaceIo* ns = FindNamespace(buf); ns != nullptr) {
    // dax_pmem matches only dax devices.
    if (!nd_pmem) co_return rc::kENODEV;
    // device_driver_attach() -> __driver_probe_device().
    if (ns->bound) co_return rc::kEBUSY;
    const int r = co_await NdPmemAttach(*ns);
    co_return r;
  }
  if (NdPfn* dev = FindNdPfn(buf); dev != nullptr) {
    if (dev->is_dax() == nd_pmem) co_return rc::kENODEV;
    if (!dev->driver.empty()) co_return rc::kEBUSY;
    const int r = co_await NdPfnAttach(*dev, drv);
    co_return r;
  }
  // A btt seed matches nd_pmem, whose probe finds no namespace; regions and
  // the bus match neither driver.
  co_return rc::kENODEV;
}

Operation<int> NvdimmBus::UnbindStore(std::string_view drv,
                                      std::string_view buf) {
  if (NdNamespaceIo* ns = FindNamespace(buf); ns != nullptr) {
    if (drv != "nd_pmem" || !ns->bound) co_return rc::kENODEV;
    // device_driver_detach() -> device_release_driver().
    co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
    (void)co_await NdPmemRemove(*ns);
    co_return 0;
  }
  NdPfn* dev = FindNdPfn(buf);
  if (dev == nullptr || dev->driver != drv) co_return rc::kENODEV;
  (void)co_await NdPfnRelease(*dev);
  co_return 0;
}

Operation<bool> NvdimmBus::NdPmemRemove(NdNamespaceIo& ns) {
  // nd_pmem_remove(): sysfs_put, nvdimm_flush (nothing to model).
  // devres, last first: pmem_release_disk, devm_memremap_pages_release.
  if (ns.mapped) {
    (void)co_await DevmMemunmapPages(m_, pgmap_array_, *ns.pgmap);
    ns.mapped = false;
  }
  ns.pgmap.reset();
  ReleaseReserved(ns);
  ns.bound = false;
  co_return true;
}

}  // namespace memhp::hotplug
