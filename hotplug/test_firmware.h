// Firmware maps of the shared capture logs, for the hotplug tests: what
// SeaBIOS reports to the QEMU guests of ../shared/capture-logs (the
// "BIOS-e820:" lines, ParseE820Table's input).

#ifndef MEMHP_HOTPLUG_TEST_FIRMWARE_H_
#define MEMHP_HOTPLUG_TEST_FIRMWARE_H_

namespace memhp::hotplug {

// p2: -m 2G,slots=2,maxmem=8G. 2 GiB of RAM below 4 GiB, nothing above.
inline constexpr char kP2Firmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable\n"
    "BIOS-e820: [mem 0x000000007ffe0000-0x000000007fffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

// p3: -m 5G: 3 GiB below 4 GiB, 2 GiB above.
inline constexpr char kP3Firmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n"
    "BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x0000000100000000-0x000000017fffffff] usable\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

// The pmem logs of traces/corpus/kernel-6.1 (-m 6G): 3 GiB below 4 GiB,
// 3 GiB above.
inline constexpr char kSixGiBFirmware[] =
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
    "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
    "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\n"
    "BIOS-e820: [mem 0x00000000bffe0000-0x00000000bfffffff] reserved\n"
    "BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n"
    "BIOS-e820: [mem 0x0000000100000000-0x00000001bfffffff] usable\n"
    "BIOS-e820: [mem 0x000000fd00000000-0x000000ffffffffff] reserved\n";

}  // namespace memhp::hotplug

#endif  // MEMHP_HOTPLUG_TEST_FIRMWARE_H_
