// Automation rules (R8) as stored rows: the rules, their versions, their runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct AutomationRuleRow {
  std::int64_t id = 0;
  std::string name;
  bool enabled = false;
  std::int64_t version = 0;
  std::string event, definition;
  std::optional<std::string> template_code;
  std::int64_t updated_at = 0, updated_by = 0;
};

std::vector<AutomationRuleRow> list_automation_rules(Connection& c);
std::optional<AutomationRuleRow> load_automation_rule(Connection& c, std::int64_t id);
// A new rule (version 1, disabled) with its first version row; its id.
std::int64_t insert_automation_rule(Connection& c, const AutomationRuleRow& r);
// The rule's next version: the row and a version row.
void update_automation_rule(Connection& c, const AutomationRuleRow& r);
void set_automation_rule_enabled(Connection& c, std::int64_t id, bool enabled, std::int64_t now,
                                 std::int64_t actor);

struct RuleVersionRow {
  std::int64_t version = 0;
  std::string definition;
  std::int64_t created_at = 0, created_by = 0;
};
std::vector<RuleVersionRow> automation_rule_versions(Connection& c, std::int64_t rule);

struct AutomationRunRow {
  std::int64_t id = 0, rule = 0, version = 0;
  std::string event;
  std::optional<std::int64_t> customer;
  std::int64_t at = 0, depth = 0;
  std::string outcome;
  std::optional<std::string> detail;
};
// Arms the "no change" timer of every customer not archived, due no later
// than `minutes` after its last change and not before `now` (a rule just
// enabled reaches the customers that exist).
void arm_quiet_timers(Connection& c, std::int64_t now, std::int64_t minutes);
// Returns the run's id.
std::int64_t insert_automation_run(Connection& c, const AutomationRunRow& r);
void finish_automation_run(Connection& c, std::int64_t id, const std::string& outcome,
                           const std::optional<std::string>& detail);
// Whether rule `rule` ran its "no change" trigger for `customer` at or after
// `since`.
bool ran_since(Connection& c, std::int64_t rule, std::int64_t customer, std::int64_t since);
// When `field` of the customer last changed (its history), or nullopt.
std::optional<std::int64_t> last_change(Connection& c, std::int64_t customer,
                                        const std::string& field);
std::vector<AutomationRunRow> list_automation_runs(Connection& c, std::int64_t rule,
                                                   std::int64_t after_id, int limit);

}  // namespace crm::store
