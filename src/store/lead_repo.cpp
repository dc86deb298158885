#include "store/lead_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_LEAD_COLUMNS                                                                          \
  "id, external_id, channel, company, person, phone, email, region, industry, scale, key_needs, " \
  "note, stage, owner_id, score, scored_at, high_value_at, customer_id, disqualify_reason, "      \
  "route_note, captured_at, screened_at, assigned_at, following_at, converted_at, "               \
  "disqualified_at, version, created_by, updated_at"

LeadRow read_lead(SQLite::Statement& st) {
  LeadRow l;
  l.id = st.getColumn(0).getInt64();
  l.external_id = opt_text(st, 1);
  l.channel = st.getColumn(2).getString();
  l.company = st.getColumn(3).getString();
  l.person = opt_text(st, 4);
  l.phone = opt_text(st, 5);
  l.email = opt_text(st, 6);
  l.region = opt_text(st, 7);
  l.industry = opt_text(st, 8);
  l.scale = opt_text(st, 9);
  l.key_needs = opt_text(st, 10);
  l.note = opt_text(st, 11);
  l.stage = st.getColumn(12).getString();
  l.owner = opt_int(st, 13);
  l.score = st.getColumn(14).getDouble();
  l.scored_at = st.getColumn(15).getInt64();
  l.high_value_at = opt_int(st, 16);
  l.customer = opt_int(st, 17);
  l.disqualify_reason = opt_text(st, 18);
  l.route_note = opt_text(st, 19);
  l.captured_at = st.getColumn(20).getInt64();
  l.screened_at = opt_int(st, 21);
  l.assigned_at = opt_int(st, 22);
  l.following_at = opt_int(st, 23);
  l.converted_at = opt_int(st, 24);
  l.disqualified_at = opt_int(st, 25);
  l.version = st.getColumn(26).getInt64();
  l.created_by = st.getColumn(27).getInt64();
  l.updated_at = st.getColumn(28).getInt64();
  return l;
}

std::optional<LeadRow> one_lead(CachedStatement& q) {
  if (!q->executeStep()) return std::nullopt;
  return read_lead(*q);
}

std::vector<LeadRow> all_leads(CachedStatement& q) {
  std::vector<LeadRow> out;
  while (q->executeStep()) out.push_back(read_lead(*q));
  return out;
}

// The visibility part of a lead query: ?1 all, ?2 owners (JSON), ?3 pool.
#define CRM_LEAD_VISIBLE                                             \
  "(?1 OR owner_id IN (SELECT value FROM json_each(?2)) OR (?3 AND " \
  "owner_id IS NULL))"

void bind_visibility(CachedStatement& q, const LeadFilter& f) {
  q->bind(1, f.all ? 1 : 0);
  q->bind(2, f.owners_json);
  q->bind(3, f.pool ? 1 : 0);
}

}  // namespace

std::int64_t insert_lead(Connection& c, const LeadRow& l) {
  auto q = c.prepare(
      "INSERT INTO leads(external_id, channel, company, person, phone, email, region, industry, "
      "scale, key_needs, note, stage, owner_id, score, scored_at, customer_id, route_note, "
      "captured_at, screened_at, assigned_at, created_by, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20, ?21, ?22)");
  bind_opt(*q, 1, l.external_id);
  q->bind(2, l.channel);
  q->bind(3, l.company);
  bind_opt(*q, 4, l.person);
  bind_opt(*q, 5, l.phone);
  bind_opt(*q, 6, l.email);
  bind_opt(*q, 7, l.region);
  bind_opt(*q, 8, l.industry);
  bind_opt(*q, 9, l.scale);
  bind_opt(*q, 10, l.key_needs);
  bind_opt(*q, 11, l.note);
  q->bind(12, l.stage);
  bind_opt(*q, 13, l.owner);
  q->bind(14, l.score);
  q->bind(15, l.scored_at);
  bind_opt(*q, 16, l.customer);
  bind_opt(*q, 17, l.route_note);
  q->bind(18, l.captured_at);
  bind_opt(*q, 19, l.screened_at);
  bind_opt(*q, 20, l.assigned_at);
  q->bind(21, l.created_by);
  q->bind(22, l.updated_at);
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<LeadRow> load_lead(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_LEAD_COLUMNS " FROM leads WHERE id = ?");
  q->bind(1, id);
  return one_lead(q);
}

std::optional<ExternalId> find_external_id(Connection& c, const std::string& external_id) {
  auto q = c.prepare("SELECT lead_id, digest FROM lead_external_ids WHERE external_id = ?");
  q->bind(1, external_id);
  if (!q->executeStep()) return std::nullopt;
  return ExternalId{q->getColumn(0).getInt64(), q->getColumn(1).getString()};
}

void insert_external_id(Connection& c, const std::string& external_id, std::int64_t lead,
                        const std::string& digest) {
  auto q =
      c.prepare("INSERT INTO lead_external_ids(external_id, lead_id, digest) VALUES (?, ?, ?)");
  q->bind(1, external_id);
  q->bind(2, lead);
  q->bind(3, digest);
  q->exec();
}

std::optional<LeadRow> find_open_lead_by_contact(Connection& c,
                                                 const std::optional<std::string>& phone,
                                                 const std::optional<std::string>& email) {
  auto q = c.prepare("SELECT " CRM_LEAD_COLUMNS
                     " FROM leads WHERE id = (SELECT min(id) FROM ("
                     "SELECT id FROM leads WHERE phone = ?1 AND stage NOT IN "
                     "('converted', 'disqualified') UNION ALL "
                     "SELECT id FROM leads WHERE email = ?2 AND stage NOT IN "
                     "('converted', 'disqualified')))");
  bind_opt(*q, 1, phone);
  bind_opt(*q, 2, email);
  return one_lead(q);
}

std::optional<std::int64_t> find_customer_by_contact(Connection& c,
                                                     const std::optional<std::string>& phone,
                                                     const std::optional<std::string>& email) {
  auto q = c.prepare(
      "SELECT min(id) FROM ("
      "SELECT id FROM customers WHERE phone = ?1 AND archived = 0 UNION ALL "
      "SELECT id FROM customers WHERE email = ?2 AND archived = 0 UNION ALL "
      "SELECT k.customer_id FROM contacts k JOIN customers u ON u.id = k.customer_id "
      "WHERE k.phone = ?1 AND k.removed = 0 AND u.archived = 0 UNION ALL "
      "SELECT k.customer_id FROM contacts k JOIN customers u ON u.id = k.customer_id "
      "WHERE k.email = ?2 AND k.removed = 0 AND u.archived = 0)");
  bind_opt(*q, 1, phone);
  bind_opt(*q, 2, email);
  if (!q->executeStep()) return std::nullopt;
  return opt_int(*q, 0);
}

void update_lead(Connection& c, const LeadRow& l) {
  auto q = c.prepare(
      "UPDATE leads SET stage = ?1, owner_id = ?2, score = ?3, scored_at = ?4, "
      "high_value_at = ?5, customer_id = ?6, disqualify_reason = ?7, route_note = ?8, "
      "screened_at = ?9, assigned_at = ?10, following_at = ?11, converted_at = ?12, "
      "disqualified_at = ?13, version = ?14, updated_at = ?15 WHERE id = ?16");
  q->bind(1, l.stage);
  bind_opt(*q, 2, l.owner);
  q->bind(3, l.score);
  q->bind(4, l.scored_at);
  bind_opt(*q, 5, l.high_value_at);
  bind_opt(*q, 6, l.customer);
  bind_opt(*q, 7, l.disqualify_reason);
  bind_opt(*q, 8, l.route_note);
  bind_opt(*q, 9, l.screened_at);
  bind_opt(*q, 10, l.assigned_at);
  bind_opt(*q, 11, l.following_at);
  bind_opt(*q, 12, l.converted_at);
  bind_opt(*q, 13, l.disqualified_at);
  q->bind(14, l.version);
  q->bind(15, l.updated_at);
  q->bind(16, l.id);
  q->exec();
}

std::int64_t count_open_leads(Connection& c, std::int64_t owner) {
  auto q = c.prepare(
      "SELECT count(*) FROM leads WHERE owner_id = ? AND stage NOT IN ('converted', "
      "'disqualified')");
  q->bind(1, owner);
  q->executeStep();
  return q->getColumn(0).getInt64();
}

std::vector<LeadRow> list_leads(Connection& c, const LeadFilter& f) {
  auto q = c.prepare("SELECT " CRM_LEAD_COLUMNS " FROM leads WHERE " CRM_LEAD_VISIBLE
                     " AND id > ?4 AND (?5 IS NULL OR stage = ?5) AND (?6 IS NULL OR channel = ?6)"
                     " AND (?7 IS NULL OR (?7 = 0 AND owner_id IS NULL) OR owner_id = ?7)"
                     " AND (NOT ?8 OR high_value_at IS NOT NULL) ORDER BY id LIMIT ?9");
  bind_visibility(q, f);
  q->bind(4, f.after_id);
  bind_opt(*q, 5, f.stage);
  bind_opt(*q, 6, f.channel);
  bind_opt(*q, 7, f.owner);
  q->bind(8, f.high_value_only ? 1 : 0);
  q->bind(9, f.limit);
  return all_leads(q);
}

std::vector<LeadRow> leads_captured(Connection& c, const LeadFilter& f, std::int64_t from,
                                    std::int64_t to) {
  auto q = c.prepare("SELECT " CRM_LEAD_COLUMNS
                     " FROM leads WHERE captured_at >= ?4 AND "
                     "captured_at < ?5 AND " CRM_LEAD_VISIBLE " ORDER BY captured_at, id");
  bind_visibility(q, f);
  q->bind(4, from);
  q->bind(5, to);
  return all_leads(q);
}

std::vector<std::int64_t> all_lead_ids(Connection& c) {
  auto q = c.prepare("SELECT id FROM leads ORDER BY id");
  std::vector<std::int64_t> out;
  while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
  return out;
}

std::int64_t insert_lead_event(Connection& c, const LeadEventRow& e) {
  auto q = c.prepare(
      "INSERT INTO lead_events(lead_id, kind, points, at, actor_id, detail) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  q->bind(1, e.lead);
  q->bind(2, e.kind);
  q->bind(3, e.points);
  q->bind(4, e.at);
  q->bind(5, e.actor);
  bind_opt(*q, 6, e.detail);
  q->exec();
  return c.db().getLastInsertRowid();
}

std::vector<LeadEventRow> lead_events(Connection& c, std::int64_t lead, std::int64_t after_id,
                                      int limit, bool scoring_only) {
  auto q = c.prepare(
      "SELECT id, lead_id, kind, points, at, actor_id, detail FROM lead_events "
      "WHERE lead_id = ?1 AND id > ?2 AND (NOT ?3 OR points <> 0) ORDER BY id LIMIT ?4");
  q->bind(1, lead);
  q->bind(2, after_id);
  q->bind(3, scoring_only ? 1 : 0);
  q->bind(4, limit > 0 ? limit : -1);
  std::vector<LeadEventRow> out;
  while (q->executeStep()) {
    LeadEventRow e;
    e.id = q->getColumn(0).getInt64();
    e.lead = q->getColumn(1).getInt64();
    e.kind = q->getColumn(2).getString();
    e.points = q->getColumn(3).getInt64();
    e.at = q->getColumn(4).getInt64();
    e.actor = q->getColumn(5).getInt64();
    e.detail = opt_text(*q, 6);
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
ScoreRuleRow read_score_rule(SQLite::Statement& st) {
  ScoreRuleRow r;
  r.kind = st.getColumn(0).getString();
  r.points = st.getColumn(1).getInt64();
  r.label_zh = st.getColumn(2).getString();
  r.label_en = st.getColumn(3).getString();
  r.updated_at = st.getColumn(4).getInt64();
  r.updated_by = st.getColumn(5).getInt64();
  return r;
}
}  // namespace

std::vector<ScoreRuleRow> list_score_rules(Connection& c) {
  auto q = c.prepare(
      "SELECT kind, points, label_zh, label_en, updated_at, updated_by FROM lead_score_rules "
      "ORDER BY kind");
  std::vector<ScoreRuleRow> out;
  while (q->executeStep()) out.push_back(read_score_rule(*q));
  return out;
}

std::optional<ScoreRuleRow> load_score_rule(Connection& c, const std::string& kind) {
  auto q = c.prepare(
      "SELECT kind, points, label_zh, label_en, updated_at, updated_by FROM lead_score_rules "
      "WHERE kind = ?");
  q->bind(1, kind);
  if (!q->executeStep()) return std::nullopt;
  return read_score_rule(*q);
}

void upsert_score_rule(Connection& c, const ScoreRuleRow& r) {
  auto q = c.prepare(
      "INSERT INTO lead_score_rules(kind, points, label_zh, label_en, updated_at, updated_by) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(kind) DO UPDATE SET points = ?2, "
      "label_zh = ?3, label_en = ?4, updated_at = ?5, updated_by = ?6");
  q->bind(1, r.kind);
  q->bind(2, r.points);
  q->bind(3, r.label_zh);
  q->bind(4, r.label_en);
  q->bind(5, r.updated_at);
  q->bind(6, r.updated_by);
  q->exec();
}

std::vector<LeadRoute> list_lead_routes(Connection& c) {
  auto q = c.prepare(
      "SELECT id, position, region, industry, user_id, department, last_user FROM lead_routes "
      "ORDER BY position, id");
  std::vector<LeadRoute> out;
  while (q->executeStep()) {
    LeadRoute r;
    r.id = q->getColumn(0).getInt64();
    r.position = q->getColumn(1).getInt64();
    r.region = q->getColumn(2).getString();
    r.industry = q->getColumn(3).getString();
    r.user = opt_int(*q, 4);
    r.department = opt_text(*q, 5);
    r.last_user = opt_int(*q, 6);
    out.push_back(std::move(r));
  }
  return out;
}

std::int64_t insert_lead_route(Connection& c, const LeadRoute& r, std::int64_t now,
                               std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO lead_routes(position, region, industry, user_id, department, created_at, "
      "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, r.position);
  q->bind(2, r.region);
  q->bind(3, r.industry);
  bind_opt(*q, 4, r.user);
  bind_opt(*q, 5, r.department);
  q->bind(6, now);
  q->bind(7, actor);
  q->exec();
  return c.db().getLastInsertRowid();
}

bool delete_lead_route(Connection& c, std::int64_t id) {
  auto q = c.prepare("DELETE FROM lead_routes WHERE id = ?");
  q->bind(1, id);
  return q->exec() > 0;
}

void set_lead_route_cursor(Connection& c, std::int64_t id, std::int64_t last_user) {
  auto q = c.prepare("UPDATE lead_routes SET last_user = ? WHERE id = ?");
  q->bind(1, last_user);
  q->bind(2, id);
  q->exec();
}

}  // namespace crm::store
