// Customer information completeness (客户信息完整度, R10.1) as a defined
// metric.  A customer's completeness is 100 × (the weights of its counted
// fields that have a value) / (the weights of all counted fields); a
// field is empty when it is NULL or ''.  A group's (an owner's, a
// department's, everyone's) is the mean over its customers.  The goal is
// the setting "completeness.goal_percent" (95, seed 001): a customer or
// group meets it when its completeness is at least the goal.  Which fields
// count, and their weights, are data (completeness_fields), changed by a
// config.manage user and kept in the configuration history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// The counted fields, in order: {"field", "label_zh", "label_en",
// "weight", "share" (real: the weight's percentage of the total)}.
// config.read.
std::vector<Record> list_completeness_fields(Session& s);

// Sets the weight (1..100) of a customer field in the metric, adding it if
// new; weight 0 takes it out.  The field is a built-in customer field that
// a customer may lack or a custom field ("custom.<name>"); the last field
// cannot be taken out.  config.manage; history subject
// "completeness.<field>".
void set_completeness_field(Session& s, const std::string& field, std::int64_t weight);

// One customer: {"customer", "percent" (real), "filled_weight",
// "total_weight", "missing" (the empty counted fields, comma-separated),
// "goal_percent", "goal_met" (0/1)}.  customer.read, with every counted
// field's group visible (a grant that hides some is CRM_ERR_PERMISSION).
Record customer_completeness(Session& s, std::int64_t key);

// The metric over the customers the user may read (archived ones only when
// asked), grouped by `group_by`: "all" (one row, also with no customers),
// "owner" or "department" (of the owner).  Rows {"group", "label",
// "customers", "percent" (real; 0 for no customers), "complete" (customers
// with every counted field), "meeting_goal" (customers at or above the
// goal), "goal_percent", "goal_met" (0/1: percent ≥ goal, decided in
// integers)}.
std::vector<Record> completeness_report(Session& s, const std::string& group_by,
                                        bool include_archived);

}  // namespace crm
