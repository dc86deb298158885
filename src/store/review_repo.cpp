#include "store/review_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_PENDING_COLUMNS                                                           \
  "id, kind, customer_id, author_id, owner_id, fields, before, state, submitted_at, " \
  "decided_by, decided_at, reason"

PendingRow read_pending(SQLite::Statement& q) {
  PendingRow p;
  p.id = q.getColumn(0).getInt64();
  p.kind = q.getColumn(1).getString();
  p.customer = opt_int(q, 2);
  p.author = q.getColumn(3).getInt64();
  p.owner = q.getColumn(4).getInt64();
  p.fields = q.getColumn(5).getString();
  p.before = opt_text(q, 6);
  p.state = q.getColumn(7).getString();
  p.submitted_at = q.getColumn(8).getInt64();
  p.decided_by = opt_int(q, 9);
  p.decided_at = opt_int(q, 10);
  p.reason = opt_text(q, 11);
  return p;
}

}  // namespace

std::int64_t insert_pending(Connection& c, const PendingRow& p) {
  auto q = c.prepare(
      "INSERT INTO pending_changes(kind, customer_id, author_id, owner_id, fields, before, state, "
      "submitted_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)");
  q->bind(1, p.kind);
  bind_opt(*q, 2, p.customer);
  q->bind(3, static_cast<std::int64_t>(p.author));
  q->bind(4, static_cast<std::int64_t>(p.owner));
  q->bind(5, p.fields);
  bind_opt(*q, 6, p.before);
  q->bind(7, static_cast<std::int64_t>(p.submitted_at));
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<PendingRow> load_pending(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_PENDING_COLUMNS " FROM pending_changes WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  if (!q->executeStep()) return std::nullopt;
  return read_pending(*q);
}

void update_pending(Connection& c, const PendingRow& p) {
  auto q = c.prepare(
      "UPDATE pending_changes SET state = ?, customer_id = ?, decided_by = ?, decided_at = ?, "
      "reason = ? WHERE id = ?");
  q->bind(1, p.state);
  bind_opt(*q, 2, p.customer);
  bind_opt(*q, 3, p.decided_by);
  bind_opt(*q, 4, p.decided_at);
  bind_opt(*q, 5, p.reason);
  q->bind(6, static_cast<std::int64_t>(p.id));
  q->exec();
}

std::vector<PendingRow> query_pending(Connection& c, const PendingFilter& f) {
  auto q = c.prepare("SELECT " CRM_PENDING_COLUMNS
                     " FROM pending_changes WHERE (?1 = 0 OR author_id = ?1) "
                     "AND (?2 = 0 OR customer_id = ?2) AND (NOT ?3 OR state = 'pending') "
                     "ORDER BY id LIMIT ?4");
  q->bind(1, static_cast<std::int64_t>(f.author));
  q->bind(2, static_cast<std::int64_t>(f.customer));
  q->bind(3, f.pending_only ? 1 : 0);
  q->bind(4, f.limit);
  std::vector<PendingRow> out;
  while (q->executeStep()) out.push_back(read_pending(*q));
  return out;
}

}  // namespace crm::store
