#include "store/maintenance_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_MAINTENANCE_COLUMNS                                                \
  "id, customer_id, method, measures, responsible, cost_fen, period_start, "   \
  "period_end, state, decision_note, decided_by, decided_at, carried_out_at, " \
  "evaluation, satisfaction, evaluated_at, created_at, created_by"

MaintenancePlanRow read_maintenance_plan(SQLite::Statement& st) {
  MaintenancePlanRow p;
  p.id = st.getColumn(0).getInt64();
  p.customer = st.getColumn(1).getInt64();
  p.method = st.getColumn(2).getString();
  p.measures = st.getColumn(3).getString();
  p.responsible = st.getColumn(4).getString();
  p.cost_fen = st.getColumn(5).getInt64();
  p.period_start = st.getColumn(6).getString();
  p.period_end = st.getColumn(7).getString();
  p.state = st.getColumn(8).getString();
  p.decision_note = opt_text(st, 9);
  p.decided_by = opt_int(st, 10);
  p.decided_at = opt_int(st, 11);
  p.carried_out_at = opt_int(st, 12);
  p.evaluation = opt_text(st, 13);
  p.satisfaction = opt_int(st, 14);
  p.evaluated_at = opt_int(st, 15);
  p.created_at = st.getColumn(16).getInt64();
  p.created_by = st.getColumn(17).getInt64();
  return p;
}

}  // namespace

std::int64_t insert_maintenance_plan(Connection& c, const MaintenancePlanRow& p) {
  auto q = c.prepare(
      "INSERT INTO maintenance_plans(customer_id, method, measures, responsible, cost_fen, "
      "period_start, period_end, state, created_at, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)");
  q->bind(1, p.customer);
  q->bind(2, p.method);
  q->bind(3, p.measures);
  q->bind(4, p.responsible);
  q->bind(5, p.cost_fen);
  q->bind(6, p.period_start);
  q->bind(7, p.period_end);
  q->bind(8, p.created_at);
  q->bind(9, p.created_by);
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<MaintenancePlanRow> load_maintenance_plan(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_MAINTENANCE_COLUMNS " FROM maintenance_plans WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return read_maintenance_plan(*q);
}

void update_maintenance_plan_state(Connection& c, const MaintenancePlanRow& p) {
  auto q = c.prepare(
      "UPDATE maintenance_plans SET state = ?, decision_note = ?, decided_by = ?, "
      "decided_at = ?, carried_out_at = ?, evaluation = ?, satisfaction = ?, evaluated_at = ? "
      "WHERE id = ?");
  q->bind(1, p.state);
  bind_opt(*q, 2, p.decision_note);
  bind_opt(*q, 3, p.decided_by);
  bind_opt(*q, 4, p.decided_at);
  bind_opt(*q, 5, p.carried_out_at);
  bind_opt(*q, 6, p.evaluation);
  bind_opt(*q, 7, p.satisfaction);
  bind_opt(*q, 8, p.evaluated_at);
  q->bind(9, p.id);
  q->exec();
}

std::vector<MaintenancePlanRow> maintenance_plans_of_customer(Connection& c,
                                                              std::int64_t customer) {
  auto q = c.prepare("SELECT " CRM_MAINTENANCE_COLUMNS
                     " FROM maintenance_plans WHERE customer_id = ? ORDER BY id");
  q->bind(1, customer);
  std::vector<MaintenancePlanRow> out;
  while (q->executeStep()) out.push_back(read_maintenance_plan(*q));
  return out;
}

}  // namespace crm::store
