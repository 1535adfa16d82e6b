#include "hotplug/nd_pfn.h"

#include <algorithm>
#include <cstring>

#include "hotplug/nvdimm.h"
#include "model/kstrtox.h"
#include "model/status.h"
#include "model/strings.h"

namespace memhp::hotplug {

namespace rc = model::rc;

using model::Cat;
using model::Sprintf;

namespace {

int HexToBin(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strncmp(a, b, n) over NUL-terminated strings: `a` is the written buffer
// (the kernel terminates it at len), `b` a literal.
bool StrncmpEqual(std::string_view a, std::string_view b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const char ca = i < a.size() ? a[i] : '\0';
    const char cb = i < b.size() ? b[i] : '\0';
    if (ca != cb) return false;
    if (ca == '\0') return true;
  }
  return true;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
uint64_t AlignDown(uint64_t v, uint64_t a) { return v / a * a; }
bool IsAligned(uint64_t v, uint64_t a) { return v % a == 0; }

// 1UL << ilog2(v), v > 0.
uint64_t RoundDownPow2(uint64_t v) {
  uint64_t p = 1;
  while (p <= v / 2) p <<= 1;
  return p;
}

// %pa of a phys_addr_t: "0x" and 16 hex digits.
std::string PrintPa(uint64_t a) {
  return Sprintf("0x%016llx", static_cast<unsigned long long>(a));
}

}  // namespace

std::optional<Uuid> UuidParse(std::string_view buf) {
  // uuid_is_valid() over UUID_STRING_LEN (36) characters.
  constexpr size_t kLen = 36;
  for (size_t i = 0; i < kLen; ++i) {
    const char c = i < buf.size() ? buf[i] : '\0';
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
    } else if (HexToBin(c) < 0) {
      return std::nullopt;
    }
  }
  // uuid_index is the identity for uuid_t.
  static constexpr std::array<size_t, 16> kSi = {
      0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
  Uuid out{};
  for (size_t i = 0; i < 16; ++i) {
    out[i] = static_cast<uint8_t>((HexToBin(buf[kSi[i]]) << 4) |
                                  HexToBin(buf[kSi[i] + 1]));
  }
  return out;
}

std::array<uint64_t, 3> NdPfnSupportedAlignments(const model::Geometry& g) {
  const uint64_t page = uint64_t{1} << g.page_shift();
  // HPAGE_PMD_SIZE and HPAGE_PUD_SIZE: one and two page-table levels up.
  const int bits = g.page_shift() - 3;
  return {page, page << bits, page << (2 * bits)};
}

uint64_t NdPfnDefaultAlignment(const model::Geometry& g) {
  return NdPfnSupportedAlignments(g)[1];
}

uint64_t MemremapCompatAlign(const model::Geometry& g) {
  return uint64_t{1} << g.subsection_shift();
}

uint64_t NdInfoBlockReserve(const model::Geometry& g) {
  return AlignUp(8192, uint64_t{1} << g.page_shift());
}

int NdPfnModeStore(NdPfn& nd_pfn, std::string_view buf) {
  if (!nd_pfn.driver.empty()) return rc::kEBUSY;
  // size_t n = len - 1; a zero-length write never gets here
  // (sysfs_kf_write).
  const size_t n = buf.size() - 1;
  auto is = [&](std::string_view word) {
    return StrncmpEqual(buf, Cat(word, "\n"), n) || StrncmpEqual(buf, word, n);
  };
  if (is("pmem")) {
    nd_pfn.mode = PfnMode::kPmem;
  } else if (is("ram")) {
    nd_pfn.mode = PfnMode::kRam;
  } else if (is("none")) {
    nd_pfn.mode = PfnMode::kNone;
  } else {
    return rc::kEINVAL;
  }
  return 0;
}

int NdPfnAlignStore(const model::Geometry& g, NdPfn& nd_pfn,
                    std::string_view buf) {
  if (!nd_pfn.driver.empty()) return rc::kEBUSY;
  const model::KstrtoResult<uint64_t> v = model::Kstrtoul(buf, 0);
  if (!v.ok()) return v.error;
  for (uint64_t a : NdPfnSupportedAlignments(g)) {
    if (v.value == a) {
      nd_pfn.align = a;
      return 0;
    }
  }
  return rc::kEINVAL;
}

int NdPfnUuidStore(NdPfn& nd_pfn, std::string_view buf) {
  if (!nd_pfn.driver.empty()) return rc::kEBUSY;
  std::optional<Uuid> u = UuidParse(buf);
  if (!u) return rc::kEINVAL;
  nd_pfn.uuid = *u;
  return 0;
}

int NdPfnValidate(Machine& m, NdPfn& nd_pfn, std::string_view prefix) {
  const model::Geometry& g = m.geometry();
  NdNamespaceIo* ndns = nd_pfn.ndns;
  if (ndns == nullptr) return rc::kENODEV;
  // nvdimm_read_bytes of SZ_4K: no block, or another signature.
  if (!ndns->info_block || ndns->info_block->dax_sig != nd_pfn.is_dax()) {
    return rc::kENODEV;
  }
  NdPfnSb sb = *ndns->info_block;
  // nd_dev_to_uuid(): a raw namespace's parent uuid is uuid_null.
  if (sb.parent_uuid != Uuid{}) return rc::kENODEV;
  if (sb.version_minor < 1) sb.start_pad = sb.end_trunc = 0;
  if (sb.version_minor < 2) sb.align = 0;
  if (sb.version_minor < 4) {
    sb.page_struct_size = 64;
    sb.page_size = static_cast<uint32_t>(uint64_t{1} << g.page_shift());
  }
  if (sb.mode != PfnMode::kRam && sb.mode != PfnMode::kPmem) {
    return rc::kENXIO;
  }
  uint64_t align = sb.align;
  const uint64_t offset = sb.dataoff;
  const uint64_t start_pad = sb.start_pad;
  if (align == 0) align = RoundDownPow2(offset);
  const PfnMode mode = sb.mode;
  const uint64_t page = uint64_t{1} << g.page_shift();
  // v5.4 made the refusals below -EOPNOTSUPP and added the page and
  // alignment checks; v5.3's errnos are the other operands.
  const bool eopnotsupp = m.profile().nd_pfn_eopnotsupp;
  if (eopnotsupp && sb.page_size > page && mode == PfnMode::kPmem) {
    m.log().Printk(model::LogLevel::kErr,
                   Sprintf("%sinit failed, page size mismatch %d",
                           std::string(prefix).c_str(), sb.page_size));
    return rc::kEOPNOTSUPP;
  }
  if (eopnotsupp && sb.page_struct_size < 64 && mode == PfnMode::kPmem) {
    m.log().Printk(model::LogLevel::kErr,
                   Sprintf("%sinit failed, struct page size mismatch %d",
                           std::string(prefix).c_str(), sb.page_struct_size));
    return rc::kEOPNOTSUPP;
  }
  const std::array<uint64_t, 3> supported = NdPfnSupportedAlignments(g);
  if (eopnotsupp &&
      std::find(supported.begin(), supported.end(), align) == supported.end() &&
      sb.dax_sig) {
    m.log().Printk(
        model::LogLevel::kErr,
        Sprintf("%sinit failed, alignment mismatch: %ld:%ld",
                std::string(prefix).c_str(), static_cast<long>(nd_pfn.align),
                static_cast<long>(align)));
    return rc::kEOPNOTSUPP;
  }
  if (!nd_pfn.uuid) {
    // Probing a namespace (nd_pfn_probe / nd_dax_probe): the device takes
    // the block's settings.
    nd_pfn.uuid = sb.uuid;
    nd_pfn.align = align;
    nd_pfn.mode = mode;
  } else {
    if (*nd_pfn.uuid != sb.uuid) return rc::kENODEV;
    if (nd_pfn.align != align || nd_pfn.mode != mode) {
      m.log().Printk(model::LogLevel::kErr,
                     Cat(prefix, "init failed, settings mismatch"));
      return eopnotsupp ? rc::kEOPNOTSUPP : rc::kEINVAL;
    }
  }
  const uint64_t capacity = ndns->res.Len().value();
  if (align > capacity) {
    m.log().Printk(
        model::LogLevel::kErr,
        Sprintf("%salignment: %lx exceeds capacity %llx",
                std::string(prefix).c_str(), static_cast<unsigned long>(align),
                static_cast<unsigned long long>(capacity)));
    return eopnotsupp ? rc::kEOPNOTSUPP : rc::kEINVAL;
  }
  const uint64_t start = ndns->res.start.value();
  if (offset >= capacity) {
    m.log().Printk(
        model::LogLevel::kErr,
        Cat(prefix, "pfn array size exceeds capacity of ", ndns->name));
    return eopnotsupp ? rc::kEOPNOTSUPP : rc::kEBUSY;
  }
  if ((align != 0 && !IsAligned(start + offset + start_pad, align)) ||
      !IsAligned(offset, page)) {
    m.log().Printk(model::LogLevel::kErr,
                   Sprintf("%sbad offset: %#llx dax disabled align: %#lx",
                           std::string(prefix).c_str(),
                           static_cast<unsigned long long>(offset),
                           static_cast<unsigned long>(align)));
    return eopnotsupp ? rc::kEOPNOTSUPP : rc::kENXIO;
  }
  const uint64_t compat = MemremapCompatAlign(g);
  if (!m.profile().nd_memremap_compat_align) {
    // v5.3: no compat-alignment checks; validation ends with
    // nd_pfn_clear_memmap_errors (no badblocks in the model).
    nd_pfn.pfn_sb = sb;
    return 0;
  }
  if (!IsAligned(start + sb.start_pad, compat)) {
    m.log().Printk(model::LogLevel::kErr,
                   Cat(prefix, "resource start misaligned"));
    return rc::kEOPNOTSUPP;
  }
  if (!IsAligned(ndns->res.end.value() + 1 - sb.end_trunc, compat)) {
    m.log().Printk(model::LogLevel::kErr,
                   Cat(prefix, "resource end misaligned"));
    return rc::kEOPNOTSUPP;
  }
  nd_pfn.pfn_sb = sb;
  return 0;
}

namespace {

// nd_pfn_clear_memmap_errors (v6.1): in mode pmem the namespace is
// re-enabled over the metadata (devm_namespace_disable +
// devm_namespace_enable(dataoff)); no badblocks to clear.
int NdPfnClearMemmapErrors(Machine& m, NdPfn& nd_pfn, std::string_view prefix) {
  if (nd_pfn.mode != PfnMode::kPmem) return 0;
  // v5.3: the namespace is enabled whole already.
  if (!m.profile().nsio_enable_takes_size) return 0;
  NdNamespaceIo& ns = *nd_pfn.ndns;
  ReleaseNamespaceEnable(m, ns);
  return DevmNamespaceEnable(m, ns, model::ByteSize(nd_pfn.pfn_sb->dataoff),
                             prefix);
}

// Kernel: drivers/nvdimm/pfn_devs.c trim_pfn_device (v5.2, the last
// release with section padding): a start_pad up to the next section when
// the section below the namespace holds System RAM or another region, an
// end_trunc down to min(section, align) when the section above does, or the
// end is not aligned to the device's align.
void TrimPfnDevice(Machine& m, const NdPfn& nd_pfn, uint64_t& start_pad,
                   uint64_t& end_trunc) {
  const model::Geometry& g = m.geometry();
  const NdNamespaceIo& ns = *nd_pfn.ndns;
  const NdRegion& region = *nd_pfn.region;
  const uint64_t section = g.PagesPerSection().value() << g.page_shift();
  const uint64_t start = ns.res.start.value();
  const uint64_t len = ns.res.Len().value();
  const uint64_t end = start + len;
  start_pad = 0;
  end_trunc = 0;
  auto mixed = [&](uint64_t s, uint64_t n) {
    return m.iomem().RegionIntersects(model::PhysAddr(s), model::ByteSize(n),
                                      kIoresourceSystemRam, IoresDesc::kNone) ==
           RegionIntersection::kMixed;
  };
  uint64_t adjust = start - AlignDown(start, section);
  uint64_t size = len + adjust;
  if (mixed(start - adjust, size) ||
      region.bus->NdRegionConflict(region, start - adjust, size)) {
    start_pad = AlignUp(start, section) - start;
  }
  adjust = AlignUp(end, section) - end;
  size = len + adjust;
  if (mixed(start, size) || !IsAligned(end, nd_pfn.align) ||
      region.bus->NdRegionConflict(region, start, size)) {
    // phys_pmem_align_down().
    end_trunc =
        end - std::min(AlignDown(end, section), AlignDown(end, nd_pfn.align));
  }
}

// Kernel: nd_pfn_init of v5.2 (nd_pfn_section_padding): trim_pfn_device,
// then the memmap reserve for section-aligned pfns and the data offset at
// max(align, PMD_SIZE) (mode pmem) or align (mode ram).
int NdPfnInitSectionPadded(Machine& m, NdPfn& nd_pfn, std::string_view prefix) {
  const model::Geometry& g = m.geometry();
  NdNamespaceIo& ns = *nd_pfn.ndns;
  const uint64_t page = uint64_t{1} << g.page_shift();
  const uint64_t reserve = NdInfoBlockReserve(g);
  uint64_t start_pad = 0;
  uint64_t end_trunc = 0;
  TrimPfnDevice(m, nd_pfn, start_pad, end_trunc);
  if (start_pad + end_trunc != 0) {
    m.log().Printk(model::LogLevel::kInfo,
                   Sprintf("%s%s alignment collision, truncate %d bytes",
                           std::string(prefix).c_str(), ns.name.c_str(),
                           static_cast<int>(start_pad + end_trunc)));
  }
  const uint64_t start = ns.res.start.value() + start_pad;
  const uint64_t size = ns.res.Len().value();
  const uint64_t per_section = g.PagesPerSection().value();
  const uint64_t npfns_reserved =
      AlignUp((size - start_pad - end_trunc - reserve) / page, per_section);
  uint64_t offset = 0;
  if (nd_pfn.mode == PfnMode::kPmem) {
    const uint64_t pmd = NdPfnSupportedAlignments(g)[1];
    offset = AlignUp(start + reserve + 64 * npfns_reserved,
                     std::max(nd_pfn.align, pmd)) -
             start;
  } else if (nd_pfn.mode == PfnMode::kRam) {
    offset = AlignUp(start + reserve, nd_pfn.align) - start;
  } else {
    return rc::kENXIO;
  }
  if (offset + start_pad + end_trunc >= size) {
    m.log().Printk(
        model::LogLevel::kErr,
        Cat(prefix, ns.name, " unable to satisfy requested alignment"));
    return rc::kENXIO;
  }
  NdPfnSb sb;
  sb.dax_sig = nd_pfn.is_dax();
  sb.uuid = *nd_pfn.uuid;
  sb.mode = nd_pfn.mode;
  sb.dataoff = offset;
  sb.npfns = (size - offset - start_pad - end_trunc) / 4096;
  sb.start_pad = static_cast<uint32_t>(start_pad);
  sb.end_trunc = static_cast<uint32_t>(end_trunc);
  sb.align = static_cast<uint32_t>(nd_pfn.align);
  sb.version_minor = 3;
  sb.page_struct_size = 0;
  sb.page_size = 0;
  nd_pfn.pfn_sb = sb;
  ns.info_block = sb;
  return 0;
}

// Kernel: nd_pfn_init (v6.1).
int NdPfnInit(Machine& m, NdPfn& nd_pfn, std::string_view prefix) {
  const model::Geometry& g = m.geometry();
  int r = NdPfnValidate(m, nd_pfn, prefix);
  if (r == 0) return NdPfnClearMemmapErrors(m, nd_pfn, prefix);
  if (r != rc::kENODEV) return r;
  // No info block: init.
  if (m.profile().nd_pfn_section_padding) {
    return NdPfnInitSectionPadded(m, nd_pfn, prefix);
  }
  NdNamespaceIo& ns = *nd_pfn.ndns;
  const uint64_t page = uint64_t{1} << g.page_shift();
  const uint64_t start = ns.res.start.value();
  const uint64_t size = ns.res.Len().value();
  uint64_t npfns = (size - 8192) / page;
  const uint64_t compat = MemremapCompatAlign(g);
  const uint64_t align = std::max(nd_pfn.align, compat);
  if (m.profile().nd_memremap_compat_align && !IsAligned(start, compat)) {
    m.log().Printk(
        model::LogLevel::kErr,
        Sprintf("%s%s: start %s misaligned to %#lx",
                std::string(prefix).c_str(), ns.name.c_str(),
                PrintPa(start).c_str(), static_cast<unsigned long>(compat)));
    return rc::kEINVAL;
  }
  const uint64_t end_trunc = start + size - AlignDown(start + size, align);
  uint64_t offset = 0;
  if (nd_pfn.mode == PfnMode::kPmem) {
    // MAX_STRUCT_PAGE_SIZE (64) bytes of memmap a pfn, in the namespace.
    const uint64_t page_map_size = 64 * npfns;
    offset = AlignUp(start + 8192 + page_map_size, align) - start;
  } else if (nd_pfn.mode == PfnMode::kRam) {
    offset = AlignUp(start + 8192, align) - start;
  } else {
    return rc::kENXIO;
  }
  if (offset >= size) {
    m.log().Printk(
        model::LogLevel::kErr,
        Cat(prefix, ns.name, " unable to satisfy requested alignment"));
    return rc::kENXIO;
  }
  npfns = (size - offset - end_trunc) / page;
  NdPfnSb sb;
  sb.dax_sig = nd_pfn.is_dax();
  sb.uuid = *nd_pfn.uuid;
  sb.mode = nd_pfn.mode;
  sb.dataoff = offset;
  sb.npfns = npfns;
  sb.end_trunc = static_cast<uint32_t>(end_trunc);
  sb.align = static_cast<uint32_t>(nd_pfn.align);
  sb.page_size = static_cast<uint32_t>(page);
  nd_pfn.pfn_sb = sb;
  r = NdPfnClearMemmapErrors(m, nd_pfn, prefix);
  if (r != 0) return r;
  // nvdimm_write_bytes(ndns, SZ_4K, pfn_sb, ...).
  ns.info_block = sb;
  return 0;
}

}  // namespace

int NvdimmSetupPfn(Machine& m, NdPfn& nd_pfn, DevPagemap& pgmap,
                   std::string_view prefix) {
  const model::Geometry& g = m.geometry();
  if (!nd_pfn.uuid || nd_pfn.ndns == nullptr) return rc::kENODEV;
  if (const int r = NdPfnInit(m, nd_pfn, prefix); r != 0) return r;
  // __nvdimm_setup_pfn().
  const NdPfnSb& sb = *nd_pfn.pfn_sb;
  const NdNamespaceIo& ns = *nd_pfn.ndns;
  const uint64_t reserve = NdInfoBlockReserve(g);
  const uint64_t base = ns.res.start.value() + sb.start_pad;
  const uint64_t end = ns.res.end.value() - sb.end_trunc;
  pgmap.ranges = {
      {.start = model::PhysAddr(base), .end = model::PhysAddr(end)}};
  pgmap.nr_range = 1;
  if (nd_pfn.mode == PfnMode::kRam) {
    if (sb.dataoff < reserve) return rc::kEINVAL;
  } else if (nd_pfn.mode == PfnMode::kPmem) {
    const uint64_t range_len = end - base + 1;
    uint64_t npfns = (range_len - sb.dataoff) >> g.page_shift();
    // Before v5.3 counted in whole sections.
    const bool padded = m.profile().nd_pfn_section_padding;
    if (padded) npfns = AlignUp(npfns, g.PagesPerSection().value());
    if (sb.npfns > npfns) {
      m.log().Printk(
          model::LogLevel::kInfo,
          Sprintf("%snumber of pfns truncated from %lld to %ld",
                  std::string(prefix).c_str(), static_cast<long long>(sb.npfns),
                  static_cast<long>(npfns)));
    }
    // init_altmap_base / init_altmap_reserve: from the subsection below
    // the namespace.
    const uint64_t base_pfn = base >> g.page_shift();
    // init_altmap_base: the sub-section (v5.1: the section) below the
    // namespace.
    const uint64_t per_sub =
        padded ? g.PagesPerSection().value() : g.PagesPerSubsection().value();
    const uint64_t aligned_pfn = AlignDown(base_pfn, per_sub);
    pgmap.altmap.base_pfn = model::Pfn(aligned_pfn);
    pgmap.altmap.reserve =
        model::NrPages((reserve >> g.page_shift()) + (base_pfn - aligned_pfn));
    pgmap.altmap.free =
        model::NrPages((sb.dataoff - reserve) >> g.page_shift());
    pgmap.altmap.alloc = model::NrPages(0);
    pgmap.flags |= kPgmapAltmapValid;
  } else {
    return rc::kENXIO;
  }
  return 0;
}

}  // namespace memhp::hotplug
