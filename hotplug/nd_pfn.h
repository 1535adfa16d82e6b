// The pfn and dax personalities of a libnvdimm namespace, v6.1 (Debian
// linux-source-6.1 6.1.192):
//   drivers/nvdimm/pfn_devs.c   nd_pfn devices ("pfnR.N", fsdax), their
//                               attributes (mode, align, uuid, namespace),
//                               nd_pfn_validate, nd_pfn_init,
//                               nvdimm_setup_pfn (the info block, the
//                               altmap)
//   drivers/nvdimm/dax_devs.c   nd_dax devices ("daxR.N", devdax): an nd_pfn
//                               with the "NVDIMM_DAX_INFO" signature
//   drivers/nvdimm/core.c       nd_uuid_store, nd_size_select_store
//   lib/uuid.c                  uuid_parse
//
// The info block is the one piece of media the model keeps: struct
// nd_pfn_sb at offset SZ_4K of a namespace (NdNamespaceIo::info_block),
// written by nd_pfn_init and read by nd_pfn_validate, so it outlives the
// device that wrote it. The checksum (nd_fletcher64) is not computed: a
// block the model writes is always intact, and nothing else writes one.
// DIVERGENCE: badblocks are not modelled (nd_pfn_clear_memmap_errors only
// re-enables the namespace); the region is never read-only.

#ifndef MEMHP_HOTPLUG_ND_PFN_H_
#define MEMHP_HOTPLUG_ND_PFN_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hotplug/machine.h"
#include "hotplug/memremap.h"
#include "hotplug/resource.h"

namespace memhp::hotplug {

struct NdRegion;
struct NdNamespaceIo;
struct DaxRegion;
struct DevDax;

// enum nd_pfn_mode.
enum class PfnMode : uint32_t { kNone = 0, kRam = 1, kPmem = 2 };

// uuid_t, byte order as uuid_parse() stores it.
using Uuid = std::array<uint8_t, 16>;

// Kernel: lib/uuid.c uuid_parse (v6.1): the first 36 characters are
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits in either case, the
// dashes at 8, 13, 18 and 23); anything after them is ignored. nullopt is
// the kernel's -EINVAL.
std::optional<Uuid> UuidParse(std::string_view buf);

// struct nd_pfn_sb (drivers/nvdimm/pfn.h), the fields the kernel reads.
struct NdPfnSb {
  bool dax_sig = false;  // "NVDIMM_DAX_INFO" (DAX_SIG), else PFN_SIG
  Uuid uuid{};
  Uuid parent_uuid{};  // nd_dev_to_uuid(): uuid_null for a raw namespace
  PfnMode mode = PfnMode::kNone;
  uint64_t dataoff = 0;
  uint64_t npfns = 0;
  uint32_t start_pad = 0;
  uint32_t end_trunc = 0;
  uint32_t align = 0;
  uint16_t version_minor = 4;
  uint16_t page_struct_size = 64;  // MAX_STRUCT_PAGE_SIZE
  uint32_t page_size = 4096;
};

// The two device types sharing struct nd_pfn.
enum class NdPfnType { kPfn, kDax };

// struct nd_pfn (and struct nd_dax, which is an nd_pfn) with what its
// driver's probe left in devres.
struct NdPfn {
  NdPfnType type = NdPfnType::kPfn;
  int id = 0;        // pfn_ida / dax_ida of the region
  std::string name;  // "pfn%d.%d" / "dax%d.%d"
  NdRegion* region = nullptr;
  PfnMode mode = PfnMode::kNone;
  uint64_t align = 0;
  std::optional<Uuid> uuid;
  NdNamespaceIo* ndns = nullptr;  // the claimed namespace
  bool registered = false;        // nd_device_register() done
  std::string driver;             // "", "nd_pmem" or "dax_pmem"
  std::optional<NdPfnSb> pfn_sb;  // the probe's copy of the info block

  // nd_pmem (pmem_attach_disk of an fsdax namespace): the busy namespace
  // region and the pagemap with its altmap.
  Resource* reserved = nullptr;
  std::unique_ptr<DevPagemap> pgmap;
  bool mapped = false;
  // dax_pmem (__dax_pmem_probe): the metadata reservation, the static dax
  // region and its device.
  Resource* metadata = nullptr;
  DaxRegion* dax_region = nullptr;
  DevDax* dev_dax = nullptr;

  bool is_dax() const { return type == NdPfnType::kDax; }
};

// The kernel's values on x86_64: PAGE_SIZE, HPAGE_PMD_SIZE, HPAGE_PUD_SIZE
// (nd_pfn_supported_alignments with THP and
// HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD), the default PMD alignment
// (nd_pfn_default_alignment) and memremap_compat_align() (SUBSECTION_SIZE).
std::array<uint64_t, 3> NdPfnSupportedAlignments(const model::Geometry& g);
uint64_t NdPfnDefaultAlignment(const model::Geometry& g);
uint64_t MemremapCompatAlign(const model::Geometry& g);
// nd_info_block_reserve(): ALIGN(SZ_8K, PAGE_SIZE).
uint64_t NdInfoBlockReserve(const model::Geometry& g);

// Attribute stores of pfnR.N / daxR.N. Each returns 0 or -errno.
// Kernel: pfn_devs.c mode_store: -EBUSY while a driver is bound; "pmem",
// "ram", "none" (each with or without one newline, compared with strncmp
// over len - 1 bytes, as the kernel does); else -EINVAL.
int NdPfnModeStore(NdPfn& nd_pfn, std::string_view buf);
// Kernel: align_store -> core.c nd_size_select_store: -EBUSY bound;
// kstrtoul base 0's -errno; a size not among the supported ones -EINVAL.
int NdPfnAlignStore(const model::Geometry& g, NdPfn& nd_pfn,
                    std::string_view buf);
// Kernel: uuid_store -> core.c nd_uuid_store: -EBUSY bound, uuid_parse's
// -EINVAL.
int NdPfnUuidStore(NdPfn& nd_pfn, std::string_view buf);

// Kernel: nd_pfn_validate (v6.1): reads the namespace's info block;
// -ENODEV for none, another signature, another parent uuid, or (with the
// device's uuid set) another uuid; -ENXIO for an invalid mode; -EOPNOTSUPP
// with dev_err for a block this kernel cannot use ("init failed, ...",
// "alignment: %lx exceeds capacity %llx", "pfn array size exceeds capacity
// of %s", "bad offset: %#llx dax disabled align: %#lx", "resource start
// misaligned", "resource end misaligned"). A device without uuid adopts
// the block's uuid, align and mode. `prefix` is dev_printk's "DRIVER DEV: ".
int NdPfnValidate(Machine& m, NdPfn& nd_pfn, std::string_view prefix);

// Kernel: nvdimm_setup_pfn (v6.1): -ENODEV without uuid or namespace;
// nd_pfn_init (validate; when there is no block: "%s: start %pa misaligned
// to %#lx" -EINVAL, mode none -ENXIO, "%s unable to satisfy requested
// alignment" -ENXIO, else the block is written); then __nvdimm_setup_pfn:
// the pagemap's range (the namespace less start_pad and end_trunc) and, in
// mode pmem, the altmap (base at the subsection below the namespace, the
// info-block reserve, the memmap's pages free); mode ram needs dataoff at
// least the reserve (-EINVAL).
int NvdimmSetupPfn(Machine& m, NdPfn& nd_pfn, DevPagemap& pgmap,
                   std::string_view prefix);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_ND_PFN_H_
