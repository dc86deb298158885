#include "store/user_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {
namespace {

UserRow read_user(SQLite::Statement& st) {
  UserRow u;
  u.id = st.getColumn(0).getInt64();
  u.login = st.getColumn(1).getString();
  u.name = st.getColumn(2).getString();
  u.department = st.getColumn(3).getString();
  u.role = st.getColumn(4).getString();
  u.active = st.getColumn(5).getInt() != 0;
  u.absent = st.getColumn(6).getInt() != 0;
  return u;
}

}  // namespace

std::optional<UserRow> find_user(Connection& c, std::int64_t id) {
  auto q =
      c.prepare("SELECT id, login, name, department, role, active, absent FROM users WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  std::optional<UserRow> r;
  if (q->executeStep()) r = read_user(*q);
  return r;
}

std::optional<UserRow> find_user_by_login(Connection& c, const std::string& login) {
  auto q = c.prepare(
      "SELECT id, login, name, department, role, active, absent FROM users WHERE login = ?");
  q->bind(1, login);
  std::optional<UserRow> r;
  if (q->executeStep()) r = read_user(*q);
  return r;
}

std::int64_t insert_user(Connection& c, const Record& v, std::int64_t now_ms) {
  auto q = c.prepare(
      "INSERT INTO users(login, name, department, role, active, created_at) "
      "VALUES (?, ?, ?, ?, 1, ?)");
  q->bind(1, v.text("login"));
  q->bind(2, v.text("name"));
  std::string dept = v.text("department");
  if (dept.empty())
    q->bind(3);
  else
    q->bind(3, dept);
  q->bind(4, v.text("role"));
  q->bind(5, static_cast<std::int64_t>(now_ms));
  q->exec();
  return c.db().getLastInsertRowid();
}

void update_user(Connection& c, const UserRow& u) {
  auto q = c.prepare(
      "UPDATE users SET name = ?, department = nullif(?, ''), role = ?, active = ?, absent = ? "
      "WHERE id = ?");
  q->bind(1, u.name);
  q->bind(2, u.department);
  q->bind(3, u.role);
  q->bind(4, u.active ? 1 : 0);
  q->bind(5, u.absent ? 1 : 0);
  q->bind(6, static_cast<std::int64_t>(u.id));
  q->exec();
}

std::vector<UserRow> list_users(Connection& c) {
  auto q =
      c.prepare("SELECT id, login, name, department, role, active, absent FROM users ORDER BY id");
  std::vector<UserRow> out;
  while (q->executeStep()) out.push_back(read_user(*q));
  return out;
}

Record user_to_record(const UserRow& u) {
  Record r;
  r.set("id", u.id);
  r.set("login", u.login);
  r.set("name", u.name);
  r.set("department", u.department.empty() ? Value{} : Value{u.department});
  r.set("role", u.role);
  r.set("active", std::int64_t{u.active ? 1 : 0});
  r.set("absent", std::int64_t{u.absent ? 1 : 0});
  return r;
}

}  // namespace crm::store
