// The firmware QEMU and SeaBIOS show a guest, made from the `qemu` line
// (qemu_firmware.h), against every recorded log of the corpus: the
// BIOS-e820 map and the SRAT ranges the real guests printed.

#include "traces/qemu_firmware.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "gtest/gtest.h"
#include "traces/import.h"
#include "traces/replay.h"
#include "traces/test_util.h"

namespace memhp::traces {
namespace {

template <typename T>
std::vector<T> WithoutLines(std::vector<T> v) {
  for (T& e : v) e.line = 0;
  return v;
}

TEST(QemuFirmwareTest, EveryRecordedGuestGotTheMapTheArgumentsGive) {
  int checked = 0;
  for (const auto& e :
       std::filesystem::directory_iterator("traces/corpus/kernel-6.1")) {
    if (e.path().extension() != ".log") continue;
    const std::string path = e.path().string();
    absl::StatusOr<Trace> t = LoadTraceOrCaptureLog(ReadTestFile(path), path);
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_TRUE(t->config.qemu.has_value()) << path;
    absl::StatusOr<QemuFirmware> fw =
        QemuPcFirmware(t->config.qemu->text, path, 0);
    ASSERT_TRUE(fw.ok()) << fw.status();
    EXPECT_EQ(fw->e820, WithoutLines(t->config.e820)) << path;
    EXPECT_EQ(fw->numa, WithoutLines(t->config.numa)) << path;
    // The host bridge windows: "pci_bus 0000:00: root bus resource [mem
    // 0x...-0x... window]" of the boot log, each once.
    std::vector<model::PhysRange> windows;
    const std::string text = ReadTestFile(path);
    constexpr std::string_view kMarker = "root bus resource [mem ";
    for (size_t at = text.find(kMarker); at != std::string::npos;
         at = text.find(kMarker, at + 1)) {
      unsigned long long a = 0, b = 0;
      if (std::sscanf(text.c_str() + at + kMarker.size(), "%llx-%llx window]",
                      &a, &b) != 2) {
        continue;
      }
      const model::PhysRange w{model::PhysAddr(a), model::PhysAddr(b + 1)};
      if (std::find(windows.begin(), windows.end(), w) == windows.end()) {
        windows.push_back(w);
      }
    }
    EXPECT_EQ(fw->pci_windows, windows) << path;
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

// A scenario (no e820 lines) boots on the model from its qemu line.
TEST(QemuFirmwareTest, AScenarioReplaysOnTheModelAlone) {
  absl::StatusOr<Trace> t = ParseTrace(R"(memhp-trace v1
geometry x86_64
profile v6.1
qemu "-m 2G,slots=4,maxmem=16G"

boot
expect zone node=0 zone=DMA32 spanned=520160 present=520160 start_pfn=4096
dimm add d1 512M
write /sys/devices/system/memory/memory33/state online_movable
expect rc 0

snapshot after
expect zone node=0 zone=Movable spanned=32768 present=32768 start_pfn=1081344
expect block memory32 state=offline
)",
                                       "s.trace");
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<ReplayReport> r = ReplayTrace(*t, "s.trace", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->AllMatched()) << RenderReportText({*r});
  EXPECT_EQ(r->expectations, 4);
}

TEST(QemuFirmwareTest, ArgumentsThatAreNotQemusAreRefused) {
  auto err = [](std::string_view args) {
    absl::StatusOr<QemuFirmware> fw = QemuPcFirmware(args, "s.trace", 7);
    return fw.ok() ? std::string("ok") : std::string(fw.status().message());
  };
  EXPECT_EQ(err("-smp 2"),
            "s.trace:7: qemu: no -m: the guest's RAM size is unknown");
  EXPECT_EQ(err("-m lots"),
            "s.trace:7: qemu: expected a size for -m, got 'lots'");
  EXPECT_EQ(err("-m 2G -numa node,nodeid=0,memdev=r9"),
            "s.trace:7: qemu: -numa node,nodeid=0: no memory backend 'r9' "
            "before it");
  EXPECT_EQ(err("-m 2G -object memory-backend-ram,id=r0,size=1G "
                "-numa node,nodeid=0,memdev=r0"),
            "s.trace:7: qemu: the -numa nodes hold 1073741824 bytes, -m says "
            "2147483648");
  EXPECT_EQ(err("-m 2G,slots=x"),
            "s.trace:7: qemu: expected slots=N (up to 256), got 'x'");
  EXPECT_EQ(err("-m 1K"), "s.trace:7: qemu: -m below 2 MiB");
}

}  // namespace
}  // namespace memhp::traces
