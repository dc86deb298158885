#include "store/auth_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace crm::store {

std::vector<DepartmentRow> load_departments(Connection& c) {
  auto q = c.prepare(
      "SELECT id, name, parent_id, supervisor_id, created_at FROM departments ORDER BY id");
  std::vector<DepartmentRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getString(), opt_int(*q, 2),
                   opt_int(*q, 3), q->getColumn(4).getInt64()});
  return out;
}

std::optional<DepartmentRow> find_department(Connection& c, const std::string& name) {
  auto q = c.prepare(
      "SELECT id, name, parent_id, supervisor_id, created_at FROM departments WHERE name = ?");
  q->bind(1, name);
  if (!q->executeStep()) return std::nullopt;
  return DepartmentRow{q->getColumn(0).getInt64(), q->getColumn(1).getString(), opt_int(*q, 2),
                       opt_int(*q, 3), q->getColumn(4).getInt64()};
}

std::int64_t insert_department(Connection& c, const DepartmentRow& d) {
  auto q = c.prepare(
      "INSERT INTO departments(name, parent_id, supervisor_id, created_at) VALUES (?, ?, ?, ?)");
  q->bind(1, d.name);
  bind_opt(*q, 2, d.parent);
  bind_opt(*q, 3, d.supervisor);
  q->bind(4, static_cast<std::int64_t>(d.created_at));
  q->exec();
  return c.db().getLastInsertRowid();
}

void update_department(Connection& c, const DepartmentRow& d) {
  auto q = c.prepare("UPDATE departments SET parent_id = ?, supervisor_id = ? WHERE id = ?");
  bind_opt(*q, 1, d.parent);
  bind_opt(*q, 2, d.supervisor);
  q->bind(3, static_cast<std::int64_t>(d.id));
  q->exec();
}

std::vector<PermissionRow> load_permissions(Connection& c) {
  auto q = c.prepare("SELECT role, object, action, scope FROM permissions ORDER BY role");
  std::vector<PermissionRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getString(), q->getColumn(1).getString(),
                   q->getColumn(2).getString(), q->getColumn(3).getString()});
  return out;
}

void set_permission(Connection& c, const PermissionRow& p) {
  if (p.scope == "none") {
    auto q = c.prepare("DELETE FROM permissions WHERE role = ? AND object = ? AND action = ?");
    q->bind(1, p.role);
    q->bind(2, p.object);
    q->bind(3, p.action);
    q->exec();
    return;
  }
  auto q = c.prepare(
      "INSERT INTO permissions(role, object, action, scope) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(role, object, action) DO UPDATE SET scope = excluded.scope");
  q->bind(1, p.role);
  q->bind(2, p.object);
  q->bind(3, p.action);
  q->bind(4, p.scope);
  q->exec();
}

std::vector<Member> load_members(Connection& c) {
  auto q =
      c.prepare("SELECT id, name, coalesce(department, ''), role, active FROM users ORDER BY id");
  std::vector<Member> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getString(),
                   q->getColumn(2).getString(), q->getColumn(3).getString(),
                   q->getColumn(4).getInt() != 0});
  return out;
}

std::int64_t auth_epoch(Connection& c) {
  auto q = c.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'auth.epoch'");
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

void bump_auth_epoch(Connection& c) {
  c.run(
      "INSERT INTO meta(key, value) VALUES ('auth.epoch', '1') ON CONFLICT(key) DO UPDATE "
      "SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)");
}

std::vector<GrantRow> live_grants(Connection& c, std::int64_t user, std::int64_t now) {
  auto q = c.prepare(
      "SELECT id, customer_id, level, field_groups, expires_at FROM access_requests "
      "WHERE requester_id = ? AND state = 'approved' AND expires_at > ? ORDER BY customer_id");
  q->bind(1, static_cast<std::int64_t>(user));
  q->bind(2, static_cast<std::int64_t>(now));
  std::vector<GrantRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getInt64(),
                   q->getColumn(2).getString(), q->getColumn(3).getString(),
                   q->getColumn(4).getInt64()});
  return out;
}

}  // namespace crm::store
