#include "store/contact_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/customer_repo.hpp"

namespace crm::store {
namespace {

#define CRM_CONTACT_COLUMNS                                                           \
  "id, customer_id, name, title, phone, email, decision_maker, is_primary, removed, " \
  "created_at, updated_at"

Record read_contact(SQLite::Statement& st) {
  Record r;
  r.set("id", st.getColumn(0).getInt64());
  r.set("customer", human_id(st.getColumn(1).getInt64()));
  r.set("name", text_or_null(st, 2));
  r.set("title", text_or_null(st, 3));
  r.set("phone", text_or_null(st, 4));
  r.set("phone_display", Value{});
  r.set("email", text_or_null(st, 5));
  r.set("decision_maker", st.getColumn(6).getInt64());
  r.set("primary", st.getColumn(7).getInt64());
  r.set("removed", st.getColumn(8).getInt64());
  r.set("created_at", st.getColumn(9).getInt64());
  r.set("updated_at", st.getColumn(10).getInt64());
  r.set("customer_key", st.getColumn(1).getInt64());
  return r;
}

void bind_text(SQLite::Statement& st, int i, const Record& v, const char* name) {
  const Value* x = v.find(name);
  if (x && is_text(*x))
    st.bind(i, std::get<std::string>(*x));
  else
    st.bind(i);
}

std::int64_t int_or(const Record& v, const char* name, std::int64_t fallback) {
  const Value* x = v.find(name);
  return x && is_int(*x) ? std::get<std::int64_t>(*x) : fallback;
}

}  // namespace

std::int64_t insert_contact(Connection& c, std::int64_t customer, const Record& v, bool primary,
                            std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO contacts(customer_id, name, title, phone, email, decision_maker, is_primary, "
      "created_at, created_by, updated_at, updated_by) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?9)");
  q->bind(1, static_cast<std::int64_t>(customer));
  bind_text(*q, 2, v, "name");
  bind_text(*q, 3, v, "title");
  bind_text(*q, 4, v, "phone");
  bind_text(*q, 5, v, "email");
  q->bind(6, static_cast<std::int64_t>(int_or(v, "decision_maker", 0)));
  q->bind(7, primary ? 1 : 0);
  q->bind(8, static_cast<std::int64_t>(now_ms));
  q->bind(9, static_cast<std::int64_t>(actor));
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<Record> load_contact(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT " CRM_CONTACT_COLUMNS " FROM contacts WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  if (!q->executeStep()) return std::nullopt;
  return read_contact(*q);
}

std::vector<Record> list_contacts(Connection& c, std::int64_t customer, bool include_removed) {
  auto q = c.prepare("SELECT " CRM_CONTACT_COLUMNS
                     " FROM contacts WHERE customer_id = ?1 AND (?2 OR removed = 0) "
                     "ORDER BY is_primary DESC, id");
  q->bind(1, static_cast<std::int64_t>(customer));
  q->bind(2, include_removed ? 1 : 0);
  std::vector<Record> out;
  while (q->executeStep()) out.push_back(read_contact(*q));
  return out;
}

void update_contact(Connection& c, std::int64_t id, const Record& full, std::int64_t now_ms,
                    std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE contacts SET name = ?1, title = ?2, phone = ?3, email = ?4, decision_maker = ?5, "
      "removed = ?6, updated_at = ?7, updated_by = ?8 WHERE id = ?9");
  bind_text(*q, 1, full, "name");
  bind_text(*q, 2, full, "title");
  bind_text(*q, 3, full, "phone");
  bind_text(*q, 4, full, "email");
  q->bind(5, static_cast<std::int64_t>(int_or(full, "decision_maker", 0)));
  q->bind(6, static_cast<std::int64_t>(int_or(full, "removed", 0)));
  q->bind(7, static_cast<std::int64_t>(now_ms));
  q->bind(8, static_cast<std::int64_t>(actor));
  q->bind(9, static_cast<std::int64_t>(id));
  q->exec();
}

void set_primary_contact(Connection& c, std::int64_t customer, std::int64_t id) {
  {
    auto q = c.prepare("UPDATE contacts SET is_primary = 0 WHERE customer_id = ? AND is_primary");
    q->bind(1, static_cast<std::int64_t>(customer));
    q->exec();
  }
  auto q = c.prepare("UPDATE contacts SET is_primary = 1 WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  q->exec();
}

std::int64_t primary_contact(Connection& c, std::int64_t customer) {
  auto q =
      c.prepare("SELECT id FROM contacts WHERE customer_id = ? AND is_primary = 1 AND removed = 0");
  q->bind(1, static_cast<std::int64_t>(customer));
  return q->executeStep() ? q->getColumn(0).getInt64() : 0;
}

void mirror_primary(Connection& c, std::int64_t customer, const Record& contact) {
  auto q = c.prepare(
      "UPDATE customers SET contact_name = ?1, contact_title = ?2, phone = ?3, email = ?4 "
      "WHERE id = ?5");
  bind_text(*q, 1, contact, "name");
  bind_text(*q, 2, contact, "title");
  bind_text(*q, 3, contact, "phone");
  bind_text(*q, 4, contact, "email");
  q->bind(5, static_cast<std::int64_t>(customer));
  q->exec();
}

}  // namespace crm::store
