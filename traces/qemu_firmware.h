// What QEMU 7.2's pc machine (i440fx, as Debian 12 ships it) and SeaBIOS
// show a guest of the `qemu` line's memory arguments, so that a scenario
// without a recorded firmware map (traces/capture scenarios) boots on the
// model too:
//
//  - RAM below 4 GiB (hw/i386/pc_piix.c pc_init1): all of `-m` when it is
//    below 0xe0000000, else 3 GiB; the rest above 4 GiB;
//  - the e820 map SeaBIOS reports: [0, 0x9fc00) RAM, the EBDA and the BIOS
//    area reserved, RAM from 1 MiB up to the low RAM's end less the 128 KiB
//    SeaBIOS keeps for its tables, the BIOS flash below 4 GiB, the RAM
//    above 4 GiB, and the HyperTransport hole [0xfd00000000, 1 TiB)
//    reserved (QEMU adds it for the "max" CPU's 40 address bits);
//  - the SRAT (hw/i386/acpi-build.c build_srat) when the guest has NUMA
//    nodes or hot-pluggable memory (QEMU makes node 0 by itself for
//    `slots=`): [0, 640 KiB) on node 0, then each node's memory (from
//    `-numa node,memdev=` and the backend's size) from 1 MiB on, split at
//    the low RAM's end and continued at 4 GiB; the device memory
//    (pc_memory_init: at 4 GiB + the high RAM rounded up to 1 GiB, maxmem -
//    RAM + 1 GiB per slot long) hot-pluggable on the last node;
//  - the PCI host bridge windows (pc_pci_hole64_start, i440fx's 2 GiB
//    pci-hole64-size).
//
// Arguments other than -m, -object memory-backend-ram and -numa node are
// ignored (-device pc-dimm is a trace's `dimm add`).

#ifndef MEMHP_TRACES_QEMU_FIRMWARE_H_
#define MEMHP_TRACES_QEMU_FIRMWARE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "traces/trace.h"

namespace memhp::traces {

struct QemuFirmware {
  std::vector<E820Entry> e820;
  std::vector<NumaRange> numa;
  // The PCI host bridge's memory windows in its ACPI _CRS (i440fx): the
  // legacy VGA window, [low RAM end, 0xfec00000), and the 2 GiB 64-bit
  // window after the RAM above 4 GiB and the device memory, at a 1 GiB
  // boundary.
  std::vector<model::PhysRange> pci_windows;
};

// Errors: InvalidArgument "file:line: ..." (`line` of the qemu setting)
// for arguments that are not QEMU's: no -m, a malformed size, a -numa node
// whose memdev is unknown, node memory that does not add up to -m.
absl::StatusOr<QemuFirmware> QemuPcFirmware(std::string_view qemu_args,
                                            std::string_view file, int line);

// `config` with its e820 and numa lines made from its qemu line when it has
// no e820 line (a scenario); unchanged otherwise.
absl::StatusOr<Config> WithQemuFirmware(Config config, std::string_view file);

}  // namespace memhp::traces

#endif  // MEMHP_TRACES_QEMU_FIRMWARE_H_
