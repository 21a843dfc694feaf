#include "interrupt.hpp"

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>

#include "error.hpp"

namespace remaster {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    int expected = 0;
    g_signal.compare_exchange_strong(expected, sig);
}

}  // namespace

void install_interrupt_handlers() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: waitpid/read return EINTR and we notice
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

bool interrupt_requested() noexcept { return g_signal.load(std::memory_order_relaxed) != 0; }

int interrupt_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

void check_interrupt() {
    if (int sig = interrupt_signal())
        throw Error(Exit::interrupted,
                    std::string("Interrupted by ") + sigabbrev_np(sig) + "; everything was undone",
                    "Nothing was left mounted or half-written; run the command again when ready.");
}

SignalsBlocked::SignalsBlocked() noexcept {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old_);
}

SignalsBlocked::~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

}  // namespace remaster
