// The plan of `snapshot --dry-run --json`: the same facts as print_plan, as
// one JSON object (schema in docs/json.md), for scripts.
#pragma once

#include <ostream>
#include <vector>

#include "plan.hpp"

namespace remaster {

void print_plan_json(const Plan& plan, const std::vector<ExcludedPath>& matches, std::ostream& os);

}  // namespace remaster
