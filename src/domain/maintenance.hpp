// Maintenance plans for key customers (客户维护方案, R2.6): the steps of a
// plan's life, who may approve it, and the rules across its fields.  Pure:
// the service brings the data.
//
//   submitted ──decide──▶ approved ──carry_out──▶ carried_out ──evaluate──▶ evaluated
//       └──────decide──▶ rejected
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.hpp"
#include "domain/value.hpp"

namespace crm {

enum class MaintenanceStep { decide, carry_out, evaluate };

// The state a plan must be in for `step`: submitted, approved, carried_out.
std::string_view maintenance_state_for(MaintenanceStep step);

// The state after `step` from `state` (`approve` chooses between approved
// and rejected for a decision); nullopt when the step is not allowed then.
std::optional<std::string> maintenance_next_state(std::string_view state, MaintenanceStep step,
                                                  bool approve);

// Who decides on a plan (审批) is a permission (maintenance.approve, see
// src/domain/permissions.hpp) with four eyes on top: never its submitter.

// Rules across the normalised fields of a submitted plan: "cost" (decimal
// text) not negative ("negative"), "period_end" not before "period_start"
// ("before_start").  Appends to `errors` only for fields without an error.
void check_maintenance_plan(const Record& fields, std::vector<FieldError>& errors);

// A satisfaction score (客户满意度) is 1 to 5 ("out_of_range" otherwise).
void check_satisfaction(std::int64_t score, std::vector<FieldError>& errors);

}  // namespace crm
