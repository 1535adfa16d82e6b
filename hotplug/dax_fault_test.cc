// device_dax mmap and fault sizing (drivers/dax/device.c, mm/memory.c
// __handle_mm_fault, v6.1) and the page-table memory report.
//
// The devices (physical ranges, pgoff 0 unless said):
//
//   dax0.0  align 2M  [0x240000000, 0x248000000)  128 MiB
//   dax1.0  align 1G  [0x1040000000, 0x10c0000000)  2 GiB
//   dax2.0  align 4K  [0x260000000, 0x260100000)  1 MiB
//   dax3.0  align 2M  [0x300000000, 0x300400000) pgoff 0
//                     [0x380000000, 0x380400000) pgoff 0x400
//
// Mappings start at kBase = 0x7f0000000000 (aligned to 512 GiB) unless a
// test says otherwise; the task is "fio".

#include "hotplug/dax_fault.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "model/event_log.h"
#include "model/status.h"

namespace memhp::hotplug {
namespace {

using model::ByteSize;
using model::Errno;
using model::ErrnoOf;
using model::EventLog;
using model::LogLevel;
using model::NrPages;
using model::PhysAddr;
using model::PhysRange;

constexpr uint64_t kK = 1024;
constexpr uint64_t kM = 1024 * kK;
constexpr uint64_t kG = 1024 * kM;
constexpr uint64_t kT = 1024 * kG;
constexpr uint64_t kBase = 0x7f0000000000;

DevDaxView Device(std::string name, uint64_t align,
                  std::vector<std::pair<uint64_t, uint64_t>> ranges) {
  DevDaxView d;
  d.name = std::move(name);
  d.align = ByteSize(align);
  uint64_t pgoff = 0;
  for (auto [start, size] : ranges) {
    d.ranges.push_back(
        {Pgoff(pgoff), PhysRange::FromSize(PhysAddr(start), ByteSize(size))});
    pgoff += size / 4096;
  }
  return d;
}

DevDaxView Dax2M() {
  return Device("dax0.0", 2 * kM, {{0x240000000, 128 * kM}});
}
DevDaxView Dax1G() { return Device("dax1.0", kG, {{0x1040000000, 2 * kG}}); }
DevDaxView Dax4K() { return Device("dax2.0", 4 * kK, {{0x260000000, kM}}); }
DevDaxView Dax2MTwoRanges() {
  return Device("dax3.0", 2 * kM,
                {{0x300000000, 4 * kM}, {0x380000000, 4 * kM}});
}

// A MAP_SHARED mapping of a file opened read-write.
Vma SharedVma(uint64_t start, uint64_t len, uint64_t pgoff = 0) {
  Vma v;
  v.vm_start = UserAddr(start);
  v.vm_end = UserAddr(start + len);
  v.vm_pgoff = Pgoff(pgoff);
  return v;
}

struct Env {
  Env() {
    env.comm = "fio";
    env.log = &log;
  }
  EventLog log;
  DaxEnv env;
};

// The only message logged, with its level.
std::string OnlyMessage(const EventLog& log, LogLevel level) {
  EXPECT_EQ(log.size(), 1u);
  if (log.size() != 1) return "";
  EXPECT_EQ(log.events()[0].level, level);
  return log.events()[0].text;
}

std::vector<PageEntrySize> Tried(std::initializer_list<PageEntrySize> l) {
  return l;
}

constexpr PageEntrySize kPte = PageEntrySize::kPte;
constexpr PageEntrySize kPmd = PageEntrySize::kPmd;
constexpr PageEntrySize kPud = PageEntrySize::kPud;

// --- check_vma through dax_mmap ---------------------------------------------

TEST(DaxMmapTest, SharedAlignedVmaIsAcceptedAndGetsVmHugepage) {
  Env e;
  Vma vma = SharedVma(kBase, 4 * kM);
  ASSERT_TRUE(DaxMmap(Dax2M(), vma, e.env).ok());
  EXPECT_NE(vma.vm_flags & kVmHugepage, 0u);
  EXPECT_EQ(e.log.size(), 0u);
}

// MAP_SHARED on a read-only descriptor: do_mmap clears VM_SHARED and keeps
// VM_MAYSHARE, which is what check_vma tests.
TEST(DaxMmapTest, ReadOnlySharedMappingIsAccepted) {
  Env e;
  Vma vma = SharedVma(kBase, 2 * kM);
  vma.vm_flags = kVmRead | kVmMayshare;
  EXPECT_TRUE(DaxMmap(Dax2M(), vma, e.env).ok());
}

TEST(DaxMmapTest, PrivateMappingIsRefusedWithEinvalAndLeavesTheVma) {
  Env e;
  Vma vma = SharedVma(kBase, 2 * kM);
  vma.vm_flags = kVmRead | kVmWrite;  // MAP_PRIVATE
  const absl::Status s = DaxMmap(Dax2M(), vma, e.env);
  EXPECT_EQ(ErrnoOf(s), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, attempted private "
            "mapping");
  EXPECT_EQ(vma.vm_flags & kVmHugepage, 0u);
}

//   kBase   kBase+4K                         kBase+2M+4K
//   |       |=========== vma ================|
//   2M boundaries at kBase and kBase+2M: neither end is on one.
TEST(DaxMmapTest, UnalignedStartIsRefusedWithTheVmaAndMaskPrinted) {
  Env e;
  Vma vma = SharedVma(kBase + 4 * kK, 2 * kM);
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, unaligned vma "
            "(0x7f0000001000 - 0x7f0000201000, 0x1fffff)");
}

//   kBase                 kBase+2M  kBase+3M
//   |======================= vma ===|        the end is not 2M aligned
TEST(DaxMmapTest, UnalignedEndIsRefused) {
  Env e;
  Vma vma = SharedVma(kBase, 3 * kM);
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, unaligned vma "
            "(0x7f0000000000 - 0x7f0000300000, 0x1fffff)");
}

// A 2 MiB mapping is aligned for a 2M device but not for a 1G one.
TEST(DaxMmapTest, AlignmentIsTheDevicesNotThePageSize) {
  Env e;
  Vma vma = SharedVma(kBase, 2 * kM);
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax1G(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax1.0: fio: dax_mmap: fail, unaligned vma "
            "(0x7f0000000000 - 0x7f0000200000, 0x3fffffff)");
  Vma small = SharedVma(kBase + 4 * kK, 8 * kK);
  EXPECT_TRUE(DaxMmap(Dax4K(), small, e.env).ok());
}

// %#lx prints 0 without the 0x prefix, as the kernel's vsnprintf does.
TEST(DaxMmapTest, ZeroStartPrintsAsBareZero) {
  Env e;
  Vma vma = SharedVma(0, 3 * kM);
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, unaligned vma "
            "(0 - 0x300000, 0x1fffff)");
}

TEST(DaxMmapTest, DeadDeviceIsEnxioWithoutAMessage) {
  Env e;
  DevDaxView dead = Dax2M();
  dead.alive = false;
  Vma vma = SharedVma(kBase + 4 * kK, 2 * kM);
  vma.vm_flags = kVmRead;  // private and unaligned too: liveness is first
  EXPECT_EQ(ErrnoOf(DaxMmap(dead, vma, e.env)), Errno::kENXIO);
  EXPECT_EQ(e.log.size(), 0u);
}

// Private and unaligned: the private test comes first, one message.
TEST(DaxMmapTest, PrivateIsReportedBeforeUnaligned) {
  Env e;
  Vma vma = SharedVma(kBase + 4 * kK, 2 * kM);
  vma.vm_flags = kVmRead;
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, attempted private "
            "mapping");
}

TEST(DaxMmapTest, VmaWithoutDaxInodeIsRefusedLast) {
  Env e;
  Vma vma = SharedVma(kBase, 2 * kM);
  vma.vm_file_is_dax = false;
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, e.env)), Errno::kEINVAL);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax0.0: fio: dax_mmap: fail, vma is not DAX capable");
}

TEST(DaxMmapTest, NoLogIsFine) {
  DaxEnv env;  // log == nullptr
  Vma vma = SharedVma(kBase, 3 * kM);
  EXPECT_EQ(ErrnoOf(DaxMmap(Dax2M(), vma, env)), Errno::kEINVAL);
}

// --- fault sizing: __handle_mm_fault -> huge_fault / fault ------------------

// 4K device: the PUD and PMD tries fall back, the PTE maps the page of A.
//
//   kBase       A = kBase+0x5123
//   |-----|-----|--x--|-----|   4K pages; pte for [kBase+0x5000, +4K)
TEST(HandleMmFaultTest, Align4KFallsBackTwiceThenMapsAPte) {
  Env e;
  Vma vma = SharedVma(kBase, kM);
  ASSERT_TRUE(DaxMmap(Dax4K(), vma, e.env).ok());
  const HandleMmFaultResult r =
      HandleMmFault(Dax4K(), vma, UserAddr(kBase + 0x5123), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.tried, Tried({kPud, kPmd, kPte}));
  ASSERT_TRUE(r.inserted.has_value());
  EXPECT_EQ(*r.inserted, (DaxInsertion{kPte, UserAddr(kBase + 0x5000),
                                       PhysAddr(0x260005000)}));
  EXPECT_EQ(e.log.size(), 0u);
}

TEST(HandleMmFaultTest, Align4KMapsTheLastPageOfTheVma) {
  Env e;
  Vma vma = SharedVma(kBase, kM);
  const HandleMmFaultResult r =
      HandleMmFault(Dax4K(), vma, UserAddr(kBase + kM - 1), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.inserted->addr, UserAddr(kBase + kM - 4 * kK));
  EXPECT_EQ(r.inserted->phys, PhysAddr(0x260000000 + kM - 4 * kK));
}

// 2M device: PUD falls back, PMD maps the 2 MiB block holding A.
//
//   kBase        kBase+2M      kBase+4M      kBase+6M
//   |------------|------x------|-------------|   vma = 6 MiB
//                ^ pmd for [kBase+2M, kBase+4M), A = kBase+3M+0x123
TEST(HandleMmFaultTest, Align2MMapsThePmdHoldingAnUnalignedAddress) {
  Env e;
  Vma vma = SharedVma(kBase, 6 * kM);
  ASSERT_TRUE(DaxMmap(Dax2M(), vma, e.env).ok());
  const HandleMmFaultResult r =
      HandleMmFault(Dax2M(), vma, UserAddr(kBase + 3 * kM + 0x123), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.tried, Tried({kPud, kPmd}));
  EXPECT_EQ(*r.inserted, (DaxInsertion{kPmd, UserAddr(kBase + 2 * kM),
                                       PhysAddr(0x240000000 + 2 * kM)}));
}

// At the vma's first and last byte the block is the first and last 2 MiB:
// check_vma keeps the vma 2M aligned, so a block never crosses its edges.
TEST(HandleMmFaultTest, Align2MAtTheVmaEdgesMapsTheEdgeBlocks) {
  Env e;
  Vma vma = SharedVma(kBase, 6 * kM);
  const HandleMmFaultResult first =
      HandleMmFault(Dax2M(), vma, UserAddr(kBase), e.env);
  EXPECT_EQ(first.inserted->addr, UserAddr(kBase));
  EXPECT_EQ(first.inserted->phys, PhysAddr(0x240000000));
  const HandleMmFaultResult last =
      HandleMmFault(Dax2M(), vma, UserAddr(kBase + 6 * kM - 1), e.env);
  EXPECT_EQ(last.ret, VmFaultResult::kNopage);
  EXPECT_EQ(last.inserted->addr, UserAddr(kBase + 4 * kM));
  EXPECT_EQ(last.inserted->phys, PhysAddr(0x240000000 + 4 * kM));
}

// The file offset moves the physical address: vm_pgoff 0x400 (4 MiB).
TEST(HandleMmFaultTest, Align2MHonoursTheMappingOffset) {
  Env e;
  Vma vma = SharedVma(kBase, 4 * kM, /*pgoff=*/0x400);
  const HandleMmFaultResult r =
      HandleMmFault(Dax2M(), vma, UserAddr(kBase + 2 * kM), e.env);
  EXPECT_EQ(r.inserted->phys, PhysAddr(0x240000000 + 6 * kM));
}

// 1G device: the first try (PUD) maps the 1 GiB block.
//
//   kBase              kBase+1G            kBase+2G
//   |------------------|---------x---------|
//                      ^ pud, A = kBase+1G+0x12345678
TEST(HandleMmFaultTest, Align1GMapsAPudOnTheFirstTry) {
  Env e;
  Vma vma = SharedVma(kBase, 2 * kG);
  ASSERT_TRUE(DaxMmap(Dax1G(), vma, e.env).ok());
  const HandleMmFaultResult r =
      HandleMmFault(Dax1G(), vma, UserAddr(kBase + kG + 0x12345678), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.tried, Tried({kPud}));
  EXPECT_EQ(*r.inserted, (DaxInsertion{kPud, UserAddr(kBase + kG),
                                       PhysAddr(0x1040000000 + kG)}));
}

// dax_mmap's VM_HUGEPAGE plays no part: hugepage_vma_check returns for a
// DAX vma before it reads VM_HUGEPAGE.
TEST(HandleMmFaultTest, VmHugepageIsIrrelevant) {
  Env e;
  Vma vma = SharedVma(kBase, 6 * kM);
  ASSERT_EQ(vma.vm_flags & kVmHugepage, 0u);
  const HandleMmFaultResult r =
      HandleMmFault(Dax2M(), vma, UserAddr(kBase + kM), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.inserted->pe_size, kPmd);
}

// madvise(MADV_NOHUGEPAGE): only the PTE try runs. 4K still maps; 2M and
// 1G get SIGBUS (no fallback below the align), with the dev_dbg when it is
// enabled.
TEST(HandleMmFaultTest, NoHugepageLeavesOnlyThePteTry) {
  Env e;
  e.env.dyndbg = true;
  Vma v4k = SharedVma(kBase, kM);
  v4k.vm_flags |= kVmNohugepage;
  const HandleMmFaultResult r4k =
      HandleMmFault(Dax4K(), v4k, UserAddr(kBase), e.env);
  EXPECT_EQ(r4k.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r4k.tried, Tried({kPte}));

  Vma v2m = SharedVma(kBase, 2 * kM);
  v2m.vm_flags |= kVmNohugepage;
  const HandleMmFaultResult r2m =
      HandleMmFault(Dax2M(), v2m, UserAddr(kBase), e.env);
  EXPECT_EQ(r2m.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(r2m.tried, Tried({kPte}));
  EXPECT_FALSE(r2m.inserted.has_value());
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
            "device_dax dax0.0: alignment (0x200000) > fault size (0x1000)");
}

// The other ways hugepage_vma_check says no, for a 2M device.
TEST(HandleMmFaultTest, ThpOffInAnyWayMakesA2MDeviceSigbus) {
  for (int way = 0; way < 3; ++way) {
    Env e;
    if (way == 0) e.env.transparent_hugepage = false;
    if (way == 1) e.env.thp_never_dax = true;
    if (way == 2) e.env.mmf_disable_thp = true;
    Vma vma = SharedVma(kBase, 2 * kM);
    const HandleMmFaultResult r =
        HandleMmFault(Dax2M(), vma, UserAddr(kBase), e.env);
    EXPECT_EQ(r.ret, VmFaultResult::kSigbus) << way;
    EXPECT_EQ(r.tried, Tried({kPte})) << way;
  }
}

// Without CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD create_huge_pud does
// not call the driver; the 1G device's PMD try is SIGBUS, not FALLBACK, so
// the PTE try never runs. A 2M device does not notice.
TEST(HandleMmFaultTest, WithoutPudThpA1GDeviceSigbusesAtThePmdTry) {
  Env e;
  e.env.have_arch_transparent_hugepage_pud = false;
  e.env.dyndbg = true;
  Vma vma = SharedVma(kBase, kG);
  const HandleMmFaultResult r =
      HandleMmFault(Dax1G(), vma, UserAddr(kBase), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(r.tried, Tried({kPmd}));
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
            "device_dax dax1.0: alignment (0x40000000) > fault size "
            "(0x200000)");

  Vma v2m = SharedVma(kBase, 2 * kM);
  const HandleMmFaultResult r2m =
      HandleMmFault(Dax2M(), v2m, UserAddr(kBase), e.env);
  EXPECT_EQ(r2m.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r2m.tried, Tried({kPmd}));
}

// After kill_dev_dax every fault is SIGBUS at the first try, silently:
// check_vma is the first thing each handler does.
TEST(HandleMmFaultTest, DeadDeviceSigbusesAtTheFirstTry) {
  Env e;
  e.env.dyndbg = true;
  DevDaxView dead = Dax4K();
  dead.alive = false;
  Vma vma = SharedVma(kBase, kM);
  const HandleMmFaultResult r =
      HandleMmFault(dead, vma, UserAddr(kBase), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(r.tried, Tried({kPud}));
  EXPECT_EQ(e.log.size(), 0u);
}

// check_vma runs again at fault time and prints the handler's name: for a
// vma that is no longer acceptable, the first try (PUD) reports it, even
// on a 4K device that would have fallen back from there.
TEST(HandleMmFaultTest, FaultTimeCheckVmaNamesTheFirstHandler) {
  Env e;
  Vma vma = SharedVma(kBase, kM);
  vma.vm_flags = kVmRead;  // private
  const HandleMmFaultResult r =
      HandleMmFault(Dax4K(), vma, UserAddr(kBase), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax2.0: fio: __dev_dax_pud_fault: fail, attempted "
            "private mapping");
}

TEST(HandleMmFaultTest, FaultTimeCheckVmaInThePteHandler) {
  Env e;
  e.env.transparent_hugepage = false;  // only the PTE try
  Vma vma = SharedVma(kBase, kM);
  vma.vm_file_is_dax = false;
  const HandleMmFaultResult r =
      HandleMmFault(Dax4K(), vma, UserAddr(kBase), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kInfo),
            "device_dax dax2.0: fio: __dev_dax_pte_fault: fail, vma is not DAX "
            "capable");
}

// dax_mmap does not check the length: a 256 MiB mapping of the 128 MiB
// device faults SIGBUS past the end (pgoff 0x8000 is the first page after
// the device). The dev_dbg line shows only with dynamic debug.
//
//   kBase                  kBase+128M              kBase+256M
//   |==== device ==========|---- no range ---------|
//                          ^ A
TEST(HandleMmFaultTest, PastTheEndOfTheDeviceSigbuses) {
  for (bool dyndbg : {false, true}) {
    Env e;
    e.env.dyndbg = dyndbg;
    Vma vma = SharedVma(kBase, 256 * kM);
    ASSERT_TRUE(DaxMmap(Dax2M(), vma, e.env).ok());
    const HandleMmFaultResult r =
        HandleMmFault(Dax2M(), vma, UserAddr(kBase + 128 * kM), e.env);
    EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
    EXPECT_FALSE(r.inserted.has_value());
    if (dyndbg) {
      EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
                "device_dax dax0.0: pgoff_to_phys(0x8000) failed");
    } else {
      EXPECT_EQ(e.log.size(), 0u);
    }
  }
}

TEST(HandleMmFaultTest, PastTheEndOfA4KDevicePrintsThePagesPgoff) {
  Env e;
  e.env.dyndbg = true;
  Vma vma = SharedVma(kBase, 2 * kM, /*pgoff=*/0x10);
  const HandleMmFaultResult r =
      HandleMmFault(Dax4K(), vma, UserAddr(kBase + kM - 0xf000), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
  // (0x100000 - 0xf000) >> 12 = 0xf1, + 0x10 = 0x101: the device's last
  // file page is 0xff.
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
            "device_dax dax2.0: pgoff_to_phys(0x101) failed");
}

// Two ranges: file pages 0x000-0x3ff in the first, 0x400-0x7ff in the
// second. A fault in the second half maps the second range.
TEST(HandleMmFaultTest, SecondRangeIsFoundByPgoff) {
  Env e;
  Vma vma = SharedVma(kBase, 8 * kM);
  const HandleMmFaultResult r =
      HandleMmFault(Dax2MTwoRanges(), vma, UserAddr(kBase + 6 * kM), e.env);
  EXPECT_EQ(r.ret, VmFaultResult::kNopage);
  EXPECT_EQ(r.inserted->phys, PhysAddr(0x380000000 + 2 * kM));
}

// With vm_pgoff 0x100 (1 MiB) the block at kBase+2M covers file pages
// 0x300-0x4ff: it starts in the first range and ends in the second, so
// dax_pgoff_to_phys fails. The block at kBase maps, 1 MiB into the range:
// nothing checks that the pmd's physical address is 2M aligned.
//
//   file:   0x000     0x100     0x300     0x400     0x500
//           |- range 0 ---------+---------|- range 1 ---------|
//   vma:              |== pmd 0 ==|== pmd 1 ==|
TEST(HandleMmFaultTest, UnalignedOffsetStraddlesRangesAndMisalignsPhys) {
  Env e;
  e.env.dyndbg = true;
  Vma vma = SharedVma(kBase, 4 * kM, /*pgoff=*/0x100);
  ASSERT_TRUE(DaxMmap(Dax2MTwoRanges(), vma, e.env).ok());
  const HandleMmFaultResult straddle =
      HandleMmFault(Dax2MTwoRanges(), vma, UserAddr(kBase + 2 * kM), e.env);
  EXPECT_EQ(straddle.ret, VmFaultResult::kSigbus);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
            "device_dax dax3.0: pgoff_to_phys(0x300) failed");
  const HandleMmFaultResult first =
      HandleMmFault(Dax2MTwoRanges(), vma, UserAddr(kBase), e.env);
  EXPECT_EQ(first.ret, VmFaultResult::kNopage);
  EXPECT_EQ(first.inserted->pe_size, kPmd);
  EXPECT_EQ(first.inserted->phys, PhysAddr(0x300100000));
}

// A naive reference beside the model: for every vma on a grid of starts
// and lengths and faults at its first byte, middle and last byte, the
// fault maps exactly one entry of the device's align, for the aligned
// block that holds A and lies inside the vma, exactly when the vma's ends
// are aligned; otherwise it is SIGBUS with the unaligned-vma line of the
// first handler tried (PUD). The handlers' "outside of the VMA" SIGBUS is
// never what decides.
TEST(HandleMmFaultTest, FaultSizeIsTheAlignExactlyWhenTheVmaIsAligned) {
  const uint64_t kPhys = 0x1000000000;  // 64 GiB, 1G aligned
  for (uint64_t align : {4 * kK, 2 * kM, kG}) {
    const DevDaxView dev = Device("dax9.0", align, {{kPhys, 4 * kG}});
    for (uint64_t start_off :
         {uint64_t{0}, 4 * kK, 2 * kM - 4 * kK, 2 * kM, kG - 2 * kM, kG}) {
      for (uint64_t len :
           {4 * kK, 2 * kM, 2 * kM + 4 * kK, kG, kG + 2 * kM, 2 * kG}) {
        const uint64_t start = kBase + start_off;
        const Vma vma = SharedVma(start, len);
        const bool aligned = start % align == 0 && (start + len) % align == 0;
        for (uint64_t a : {start, start + len / 2, start + len - 1}) {
          Env e;
          const HandleMmFaultResult r =
              HandleMmFault(dev, vma, UserAddr(a), e.env);
          SCOPED_TRACE(testing::Message()
                       << "align " << align << " vma " << UserAddr(start) << "+"
                       << len << " A " << UserAddr(a));
          if (!aligned) {
            EXPECT_EQ(r.ret, VmFaultResult::kSigbus);
            EXPECT_EQ(r.tried, Tried({kPud}));
            EXPECT_NE(OnlyMessage(e.log, LogLevel::kInfo)
                          .find("fio: __dev_dax_pud_fault: fail, unaligned "
                                "vma"),
                      std::string::npos);
            continue;
          }
          ASSERT_EQ(r.ret, VmFaultResult::kNopage);
          ASSERT_TRUE(r.inserted.has_value());
          const uint64_t size = PageEntryBytes(r.inserted->pe_size).value();
          const uint64_t block = r.inserted->addr.value();
          EXPECT_EQ(size, align);
          EXPECT_EQ(block % align, 0u);
          EXPECT_TRUE(block <= a && a < block + size);
          EXPECT_TRUE(start <= block && block + size <= start + len);
          EXPECT_EQ(r.inserted->phys, PhysAddr(kPhys + (block - start)));
          EXPECT_EQ(e.log.size(), 0u);
        }
      }
    }
  }
}

// --- the handlers one by one ---------------------------------------------

VmFault FaultAt(const Vma& vma, uint64_t address) {
  VmFault vmf;
  vmf.vma = &vma;
  vmf.address = UserAddr(address & ~uint64_t{0xfff});
  vmf.pgoff = vma.vm_pgoff +
              NrPages((vmf.address.value() - vma.vm_start.value()) >> 12);
  return vmf;
}

// Fault size against align, per handler: SIGBUS below, FALLBACK above.
//
//   handler \ align   4K        2M        1G
//   pte               NOPAGE    SIGBUS    SIGBUS
//   pmd               FALLBACK  NOPAGE    SIGBUS
//   pud               FALLBACK  FALLBACK  NOPAGE
TEST(DevDaxHugeFaultTest, EachSizeAgainstEachAlign) {
  const Vma vma = SharedVma(kBase, kG);
  const DevDaxView devs[] = {
      Device("d4k", 4 * kK, {{0x1000000000, kG}}),
      Device("d2m", 2 * kM, {{0x1000000000, kG}}),
      Device("d1g", kG, {{0x1000000000, kG}}),
  };
  const VmFaultResult N = VmFaultResult::kNopage, S = VmFaultResult::kSigbus,
                      F = VmFaultResult::kFallback;
  const VmFaultResult want[3][3] = {{N, S, S}, {F, N, S}, {F, F, N}};
  const PageEntrySize sizes[] = {kPte, kPmd, kPud};
  for (int s = 0; s < 3; ++s) {
    for (int d = 0; d < 3; ++d) {
      Env e;
      VmFault vmf = FaultAt(vma, kBase + 0x1234);
      EXPECT_EQ(DevDaxHugeFault(devs[d], vmf, sizes[s], e.env), want[s][d])
          << sizes[s] << " on " << devs[d].name;
      EXPECT_EQ(vmf.inserted.has_value(), want[s][d] == N);
    }
  }
}

TEST(DevDaxHugeFaultTest, DevDaxFaultIsThePteSize) {
  Env e;
  const Vma vma = SharedVma(kBase, kM);
  VmFault vmf = FaultAt(vma, kBase + 0x3000);
  EXPECT_EQ(DevDaxFault(Dax4K(), vmf, e.env), VmFaultResult::kNopage);
  EXPECT_EQ(vmf.inserted->pe_size, kPte);
}

TEST(DevDaxHugeFaultTest, PudStubFallsBackEvenOnADeadDevice) {
  Env e;
  e.env.have_arch_transparent_hugepage_pud = false;
  DevDaxView dead = Dax1G();
  dead.alive = false;
  const Vma vma = SharedVma(kBase, kG);
  VmFault vmf = FaultAt(vma, kBase);
  EXPECT_EQ(DevDaxPudFault(dead, vmf, e.env), VmFaultResult::kFallback);
}

TEST(DevDaxHugeFaultTest, PteAlignmentMessageWithDynamicDebug) {
  Env e;
  e.env.dyndbg = true;
  const Vma vma = SharedVma(kBase, kG);
  VmFault vmf = FaultAt(vma, kBase);
  EXPECT_EQ(DevDaxPteFault(Dax1G(), vmf, e.env), VmFaultResult::kSigbus);
  EXPECT_EQ(OnlyMessage(e.log, LogLevel::kDebug),
            "device_dax dax1.0: alignment (0x40000000) > fault size (0x1000)");
}

TEST(DaxPgoffToPhysTest, WholeBlockMustFitInOneRange) {
  const DevDaxView d = Dax2MTwoRanges();
  EXPECT_EQ(DaxPgoffToPhys(d, Pgoff(0), ByteSize(4 * kM)),
            PhysAddr(0x300000000));
  EXPECT_EQ(DaxPgoffToPhys(d, Pgoff(0x3ff), ByteSize(4 * kK)),
            PhysAddr(0x3003ff000));
  EXPECT_EQ(DaxPgoffToPhys(d, Pgoff(0x3ff), ByteSize(8 * kK)), std::nullopt);
  EXPECT_EQ(DaxPgoffToPhys(d, Pgoff(0x400), ByteSize(4 * kM)),
            PhysAddr(0x380000000));
  EXPECT_EQ(DaxPgoffToPhys(d, Pgoff(0x800), ByteSize(4 * kK)), std::nullopt);
}

// --- may_split and pagesize ---------------------------------------------

//   kBase     kBase+2M   kBase+4M
//   |=========|==========|   splitting at kBase+2M is fine, at +4K not
TEST(DevDaxMaySplitTest, SplitOnlyAtTheAlign) {
  const Vma vma = SharedVma(kBase, 4 * kM);
  EXPECT_TRUE(DevDaxMaySplit(Dax2M(), vma, UserAddr(kBase + 2 * kM)).ok());
  EXPECT_EQ(ErrnoOf(DevDaxMaySplit(Dax2M(), vma, UserAddr(kBase + 4 * kK))),
            Errno::kEINVAL);
  EXPECT_EQ(ErrnoOf(DevDaxMaySplit(Dax1G(), vma, UserAddr(kBase + 2 * kM))),
            Errno::kEINVAL);
  EXPECT_TRUE(DevDaxMaySplit(Dax4K(), vma, UserAddr(kBase + 4 * kK)).ok());
}

TEST(DevDaxMaySplitTest, PagesizeIsTheAlign) {
  const Vma vma = SharedVma(kBase, kG);
  EXPECT_EQ(DevDaxPagesize(Dax1G(), vma), ByteSize(kG));
  EXPECT_EQ(DevDaxPagesize(Dax4K(), vma), ByteSize(4 * kK));
}

// --- dax_get_unmapped_area ------------------------------------------------

// A stand-in for mm->get_unmapped_area: top-down below 0x7fff00000000 at
// page granularity (so its answers are 4K but not 2M aligned), recording
// each request's length; `fail_len` makes requests of that length fail
// with -ENOMEM.
struct FakeMm {
  std::vector<uint64_t> lens;
  uint64_t fail_len = 0;
  GetUnmappedAreaFn Fn() {
    return [this](UserAddr addr, ByteSize len, Pgoff, uint64_t) {
      lens.push_back(len.value());
      if (len.value() == fail_len) return UserAddr(static_cast<uint64_t>(-12));
      if (addr.value() != 0) return addr;
      return UserAddr(0x7fff00000000 - 0x3000 - len.value());
    };
  }
};

//   ask len + 2M:  [x ............................. x+len+2M)
//   answer:            [aligned .......... +len)
//                      ^ the first 2M boundary at or above x
TEST(DaxGetUnmappedAreaTest, AlignedOffsetGetsAnAlignedAddress) {
  for (uint64_t align : {2 * kM, kG}) {
    FakeMm mm;
    DevDaxView d = Dax2M();
    d.align = ByteSize(align);
    const uint64_t len = 2 * align;
    const UserAddr a = DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(len),
                                          Pgoff(0), 0, mm.Fn());
    ASSERT_EQ(mm.lens, (std::vector<uint64_t>{len + align}));
    const uint64_t x = 0x7fff00000000 - 0x3000 - (len + align);
    EXPECT_EQ(a.value() % align, 0u);
    EXPECT_GE(a.value(), x);
    EXPECT_LE(a.value() + len, x + len + align);
    // And dax_mmap takes that address.
    Env e;
    Vma vma = SharedVma(a.value(), len);
    EXPECT_TRUE(DaxMmap(d, vma, e.env).ok());
  }
}

// Exactly one align of length is enough for the aligned request.
TEST(DaxGetUnmappedAreaTest, LengthOfOneAlignIsAligned) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  const UserAddr a = DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(2 * kM),
                                        Pgoff(0), 0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{4 * kM}));
  EXPECT_EQ(a.value() % (2 * kM), 0u);
}

TEST(DaxGetUnmappedAreaTest, ShorterThanTheAlignIsAskedAsIs) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  const UserAddr a =
      DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(kM), Pgoff(0), 0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{kM}));
  EXPECT_EQ(a, UserAddr(0x7fff00000000 - 0x3000 - kM));
}

// The file range [1M, 3M + 4K) holds no whole 2M-aligned block ([2M, 4M)
// ends past it): asked as is.
TEST(DaxGetUnmappedAreaTest, NoWholeAlignedBlockInTheFileRangeIsAskedAsIs) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(2 * kM + 4 * kK), Pgoff(0x100),
                     0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{2 * kM + 4 * kK}));
}

TEST(DaxGetUnmappedAreaTest, HintOrNoDeviceIsAskedAsIs) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  EXPECT_EQ(DaxGetUnmappedArea(&d, UserAddr(0x600000001000), ByteSize(4 * kM),
                               Pgoff(0), 0, mm.Fn()),
            UserAddr(0x600000001000));
  DaxGetUnmappedArea(nullptr, UserAddr(0), ByteSize(4 * kM), Pgoff(0), 0,
                     mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{4 * kM, 4 * kM}));
}

// The answer is congruent to the file offset modulo the align: with an
// offset of one page it is one page past a 2M boundary, and dax_mmap then
// refuses that vma as unaligned.
TEST(DaxGetUnmappedAreaTest, UnalignedOffsetGivesAnAddressDaxMmapRefuses) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  const UserAddr a = DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(4 * kM),
                                        Pgoff(1), 0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{6 * kM}));
  EXPECT_EQ(a.value() % (2 * kM), 4 * kK);
  Env e;
  Vma vma = SharedVma(a.value(), 4 * kM, 1);
  EXPECT_EQ(ErrnoOf(DaxMmap(d, vma, e.env)), Errno::kEINVAL);
}

TEST(DaxGetUnmappedAreaTest, FailedAlignedRequestIsRetriedAsIs) {
  FakeMm mm;
  mm.fail_len = 6 * kM;
  const DevDaxView d = Dax2M();
  const UserAddr a = DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(4 * kM),
                                        Pgoff(0), 0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{6 * kM, 4 * kM}));
  EXPECT_FALSE(IsErrValue(a));
  EXPECT_TRUE(IsErrValue(UserAddr(static_cast<uint64_t>(-4095))));
  EXPECT_FALSE(IsErrValue(UserAddr(static_cast<uint64_t>(-4096))));
}

// off + len + align wraps past 2^64: asked as is.
TEST(DaxGetUnmappedAreaTest, WrappingOffsetIsAskedAsIs) {
  FakeMm mm;
  const DevDaxView d = Dax2M();
  // off = 2^64 - 4 MiB, len = 4 MiB - 4 KiB: off_end = 2^64 - 4 KiB does
  // not wrap and holds one whole block, but off + len + 2 MiB does.
  const uint64_t off = static_cast<uint64_t>(-(4 * kM));
  DaxGetUnmappedArea(&d, UserAddr(0), ByteSize(4 * kM - 4 * kK),
                     Pgoff(off >> 12), 0, mm.Fn());
  EXPECT_EQ(mm.lens, (std::vector<uint64_t>{4 * kM - 4 * kK}));
}

// --- page-table memory ----------------------------------------------------

absl::uint128 Total(uint64_t per_unit, uint64_t n) {
  return absl::uint128(per_unit) * n;
}

double RelativeError(absl::uint128 got, absl::uint128 want) {
  const double g = static_cast<double>(got), w = static_cast<double>(want);
  return (g > w ? g - w : w - g) / w;
}

// The discussion's table: 6 TB mapped by each of 10,000 processes. Its
// figures are the per-process cost in binary units times 10,000, written
// with the thousands folded into the next unit name: 12 GiB x 10,000 =
// "120,000 GB", 24 MiB x 10,000 = "240 GB", 48 KiB x 10,000 = "480 MB".
// In strict binary units those are 117.19 TiB, 234.38 GiB and 468.75 MiB;
// in SI units 128.8 TB, 251.7 GB and 491.5 MB: "about" either way.
TEST(PageTableReportTest, SixTerabytesTenThousandProcesses) {
  const std::vector<PageTableCost> c =
      ComputePageTableReport(10000, ByteSize(6 * kT));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].entry, "PTE");
  EXPECT_EQ(c[1].entry, "PMD");
  EXPECT_EQ(c[2].entry, "PUD");

  // About 120,000 GB of PTEs at 4K.
  EXPECT_LT(RelativeError(c[0].entry_bytes_total, Total(kG, 120000)), 0.01);
  // About 240 GB of PMDs at 2M (240,000 MiB).
  EXPECT_LT(RelativeError(c[1].entry_bytes_total, Total(kM, 240000)), 0.01);
  // About 480 MB of PUDs at 1G (480,000 KiB).
  EXPECT_LT(RelativeError(c[2].entry_bytes_total, Total(kK, 480000)), 0.01);

  // "About": within 5% of the headline in SI and in binary units alike.
  EXPECT_LT(RelativeError(c[1].entry_bytes_total, Total(1000000000, 240)),
            0.05);
  EXPECT_LT(RelativeError(c[1].entry_bytes_total, Total(kG, 240)), 0.05);
  EXPECT_LT(RelativeError(c[2].entry_bytes_total, Total(1000000, 480)), 0.05);
  EXPECT_LT(RelativeError(c[2].entry_bytes_total, Total(kM, 480)), 0.05);

  // Per process: 12 GiB, 24 MiB, 48 KiB of entries.
  EXPECT_EQ(c[0].entry_bytes_per_process, ByteSize(12 * kG));
  EXPECT_EQ(c[1].entry_bytes_per_process, ByteSize(24 * kM));
  EXPECT_EQ(c[2].entry_bytes_per_process, ByteSize(48 * kK));
  EXPECT_EQ(c[2].entries_per_process, 6144u);

  // Table pages: the leaf entries fill their tables exactly, plus the
  // levels above (a PMD table per GiB, a PUD table per 512 GiB).
  EXPECT_EQ(c[0].table_bytes_per_process,
            ByteSize(12 * kG + 24 * kM + 48 * kK));
  EXPECT_EQ(c[1].table_bytes_per_process, ByteSize(24 * kM + 48 * kK));
  EXPECT_EQ(c[2].table_bytes_per_process, ByteSize(48 * kK));
}

TEST(PageTableReportTest, RendersTheTable) {
  EXPECT_EQ(
      RenderPageTableReport(10000, 6 * kT),
      "device-dax page-table memory: 10,000 processes each mapping 6 TiB "
      "(6,597,069,766,656 bytes)\n"
      "leaf entries are 8 bytes; table pages are 4 KiB, counted from the "
      "leaf table up to the PUD table\n"
      "\n"
      "fault  entry  entries/process  bytes/process  all processes (exact)  "
      "all processes  with table pages\n"
      "4K     PTE    1,610,612,736    12 GiB         120,000 GiB            "
      "117.19 TiB     117.42 TiB\n"
      "2M     PMD    3,145,728        24 MiB         240,000 MiB            "
      "234.38 GiB     234.83 GiB\n"
      "1G     PUD    6,144            48 KiB         480,000 KiB            "
      "468.75 MiB     468.75 MiB\n");
}

// Partial blocks still take an entry, and table pages round up per level:
// one process mapping 1 GiB + 4 KiB needs 262,145 PTEs in 513 PTE tables,
// 2 PMD tables and 1 PUD table; 513 PMDs in 2 PMD tables and 1 PUD table;
// 2 PUDs in 1 PUD table.
TEST(PageTableReportTest, PartialBlocksRoundUp) {
  const std::vector<PageTableCost> c =
      ComputePageTableReport(1, ByteSize(kG + 4 * kK));
  EXPECT_EQ(c[0].entries_per_process, 262145u);
  EXPECT_EQ(c[0].table_bytes_per_process, ByteSize((513 + 2 + 1) * 4 * kK));
  EXPECT_EQ(c[1].entries_per_process, 513u);
  EXPECT_EQ(c[1].table_bytes_per_process, ByteSize((2 + 1) * 4 * kK));
  EXPECT_EQ(c[2].entries_per_process, 2u);
  EXPECT_EQ(c[2].entry_bytes_per_process, ByteSize(16));
  EXPECT_EQ(c[2].table_bytes_per_process, ByteSize(4 * kK));
}

TEST(PageTableReportTest, NothingMappedCostsNothing) {
  for (const PageTableCost& c : ComputePageTableReport(0, ByteSize(6 * kT))) {
    EXPECT_EQ(c.entry_bytes_total, 0);
    EXPECT_EQ(c.table_bytes_total, 0);
  }
  for (const PageTableCost& c : ComputePageTableReport(10, ByteSize(0))) {
    EXPECT_EQ(c.entries_per_process, 0u);
    EXPECT_EQ(c.table_bytes_total, 0);
  }
}

// The largest inputs do not overflow: 2^52 PTEs of 8 bytes per process,
// times 2^64 - 1 processes, is held exactly.
TEST(PageTableReportTest, LargestInputsAreExact) {
  const PageTableCost c =
      ComputePageTableCost(UINT64_MAX, ByteSize(UINT64_MAX), ByteSize(4 * kK));
  EXPECT_EQ(c.entries_per_process, uint64_t{1} << 52);
  EXPECT_EQ(c.entry_bytes_total / UINT64_MAX, uint64_t{1} << 55);
  EXPECT_EQ(c.entry_bytes_total % UINT64_MAX, 0);
  EXPECT_FALSE(RenderPageTableReport(UINT64_MAX, UINT64_MAX).empty());
}

TEST(PageTableReportTest, ByteFormats) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1000), "1,000");
  EXPECT_EQ(GroupThousands(1234567), "1,234,567");
  EXPECT_EQ(FormatBytesExact(0), "0 B");
  EXPECT_EQ(FormatBytesExact(1000), "1,000 B");
  EXPECT_EQ(FormatBytesExact(6 * kT), "6 TiB");
  EXPECT_EQ(FormatBytesExact(12 * kG + 24 * kM + 48 * kK), "12,607,536 KiB");
  EXPECT_EQ(FormatBytesRounded(512), "512 B");
  EXPECT_EQ(FormatBytesRounded(1024), "1.00 KiB");
  EXPECT_EQ(FormatBytesRounded(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytesRounded(1029), "1.00 KiB");  // 1.0049
  EXPECT_EQ(FormatBytesRounded(1030), "1.01 KiB");  // 1.0059
  // 1023.999 KiB rounds to 1024.00 KiB: printed as 1.00 MiB.
  EXPECT_EQ(FormatBytesRounded(kM - 1), "1.00 MiB");
  EXPECT_EQ(FormatBytesRounded(Total(kG, 120000)), "117.19 TiB");
}

}  // namespace
}  // namespace memhp::hotplug
