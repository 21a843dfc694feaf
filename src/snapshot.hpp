#pragma once

#include "options.hpp"
#include "runner.hpp"

namespace remaster {

// The whole job: plan, view, scrub, squash (and, with --to, adapt and install).
void snapshot(const Options& opt, Runner& runner);

}  // namespace remaster
