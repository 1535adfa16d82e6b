// device_dax's mmap and fault paths (drivers/dax/device.c, v6.1: check_vma,
// dax_pgoff_to_phys, __dev_dax_{pte,pmd,pud}_fault, dev_dax_huge_fault,
// dev_dax_fault, dev_dax_may_split, dev_dax_pagesize, dax_mmap,
// dax_get_unmapped_area) and the part of the core-mm fault path that picks
// the entry size (mm/memory.c __handle_mm_fault, create_huge_pud,
// create_huge_pmd, handle_pte_fault -> do_fault -> __do_fault, and
// mm/huge_memory.c hugepage_vma_check, v6.1). Also a page-table memory
// report: what N processes mapping M bytes of a device-dax instance pay in
// leaf entries at 4K, 2M and 1G.
//
// What a fault at address A resolves to (x86_64, 4 KiB pages, first touch:
// the pud and pmd of A are empty). __handle_mm_fault walks down from the
// top: at the PUD level it calls create_huge_pud -> huge_fault(PE_SIZE_PUD)
// when hugepage_vma_check() allows huge pages; anything but
// VM_FAULT_FALLBACK ends the fault. Then the same at the PMD level
// (create_huge_pmd -> huge_fault(PE_SIZE_PMD)), then handle_pte_fault ->
// do_fault -> __do_fault -> vm_ops->fault = dev_dax_fault, which is
// huge_fault(PE_SIZE_PTE). For a DAX vma hugepage_vma_check() (smaps=false,
// in_pf=true, enforce_sysfs=true) is true unless the vma has VM_NOHUGEPAGE,
// the mm has MMF_DISABLE_THP, the THP "never DAX" flag is set or the kernel
// has no CONFIG_TRANSPARENT_HUGEPAGE: it returns `in_pf` before it looks at
// VM_HUGEPAGE or the sysfs THP mode, so the VM_HUGEPAGE that dax_mmap sets
// changes nothing here, and transhuge_vma_suitable() is not consulted on
// the fault path (the handlers check the vma themselves).
//
// Each __dev_dax_*_fault compares its fault size with the device's align:
// align larger -> VM_FAULT_SIGBUS (no fallback to a smaller size: a 2M
// device never maps a 4K pte), fault size larger -> VM_FAULT_FALLBACK (the
// core mm tries the next smaller size), equal -> it maps the aligned block
// containing A. So, with huge pages allowed:
//
//   align  PUD try        PMD try        PTE try        entry
//   4K     FALLBACK       FALLBACK       maps A&~0xfff  one 4K pte
//   2M     FALLBACK       maps A&~(2M-1) -              one 2M pmd
//   1G     maps A&~(1G-1) -              -              one 1G pud
//
// and with huge pages not allowed (VM_NOHUGEPAGE, ...) only the PTE try
// runs: 4K maps, 2M and 1G get VM_FAULT_SIGBUS. Without
// CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD (x86_64 selects it; arm64 does
// not) create_huge_pud returns VM_FAULT_FALLBACK without calling the
// driver and a 1G device's PMD try is VM_FAULT_SIGBUS.
//
// Where A is inside the vma does not matter: check_vma() (run by dax_mmap
// and again by every fault) refuses a vma whose start or end is not aligned
// to the device's align, so the aligned block that contains A lies inside
// the vma; the handlers' "outside of the VMA" SIGBUS cannot fire. A fault
// still gets VM_FAULT_SIGBUS when the device is dead (kill_dev_dax), or when
// dax_pgoff_to_phys() finds no range of the device holding the whole block
// at the file offset: past the device's end (dax_mmap does not check the
// length), or straddling two ranges. Nothing on this path checks that
// vm_pgoff is a multiple of align: a MAP_FIXED mapping at an aligned
// address with an unaligned offset gets huge entries whose physical address
// is not aligned to their size (the model records what would be inserted).
//
// Page-table memory (ComputePageTableCost): see there for what is counted.
//
// DIVERGENCE: x86_64 with 4 KiB pages only (PAGE_SIZE 4K, PMD_SIZE 2M,
// PUD_SIZE 1G); other page sizes move PMD_SIZE and PUD_SIZE.
// DIVERGENCE: only first-touch faults are modelled (pud_none, pmd_none);
// a fault on a present entry (huge_*_set_accessed, wp_huge_*) is not.
// DIVERGENCE: dev_info_ratelimited is not rate limited; dev_dbg lines are
// logged only when DaxEnv::dyndbg is set, and dev_dax_huge_fault's per-fault
// line and dax_mmap's "trace" line are never logged. dax_set_mapping
// (page->mapping/index) and dax_read_lock are not modelled.

#ifndef MEMHP_HOTPLUG_DAX_FAULT_H_
#define MEMHP_HOTPLUG_DAX_FAULT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "model/event_log.h"
#include "model/range.h"
#include "model/status.h"
#include "model/types.h"

namespace memhp::hotplug {

struct UserAddrTag {};
struct PgoffTag {};
// A user virtual address (`unsigned long addr`, vm_start, vm_end).
using UserAddr = model::Place<UserAddrTag, model::ByteSize>;
// A page index in a file (`pgoff_t`): vm_pgoff, vmf->pgoff.
using Pgoff = model::Place<PgoffTag, model::NrPages>;
std::ostream& operator<<(std::ostream& os, UserAddr a);
std::ostream& operator<<(std::ostream& os, Pgoff p);

// PAGE_SIZE, PMD_SIZE and PUD_SIZE of x86_64 with 4 KiB pages.
inline constexpr model::ByteSize kPageSizeX86_64{uint64_t{1} << 12};
inline constexpr model::ByteSize kPmdSizeX86_64{uint64_t{1} << 21};
inline constexpr model::ByteSize kPudSizeX86_64{uint64_t{1} << 30};

// vm_flags bits (include/linux/mm.h, v6.1).
inline constexpr uint64_t kVmRead = 0x00000001;
inline constexpr uint64_t kVmWrite = 0x00000002;
inline constexpr uint64_t kVmShared = 0x00000008;
inline constexpr uint64_t kVmMayshare = 0x00000080;
inline constexpr uint64_t kVmHugepage = 0x20000000;
inline constexpr uint64_t kVmNohugepage = 0x40000000;

// vm_fault_t values this path returns (include/linux/mm_types.h, v6.1).
enum class VmFaultResult : uint32_t {
  kNone = 0,
  kOom = 0x000001,       // VM_FAULT_OOM
  kSigbus = 0x000002,    // VM_FAULT_SIGBUS
  kNopage = 0x000100,    // VM_FAULT_NOPAGE: the handler installed the entry
  kFallback = 0x000800,  // VM_FAULT_FALLBACK: try a smaller size
};
// "VM_FAULT_SIGBUS", ...
std::string_view VmFaultName(VmFaultResult r);
std::ostream& operator<<(std::ostream& os, VmFaultResult r);

// enum page_entry_size (include/linux/mm.h, v6.1).
enum class PageEntrySize { kPte = 0, kPmd = 1, kPud = 2 };
// "PE_SIZE_PTE", ...
std::string_view PageEntrySizeName(PageEntrySize s);
std::ostream& operator<<(std::ostream& os, PageEntrySize s);
// PAGE_SIZE, PMD_SIZE or PUD_SIZE.
model::ByteSize PageEntryBytes(PageEntrySize s);

// One range of a device: struct dev_dax_range's pgoff and range (the
// kernel's struct range is inclusive; this one is half-open).
struct DevDaxViewRange {
  Pgoff pgoff;
  model::PhysRange range;
};

// What the mmap and fault paths read of a struct dev_dax
// (drivers/dax/dax-private.h): the bus's full device is DevDax in
// dax_bus.h.
//
// Invariants (the bus keeps them; REQUIRES of every function below):
//  1. align is PAGE_SIZE, PMD_SIZE or PUD_SIZE (dax_align_valid);
//  2. ranges are in pgoff order, each range's pgoff is the sum of the page
//     counts of the ranges before it, and each range is page aligned.
struct DevDaxView {
  std::string name = "dax0.0";  // dev_name(&dev_dax->dev)
  model::ByteSize align = kPmdSizeX86_64;
  std::vector<DevDaxViewRange> ranges;
  bool alive = true;  // dax_alive(dev_dax->dax_dev): false once killed
};

// The vm_area_struct fields these paths read.
struct Vma {
  UserAddr vm_start;
  UserAddr vm_end;  // exclusive
  uint64_t vm_flags = kVmRead | kVmWrite | kVmShared | kVmMayshare;
  Pgoff vm_pgoff;
  // vma_is_dax(): the file's inode has S_DAX, as dax_open makes every
  // device-dax inode; false only to reach check_vma's last refusal.
  bool vm_file_is_dax = true;
};

// What the modelled code reads besides the device and the vma.
struct DaxEnv {
  std::string comm = "memhp";      // current->comm
  model::EventLog* log = nullptr;  // messages are dropped when null
  // The dev_dbg sites of drivers/dax/device.c are enabled (dynamic debug).
  bool dyndbg = false;
  bool transparent_hugepage = true;  // CONFIG_TRANSPARENT_HUGEPAGE
  bool have_arch_transparent_hugepage_pud = true;  // x86_64 selects it
  bool thp_never_dax = false;    // TRANSPARENT_HUGEPAGE_NEVER_DAX
  bool mmf_disable_thp = false;  // prctl(PR_SET_THP_DISABLE) on the mm
};

// What a handler installed: vmf_insert_mixed (pte), vmf_insert_pfn_pmd or
// vmf_insert_pfn_pud, at `addr` (aligned to the entry size) for `phys`.
struct DaxInsertion {
  PageEntrySize pe_size = PageEntrySize::kPte;
  UserAddr addr;
  model::PhysAddr phys;
  bool operator==(const DaxInsertion&) const = default;
};
std::ostream& operator<<(std::ostream& os, const DaxInsertion& i);

// struct vm_fault: the fields these paths read, and the entry a handler
// installed (the model's page table).
struct VmFault {
  const Vma* vma = nullptr;
  UserAddr address;  // the faulting address & PAGE_MASK
  Pgoff pgoff;       // linear_page_index(vma, address)
  std::optional<DaxInsertion> inserted;
};

// Kernel: drivers/dax/device.c check_vma (v6.1). `func` is the caller's
// __func__, printed after current->comm.
// Errors: ENXIO when the device is dead (silently); EINVAL, with
// dev_info_ratelimited "%s: %s: fail, attempted private mapping" when the
// vma lacks VM_MAYSHARE, "%s: %s: fail, unaligned vma (%#lx - %#lx, %#lx)"
// (vm_start, vm_end, align - 1) when vm_start or vm_end is not aligned to
// the device's align, "%s: %s: fail, vma is not DAX capable" when
// !vma_is_dax(). Each line is prefixed "device_dax <name>: ".
absl::Status CheckVma(const DevDaxView& dev_dax, const Vma& vma,
                      std::string_view func, const DaxEnv& env);

// Kernel: drivers/dax/device.c dax_pgoff_to_phys (v6.1): the physical
// address of file page `pgoff` when the range holding it also holds the
// `size` bytes from there; nullopt for the kernel's -1.
std::optional<model::PhysAddr> DaxPgoffToPhys(const DevDaxView& dev_dax,
                                              Pgoff pgoff,
                                              model::ByteSize size);

// Kernel: drivers/dax/device.c __dev_dax_pte_fault (v6.1): check_vma, then
// SIGBUS when align > PAGE_SIZE (dev_dbg "alignment (%#x) > fault size
// (%#x)") or align != PAGE_SIZE, SIGBUS when dax_pgoff_to_phys(vmf->pgoff)
// fails (dev_dbg "pgoff_to_phys(%#lx) failed"), else NOPAGE with a pte for
// vmf->address.
// REQUIRES: vmf.vma is set and contains vmf.address.
VmFaultResult DevDaxPteFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env);
// Kernel: drivers/dax/device.c __dev_dax_pmd_fault (v6.1): check_vma, then
// SIGBUS when align > PMD_SIZE (dev_dbg as above), SIGBUS when
// PMD_SIZE < align, FALLBACK when PMD_SIZE > align, SIGBUS when the
// PMD-aligned block is outside the vma, SIGBUS when dax_pgoff_to_phys of
// the block fails, else NOPAGE with a pmd for the block.
// REQUIRES: as DevDaxPteFault.
VmFaultResult DevDaxPmdFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env);
// Kernel: drivers/dax/device.c __dev_dax_pud_fault (v6.1): the PMD
// handler's checks at PUD_SIZE; FALLBACK without any check when the
// architecture has no CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD.
// REQUIRES: as DevDaxPteFault.
VmFaultResult DevDaxPudFault(const DevDaxView& dev_dax, VmFault& vmf,
                             const DaxEnv& env);
// Kernel: drivers/dax/device.c dev_dax_huge_fault (v6.1): dispatch on
// pe_size.
VmFaultResult DevDaxHugeFault(const DevDaxView& dev_dax, VmFault& vmf,
                              PageEntrySize pe_size, const DaxEnv& env);
// Kernel: drivers/dax/device.c dev_dax_fault (v6.1): the PTE size.
VmFaultResult DevDaxFault(const DevDaxView& dev_dax, VmFault& vmf,
                          const DaxEnv& env);

// Kernel: drivers/dax/device.c dev_dax_may_split (v6.1), called by
// __split_vma (munmap, mprotect, mremap of part of the vma).
// Errors: EINVAL when addr is not aligned to the device's align.
absl::Status DevDaxMaySplit(const DevDaxView& dev_dax, const Vma& vma,
                            UserAddr addr);
// Kernel: drivers/dax/device.c dev_dax_pagesize (v6.1): the align
// (/proc/PID/smaps KernelPageSize and MMUPageSize).
model::ByteSize DevDaxPagesize(const DevDaxView& dev_dax, const Vma& vma);

// Kernel: drivers/dax/device.c dax_mmap (v6.1): check_vma (func
// "dax_mmap"), then vm_ops = dax_vm_ops and VM_HUGEPAGE.
// Errors: those of CheckVma; the vma is left unchanged.
absl::Status DaxMmap(const DevDaxView& dev_dax, Vma& vma, const DaxEnv& env);

// mm->get_unmapped_area(filp, addr, len, pgoff, flags): an address, or
// -errno as an unsigned long.
using GetUnmappedAreaFn = std::function<UserAddr(
    UserAddr addr, model::ByteSize len, Pgoff pgoff, uint64_t flags)>;
// IS_ERR_VALUE(x): x >= (unsigned long)-MAX_ERRNO.
bool IsErrValue(UserAddr x);

// Kernel: drivers/dax/device.c dax_get_unmapped_area (v6.1). Without a
// device (filp NULL) or with a hint (addr != 0) it returns
// get_unmapped_area(addr, len, pgoff, flags). Otherwise, when the file
// range [pgoff << PAGE_SHIFT, + len) holds at least one whole align-aligned
// block and len + align does not wrap, it asks for len + align bytes and
// moves the answer up to the first address congruent to the file offset
// modulo align (an aligned address for an aligned offset); if that request
// fails, or the conditions do not hold, it asks for len bytes as they are.
// All arithmetic wraps as unsigned long does.
UserAddr DaxGetUnmappedArea(const DevDaxView* dev_dax, UserAddr addr,
                            model::ByteSize len, Pgoff pgoff, uint64_t flags,
                            const GetUnmappedAreaFn& get_unmapped_area);

// Kernel: mm/memory.c __handle_mm_fault (v6.1) for a device-dax vma with
// empty pud and pmd, with mm/huge_memory.c hugepage_vma_check (smaps=false,
// in_pf=true, enforce_sysfs=true): the PUD try (create_huge_pud), the PMD
// try (create_huge_pmd), then the PTE fault (handle_pte_fault -> do_fault
// -> __do_fault -> dev_dax_fault). `tried` (optional) receives the sizes
// the driver was asked for, in order.
// REQUIRES: the vma was set up by DaxMmap; vma.vm_start <= address <
// vma.vm_end (the architecture's fault handler found it).
struct HandleMmFaultResult {
  VmFaultResult ret = VmFaultResult::kNone;
  std::optional<DaxInsertion> inserted;
  std::vector<PageEntrySize> tried;
};
HandleMmFaultResult HandleMmFault(const DevDaxView& dev_dax, const Vma& vma,
                                  UserAddr address, const DaxEnv& env);

// Page-table memory of `processes` processes, each mapping `bytes` bytes of
// a device-dax instance with leaf entries of `fault_size` bytes (x86_64,
// 4-level or 5-level: the leaf entries are the same).
//
// Counted, per process:
//  - leaf entries: DIV_ROUND_UP(bytes, fault_size) (a partial last block
//    still needs an entry), 8 bytes each (pte_t, pmd_t, pud_t). This is
//    the figure of the 1G device-dax discussion.
//  - table pages: the 4 KiB pages (512 entries) that hold those entries
//    and the levels above them up to and including the PUD table, for a
//    mapping that starts on a boundary of what one table page covers (2 MiB
//    for a PTE table, 1 GiB for a PMD table, 512 GiB for a PUD table):
//    DIV_ROUND_UP(bytes, coverage) pages per level. The PGD page (every
//    process has one) and a 5-level P4D page are not counted; nor are
//    struct pages (the vmemmap) or the device's memory itself.
// Totals are the per-process figures times `processes`, exact in 128 bits.
struct PageTableCost {
  model::ByteSize fault_size;
  std::string_view entry;  // "PTE", "PMD", "PUD"
  uint64_t entries_per_process = 0;
  model::ByteSize entry_bytes_per_process;
  model::ByteSize table_bytes_per_process;
  absl::uint128 entry_bytes_total = 0;
  absl::uint128 table_bytes_total = 0;
};
// REQUIRES: fault_size is 4 KiB, 2 MiB or 1 GiB.
PageTableCost ComputePageTableCost(uint64_t processes, model::ByteSize bytes,
                                   model::ByteSize fault_size);
// The three fault sizes of device-dax: 4K, 2M, 1G.
std::vector<PageTableCost> ComputePageTableReport(uint64_t processes,
                                                  model::ByteSize bytes);

// Byte counts for people. Binary units (KiB = 1024 B, ... YiB).
// Exact: the value in the largest unit that divides it ("120,000 GiB",
// "12,607,536 KiB", "0 B"); thousands grouped with commas.
std::string FormatBytesExact(absl::uint128 bytes);
// Rounded: two decimals in the largest unit not above the value, rounded
// half up ("117.19 TiB", "468.75 MiB", "512 B" below 1 KiB).
std::string FormatBytesRounded(absl::uint128 bytes);
// A decimal integer with comma-grouped thousands ("10,000").
std::string GroupThousands(absl::uint128 v);

// The report as a small text table: one row per fault size, with the
// entries per process, their bytes per process, all processes' leaf entry
// bytes exact and rounded, and all processes' table pages rounded. For the
// `memhp` command line.
std::string RenderPageTableReport(uint64_t processes, uint64_t bytes);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_DAX_FAULT_H_
