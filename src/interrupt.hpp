// SIGINT, SIGTERM and SIGHUP only set a flag. Long loops call
// check_interrupt(), which throws, so every owning object unwinds normally and
// releases its mount, loop device or temporary file; nothing is cleaned up from
// inside a signal handler.
#pragma once

#include <signal.h>

namespace remaster {

// Installs the handlers (without SA_RESTART, so blocking waits return EINTR).
void install_interrupt_handlers();

// True once a signal arrived; safe to call from any thread.
bool interrupt_requested() noexcept;

// The number of the signal that arrived, 0 if none.
int interrupt_signal() noexcept;

// Throws Error(Exit::interrupted) if a signal arrived.
void check_interrupt();

// Blocks every signal on this thread while it lives, so that the helper
// threads started meanwhile inherit that mask and signals stay with the
// thread whose check_interrupt() sees them; restores the mask at the end.
class SignalsBlocked {
public:
    SignalsBlocked() noexcept;
    ~SignalsBlocked();
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

private:
    sigset_t old_;
};

}  // namespace remaster
