#include "store/followup_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>

#include "store/columns.hpp"
#include "store/customer_repo.hpp"

namespace crm::store {
namespace {

#define CRM_PLAN_COLUMNS                                                                \
  "id, customer_id, owner_id, goal, method, talking_points, materials, planned_at, "    \
  "remind_at, state, state_reason, rescheduled_to, record_id, created_at, created_by, " \
  "updated_at, updated_by"

PlanRow read_plan(SQLite::Statement& st) {
  PlanRow p;
  p.id = st.getColumn(0).getInt64();
  p.customer = st.getColumn(1).getInt64();
  p.owner = st.getColumn(2).getInt64();
  p.goal = st.getColumn(3).getString();
  p.method = st.getColumn(4).getString();
  p.talking_points = opt_text(st, 5);
  p.materials = opt_text(st, 6);
  p.planned_at = st.getColumn(7).getInt64();
  p.remind_at = opt_int(st, 8);
  p.state = st.getColumn(9).getString();
  p.state_reason = opt_text(st, 10);
  p.rescheduled_to = opt_int(st, 11);
  p.record_id = opt_int(st, 12);
  p.created_at = st.getColumn(13).getInt64();
  p.created_by = st.getColumn(14).getInt64();
  p.updated_at = st.getColumn(15).getInt64();
  p.updated_by = st.getColumn(16).getInt64();
  return p;
}

#define CRM_FOLLOWUP_COLUMNS                                                      \
  "id, customer_id, plan_id, owner_id, method, contacted_at, summary, feedback, " \
  "intent_change, major_change, next_step, next_plan_id, created_at, created_by"

FollowupRow read_followup(SQLite::Statement& st) {
  FollowupRow r;
  r.id = st.getColumn(0).getInt64();
  r.customer = st.getColumn(1).getInt64();
  r.plan_id = opt_int(st, 2);
  r.owner = st.getColumn(3).getInt64();
  r.method = st.getColumn(4).getString();
  r.contacted_at = st.getColumn(5).getInt64();
  r.summary = st.getColumn(6).getString();
  r.feedback = opt_text(st, 7);
  r.intent_change = opt_text(st, 8);
  r.major_change = opt_text(st, 9);
  r.next_step = opt_text(st, 10);
  r.next_plan_id = opt_int(st, 11);
  r.created_at = st.getColumn(12).getInt64();
  r.created_by = st.getColumn(13).getInt64();
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------

std::vector<TierRow> list_tiers(Connection& c) {
  auto q = c.prepare("SELECT code, cadence, position FROM tiers ORDER BY position, code");
  std::vector<TierRow> out;
  while (q->executeStep())
    out.push_back(
        {q->getColumn(0).getString(), q->getColumn(1).getString(), q->getColumn(2).getInt()});
  return out;
}

void upsert_tier(Connection& c, const TierRow& t, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO tiers(code, cadence, position, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT(code) DO UPDATE SET cadence = excluded.cadence, "
      "updated_at = excluded.updated_at, updated_by = excluded.updated_by");
  q->bind(1, t.code);
  q->bind(2, t.cadence);
  q->bind(3, t.position);
  q->bind(4, now_ms);
  q->bind(5, actor);
  q->exec();
}

std::vector<CriterionRow> list_criteria(Connection& c, bool include_retired) {
  auto q = c.prepare(
      "SELECT name, label_zh, label_en, unit, thresholds, position, retired "
      "FROM grading_criteria WHERE retired = 0 OR ? ORDER BY position, name");
  q->bind(1, include_retired ? 1 : 0);
  std::vector<CriterionRow> out;
  while (q->executeStep()) {
    CriterionRow r;
    r.name = q->getColumn(0).getString();
    r.label_zh = q->getColumn(1).getString();
    r.label_en = q->getColumn(2).getString();
    r.unit = q->getColumn(3).getString();
    r.thresholds = q->getColumn(4).getString();
    r.position = q->getColumn(5).getInt();
    r.retired = q->getColumn(6).getInt() != 0;
    out.push_back(std::move(r));
  }
  return out;
}

void upsert_criterion(Connection& c, const CriterionRow& r, std::int64_t now_ms,
                      std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO grading_criteria(name, label_zh, label_en, unit, thresholds, position, "
      "retired, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(name) DO UPDATE SET label_zh = excluded.label_zh, "
      "label_en = excluded.label_en, unit = excluded.unit, thresholds = excluded.thresholds, "
      "retired = excluded.retired, updated_at = excluded.updated_at, "
      "updated_by = excluded.updated_by");
  q->bind(1, r.name);
  q->bind(2, r.label_zh);
  q->bind(3, r.label_en);
  q->bind(4, r.unit);
  q->bind(5, r.thresholds);
  q->bind(6, r.position);
  q->bind(7, r.retired ? 1 : 0);
  q->bind(8, now_ms);
  q->bind(9, actor);
  q->exec();
}

void insert_config_history(Connection& c, std::int64_t at, std::int64_t actor,
                           const std::string& subject, const std::optional<std::string>& before,
                           const std::optional<std::string>& after) {
  auto q = c.prepare(
      "INSERT INTO config_history(at, actor_id, subject, before, after) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, at);
  q->bind(2, actor);
  q->bind(3, subject);
  bind_opt(*q, 4, before);
  bind_opt(*q, 5, after);
  q->exec();
}

std::vector<Record> query_config_history(Connection& c, const std::string& prefix,
                                         std::int64_t after_seq, int limit, bool& more) {
  // substr() rather than LIKE: a prefix may contain % or _.
  auto q = c.prepare(
      "SELECT id, at, actor_id, subject, before, after FROM config_history "
      "WHERE id > ? AND substr(subject, 1, length(?)) = ? ORDER BY id LIMIT ?");
  q->bind(1, after_seq);
  q->bind(2, prefix);
  q->bind(3, prefix);
  q->bind(4, limit + 1);
  std::vector<Record> out;
  while (q->executeStep()) {
    Record r;
    r.append("seq", q->getColumn(0).getInt64());
    r.append("at", q->getColumn(1).getInt64());
    r.append("actor", q->getColumn(2).getInt64());
    r.append("subject", q->getColumn(3).getString());
    r.append("before", text_or_null(*q, 4));
    r.append("after", text_or_null(*q, 5));
    out.push_back(std::move(r));
  }
  more = out.size() > static_cast<std::size_t>(limit);
  if (more) out.pop_back();
  return out;
}

// ---------------------------------------------------------------------------

std::optional<CustomerSchedule> load_schedule(Connection& c, std::int64_t key) {
  auto q = c.prepare(
      "SELECT id, owner_id, created_at, name, archived, tier, next_due_date, last_followup_at, "
      "reviewed_at, verified_at FROM customers WHERE id = ?");
  q->bind(1, key);
  if (!q->executeStep()) return std::nullopt;
  CustomerSchedule s;
  s.key = q->getColumn(0).getInt64();
  s.owner = q->getColumn(1).getInt64();
  s.created_at = q->getColumn(2).getInt64();
  s.name = q->getColumn(3).getString();
  s.archived = q->getColumn(4).getInt() != 0;
  s.tier = opt_text(*q, 5);
  s.next_due_date = opt_text(*q, 6);
  s.last_followup_at = opt_int(*q, 7);
  s.reviewed_at = opt_int(*q, 8);
  s.verified_at = opt_int(*q, 9);
  return s;
}

void set_customer_tier(Connection& c, std::int64_t key, const std::string& tier,
                       const std::optional<std::string>& reason, std::int64_t graded_at) {
  auto q = c.prepare("UPDATE customers SET tier = ?, tier_reason = ?, graded_at = ? WHERE id = ?");
  q->bind(1, tier);
  bind_opt(*q, 2, reason);
  q->bind(3, graded_at);
  q->bind(4, key);
  q->exec();
}

std::vector<std::int64_t> customers_of_tier(Connection& c, const std::string& tier) {
  auto q = c.prepare("SELECT id FROM customers WHERE tier = ? AND archived = 0");
  q->bind(1, tier);
  std::vector<std::int64_t> out;
  while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
  return out;
}

void set_next_due_date(Connection& c, std::int64_t key, const std::optional<std::string>& date) {
  auto q = c.prepare("UPDATE customers SET next_due_date = ? WHERE id = ?");
  bind_opt(*q, 1, date);
  q->bind(2, key);
  q->exec();
}

void set_verified(Connection& c, std::int64_t key, std::int64_t at, std::int64_t actor,
                  const std::string& method) {
  auto q = c.prepare(
      "UPDATE customers SET verified_at = ?, verified_by = ?, verify_method = ? WHERE id = ?");
  q->bind(1, at);
  q->bind(2, actor);
  q->bind(3, method);
  q->bind(4, key);
  q->exec();
}

void set_last_followup(Connection& c, std::int64_t key, std::int64_t at,
                       const std::optional<std::string>& next_step) {
  auto q = c.prepare("UPDATE customers SET last_followup_at = ?, next_step = ? WHERE id = ?");
  q->bind(1, at);
  bind_opt(*q, 2, next_step);
  q->bind(3, key);
  q->exec();
}

// ---------------------------------------------------------------------------

std::int64_t insert_plan(Connection& c, const PlanRow& p) {
  auto q = c.prepare(
      "INSERT INTO followup_plans(customer_id, owner_id, goal, method, talking_points, "
      "materials, planned_at, remind_at, state, created_at, created_by, updated_at, updated_by) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?)");
  q->bind(1, p.customer);
  q->bind(2, p.owner);
  q->bind(3, p.goal);
  q->bind(4, p.method);
  bind_opt(*q, 5, p.talking_points);
  bind_opt(*q, 6, p.materials);
  q->bind(7, p.planned_at);
  bind_opt(*q, 8, p.remind_at);
  q->bind(9, p.created_at);
  q->bind(10, p.created_by);
  q->bind(11, p.created_at);
  q->bind(12, p.created_by);
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<PlanRow> load_plan(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_PLAN_COLUMNS " FROM followup_plans WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return read_plan(*q);
}

void update_plan_state(Connection& c, const PlanRow& p) {
  auto q = c.prepare(
      "UPDATE followup_plans SET state = ?, state_reason = ?, rescheduled_to = ?, record_id = ?, "
      "updated_at = ?, updated_by = ? WHERE id = ?");
  q->bind(1, p.state);
  bind_opt(*q, 2, p.state_reason);
  bind_opt(*q, 3, p.rescheduled_to);
  bind_opt(*q, 4, p.record_id);
  q->bind(5, p.updated_at);
  q->bind(6, p.updated_by);
  q->bind(7, p.id);
  q->exec();
}

std::vector<PlanRow> plans_of_customer(Connection& c, std::int64_t customer) {
  auto q = c.prepare("SELECT " CRM_PLAN_COLUMNS
                     " FROM followup_plans WHERE customer_id = ? ORDER BY planned_at, id");
  q->bind(1, customer);
  std::vector<PlanRow> out;
  while (q->executeStep()) out.push_back(read_plan(*q));
  return out;
}

std::int64_t insert_followup(Connection& c, const FollowupRow& r) {
  auto q = c.prepare(
      "INSERT INTO followup_records(customer_id, plan_id, owner_id, method, contacted_at, "
      "summary, feedback, intent_change, major_change, next_step, created_at, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, r.customer);
  bind_opt(*q, 2, r.plan_id);
  q->bind(3, r.owner);
  q->bind(4, r.method);
  q->bind(5, r.contacted_at);
  q->bind(6, r.summary);
  bind_opt(*q, 7, r.feedback);
  bind_opt(*q, 8, r.intent_change);
  bind_opt(*q, 9, r.major_change);
  bind_opt(*q, 10, r.next_step);
  q->bind(11, r.created_at);
  q->bind(12, r.created_by);
  q->exec();
  return c.db().getLastInsertRowid();
}

namespace {
// Where the stage lives: a database file of its own next to the system's
// temporary files (its pages go to disk, whatever temp_store says), or, when
// the host holds a transaction open (ATTACH is refused then), a TEMP table.
std::string stage_table(Connection& c) {
  return c.db().execAndGet("SELECT count(*) FROM pragma_database_list WHERE name = 'crm_stage'")
                     .getInt() > 0
             ? "crm_stage.followup_stage"
             : "temp.followup_stage";
}
}  // namespace

void begin_followup_stage(Connection& c) {
  end_followup_stage(c);
  std::string schema = "temp";
  if (!c.in_transaction()) {
    std::error_code ec;
    auto dir = std::filesystem::temp_directory_path(ec);
    if (!ec) {
      static std::atomic<unsigned> serial{0};
      auto path = dir / ("crm-stage-" + std::to_string(::getpid()) + "-" +
                         std::to_string(serial++) + ".db");
      std::filesystem::remove(path, ec);
      SQLite::Statement attach(c.db(), "ATTACH DATABASE ? AS crm_stage");
      attach.bind(1, path.string());
      attach.exec();
      schema = "crm_stage";
    }
  }
  c.exec(("CREATE TABLE " + schema +
          ".followup_stage(at INTEGER NOT NULL, row INTEGER NOT NULL, "
          "customer INTEGER NOT NULL, author INTEGER NOT NULL, source_key TEXT NOT NULL, "
          "fields BLOB NOT NULL, raw BLOB NOT NULL, PRIMARY KEY(at, row)) WITHOUT ROWID")
             .c_str());
}

void stage_followup(Connection& c, const StagedFollowup& f) {
  auto q = c.prepare_text("INSERT INTO " + stage_table(c) + " VALUES (?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, f.at);
  q->bind(2, f.row);
  q->bind(3, f.customer);
  q->bind(4, f.author);
  q->bind(5, f.source_key);
  q->bind(6, f.fields.data(), static_cast<int>(f.fields.size()));
  q->bind(7, f.raw.data(), static_cast<int>(f.raw.size()));
  q->exec();
}

std::vector<StagedFollowup> staged_followups(Connection& c, std::int64_t after_at,
                                             std::int64_t after_row, int limit) {
  auto q = c.prepare_text("SELECT at, row, customer, author, source_key, fields, raw FROM " +
                          stage_table(c) + " WHERE (at, row) > (?, ?) ORDER BY at, row LIMIT ?");
  q->bind(1, after_at);
  q->bind(2, after_row);
  q->bind(3, limit);
  std::vector<StagedFollowup> out;
  while (q->executeStep()) {
    StagedFollowup f;
    f.at = q->getColumn(0).getInt64();
    f.row = q->getColumn(1).getInt64();
    f.customer = q->getColumn(2).getInt64();
    f.author = q->getColumn(3).getInt64();
    f.source_key = q->getColumn(4).getString();
    f.fields = q->getColumn(5).getString();
    f.raw = q->getColumn(6).getString();
    out.push_back(std::move(f));
  }
  return out;
}

void end_followup_stage(Connection& c) {
  c.exec("DROP TABLE IF EXISTS temp.followup_stage");
  std::string path;
  {
    SQLite::Statement q(c.db(), "SELECT file FROM pragma_database_list WHERE name = 'crm_stage'");
    if (!q.executeStep()) return;
    path = q.getColumn(0).getString();
  }
  if (c.in_transaction()) return;  // detached by the next stage, or with the handle
  c.exec("DETACH DATABASE crm_stage");
  std::error_code ec;
  if (!path.empty()) std::filesystem::remove(path, ec);
}

void set_followup_source(Connection& c, std::int64_t id, const std::string& source_key) {
  auto q = c.prepare("UPDATE followup_records SET source_key = ? WHERE id = ?");
  q->bind(1, source_key);
  q->bind(2, id);
  q->exec();
}

std::optional<FollowupRow> find_followup_by_source(Connection& c, std::int64_t customer,
                                                   const std::string& source_key) {
  std::optional<std::int64_t> id;
  {
    auto q = c.prepare("SELECT id FROM followup_records WHERE customer_id = ? AND source_key = ?");
    q->bind(1, customer);
    q->bind(2, source_key);
    if (q->executeStep()) id = q->getColumn(0).getInt64();
  }
  if (!id) return std::nullopt;
  return load_followup(c, *id);
}

void set_followup_next_plan(Connection& c, std::int64_t id, std::int64_t plan) {
  auto q = c.prepare("UPDATE followup_records SET next_plan_id = ? WHERE id = ?");
  q->bind(1, plan);
  q->bind(2, id);
  q->exec();
}

std::optional<FollowupRow> load_followup(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_FOLLOWUP_COLUMNS " FROM followup_records WHERE id = ?");
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return read_followup(*q);
}

std::vector<FollowupRow> followups_of_customer(Connection& c, std::int64_t customer) {
  auto q = c.prepare("SELECT " CRM_FOLLOWUP_COLUMNS
                     " FROM followup_records WHERE customer_id = ? ORDER BY contacted_at, id");
  q->bind(1, customer);
  std::vector<FollowupRow> out;
  while (q->executeStep()) out.push_back(read_followup(*q));
  return out;
}

std::optional<FollowupRow> latest_followup(Connection& c, std::int64_t customer) {
  auto q = c.prepare("SELECT " CRM_FOLLOWUP_COLUMNS
                     " FROM followup_records WHERE customer_id = ? "
                     "ORDER BY contacted_at DESC, id DESC LIMIT 1");
  q->bind(1, customer);
  if (!q->executeStep()) return std::nullopt;
  return read_followup(*q);
}

std::optional<std::int64_t> nearest_contact(Connection& c, std::int64_t customer, std::int64_t lo,
                                            std::int64_t hi, std::int64_t at,
                                            std::int64_t except_plan) {
  auto q = c.prepare(
      "SELECT t FROM ("
      " SELECT contacted_at AS t FROM followup_records"
      "  WHERE customer_id = ?1 AND contacted_at BETWEEN ?2 AND ?3"
      " UNION ALL"
      " SELECT planned_at FROM followup_plans"
      "  WHERE customer_id = ?1 AND state = 'planned' AND id != ?5"
      "    AND planned_at BETWEEN ?2 AND ?3)"
      " ORDER BY abs(t - ?4) LIMIT 1");
  q->bind(1, customer);
  q->bind(2, lo);
  q->bind(3, hi);
  q->bind(4, at);
  q->bind(5, except_plan);
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getInt64();
}

bool has_major_change_since(Connection& c, std::int64_t customer, std::int64_t since) {
  auto q = c.prepare(
      "SELECT 1 FROM customer_history WHERE customer_id = ? AND major = 1 AND at >= ? LIMIT 1");
  q->bind(1, customer);
  q->bind(2, since);
  return q->executeStep();
}

std::vector<FollowupRow> followups_of_owner(Connection& c, std::int64_t owner, std::int64_t from,
                                            std::int64_t to) {
  auto q = c.prepare("SELECT " CRM_FOLLOWUP_COLUMNS
                     " FROM followup_records WHERE owner_id = ? AND contacted_at >= ? "
                     "AND contacted_at < ? ORDER BY contacted_at, id");
  q->bind(1, owner);
  q->bind(2, from);
  q->bind(3, to);
  std::vector<FollowupRow> out;
  while (q->executeStep()) out.push_back(read_followup(*q));
  return out;
}

// ---------------------------------------------------------------------------

AgendaPlanStream::AgendaPlanStream(Connection& c, std::int64_t owner, std::int64_t before,
                                   std::int64_t after_at, std::int64_t after_id, int limit)
    : q_(c.prepare(
          "SELECT p.id, p.customer_id, p.owner_id, p.goal, p.method, p.talking_points, "
          "p.materials, "
          "p.planned_at, p.remind_at, p.state, p.state_reason, p.rescheduled_to, p.record_id, "
          "p.created_at, p.created_by, p.updated_at, p.updated_by, c.name "
          "FROM followup_plans p JOIN customers c ON c.id = p.customer_id "
          "WHERE p.owner_id = ?1 AND p.state = 'planned' AND p.planned_at < ?2 "
          "AND (p.planned_at, p.id) > (?3, ?4) ORDER BY p.planned_at, p.id LIMIT ?5")) {
  q_->bind(1, owner);
  q_->bind(2, before);
  q_->bind(3, after_at);
  q_->bind(4, after_id);
  q_->bind(5, limit);
}

bool AgendaPlanStream::next(AgendaPlan& out) {
  if (!q_->executeStep()) return false;
  out.plan = read_plan(*q_);
  out.customer_name = q_->getColumn(17).getString();
  return true;
}

LapsedStream::LapsedStream(Connection& c, std::int64_t owner, const std::string& today,
                           const std::string& after_date, std::int64_t after_key, int limit)
    : q_(c.prepare("SELECT id, name, tier, next_due_date, last_followup_at FROM customers "
                   "WHERE owner_id = ?1 AND next_due_date IS NOT NULL AND next_due_date < ?2 "
                   "AND (next_due_date, id) > (?3, ?4) ORDER BY next_due_date, id LIMIT ?5")) {
  q_->bind(1, owner);
  q_->bind(2, today);
  q_->bind(3, after_date);
  q_->bind(4, after_key);
  q_->bind(5, limit);
}

bool LapsedStream::next(LapsedRow& r) {
  if (!q_->executeStep()) return false;
  r.key = q_->getColumn(0).getInt64();
  r.name = q_->getColumn(1).getString();
  r.tier = q_->getColumn(2).getString();
  r.next_due_date = q_->getColumn(3).getString();
  r.last_followup_at = opt_int(*q_, 4);
  return true;
}

std::vector<AgendaPlan> open_plans_of_owner(Connection& c, std::int64_t owner, std::int64_t before,
                                            std::int64_t after_at, std::int64_t after_id,
                                            int limit) {
  AgendaPlanStream stream(c, owner, before, after_at, after_id, limit);
  std::vector<AgendaPlan> out;
  AgendaPlan p;
  while (stream.next(p)) out.push_back(std::move(p));
  return out;
}

std::vector<RosterRow> roster(Connection& c, const RosterFilter& f, bool& more) {
  // NULL due dates sort last: coalesce to a string after every date.
  auto q = c.prepare(
      "SELECT c.id, c.owner_id, c.name, c.tier, t.position, c.tier_reason, c.next_due_date, "
      "c.graded_at, c.last_followup_at FROM customers c JOIN tiers t ON t.code = c.tier "
      "WHERE c.tier IS NOT NULL AND c.archived = 0 AND (?1 = '' OR c.tier = ?1) "
      "AND (?2 = 0 OR c.owner_id = ?2) "
      "AND (NOT ?3 OR (t.position, coalesce(c.next_due_date, '~'), c.id) > (?4, ?5, ?6)) "
      "AND (NOT ?8 OR c.owner_id IN (SELECT value FROM json_each(?9)) "
      "OR c.id IN (SELECT value FROM json_each(?10))) "
      "ORDER BY t.position, coalesce(c.next_due_date, '~'), c.id LIMIT ?7");
  q->bind(1, f.tier);
  q->bind(2, f.owner);
  q->bind(3, f.has_after ? 1 : 0);
  q->bind(4, f.after_position);
  q->bind(5, f.after_due.empty() ? std::string("~") : f.after_due);
  q->bind(6, f.after_key);
  q->bind(7, f.limit + 1);
  q->bind(8, f.restricted ? 1 : 0);
  q->bind(9, f.visible_owners);
  q->bind(10, f.visible_keys);
  std::vector<RosterRow> out;
  while (q->executeStep()) {
    RosterRow r;
    r.key = q->getColumn(0).getInt64();
    r.owner = q->getColumn(1).getInt64();
    r.name = q->getColumn(2).getString();
    r.tier = q->getColumn(3).getString();
    r.position = q->getColumn(4).getInt();
    r.tier_reason = opt_text(*q, 5);
    r.next_due_date = opt_text(*q, 6);
    r.graded_at = opt_int(*q, 7);
    r.last_followup_at = opt_int(*q, 8);
    out.push_back(std::move(r));
  }
  more = out.size() > static_cast<std::size_t>(f.limit);
  if (more) out.pop_back();
  return out;
}

void move_open_plans(Connection& c, std::int64_t customer, std::int64_t owner, std::int64_t now_ms,
                     std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE followup_plans SET owner_id = ?, updated_at = ?, updated_by = ? "
      "WHERE customer_id = ? AND state = 'planned' AND owner_id <> ?");
  q->bind(1, static_cast<std::int64_t>(owner));
  q->bind(2, static_cast<std::int64_t>(now_ms));
  q->bind(3, static_cast<std::int64_t>(actor));
  q->bind(4, static_cast<std::int64_t>(customer));
  q->bind(5, static_cast<std::int64_t>(owner));
  q->exec();
}

}  // namespace crm::store
