#include "store/automation_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_RULE_COLUMNS \
  "id, name, enabled, version, event, definition, template, updated_at, updated_by"

AutomationRuleRow read_rule(SQLite::Statement& st) {
  AutomationRuleRow r;
  r.id = st.getColumn(0).getInt64();
  r.name = st.getColumn(1).getString();
  r.enabled = st.getColumn(2).getInt() != 0;
  r.version = st.getColumn(3).getInt64();
  r.event = st.getColumn(4).getString();
  r.definition = st.getColumn(5).getString();
  r.template_code = opt_text(st, 6);
  r.updated_at = st.getColumn(7).getInt64();
  r.updated_by = st.getColumn(8).getInt64();
  return r;
}

void insert_version(Connection& c, const AutomationRuleRow& r) {
  auto q = c.prepare(
      "INSERT INTO automation_rule_versions(rule_id, version, definition, created_at, "
      "created_by) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, r.id);
  q->bind(2, r.version);
  q->bind(3, r.definition);
  q->bind(4, r.updated_at);
  q->bind(5, r.updated_by);
  q->exec();
}

}  // namespace

std::vector<AutomationRuleRow> list_automation_rules(Connection& c) {
  auto q = c.prepare("SELECT " CRM_RULE_COLUMNS " FROM automation_rules ORDER BY id");
  std::vector<AutomationRuleRow> out;
  while (q->executeStep()) out.push_back(read_rule(*q));
  return out;
}

std::optional<AutomationRuleRow> load_automation_rule(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_RULE_COLUMNS " FROM automation_rules WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return read_rule(*q);
}

std::int64_t insert_automation_rule(Connection& c, const AutomationRuleRow& r) {
  auto q = c.prepare(
      "INSERT INTO automation_rules(name, enabled, version, event, definition, updated_at, "
      "updated_by) VALUES (?, 0, 1, ?, ?, ?, ?)");
  q->bind(1, r.name);
  q->bind(2, r.event);
  q->bind(3, r.definition);
  q->bind(4, r.updated_at);
  q->bind(5, r.updated_by);
  q->exec();
  AutomationRuleRow v = r;
  v.id = c.db().getLastInsertRowid();
  v.version = 1;
  insert_version(c, v);
  return v.id;
}

void update_automation_rule(Connection& c, const AutomationRuleRow& r) {
  auto q = c.prepare(
      "UPDATE automation_rules SET name = ?, version = ?, event = ?, definition = ?, "
      "updated_at = ?, updated_by = ? WHERE id = ?");
  q->bind(1, r.name);
  q->bind(2, r.version);
  q->bind(3, r.event);
  q->bind(4, r.definition);
  q->bind(5, r.updated_at);
  q->bind(6, r.updated_by);
  q->bind(7, r.id);
  q->exec();
  insert_version(c, r);
}

void set_automation_rule_enabled(Connection& c, std::int64_t id, bool enabled, std::int64_t now,
                                 std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE automation_rules SET enabled = ?, updated_at = ?, updated_by = ? WHERE id = ?");
  q->bind(1, enabled ? 1 : 0);
  q->bind(2, now);
  q->bind(3, actor);
  q->bind(4, id);
  q->exec();
}

std::vector<RuleVersionRow> automation_rule_versions(Connection& c, std::int64_t rule) {
  auto q = c.prepare(
      "SELECT version, definition, created_at, created_by FROM automation_rule_versions "
      "WHERE rule_id = ? ORDER BY version");
  q->bind(1, rule);
  std::vector<RuleVersionRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getString(),
                   q->getColumn(2).getInt64(), q->getColumn(3).getInt64()});
  return out;
}

std::int64_t insert_automation_run(Connection& c, const AutomationRunRow& r) {
  auto q = c.prepare(
      "INSERT INTO automation_runs(rule_id, version, event, customer_id, at, depth, outcome, "
      "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, r.rule);
  q->bind(2, r.version);
  q->bind(3, r.event);
  bind_opt(*q, 4, r.customer);
  q->bind(5, r.at);
  q->bind(6, r.depth);
  q->bind(7, r.outcome);
  bind_opt(*q, 8, r.detail);
  q->exec();
  return c.db().getLastInsertRowid();
}

void finish_automation_run(Connection& c, std::int64_t id, const std::string& outcome,
                           const std::optional<std::string>& detail) {
  auto q = c.prepare("UPDATE automation_runs SET outcome = ?, detail = ? WHERE id = ?");
  q->bind(1, outcome);
  bind_opt(*q, 2, detail);
  q->bind(3, id);
  q->exec();
}

void arm_quiet_timers(Connection& c, std::int64_t now, std::int64_t minutes) {
  auto q = c.prepare(
      "INSERT INTO timers(kind, subject, base_at, due_at) "
      "SELECT 'auto', id, updated_at, max(?1, updated_at + ?2 * 60000) FROM customers "
      "WHERE archived = 0 "
      "ON CONFLICT(kind, subject) DO UPDATE SET due_at = min(due_at, excluded.due_at)");
  q->bind(1, now);
  q->bind(2, minutes);
  q->exec();
}

bool ran_since(Connection& c, std::int64_t rule, std::int64_t customer, std::int64_t since) {
  auto q = c.prepare(
      "SELECT 1 FROM automation_runs WHERE rule_id = ? AND customer_id = ? AND at >= ? "
      "AND event = 'no_change' LIMIT 1");
  q->bind(1, rule);
  q->bind(2, customer);
  q->bind(3, since);
  return q->executeStep();
}

std::optional<std::int64_t> last_change(Connection& c, std::int64_t customer,
                                        const std::string& field) {
  auto q = c.prepare("SELECT max(at) FROM customer_history WHERE customer_id = ? AND field = ?");
  q->bind(1, customer);
  q->bind(2, field);
  if (!q->executeStep()) return std::nullopt;
  return opt_int(*q, 0);
}

std::vector<AutomationRunRow> list_automation_runs(Connection& c, std::int64_t rule,
                                                   std::int64_t after_id, int limit) {
  auto q = c.prepare(
      "SELECT id, rule_id, version, event, customer_id, at, depth, outcome, detail "
      "FROM automation_runs WHERE id > ?1 AND (?2 = 0 OR rule_id = ?2) ORDER BY id LIMIT ?3");
  q->bind(1, after_id);
  q->bind(2, rule);
  q->bind(3, limit);
  std::vector<AutomationRunRow> out;
  while (q->executeStep()) {
    AutomationRunRow r;
    r.id = q->getColumn(0).getInt64();
    r.rule = q->getColumn(1).getInt64();
    r.version = q->getColumn(2).getInt64();
    r.event = q->getColumn(3).getString();
    r.customer = opt_int(*q, 4);
    r.at = q->getColumn(5).getInt64();
    r.depth = q->getColumn(6).getInt64();
    r.outcome = q->getColumn(7).getString();
    r.detail = opt_text(*q, 8);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crm::store
