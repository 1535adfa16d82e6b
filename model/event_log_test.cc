#include "model/event_log.h"

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

constexpr Site kSite{"mm/sparse.c", "clear_subsection_map"};

TEST(EventLogTest, WarnKeepsTheKernelTextAndSite) {
  EventLog log;
  log.Warn(kSite, "section already deactivated (0x10200 + 512)");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.events()[0].kind, EventKind::kWarn);
  EXPECT_EQ(log.events()[0].file, "mm/sparse.c");
  EXPECT_TRUE(log.Contains("section already deactivated (0x10200 + 512)"));
  EXPECT_EQ(log.DmesgLines(),
            (std::vector<std::string>{
                "------------[ cut here ]------------",
                "section already deactivated (0x10200 + 512)",
                "WARNING: at mm/sparse.c clear_subsection_map"}));
}

TEST(EventLogTest, WarnOnOnceFiresOncePerSite) {
  EventLog log;
  Site remove{"mm/memory_hotplug.c", "__remove_section"};
  EXPECT_TRUE(log.WarnOnOnce(remove, "!valid_section(ms)"));
  EXPECT_TRUE(log.WarnOnOnce(remove, "!valid_section(ms)"));
  EXPECT_EQ(log.CountKind(EventKind::kWarn), 1u);
  log.WarnOnOnce(kSite, "!valid_section(ms)");
  EXPECT_EQ(log.CountKind(EventKind::kWarn), 2u);
}

TEST(EventLogTest, EventsAreNumberedInOrderAndBugsAreFlagged) {
  EventLog log;
  log.Printk(LogLevel::kInfo, "x86/mm: Memory block size: 128MB");
  EXPECT_FALSE(log.HasBug());
  log.Bug({"include/linux/page-flags.h", "PF_POISONED_CHECK"},
          {"page:ffffea0000000000 is uninitialized and poisoned",
           "page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))"});
  EXPECT_TRUE(log.HasBug());
  EXPECT_EQ(log.events()[1].seq, 1u);
  std::vector<std::string> lines = log.DmesgLines(1);
  EXPECT_EQ(lines.front(),
            "page:ffffea0000000000 is uninitialized and poisoned");
  EXPECT_EQ(lines.back(),
            "kernel BUG at include/linux/page-flags.h (PF_POISONED_CHECK)!");
}

}  // namespace
}  // namespace memhp::model
