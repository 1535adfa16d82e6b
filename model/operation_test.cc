#include "model/operation.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace memhp::model {
namespace {

// Two "kernel threads" that each take a lock, touch shared state and drop
// the lock, suspending at every lock operation.
Operation<int> Inner(std::vector<std::string>* trace, std::string who) {
  co_await Suspend(SuspendKind::kRacyRead, "ms->usage");
  trace->push_back(who + ":inner");
  co_return 7;
}

Operation<absl::Status> Worker(std::vector<std::string>* trace,
                               std::string who) {
  co_await Suspend(SuspendKind::kLockAcquire, "mem_hotplug_lock");
  trace->push_back(who + ":locked");
  int v = co_await Inner(trace, who);
  trace->push_back(who + ":inner=" + std::to_string(v));
  co_await Suspend(SuspendKind::kLockRelease, "mem_hotplug_lock");
  trace->push_back(who + ":done");
  co_return absl::OkStatus();
}

TEST(OperationTest, RunAloneItCompletesInOneCall) {
  std::vector<std::string> trace;
  absl::Status s = RunToCompletion(Worker(&trace, "a"));
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(trace, (std::vector<std::string>{"a:locked", "a:inner", "a:inner=7",
                                             "a:done"}));
}

TEST(OperationTest, TwoOperationsInterleaveAtTheirSuspensionPoints) {
  std::vector<std::string> trace;
  Operation<absl::Status> a = Worker(&trace, "a");
  Operation<absl::Status> b = Worker(&trace, "b");
  // Lazily started: nothing ran yet.
  EXPECT_TRUE(trace.empty());
  EXPECT_FALSE(a.suspended_at().has_value());

  ASSERT_TRUE(a.Step());  // a runs to its lock acquire
  ASSERT_TRUE(a.suspended_at().has_value());
  EXPECT_EQ(a.suspended_at()->kind, SuspendKind::kLockAcquire);
  EXPECT_EQ(a.suspended_at()->what, "mem_hotplug_lock");
  ASSERT_TRUE(b.Step());
  ASSERT_TRUE(b.Step());  // b: locked, then suspends inside Inner
  EXPECT_EQ(b.suspended_at()->kind, SuspendKind::kRacyRead);
  EXPECT_EQ(b.suspended_at()->what, "ms->usage");
  ASSERT_TRUE(a.Step());  // a: locked, suspends inside Inner
  ASSERT_TRUE(a.Step());  // a: inner, back in Worker, suspends at release
  EXPECT_EQ(a.suspended_at()->kind, SuspendKind::kLockRelease);
  ASSERT_TRUE(b.Step());
  EXPECT_FALSE(a.Step());  // a finishes
  EXPECT_TRUE(a.done());
  EXPECT_FALSE(b.Step());
  EXPECT_TRUE(b.done());
  EXPECT_EQ(trace, (std::vector<std::string>{"b:locked", "a:locked", "a:inner",
                                             "a:inner=7", "b:inner",
                                             "b:inner=7", "a:done", "b:done"}));
  EXPECT_TRUE(a.result().ok());
  EXPECT_EQ(a.steps(), 4u);
  EXPECT_EQ(b.steps(), 4u);
}

TEST(OperationDeathTest, SteppingAFinishedOperationIsAModelBug) {
  std::vector<std::string> trace;
  Operation<absl::Status> a = Worker(&trace, "a");
  while (a.Step()) {
  }
  EXPECT_DEATH(a.Step(), "finished operation");
}

}  // namespace
}  // namespace memhp::model
