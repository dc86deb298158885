#include "store/schedule_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_OUTBOX_COLUMNS                                                                       \
  "id, key, kind, subject, base_at, customer_id, recipient_user, recipient_role, channel, "      \
  "message_zh, message_en, due_at, created_at, lease_until, attempts, acked_at, escalation_of, " \
  "lead_id"

OutboxRow read_outbox(SQLite::Statement& st) {
  OutboxRow m;
  m.id = st.getColumn(0).getInt64();
  m.key = st.getColumn(1).getString();
  m.kind = st.getColumn(2).getString();
  m.subject = st.getColumn(3).getInt64();
  m.base_at = st.getColumn(4).getInt64();
  m.customer = opt_int(st, 5);
  m.recipient_user = opt_int(st, 6);
  m.recipient_role = opt_text(st, 7);
  m.channel = st.getColumn(8).getString();
  m.message_zh = st.getColumn(9).getString();
  m.message_en = st.getColumn(10).getString();
  m.due_at = st.getColumn(11).getInt64();
  m.created_at = st.getColumn(12).getInt64();
  m.lease_until = st.getColumn(13).getInt64();
  m.attempts = st.getColumn(14).getInt64();
  m.acked_at = opt_int(st, 15);
  m.escalation_of = opt_int(st, 16);
  m.lead = opt_int(st, 17);
  return m;
}

RuleRow read_rule(SQLite::Statement& st) {
  RuleRow r;
  r.kind = st.getColumn(0).getString();
  r.enabled = st.getColumn(1).getInt() != 0;
  r.delay_minutes = st.getColumn(2).getInt64();
  r.counting = st.getColumn(3).getString();
  r.calendar = st.getColumn(4).getString();
  r.channels = st.getColumn(5).getString();
  r.escalate_after = st.getColumn(6).getInt64();
  r.template_zh = st.getColumn(7).getString();
  r.template_en = st.getColumn(8).getString();
  return r;
}

#define CRM_RULE_COLUMNS                                                                      \
  "kind, enabled, delay_minutes, counting, calendar, channels, escalate_after, template_zh, " \
  "template_en"

}  // namespace

namespace {

// The number of timers is kept in meta, so that a tick reports what is
// pending without counting the table.
void count_timer(Connection& c, int delta) {
  auto q = c.prepare(
      "UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'scheduler.timers'");
  q->bind(1, delta);
  q->exec();
}

}  // namespace

void arm_timer(Connection& c, const TimerRow& t) {
  auto u = c.prepare("UPDATE timers SET base_at = ?, due_at = ? WHERE kind = ? AND subject = ?");
  u->bind(1, t.base_at);
  u->bind(2, t.due_at);
  u->bind(3, t.kind);
  u->bind(4, t.subject);
  if (u->exec() == 1) return;
  insert_new_timers(c, {t});
}

void arm_timer_earliest(Connection& c, const TimerRow& t) {
  auto q = c.prepare(
      "INSERT INTO timers(kind, subject, base_at, due_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(kind, subject) DO UPDATE SET base_at = ?3, due_at = min(due_at, ?4)");
  q->bind(1, t.kind);
  q->bind(2, t.subject);
  q->bind(3, t.base_at);
  q->bind(4, t.due_at);
  q->exec();
}

void insert_new_timers(Connection& c, const std::vector<TimerRow>& timers) {
  auto q = c.prepare("INSERT INTO timers(kind, subject, base_at, due_at) VALUES (?, ?, ?, ?)");
  for (const auto& t : timers) {
    q->reset();
    q->bind(1, t.kind);
    q->bind(2, t.subject);
    q->bind(3, t.base_at);
    q->bind(4, t.due_at);
    q->exec();
  }
  count_timer(c, static_cast<int>(timers.size()));
}

void drop_timer(Connection& c, const std::string& kind, std::int64_t subject) {
  auto q = c.prepare("DELETE FROM timers WHERE kind = ? AND subject = ?");
  q->bind(1, kind);
  q->bind(2, subject);
  if (q->exec() == 1) count_timer(c, -1);
}

std::vector<TimerRow> due_timers(Connection& c, std::int64_t now, int limit) {
  auto q = c.prepare(
      "SELECT kind, subject, base_at, due_at FROM timers WHERE due_at <= ? "
      "ORDER BY due_at, kind, subject LIMIT ?");
  q->bind(1, now);
  q->bind(2, limit);
  std::vector<TimerRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getString(), q->getColumn(1).getInt64(),
                   q->getColumn(2).getInt64(), q->getColumn(3).getInt64()});
  return out;
}

void reset_timers(Connection& c, const std::string& kind) {
  auto q = c.prepare("UPDATE timers SET due_at = base_at WHERE kind = ?");
  q->bind(1, kind);
  q->exec();
}

std::int64_t count_timers(Connection& c) {
  auto q = c.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'scheduler.timers'");
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

std::vector<RuleRow> list_rules(Connection& c) {
  auto q = c.prepare("SELECT " CRM_RULE_COLUMNS " FROM reminder_rules ORDER BY kind");
  std::vector<RuleRow> out;
  while (q->executeStep()) out.push_back(read_rule(*q));
  return out;
}

std::optional<RuleRow> load_rule(Connection& c, const std::string& kind) {
  auto q = c.prepare("SELECT " CRM_RULE_COLUMNS " FROM reminder_rules WHERE kind = ?");
  q->bind(1, kind);
  if (!q->executeStep()) return std::nullopt;
  return read_rule(*q);
}

void update_rule(Connection& c, const RuleRow& r, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE reminder_rules SET enabled = ?, delay_minutes = ?, counting = ?, calendar = ?, "
      "channels = ?, escalate_after = ?, template_zh = ?, template_en = ?, updated_at = ?, "
      "updated_by = ? WHERE kind = ?");
  q->bind(1, r.enabled ? 1 : 0);
  q->bind(2, r.delay_minutes);
  q->bind(3, r.counting);
  q->bind(4, r.calendar);
  q->bind(5, r.channels);
  q->bind(6, r.escalate_after);
  q->bind(7, r.template_zh);
  q->bind(8, r.template_en);
  q->bind(9, now_ms);
  q->bind(10, actor);
  q->bind(11, r.kind);
  q->exec();
}

std::int64_t insert_outbox(Connection& c, const OutboxRow& m) {
  auto q = c.prepare(
      "INSERT INTO outbox(key, kind, subject, base_at, customer_id, recipient_user, "
      "recipient_role, channel, message_zh, message_en, due_at, created_at, escalation_of, "
      "lead_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING");
  q->bind(1, m.key);
  q->bind(2, m.kind);
  q->bind(3, m.subject);
  q->bind(4, m.base_at);
  bind_opt(*q, 5, m.customer);
  bind_opt(*q, 6, m.recipient_user);
  bind_opt(*q, 7, m.recipient_role);
  q->bind(8, m.channel);
  q->bind(9, m.message_zh);
  q->bind(10, m.message_en);
  q->bind(11, m.due_at);
  q->bind(12, m.created_at);
  bind_opt(*q, 13, m.escalation_of);
  bind_opt(*q, 14, m.lead);
  return q->exec() == 1 ? c.db().getLastInsertRowid() : 0;
}

std::optional<OutboxRow> load_outbox(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_OUTBOX_COLUMNS " FROM outbox WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return read_outbox(*q);
}

std::vector<OutboxRow> lease_outbox(Connection& c, std::int64_t now, std::int64_t lease_until,
                                    int limit, const std::string& channel) {
  std::vector<OutboxRow> out;
  {
    auto q = c.prepare("SELECT " CRM_OUTBOX_COLUMNS
                       " FROM outbox WHERE acked_at IS NULL AND lease_until <= ?1 "
                       "AND (?2 = '' OR channel = ?2) ORDER BY lease_until, id LIMIT ?3");
    q->bind(1, now);
    q->bind(2, channel);
    q->bind(3, limit);
    while (q->executeStep()) out.push_back(read_outbox(*q));
  }
  auto u = c.prepare("UPDATE outbox SET lease_until = ?, attempts = attempts + 1 WHERE id = ?");
  for (auto& m : out) {
    u->reset();
    u->bind(1, lease_until);
    u->bind(2, m.id);
    u->exec();
    m.lease_until = lease_until;
    ++m.attempts;
  }
  return out;
}

void ack_outbox(Connection& c, std::int64_t id, std::int64_t now) {
  auto q = c.prepare("UPDATE outbox SET acked_at = ? WHERE id = ?");
  q->bind(1, now);
  q->bind(2, id);
  q->exec();
}

std::vector<OutboxRow> list_outbox(Connection& c, std::int64_t after_id, int limit,
                                   bool pending_only) {
  auto q = c.prepare("SELECT " CRM_OUTBOX_COLUMNS
                     " FROM outbox WHERE id > ? AND (NOT ? OR acked_at IS NULL) "
                     "ORDER BY id LIMIT ?");
  q->bind(1, after_id);
  q->bind(2, pending_only ? 1 : 0);
  q->bind(3, limit);
  std::vector<OutboxRow> out;
  while (q->executeStep()) out.push_back(read_outbox(*q));
  return out;
}

void set_meta(Connection& c, const std::string& key, const std::string& value) {
  auto q = c.prepare(
      "INSERT INTO meta(key, value) VALUES (?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  q->bind(1, key);
  q->bind(2, value);
  q->exec();
}

std::optional<std::int64_t> find_supervisor(Connection& c, std::int64_t owner) {
  auto q = c.prepare(
      "SELECT s.id FROM users o JOIN users s ON s.department = o.department "
      "WHERE o.id = ? AND s.role = 'sales_manager' AND s.active = 1 AND s.id != o.id "
      "ORDER BY s.id LIMIT 1");
  q->bind(1, owner);
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getInt64();
}

}  // namespace crm::store
