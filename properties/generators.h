// RapidCheck generators for the property tests of the hotplug core, in the
// trace vocabulary (traces/trace.h), so that a failing case prints as a
// trace `memhp replay` runs.
//
// The machines are small (a few GiB, 128 MiB memory blocks) so that every
// operation and every invariant check after it is fast.

#ifndef MEMHP_PROPERTIES_GENERATORS_H_
#define MEMHP_PROPERTIES_GENERATORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.h"
#include "rapidcheck.h"
#include "traces/trace.h"

namespace memhp::properties {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;
inline constexpr uint64_t kGiB = uint64_t{1} << 30;

// Where GenSmallX86Config puts the first hot-pluggable SRAT range, which
// QEMU uses as its device memory (traces/qemu_dimm.h).
inline constexpr model::PhysAddr kHotplugBase{4 * kGiB};

// A boot configuration the x86 boot accepts, shaped as QEMU's q35/pc
// firmware describes a guest with `-m RAM,slots=N,maxmem=M`:
//  - geometry x86_64 or x86_64-la57, profile v6.1 or v7.1;
//  - e820: usable RAM from 0 to RAM_END (512 MiB .. 3 GiB, 2 MiB steps)
//    with the usual low holes (EBDA at 0x9fc00, the BIOS ROM at 0xf0000),
//    often the last 128 KiB reserved (the ACPI tables), and the BIOS flash
//    below 4 GiB;
//  - SRAT: the RAM on node 0, a hot-pluggable range of 2..8 GiB at 4 GiB on
//    node 0 and, sometimes, a second hot-pluggable range of 1..4 GiB right
//    after it on node 1 (so that node 1 is possible but memoryless at boot).
// No command line and no toggles.
rc::Gen<traces::Config> GenSmallX86Config();

// The node ids the SRAT lines of `config` name, ascending, each once.
std::vector<model::NodeId> SratNodes(const traces::Config& config);

// The size of a `dimm add`: mostly a multiple of 128 MiB up to 1 GiB,
// sometimes a multiple of 2 MiB that is not a multiple of 128 MiB (QEMU
// accepts it, the kernel's check_hotplug_memory_range() refuses it).
rc::Gen<model::ByteSize> GenDimmSize();

// A QEMU id "dN" with N in [0, count).
std::string DimmId(int n);

// A value for memoryN/state: one of the four online types
// (online_type_to_str[]), sometimes a value state_store refuses.
rc::Gen<std::string> GenStateValue();
// A value for memoryN/online: "0" or "1", sometimes one kstrtobool refuses.
rc::Gen<std::string> GenOnlineValue();
// A value for auto_online_blocks: one of the four online types, sometimes
// one auto_online_blocks_store refuses.
rc::Gen<std::string> GenAutoOnlineValue();

// A soft-reserved range of a dax configuration.
struct DaxRange {
  uint64_t start = 0;
  uint64_t size = 0;
};

// A machine like p3's: 3 GiB below 4 GiB and 1..3 GiB above (multiples of
// 128 MiB), with one or two ranges of the RAM above 4 GiB soft-reserved by
// `memmap=SIZE%OFFSET+0xefffffff` on the command line: mostly 2 MiB aligned
// (sometimes whole sections), sometimes only 4 KiB aligned (dax_hmem then
// refuses the region: alloc_dax_region wants PMD alignment). Profile v6.1.
rc::Gen<traces::Config> GenDaxConfig();
// The same machines with legacy pmem instead: `memmap=SIZE!START`.
rc::Gen<traces::Config> GenLegacyPmemConfig();
// The soft-reserved or legacy pmem ranges of such a configuration.
std::vector<DaxRange> DaxRangesOf(const traces::Config& config);

// /sys/devices/system/memory/memoryN/state and .../online, and
// /sys/devices/system/memory/auto_online_blocks.
std::string BlockStatePath(model::BlockId id);
std::string BlockOnlinePath(model::BlockId id);
inline constexpr std::string_view kAutoOnlineBlocksPath =
    "/sys/devices/system/memory/auto_online_blocks";

}  // namespace memhp::properties

#endif  // MEMHP_PROPERTIES_GENERATORS_H_
