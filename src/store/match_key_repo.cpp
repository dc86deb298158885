#include "store/match_key_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/connection.hpp"

namespace crm::store {
namespace {

struct Raw {
  std::string name;
  bool erased = false;
  std::vector<std::string> phones, emails, contacts;
};

std::string col_text(SQLite::Statement& q, int i) {
  auto c = q.getColumn(i);
  return c.isNull() ? std::string() : c.getString();
}

void add_contact_values(Raw& r, SQLite::Statement& q, int first) {
  r.contacts.push_back(col_text(q, first));
  r.phones.push_back(col_text(q, first + 1));
  r.emails.push_back(col_text(q, first + 2));
}

// Binds and runs `insert` (kind, key, customer) for every key of `k`.
void insert_keys(SQLite::Statement& insert, std::int64_t customer, const MatchKeys& k) {
  auto put = [&](const char* kind, const std::string& key) {
    insert.reset();
    insert.clearBindings();
    insert.bind(1, kind);
    insert.bind(2, key);
    insert.bind(3, static_cast<std::int64_t>(customer));
    insert.exec();
  };
  if (!k.name.empty()) put("name", k.name);
  for (const auto& p : k.phones) put("phone", p);
  for (const auto& e : k.emails) put("email", e);
  for (const auto& n : k.contacts) put("contact", n);
}

void insert_keys(SQLite::Statement& insert, std::int64_t customer, const Raw& r) {
  insert_keys(insert, customer,
              r.erased ? make_match_keys(r.name, {}, {}, {})
                       : make_match_keys(r.name, r.phones, r.emails, r.contacts));
}

constexpr const char* kInsert =
    "INSERT OR IGNORE INTO match_keys(kind, key, customer_id) VALUES (?, ?, ?)";

}  // namespace

void refresh_match_keys(Connection& c, std::int64_t customer) {
  {
    auto del = c.prepare("DELETE FROM match_keys WHERE customer_id = ?");
    del->bind(1, static_cast<std::int64_t>(customer));
    del->exec();
  }
  Raw r;
  {
    auto q = c.prepare(
        "SELECT name, erased_at IS NOT NULL, contact_name, phone, email FROM customers "
        "WHERE id = ?");
    q->bind(1, static_cast<std::int64_t>(customer));
    if (!q->executeStep()) return;
    r.name = col_text(*q, 0);
    r.erased = q->getColumn(1).getInt() != 0;
    add_contact_values(r, *q, 2);
  }
  if (!r.erased) {
    auto q =
        c.prepare("SELECT name, phone, email FROM contacts WHERE customer_id = ? AND removed = 0");
    q->bind(1, static_cast<std::int64_t>(customer));
    while (q->executeStep()) add_contact_values(r, *q, 0);
  }
  auto insert = c.prepare(kInsert);
  insert_keys(*insert, customer, r);
}

void insert_match_keys(Connection& c, std::int64_t customer, const MatchKeys& keys) {
  auto insert = c.prepare(kInsert);
  insert_keys(*insert, customer, keys);
}

void fill_match_keys(SQLite::Database& db) {
  SQLite::Statement customers(db,
                              "SELECT id, name, erased_at IS NOT NULL, contact_name, phone, email "
                              "FROM customers ORDER BY id");
  SQLite::Statement contacts(db,
                             "SELECT customer_id, name, phone, email FROM contacts "
                             "WHERE removed = 0 ORDER BY customer_id, id");
  SQLite::Statement insert(db, kInsert);
  bool more_contacts = contacts.executeStep();
  while (customers.executeStep()) {
    const std::int64_t id = customers.getColumn(0).getInt64();
    Raw r;
    r.name = col_text(customers, 1);
    r.erased = customers.getColumn(2).getInt() != 0;
    add_contact_values(r, customers, 3);
    while (more_contacts && contacts.getColumn(0).getInt64() < id)
      more_contacts = contacts.executeStep();
    while (more_contacts && contacts.getColumn(0).getInt64() == id) {
      add_contact_values(r, contacts, 1);
      more_contacts = contacts.executeStep();
    }
    insert_keys(insert, id, r);
  }
}

std::int64_t count_blocking_keys(Connection& c) {
  auto q = c.prepare("SELECT count(*) FROM match_keys WHERE kind IN ('email', 'name', 'phone')");
  q->executeStep();
  return q->getColumn(0).getInt64();
}

void scan_blocking_keys(Connection& c,
                        const std::function<bool(std::string_view kind, std::string_view key,
                                                 std::int64_t customer)>& row) {
  auto q = c.prepare(
      "SELECT kind, key, customer_id FROM match_keys WHERE kind IN ('email', 'name', 'phone') "
      "ORDER BY kind, key, customer_id");
  while (q->executeStep()) {
    auto kind = q->getColumn(0), key = q->getColumn(1);
    if (!row(std::string_view(kind.getText(), static_cast<std::size_t>(kind.getBytes())),
             std::string_view(key.getText(), static_cast<std::size_t>(key.getBytes())),
             q->getColumn(2).getInt64()))
      return;
  }
}

std::vector<std::int64_t> customers_with_key(Connection& c, std::string_view kind,
                                             std::string_view key) {
  auto q = c.prepare(
      "SELECT customer_id FROM match_keys WHERE kind = ? AND key = ? ORDER BY customer_id");
  q->bind(1, std::string(kind));
  q->bind(2, std::string(key));
  std::vector<std::int64_t> out;
  while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> names_with_prefix(Connection& c,
                                                                    std::string_view prefix,
                                                                    int limit) {
  // key >= prefix AND key < prefix || U+10FFFF: a range on the primary key.
  auto q = c.prepare(
      "SELECT key, customer_id FROM match_keys WHERE kind = 'name' AND key >= ?1 "
      "AND key < ?1 || char(1114111) ORDER BY key, customer_id LIMIT ?2");
  q->bind(1, std::string(prefix));
  q->bind(2, limit);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (q->executeStep())
    out.emplace_back(q->getColumn(0).getString(), q->getColumn(1).getInt64());
  return out;
}

MatchKeys load_match_keys(Connection& c, std::int64_t customer) {
  auto q = c.prepare("SELECT kind, key FROM match_keys WHERE customer_id = ? ORDER BY kind, key");
  q->bind(1, static_cast<std::int64_t>(customer));
  MatchKeys k;
  while (q->executeStep()) {
    std::string kind = q->getColumn(0).getString();
    std::string key = q->getColumn(1).getString();
    if (kind == "name")
      k.name = std::move(key);
    else if (kind == "phone")
      k.phones.push_back(std::move(key));
    else if (kind == "email")
      k.emails.push_back(std::move(key));
    else if (kind == "contact")
      k.contacts.push_back(std::move(key));
  }
  return k;
}

std::optional<CustomerBrief> customer_brief(Connection& c, std::int64_t customer) {
  auto q = c.prepare("SELECT owner_id, archived, name FROM customers WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(customer));
  if (!q->executeStep()) return std::nullopt;
  return CustomerBrief{customer, q->getColumn(0).getInt64(), q->getColumn(1).getInt() != 0,
                       q->getColumn(2).getString()};
}

void scan_cleansing_rows(Connection& c, const std::vector<std::string>& names,
                         const std::function<bool(const CleansingRow&)>& row) {
  // The names come from the field registry (built-in columns), never from
  // input; the SQL is built once per set of names and cached by text.
  std::string sql =
      "SELECT id, owner_id, updated_at, last_followup_at, EXISTS(SELECT 1 FROM "
      "match_keys k WHERE k.customer_id = customers.id AND k.kind IN ('email', "
      "'phone'))";
  for (const auto& n : names) sql += ", " + (n == "owner" ? std::string("owner_id") : n);
  sql += " FROM customers WHERE archived = 0 ORDER BY id";
  auto q = c.prepare_text(sql);
  CleansingRow r;
  while (q->executeStep()) {
    r.key = q->getColumn(0).getInt64();
    r.owner = q->getColumn(1).getInt64();
    r.updated_at = q->getColumn(2).getInt64();
    auto f = q->getColumn(3);
    r.last_followup_at = f.isNull() ? std::nullopt : std::optional<std::int64_t>(f.getInt64());
    r.reachable = q->getColumn(4).getInt() != 0;
    r.fields.clear();
    for (std::size_t i = 0; i < names.size(); ++i)
      r.fields.emplace_back(names[i], col_text(*q, static_cast<int>(i) + 5));
    if (!row(r)) return;
  }
}

std::int64_t count_live_customers(Connection& c) {
  auto q = c.prepare("SELECT count(*) FROM customers WHERE archived = 0");
  q->executeStep();
  return q->getColumn(0).getInt64();
}

std::vector<std::int64_t> customers_with_custom_value(Connection& c, std::int64_t field_id) {
  auto q =
      c.prepare("SELECT customer_id FROM customer_custom WHERE field_id = ? ORDER BY customer_id");
  q->bind(1, static_cast<std::int64_t>(field_id));
  std::vector<std::int64_t> out;
  while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
  return out;
}

}  // namespace crm::store
