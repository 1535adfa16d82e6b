// memhp's argument parsing: every accepted form and every bad-input path.

#include "cli/args.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memhp::cli {
namespace {

std::string ErrorOf(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> inv = ParseArgs(args);
  if (inv.ok()) return "OK";
  EXPECT_EQ(inv.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(inv.status().message());
}

TEST(ParseArgsTest, NoArgumentsShowsTheDefault) {
  absl::StatusOr<Invocation> inv = ParseArgs({});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(*inv, Invocation{});
  EXPECT_EQ(inv->verb, Verb::kShow);
  EXPECT_EQ(inv->show.geometry, "x86_64");
  EXPECT_EQ(inv->show.profile, "v6.1");
  EXPECT_FALSE(inv->show.layout.has_value());
}

TEST(ParseArgsTest, HelpInEveryForm) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"help"},
                                             {"--help"},
                                             {"-h"},
                                             {"show", "--help"},
                                             {"show", "--bogus", "-h"},
                                             {"help", "show"}}) {
    absl::StatusOr<Invocation> inv = ParseArgs(args);
    ASSERT_TRUE(inv.ok()) << inv.status();
    EXPECT_EQ(inv->verb, Verb::kHelp);
  }
  EXPECT_NE(Usage().find("--layout FILE"), std::string::npos);
  EXPECT_NE(Usage().find("x86_64-la57"), std::string::npos);
}

TEST(ParseArgsTest, ShowFlagsInBothForms) {
  absl::StatusOr<Invocation> inv =
      ParseArgs({"show", "--geometry", "arm64-4k", "--profile=v5.3", "--toggle",
                 "a", "--toggle=b", "--layout=x.txt"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kShow);
  EXPECT_EQ(inv->show.geometry, "arm64-4k");
  EXPECT_EQ(inv->show.profile, "v5.3");
  EXPECT_EQ(inv->show.toggles, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(inv->show.layout, "x.txt");
}

TEST(ParseArgsTest, FlagsWithoutAVerbMeanShow) {
  absl::StatusOr<Invocation> inv = ParseArgs({"--layout", "l.txt"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kShow);
  EXPECT_EQ(inv->show.layout, "l.txt");
}

TEST(ParseArgsTest, RejectsUnknownCommands) {
  EXPECT_EQ(ErrorOf({"explore"}),
            "unknown command 'explore'; expected 'show', 'replay', 'boot', "
            "'invariants', 'pagetables', 'capture', 'diff' or 'help'; see "
            "'memhp --help'");
  EXPECT_EQ(ErrorOf({""}),
            "unknown command ''; expected 'show', 'replay', 'boot', "
            "'invariants', 'pagetables', 'capture', 'diff' or 'help'; see "
            "'memhp --help'");
  EXPECT_EQ(ErrorOf({"invariants", "x"}),
            "'invariants' takes no arguments, got 'x'; see 'memhp --help'");
}

TEST(ParseArgsTest, PagetablesTakesCountsAndSizes) {
  absl::StatusOr<Invocation> inv = ParseArgs({"pagetables"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kPagetables);
  EXPECT_EQ(inv->pagetables.processes, 10000u);
  EXPECT_EQ(inv->pagetables.bytes, uint64_t{6} << 40);
  inv = ParseArgs({"pagetables", "--processes", "3", "--bytes=2G"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->pagetables.processes, 3u);
  EXPECT_EQ(inv->pagetables.bytes, uint64_t{2} << 30);
  EXPECT_EQ(ErrorOf({"pagetables", "--bytes", "16E"}),
            "flag '--bytes' wants a size such as 6T or 0x1000, got '16E'; see "
            "'memhp --help'");
  EXPECT_EQ(ErrorOf({"pagetables", "--processes", "1x"}),
            "flag '--processes' wants a whole number, got '1x'; see 'memhp "
            "--help'");
  EXPECT_EQ(ErrorOf({"pagetables", "--processes"}),
            "flag '--processes' needs a value; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"pagetables", "7"}),
            "unknown argument '7' for 'memhp pagetables'; see 'memhp --help'");
}

TEST(ParseArgsTest, CaptureAndDiff) {
  absl::StatusOr<Invocation> inv = ParseArgs(
      {"capture", "s.trace", "o.log", "--kernel=bz", "--modules", "m"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kCapture);
  EXPECT_EQ(inv->capture.scenario, "s.trace");
  EXPECT_EQ(inv->capture.out, "o.log");
  EXPECT_EQ(inv->capture.kernel, "bz");
  EXPECT_EQ(inv->capture.modules, "m");
  EXPECT_EQ(ErrorOf({"capture", "s.trace"}),
            "'memhp capture' needs a SCENARIO and an OUT file; see 'memhp "
            "--help'");
  EXPECT_EQ(ErrorOf({"capture", "s", "o", "--kernel", "bz"}),
            "'--kernel' and '--modules' go together; see 'memhp --help'");
  inv = ParseArgs({"diff", "--log", "x.log", "--profile", "v5.3", "--toggle",
                   "a", "--toggle=b", "--json"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kDiff);
  EXPECT_EQ(inv->diff.log, "x.log");
  EXPECT_EQ(inv->diff.profile, "v5.3");
  EXPECT_EQ(inv->diff.toggles, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(inv->diff.json);
  EXPECT_EQ(ErrorOf({"diff", "s.trace", "--log", "x.log"}),
            "'memhp diff' needs a SCENARIO to capture, or --log FILE; see "
            "'memhp --help'");
  EXPECT_EQ(ErrorOf({"diff", "s.trace", "--profile", "a", "--profile", "b"}),
            "flag '--profile' given twice; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"diff", "s.trace", "--nope"}),
            "unknown flag '--nope' for 'memhp diff'; see 'memhp --help'");
}

TEST(ParseArgsTest, RejectsUnknownFlags) {
  EXPECT_EQ(ErrorOf({"--bogus"}),
            "unknown flag '--bogus' for 'memhp show'; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"show", "--bogus=1"}),
            "unknown flag '--bogus' for 'memhp show'; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"show", "-g"}),
            "unknown flag '-g' for 'memhp show'; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"show", "--"}),
            "unknown flag '--' for 'memhp show'; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"show", "--Geometry", "x86_64"}),
            "unknown flag '--Geometry' for 'memhp show'; see 'memhp --help'");
}

TEST(ParseArgsTest, RejectsFlagsWithoutValues) {
  EXPECT_EQ(ErrorOf({"show", "--geometry"}),
            "flag '--geometry' needs a value; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"--layout="}),
            "flag '--layout' needs a value; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"--toggle", ""}),
            "flag '--toggle' needs a value; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"--profile"}),
            "flag '--profile' needs a value; see 'memhp --help'");
}

TEST(ParseArgsTest, RejectsRepeatedSingleFlags) {
  EXPECT_EQ(ErrorOf({"--geometry", "x86_64", "--geometry=ppc64"}),
            "flag '--geometry' given twice; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"--profile=v6.1", "--profile=v7.1"}),
            "flag '--profile' given twice; see 'memhp --help'");
  EXPECT_EQ(ErrorOf({"--layout=a", "--layout=b"}),
            "flag '--layout' given twice; see 'memhp --help'");
}

TEST(ParseArgsTest, RejectsPositionalArguments) {
  EXPECT_EQ(ErrorOf({"show", "layout.txt"}),
            "unexpected argument 'layout.txt' for 'memhp show'; see 'memhp "
            "--help'");
  EXPECT_EQ(ErrorOf({"show", "show"}),
            "unexpected argument 'show' for 'memhp show'; see 'memhp --help'");
}

TEST(ResolveShowConfigTest, DefaultsAreX86_64OnV6_1) {
  absl::StatusOr<ShowConfig> c = ResolveShowConfig(ShowOptions{});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->geometry.name(), "x86_64");
  EXPECT_EQ(c->profile.version, model::KernelVersion::kV6_1);
}

TEST(ResolveShowConfigTest, TheGeometryFollowsTheProfilesRelease) {
  // arm64-4k sections shrank from 1 GiB (v5.3) to 128 MiB (v5.12).
  absl::StatusOr<ShowConfig> c =
      ResolveShowConfig({.geometry = "arm64-4k", .profile = "5.3"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->geometry.section_size_bits(), 30);
}

TEST(ResolveShowConfigTest, RejectsUnknownGeometry) {
  absl::StatusOr<ShowConfig> c = ResolveShowConfig({.geometry = "vax"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("unknown geometry 'vax'", 0), 0u)
      << c.status();
  // A configuration the release does not have.
  c = ResolveShowConfig({.geometry = "riscv64", .profile = "v5.3"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResolveShowConfigTest, RejectsUnknownProfile) {
  absl::StatusOr<ShowConfig> c = ResolveShowConfig({.profile = "v4.19"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("unknown kernel profile 'v4.19'", 0), 0u)
      << c.status();
}

TEST(ResolveShowConfigTest, RejectsUnknownToggle) {
  absl::StatusOr<ShowConfig> c =
      ResolveShowConfig({.toggles = {"no-such-bug"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("unknown bug toggle 'no-such-bug'", 0),
            0u)
      << c.status();
}

TEST(ResolveShowConfigTest, AppliesAKnownToggleAndRefusesItWhereTheBugIs) {
  const std::string toggle = "sparse-early-partial-remove-frees-memmap";
  absl::StatusOr<ShowConfig> c = ResolveShowConfig({.toggles = {toggle}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->profile.early_partial_removal_keeps_memmap);
  // v5.3 has the bug already: the toggle claims a fix it lacks.
  c = ResolveShowConfig({.profile = "v5.3", .toggles = {toggle}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResolvePathTest, RelativePathsFollowTheWorkingDirectory) {
  EXPECT_EQ(ResolvePath("l.txt", "/home/u"), "/home/u/l.txt");
  EXPECT_EQ(ResolvePath("d/l.txt", "/home/u/"), "/home/u/d/l.txt");
  EXPECT_EQ(ResolvePath("/abs/l.txt", "/home/u"), "/abs/l.txt");
  EXPECT_EQ(ResolvePath("l.txt", std::nullopt), "l.txt");
  EXPECT_EQ(ResolvePath("l.txt", ""), "l.txt");
}

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

TEST(ReadTextFileTest, ReadsAFile) {
  const std::string path = TempDir() + "/read_text_file_test.txt";
  const std::string content = std::string("node 0\n") + '\0' + "tail";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, content.data(), content.size()),
            static_cast<ssize_t>(content.size()));
  ::close(fd);
  absl::StatusOr<std::string> r = ReadTextFile(path, "shown");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, content);
}

TEST(ReadTextFileTest, RejectsAMissingFile) {
  absl::StatusOr<std::string> r =
      ReadTextFile(TempDir() + "/does-not-exist.txt", "does-not-exist.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(),
            "cannot read file 'does-not-exist.txt': No such file or "
            "directory");
}

TEST(ReadTextFileTest, RejectsADirectory) {
  absl::StatusOr<std::string> r = ReadTextFile(TempDir(), "dir");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "cannot read file 'dir': Is a directory");
}

}  // namespace
}  // namespace memhp::cli

namespace memhp::cli {
namespace {

TEST(ParseArgsReplayTest, FilesAndJson) {
  absl::StatusOr<Invocation> inv =
      ParseArgs({"replay", "--json", "a.trace", "b.log"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kReplay);
  EXPECT_EQ(inv->replay.files, (std::vector<std::string>{"a.trace", "b.log"}));
  EXPECT_TRUE(inv->replay.json);
  inv = ParseArgs({"replay", "--", "--odd-name"});
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->replay.files, (std::vector<std::string>{"--odd-name"}));
}

TEST(ParseArgsReplayTest, BadArgumentsAreNamed) {
  EXPECT_EQ(ParseArgs({"replay"}).status().message(),
            "'memhp replay' needs at least one FILE; see 'memhp --help'");
  EXPECT_EQ(ParseArgs({"replay", "--jsn", "x"}).status().message(),
            "unknown flag '--jsn' for 'memhp replay'; see 'memhp --help'");
  EXPECT_EQ(ParseArgs({"replay", "--json", "--json", "x"}).status().message(),
            "flag '--json' given twice; see 'memhp --help'");
}

}  // namespace
}  // namespace memhp::cli

namespace memhp::cli {
namespace {

TEST(ParseArgsBootTest, ViewsAndFile) {
  absl::StatusOr<Invocation> inv =
      ParseArgs({"boot", "--view", "lsmem", "--view=dmesg", "p1.trace"});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->verb, Verb::kBoot);
  EXPECT_EQ(inv->boot.file, "p1.trace");
  EXPECT_EQ(inv->boot.views, (std::vector<View>{View::kLsmem, View::kDmesg}));
  EXPECT_EQ(ParseArgs({"boot"}).status().message(),
            "'memhp boot' needs a FILE; see 'memhp --help'");
  EXPECT_EQ(ParseArgs({"boot", "a", "b"}).status().message(),
            "unexpected argument 'b' for 'memhp boot'; see 'memhp --help'");
  EXPECT_EQ(ParseArgs({"boot", "--view"}).status().message(),
            "flag '--view' needs a value; see 'memhp --help'");
}

}  // namespace
}  // namespace memhp::cli
