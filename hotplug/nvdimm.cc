#include "hotplug/nvdimm.h"

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

}  // namespace

NvdimmBus::NvdimmBus(Machine& m, DevPagemapRegistry& pgmap_array)
    : m_(m), pgmap_array_(pgmap_array) {}

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
    if (name == r.name) return true;
    for (const NdNamespaceIo& ns : r.namespaces) {
      if (name == ns.name) return true;
    }
  }
  return false;
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
    int numa_node = nid;
    if (nid >= 0 && !m_.NodeOnline(model::NodeId(nid))) {
      // numa_map_to_online_node(): without a SLIT the lowest online node.
      for (int n = 0; n < (1 << 10); ++n) {
        if (m_.NodeOnline(model::NodeId(n))) {
          numa_node = n;
          break;
        }
      }
    }
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
                        .pagemap = true});
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
  }
  co_return 0;
}

Operation<int> NvdimmBus::NdPmemAttach(NdNamespaceIo& ns) {
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  const int rc = co_await NdPmemProbe(ns);
  if (rc == 0) {
    ns.bound = true;
  } else if (rc != rc::kENODEV && rc != rc::kENXIO) {
    m_.log().Printk(model::LogLevel::kWarning,
                    Sprintf("nd_pmem: probe of %s failed with error %d",
                            ns.name.c_str(), rc));
  }
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
  // nvdimm_namespace_common_probe(): a raw namespace is never claimed and
  // never locked.
  const uint64_t page = uint64_t{1} << g.page_shift();
  if (ns.res.Len().value() < page) co_return rc::kENODEV;
  // pmem_should_map_pages(): ZONE_DEVICE, ND_REGION_PAGEMAP, no personality,
  // not force_raw, not mixed with System RAM; x86's ARCH_MEMREMAP_PMEM is
  // MEMREMAP_WB.
  const bool map_pages = ns.region->pagemap &&
                         m_.iomem().RegionIntersects(
                             ns.res.start, ns.res.Len(), kIoresourceSystemRam,
                             IoresDesc::kNone) != RegionIntersection::kMixed;
  if (map_pages) {
    // memremap_compat_align(): SUBSECTION_SIZE (x86 has no override).
    const uint64_t align = uint64_t{1} << g.subsection_shift();
    if (((ns.res.start.value() | (ns.res.end.value() + 1)) & (align - 1)) !=
        0) {
      m_.log().Printk(
          model::LogLevel::kErr,
          Cat(NsPrefix(ns), RawResource(ns.res), " misaligned, unable to map"));
      co_return rc::kEOPNOTSUPP;
    }
  }
  // devm_namespace_enable() -> devm_nsio_enable().
  Resource* probe_res =
      m_.iomem().RequestMemRegion(ns.res.start, ns.res.Len(), ns.name);
  if (probe_res == nullptr) {
    m_.log().Printk(model::LogLevel::kWarning,
                    Cat(NsPrefix(ns), "could not reserve region ",
                        DecodedResource(ns.res)));
    co_return rc::kEBUSY;
  }
  // nd_btt_probe, nd_pfn_probe, nd_dax_probe: no info block (DIVERGENCE in
  // the header); devm_namespace_disable() releases the region again.
  (void)m_.iomem().ReleaseMemRegion(ns.res.start, ns.res.Len());
  // pmem_attach_disk(): devm_namespace_enable/disable once more (the raw
  // namespace has no pfn info block to parse), then the flush check.
  probe_res = m_.iomem().RequestMemRegion(ns.res.start, ns.res.Len(), ns.name);
  if (probe_res == nullptr) {
    m_.log().Printk(model::LogLevel::kWarning,
                    Cat(NsPrefix(ns), "could not reserve region ",
                        DecodedResource(ns.res)));
    co_return rc::kEBUSY;
  }
  (void)m_.iomem().ReleaseMemRegion(ns.res.start, ns.res.Len());
  // nvdimm_has_flush(): -ENXIO for a region without mappings.
  m_.log().Printk(
      model::LogLevel::kWarning,
      Cat(NsPrefix(ns), "unable to guarantee persistence of writes"));
  ns.reserved =
      m_.iomem().RequestMemRegion(ns.res.start, ns.res.Len(), ns.name);
  if (ns.reserved == nullptr) {
    m_.log().Printk(model::LogLevel::kWarning,
                    Cat(NsPrefix(ns), "could not reserve region ",
                        DecodedResource(ns.res)));
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

Operation<int> NvdimmBus::NdPmemBindStore(std::string_view buf) {
  NdNamespaceIo* ns = FindNamespace(buf);
  // Any other nd device: no match (regions, the bus) or a seed whose
  // nvdimm_namespace_common_probe() is -ENODEV; both end as -ENODEV.
  if (ns == nullptr) co_return rc::kENODEV;
  // device_driver_attach() -> __driver_probe_device().
  if (ns->bound) co_return rc::kEBUSY;
  const int rc = co_await NdPmemAttach(*ns);
  co_return rc;
}

Operation<int> NvdimmBus::NdPmemUnbindStore(std::string_view buf) {
  NdNamespaceIo* ns = FindNamespace(buf);
  if (ns == nullptr || !ns->bound) co_return rc::kENODEV;
  // device_driver_detach() -> device_release_driver().
  co_await model::Suspend(model::SuspendKind::kLockAcquire, "device_lock");
  (void)co_await NdPmemRemove(*ns);
  co_return 0;
}

}  // namespace memhp::hotplug
