#include "model/profile.h"

#include "gtest/gtest.h"
#include "model/bug_toggle.h"

namespace memhp::model {
namespace {

TEST(KernelProfileTest, ParsesEveryReleaseAndRefusesOthers) {
  for (KernelVersion v : AllKernelVersions()) {
    absl::StatusOr<KernelProfile> p =
        KernelProfile::Parse(KernelVersionName(v));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->version, v);
  }
  EXPECT_EQ(KernelProfile::Parse("6.1")->version, KernelVersion::kV6_1);
  absl::StatusOr<KernelProfile> bad = KernelProfile::Parse("v4.19");
  EXPECT_EQ(bad.status().message(),
            "unknown kernel profile 'v4.19'; expected one of v5.1, v5.3, v6.1, "
            "v7.1");
  EXPECT_EQ(KernelProfile::Parse("5.1")->version, KernelVersion::kV5_1);
  EXPECT_EQ(KernelProfile::Parse("v5.1")->name(), "v5.1");
}

TEST(KernelProfileTest, SwitchesFollowTheReleaseThatChangedThem) {
  KernelProfile v53 = KernelProfile::For(KernelVersion::kV5_3);
  KernelProfile v61 = KernelProfile::For(KernelVersion::kV6_1);
  KernelProfile v71 = KernelProfile::For(KernelVersion::kV7_1);
  EXPECT_FALSE(v53.pfn_to_online_page_checks_subsection);
  EXPECT_TRUE(v61.pfn_to_online_page_checks_subsection);
  // 6.1.192 carries the 5ec8e8ea8b77 backport.
  EXPECT_TRUE(v61.clear_has_mem_map_before_freeing_usage);
  EXPECT_FALSE(v53.clear_has_mem_map_before_freeing_usage);
  EXPECT_FALSE(v61.sparse_remove_section_checks_valid);
  EXPECT_TRUE(v71.sparse_remove_section_checks_valid);
  EXPECT_TRUE(v61.online_mem_sections_warns_invalid);
  EXPECT_FALSE(v71.online_mem_sections_warns_invalid);
}

// v5.1 is v5.3 without the sub-section series and without eca499ab3749. A
// wrong profile would let v5.1 add sub-sections, answer pfn_valid() from a
// subsection map, map device memory exactly, or return -EBUSY from
// remove_memory(); or it would differ from v5.3 in a switch that changed
// later (every such switch keeps its v5.3 value).
TEST(KernelProfileTest, V51IsV53BeforeTheSubsectionSeries) {
  KernelProfile v51 = KernelProfile::For(KernelVersion::kV5_1);
  KernelProfile v53 = KernelProfile::For(KernelVersion::kV5_3);
  EXPECT_EQ(v51.version, KernelVersion::kV5_1);
  EXPECT_FALSE(v51.subsection_hotplug);
  EXPECT_FALSE(v51.pfn_valid_checks_subsection);
  EXPECT_FALSE(v51.has_mem_section_usage);
  EXPECT_FALSE(v51.memremap_pages_exact_range);
  EXPECT_FALSE(v51.remove_memory_returns_ebusy);
  EXPECT_TRUE(v53.subsection_hotplug);
  EXPECT_TRUE(v53.pfn_valid_checks_subsection);
  EXPECT_TRUE(v53.has_mem_section_usage);
  EXPECT_TRUE(v53.memremap_pages_exact_range);
  EXPECT_TRUE(v53.remove_memory_returns_ebusy);
  // Switches of later releases, checked against v5.1: as in v5.3.
  EXPECT_FALSE(v51.pfn_valid_rejects_pfn_overflow);
  EXPECT_FALSE(v51.pfn_to_online_page_checks_subsection);
  EXPECT_FALSE(v51.shrink_zone_span_on_offline);
  EXPECT_FALSE(v51.memory_groups);
  EXPECT_FALSE(v51.memory_holes_refused);
  EXPECT_FALSE(v51.offline_uses_memory_block_zone);
  EXPECT_FALSE(v51.memory_block_online_takes_hotplug_lock);
  EXPECT_FALSE(v51.offlined_pages_is_pr_debug);
  EXPECT_FALSE(v51.state_store_parses_before_lock);
  EXPECT_FALSE(v51.try_remove_memory_checks_before_hotplug_lock);
  EXPECT_TRUE(v51.online_mem_sections_warns_invalid);
  EXPECT_TRUE(
      KernelProfile::For(KernelVersion::kV5_1).AtLeast(KernelVersion::kV5_1));
  EXPECT_FALSE(v51.AtLeast(KernelVersion::kV5_3));
}

BugToggle TestToggle(std::string name) {
  return BugToggle{
      .name = std::move(name),
      .summary = "test",
      .fix = "test fix",
      .has_fix =
          [](const KernelProfile& p) {
            return p.pfn_to_online_page_checks_subsection;
          },
      .apply =
          [](KernelProfile& p) {
            p.pfn_to_online_page_checks_subsection = false;
          },
  };
}

TEST(BugToggleRegistryTest, ApplyingAToggleBringsBackThePreFixSwitch) {
  BugToggleRegistry r;
  ASSERT_TRUE(r.Register(TestToggle("t")).ok());
  absl::StatusOr<KernelProfile> p =
      r.Apply(KernelProfile::For(KernelVersion::kV6_1), {"t"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->pfn_to_online_page_checks_subsection);
  EXPECT_EQ(p->version, KernelVersion::kV6_1);
}

TEST(BugToggleRegistryTest,
     RefusesDuplicatesUnknownNamesAndProfilesWithoutTheFix) {
  BugToggleRegistry r;
  ASSERT_TRUE(r.Register(TestToggle("t")).ok());
  EXPECT_EQ(r.Register(TestToggle("t")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Apply(KernelProfile::For(KernelVersion::kV6_1), {"nope"})
                .status()
                .message(),
            "unknown bug toggle 'nope'; known: t");
  EXPECT_FALSE(r.Apply(KernelProfile::For(KernelVersion::kV5_3), {"t"}).ok());
  EXPECT_FALSE(r.Register(BugToggle{.name = "x"}).ok());
}

TEST(BugToggleRegistryTest, EveryGlobalToggleChangesTheProfilesWithTheFix) {
  for (const BugToggle* t : BugToggleRegistry::Global().All()) {
    for (KernelVersion v : AllKernelVersions()) {
      KernelProfile base = KernelProfile::For(v);
      absl::StatusOr<KernelProfile> p =
          BugToggleRegistry::Global().Apply(base, {t->name});
      if (!t->has_fix(base)) {
        EXPECT_FALSE(p.ok()) << t->name;
        continue;
      }
      ASSERT_TRUE(p.ok()) << t->name;
      // After the toggle, the profile no longer has the fix.
      EXPECT_FALSE(t->has_fix(*p)) << t->name;
    }
  }
}

}  // namespace
}  // namespace memhp::model
