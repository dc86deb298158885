// Maintenance plans for key customers (客户维护方案, R2.6) as stored rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct MaintenancePlanRow {
  std::int64_t id = 0, customer = 0;
  std::string method, measures, responsible;
  std::int64_t cost_fen = 0;
  std::string period_start, period_end;  // YYYY-MM-DD
  std::string state = "submitted";
  std::optional<std::string> decision_note, evaluation;
  std::optional<std::int64_t> decided_by, decided_at, carried_out_at, satisfaction, evaluated_at;
  std::int64_t created_at = 0, created_by = 0;
};

// Inserts a submitted plan; returns its id.
std::int64_t insert_maintenance_plan(Connection& c, const MaintenancePlanRow& p);
std::optional<MaintenancePlanRow> load_maintenance_plan(Connection& c, std::int64_t id);
// Writes state, the decision, execution and evaluation columns.
void update_maintenance_plan_state(Connection& c, const MaintenancePlanRow& p);
// A customer's plans in the order they were submitted.
std::vector<MaintenancePlanRow> maintenance_plans_of_customer(Connection& c, std::int64_t customer);

}  // namespace crm::store
