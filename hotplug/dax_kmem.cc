#include "hotplug/dax_kmem.h"

#include "hotplug/memory_hotplug.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Operation;
using model::PhysAddr;
using model::Sprintf;
using model::Ull;

namespace {

std::string MappingText(size_t i, const InclusiveRange& r,
                        std::string_view what) {
  return Sprintf("mapping%zu: %#llx-%#llx ", i, Ull(r.start.value()),
                 Ull(r.end.value())) +
         std::string(what);
}

}  // namespace

int DaxKmemRange(const Machine& m, const DevDax& dev, size_t i,
                 InclusiveRange* r) {
  const InclusiveRange& range = dev.ranges[i].range;
  const uint64_t mb = m.blocks().block_size().value();
  const uint64_t start = (range.start.value() + mb - 1) / mb * mb;
  const uint64_t end = (range.end.value() + 1) / mb * mb - 1;
  if (start >= end) {
    *r = range;
    return rc::kENOSPC;
  }
  *r = {.start = PhysAddr(start), .end = PhysAddr(end)};
  return 0;
}

std::string StringGetSize(uint64_t size) {
  static constexpr const char* kUnits2[] = {"",   "Ki", "Mi", "Gi", "Ti",
                                            "Pi", "Ei", "Zi", "Yi"};
  static constexpr uint32_t kRounding[] = {500, 50, 5};
  constexpr uint64_t kDivisor = 1024;
  int i = 0;
  uint32_t remainder = 0;
  std::string tmp;
  if (size != 0) {
    // Napier's algorithm with blk_size 1: reduce below 2^32 (the remainders
    // dropped), then below the divisor keeping the last remainder.
    while ((size >> 32) != 0) {
      size /= kDivisor;
      ++i;
    }
    while (size >= kDivisor) {
      remainder = static_cast<uint32_t>(size % kDivisor);
      size /= kDivisor;
      ++i;
    }
    // How many digits of precision the remainder needs.
    uint32_t sf_cap = static_cast<uint32_t>(size);
    int j = 0;
    for (; sf_cap * 10 < 1000; ++j) sf_cap *= 10;
    // The remainder as a decimal fraction of 1 << 10.
    remainder *= 1000;
    remainder >>= 10;
    // An arithmetical round up of the digit below what is printed.
    remainder += kRounding[j];
    if (remainder >= 1000) {
      remainder -= 1000;
      size += 1;
    }
    if (j != 0) tmp = Sprintf(".%03u", remainder).substr(0, j + 1);
  }
  const char* unit = i >= 9 ? "UNK" : kUnits2[i];
  return Sprintf("%u%s %sB", static_cast<uint32_t>(size), tmp.c_str(), unit);
}

namespace {

// Kernel: drivers/dax/kmem.c dev_dax_kmem_probe (v5.3): the region's range
// aligned to the block size, reserved under the device's name and added
// with add_memory().
Operation<int> DevDaxKmemProbeV53(Machine& m, DevDax& dev) {
  const DaxRegion& region = *dev.region;
  const int numa_node = dev.target_node;
  const std::string res_text =
      PrintkResource(region.start(), region.end(), region.res->root()->flags,
                     /*raw=*/false);
  if (numa_node < 0) {
    m.log().Printk(model::LogLevel::kWarning,
                   Cat(DevPrefix(dev),
                       Sprintf("rejecting DAX region %s with invalid node: %d",
                               res_text.c_str(), numa_node)));
    co_return rc::kEINVAL;
  }
  const uint64_t mb = m.blocks().block_size().value();
  const uint64_t start = region.start().value();
  const uint64_t size = region.end().value() - start + 1;
  const uint64_t kmem_start = (start + mb - 1) / mb * mb;
  // Unsigned in the kernel: a region smaller than its alignment wraps.
  const uint64_t kmem_size = (size - (kmem_start - start)) & ~(mb - 1);
  const uint64_t kmem_end = kmem_start + kmem_size;
  // request_mem_region() of 0 bytes, or of a wrapped size, fails.
  Resource* res = nullptr;
  if (kmem_size != 0 && kmem_start - start <= size) {
    res = m.iomem().RequestMemRegion(PhysAddr(kmem_start),
                                     model::ByteSize(kmem_size), dev.name);
  }
  if (res == nullptr) {
    m.log().Printk(model::LogLevel::kWarning,
                   Cat(DevPrefix(dev),
                       Sprintf("could not reserve region [0x%016llx-0x%016llx]",
                               Ull(kmem_start), Ull(kmem_end))));
    co_return rc::kEBUSY;
  }
  res->flags = kIoresourceSystemRam;
  const int ret = co_await AddMemory(m, model::NodeId(numa_node), res->start,
                                     model::ByteSize(res->Size()), kMhpNone);
  if (ret != 0) {
    // v5.1 returned here: the reservation stays for good (4447e30357dc).
    if (!m.profile().kmem_add_failure_leaks_reservation) {
      (void)m.iomem().ReleaseResource(res);
    }
    co_return ret;
  }
  DevDax::KmemData data{.res_name = dev.name};
  data.res = {res};
  dev.kmem = std::move(data);
  co_return 0;
}

// Kernel: drivers/dax/kmem.c dev_dax_kmem_remove (v5.3): one
// remove_memory() of the whole reservation. v5.1
// (kmem_remove_leaks_reservation) only returns 0: "Purposely leak the
// request_mem_region() for the device-dax range and return '0' to ->remove()
// attempts"; the memory, its blocks and both resources stay until reboot.
Operation<bool> DevDaxKmemRemoveV53(Machine& m, DevDax& dev) {
  if (m.profile().kmem_remove_leaks_reservation) co_return true;
  Resource* res = dev.kmem->res[0];
  const int ret =
      co_await RemoveMemory(m, res->start, model::ByteSize(res->Size()));
  if (ret != 0) {
    m.log().Printk(model::LogLevel::kErr,
                   Cat(DevPrefix(dev), "DAX region ",
                       PrintkResource(res->start, res->end, res->flags,
                                      /*raw=*/false),
                       " cannot be hotremoved until the next reboot"));
    co_return true;  // the driver core ignores it: unbound anyway
  }
  (void)m.iomem().ReleaseResource(res);
  dev.kmem.reset();
  co_return true;
}

}  // namespace

Operation<int> DevDaxKmemProbe(DaxBus& bus, DevDax& dev) {
  Machine& m = bus.machine();
  if (!m.profile().kmem_multi_range) {
    const int ret = co_await DevDaxKmemProbeV53(m, dev);
    co_return ret;
  }
  // Good NUMA information for the memory, or no kmem.
  const int numa_node = dev.target_node;
  if (numa_node < 0) {
    m.log().Printk(
        model::LogLevel::kWarning,
        Cat(DevPrefix(dev),
            Sprintf("rejecting DAX region with invalid node: %d", numa_node)));
    co_return rc::kEINVAL;
  }
  // DIVERGENCE: v6.7+ computes the node's memory type here
  // (mt_calc_adistance, kmem_find_alloc_memory_type); tiers are not modelled.
  uint64_t total_len = 0;
  uint64_t orig_len = 0;
  for (size_t i = 0; i < dev.ranges.size(); ++i) {
    orig_len += dev.ranges[i].range.Len().value();
    InclusiveRange range;
    if (DaxKmemRange(m, dev, i, &range) != 0) {
      m.log().Printk(model::LogLevel::kInfo,
                     Cat(DevPrefix(dev),
                         MappingText(i, range, "too small after alignment")));
      continue;
    }
    total_len += range.Len().value();
  }
  if (total_len == 0) {
    m.log().Printk(model::LogLevel::kWarning,
                   Cat(DevPrefix(dev),
                       "rejecting DAX region without any memory after "
                       "alignment"));
    co_return rc::kEINVAL;
  }
  if (m.profile().kmem_warns_truncation && total_len != orig_len) {
    m.log().Printk(
        model::LogLevel::kWarning,
        Cat(DevPrefix(dev), "DAX region truncated by ",
            StringGetSize(orig_len - total_len), " due to alignment"));
  }
  DevDax::KmemData data{.res_name = dev.name};
  data.res.assign(dev.ranges.size(), nullptr);
  const uint64_t page = uint64_t{1} << m.geometry().page_shift();
  int rc = m.memory_groups().MemoryGroupRegisterStatic(
      model::NodeId(numa_node), model::NrPages((total_len + page - 1) / page));
  if (rc < 0) co_return rc;
  data.mgid = rc;
  int mapped = 0;
  for (size_t i = 0; i < dev.ranges.size(); ++i) {
    InclusiveRange range;
    if (DaxKmemRange(m, dev, i, &range) != 0) continue;
    // The region is reserved for good if hot-remove fails.
    Resource* res =
        m.iomem().RequestMemRegion(range.start, range.Len(), data.res_name);
    if (res == nullptr) {
      m.log().Printk(model::LogLevel::kWarning,
                     Cat(DevPrefix(dev),
                         MappingText(i, range, "could not reserve region")));
      // Once some memory is online it cannot be assumed to go offline.
      if (mapped != 0) continue;
      (void)m.memory_groups().MemoryGroupUnregister(data.mgid);
      co_return rc::kEBUSY;
    }
    data.res[i] = res;
    // System RAM's flags, without BUSY so add_memory can nest under it.
    res->flags = kIoresourceSystemRam;
    rc = co_await AddMemoryDriverManaged(m, MgidAsNid(data.mgid), range.start,
                                         range.Len(), std::string(kKmemName),
                                         kMhpNidIsMgid);
    if (rc != 0) {
      m.log().Printk(
          model::LogLevel::kWarning,
          Cat(DevPrefix(dev), MappingText(i, range, "memory add failed")));
      (void)m.iomem().RemoveResource(res);
      data.res[i] = nullptr;
      if (mapped != 0) continue;
      (void)m.memory_groups().MemoryGroupUnregister(data.mgid);
      co_return rc;
    }
    ++mapped;
  }
  dev.kmem = std::move(data);
  co_return 0;
}

Operation<bool> DevDaxKmemRemove(DaxBus& bus, DevDax& dev) {
  Machine& m = bus.machine();
  if (!m.profile().kmem_multi_range) {
    const bool done = co_await DevDaxKmemRemoveV53(m, dev);
    co_return done;
  }
  // One shot: a block still online makes remove_memory() fail, and the
  // unbind succeeds anyway.
  size_t success = 0;
  DevDax::KmemData& data = *dev.kmem;
  for (size_t i = 0; i < dev.ranges.size(); ++i) {
    InclusiveRange range;
    if (DaxKmemRange(m, dev, i, &range) != 0) continue;
    // The range was never added during probe.
    if (data.res[i] == nullptr) {
      ++success;
      continue;
    }
    const int rc = co_await RemoveMemory(m, range.start, range.Len());
    if (rc == 0) {
      (void)m.iomem().RemoveResource(data.res[i]);
      data.res[i] = nullptr;
      ++success;
      continue;
    }
    m.log().Printk(
        model::LogLevel::kErr,
        Cat(DevPrefix(dev), MappingText(i, range,
                                        "cannot be hotremoved until the next "
                                        "reboot")));
  }
  if (success >= dev.ranges.size()) {
    // memory_group_unregister: -EBUSY (ignored) while blocks remain.
    (void)m.memory_groups().MemoryGroupUnregister(data.mgid);
    dev.kmem.reset();
  }
  co_return true;
}

DaxDeviceDriver KmemDriver() {
  return DaxDeviceDriver{
      .name = "kmem",
      .match_always = false,
      .type = DaxDriverType::kKmem,
      .probe = [](DaxBus& bus,
                  DevDax& dev) { return DevDaxKmemProbe(bus, dev); },
      .remove = [](DaxBus& bus,
                   DevDax& dev) { return DevDaxKmemRemove(bus, dev); },
  };
}

}  // namespace memhp::hotplug
