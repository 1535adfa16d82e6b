// The x86 firmware memory map as the hotplug core sees it at boot:
// arch/x86/kernel/e820.c and the e820 part of setup_arch() in
// arch/x86/kernel/setup.c (v6.1: Debian linux-source-6.1 6.1.192-2).
//
// Tables:    E820RangeAdd, E820UpdateTable (the change-point sanitizer),
//            E820RangeUpdate, E820RangeRemove, E820MappedAny, E820MappedAll,
//            E820PrintTable, ParseE820Table (the printed form, back to a
//            table).
// Boot:      E820Setup (e820_table and the globals the early parameters
//            set): ParseEarlyParam (mem=, memmap=), E820FinishEarlyParams,
//            E820AddKernelRange, TrimBiosRange; SetupArchE820 runs them in
//            setup_arch() order.
// Consumers: E820MemblockSetup (memblock.memory / memblock.reserved),
//            E820ReserveResources and E820ReserveResourcesLate (what
//            /proc/iomem gets), E820EndOfRamPfn (max_pfn).
//
// Every printk goes to the EventLog with the kernel's text, including the
// KERN_DEBUG "e820: update ..." and "e820: remove ..." lines (dmesg shows
// them; the console at loglevel=7 does not).
//
// Invariants of a table after a successful E820UpdateTable (the kernel's
// "sanitized" map, which e820__memblock_setup and e820__reserve_resources
// rely on):
//  E820-1  entries are sorted by address, non-empty and do not overlap;
//  E820-2  two touching entries have different types, unless the type is
//          E820_TYPE_PRAM or E820_TYPE_SOFT_RESERVED (never merged);
//  E820-3  at most E820_MAX_ENTRIES entries.

#ifndef MEMHP_HOTPLUG_E820_H_
#define MEMHP_HOTPLUG_E820_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hotplug/resource.h"
#include "model/event_log.h"
#include "model/geometry.h"
#include "model/range.h"
#include "model/status.h"
#include "model/types.h"

namespace memhp::hotplug {

// enum e820_type (arch/x86/include/asm/e820/types.h). Any 32-bit value can
// occur: firmware reports vendor types and memmap=nn%ss+type sets any type.
enum class E820Type : uint32_t {
  kRam = 1,                    // E820_TYPE_RAM
  kReserved = 2,               // E820_TYPE_RESERVED
  kAcpi = 3,                   // E820_TYPE_ACPI
  kNvs = 4,                    // E820_TYPE_NVS
  kUnusable = 5,               // E820_TYPE_UNUSABLE
  kPmem = 7,                   // E820_TYPE_PMEM
  kPram = 12,                  // E820_TYPE_PRAM (legacy pmem, memmap=nn!ss)
  kSoftReserved = 0xefffffff,  // E820_TYPE_SOFT_RESERVED (EFI_MEMORY_SP)
  kReservedKern = 128,         // E820_TYPE_RESERVED_KERN (setup_data)
};

// E820_MAX_ENTRIES: E820_MAX_ENTRIES_ZEROPAGE (128) + 3 * MAX_NUMNODES, with
// Debian's NODES_SHIFT 10.
inline constexpr size_t kE820MaxEntries = 128 + 3 * 1024;
// ISA_START_ADDRESS / BIOS_BEGIN and ISA_END_ADDRESS / BIOS_END /
// HIGH_MEMORY.
inline constexpr model::PhysAddr kBiosBegin{0xa0000};
inline constexpr model::PhysAddr kBiosEnd{0x100000};
// x86's COMMAND_LINE_SIZE.
inline constexpr size_t kCommandLineSize = 2048;

// e820_print_type(): "usable" (RAM and RESERVED_KERN), "reserved",
// "soft reserved", "ACPI data", "ACPI NVS", "unusable",
// "persistent (type 7)", "persistent (type 12)", else "type %u".
std::string E820PrintType(E820Type type);
// e820_type_to_string(): the /proc/iomem name.
std::string_view E820TypeToString(E820Type type);

// e820_type_to_iores_desc() (IoresDesc: hotplug/resource.h).
IoresDesc E820TypeToIoresDesc(E820Type type);

// struct e820_entry: [addr, addr + size). The kernel computes with u64 and
// so does the model: addr + size may wrap (E820UpdateTable then refuses the
// table, as the kernel does).
struct E820Entry {
  model::PhysAddr addr;
  model::ByteSize size;
  E820Type type = E820Type::kRam;

  // addr + size - 1, the inclusive end the kernel prints (u64 arithmetic).
  model::PhysAddr Last() const {
    return model::PhysAddr(addr.value() + size.value() - 1);
  }
  bool operator==(const E820Entry&) const = default;
};

// struct e820_table, in table order (sorted only after E820UpdateTable).
struct E820Table {
  std::vector<E820Entry> entries;
  bool operator==(const E820Table&) const = default;
};

// --- tables (arch/x86/kernel/e820.c) -----------------------------------------

// __e820__range_add(table, start, size, type): appends; when the table holds
// E820_MAX_ENTRIES already, pr_err "too many entries; ignoring [mem ...]".
void E820RangeAdd(E820Table* table, model::PhysAddr start, model::ByteSize size,
                  E820Type type, model::EventLog* log);

// e820__update_table(table): the change-point sanitizer. Overlaps resolve to
// the highest type value (unsigned: SOFT_RESERVED beats all named types,
// RESERVED_KERN beats RAM..PRAM); touching entries of one type merge except
// PRAM and SOFT_RESERVED; empty entries vanish.
// Returns the kernel's value: 0 when the table was rewritten, -1 when it was
// left as is (fewer than two entries, or an entry whose end wraps past 2^64).
int E820UpdateTable(E820Table* table);

// __e820__range_update(table, start, size, old_type, new_type): entries of
// old_type inside [start, start + size) become new_type (split as needed;
// the pieces are appended, so the table needs E820UpdateTable afterwards).
// size is clamped to ULLONG_MAX - start. Prints (KERN_DEBUG)
// "e820: update [mem %#010Lx-%#010Lx] OLD ==> NEW".
// Returns the number of bytes retyped, or nullopt when old_type == new_type:
// the kernel's BUG_ON, logged as a BUG, table unchanged.
std::optional<model::ByteSize> E820RangeUpdate(
    E820Table* table, model::PhysAddr start, model::ByteSize size,
    E820Type old_type, E820Type new_type, model::EventLog* log);

// e820__range_remove(start, size, old_type, check_type): cuts
// [start, start + size) out of the entries (of old_type when check_type).
// Fully covered entries become {0, 0, 0} in place until the next
// E820UpdateTable. Prints (KERN_DEBUG) "e820: remove [mem %#010Lx-%#010Lx] "
// followed by the type when check_type.
// Returns the number of bytes removed.
model::ByteSize E820RangeRemove(E820Table* table, model::PhysAddr start,
                                model::ByteSize size, E820Type old_type,
                                bool check_type, model::EventLog* log);

// _e820__mapped_any(table, start, end, type): some part of [start, end) is
// covered by an entry of `type` (any type when nullopt).
bool E820MappedAny(const E820Table& table, model::PhysAddr start,
                   model::PhysAddr end, std::optional<E820Type> type);
// __e820__mapped_all(start, end, type): all of [start, end) is covered by
// entries of `type`. REQUIRES (as in the kernel): the table is sanitized.
bool E820MappedAll(const E820Table& table, model::PhysAddr start,
                   model::PhysAddr end, std::optional<E820Type> type);

// One line of e820__print_table(who): "%s: [mem %#018Lx-%#018Lx] " + type,
// e.g. "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable".
std::string E820FormatEntry(const E820Entry& entry, std::string_view who);
// e820__print_table(who): one pr_info line per entry.
void E820PrintTable(const E820Table& table, std::string_view who,
                    model::EventLog* log);

// The printed form of a table back into a table: lines of
//   [whitespace] ["[" seconds "]"] ["[" caller id like "T0" "]"] then one of
//     nothing | "#" comment | a kernel header ("BIOS-provided physical RAM
//     map:", "user-defined physical RAM map:", ...) |
//     WHO ": [mem " START "-" END "] " TYPE
// with optional trailing whitespace. START and END are "0x" hex (END
// inclusive); TYPE is an e820_print_type() text; WHO must equal `who`.
// "usable" reads as E820_TYPE_RAM (RESERVED_KERN prints the same).
// Guarantees on success: at least one and at most E820_MAX_ENTRIES entries,
// each with START <= END and a size below 2^64, in file order.
// Errors: InvalidArgument "file:line:col: expected ..." (model::BadInput) for
// the first offending token; an empty table is reported at file:1:1.
absl::StatusOr<E820Table> ParseE820Table(std::string_view text,
                                         std::string_view file,
                                         std::string_view who = "BIOS-e820");

// --- boot (setup_arch)
// ---------------------------------------------------------

// e820_table and the globals of arch/x86/kernel/e820.c that the early
// parameters change: userdef, and max_mem_size (mm/memory_hotplug.c) from
// mem=. The functions are those setup_arch() calls, in its order:
// E820MemorySetup (the print), ParseEarlyParam, E820FinishEarlyParams,
// E820AddKernelRange, TrimBiosRange.
//
// A BUG or panic on the way (memmap=nn%ss-T+T, an unusable user map) is
// logged and sets halted(); later calls then do nothing, as the kernel got
// no further.
//
// DIVERGENCE: e820_table_kexec and e820_table_firmware are not modelled, nor
// setup_data (e820__memory_setup_extended, e820__reserve_setup_data), EFI
// (efi_init, efi_fake_mem) or MTRR trimming: none of them touches the
// tables of the QEMU captures, and the hotplug core never reads them.
class E820Setup {
 public:
  // `firmware` is the table e820__memory_setup() printed, i.e. after
  // e820__memory_setup_default() sanitized the boot_params list.
  // `log` must outlive this object.
  E820Setup(E820Table firmware, model::EventLog* log);

  const E820Table& table() const { return table_; }
  E820Table* mutable_table() { return &table_; }
  // userdef: an early parameter changed the map, so E820FinishEarlyParams
  // sanitizes and prints it.
  bool userdef() const { return userdef_; }
  // max_mem_size as mem= set it (CONFIG_MEMORY_HOTPLUG); nullopt for the
  // default U64_MAX.
  std::optional<model::ByteSize> max_mem_size() const { return max_mem_size_; }
  // A BUG or panic stopped the boot.
  bool halted() const { return halted_; }
  // The options the kernel refused or only partly honoured, one
  // "file:line:col: ..." InvalidArgument status (model::BadInput) each, for
  // the author of the command line: the kernel itself accepts every command
  // line (do_early_param returns 0) and only warns for some of these.
  const std::vector<absl::Status>& malformed() const { return malformed_; }

  // e820__memory_setup(): "BIOS-provided physical RAM map:" and the table
  // under `who`.
  void E820MemorySetup(std::string_view who = "BIOS-e820");

  // parse_early_param() (init/main.c) for the parameters that change the
  // e820 table: next_arg() splitting (quotes, "--"), then do_early_param for
  // "mem" (parse_memopt) and "memmap" (parse_memmap_opt / parse_memmap_one),
  // with "Malformed early option '%s'" when a handler returns non-zero.
  // `cmdline_at` is where the command line starts in the user's file; the
  // columns of malformed() count from it.
  // Errors: InvalidArgument (model::BadInput) when `cmdline` cannot be a
  // kernel command line (a NUL or newline, or COMMAND_LINE_SIZE bytes or
  // more); nothing is parsed then.
  absl::Status ParseEarlyParam(std::string_view cmdline,
                               const model::SourceLocation& cmdline_at);

  // e820__finish_early_params(): with userdef, sanitize ("Invalid user
  // supplied memory map" panic when E820UpdateTable refuses) and print
  // "user-defined physical RAM map:" and the "user" table.
  void E820FinishEarlyParams();

  // e820_add_kernel_range(): when [_text, _end) is not all RAM, warn
  // ".text .data .bss are not marked as E820_TYPE_RAM!" and make it RAM.
  void E820AddKernelRange(model::PhysRange kernel);

  // trim_bios_range(): the first page RAM -> reserved, RAM in
  // [BIOS_BEGIN, BIOS_END) removed, then sanitize. Both lines print on every
  // boot, whether or not the table had RAM there: the printk precedes the
  // search. "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved",
  // "e820: remove [mem 0x000a0000-0x000fffff] usable".
  void TrimBiosRange();

 private:
  // The early_param handlers; `p` points into the copy of the command line
  // that base_ starts, so positions map back to columns.
  int ParseMemopt(const char* param, char* p);
  int ParseMemmapOne(char* p);
  int ParseMemmapOpt(char* str);
  void DoEarlyParam(char* param, char* val);
  // Records a malformed() entry for the character at `at`.
  void Malformed(const char* at, std::string_view what);
  void Panic(std::string_view message);

  E820Table table_;
  model::EventLog* log_;
  bool userdef_ = false;
  std::optional<model::ByteSize> max_mem_size_;
  bool halted_ = false;
  std::vector<absl::Status> malformed_;
  model::SourceLocation cmdline_at_;
  const char* base_ = nullptr;
};

// What setup_arch() makes of the firmware table and the command line, up to
// the point the hotplug core reads it (after trim_bios_range).
struct E820SetupResult {
  E820Table table;
  bool userdef = false;
  std::optional<model::ByteSize> max_mem_size;
  bool halted = false;
  std::vector<absl::Status> malformed;
};

// E820MemorySetup("BIOS-e820"), ParseEarlyParam(cmdline),
// E820FinishEarlyParams(), E820AddKernelRange(*kernel_image) when given
// (without one the kernel image is taken to lie in RAM, as it does on every
// boot that gets this far), TrimBiosRange(). The log gets every line the
// kernel prints on the way.
// Errors: those of ParseEarlyParam (bad input only).
absl::StatusOr<E820SetupResult> SetupArchE820(
    E820Table firmware, std::string_view cmdline,
    const model::SourceLocation& cmdline_at, model::EventLog* log,
    std::optional<model::PhysRange> kernel_image = std::nullopt);

// --- consumers
// -----------------------------------------------------------------

// What e820__memblock_setup() adds to memblock.
struct E820Memblock {
  // memblock.memory: RAM and RESERVED_KERN entries, merged where they touch
  // or overlap (memblock_add), then memblock_trim_memory(PAGE_SIZE).
  std::vector<model::PhysRange> memory;
  // memblock.reserved: the SOFT_RESERVED entries (memblock_reserve, merged).
  // DIVERGENCE: only e820's reservations; the kernel image, initrd and the
  // early allocations are not modelled.
  std::vector<model::PhysRange> reserved;
  bool operator==(const E820Memblock&) const = default;
};
// e820__memblock_setup(). REQUIRES: geometry is an x86_64 one (PAGE_SIZE).
E820Memblock E820MemblockSetup(const E820Table& table,
                               const model::Geometry& geometry);

// One resource e820__reserve_resources() prepares.
struct E820Resource {
  model::PhysRange range;
  std::string name;  // e820_type_to_string()
  // IORESOURCE_BUSY: do_mark_busy() — everything starting below 1 MiB, and
  // RAM, RESERVED_KERN, ACPI, NVS, UNUSABLE and unknown types anywhere. Busy
  // ones are insert_resource()d at once; the others (RESERVED,
  // SOFT_RESERVED, PRAM, PMEM at or above 1 MiB) by
  // e820__reserve_resources_late() with insert_resource_expand_to_fit(), so
  // drivers (PCI, nd_e820, dax_hmem) can claim them.
  bool busy = false;
  IoresDesc desc = IoresDesc::kNone;
  // e820_type_to_iomem_type(): IORESOURCE_SYSTEM_RAM (RAM, RESERVED_KERN),
  // else IORESOURCE_MEM.
  bool system_ram = false;
  bool operator==(const E820Resource&) const = default;
};
// e820__reserve_resources(): one resource per entry, in table order.
// DIVERGENCE: an empty entry (left by E820RangeRemove when E820UpdateTable
// refused the table) and an entry that reaches the last byte of the 64-bit
// space are left out: neither fits a half-open PhysRange, and the kernel's
// insert_resource() fails for both (no x86 CPU has 64 physical address bits).
std::vector<E820Resource> E820ReserveResources(const E820Table& table);

// The "RAM buffer" part of e820__reserve_resources_late(): after each RAM
// entry, up to ram_alignment() (64 KiB in the first MiB, 1 MiB below 16 MiB,
// 64 MiB above), printing (KERN_DEBUG)
// "e820: reserve RAM buffer [mem %#010llx-%#010llx]". Returns the ranges in
// that order; the iomem tree reserves them with reserve_region_with_split()
// ("RAM buffer", busy), i.e. only the parts no other resource holds.
std::vector<model::PhysRange> E820ReserveResourcesLate(const E820Table& table,
                                                       model::EventLog* log);

// e820__end_of_ram_pfn() / e820__end_of_low_ram_pfn(): the end of the last
// RAM entry below MAX_ARCH_PFN (1 << (MAX_PHYSMEM_BITS - PAGE_SHIFT)) or
// 4 GiB, printing "last_pfn = %#lx max_arch_pfn = %#lx".
model::Pfn E820EndOfRamPfn(const E820Table& table,
                           const model::Geometry& geometry,
                           model::EventLog* log);
model::Pfn E820EndOfLowRamPfn(const E820Table& table,
                              const model::Geometry& geometry,
                              model::EventLog* log);

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_E820_H_
