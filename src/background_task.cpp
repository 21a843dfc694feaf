#include "background_task.hpp"

namespace remaster {

BackgroundTask::BackgroundTask(std::function<void()> fn)
    : thread_([this, fn = std::move(fn)] {
          const auto start = std::chrono::steady_clock::now();
          try {
              fn();
          } catch (...) {
              error_ = std::current_exception();
          }
          seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }) {}

BackgroundTask::~BackgroundTask() {
    if (thread_.joinable()) thread_.join();
}

void BackgroundTask::wait() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace remaster
