// Kernel entry points as interleavable steps (ARCHITECTURE.md decision 5).
//
// An Operation<T> is a lazily started C++20 coroutine. It runs until it
// reaches a suspension point (`co_await Suspend(...)`: a lock acquire or
// release, an annotated racy access) and then returns control to whoever
// resumed it; Step() resumes it once more. Operations nest: `co_await
// SubOperation(...)` runs the child in place, and a suspension point inside
// the child suspends the whole top-level operation. Run alone, an operation
// completes in one call to RunToCompletion(); the explorer in properties/
// interleaves several by choosing which one to Step() next.
//
// Model code uses no exceptions; an exception escaping an operation is a
// model bug and terminates.
//
// Invariants:
//  1. a top-level operation is suspended either before its first step, at
//     exactly one suspension point, or done;
//  2. Step() on a done operation is a model bug.

#ifndef MEMHP_MODEL_OPERATION_H_
#define MEMHP_MODEL_OPERATION_H_

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "model/check.h"

namespace memhp::model {

enum class SuspendKind {
  kLockAcquire,  // before taking a lock (the explorer may block here)
  kLockRelease,  // after dropping a lock
  kRacyRead,     // before an unlocked read that can race (READ_ONCE, RCU)
  kRacyWrite,    // before an unlocked write that can race
};
std::string_view SuspendKindName(SuspendKind k);

struct SuspendPoint {
  SuspendKind kind = SuspendKind::kRacyRead;
  std::string what;  // "mem_hotplug_lock", "ms->usage", ...
};

namespace internal {

// Shared by a top-level operation and every operation nested in it.
struct OperationContext {
  std::coroutine_handle<> leaf;  // the innermost coroutine to resume next
  std::optional<SuspendPoint> suspended_at;
  uint64_t steps = 0;
};

struct PromiseBase {
  OperationContext* ctx = nullptr;
  std::coroutine_handle<> continuation;  // the awaiting parent, if nested
  void unhandled_exception() noexcept { std::terminate(); }
};

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <typename P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
    PromiseBase& p = h.promise();
    if (p.continuation) {
      p.ctx->leaf = p.continuation;
      return p.continuation;
    }
    return std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

}  // namespace internal

// `co_await Suspend(SuspendKind::kLockAcquire, "mem_hotplug_lock")`.
struct Suspend {
  Suspend(SuspendKind kind, std::string what) : point{kind, std::move(what)} {}
  bool await_ready() const noexcept { return false; }
  template <typename P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    internal::OperationContext* ctx = h.promise().ctx;
    ctx->leaf = h;
    ctx->suspended_at = point;
    return true;  // back to whoever resumed the top-level operation
  }
  void await_resume() const noexcept {}
  SuspendPoint point;
};

template <typename T>
class [[nodiscard]] Operation {
 public:
  struct promise_type : internal::PromiseBase {
    std::optional<T> value;
    Operation get_return_object() {
      return Operation(
          std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    internal::FinalAwaiter final_suspend() noexcept { return {}; }
    template <typename U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
  };

  Operation(Operation&& o) noexcept
      : h_(std::exchange(o.h_, nullptr)), ctx_(std::move(o.ctx_)) {}
  Operation& operator=(Operation&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, nullptr);
      ctx_ = std::move(o.ctx_);
    }
    return *this;
  }
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;
  ~Operation() {
    if (h_) h_.destroy();
  }

  // --- as a top-level operation --------------------------------------------
  bool done() const { return h_ && h_.done(); }
  // Runs to the next suspension point or to the end. Returns true while more
  // steps remain. REQUIRES: !done().
  bool Step() {
    MEMHP_CHECK(h_ && !h_.done()) << "Step() on a finished operation";
    if (!ctx_) {
      ctx_ = std::make_unique<internal::OperationContext>();
      h_.promise().ctx = ctx_.get();
      ctx_->leaf = h_;
    }
    ctx_->suspended_at.reset();
    ++ctx_->steps;
    ctx_->leaf.resume();
    return !h_.done();
  }
  // Where the operation waits, or nullopt before its first step and when done.
  const std::optional<SuspendPoint>& suspended_at() const {
    static const std::optional<SuspendPoint> kNone;
    return ctx_ && !done() ? ctx_->suspended_at : kNone;
  }
  uint64_t steps() const { return ctx_ ? ctx_->steps : 0; }
  // REQUIRES: done().
  T& result() {
    MEMHP_CHECK(done()) << "result() of an unfinished operation";
    return *h_.promise().value;
  }

  // --- as a nested operation (co_await child) -------------------------------
  bool await_ready() const noexcept { return false; }
  template <typename P>
  std::coroutine_handle<> await_suspend(
      std::coroutine_handle<P> parent) noexcept {
    promise_type& child = h_.promise();
    child.ctx = parent.promise().ctx;
    child.continuation = parent;
    child.ctx->leaf = h_;
    return h_;
  }
  T await_resume() { return std::move(*h_.promise().value); }

 private:
  explicit Operation(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
  std::unique_ptr<internal::OperationContext> ctx_;
};

// Runs `op` alone until it completes and returns its result.
template <typename T>
T RunToCompletion(Operation<T> op) {
  while (op.Step()) {
  }
  return std::move(op.result());
}

}  // namespace memhp::model

#endif  // MEMHP_MODEL_OPERATION_H_
