// Maintenance plans for key customers (客户维护方案, R2.6): a plan with its
// method, measures, the people responsible and its cost is submitted,
// approved (or rejected) before it is carried out, then evaluated
// (客户维护总结).  Every change of state is kept in the customer's history
// (kind "maintenance", field "maintenance.<id>", before / after = states).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Submits a plan for a key customer (fields of the "maintenance_plan"
// entity: method, measures, responsible, cost, period_start, period_end).
// Status::state unless the customer is graded in the best tier and not
// archived; a validation error lists every failing field.  Returns the plan,
// in state "submitted".
Record submit_maintenance_plan(Session& s, std::int64_t customer, const Record& fields);

Record get_maintenance_plan(Session& s, std::int64_t plan);

// Approves or rejects a submitted plan, with an optional note (at most 500
// characters).  Only an administrator or a sales manager of the department
// of the customer's owner, and never the submitter (Status::permission).
void decide_maintenance_plan(Session& s, std::int64_t plan, bool approve,
                             std::optional<std::string> note);

// Marks an approved plan carried out.
void carry_out_maintenance_plan(Session& s, std::int64_t plan);

// Evaluates a carried-out plan: the evaluation text (required, at most 2000
// characters) and an optional satisfaction score 1..5.
void evaluate_maintenance_plan(Session& s, std::int64_t plan, const std::string& evaluation,
                               std::optional<std::int64_t> satisfaction);

// A customer's plans in the order they were submitted.
std::vector<Record> customer_maintenance_plans(Session& s, std::int64_t customer);

}  // namespace crm
