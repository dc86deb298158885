#include "store/tag_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {
namespace {

TagRow read_tag(SQLite::Statement& st) {
  return {st.getColumn(0).getInt64(), st.getColumn(1).getString(), st.getColumn(2).getString()};
}

std::vector<TagRow> read_all(CachedStatement& q) {
  std::vector<TagRow> out;
  while (q->executeStep()) out.push_back(read_tag(*q));
  return out;
}

}  // namespace

std::int64_t insert_tag(Connection& c, const std::string& category, const std::string& label,
                        std::int64_t now_ms) {
  auto q = c.prepare("INSERT INTO tags(category, label, created_at) VALUES (?, ?, ?)");
  q->bind(1, category);
  q->bind(2, label);
  q->bind(3, static_cast<std::int64_t>(now_ms));
  q->exec();
  return c.db().getLastInsertRowid();
}

std::optional<TagRow> find_tag(Connection& c, std::int64_t id) {
  auto q = c.prepare("SELECT id, category, label FROM tags WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(id));
  if (!q->executeStep()) return std::nullopt;
  return read_tag(*q);
}

std::optional<TagRow> find_tag(Connection& c, const std::string& category,
                               const std::string& label) {
  auto q = c.prepare("SELECT id, category, label FROM tags WHERE category = ? AND label = ?");
  q->bind(1, category);
  q->bind(2, label);
  if (!q->executeStep()) return std::nullopt;
  return read_tag(*q);
}

std::vector<TagRow> find_tags_by_label(Connection& c, const std::string& label) {
  auto q = c.prepare("SELECT id, category, label FROM tags WHERE label = ? ORDER BY id");
  q->bind(1, label);
  return read_all(q);
}

std::vector<TagRow> list_tags(Connection& c, const std::string& category) {
  auto q = c.prepare(
      "SELECT id, category, label FROM tags WHERE ?1 = '' OR category = ?1 "
      "ORDER BY category, id");
  q->bind(1, category);
  return read_all(q);
}

std::vector<TagRow> customer_tags(Connection& c, std::int64_t customer) {
  auto q = c.prepare(
      "SELECT t.id, t.category, t.label FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
      "WHERE ct.customer_id = ? ORDER BY t.category, t.id");
  q->bind(1, static_cast<std::int64_t>(customer));
  return read_all(q);
}

bool attach_tag(Connection& c, std::int64_t customer, std::int64_t tag) {
  auto q = c.prepare("INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)");
  q->bind(1, static_cast<std::int64_t>(customer));
  q->bind(2, static_cast<std::int64_t>(tag));
  return q->exec() == 1;
}

bool detach_tag(Connection& c, std::int64_t customer, std::int64_t tag) {
  auto q = c.prepare("DELETE FROM customer_tags WHERE customer_id = ? AND tag_id = ?");
  q->bind(1, static_cast<std::int64_t>(customer));
  q->bind(2, static_cast<std::int64_t>(tag));
  return q->exec() == 1;
}

void touch_customer(Connection& c, std::int64_t customer, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE customers SET version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(now_ms));
  q->bind(2, static_cast<std::int64_t>(actor));
  q->bind(3, static_cast<std::int64_t>(customer));
  q->exec();
}

}  // namespace crm::store
