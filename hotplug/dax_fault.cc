#include "hotplug/dax_fault.h"

#include <algorithm>
#include <array>
#include <utility>

#include "model/check.h"
#include "model/strings.h"

namespace memhp::hotplug {

using model::ByteSize;
using model::Errno;
using model::LogLevel;
using model::PhysAddr;
using model::Sprintf;

namespace {

// KBUILD_MODNAME of drivers/dax/device.c, the driver name dev_printk puts
// before the device name while device_dax is bound.
constexpr std::string_view kDriverName = "device_dax";
constexpr int kPageShift = 12;

// dev_info_ratelimited(&dev_dax->dev, ...).
void DevInfo(const DaxEnv& env, const DevDaxView& dev_dax,
             const std::string& text) {
  if (env.log == nullptr) return;
  env.log->Printk(LogLevel::kInfo,
                  model::Cat(kDriverName, " ", dev_dax.name, ": ", text));
}

// dev_dbg(&dev_dax->dev, ...): printed only when its site is enabled.
void DevDbg(const DaxEnv& env, const DevDaxView& dev_dax,
            const std::string& text) {
  if (env.log == nullptr || !env.dyndbg) return;
  env.log->Printk(LogLevel::kDebug,
                  model::Cat(kDriverName, " ", dev_dax.name, ": ", text));
}

// linear_page_index(vma, address) for a vma that is not hugetlb.
Pgoff LinearPageIndex(const Vma& vma, UserAddr address) {
  return vma.vm_pgoff +
         model::NrPages((address.value() - vma.vm_start.value()) >> kPageShift);
}

void CheckFault(const VmFault& vmf) {
  MEMHP_CHECK(vmf.vma != nullptr) << "vm_fault without a vma";
  MEMHP_CHECK(vmf.vma->vm_start <= vmf.address && vmf.address < vmf.vma->vm_end)
      << "fault at " << vmf.address << " outside the vma [" << vmf.vma->vm_start
      << ", " << vmf.vma->vm_end << ")";
}

// __dev_dax_pmd_fault and __dev_dax_pud_fault differ only in their size,
// their insert function and their __func__.
VmFaultResult DevDaxHugeSizeFault(const DevDaxView& dev_dax, VmFault& vmf,
                                  const DaxEnv& env, PageEntrySize pe_size,
                                  std::string_view func) {
  CheckFault(vmf);
  const Vma& vma = *vmf.vma;
  const uint64_t fault_size = PageEntryBytes(pe_size).value();
  // pmd_addr / pud_addr.
  const uint64_t block = vmf.address.value() & ~(fault_size - 1);
  const uint64_t align = dev_dax.align.value();

  if (!CheckVma(dev_dax, vma, func, env).ok()) return VmFaultResult::kSigbus;

  if (align > fault_size) {
    DevDbg(env, dev_dax,
           Sprintf("alignment (%#x) > fault size (%#x)",
                   static_cast<unsigned>(align),
                   static_cast<unsigned>(fault_size)));
    return VmFaultResult::kSigbus;
  }

  // The first branch repeats the test above; the kernel has both.
  if (fault_size < align) {
    return VmFaultResult::kSigbus;
  } else if (fault_size > align) {
    return VmFaultResult::kFallback;
  }

  // Outside of the VMA: check_vma's alignment test above makes this
  // unreachable for a fault inside the vma.
  if (block < vma.vm_start.value() || block + fault_size > vma.vm_end.value()) {
    return VmFaultResult::kSigbus;
  }

  const Pgoff pgoff = LinearPageIndex(vma, UserAddr(block));
  const std::optional<PhysAddr> phys =
      DaxPgoffToPhys(dev_dax, pgoff, ByteSize(fault_size));
  if (!phys) {
    DevDbg(env, dev_dax, Sprintf("pgoff_to_phys(%#lx) failed", pgoff.value()));
    return VmFaultResult::kSigbus;
  }
  // vmf_insert_pfn_pmd / vmf_insert_pfn_pud.
  vmf.inserted = DaxInsertion{pe_size, UserAddr(block), *phys};
  return VmFaultResult::kNopage;
}

// hugepage_vma_check(vma, vma->vm_flags, false, true, true) as
// __handle_mm_fault calls it.
bool HugepageVmaCheck(const Vma& vma, const DaxEnv& env) {
  // Without CONFIG_TRANSPARENT_HUGEPAGE the kernel's version returns false.
  if (!env.transparent_hugepage) return false;
  if ((vma.vm_flags & kVmNohugepage) != 0 || env.mmf_disable_thp) return false;
  if (env.thp_never_dax) return false;
  // khugepaged does not collapse DAX vmas, but the page fault may.
  if (vma.vm_file_is_dax) return true;  // in_pf
  // A file vma that is not DAX: whatever VM_HUGEPAGE and the sysfs mode
  // say, it ends at !vma_is_anonymous().
  return false;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, UserAddr a) {
  return os << Sprintf("%#lx", a.value());
}

std::ostream& operator<<(std::ostream& os, Pgoff p) {
  return os << Sprintf("pgoff %#lx", p.value());
}

std::ostream& operator<<(std::ostream& os, const DaxInsertion& i) {
  return os << PageEntrySizeName(i.pe_size) << " at " << i.addr << " -> "
            << i.phys;
}

std::string_view VmFaultName(VmFaultResult r) {
  switch (r) {
    case VmFaultResult::kNone:
      return "0";
    case VmFaultResult::kOom:
      return "VM_FAULT_OOM";
    case VmFaultResult::kSigbus:
      return "VM_FAULT_SIGBUS";
    case VmFaultResult::kNopage:
      return "VM_FAULT_NOPAGE";
    case VmFaultResult::kFallback:
      return "VM_FAULT_FALLBACK";
  }
  return "VM_FAULT_?";
}

std::ostream& operator<<(std::ostream& os, VmFaultResult r) {
  return os << VmFaultName(r);
}

std::string_view PageEntrySizeName(PageEntrySize s) {
  switch (s) {
    case PageEntrySize::kPte:
      return "PE_SIZE_PTE";
    case PageEntrySize::kPmd:
      return "PE_SIZE_PMD";
    case PageEntrySize::kPud:
      return "PE_SIZE_PUD";
  }
  return "PE_SIZE_?";
}

std::ostream& operator<<(std::ostream& os, PageEntrySize s) {
  return os << PageEntrySizeName(s);
}

ByteSize PageEntryBytes(PageEntrySize s) {
  switch (s) {
    case PageEntrySize::kPte:
      return kPageSizeX86_64;
    case PageEntrySize::kPmd:
      return kPmdSizeX86_64;
    case PageEntrySize::kPud:
      return kPudSizeX86_64;
  }
  MEMHP_CHECK(false) << "bad page_entry_size " << static_cast<int>(s);
  return ByteSize(0);
}

absl::Status CheckVma(const DevDaxView& dev_dax, const Vma& vma,
                      std::string_view func, const DaxEnv& env) {
  if (!dev_dax.alive) return model::KernelError(Errno::kENXIO, "dax_alive");

  // Private mappings are refused: MAP_SHARED sets VM_MAYSHARE even when a
  // read-only file descriptor drops VM_SHARED.
  if ((vma.vm_flags & kVmMayshare) != kVmMayshare) {
    DevInfo(env, dev_dax,
            Sprintf("%s: %s: fail, attempted private mapping", env.comm.c_str(),
                    std::string(func).c_str()));
    return model::KernelError(Errno::kEINVAL, "attempted private mapping");
  }

  const uint64_t mask = dev_dax.align.value() - 1;
  if ((vma.vm_start.value() & mask) != 0 || (vma.vm_end.value() & mask) != 0) {
    DevInfo(env, dev_dax,
            Sprintf("%s: %s: fail, unaligned vma (%#lx - %#lx, %#lx)",
                    env.comm.c_str(), std::string(func).c_str(),
                    vma.vm_start.value(), vma.vm_end.value(), mask));
    return model::KernelError(Errno::kEINVAL, "unaligned vma");
  }

  if (!vma.vm_file_is_dax) {
    DevInfo(env, dev_dax,
            Sprintf("%s: %s: fail, vma is not DAX capable", env.comm.c_str(),
                    std::string(func).c_str()));
    return model::KernelError(Errno::kEINVAL, "vma is not DAX capable");
  }
  return absl::OkStatus();
}

std::optional<PhysAddr> DaxPgoffToPhys(const DevDaxView& dev_dax, Pgoff pgoff,
                                       ByteSize size) {
  for (const DevDaxViewRange& dax_range : dev_dax.ranges) {
    // The kernel's range is inclusive: range->end is the last byte.
    const uint64_t range_end = dax_range.range.end().value() - 1;
    const uint64_t pgoff_end = dax_range.pgoff.value() +
                               (dax_range.range.size().value() >> kPageShift) -
                               1;
    if (pgoff < dax_range.pgoff || pgoff.value() > pgoff_end) continue;
    const uint64_t phys =
        ((pgoff.value() - dax_range.pgoff.value()) << kPageShift) +
        dax_range.range.start().value();
    if (phys + size.value() - 1 <= range_end) return PhysAddr(phys);
    // The block starts in this range but does not end in it.
    break;
  }
  return std::nullopt;
}

VmFaultResult DevDaxPteFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env) {
  CheckFault(vmf);
  const uint64_t fault_size = kPageSizeX86_64.value();
  const uint64_t align = dev_dax.align.value();

  if (!CheckVma(dev_dax, *vmf.vma, "__dev_dax_pte_fault", env).ok()) {
    return VmFaultResult::kSigbus;
  }

  if (align > kPageSizeX86_64.value()) {
    DevDbg(env, dev_dax,
           Sprintf("alignment (%#x) > fault size (%#x)",
                   static_cast<unsigned>(align),
                   static_cast<unsigned>(fault_size)));
    return VmFaultResult::kSigbus;
  }

  // Unreachable for a valid align (never below PAGE_SIZE).
  if (fault_size != align) return VmFaultResult::kSigbus;

  const std::optional<PhysAddr> phys =
      DaxPgoffToPhys(dev_dax, vmf.pgoff, kPageSizeX86_64);
  if (!phys) {
    DevDbg(env, dev_dax,
           Sprintf("pgoff_to_phys(%#lx) failed", vmf.pgoff.value()));
    return VmFaultResult::kSigbus;
  }
  // vmf_insert_mixed(vmf->vma, vmf->address, pfn).
  vmf.inserted = DaxInsertion{PageEntrySize::kPte, vmf.address, *phys};
  return VmFaultResult::kNopage;
}

VmFaultResult DevDaxPmdFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env) {
  return DevDaxHugeSizeFault(dev_dax, vmf, env, PageEntrySize::kPmd,
                             "__dev_dax_pmd_fault");
}

VmFaultResult DevDaxPudFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env) {
  // Without CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD the kernel's version
  // falls back.
  if (!env.have_arch_transparent_hugepage_pud) return VmFaultResult::kFallback;
  return DevDaxHugeSizeFault(dev_dax, vmf, env, PageEntrySize::kPud,
                             "__dev_dax_pud_fault");
}

VmFaultResult DevDaxHugeFault(const DevDaxView& dev_dax, VmFault& vmf,
                              PageEntrySize pe_size, const DaxEnv& env) {
  switch (pe_size) {
    case PageEntrySize::kPte:
      return DevDaxPteFault(dev_dax, vmf, env);
    case PageEntrySize::kPmd:
      return DevDaxPmdFault(dev_dax, vmf, env);
    case PageEntrySize::kPud:
      return DevDaxPudFault(dev_dax, vmf, env);
  }
  return VmFaultResult::kSigbus;
}

VmFaultResult DevDaxFault(const DevDaxView& dev_dax, VmFault& vmf,
                          const DaxEnv& env) {
  return DevDaxHugeFault(dev_dax, vmf, PageEntrySize::kPte, env);
}

absl::Status DevDaxMaySplit(const DevDaxView& dev_dax, const Vma& /*vma*/,
                            UserAddr addr) {
  if (!model::IsAligned(addr, dev_dax.align)) {
    return model::KernelError(Errno::kEINVAL, "dev_dax_may_split");
  }
  return absl::OkStatus();
}

ByteSize DevDaxPagesize(const DevDaxView& dev_dax, const Vma& /*vma*/) {
  return dev_dax.align;
}

absl::Status DaxMmap(const DevDaxView& dev_dax, Vma& vma, const DaxEnv& env) {
  // dax_read_lock: liveness is checked here and again at fault time.
  absl::Status rc = CheckVma(dev_dax, vma, "dax_mmap", env);
  if (!rc.ok()) return rc;
  // vma->vm_ops = &dax_vm_ops: the fault functions above.
  vma.vm_flags |= kVmHugepage;
  return absl::OkStatus();
}

bool IsErrValue(UserAddr x) {
  constexpr uint64_t kMaxErrno = 4095;
  return x.value() >= static_cast<uint64_t>(-kMaxErrno);
}

UserAddr DaxGetUnmappedArea(const DevDaxView* dev_dax, UserAddr addr,
                            ByteSize len, Pgoff pgoff, uint64_t flags,
                            const GetUnmappedAreaFn& get_unmapped_area) {
  MEMHP_CHECK(get_unmapped_area != nullptr);
  if (dev_dax != nullptr && addr.value() == 0) {
    // unsigned long arithmetic: every operation wraps.
    const uint64_t align = dev_dax->align.value();
    const uint64_t off = pgoff.value() << kPageShift;
    const uint64_t off_end = off + len.value();
    const uint64_t off_align = ((off - 1) | (align - 1)) + 1;  // round_up
    if (!(off_end <= off_align || (off_end - off_align) < align)) {
      const uint64_t len_align = len.value() + align;
      if (!(off + len_align < off)) {
        UserAddr addr_align =
            get_unmapped_area(addr, ByteSize(len_align), pgoff, flags);
        if (!IsErrValue(addr_align)) {
          return UserAddr(addr_align.value() +
                          ((off - addr_align.value()) & (align - 1)));
        }
      }
    }
  }
  // out:
  return get_unmapped_area(addr, len, pgoff, flags);
}

HandleMmFaultResult HandleMmFault(const DevDaxView& dev_dax, const Vma& vma,
                                  UserAddr address, const DaxEnv& env) {
  VmFault vmf;
  vmf.vma = &vma;
  vmf.address = model::AlignDown(address, kPageSizeX86_64);
  CheckFault(vmf);
  vmf.pgoff = LinearPageIndex(vma, address);

  HandleMmFaultResult out;
  auto done = [&](VmFaultResult ret) {
    out.ret = ret;
    out.inserted = vmf.inserted;
    return out;
  };
  auto is_fallback = [](VmFaultResult ret) {
    return (static_cast<uint32_t>(ret) &
            static_cast<uint32_t>(VmFaultResult::kFallback)) != 0;
  };

  const bool huge = HugepageVmaCheck(vma, env);
  // The PUD level: pud_none (first touch) and huge pages allowed.
  if (huge) {
    // create_huge_pud: the driver is asked only when the kernel has PUD
    // THP support (CONFIG_TRANSPARENT_HUGEPAGE and
    // CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD); a DAX vma is not
    // anonymous.
    VmFaultResult ret = VmFaultResult::kFallback;
    if (env.transparent_hugepage && env.have_arch_transparent_hugepage_pud) {
      out.tried.push_back(PageEntrySize::kPud);
      ret = DevDaxHugeFault(dev_dax, vmf, PageEntrySize::kPud, env);
    }
    if (!is_fallback(ret)) return done(ret);
  }
  // The PMD level: pmd_none and huge pages allowed; create_huge_pmd.
  if (huge) {
    out.tried.push_back(PageEntrySize::kPmd);
    const VmFaultResult ret =
        DevDaxHugeFault(dev_dax, vmf, PageEntrySize::kPmd, env);
    if (!is_fallback(ret)) return done(ret);
  }
  // handle_pte_fault -> do_fault -> __do_fault -> vm_ops->fault.
  out.tried.push_back(PageEntrySize::kPte);
  return done(DevDaxFault(dev_dax, vmf, env));
}

// --- Page-table memory ----------------------------------------------------

namespace {

constexpr uint64_t kEntryBytes = 8;      // sizeof(pte_t), pmd_t, pud_t
constexpr uint64_t kTablePage = 4096;    // one page-table page
constexpr uint64_t kTableEntries = 512;  // PTRS_PER_PTE, _PMD, _PUD
// What one PUD table page covers: 512 entries of 1 GiB.
constexpr uint64_t kPudTableCoverage = kPudSizeX86_64.value() * kTableEntries;

uint64_t DivRoundUp(uint64_t n, uint64_t d) {
  return n / d + (n % d != 0 ? 1 : 0);
}

std::string_view EntryName(ByteSize fault_size) {
  if (fault_size == kPageSizeX86_64) return "PTE";
  if (fault_size == kPmdSizeX86_64) return "PMD";
  return "PUD";
}

std::string_view FaultLabel(ByteSize fault_size) {
  if (fault_size == kPageSizeX86_64) return "4K";
  if (fault_size == kPmdSizeX86_64) return "2M";
  return "1G";
}

constexpr std::array<std::string_view, 9> kUnits = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

absl::uint128 UnitBytes(size_t i) {
  return absl::uint128(1) << static_cast<int>(10 * i);
}

}  // namespace

PageTableCost ComputePageTableCost(uint64_t processes, ByteSize bytes,
                                   ByteSize fault_size) {
  MEMHP_CHECK(fault_size == kPageSizeX86_64 || fault_size == kPmdSizeX86_64 ||
              fault_size == kPudSizeX86_64)
      << "fault size " << fault_size.value() << " is not 4K, 2M or 1G";
  PageTableCost c;
  c.fault_size = fault_size;
  c.entry = EntryName(fault_size);
  c.entries_per_process = DivRoundUp(bytes.value(), fault_size.value());
  c.entry_bytes_per_process = ByteSize(c.entries_per_process * kEntryBytes);
  // Table pages from the leaf table up to the PUD table: each level's
  // pages cover 512 times what the level below covers.
  uint64_t table_pages = 0;
  for (uint64_t coverage = fault_size.value() * kTableEntries;;
       coverage *= kTableEntries) {
    table_pages += DivRoundUp(bytes.value(), coverage);
    if (coverage >= kPudTableCoverage) break;
  }
  c.table_bytes_per_process = ByteSize(table_pages * kTablePage);
  c.entry_bytes_total =
      absl::uint128(c.entry_bytes_per_process.value()) * processes;
  c.table_bytes_total =
      absl::uint128(c.table_bytes_per_process.value()) * processes;
  return c;
}

std::vector<PageTableCost> ComputePageTableReport(uint64_t processes,
                                                  ByteSize bytes) {
  return {ComputePageTableCost(processes, bytes, kPageSizeX86_64),
          ComputePageTableCost(processes, bytes, kPmdSizeX86_64),
          ComputePageTableCost(processes, bytes, kPudSizeX86_64)};
}

std::string GroupThousands(absl::uint128 v) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + absl::Uint128Low64(v % 10)));
    v /= 10;
  } while (v != 0);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string FormatBytesExact(absl::uint128 bytes) {
  if (bytes == 0) return "0 B";
  size_t i = 0;
  while (i + 1 < kUnits.size() && bytes % UnitBytes(i + 1) == 0) ++i;
  return model::Cat(GroupThousands(bytes / UnitBytes(i)), " ", kUnits[i]);
}

std::string FormatBytesRounded(absl::uint128 bytes) {
  if (bytes < 1024) return model::Cat(GroupThousands(bytes), " B");
  size_t i = 1;
  while (i + 1 < kUnits.size() && bytes >= UnitBytes(i + 1)) ++i;
  auto hundredths = [&](size_t u) {
    const absl::uint128 unit = UnitBytes(u);
    const absl::uint128 q = bytes / unit;
    const absl::uint128 r = bytes % unit;
    return q * 100 + (r * 100 + unit / 2) / unit;
  };
  absl::uint128 h = hundredths(i);
  // 1023.995 KiB and up rounds to 1024.00: say 1.00 MiB instead.
  if (h >= 1024 * 100 && i + 1 < kUnits.size()) h = hundredths(++i);
  const int frac = static_cast<int>(absl::Uint128Low64(h % 100));
  return model::Cat(GroupThousands(h / 100), ".", frac / 10, frac % 10, " ",
                    kUnits[i]);
}

std::string RenderPageTableReport(uint64_t processes, uint64_t bytes) {
  const std::vector<PageTableCost> costs =
      ComputePageTableReport(processes, ByteSize(bytes));
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"fault", "entry", "entries/process", "bytes/process",
                  "all processes (exact)", "all processes",
                  "with table pages"});
  for (const PageTableCost& c : costs) {
    rows.push_back({std::string(FaultLabel(c.fault_size)), std::string(c.entry),
                    GroupThousands(c.entries_per_process),
                    FormatBytesExact(c.entry_bytes_per_process.value()),
                    FormatBytesExact(c.entry_bytes_total),
                    FormatBytesRounded(c.entry_bytes_total),
                    FormatBytesRounded(c.table_bytes_total)});
  }
  std::array<size_t, 7> width{};
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }

  std::string out = model::Cat(
      "device-dax page-table memory: ", GroupThousands(processes),
      processes == 1 ? " process" : " processes", " each mapping ",
      FormatBytesExact(bytes), " (", GroupThousands(bytes), " bytes)\n",
      "leaf entries are 8 bytes; table pages are 4 KiB, counted from the "
      "leaf table up to the PUD table\n\n");
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace memhp::hotplug
