#include "model/lock.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memhp::model {
namespace {

Operation<int> Critical(Mutex& m, std::vector<std::string>& out,
                        std::string who) {
  co_await m.Lock();
  out.push_back(who + ":in");
  co_await Suspend(SuspendKind::kRacyWrite, "work");
  out.push_back(who + ":out");
  co_await m.Unlock();
  co_return 0;
}

TEST(MutexTest, AloneItNeverWaits) {
  Mutex m("device_hotplug_lock");
  std::vector<std::string> out;
  EXPECT_EQ(RunToCompletion(Critical(m, out, "a")), 0);
  EXPECT_FALSE(m.held());
  EXPECT_EQ(out, (std::vector<std::string>{"a:in", "a:out"}));
}

TEST(MutexTest, ASecondOperationWaitsAtTheAcquireUntilTheFirstReleases) {
  Mutex m("device_hotplug_lock");
  std::vector<std::string> out;
  Operation<int> a = Critical(m, out, "a");
  Operation<int> b = Critical(m, out, "b");
  a.Step();  // a suspends before taking the lock
  a.Step();  // a holds it, suspends in its critical section
  EXPECT_TRUE(m.held());
  for (int i = 0; i < 5; ++i) {
    b.Step();  // b keeps waiting at the acquire
    ASSERT_TRUE(b.suspended_at().has_value());
    EXPECT_EQ(b.suspended_at()->kind, SuspendKind::kLockAcquire);
    EXPECT_EQ(b.suspended_at()->what, "device_hotplug_lock");
  }
  EXPECT_EQ(out, (std::vector<std::string>{"a:in"}));
  while (a.Step()) {
  }
  while (b.Step()) {
  }
  EXPECT_EQ(out, (std::vector<std::string>{"a:in", "a:out", "b:in", "b:out"}));
  EXPECT_FALSE(m.held());
}

TEST(MutexTest, TryLockFailsWhileHeld) {
  Mutex m("device_hotplug_lock");
  EXPECT_TRUE(m.TryLock());
  EXPECT_FALSE(m.TryLock());
}

Operation<int> Reader(RwSem& s, std::vector<std::string>& out) {
  co_await s.DownRead();
  out.push_back("r:in");
  co_await Suspend(SuspendKind::kRacyRead, "pfn walk");
  out.push_back("r:out");
  co_await s.UpRead();
  co_return 0;
}

Operation<int> Writer(RwSem& s, std::vector<std::string>& out) {
  co_await s.DownWrite();
  out.push_back("w:in");
  co_await Suspend(SuspendKind::kRacyWrite, "zone span");
  co_await s.UpWrite();
  co_return 0;
}

TEST(RwSemTest, AWriterWaitsForReadersAndReadersForAWriter) {
  RwSem s("mem_hotplug_lock");
  std::vector<std::string> out;
  Operation<int> r = Reader(s, out);
  Operation<int> w = Writer(s, out);
  r.Step();
  r.Step();  // reader inside
  EXPECT_EQ(s.readers(), 1);
  w.Step();
  w.Step();  // the writer waits
  EXPECT_FALSE(s.write_held());
  while (r.Step()) {
  }
  while (w.Step()) {
  }
  EXPECT_EQ(out, (std::vector<std::string>{"r:in", "r:out", "w:in"}));

  // A reader arriving while the writer holds the lock waits for it.
  out.clear();
  Operation<int> w2 = Writer(s, out);
  Operation<int> r2 = Reader(s, out);
  w2.Step();
  w2.Step();  // holds it, suspended inside
  EXPECT_TRUE(s.write_held());
  r2.Step();
  r2.Step();  // the reader waits
  EXPECT_EQ(s.readers(), 0);
  EXPECT_EQ(out, (std::vector<std::string>{"w:in"}));
  while (w2.Step()) {
  }
  while (r2.Step()) {
  }
  EXPECT_EQ(out, (std::vector<std::string>{"w:in", "r:in", "r:out"}));
}

}  // namespace
}  // namespace memhp::model
