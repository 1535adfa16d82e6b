#include "hotplug/lsmem.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/strings.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"

namespace memhp::hotplug {
namespace {

namespace fs = std::filesystem;
using model::ByteSize;
using model::Cat;
using model::Sprintf;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// One "$ lsmem ARGS" section of PART 2 and its verbatim output.
struct Expected {
  std::string command;
  std::string output;
};

struct Dump {
  LsmemSysfs sysfs;
  std::vector<Expected> expected;
};

// PART 2: sections separated by "---" lines, each "$ lsmem ARGS" then the
// output and one blank line.
Dump ParseDump(const std::string& text) {
  Dump d;
  std::istringstream in(text);
  std::string line;
  bool part2 = false;
  std::vector<std::string> section;
  auto flush = [&] {
    if (section.empty()) return;
    Expected e;
    EXPECT_EQ(section[0].substr(0, 2), "$ ") << section[0];
    e.command = section[0].substr(2);
    // Drop the blank line that separates sections.
    size_t n = section.size();
    if (n > 1 && section[n - 1].empty()) --n;
    for (size_t i = 1; i < n; ++i) e.output += section[i] + "\n";
    d.expected.push_back(e);
    section.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("### PART 2", 0) == 0) {
      part2 = true;
      continue;
    }
    if (part2) {
      if (line == "---") {
        flush();
      } else if (!section.empty() || line.rfind("$ ", 0) == 0) {
        section.push_back(line);
      }
      continue;
    }
  }
  flush();
  return d;
}

// PART 1: 'memory/...: content' and 'memory/memoryN/nodeM -> target' lines.
LsmemSysfs ParseSysfs(const std::string& text) {
  LsmemSysfs sysfs;
  std::map<uint64_t, LsmemBlock> blocks;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("### PART 2", 0) == 0) break;
    if (line.rfind("memory/", 0) != 0) continue;
    const std::string rest = line.substr(7);
    if (rest.rfind("block_size_bytes: ", 0) == 0) {
      sysfs.block_size = ByteSize(std::stoull(rest.substr(18), nullptr, 16));
      continue;
    }
    if (rest.rfind("memory", 0) != 0) continue;
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) continue;
    const uint64_t index = std::stoull(rest.substr(6, slash - 6));
    auto [it, inserted] = blocks.try_emplace(index);
    LsmemBlock& b = it->second;
    if (inserted) {
      b.index = model::BlockId(index);
      b.state.reset();
      b.removable.reset();
    }
    const std::string attr = rest.substr(slash + 1);
    if (attr.rfind("node", 0) == 0 && attr.find(" -> ") != std::string::npos) {
      b.node = std::stoi(attr.substr(4, attr.find(' ') - 4));
    }
    auto value = [&](const char* name) -> std::optional<std::string> {
      const std::string prefix = Cat(name, ": ");
      if (attr.rfind(prefix, 0) != 0) return std::nullopt;
      return attr.substr(prefix.size());
    };
    if (auto v = value("state")) b.state = *v;
    if (auto v = value("removable")) b.removable = std::stoi(*v);
    if (auto v = value("valid_zones")) b.valid_zones = Words(*v);
  }
  for (auto& [index, b] : blocks) sysfs.blocks.push_back(b);
  return sysfs;
}

LsmemOptions MustParse(const std::vector<std::string>& args) {
  absl::StatusOr<LsmemOptions> o = ParseLsmemArgs(args);
  MEMHP_CHECK(o.ok()) << o.status().ToString();
  return *o;
}

void CheckDump(const std::string& file, LsmemVersion version,
               size_t expected_sections) {
  const std::string text = ReadFile(Cat("hotplug/testdata/", file));
  Dump d = ParseDump(text);
  d.sysfs = ParseSysfs(text);
  ASSERT_FALSE(d.sysfs.blocks.empty());
  ASSERT_EQ(d.expected.size(), expected_sections);
  for (const Expected& e : d.expected) {
    std::vector<std::string> args = Words(e.command);
    ASSERT_EQ(args.at(0), "lsmem");
    args.erase(args.begin());
    // "--split=STATE,REMOVABLE" is one argument; Words keeps it whole.
    absl::StatusOr<LsmemOptions> o = ParseLsmemArgs(args);
    ASSERT_TRUE(o.ok()) << e.command << ": " << o.status();
    o->version = version;
    EXPECT_EQ(RenderLsmem(d.sysfs, *o), e.output) << file << ": " << e.command;
  }
}

TEST(LsmemDumpTest, X86_64With128MBlocksMatchesUtilLinuxExpectedOutput) {
  CheckDump("lsmem-001-x86_64-16g-sysfs-dump-and-lsmem.txt",
            LsmemVersion::kUpstream, 9);
}

TEST(LsmemDumpTest, S390xWithOfflineBlocksMatchesUtilLinuxExpectedOutput) {
  CheckDump("lsmem-002-s390x-zvm-6g-sysfs-dump-and-lsmem.txt",
            LsmemVersion::kUpstream, 9);
}

// The expected outputs come from util-linux master, after the fix for issue
// #4055 (zones probed on the first block, not memory0).
TEST(LsmemDumpTest, Aarch64WithoutMemory0MatchesUtilLinuxExpectedOutput) {
  CheckDump("lsmem-003-aarch64-16k-16g-sysfs-dump-and-lsmem.txt",
            LsmemVersion::kUpstream, 9);
}

// util-linux 2.38.1 looks for memory0/valid_zones: no memory0, no zones.
TEST(LsmemDumpTest, Aarch64WithoutMemory0ShowsNoZonesIn2_38) {
  const std::string text = ReadFile(
      "hotplug/testdata/lsmem-003-aarch64-16k-16g-sysfs-dump-and-lsmem.txt");
  LsmemOptions o = MustParse({"-o", "+ZONES", "--summary=never"});
  EXPECT_EQ(RenderLsmem(ParseSysfs(text), o),
            "RANGE                                  SIZE  STATE REMOVABLE     "
            "BLOCK ZONES\n"
            "0x0000010000000000-0x00000103e7ffffff 15.6G online       yes "
            "8192-8316 \n"
            "0x00000103f8000000-0x00000103ffffffff  128M online       yes     "
            " 8319 \n");
}

TEST(LsmemHumanSizeTest, RoundsToOneDecimalAndDropsTrailingZero) {
  EXPECT_EQ(LsmemHumanSize(ByteSize(0)), "0B");
  EXPECT_EQ(LsmemHumanSize(ByteSize(1023)), "1023B");
  EXPECT_EQ(LsmemHumanSize(ByteSize(1024)), "1K");
  EXPECT_EQ(LsmemHumanSize(ByteSize(128ull << 20)), "128M");
  EXPECT_EQ(LsmemHumanSize(ByteSize(21 * (128ull << 20))), "2.6G");
  EXPECT_EQ(LsmemHumanSize(ByteSize(7 * (256ull << 20))), "1.8G");
  EXPECT_EQ(LsmemHumanSize(ByteSize(5 * (256ull << 20))), "1.3G");
  // 1.96G rounds up to the next unit digit.
  EXPECT_EQ(LsmemHumanSize(ByteSize((2ull << 30) - (40ull << 20))), "2G");
  EXPECT_EQ(LsmemHumanSize(ByteSize(~0ull)), "16E");
}

TEST(LsmemArgsTest, RejectsWhatLsmemRejects) {
  EXPECT_FALSE(ParseLsmemArgs({"-o", "FOO"}).ok());
  EXPECT_FALSE(ParseLsmemArgs({"-a", "--split", "none"}).ok());
  EXPECT_FALSE(ParseLsmemArgs({"-J", "-r"}).ok());
  EXPECT_FALSE(ParseLsmemArgs({"-r", "--summary=only"}).ok());
  EXPECT_FALSE(ParseLsmemArgs({"--summary=sometimes"}).ok());
}

// ---------------------------------------------------------------------------
// Against the real /usr/bin/lsmem --sysroot.

constexpr char kLsmem[] = "/usr/bin/lsmem";

struct Gen {
  uint64_t block_size;
  std::vector<LsmemBlock> blocks;
};

// Writes DIR/sys/devices/system/memory as lsmem reads it.
void WriteSysroot(const fs::path& root, const LsmemSysfs& sysfs) {
  const fs::path mem = root / "sys/devices/system/memory";
  fs::remove_all(root);
  fs::create_directories(mem);
  std::ofstream(mem / "block_size_bytes") << Sprintf(
      "%llx\n", static_cast<unsigned long long>(sysfs.block_size.value()));
  for (const LsmemBlock& b : sysfs.blocks) {
    const fs::path dir = mem / Cat("memory", b.index.value());
    fs::create_directories(dir);
    if (b.state) std::ofstream(dir / "state") << *b.state << "\n";
    if (b.removable) std::ofstream(dir / "removable") << *b.removable << "\n";
    if (b.node) fs::create_directories(dir / Cat("node", *b.node));
    if (b.valid_zones) {
      std::ofstream(dir / "valid_zones")
          << model::Join(*b.valid_zones, " ") << "\n";
    }
  }
}

std::string RunLsmem(const fs::path& root, const std::string& args) {
  const std::string cmd =
      Cat("LC_ALL=C ", kLsmem, " --sysroot ", root.string(), " ", args);
  FILE* p = popen(cmd.c_str(), "r");
  MEMHP_CHECK(p != nullptr) << cmd;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

const std::vector<std::string>& OptionSets() {
  static const std::vector<std::string> sets = {
      "",
      "--all --output-all",
      "--output-all",
      "-o +ZONES,NODE",
      "--split=STATE,REMOVABLE",
      "--output RANGE,SIZE --split none",
      "-o RANGE,SIZE,STATE --split STATE",
      "-o RANGE,NODE",
      "-o SIZE,RANGE,ZONES --split zones",
      "-b --output-all",
      "-b --summary=only",
      "--summary=never -n -o BLOCK,STATE,RANGE",
      "-n -o SIZE,ZONES,SIZE",
      "-o +SIZE --split node,zones",
      "--raw --output-all",
      "--pairs --output-all",
      "--json --output-all",
      "--json -b -o SIZE,NODE,REMOVABLE",
      "-J --summary=always",
  };
  return sets;
}

rc::Gen<LsmemSysfs> ArbitrarySysfs() {
  return rc::gen::exec([] {
    LsmemSysfs s;
    const int shift = *rc::gen::inRange(12, 35);
    s.block_size = ByteSize(
        *rc::gen::oneOf(rc::gen::just(uint64_t{1} << shift),
                        rc::gen::inRange<uint64_t>(1, uint64_t{1} << 36)));
    const int n = *rc::gen::inRange(1, 40);
    uint64_t index = *rc::gen::oneOf(rc::gen::just<uint64_t>(0),
                                     rc::gen::inRange<uint64_t>(0, 9000));
    const bool zones = *rc::gen::arbitrary<bool>();
    const bool nodes = *rc::gen::arbitrary<bool>();
    for (int i = 0; i < n; ++i) {
      LsmemBlock b;
      b.index = model::BlockId(index);
      index += *rc::gen::weightedElement<uint64_t>({{8, 1}, {1, 2}, {1, 5}});
      b.state = *rc::gen::weightedOneOf<std::optional<std::string>>(
          {{6, rc::gen::just<std::optional<std::string>>("online")},
           {3, rc::gen::just<std::optional<std::string>>("offline")},
           {1, rc::gen::just<std::optional<std::string>>("going-offline")},
           {1, rc::gen::just<std::optional<std::string>>("weird")}});
      b.removable = *rc::gen::weightedOneOf<std::optional<int>>(
          {{5, rc::gen::just<std::optional<int>>(1)},
           {4, rc::gen::just<std::optional<int>>(0)},
           {1, rc::gen::just<std::optional<int>>(2)},
           {1, rc::gen::just<std::optional<int>>(std::nullopt)}});
      if (nodes && *rc::gen::inRange(0, 20) != 0) {
        b.node = *rc::gen::inRange(0, 3);
      }
      if (zones && *rc::gen::inRange(0, 20) != 0) {
        b.valid_zones = *rc::gen::container<std::vector<std::string>>(
            *rc::gen::inRange(1, 3),
            rc::gen::element<std::string>("DMA", "DMA32", "Normal", "Movable",
                                          "none", "normal", "Device", "bogus"));
      }
      s.blocks.push_back(b);
    }
    return s;
  });
}

TEST(LsmemOracleTest, MatchesUsrBinLsmemOnRandomSysroots) {
  if (!fs::exists(kLsmem)) GTEST_SKIP() << kLsmem << " is not installed";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const fs::path root =
      fs::path(tmp != nullptr ? tmp : "/tmp") / "lsmem_oracle_root";
  const auto result = rc::check([&] {
    const LsmemSysfs sysfs = *ArbitrarySysfs();
    WriteSysroot(root, sysfs);
    for (const std::string& set : OptionSets()) {
      absl::StatusOr<LsmemOptions> o = ParseLsmemArgs(Words(set));
      RC_ASSERT(o.ok());
      RC_ASSERT(RenderLsmem(sysfs, *o) == RunLsmem(root, set));
    }
  });
  EXPECT_TRUE(result);
}

}  // namespace
}  // namespace memhp::hotplug
