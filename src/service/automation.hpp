// Automation rules (自动化规则, R8): rules as data (see domain/automation.hpp
// for their form), saved in versions, enabled and disabled through the API,
// run inside the transaction of the change that triggers them, or in tick
// for "no change for N hours" triggers, with a bounded depth for changes
// that rules themselves make.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"
#include "store/customer_repo.hpp"
#include "store/schedule_repo.hpp"

namespace crm {

// Saves a new rule (id 0: disabled) or a new version of rule `id` (its
// enabled state kept); config.manage.  invalid_arg with the path of the
// mistake when it could never be valid.  Returns {id, version}.
std::pair<std::int64_t, std::int64_t> save_automation_rule(Session& s, std::int64_t id,
                                                           const std::string& json);
void enable_automation_rule(Session& s, std::int64_t id, bool enabled);
Record get_automation_rule(Session& s, std::int64_t id);
std::vector<Record> list_automation_rules(Session& s);
std::vector<Record> automation_rule_versions(Session& s, std::int64_t id);
std::vector<Record> list_automation_runs(Session& s, std::int64_t rule, std::int64_t after_id,
                                         int limit);

// Runs rules against a scripted customer life on a scratch copy of the
// database (R8.3), touching neither the database nor its outbox.
// `rules_json`: a JSON array of rule documents ("" = the saved enabled
// rules); `script_json`: {"start": ms (default now), "steps": [{"at": ms |
// "after_hours": n, "do": "create" | "update" | "tag" | "untag" | "stage" |
// "tick", "fields": {...}, "tag": label, "stage": type}]}.  Between steps
// the scheduler ticks at each due time, so time triggers fire when due.  Returns the timeline:
// steps {at, kind "step", step, detail}, runs {at, kind "run", rule, rule_name, event, outcome,
// detail} and messages {at, kind "message", rule, rule_name, channel, recipient, message}, in the
// order they happened. config.manage.  invalid_arg naming "rules[i]" or "steps[i]" for a bad one.
std::vector<Record> simulate_automation(Session& s, const std::string& rules_json,
                                        const std::string& script_json);

// Hooks, inside the caller's write transaction.
// A customer was created (with `values`, its stored fields, when the caller
// has them: conditions then read no row).
void automation_created(Session& s, std::int64_t customer, std::int64_t at,
                        const Record* values = nullptr);
// A history row was written (field changes, tags, type changes).
void automation_history(Session& s, const store::HistoryEntry& h);
// A lead was marked high value (score_crossed).
namespace store {
struct LeadRow;
}
void automation_lead_crossed(Session& s, const store::LeadRow& lead);
// tick: the customer's due "auto" timer; true if a rule fired.
bool automation_timer(Session& s, const store::TimerRow& t, std::int64_t now);

}  // namespace crm
