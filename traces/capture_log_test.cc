// The capture-log v1 reader: the three real logs of traces/corpus/kernel-6.1
// read into their structure, every kind of malformed input refused with a
// file:line:col error, and no input at all (truncations and random
// mutations of the real logs) making it crash.

#include "traces/capture_log.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "traces/test_util.h"
#include "traces/text.h"

namespace memhp::traces {
namespace {

using model::BlockId;
using model::ByteSize;
using model::NodeId;
using model::NrPages;
using model::Pfn;
using model::PhysAddr;

CaptureLog Read(const std::string& name) {
  absl::StatusOr<CaptureLog> log =
      ReadCaptureLog(ReadTestFile(CorpusLogPath(name)), name + ".log");
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *log : CaptureLog{};
}

// The error message of reading `text` as file "c.log", or "OK".
std::string ErrorOf(std::string_view text) {
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(text, "c.log");
  if (log.ok()) return "OK";
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(log.status().message());
}

// A minimal well-formed log; tests splice bad lines into it.
constexpr char kHead[] =
    "console noise\n"
    "=== memhp-capture v1\n"
    "=== cmdline console=ttyS0 \n"
    "=== kernel 6.1.0-56-amd64\n";
constexpr char kBootSnapshot[] =
    "=== snapshot boot\n"
    "--- /proc/zoneinfo\n"
    "Node 0, zone      DMA\n"
    "        spanned  4095\n"
    "        present  3998\n"
    "        managed  3840\n"
    "  start_pfn:           1\n"
    "--- /proc/iomem\n"
    "00001000-0009fbff : System RAM\n"
    "  01000000-01ffffff : Kernel code\n"
    "--- /sys/devices/system/memory\n"
    "block_size_bytes 8000000 auto_online_blocks offline\n"
    "memory0 state=online phys_index=00000000 valid_zones=none removable=1 "
    "node=0\n"
    "--- /sys/bus/dax\n"
    "--- dmesg\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] "
    "usable\n"
    "=== end snapshot boot\n";
constexpr char kTail[] =
    "=== end capture\n"
    "=== qemu -m 4G\n";

std::string Log(std::string_view middle = "") {
  return model::Cat(kHead, kBootSnapshot, middle, kTail);
}

TEST(ReadCaptureLogTest, ReadsTheMinimalLog) {
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(Log(), "c.log");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->console.size(), 1u);
  EXPECT_EQ(log->header_line, 2);
  EXPECT_EQ(log->cmdline.text, "console=ttyS0 ");
  EXPECT_EQ(log->kernel.text, "6.1.0-56-amd64");
  ASSERT_EQ(log->Snapshots().size(), 1u);
  const CaptureSnapshot& s = *log->Snapshots()[0];
  EXPECT_EQ(s.label, "boot");
  ASSERT_EQ(s.zones.size(), 1u);
  EXPECT_EQ(s.zones[0].zone, "DMA");
  EXPECT_EQ(s.zones[0].spanned, NrPages(4095));
  EXPECT_EQ(s.zones[0].present, NrPages(3998));
  EXPECT_EQ(s.zones[0].managed, NrPages(3840));
  EXPECT_EQ(s.zones[0].start_pfn, Pfn(1));
  ASSERT_EQ(s.iomem.size(), 2u);
  EXPECT_EQ(s.iomem[1].iomem.depth, 1);
  EXPECT_EQ(s.iomem[1].iomem.name, "Kernel code");
  EXPECT_EQ(s.memory.block_size, ByteSize(0x8000000));
  ASSERT_EQ(s.memory.blocks.size(), 1u);
  EXPECT_TRUE(s.memory.blocks[0].valid_zones.empty());
  ASSERT_EQ(s.dmesg.size(), 1u);
  EXPECT_EQ(s.dmesg[0].timestamp, "[    0.000000]");
  EXPECT_EQ(s.end_line, 21);
  EXPECT_EQ(log->end_capture_line, 22);
  EXPECT_EQ(log->qemu.text, "-m 4G");
}

TEST(ReadCaptureLogTest, ReadsP1BootOnly) {
  const CaptureLog log = Read("p1-boot-4g");
  // Everything the kernel printed before /init ran the scenario.
  EXPECT_EQ(log.console.size(), 370u);
  EXPECT_FALSE(log.console[0].kernel.has_value());  // firmware escapes first
  ASSERT_TRUE(log.console[1].kernel.has_value());
  EXPECT_EQ(log.console[1].kernel->text,
            "Command line: console=ttyS0 loglevel=7 panic=-1 ");
  EXPECT_EQ(log.header_line, 371);
  EXPECT_EQ(log.cmdline.text, "console=ttyS0 loglevel=7 panic=-1 ");
  ASSERT_EQ(log.entries.size(), 1u);
  const CaptureSnapshot& boot = *log.Snapshots()[0];
  ASSERT_EQ(boot.zones.size(), 5u);
  EXPECT_EQ(boot.zones[1].zone, "DMA32");
  EXPECT_EQ(boot.zones[1].spanned, NrPages(1044480));
  EXPECT_EQ(boot.zones[1].present, NrPages(782304));
  EXPECT_EQ(boot.zones[4].zone, "Device");
  EXPECT_FALSE(boot.zones[4].start_pfn.has_value());
  ASSERT_EQ(boot.iomem.size(), 28u);
  EXPECT_EQ(boot.iomem.back().iomem.start, PhysAddr(0xfd00000000));
  EXPECT_EQ(boot.iomem.back().iomem.end, PhysAddr(0xffffffffff));
  EXPECT_EQ(boot.memory.blocks.size(), 32u);
  EXPECT_EQ(boot.memory.blocks[10].id, BlockId(10));
  EXPECT_EQ(boot.memory.blocks[10].phys_index, BlockId(0xa));
  EXPECT_TRUE(boot.dax.empty());
  EXPECT_EQ(boot.dmesg.size(), 383u);
  // Power-off messages after the capture.
  ASSERT_EQ(log.interleaved.size(), 2u);
  EXPECT_EQ(log.interleaved[1].text, "reboot: Power down");
  EXPECT_EQ(log.interleaved[1].line, 850);
  EXPECT_EQ(log.end_capture_line, 848);
  EXPECT_EQ(log.qemu.line, 851);
}

TEST(ReadCaptureLogTest, ReadsP2KernelLinesBetweenSnapshotAndStep) {
  const CaptureLog log = Read("p2-dimm-online-offline");
  ASSERT_EQ(log.Snapshots().size(), 4u);
  ASSERT_EQ(log.Steps().size(), 14u);
  // Lines 837-839: the zonelist rebuild of step 1's online_pages(), on the
  // console before the guest printed the step.
  ASSERT_EQ(log.interleaved.size(), 5u);
  EXPECT_EQ(log.interleaved[0].line, 837);
  EXPECT_EQ(log.interleaved[2].text, "Policy zone: DMA32");
  // The snapshot's dmesg holds the same lines: the authoritative copy.
  const CaptureSnapshot& online = *log.Snapshots()[1];
  ASSERT_EQ(online.dmesg.size(), 3u);
  EXPECT_EQ(online.dmesg[2].text, "Policy zone: DMA32");
  const CaptureStep& s1 = *log.Steps()[0];
  EXPECT_EQ(s1.line, 840);
  EXPECT_EQ(s1.path, "/sys/devices/system/memory/memory32/state");
  EXPECT_EQ(s1.value, "online_movable");
  EXPECT_EQ(s1.rc, 0);
  EXPECT_EQ(s1.error, "");
  const CaptureSnapshot& low4 = *log.Snapshots()[2];
  EXPECT_EQ(low4.label, "offline_low4");
  EXPECT_EQ(low4.zones[3].zone, "Movable");
  EXPECT_EQ(low4.zones[3].start_pfn, Pfn(1179648));
  const MemoryBlockRecord& b32 = log.Snapshots()[0]->memory.blocks[16];
  EXPECT_EQ(b32.id, BlockId(32));
  EXPECT_EQ(b32.state, BlockState::kOffline);
  EXPECT_EQ(b32.valid_zones, (std::vector<std::string>{"Normal", "Movable"}));
}

TEST(ReadCaptureLogTest, ReadsP3DaxAndFailedSteps) {
  const CaptureLog log = Read("p3-hmem-kmem");
  ASSERT_EQ(log.Snapshots().size(), 3u);
  const CaptureSnapshot& boot = *log.Snapshots()[0];
  ASSERT_EQ(boot.dax.size(), 1u);
  EXPECT_EQ(boot.dax[0].name, "dax0.0");
  ASSERT_EQ(boot.dax[0].fields.size(), 5u);
  EXPECT_EQ(boot.dax[0].fields[0],
            (std::pair<std::string, std::string>{"driver", "device_dax"}));
  const CaptureSnapshot& kmem = *log.Snapshots()[1];
  ASSERT_EQ(kmem.iomem.size(), 33u);
  EXPECT_EQ(kmem.iomem[29].iomem.depth, 3);
  EXPECT_EQ(kmem.iomem[29].iomem.name, "System RAM (kmem)");
  // Steps 3-6 failed and the guest recorded no error text.
  const CaptureStep& s3 = *log.Steps()[2];
  EXPECT_EQ(s3.rc, 1);
  EXPECT_EQ(s3.error, "");
}

TEST(ReadCaptureLogTest, KeepsTheErrorTextOfAFailedStep) {
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(
      Log("=== step 1 write /sys/x a b -> rc=1 sh: write error: Device or "
          "resource busy  \n"),
      "c.log");
  ASSERT_TRUE(log.ok()) << log.status();
  const CaptureStep& s = *log->Steps()[0];
  EXPECT_EQ(s.value, "a b");
  EXPECT_EQ(s.error, "sh: write error: Device or resource busy");
  EXPECT_EQ(s.error_column, 37);
}

// DIMMs the host plugs and unplugs through QMP (traces/capture/README.md).
TEST(ReadCaptureLogTest, ReadsDimmSteps) {
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(
      Log("=== step 1 dimm add d1 512M node=1 -> rc=0 \n"
          "=== step 2 dimm remove d1 -> rc=1 ACPI _OST status 0x82\n"),
      "c.log");
  ASSERT_TRUE(log.ok()) << log.status();
  const CaptureStep& add = *log->Steps()[0];
  EXPECT_EQ(add.kind, CaptureStep::Kind::kDimmAdd);
  EXPECT_EQ(add.dimm_id, "d1");
  EXPECT_EQ(add.dimm_size, model::ByteSize(512 << 20));
  EXPECT_EQ(add.dimm_node, model::NodeId(1));
  const CaptureStep& remove = *log->Steps()[1];
  EXPECT_EQ(remove.kind, CaptureStep::Kind::kDimmRemove);
  EXPECT_EQ(remove.rc, 1);
  EXPECT_EQ(remove.error, "ACPI _OST status 0x82");
  EXPECT_EQ(ErrorOf(Log("=== step 1 dimm add d1 lots -> rc=0\n")),
            "c.log:22:24: expected a size such as 1G or 512M");
  EXPECT_EQ(ErrorOf(Log("=== step 1 dimm move d1 -> rc=0\n")),
            "c.log:22:17: expected 'dimm add ID SIZE' or 'dimm remove ID'");
}

TEST(ReadCaptureLogTest, AcceptsAnEmptyValue) {
  for (std::string_view step : {"=== step 1 write /sys/x  -> rc=0\n",
                                "=== step 1 write /sys/x -> rc=0 \n"}) {
    absl::StatusOr<CaptureLog> log = ReadCaptureLog(Log(step), "c.log");
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(log->Steps()[0]->value, "");
  }
}

TEST(ReadCaptureLogTest, AcceptsKernelLinesAnywhereAfterTheHeader) {
  std::string text = Log("=== step 1 write /sys/x y -> rc=0 \n");
  // After every line from the header on, except inside dmesg (where it is
  // dmesg) and after the last line.
  std::vector<std::string> lines;
  for (const TextLine& l : SplitLines(text))
    lines.push_back(std::string(l.text));
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string spliced;
    for (size_t j = 0; j < lines.size(); ++j) {
      spliced += lines[j] + "\n";
      if (j == i) spliced += "[   42.000000] random: console line\n";
    }
    absl::StatusOr<CaptureLog> log = ReadCaptureLog(spliced, "c.log");
    ASSERT_TRUE(log.ok()) << "after line " << i + 1 << ": " << log.status();
    const size_t in_dmesg = log->Snapshots()[0]->dmesg.size() - 1;
    EXPECT_EQ(log->interleaved.size() + in_dmesg, 1u) << "after " << i + 1;
  }
}

TEST(ReadCaptureLogTest, AcceptsCrlfLineEndings) {
  const std::string lf = Log();
  std::string text;
  for (const TextLine& l : SplitLines(lf)) {
    text += model::Cat(l.text, "\r\n");
  }
  absl::StatusOr<CaptureLog> log = ReadCaptureLog(text, "c.log");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->qemu.text, "-m 4G");
}

// --- errors ------------------------------------------------------------------

TEST(ReadCaptureLogTest, RefusesAFileWithoutCapture) {
  EXPECT_EQ(ErrorOf("just\nconsole\n"),
            "c.log:3:1: expected '=== memhp-capture v1' somewhere in the file "
            "(no capture found)");
  EXPECT_EQ(ErrorOf(""),
            "c.log:1:1: expected '=== memhp-capture v1' somewhere in the file "
            "(no capture found)");
}

TEST(ReadCaptureLogTest, RefusesAnotherVersion) {
  EXPECT_EQ(ErrorOf("=== memhp-capture v2\n"),
            "c.log:1:1: expected '=== memhp-capture v1' (unsupported "
            "capture-log version), got '=== memhp-capture v2'");
}

TEST(ReadCaptureLogTest, NamesTheMissingMarkerOfATruncatedLog) {
  const std::string full = Log();
  auto cut_after = [&](std::string_view line) {
    return full.substr(0, full.find(line) + line.size());
  };
  EXPECT_EQ(ErrorOf(cut_after("=== memhp-capture v1\n")),
            "c.log:3:1: expected '=== cmdline <kernel command line>' before "
            "the end of the file (truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("=== kernel 6.1.0-56-amd64\n")),
            "c.log:5:1: expected '=== end capture' before the end of the file "
            "(truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("--- /proc/iomem\n")),
            "c.log:13:1: expected '--- /sys/devices/system/memory' before the "
            "end of the file (truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("--- dmesg\n")),
            "c.log:20:1: expected '=== end snapshot boot' before the end of "
            "the file (truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("=== end snapshot boot\n")),
            "c.log:22:1: expected '=== end capture' before the end of the file "
            "(truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("=== end capture\n")),
            "c.log:23:1: expected '=== qemu <QEMU memory arguments>' before "
            "the end of the file (truncated log?)");
  EXPECT_EQ(ErrorOf(cut_after("        spanned  4095\n")),
            "c.log:9:1: expected 'present' for zone DMA of node 0 (line 7)");
}

TEST(ReadCaptureLogTest, RefusesUnknownMarkersAndSections) {
  EXPECT_EQ(ErrorOf(Log("=== reboot now\n")),
            "c.log:22:5: expected a known marker (memhp-capture, cmdline, "
            "kernel, snapshot, step, end, qemu), got unknown marker '=== "
            "reboot'");
  std::string text = Log();
  text.replace(text.find("--- /sys/bus/dax"), 16, "--- /sys/bus/cxl");
  EXPECT_EQ(ErrorOf(text),
            "c.log:18:5: expected a known section (/proc/zoneinfo, "
            "/proc/iomem, /sys/devices/system/memory, /sys/bus/dax, dmesg), "
            "got unknown section '--- /sys/bus/cxl'");
}

TEST(ReadCaptureLogTest, RefusesMarkersOutOfOrder) {
  // A step before the boot snapshot.
  EXPECT_EQ(ErrorOf(model::Cat(kHead, "=== step 1 write /a b -> rc=0\n")),
            "c.log:5:1: expected '=== snapshot boot', got '=== step 1 write "
            "/a b -> rc=0'");
  // A second cmdline.
  EXPECT_EQ(ErrorOf(Log("=== cmdline again\n")),
            "c.log:22:1: expected '=== step', '=== snapshot' or '=== end "
            "capture', got '=== cmdline again'");
  // A step inside a snapshot.
  std::string text = Log();
  text.insert(text.find("--- dmesg"), "=== step 1 write /a b -> rc=0\n");
  EXPECT_EQ(ErrorOf(text),
            "c.log:19:1: expected '--- dmesg', got '=== step 1 write /a b -> "
            "rc=0'");
  // Sections swapped.
  text = Log();
  text.replace(text.find("--- /proc/iomem"), 15, "--- dmesg");
  EXPECT_EQ(ErrorOf(text),
            "c.log:12:1: expected '--- /proc/iomem', got '--- dmesg'");
  // The end of another snapshot.
  text = Log();
  text.replace(text.find("=== end snapshot boot"), 21, "=== end snapshot bot");
  EXPECT_EQ(ErrorOf(text),
            "c.log:21:18: expected '=== end snapshot boot', got label 'bot'");
  // A first snapshot not labelled boot.
  text = Log();
  text.replace(text.find("=== snapshot boot"), 17, "=== snapshot first");
  EXPECT_EQ(ErrorOf(text),
            "c.log:5:14: expected the first snapshot to be labelled 'boot', "
            "got 'first'");
  // Steps out of sequence.
  EXPECT_EQ(ErrorOf(Log("=== step 2 write /a b -> rc=0\n")),
            "c.log:22:10: expected step 1, got step 2");
  // Anything after the qemu line.
  EXPECT_EQ(ErrorOf(Log() + "=== end capture\n"),
            "c.log:24:1: expected nothing after '=== qemu', got '=== end "
            "capture'");
}

TEST(ReadCaptureLogTest, RefusesGarbageInsideSections) {
  auto with = [](std::string_view anchor, std::string_view line) {
    std::string text = Log();
    text.insert(text.find(anchor), line);
    return text;
  };
  EXPECT_EQ(ErrorOf(with("--- /proc/iomem", "        boost    0\n")),
            "c.log:12:9: expected 'Node N, zone NAME' for zone DMA, got "
            "'boost    0'");
  EXPECT_EQ(ErrorOf(with("--- /sys/devices", "00100000 System RAM\n")),
            "c.log:15:1: expected 'START-END : NAME' (hex, like "
            "00100000-bffdffff)");
  EXPECT_EQ(ErrorOf(with("--- /sys/devices", "      0100-01ff : Kernel\n")),
            "c.log:15:1: expected at most 4 spaces of indentation (one level "
            "below the line above), got 6");
  EXPECT_EQ(
      ErrorOf(with("--- /sys/bus/dax", "memory1 state=online phys_index=1\n")),
      "c.log:18:1: expected 'memoryN state=S phys_index=HEX valid_zones=Z "
      "removable=0|1 node=N', got 'memory1 state=online phys_index=1'");
  EXPECT_EQ(ErrorOf(with("--- /sys/bus/dax",
                         "memory1 state=on phys_index=1 valid_zones=DMA "
                         "removable=1 node=0\n")),
            "c.log:18:15: expected a block state (online, offline, "
            "going-offline), got 'on'");
  EXPECT_EQ(ErrorOf(with("--- /sys/bus/dax",
                         "memory1 state=online phys_index=1 valid_zones=Dma "
                         "removable=1 node=0\n")),
            "c.log:18:47: expected 'none' or zone names joined by ',' (DMA, "
            "DMA32, Normal, HighMem, Movable, Device), got 'Dma'");
  EXPECT_EQ(ErrorOf(with("--- dmesg", "dax0.0 driver\n")),
            "c.log:19:8: expected key=value, got 'driver'");
  EXPECT_EQ(ErrorOf(with("=== end snapshot", "BIOS-e820: no timestamp\n")),
            "c.log:21:1: expected a kernel line '[    t.tttttt] text' or '=== "
            "end snapshot boot', got 'BIOS-e820: no timestamp'");
  EXPECT_EQ(ErrorOf(Log("memory0 state=online\n")),
            "c.log:22:1: expected '=== step', '=== snapshot' or '=== end "
            "capture' or a kernel line, got 'memory0 state=online'");
  // A kernel line that landed inside another line is garbage.
  EXPECT_EQ(ErrorOf(with("--- /sys/bus/dax", "memory1 state=on[    5.1] x\n")),
            "c.log:18:1: expected 'memoryN state=S phys_index=HEX "
            "valid_zones=Z removable=0|1 node=N', got 'memory1 state=on[    "
            "5.1] x'");
}

TEST(ReadCaptureLogTest, RefusesBadNumbers) {
  std::string text = Log();
  text.replace(text.find("spanned  4095"), 13, "spanned  99999999999999999999");
  EXPECT_EQ(ErrorOf(text),
            "c.log:8:18: expected the value of spanned that fits in 64 bits, "
            "got '99999999999999999999'");
  text = Log();
  text.replace(text.find("spanned  4095"), 13, "spanned  0x10");
  EXPECT_EQ(ErrorOf(text),
            "c.log:8:18: expected the value of spanned (a decimal number), got "
            "'0x10'");
  text = Log();
  text.replace(text.find("00001000-0009fbff"), 17, "00001000-0009fbfg");
  EXPECT_EQ(ErrorOf(text), "c.log:13:17: expected ' : ' before the name");
  text = Log();
  text.replace(text.find("00001000-0009fbff"), 17, "10001000-0009fbff");
  EXPECT_EQ(ErrorOf(text),
            "c.log:13:10: expected an end address at or above the start");
  text = Log();
  text.replace(text.find("00001000-0009fbff"), 17,
               "00001000-10000000000000000");
  EXPECT_EQ(ErrorOf(text),
            "c.log:13:10: expected an end address that fits in 64 bits, got "
            "'10000000000000000'");
  text = Log();
  text.replace(text.find("block_size_bytes 8000000"), 24,
               "block_size_bytes 0x8000000");
  EXPECT_EQ(ErrorOf(text),
            "c.log:16:18: expected block_size_bytes as hex digits without "
            "'0x', got '0x8000000'");
  text = Log();
  text.replace(text.find("phys_index=00000000"), 19, "phys_index=0000000z");
  EXPECT_EQ(ErrorOf(text),
            "c.log:17:33: expected phys_index (hex like 8000000), got "
            "'0000000z'");
  text = Log();
  text.replace(text.find("node=0\n"), 6, "node=1024");
  EXPECT_EQ(ErrorOf(text),
            "c.log:17:76: expected a node id in 0..1023 or -1, got '1024'");
  EXPECT_EQ(ErrorOf(Log("=== step 1 write /a b -> rc=2\n")),
            "c.log:22:29: expected rc=0 (ok) or rc=1 (failed), got 'rc=2'");
  EXPECT_EQ(ErrorOf(Log("=== step 99999999999999999999 write /a b -> rc=0\n")),
            "c.log:22:10: expected a step number that fits in 64 bits, got "
            "'99999999999999999999'");
}

// --- robustness --------------------------------------------------------------

// A clean refusal: InvalidArgument "FILE:LINE:COL: expected ...".
void ExpectCleanError(const absl::Status& s, std::string_view file) {
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  const std::string m(s.message());
  ASSERT_EQ(m.substr(0, file.size() + 1), model::Cat(file, ":")) << m;
  EXPECT_NE(m.find(": expected "), std::string::npos) << m;
}

TEST(ReadCaptureLogTest, EveryTruncationOfTheRealLogsIsACleanError) {
  for (const std::string& name : CorpusNames()) {
    const std::string text = ReadTestFile(CorpusLogPath(name));
    const size_t header = text.find("=== memhp-capture v1");
    // Inside the console: no capture yet.
    for (size_t n = 0; n < header; n += 997) {
      ExpectCleanError(ReadCaptureLog(text.substr(0, n), "t").status(), "t");
    }
    // From the header on (without the console, which only costs time): at
    // every line end and every 101st byte.
    const std::string cap = text.substr(header);
    const size_t qemu = cap.rfind("\n=== qemu ") + 1;
    size_t cuts = 0;
    for (size_t n = 0; n < cap.size(); ++n) {
      if (cap[n] != '\n' && n % 101 != 0) continue;
      ++cuts;
      absl::StatusOr<CaptureLog> log = ReadCaptureLog(cap.substr(0, n), "t");
      if (log.ok()) {
        // Only a cut inside the qemu arguments can leave a valid log.
        EXPECT_GT(n, qemu + 9) << name << " cut at " << n;
        continue;
      }
      ExpectCleanError(log.status(), "t");
    }
    EXPECT_GT(cuts, 700u);
  }
}

TEST(ReadCaptureLogTest, RandomMutationsOfTheRealLogsNeverCrash) {
  std::mt19937_64 rng(20240607);
  const std::vector<std::string> garbage = {"",
                                            " ",
                                            "===",
                                            "=== ",
                                            "--- ",
                                            "[",
                                            "[ 1.0]",
                                            "[    1.000000] x",
                                            "=== end",
                                            "=== end snapshot",
                                            "=== step",
                                            "=== step 1 write",
                                            "-> rc=",
                                            "memory",
                                            "Node",
                                            "  start_pfn:",
                                            "\t",
                                            "\r",
                                            "\xff\x00",
                                            "0-1 : x",
                                            "ffffffffffffffffff-0 : y",
                                            "=== qemu",
                                            "Node 0, zone"};
  size_t ok = 0;
  size_t refused = 0;
  for (const std::string& name : CorpusNames()) {
    const std::string text = ReadTestFile(CorpusLogPath(name));
    const std::string cap = text.substr(text.find("=== memhp-capture"));
    for (int round = 0; round < 300; ++round) {
      std::string m = cap;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % (m.size() + 1);
        switch (rng() % 5) {
          case 0:  // delete a run of bytes
            m.erase(at, rng() % 40);
            break;
          case 1:  // insert a fragment
            m.insert(at, garbage[rng() % garbage.size()]);
            break;
          case 2:  // flip a byte
            if (at < m.size()) m[at] = static_cast<char>(rng() % 256);
            break;
          case 3: {  // duplicate a line
            const size_t bol = m.rfind('\n', at == 0 ? 0 : at - 1);
            const size_t start = bol == std::string::npos ? 0 : bol + 1;
            const size_t eol = m.find('\n', start);
            if (eol != std::string::npos) {
              m.insert(start, m.substr(start, eol - start + 1));
            }
            break;
          }
          default:  // swap a digit for another
            if (at < m.size() && IsDigit(m[at])) {
              m[at] = static_cast<char>('0' + rng() % 10);
            }
            break;
        }
      }
      absl::StatusOr<CaptureLog> log = ReadCaptureLog(m, "m");
      if (log.ok()) {
        ++ok;
      } else {
        ++refused;
        ExpectCleanError(log.status(), "m");
      }
    }
  }
  // The mutations reach the error paths, and some leave valid logs.
  EXPECT_GT(refused, 300u);
  EXPECT_GT(ok, 10u);
}

}  // namespace
}  // namespace memhp::traces
