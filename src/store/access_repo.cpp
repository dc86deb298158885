#include "store/access_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_ACCESS_COLUMNS                                                                   \
  "id, customer_id, requester_id, level, field_groups, reason, hours, state, requested_at, " \
  "decided_by, decided_at, note, expires_at, revoked_by, revoked_at"

AccessRequestRow read_request(SQLite::Statement& q) {
  AccessRequestRow r;
  r.id = q.getColumn(0).getInt64();
  r.customer = q.getColumn(1).getInt64();
  r.requester = q.getColumn(2).getInt64();
  r.level = q.getColumn(3).getString();
  r.groups = q.getColumn(4).getString();
  r.reason = q.getColumn(5).getString();
  r.hours = q.getColumn(6).getInt64();
  r.state = q.getColumn(7).getString();
  r.requested_at = q.getColumn(8).getInt64();
  r.decided_by = opt_int(q, 9);
  r.decided_at = opt_int(q, 10);
  r.note = opt_text(q, 11);
  r.expires_at = opt_int(q, 12);
  r.revoked_by = opt_int(q, 13);
  r.revoked_at = opt_int(q, 14);
  return r;
}

}  // namespace

std::int64_t insert_access_request(Connection& c, const AccessRequestRow& r) {
  auto q = c.prepare(
      "INSERT INTO access_requests(customer_id, requester_id, level, field_groups, reason, hours, "
      "state, requested_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)");
  q->bind(1, static_cast<std::int64_t>(r.customer));
  q->bind(2, static_cast<std::int64_t>(r.requester));
  q->bind(3, r.level);
  q->bind(4, r.groups);
  q->bind(5, r.reason);
  q->bind(6, static_cast<std::int64_t>(r.hours));
  q->bind(7, static_cast<std::int64_t>(r.requested_at));
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<AccessRequestRow> load_access_request(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_ACCESS_COLUMNS " FROM access_requests WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  if (!q->executeStep()) return std::nullopt;
  return read_request(*q);
}

void update_access_request(Connection& c, const AccessRequestRow& r) {
  auto q = c.prepare(
      "UPDATE access_requests SET state = ?, decided_by = ?, decided_at = ?, note = ?, "
      "expires_at = ?, revoked_by = ?, revoked_at = ? WHERE id = ?");
  q->bind(1, r.state);
  bind_opt(*q, 2, r.decided_by);
  bind_opt(*q, 3, r.decided_at);
  bind_opt(*q, 4, r.note);
  bind_opt(*q, 5, r.expires_at);
  bind_opt(*q, 6, r.revoked_by);
  bind_opt(*q, 7, r.revoked_at);
  q->bind(8, static_cast<std::int64_t>(r.id));
  q->exec();
}

std::optional<std::int64_t> pending_request(Connection& c, std::int64_t customer,
                                            std::int64_t requester) {
  auto q = c.prepare(
      "SELECT id FROM access_requests WHERE requester_id = ? AND customer_id = ? "
      "AND state = 'pending' LIMIT 1");
  q->bind(1, static_cast<std::int64_t>(requester));
  q->bind(2, static_cast<std::int64_t>(customer));
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getInt64();
}

std::vector<AccessRequestRow> query_access_requests(Connection& c, const AccessFilter& f) {
  auto q = c.prepare("SELECT " CRM_ACCESS_COLUMNS
                     " FROM access_requests WHERE id > ?1 AND (?2 = 0 OR requester_id = ?2) "
                     "AND (?3 = 0 OR customer_id = ?3) AND (NOT ?4 OR state = 'pending') "
                     "ORDER BY id LIMIT ?5");
  q->bind(1, static_cast<std::int64_t>(f.after_id));
  q->bind(2, static_cast<std::int64_t>(f.requester));
  q->bind(3, static_cast<std::int64_t>(f.customer));
  q->bind(4, f.pending_only ? 1 : 0);
  q->bind(5, f.limit);
  std::vector<AccessRequestRow> out;
  while (q->executeStep()) out.push_back(read_request(*q));
  return out;
}

}  // namespace crm::store
