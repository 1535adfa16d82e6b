// Kernel locks as the operations see them (ARCHITECTURE.md decision 5): a
// sleeping mutex (device_hotplug_lock, mem_sysfs_mutex) and a
// reader-writer semaphore (mem_hotplug_lock, a percpu_rw_semaphore).
//
// Acquiring is a suspension point: the operation suspends before it takes
// the lock and, while somebody else holds it, suspends again at the same
// point until it is free (the kernel sleeps there). Releasing is a
// suspension point after the lock was dropped. Run alone, an operation never
// waits. Ownership is not tracked: a second acquire by the same operation
// waits forever, as the kernel would deadlock (the explorer reports it).
//
// Invariants:
//  1. a Mutex is held by at most one operation;
//  2. an RwSem has either one writer and no readers, or only readers.

#ifndef MEMHP_MODEL_LOCK_H_
#define MEMHP_MODEL_LOCK_H_

#include <string>
#include <string_view>

#include "model/check.h"
#include "model/operation.h"

namespace memhp::model {

class Mutex {
 public:
  explicit Mutex(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  bool held() const { return held_; }

  // mutex_lock(): waits while held.
  Operation<bool> Lock() {
    co_await Suspend(SuspendKind::kLockAcquire, name_);
    while (held_) co_await Suspend(SuspendKind::kLockAcquire, name_);
    held_ = true;
    co_return true;
  }
  // mutex_trylock(): takes the lock if it is free, no suspension.
  bool TryLock() {
    if (held_) return false;
    held_ = true;
    return true;
  }
  // mutex_unlock().
  Operation<bool> Unlock() {
    MEMHP_CHECK(held_) << "unlock of " << name_ << " that is not held";
    held_ = false;
    co_await Suspend(SuspendKind::kLockRelease, name_);
    co_return true;
  }

 private:
  std::string name_;
  bool held_ = false;
};

class RwSem {
 public:
  explicit RwSem(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  int readers() const { return readers_; }
  bool write_held() const { return writer_; }

  // percpu_down_write(): waits for every reader and writer to leave.
  Operation<bool> DownWrite() {
    co_await Suspend(SuspendKind::kLockAcquire, name_);
    while (writer_ || readers_ > 0) {
      co_await Suspend(SuspendKind::kLockAcquire, name_);
    }
    writer_ = true;
    co_return true;
  }
  Operation<bool> UpWrite() {
    MEMHP_CHECK(writer_) << "up_write of " << name_ << " not write-held";
    writer_ = false;
    co_await Suspend(SuspendKind::kLockRelease, name_);
    co_return true;
  }
  // percpu_down_read(): waits while a writer holds it.
  Operation<bool> DownRead() {
    co_await Suspend(SuspendKind::kLockAcquire, name_);
    while (writer_) co_await Suspend(SuspendKind::kLockAcquire, name_);
    ++readers_;
    co_return true;
  }
  Operation<bool> UpRead() {
    MEMHP_CHECK(readers_ > 0) << "up_read of " << name_ << " not read-held";
    --readers_;
    co_await Suspend(SuspendKind::kLockRelease, name_);
    co_return true;
  }

 private:
  std::string name_;
  int readers_ = 0;
  bool writer_ = false;
};

}  // namespace memhp::model

#endif  // MEMHP_MODEL_LOCK_H_
