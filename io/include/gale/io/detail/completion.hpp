#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_allocator.hpp>
#include <asio/dispatch.hpp>
#include <asio/execution/blocking.hpp>
#include <asio/execution/execute.hpp>
#include <asio/execution/executor.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/execution/relationship.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/recycling_allocator.hpp>
#include <asio/require.hpp>

#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gale::io::detail {

/// Queues `f` on `ex` (`post`), or runs it at once when the calling thread
/// is `ex`'s (`dispatch`), as `asio::post` and `asio::dispatch` do, but
/// without their work-tracking wrapper: `f` already runs where its handler
/// belongs, and a queued function keeps a loop's `run()` going by itself.
template <class Executor, class F>
void run_on(const Executor& ex, bool post, F&& f) {
  if constexpr (asio::execution::is_executor<Executor>::value) {
    if (post)
      asio::execution::execute(
        asio::prefer(asio::require(ex, asio::execution::blocking.never),
                     asio::execution::relationship.fork),
        std::forward<F>(f));
    else
      asio::execution::execute(
        asio::prefer(ex, asio::execution::blocking.possibly),
        std::forward<F>(f));
  } else if (post) {
    asio::post(ex, std::forward<F>(f));
  } else {
    asio::dispatch(ex, std::forward<F>(f));
  }
}

/// The completion handler of an asynchronous operation whose body lives in a
/// .cpp file: any Asio handler behind one type, so the initiating template in
/// the header stays a few lines.
///
/// It keeps what Asio promises a handler: the work of the handler's
/// associated executor (the I/O object's when the handler names none) is
/// tracked until it has run, it runs on that executor (`complete` is only
/// called on the I/O object's loop), it is invoked with its
/// associated allocator, and its cancellation slot is available to the
/// operation (`cancellation_slot()`), cleared before the handler runs.
///
/// Precondition for both ways of finishing: the handler has not been finished
/// yet (`*this` is true); afterwards `*this` is false.
template <class... Args>
class completion {
public:
  completion() = default;

  template <class Handler>
  completion(Handler&& handler, const asio::any_io_executor& io_executor)
    : impl_(model<std::decay_t<Handler>>::create(std::forward<Handler>(handler),
                                                 io_executor)) {}

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  /// The handler's cancellation slot (not connected when it has none).
  asio::cancellation_slot cancellation_slot() const noexcept {
    return impl_ ? impl_->slot : asio::cancellation_slot{};
  }

  /// Where the handler runs: its associated executor, else the I/O
  /// object's (for timers that belong with the waiting operation).
  /// Precondition: `*this` is true.
  asio::any_io_executor executor() const { return impl_->home_executor(); }

  /// Finishes from within an asynchronous completion, on the I/O object's
  /// loop: the handler runs at once when it belongs to that loop, else it
  /// is queued on its own executor.
  void complete(Args... args) { finish(false, std::move(args)...); }

  /// Finishes while the operation is still being initiated: the handler is
  /// always queued, never run inside the initiating call (which would
  /// resume a coroutine inside its own suspension, or recurse).
  void complete_posted(Args... args) { finish(true, std::move(args)...); }

  /// `complete_posted` when `initiating` (the outcome is known while the
  /// operation is still being started), else `complete`.
  void complete_or_post(bool initiating, Args... args) {
    finish(initiating, std::move(args)...);
  }

private:
  struct base;
  struct destroyer {
    void operator()(base* b) const noexcept { b->destroy(); }
  };
  using base_ptr = std::unique_ptr<base, destroyer>;

  struct base {
    asio::cancellation_slot slot;
    /// Destroys and frees this with the handler's allocator.
    virtual void destroy() noexcept = 0;
    virtual void finish(base_ptr self, bool post, std::tuple<Args...> args) = 0;
    virtual asio::any_io_executor home_executor() const = 0;

  protected:
    ~base() = default;
  };

  template <class Handler>
  struct model final : base {
    using executor =
      asio::associated_executor_t<Handler, asio::any_io_executor>;
    using tracked = std::decay_t<decltype(asio::prefer(
      std::declval<executor>(), asio::execution::outstanding_work.tracked))>;
    // The handler's associated allocator; Asio's thread-local recycling
    // one when it names none, as Asio's own operations do.
    using allocator = typename std::allocator_traits<
      asio::associated_allocator_t<Handler, asio::recycling_allocator<void>>>::
      template rebind_alloc<model>;

    static model* create(Handler h, const asio::any_io_executor& io) {
      allocator a(
        asio::get_associated_allocator(h, asio::recycling_allocator<void>()));
      auto* p = std::allocator_traits<allocator>::allocate(a, 1);
      try {
        return new (p) model(std::move(h), io, a);
      } catch (...) {
        std::allocator_traits<allocator>::deallocate(a, p, 1);
        throw;
      }
    }

    void destroy() noexcept override {
      allocator a = alloc_;
      this->~model();
      std::allocator_traits<allocator>::deallocate(a, this, 1);
    }

    model(Handler h, const asio::any_io_executor& io_executor,
          const allocator& a)
      : handler(std::move(h)), io(io_executor), alloc_(a) {
      this->slot = asio::get_associated_cancellation_slot(handler);
      auto ex = asio::get_associated_executor(handler, io_executor);
      // A handler bound to the I/O object's own loop needs no work guard
      // (the loop runs the operation) and, finished from the loop, no
      // dispatch either: it is called directly.
      if constexpr (std::is_same_v<executor, asio::any_io_executor>)
        if (ex == io_executor)
          return;
      work.emplace(
        asio::prefer(std::move(ex), asio::execution::outstanding_work.tracked));
    }

    asio::any_io_executor home_executor() const override {
      // Not every executor is an I/O one (a std::future's is not).
      if constexpr (std::is_convertible_v<executor, asio::any_io_executor>)
        return asio::get_associated_executor(handler, io);
      else
        return io;
    }

    void finish(base_ptr self, bool post, std::tuple<Args...> args) override {
      // Move everything out and free this model before the upcall, as Asio
      // requires of handler memory.
      auto slot = this->slot;
      auto alloc = asio::get_associated_allocator(handler);
      auto run =
        asio::bind_allocator(alloc, [h = std::move(handler), slot,
                                     args = std::move(args)]() mutable {
          slot.clear();
          std::apply(std::move(h), std::move(args));
        });
      if (!work) {
        auto loop = std::move(io);
        self.reset();
        if (post)
          run_on(loop, true, std::move(run));
        else
          std::move(run)();
        return;
      }
      auto ex = std::move(*work);
      self.reset();
      run_on(ex, post, std::move(run));
    }

    Handler handler;
    asio::any_io_executor io;
    std::optional<tracked> work;
    allocator alloc_;
  };

  void finish(bool post, Args... args) {
    auto* raw = impl_.get();
    raw->finish(std::move(impl_), post,
                std::tuple<Args...>{std::move(args)...});
  }

  base_ptr impl_;
};

/// Completes `handler` with `args` as `completion::complete_posted` would
/// (queued on its associated executor, else on `io_executor`, with its
/// allocator), without making a completion first: the fast path of an
/// operation whose outcome is known as it starts. No cancellation slot is
/// looked at: there is nothing left to cancel.
template <class Handler, class... Args>
void post_completion(Handler handler, const asio::any_io_executor& io_executor,
                     Args... args) {
  auto ex = asio::get_associated_executor(handler, io_executor);
  auto alloc = asio::get_associated_allocator(handler);
  run_on(ex, true,
         asio::bind_allocator(
           alloc, [h = std::move(handler),
                   args = std::tuple<Args...>{std::move(args)...}]() mutable {
             std::apply(std::move(h), std::move(args));
           }));
}

/// Initiates an operation through `start`, a plain function (usually defined
/// in a .cpp file) that receives the type-erased `completion<Args...>` and
/// the extra `args`. The one helper every gale initiating function uses:
/// `io_executor` is where the handler runs when it names no executor.
template <class... Args, class Token, class Start, class... Extra>
auto initiate(Token&& token, const asio::any_io_executor& io_executor,
              Start start, Extra&&... extra) {
  return asio::async_initiate<Token, void(Args...)>(
    [io_executor, start = std::move(start)](auto handler,
                                            auto&&... xs) mutable {
      start(completion<Args...>{std::move(handler), io_executor},
            std::forward<decltype(xs)>(xs)...);
    },
    token, std::forward<Extra>(extra)...);
}

} // namespace gale::io::detail
