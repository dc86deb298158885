#include "store/custom_field_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {

std::vector<CustomField> load_custom_fields(Connection& c) {
  auto q = c.prepare(
      "SELECT id, name, type, label_zh, label_en, required, max_chars, decimals, created_at, "
      "retired_at, personal FROM custom_fields WHERE entity = 'customer' ORDER BY id");
  std::vector<CustomField> out;
  while (q->executeStep()) {
    CustomField f;
    f.id = q->getColumn(0).getInt64();
    f.name = q->getColumn(1).getString();
    f.qualified = std::string(kCustomPrefix) + f.name;
    f.type = custom_type_from_name(q->getColumn(2).getString()).value_or(FieldType::text);
    f.label_zh = q->getColumn(3).getString();
    f.label_en = q->getColumn(4).getString();
    f.required = q->getColumn(5).getInt() != 0;
    f.max_chars = q->getColumn(6).getInt();
    f.decimals = q->getColumn(7).getInt();
    f.created_at = q->getColumn(8).getInt64();
    f.retired = !q->getColumn(9).isNull();
    f.personal = q->getColumn(10).getInt() != 0;
    if (f.type == FieldType::enumeration) f.dict = f.qualified;
    out.push_back(std::move(f));
  }
  return out;
}

std::int64_t insert_custom_field(Connection& c, const CustomField& f, std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO custom_fields(entity, name, type, label_zh, label_en, required, max_chars, "
      "decimals, created_at, created_by, personal) VALUES ('customer', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?)");
  q->bind(1, f.name);
  q->bind(2, field_type_name(f.type));
  q->bind(3, f.label_zh);
  q->bind(4, f.label_en);
  q->bind(5, f.required ? 1 : 0);
  q->bind(6, f.max_chars);
  q->bind(7, f.decimals);
  q->bind(8, static_cast<std::int64_t>(f.created_at));
  q->bind(9, static_cast<std::int64_t>(actor));
  q->bind(10, f.personal ? 1 : 0);
  q->exec();
  return c.db().getLastInsertRowid();
}

void retire_custom_field(Connection& c, std::int64_t id, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare("UPDATE custom_fields SET retired_at = ?, retired_by = ? WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(now_ms));
  q->bind(2, static_cast<std::int64_t>(actor));
  q->bind(3, static_cast<std::int64_t>(id));
  q->exec();
}

std::vector<std::pair<std::int64_t, Value>> load_custom_values(Connection& c, std::int64_t key) {
  auto q = c.prepare("SELECT field_id, value FROM customer_custom WHERE customer_id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  std::vector<std::pair<std::int64_t, Value>> out;
  while (q->executeStep()) {
    auto col = q->getColumn(1);
    Value v = col.isInteger() ? Value{col.getInt64()} : Value{col.getString()};
    out.emplace_back(q->getColumn(0).getInt64(), std::move(v));
  }
  return out;
}

void set_custom_value(Connection& c, std::int64_t key, std::int64_t field_id, const Value& v) {
  if (is_null(v)) {
    auto q = c.prepare("DELETE FROM customer_custom WHERE customer_id = ? AND field_id = ?");
    q->bind(1, static_cast<std::int64_t>(key));
    q->bind(2, static_cast<std::int64_t>(field_id));
    q->exec();
    return;
  }
  auto q = c.prepare(
      "INSERT INTO customer_custom(customer_id, field_id, value) VALUES (?, ?, ?) "
      "ON CONFLICT(customer_id, field_id) DO UPDATE SET value = excluded.value");
  q->bind(1, static_cast<std::int64_t>(key));
  q->bind(2, static_cast<std::int64_t>(field_id));
  if (is_int(v))
    q->bind(3, static_cast<std::int64_t>(std::get<std::int64_t>(v)));
  else
    q->bind(3, std::get<std::string>(v));
  q->exec();
}

std::string get_setting(Connection& c, const std::string& name) {
  auto q = c.prepare("SELECT value FROM meta WHERE key = 'setting.' || ?");
  q->bind(1, name);
  return q->executeStep() ? q->getColumn(0).getString() : std::string();
}

void set_setting(Connection& c, const std::string& name, const std::string& value) {
  auto q = c.prepare(
      "INSERT INTO meta(key, value) VALUES ('setting.' || ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  q->bind(1, name);
  q->bind(2, value);
  q->exec();
}

}  // namespace crm::store
