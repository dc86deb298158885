#include "store/merge_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "domain/error.hpp"
#include "store/columns.hpp"

namespace crm::store {
namespace {

Value column_value(const SQLite::Column& col) {
  if (col.isNull()) return Value{};
  if (col.isInteger()) return Value{static_cast<std::int64_t>(col.getInt64())};
  if (col.isFloat()) return Value{col.getDouble()};
  return Value{col.getString()};
}

void bind_any(SQLite::Statement& st, int i, const Value& v) {
  if (is_int(v))
    st.bind(i, static_cast<std::int64_t>(std::get<std::int64_t>(v)));
  else if (is_real(v))
    st.bind(i, std::get<double>(v));
  else if (is_text(v))
    st.bind(i, std::get<std::string>(v));
  else
    st.bind(i);
}

// The customers table's columns, checked against the schema: names that go
// into SQL text come only from here.
const std::vector<std::string>& customer_column_names(Connection& c) {
  static thread_local std::vector<std::string> names;
  static thread_local int for_version = -1;
  static thread_local const void* for_conn = nullptr;
  const int v = c.schema_version();
  if (for_version != v || for_conn != &c || names.empty()) {
    names.clear();
    SQLite::Statement q(c.db(), "SELECT name FROM pragma_table_info('customers') ORDER BY cid");
    while (q.executeStep()) names.push_back(q.getColumn(0).getString());
    for_version = v;
    for_conn = &c;
  }
  return names;
}

// The tables a merge moves, each with what tells that a row changed after
// an instant.
struct ChildTable {
  const char* name;
  const char* changed_at;  // SQL expression of the row's last change
};
const ChildTable kChildTables[] = {
    {"contacts", "updated_at"},
    {"followup_plans", "updated_at"},
    {"followup_records", "created_at"},
    {"maintenance_plans",
     "max(created_at, coalesce(decided_at, 0), coalesce(carried_out_at, 0), "
     "coalesce(evaluated_at, 0))"},
    {"leads", "updated_at"},
};

const ChildTable* child_table(const std::string& name) {
  for (const auto& t : kChildTables)
    if (name == t.name) return &t;
  throw Error(Status::corrupt, "unknown table " + name + " in a stored merge",
              "合并记录中有未知的表 " + name);
}

}  // namespace

const std::vector<std::string>& customer_timer_kinds() {
  static const std::vector<std::string> kinds{"cadence_lapsed", "review_due", "unverified"};
  return kinds;
}

CustomerState read_customer_state(Connection& c, std::int64_t key) {
  CustomerState s;
  {
    auto q = c.prepare("SELECT * FROM customers WHERE id = ?");
    q->bind(1, static_cast<std::int64_t>(key));
    if (!q->executeStep())
      throw Error(Status::not_found, "no customer " + std::to_string(key),
                  "客户 " + std::to_string(key) + " 不存在");
    for (int i = 0; i < q->getColumnCount(); ++i) {
      std::string name = q->getColumnName(i);
      if (name == "id") continue;
      s.columns.emplace_back(name, column_value(q->getColumn(i)));
    }
  }
  {
    auto q = c.prepare(
        "SELECT field_id, value FROM customer_custom WHERE customer_id = ? ORDER BY field_id");
    q->bind(1, static_cast<std::int64_t>(key));
    while (q->executeStep())
      s.custom.emplace_back(q->getColumn(0).getInt64(), column_value(q->getColumn(1)));
  }
  {
    auto q = c.prepare("SELECT tag_id FROM customer_tags WHERE customer_id = ? ORDER BY tag_id");
    q->bind(1, static_cast<std::int64_t>(key));
    while (q->executeStep()) s.tags.push_back(q->getColumn(0).getInt64());
  }
  {
    auto q = c.prepare(
        "SELECT id FROM contacts WHERE customer_id = ? AND is_primary = 1 AND removed = 0");
    q->bind(1, static_cast<std::int64_t>(key));
    if (q->executeStep()) s.primary_contact = q->getColumn(0).getInt64();
  }
  {
    auto q = c.prepare(
        "SELECT kind, base_at, due_at FROM timers WHERE subject = ?1 AND kind IN "
        "('cadence_lapsed', 'review_due', 'unverified') ORDER BY kind");
    q->bind(1, static_cast<std::int64_t>(key));
    while (q->executeStep())
      s.timers.push_back(TimerRow{q->getColumn(0).getString(), key, q->getColumn(1).getInt64(),
                                  q->getColumn(2).getInt64()});
  }
  return s;
}

void set_customer_columns(Connection& c, std::int64_t key,
                          const std::vector<std::pair<std::string, Value>>& columns,
                          std::int64_t now_ms, std::int64_t actor) {
  const std::vector<std::string>& known = customer_column_names(c);
  std::string sql = "UPDATE customers SET ";
  std::vector<const Value*> values;
  for (const auto& [name, value] : columns) {
    if (name == "id" || name == "version" || name == "updated_at" || name == "updated_by") continue;
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw Error(Status::corrupt, "unknown customers column " + name, "客户表中没有列 " + name);
    sql += name + " = ?, ";
    values.push_back(&value);
  }
  sql += "version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?";
  auto q = c.prepare_text(sql);
  int i = 1;
  for (const Value* v : values) bind_any(*q, i++, *v);
  q->bind(i++, static_cast<std::int64_t>(now_ms));
  q->bind(i++, static_cast<std::int64_t>(actor));
  q->bind(i, static_cast<std::int64_t>(key));
  q->exec();
}

void replace_custom_values(Connection& c, std::int64_t key,
                           const std::vector<std::pair<std::int64_t, Value>>& values) {
  auto del = c.prepare("DELETE FROM customer_custom WHERE customer_id = ?");
  del->bind(1, static_cast<std::int64_t>(key));
  del->exec();
  auto ins =
      c.prepare("INSERT INTO customer_custom(customer_id, field_id, value) VALUES (?, ?, ?)");
  for (const auto& [field, value] : values) {
    if (is_null(value)) continue;
    ins->reset();
    ins->bind(1, static_cast<std::int64_t>(key));
    ins->bind(2, static_cast<std::int64_t>(field));
    bind_any(*ins, 3, value);
    ins->exec();
  }
}

void add_tags(Connection& c, std::int64_t key, const std::vector<std::int64_t>& tags) {
  auto q = c.prepare("INSERT OR IGNORE INTO customer_tags(customer_id, tag_id) VALUES (?, ?)");
  for (std::int64_t t : tags) {
    q->reset();
    q->bind(1, static_cast<std::int64_t>(key));
    q->bind(2, static_cast<std::int64_t>(t));
    q->exec();
  }
}

void clear_tags(Connection& c, std::int64_t key) {
  auto q = c.prepare("DELETE FROM customer_tags WHERE customer_id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  q->exec();
}

void make_primary_contact(Connection& c, std::int64_t key, std::int64_t contact) {
  // Two statements: the unique index on the primary is checked row by row.
  auto off =
      c.prepare("UPDATE contacts SET is_primary = 0 WHERE customer_id = ? AND is_primary = 1");
  off->bind(1, static_cast<std::int64_t>(key));
  off->exec();
  auto on = c.prepare(
      "UPDATE contacts SET is_primary = 1 WHERE id = ? AND customer_id = ? AND removed = 0");
  on->bind(1, static_cast<std::int64_t>(contact));
  on->bind(2, static_cast<std::int64_t>(key));
  on->exec();
}

void mirror_primary_contact(Connection& c, std::int64_t key) {
  auto q = c.prepare(
      "UPDATE customers SET (contact_name, phone, email, contact_title) = "
      "(SELECT name, phone, email, title FROM contacts WHERE customer_id = ?1 AND is_primary = 1 "
      "AND removed = 0) WHERE id = ?1 AND EXISTS (SELECT 1 FROM contacts WHERE customer_id = ?1 "
      "AND is_primary = 1 AND removed = 0)");
  q->bind(1, static_cast<std::int64_t>(key));
  q->exec();
}

void write_customer_state(Connection& c, std::int64_t key, const CustomerState& state,
                          std::int64_t now_ms, std::int64_t actor) {
  set_customer_columns(c, key, state.columns, now_ms, actor);
  replace_custom_values(c, key, state.custom);
  clear_tags(c, key);
  add_tags(c, key, state.tags);
  if (state.primary_contact != 0) make_primary_contact(c, key, state.primary_contact);
}

std::vector<MovedRow> move_children(Connection& c, std::int64_t from, std::int64_t to) {
  std::vector<MovedRow> moved;
  for (const auto& t : kChildTables) {
    const bool contacts = std::string_view(t.name) == "contacts";
    auto q = c.prepare_text(std::string("SELECT id") + (contacts ? ", is_primary" : "") + " FROM " +
                            t.name + " WHERE customer_id = ? ORDER BY id");
    q->bind(1, static_cast<std::int64_t>(from));
    std::vector<MovedRow> rows;
    while (q->executeStep())
      rows.push_back(MovedRow{t.name, q->getColumn(0).getInt64(),
                              contacts ? column_value(q->getColumn(1)) : Value{}});
    if (rows.empty()) continue;
    auto up = c.prepare_text(std::string("UPDATE ") + t.name + " SET customer_id = ?" +
                             (contacts ? ", is_primary = 0" : "") + " WHERE customer_id = ?");
    up->bind(1, static_cast<std::int64_t>(to));
    up->bind(2, static_cast<std::int64_t>(from));
    up->exec();
    moved.insert(moved.end(), rows.begin(), rows.end());
  }
  return moved;
}

void move_back(Connection& c, const std::vector<MovedRow>& rows, std::int64_t to) {
  for (const auto& r : rows) {
    const ChildTable* t = child_table(r.table);
    const bool contacts = std::string_view(t->name) == "contacts";
    auto q = c.prepare_text(std::string("UPDATE ") + t->name + " SET customer_id = ?" +
                            (contacts ? ", is_primary = 0" : "") + " WHERE id = ?");
    q->bind(1, static_cast<std::int64_t>(to));
    q->bind(2, static_cast<std::int64_t>(r.row));
    q->exec();
  }
}

std::vector<std::string> changed_moves(Connection& c, const std::vector<MovedRow>& rows,
                                       std::int64_t survivor, std::int64_t since) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    const ChildTable* t = child_table(r.table);
    auto q = c.prepare_text(std::string("SELECT customer_id, ") + t->changed_at + " FROM " +
                            t->name + " WHERE id = ?");
    q->bind(1, static_cast<std::int64_t>(r.row));
    if (!q->executeStep()) {
      out.push_back(r.table + " " + std::to_string(r.row) + " (gone)");
    } else if (q->getColumn(0).getInt64() != survivor) {
      out.push_back(r.table + " " + std::to_string(r.row) + " (moved elsewhere)");
    } else if (q->getColumn(1).getInt64() > since) {
      out.push_back(r.table + " " + std::to_string(r.row));
    }
  }
  return out;
}

std::int64_t insert_merge(Connection& c, const MergeRow& m) {
  auto q = c.prepare(
      "INSERT INTO customer_merges(survivor_id, merged_id, merged_at, merged_by, choices, reason) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  q->bind(1, static_cast<std::int64_t>(m.survivor));
  q->bind(2, static_cast<std::int64_t>(m.merged));
  q->bind(3, static_cast<std::int64_t>(m.merged_at));
  q->bind(4, static_cast<std::int64_t>(m.merged_by));
  q->bind(5, m.choices);
  bind_opt(*q, 6, m.reason);
  q->exec();
  return c.db().getLastInsertRowid();
}

namespace {
const char* const kMergeColumns =
    "m.id, m.survivor_id, m.merged_id, m.merged_at, m.merged_by, m.choices, m.reason, "
    "m.undone_at, m.undone_by, m.undo_note, "
    "(SELECT count(*) FROM customer_merge_moves v WHERE v.merge_id = m.id)";

MergeRow read_merge(SQLite::Statement& q) {
  MergeRow m;
  m.id = q.getColumn(0).getInt64();
  m.survivor = q.getColumn(1).getInt64();
  m.merged = q.getColumn(2).getInt64();
  m.merged_at = q.getColumn(3).getInt64();
  m.merged_by = q.getColumn(4).getInt64();
  m.choices = q.getColumn(5).getString();
  m.reason = opt_text(q, 6);
  m.undone_at = opt_int(q, 7);
  m.undone_by = opt_int(q, 8);
  m.undo_note = opt_text(q, 9);
  m.moved = q.getColumn(10).getInt64();
  return m;
}
}  // namespace

std::optional<MergeRow> load_merge(Connection& c, std::int64_t id) {
  static const std::string sql =
      std::string("SELECT ") + kMergeColumns + " FROM customer_merges m WHERE m.id = ?";
  auto q = c.prepare_text(sql);
  q->bind(1, static_cast<std::int64_t>(id));
  if (!q->executeStep()) return std::nullopt;
  return read_merge(*q);
}

void mark_merge_undone(Connection& c, std::int64_t id, std::int64_t now_ms, std::int64_t actor,
                       const std::optional<std::string>& note) {
  auto q = c.prepare(
      "UPDATE customer_merges SET undone_at = ?, undone_by = ?, undo_note = ? WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(now_ms));
  q->bind(2, static_cast<std::int64_t>(actor));
  bind_opt(*q, 3, note);
  q->bind(4, static_cast<std::int64_t>(id));
  q->exec();
}

std::vector<MergeRow> list_merges(Connection& c, std::int64_t customer, std::int64_t after_id,
                                  int limit) {
  static const std::string sql = std::string("SELECT ") + kMergeColumns +
                                 " FROM customer_merges m WHERE m.id > ?1 AND (?2 = 0 OR "
                                 "m.survivor_id = ?2 OR m.merged_id = ?2) ORDER BY m.id LIMIT ?3";
  auto q = c.prepare_text(sql);
  q->bind(1, static_cast<std::int64_t>(after_id));
  q->bind(2, static_cast<std::int64_t>(customer));
  q->bind(3, limit);
  std::vector<MergeRow> out;
  while (q->executeStep()) out.push_back(read_merge(*q));
  return out;
}

// A state is stored as rows (name, value): "col:<column>", "custom:<field
// id>", "tag:<tag id>", "primary_contact", "timer:<kind>" (value
// "<base_at>:<due_at>").
void save_state(Connection& c, std::int64_t merge, std::int64_t customer, const char* phase,
                const CustomerState& s) {
  auto q = c.prepare(
      "INSERT INTO customer_merge_values(merge_id, customer_id, phase, name, value) "
      "VALUES (?, ?, ?, ?, ?)");
  auto put = [&](const std::string& name, const Value& v) {
    q->reset();
    q->bind(1, static_cast<std::int64_t>(merge));
    q->bind(2, static_cast<std::int64_t>(customer));
    q->bind(3, phase);
    q->bind(4, name);
    bind_any(*q, 5, v);
    q->exec();
  };
  for (const auto& [name, v] : s.columns) put("col:" + name, v);
  for (const auto& [field, v] : s.custom) put("custom:" + std::to_string(field), v);
  for (std::int64_t t : s.tags) put("tag:" + std::to_string(t), Value{std::int64_t{1}});
  put("primary_contact", Value{s.primary_contact});
  for (const auto& t : s.timers)
    put("timer:" + t.kind, Value{std::to_string(t.base_at) + ":" + std::to_string(t.due_at)});
}

CustomerState load_state(Connection& c, std::int64_t merge, std::int64_t customer,
                         const char* phase) {
  // Columns in the table's order (a later schema's columns, absent from an
  // older snapshot, are left as they are).
  CustomerState s;
  auto q = c.prepare(
      "SELECT name, value FROM customer_merge_values WHERE merge_id = ? AND customer_id = ? AND "
      "phase = ?");
  q->bind(1, static_cast<std::int64_t>(merge));
  q->bind(2, static_cast<std::int64_t>(customer));
  q->bind(3, phase);
  std::vector<std::pair<std::string, Value>> cols;
  while (q->executeStep()) {
    std::string name = q->getColumn(0).getString();
    Value v = column_value(q->getColumn(1));
    if (name.rfind("col:", 0) == 0) {
      cols.emplace_back(name.substr(4), std::move(v));
    } else if (name.rfind("custom:", 0) == 0) {
      s.custom.emplace_back(std::stoll(name.substr(7)), std::move(v));
    } else if (name.rfind("tag:", 0) == 0) {
      s.tags.push_back(std::stoll(name.substr(4)));
    } else if (name == "primary_contact") {
      s.primary_contact = is_int(v) ? std::get<std::int64_t>(v) : 0;
    } else if (name.rfind("timer:", 0) == 0 && is_text(v)) {
      const std::string& t = std::get<std::string>(v);
      auto colon = t.find(':');
      s.timers.push_back(TimerRow{name.substr(6), customer, std::stoll(t.substr(0, colon)),
                                  std::stoll(t.substr(colon + 1))});
    }
  }
  for (const auto& name : customer_column_names(c))
    for (auto& col : cols)
      if (col.first == name) s.columns.push_back(std::move(col));
  std::sort(s.custom.begin(), s.custom.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::sort(s.tags.begin(), s.tags.end());
  std::sort(s.timers.begin(), s.timers.end(),
            [](const TimerRow& a, const TimerRow& b) { return a.kind < b.kind; });
  return s;
}

void save_moves(Connection& c, std::int64_t merge, const std::vector<MovedRow>& rows) {
  auto q = c.prepare(
      "INSERT INTO customer_merge_moves(merge_id, tbl, row_id, before) VALUES (?, ?, ?, ?)");
  for (const auto& r : rows) {
    q->reset();
    q->bind(1, static_cast<std::int64_t>(merge));
    q->bind(2, r.table);
    q->bind(3, static_cast<std::int64_t>(r.row));
    bind_any(*q, 4, r.before);
    q->exec();
  }
}

std::vector<MovedRow> load_moves(Connection& c, std::int64_t merge) {
  auto q = c.prepare(
      "SELECT tbl, row_id, before FROM customer_merge_moves WHERE merge_id = ? ORDER BY tbl, "
      "row_id");
  q->bind(1, static_cast<std::int64_t>(merge));
  std::vector<MovedRow> out;
  while (q->executeStep())
    out.push_back(MovedRow{q->getColumn(0).getString(), q->getColumn(1).getInt64(),
                           column_value(q->getColumn(2))});
  return out;
}

std::optional<std::int64_t> merged_into(Connection& c, std::int64_t key) {
  auto q = c.prepare("SELECT merged_into FROM customers WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  if (!q->executeStep()) return std::nullopt;
  return opt_int(*q, 0);
}

std::int64_t pending_reviews(Connection& c, std::int64_t key) {
  auto q =
      c.prepare("SELECT count(*) FROM pending_changes WHERE customer_id = ? AND state = 'pending'");
  q->bind(1, static_cast<std::int64_t>(key));
  q->executeStep();
  return q->getColumn(0).getInt64();
}

}  // namespace crm::store
