#include "hotplug/dax_sysfs.h"

#include <string>

#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::Errno;
using model::Operation;

namespace {

constexpr std::string_view kBusRoot = "/sys/bus/dax/";
constexpr std::string_view kPlatformRoot = "/sys/devices/platform/";
constexpr std::string_view kNdRoot = "/sys/bus/nd/";

Operation<absl::Status> Fail(Errno e, std::string what) {
  co_return model::KernelError(e, what);
}

Operation<absl::Status> Done(absl::Status s) { co_return s; }

// A store's return value as the writer sees it.
Operation<absl::Status> AsStatus(Operation<int> op, std::string path) {
  const int rc = co_await std::move(op);
  if (rc >= 0) co_return absl::OkStatus();
  co_return model::KernelError(static_cast<Errno>(-rc), path);
}

// The attributes of a dax device directory.
std::optional<Operation<absl::Status>> DeviceAttrWrite(DaxBus& bus, DevDax& dev,
                                                       std::string_view attr,
                                                       std::string_view value,
                                                       const std::string& p) {
  const bool is_static = dev.region->IsStatic();
  // v5.3 devices have no align, mapping or numa_node attribute.
  const bool multi = bus.machine().profile().dev_dax_multi_range;
  if (!multi && (attr == "align" || attr == "mapping" || attr == "numa_node")) {
    return Fail(Errno::kENOENT, p);
  }
  if (attr == "size") {
    if (is_static) return Fail(Errno::kEACCES, p);
    return AsStatus(bus.SizeStore(dev, value), p);
  }
  if (attr == "align") {
    if (is_static) return Fail(Errno::kEACCES, p);
    return AsStatus(bus.AlignStore(dev, value), p);
  }
  if (attr == "mapping") {
    if (is_static) return Fail(Errno::kENOENT, p);
    return AsStatus(bus.MappingStore(dev, value), p);
  }
  if (attr == "modalias" || attr == "target_node" || attr == "resource" ||
      attr == "numa_node" || attr == "dev") {
    // target_node is hidden when the region's node is < 0.
    if (attr == "target_node" && dev.region->target_node < 0) {
      return Fail(Errno::kENOENT, p);
    }
    return Fail(Errno::kEACCES, p);
  }
  if (attr == "uevent") return std::nullopt;
  return Fail(Errno::kENOENT, p);
}

// /sys/bus/nd: the nd bus of libnvdimm, its drivers and devices.
std::optional<Operation<absl::Status>> NdSysfsWrite(DaxModules& dax,
                                                    std::string_view rest,
                                                    std::string_view value,
                                                    const std::string& p) {
  NvdimmBus& nd = dax.nvdimm();
  // The bus's own files (uevent, drivers_probe, drivers_autoprobe) are
  // writable and not modelled.
  if (rest == "uevent" || rest == "drivers_probe" ||
      rest == "drivers_autoprobe") {
    return std::nullopt;
  }
  const std::vector<std::string_view> parts = model::Split(rest, '/');
  if (parts.size() == 3 && parts[0] == "drivers") {
    const std::string_view drv = parts[1];
    const std::string_view attr = parts[2];
    // The nd drivers the guest's modules register: libnvdimm's nd_bus,
    // nd_region and nvdimm, then nd_pmem and dax_pmem (or
    // dax_pmem_compat).
    const bool dax_pmem =
        !nd.dax_pmem_name().empty() && drv == nd.dax_pmem_name();
    const bool exists = drv == "nd_bus" || drv == "nd_region" ||
                        drv == "nvdimm" || drv == "nd_pmem" || dax_pmem;
    if (!exists) return Fail(Errno::kENOENT, p);
    // bind and unbind (add_bind_files), uevent; the nd bus has no new_id.
    if (attr == "uevent") return std::nullopt;
    if (drv == "nd_pmem" || dax_pmem) {
      if (attr == "bind") return AsStatus(nd.BindStore(drv, value), p);
      if (attr == "unbind") return AsStatus(nd.UnbindStore(drv, value), p);
      // The links to bound devices and to the module are directories.
      const NdNamespaceIo* ns = nd.FindNamespace(attr);
      const NdPfn* dev = nd.FindNdPfn(attr);
      if (attr == "module" ||
          (drv == "nd_pmem" && ns != nullptr && ns->bound) ||
          (dev != nullptr && dev->driver == drv)) {
        return std::nullopt;
      }
      return Fail(Errno::kENOENT, p);
    }
    // The other drivers' bind/unbind are not modelled.
    if (attr == "bind" || attr == "unbind") return std::nullopt;
    return Fail(Errno::kENOENT, p);
  }
  if (parts.size() >= 2 && parts[0] == "devices") {
    if (!nd.HasDevice(parts[1])) return Fail(Errno::kENOENT, p);
    // pfnR.N / daxR.N (pfn_devs.c nd_pfn_attributes, nd_device_attribute_
    // group, nd_numa_attribute_group): mode, namespace, uuid and align are
    // 0644, resource 0400, size, supported_alignments, modalias, devtype,
    // numa_node and target_node 0444 (-EACCES).
    NdPfn* dev = nd.FindNdPfn(parts[1]);
    if (dev != nullptr && parts.size() == 3) {
      const std::string_view attr = parts[2];
      // A zero-length write never reaches the store (sysfs_kf_write).
      if (value.empty() && (attr == "mode" || attr == "namespace" ||
                            attr == "uuid" || attr == "align")) {
        return Done(absl::OkStatus());
      }
      if (std::optional<int> r = nd.NdPfnAttrStore(*dev, attr, value)) {
        const int rc = *r;
        if (rc == 0) return Done(absl::OkStatus());
        return Fail(static_cast<Errno>(-rc), p);
      }
      if (attr == "resource" || attr == "size" ||
          attr == "supported_alignments" || attr == "modalias" ||
          attr == "devtype" || attr == "numa_node" || attr == "target_node") {
        return Fail(Errno::kEACCES, p);
      }
      if (attr == "uevent") return std::nullopt;
      return Fail(Errno::kENOENT, p);
    }
    // The attributes of the other nd devices are not modelled.
    return std::nullopt;
  }
  return Fail(Errno::kENOENT, p);
}

}  // namespace

std::optional<Operation<absl::Status>> DaxSysfsWrite(DaxModules& dax,
                                                     std::string_view path,
                                                     std::string_view value) {
  DaxBus& bus = dax.bus();
  const std::string p(path);
  if (path.starts_with(kBusRoot)) {
    const std::string_view rest = path.substr(kBusRoot.size());
    if (rest == "drivers_probe") {
      return AsStatus(bus.DriversProbeStore(value), p);
    }
    if (rest == "drivers_autoprobe") {
      (void)bus.DriversAutoprobeStore(value);
      return Done(absl::OkStatus());
    }
    if (rest == "uevent") return std::nullopt;
    const std::vector<std::string_view> parts = model::Split(rest, '/');
    if (parts.size() == 3 && parts[0] == "drivers") {
      DaxDeviceDriver* drv = bus.FindDriver(parts[1]);
      if (drv == nullptr) return Fail(Errno::kENOENT, p);
      const std::string_view attr = parts[2];
      if (attr == "new_id") return AsStatus(bus.NewIdStore(*drv, value), p);
      if (attr == "remove_id") {
        return AsStatus(bus.RemoveIdStore(*drv, value), p);
      }
      if (attr == "bind") return AsStatus(bus.BindStore(*drv, value), p);
      if (attr == "unbind") return AsStatus(bus.UnbindStore(*drv, value), p);
      if (attr == "uevent") return std::nullopt;
      return Fail(Errno::kENOENT, p);
    }
    if (parts.size() == 3 && parts[0] == "devices") {
      DevDax* dev = bus.FindDevice(parts[1]);
      if (dev == nullptr || dev->name != parts[1]) {
        return Fail(Errno::kENOENT, p);
      }
      return DeviceAttrWrite(bus, *dev, parts[2], value, p);
    }
    return Fail(Errno::kENOENT, p);
  }
  if (path.starts_with(kNdRoot)) {
    return NdSysfsWrite(dax, path.substr(kNdRoot.size()), value, p);
  }
  if (path.starts_with(kPlatformRoot)) {
    const std::string_view rest = path.substr(kPlatformRoot.size());
    const std::vector<std::string_view> parts = model::Split(rest, '/');
    if (parts.empty() || !parts[0].starts_with("hmem.")) return std::nullopt;
    HmemDevice* pdev = dax.hmem().Find(parts[0]);
    if (pdev == nullptr) return Fail(Errno::kENOENT, p);
    DaxRegion* region = bus.FindRegion(pdev->name);
    if (parts.size() == 3 && parts[1] == "dax_region" && region != nullptr) {
      const std::string_view attr = parts[2];
      const bool is_static = region->IsStatic();
      if (attr == "create" && !is_static) {
        return AsStatus(bus.CreateStore(*region, value), p);
      }
      if (attr == "delete" && !is_static) {
        return AsStatus(bus.DeleteStore(*region, value), p);
      }
      if (attr == "id" || attr == "size" || attr == "align" ||
          ((attr == "available_size" || attr == "seed") && !is_static)) {
        return Fail(Errno::kEACCES, p);
      }
      return Fail(Errno::kENOENT, p);
    }
    if (parts.size() == 3) {
      DevDax* dev = bus.FindDevice(parts[1]);
      if (dev != nullptr && dev->region == region && dev->name == parts[1]) {
        return DeviceAttrWrite(bus, *dev, parts[2], value, p);
      }
    }
    return Fail(Errno::kENOENT, p);
  }
  return std::nullopt;
}

}  // namespace memhp::hotplug
