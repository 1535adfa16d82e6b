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
            "unknown kernel profile 'v4.19'; expected one of v5.3, v6.1, v7.1");
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
