#include "store/customer_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cstdio>

#include "store/columns.hpp"

namespace crm::store {
namespace {

#define CRM_CUSTOMER_COLUMNS                                                                   \
  "id, name, contact_name, phone, email, industry, scale, type, source, key_needs, priority, " \
  "owner_id, entry_date, archived, version, created_at, created_by, updated_at, updated_by, "  \
  "contact_title, reviewed_at, reviewed_by, last_followup_at, next_step, tier, tier_reason, "  \
  "graded_at, next_due_date, verified_at, verified_by, external_id"

// The same columns of the customers row named `c` (list queries, which join
// customers to itself).
#define CRM_CUSTOMER_COLUMNS_C                                                                \
  "c.id, c.name, c.contact_name, c.phone, c.email, c.industry, c.scale, c.type, c.source, "   \
  "c.key_needs, c.priority, c.owner_id, c.entry_date, c.archived, c.version, c.created_at, "  \
  "c.created_by, c.updated_at, c.updated_by, c.contact_title, c.reviewed_at, c.reviewed_by, " \
  "c.last_followup_at, c.next_step, c.tier, c.tier_reason, c.graded_at, c.next_due_date, "    \
  "c.verified_at, c.verified_by, c.external_id"

// at, actor, kind, field, before, after, reason, major from column `first` on.
Record read_history(SQLite::Statement& st, int first) {
  Record r;
  r.set("at", st.getColumn(first).getInt64());
  r.set("actor", st.getColumn(first + 1).getInt64());
  r.set("kind", st.getColumn(first + 2).getString());
  r.set("field", text_or_null(st, first + 3));
  r.set("before", text_or_null(st, first + 4));
  r.set("after", text_or_null(st, first + 5));
  r.set("reason", text_or_null(st, first + 6));
  r.set("major", st.getColumn(first + 7).getInt64());
  return r;
}

// How many columns CRM_CUSTOMER_COLUMNS has: a custom sort value follows them.
constexpr int kCustomerColumnCount = 31;

Value int_or_null(SQLite::Statement& st, int col) {
  return st.getColumn(col).isNull() ? Value{} : Value{st.getColumn(col).getInt64()};
}

Record read_customer(SQLite::Statement& st) {
  Record r;
  r.reserve(35);  // 31 columns, id and key, phone_display, some custom fields
  std::int64_t key = st.getColumn(0).getInt64();
  r.append("id", human_id(key));
  r.append("key", key);
  r.append("name", text_or_null(st, 1));
  r.append("contact_name", text_or_null(st, 2));
  r.append("contact_title", text_or_null(st, 19));
  r.append("phone", text_or_null(st, 3));
  r.append_null("phone_display");
  r.append("email", text_or_null(st, 4));
  r.append("industry", text_or_null(st, 5));
  r.append("scale", text_or_null(st, 6));
  r.append("type", text_or_null(st, 7));
  r.append("source", text_or_null(st, 8));
  r.append("key_needs", text_or_null(st, 9));
  r.append("priority", text_or_null(st, 10));
  r.append("owner", st.getColumn(11).getInt64());
  r.append("entry_date", text_or_null(st, 12));
  r.append("external_id", text_or_null(st, 30));
  r.append("archived", st.getColumn(13).getInt64());
  r.append("reviewed_at", int_or_null(st, 20));
  r.append("reviewed_by", int_or_null(st, 21));
  r.append("last_followup_at", int_or_null(st, 22));
  r.append("next_step", text_or_null(st, 23));
  r.append("tier", text_or_null(st, 24));
  r.append("tier_reason", text_or_null(st, 25));
  r.append("graded_at", int_or_null(st, 26));
  r.append("next_due_date", text_or_null(st, 27));
  r.append("verified_at", int_or_null(st, 28));
  r.append("verified_by", int_or_null(st, 29));
  r.append("version", st.getColumn(14).getInt64());
  r.append("created_at", st.getColumn(15).getInt64());
  r.append("created_by", st.getColumn(16).getInt64());
  r.append("updated_at", st.getColumn(17).getInt64());
  r.append("updated_by", st.getColumn(18).getInt64());
  return r;
}

void bind_opt_text(SQLite::Statement& st, int i, const Record& v, const char* name) {
  const Value* x = v.find(name);
  if (x && is_text(*x))
    st.bindNoCopy(i, std::get<std::string>(*x));  // `v` outlives the statement's use
  else
    st.bind(i);
}

std::int64_t int_of(const Record& v, const char* name) {
  const Value* x = v.find(name);
  return x && is_int(*x) ? std::get<std::int64_t>(*x) : 0;
}

// Binds the writable columns at ?1 … ?12 (owner at ?11, entry_date ?12) and
// external_id at ?20.
void bind_writable(SQLite::Statement& st, const Record& v) {
  bind_opt_text(st, 1, v, "name");
  bind_opt_text(st, 2, v, "contact_name");
  bind_opt_text(st, 3, v, "phone");
  bind_opt_text(st, 4, v, "email");
  bind_opt_text(st, 5, v, "industry");
  bind_opt_text(st, 6, v, "scale");
  bind_opt_text(st, 7, v, "type");
  bind_opt_text(st, 8, v, "source");
  bind_opt_text(st, 9, v, "key_needs");
  bind_opt_text(st, 10, v, "priority");
  st.bind(11, static_cast<std::int64_t>(int_of(v, "owner")));
  bind_opt_text(st, 12, v, "entry_date");
  bind_opt_text(st, 20, v, "external_id");
}

void bind_opt(SQLite::Statement& st, int i, const std::optional<std::string>& s) {
  if (s)
    st.bind(i, *s);
  else
    st.bind(i);
}

}  // namespace

Value text_or_null(SQLite::Statement& st, int col) {
  auto c = st.getColumn(col);
  if (c.isNull()) return Value{};
  return Value{c.getString()};
}

std::string human_id(std::int64_t key) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "C%04lld", static_cast<long long>(key));
  return buf;
}

std::optional<std::int64_t> parse_human_id(std::string_view id) {
  if (id.size() < 2 || id.size() > 20 || (id[0] != 'C' && id[0] != 'c')) return std::nullopt;
  std::int64_t v = 0;
  for (size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
    if (v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (id[i] - '0');
  }
  if (v <= 0) return std::nullopt;
  return v;
}

std::optional<Record> load_customer(Connection& c, std::int64_t key) {
  auto q = c.prepare("SELECT " CRM_CUSTOMER_COLUMNS " FROM customers WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  std::optional<Record> r;
  if (q->executeStep()) r = read_customer(*q);
  return r;
}

std::optional<std::int64_t> find_customer_by(Connection& c, std::string_view column,
                                             const std::string& value) {
  // external_id, phone and e-mail are indexed; name is not (an import keyed
  // by name scans, which the import's documentation says).
  const char* sql = column == "external_id" ? "SELECT min(id) FROM customers WHERE external_id = ?"
                    : column == "phone"     ? "SELECT min(id) FROM customers WHERE phone = ?"
                    : column == "email"     ? "SELECT min(id) FROM customers WHERE email = ?"
                    : column == "name"      ? "SELECT min(id) FROM customers WHERE name = ?"
                                            : nullptr;
  if (!sql) return std::nullopt;
  auto q = c.prepare(sql);
  q->bind(1, value);
  if (!q->executeStep()) return std::nullopt;
  return opt_int(*q, 0);
}

std::int64_t insert_customer(Connection& c, const Record& v, std::int64_t now_ms,
                             std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO customers(name, contact_name, phone, email, industry, scale, type, source, "
      "key_needs, priority, owner_id, entry_date, archived, version, created_at, created_by, "
      "updated_at, updated_by, external_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 1, ?13, ?14, ?13, ?14, ?20)");
  bind_writable(*q, v);
  q->bind(13, static_cast<std::int64_t>(now_ms));
  q->bind(14, static_cast<std::int64_t>(actor));
  q->exec();
  return c.db().getLastInsertRowid();
}

bool update_customer(Connection& c, std::int64_t key, const Record& full,
                     std::int64_t expected_version, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "UPDATE customers SET name = ?1, contact_name = ?2, phone = ?3, email = ?4, "
      "industry = ?5, scale = ?6, type = ?7, source = ?8, key_needs = ?9, priority = ?10, "
      "owner_id = ?11, entry_date = ?12, archived = ?13, version = version + 1, "
      "updated_at = ?14, updated_by = ?15, external_id = ?20 WHERE id = ?16 AND version = ?17");
  bind_writable(*q, full);
  q->bind(13, static_cast<std::int64_t>(int_of(full, "archived")));
  q->bind(14, static_cast<std::int64_t>(now_ms));
  q->bind(15, static_cast<std::int64_t>(actor));
  q->bind(16, static_cast<std::int64_t>(key));
  q->bind(17, static_cast<std::int64_t>(expected_version));
  return q->exec() == 1;
}

void insert_history(Connection& c, const HistoryEntry& h) {
  auto q = c.prepare(
      "INSERT INTO customer_history(customer_id, at, actor_id, kind, field, before, after, "
      "reason, major) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q->bind(1, static_cast<std::int64_t>(h.customer));
  q->bind(2, static_cast<std::int64_t>(h.at));
  q->bind(3, static_cast<std::int64_t>(h.actor));
  q->bind(4, h.kind);
  bind_opt(*q, 5, h.field);
  bind_opt(*q, 6, h.before);
  bind_opt(*q, 7, h.after);
  bind_opt(*q, 8, h.reason);
  q->bind(9, h.major ? 1 : 0);
  q->exec();
}

std::vector<Record> load_history(Connection& c, std::int64_t key) {
  auto q = c.prepare(
      "SELECT at, actor_id, kind, field, before, after, reason, major FROM customer_history "
      "WHERE customer_id = ? ORDER BY id");
  q->bind(1, static_cast<std::int64_t>(key));
  std::vector<Record> out;
  while (q->executeStep()) out.push_back(read_history(*q, 0));
  return out;
}

namespace {

// The WHERE conditions of a customer filter (without the keyset), with their
// parameters in order.
struct FilterSql {
  std::string text;
  std::vector<Value> params;
  void add(const std::string& condition, Value v) {
    text += condition;
    params.push_back(std::move(v));
  }
};

std::string like_pattern(const std::string& s) {
  std::string p = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

// Where the filter's conditions apply.  `cols` qualifies the columns tested
// and `key` names the customer key that the tag and custom-value probes
// match, both of the row that drives the scan; `late` qualifies the
// conditions left for the customer's table row (archived, in no index).  See
// list_customers.
struct FilterPlace {
  std::string cols;  // "" or an alias with its dot, e.g. "k."
  std::string key;   // e.g. "k.id" or "customers.id"
  std::string late;  // "" or an alias with its dot, e.g. "c."
};

FilterSql filter_sql(const CustomerFilter& f, const FilterPlace& at) {
  FilterSql w;
  const std::string& q = at.cols;
  if (f.owner != 0) w.add(" AND " + q + "owner_id = ?", f.owner);
  if (f.restricted) {
    // One visible owner and no grants (a sales rep): a plain equality, so
    // that the (owner_id, id) index drives the page.
    if (f.visible_owners.size() == 1 && f.visible_keys.empty()) {
      // Asking for one's own customers needs no second condition.
      if (f.owner != f.visible_owners.front())
        w.add(" AND " + q + "owner_id = ?", f.visible_owners.front());
    } else {
      w.text += " AND (" + q + "owner_id IN (";
      for (std::size_t i = 0; i < f.visible_owners.size(); ++i) {
        w.text += i ? ", ?" : "?";
        w.params.push_back(f.visible_owners[i]);
      }
      w.text += ") OR " + at.key + " IN (";
      for (std::size_t i = 0; i < f.visible_keys.size(); ++i) {
        w.text += i ? ", ?" : "?";
        w.params.push_back(f.visible_keys[i]);
      }
      w.text += "))";
    }
  }
  if (!f.type.empty()) w.add(" AND " + q + "type = ?", f.type);
  // A merged customer (R9.3) is archived, and in no list even with them.
  w.text += " AND " + at.late + (f.include_archived ? "merged_into IS NULL" : "archived = 0");
  if (!f.industry.empty()) w.add(" AND " + q + "industry = ?", f.industry);
  if (!f.source.empty()) w.add(" AND " + q + "source = ?", f.source);
  if (f.created_from != 0) w.add(" AND " + q + "created_at >= ?", f.created_from);
  if (f.created_to != 0) w.add(" AND " + q + "created_at < ?", f.created_to);
  if (f.updated_from != 0) w.add(" AND " + q + "updated_at >= ?", f.updated_from);
  if (f.updated_to != 0) w.add(" AND " + q + "updated_at < ?", f.updated_to);
  if (!f.name_contains.empty())
    w.add(" AND " + q + "name LIKE ? ESCAPE '\\'", like_pattern(f.name_contains));
  // Tags through the (customer_id, tag_id) key: one probe per candidate row.
  for (std::int64_t t : f.tags_all)
    w.add(" AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = " + at.key +
              " AND t.tag_id = ?)",
          t);
  for (const Condition& k : f.conditions) {
    const std::string& op = k.op;
    if (!k.column.empty()) {
      const std::string col = q + k.column;
      if (op == "null")
        w.text += " AND " + col + " IS NULL";
      else if (op == "not_null")
        w.text += " AND " + col + " IS NOT NULL";
      else if (op == "!=")
        w.add(" AND (" + col + " IS NULL OR " + col + " <> ?)", k.value);
      else if (op == "contains")
        w.add(" AND " + col + " LIKE ? ESCAPE '\\'", like_pattern(std::get<std::string>(k.value)));
      else
        w.add(" AND " + col + " " + op + " ?", k.value);
      continue;
    }
    const std::string probe =
        "EXISTS (SELECT 1 FROM customer_custom x WHERE x.customer_id = " + at.key +
        " AND x.field_id = ?";
    if (op == "null" || op == "not_null") {
      w.add(std::string(" AND ") + (op == "null" ? "NOT " : "") + probe + ")", k.field_id);
    } else if (op == "!=") {
      w.add(" AND NOT " + probe, k.field_id);
      w.add(" AND x.value = ?)", k.value);
    } else if (op == "contains") {
      w.add(" AND " + probe, k.field_id);
      w.add(" AND x.value LIKE ? ESCAPE '\\')", like_pattern(std::get<std::string>(k.value)));
    } else {
      w.add(" AND " + probe, k.field_id);
      w.add(" AND x.value " + op + " ?)", k.value);
    }
  }
  if (!f.tags_any.empty()) {
    w.text += " AND EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = " + at.key +
              " AND t.tag_id IN (";
    for (std::size_t i = 0; i < f.tags_any.size(); ++i) {
      w.text += i ? ", ?" : "?";
      w.params.push_back(f.tags_any[i]);
    }
    w.text += "))";
  }
  return w;
}

// Conditions on the customers table itself, unqualified (one-table queries).
FilterSql filter_sql(const CustomerFilter& f) {
  return filter_sql(f, FilterPlace{"", "customers.id", ""});
}

void bind_value(SQLite::Statement& st, int i, const Value& v) {
  if (is_int(v))
    st.bind(i, static_cast<std::int64_t>(std::get<std::int64_t>(v)));
  else if (is_text(v))
    st.bind(i, std::get<std::string>(v));
  else
    st.bind(i);
}

}  // namespace

namespace {

// Runs one page query: binds `first` parameters, then the filter's, then
// the limit; appends rows (with the sort value, if `sort_col` >= 0) to out.
void run_page(Connection& c, const std::string& sql, const std::vector<Value>& first,
              const FilterSql& w, int limit, int sort_col, std::vector<Record>& out,
              std::vector<Value>* sort_values) {
  auto q = c.prepare_text(sql);
  int i = 1;
  for (const Value& v : first) bind_value(*q, i++, v);
  for (const Value& v : w.params) bind_value(*q, i++, v);
  q->bind(i, limit);
  while (q->executeStep()) {
    out.push_back(read_customer(*q));
    if (sort_values && sort_col >= 0) {
      auto col = q->getColumn(sort_col);
      sort_values->push_back(col.isInteger() ? Value{col.getInt64()} : Value{col.getString()});
    }
  }
}

}  // namespace

// Whether a filter tests tags or custom values (subqueries on other tables).
bool has_probes(const CustomerFilter& f) {
  return !f.tags_all.empty() || !f.tags_any.empty() ||
         std::any_of(f.conditions.begin(), f.conditions.end(),
                     [](const Condition& x) { return x.column.empty(); });
}

std::vector<Record> list_customers(Connection& c, const CustomerFilter& f, bool& more,
                                   SortPosition* last) {
  const std::string dir = f.descending ? " DESC" : "";
  const char* cmp = f.descending ? "<" : ">";
  std::vector<Record> out;
  std::vector<Value> sort_values;
  const int want = f.limit + 1;
  // With tag or custom-value probes, a scan is driven by customers k (the
  // entries of the index on the order or on a filter column) and the probes
  // match k.id, so that a customer's row, customers c, is read only once it
  // has passed them; otherwise every candidate's row would be read first
  // (for archived) and most then rejected by a probe.  Without probes, the
  // tests need the row anyway: one table suffices.
  const char* from_kc =
      "SELECT " CRM_CUSTOMER_COLUMNS_C " FROM customers k CROSS JOIN customers c ON c.id = k.id";
  if (f.sort_field == 0) {
    // A NOT NULL column with an index on (column, id).
    const bool probes = has_probes(f);
    const std::string k = probes ? "k." : "";
    // A collated order (pinyin) has no index: SQLite sorts the matching rows.
    const std::string sort_expr =
        k + f.sort_column + (f.sort_collation.empty() ? "" : " COLLATE " + f.sort_collation);
    FilterSql w = probes ? filter_sql(f, FilterPlace{"k.", "k.id", "c."}) : filter_sql(f);
    std::string sql =
        std::string(probes ? from_kc : "SELECT " CRM_CUSTOMER_COLUMNS " FROM customers") +
        " WHERE ";
    std::vector<Value> first;
    if (f.sort_column == "id") {
      sql += k + "id " + cmp + " ?";
      first.push_back(f.after_key != 0 ? Value{f.after_key}
                                       : Value{f.descending ? INT64_MAX : std::int64_t{0}});
    } else if (f.has_after_value) {
      sql += "(" + sort_expr + ", " + k + "id) " + cmp + " (?, ?)";
      first.push_back(f.after_value);
      first.push_back(f.after_key);
    } else {
      sql += "1";
    }
    sql += w.text + " ORDER BY " + sort_expr + dir +
           (f.sort_column == "id" ? "" : ", " + k + "id" + dir) + " LIMIT ?";
    run_page(c, sql, first, w, want, -1, out, nullptr);
    if (last && !out.empty()) {
      const Record& r =
          out.size() > static_cast<std::size_t>(f.limit) ? out[f.limit - 1] : out.back();
      last->key = std::get<std::int64_t>(*r.find("key"));
      if (f.sort_column != "id")
        if (const Value* v = r.find(f.sort_column)) last->value = *v;
    }
  } else {
    // Phase 0: customers with a value, driven by (field_id, value, customer_id);
    // the probes match the entry's customer_id before the row is read.
    if (f.after_phase == 0) {
      FilterSql w = filter_sql(f, FilterPlace{"customers.", "s.customer_id", "customers."});
      std::string sql = "SELECT " CRM_CUSTOMER_COLUMNS
                        ", s.value FROM customer_custom s CROSS JOIN customers ON customers.id = "
                        "s.customer_id WHERE s.field_id = ?";
      std::vector<Value> first{Value{f.sort_field}};
      if (f.has_after_value) {
        sql += std::string(" AND (s.value, s.customer_id) ") + cmp + " (?, ?)";
        first.push_back(f.after_value);
        first.push_back(f.after_key);
      }
      sql += w.text + " ORDER BY s.value" + dir + ", s.customer_id" + dir + " LIMIT ?";
      run_page(c, sql, first, w, want, kCustomerColumnCount, out, &sort_values);
    }
    const std::size_t valued = out.size();
    // Phase 1: customers without a value, in key order (ascending in both
    // directions: "the rest, oldest first").
    if (out.size() < static_cast<std::size_t>(want)) {
      FilterSql w = filter_sql(f, FilterPlace{"k.", "k.id", "c."});
      std::string sql = std::string(from_kc) +
                        " WHERE NOT EXISTS (SELECT 1 FROM customer_custom s WHERE s.customer_id = "
                        "k.id AND s.field_id = ?) AND k.id > ?" +
                        w.text + " ORDER BY k.id LIMIT ?";
      std::int64_t from = f.after_phase == 1 ? f.after_key : 0;
      std::vector<Value> first{Value{f.sort_field}, Value{from}};
      run_page(c, sql, first, w, want - static_cast<int>(valued), -1, out, nullptr);
      sort_values.resize(out.size());
    }
    if (last && !out.empty()) {
      std::size_t idx = std::min(out.size(), static_cast<std::size_t>(f.limit)) - 1;
      last->key = std::get<std::int64_t>(*out[idx].find("key"));
      last->value = sort_values[idx];
      last->phase = idx < valued ? 0 : 1;
    }
  }
  more = out.size() > static_cast<size_t>(f.limit);
  if (more) out.pop_back();
  return out;
}

std::int64_t count_customers(Connection& c, const CustomerFilter& f) {
  // As for a list: with probes, only customers that pass them have their
  // row read.
  const bool probes = has_probes(f);
  FilterSql w = probes ? filter_sql(f, FilterPlace{"k.", "k.id", "c."}) : filter_sql(f);
  auto q = c.prepare_text(
      std::string(probes ? "SELECT count(*) FROM customers k CROSS JOIN customers c ON c.id = k.id "
                           "WHERE 1"
                         : "SELECT count(*) FROM customers WHERE 1") +
      w.text);
  int i = 1;
  for (const Value& v : w.params) bind_value(*q, i++, v);
  q->executeStep();
  return q->getColumn(0).getInt64();
}

std::vector<Record> query_history(Connection& c, const HistoryFilter& f, bool& more) {
  std::string sql =
      "SELECT id, customer_id, at, actor_id, kind, field, before, after, reason, major "
      "FROM customer_history WHERE 1";
  if (!f.first_page) sql += " AND (at, id) > (?1, ?2)";
  if (f.actor != 0) sql += " AND actor_id = ?3";
  if (f.customer != 0) sql += " AND customer_id = ?4";
  if (f.since != 0) sql += " AND at >= ?5";
  if (f.until != 0) sql += " AND at < ?6";
  std::vector<std::int64_t> visible;  // bound from ?8 on
  if (f.restricted) {
    auto list = [&](const std::vector<std::int64_t>& ids) {
      std::string out;
      for (std::int64_t id : ids) {
        out += out.empty() ? "?" : ", ?";
        out += std::to_string(8 + visible.size());
        visible.push_back(id);
      }
      return out;
    };
    sql += " AND (customer_id IN (SELECT id FROM customers WHERE owner_id IN (" +
           list(f.visible_owners) + ")) OR customer_id IN (" + list(f.visible_keys) + "))";
  }
  sql += " ORDER BY at, id LIMIT ?7";
  auto q = c.prepare_text(sql);
  for (std::size_t i = 0; i < visible.size(); ++i)
    q->bind(static_cast<int>(8 + i), static_cast<std::int64_t>(visible[i]));
  if (!f.first_page) {
    q->bind(1, static_cast<std::int64_t>(f.after_at));
    q->bind(2, static_cast<std::int64_t>(f.after_seq));
  }
  if (f.actor != 0) q->bind(3, static_cast<std::int64_t>(f.actor));
  if (f.customer != 0) q->bind(4, static_cast<std::int64_t>(f.customer));
  if (f.since != 0) q->bind(5, static_cast<std::int64_t>(f.since));
  if (f.until != 0) q->bind(6, static_cast<std::int64_t>(f.until));
  q->bind(7, f.limit + 1);
  std::vector<Record> out;
  while (q->executeStep()) {
    Record r;
    r.set("seq", q->getColumn(0).getInt64());
    r.set("customer", human_id(q->getColumn(1).getInt64()));
    Record change = read_history(*q, 2);  // kept alive while its entries are copied
    for (const auto& e : change.entries()) r.append(e.first, e.second);
    out.push_back(std::move(r));
  }
  more = out.size() > static_cast<std::size_t>(f.limit);
  if (more) out.pop_back();
  return out;
}

void erase_personal_data(Connection& c, std::int64_t key, const std::string& placeholder,
                         const std::vector<std::int64_t>& personal_fields,
                         const std::vector<std::string>& personal_names, std::int64_t now_ms,
                         std::int64_t actor) {
  {
    auto q = c.prepare(
        "UPDATE customers SET contact_name = ?1, contact_title = NULL, phone = NULL, email = NULL, "
        "archived = 1, erased_at = ?2, version = version + 1, updated_at = ?2, updated_by = ?3 "
        "WHERE id = ?4");
    q->bind(1, placeholder);
    q->bind(2, static_cast<std::int64_t>(now_ms));
    q->bind(3, static_cast<std::int64_t>(actor));
    q->bind(4, static_cast<std::int64_t>(key));
    q->exec();
  }
  {
    auto q = c.prepare(
        "UPDATE contacts SET name = ?1, title = NULL, phone = NULL, email = NULL, updated_at = ?2, "
        "updated_by = ?3 WHERE customer_id = ?4");
    q->bind(1, placeholder);
    q->bind(2, static_cast<std::int64_t>(now_ms));
    q->bind(3, static_cast<std::int64_t>(actor));
    q->bind(4, static_cast<std::int64_t>(key));
    q->exec();
  }
  for (std::int64_t field : personal_fields) {
    auto q = c.prepare("DELETE FROM customer_custom WHERE customer_id = ? AND field_id = ?");
    q->bind(1, static_cast<std::int64_t>(key));
    q->bind(2, static_cast<std::int64_t>(field));
    q->exec();
  }
  // Contact changes name their contact ("<id>:<name>") or its fields.
  {
    auto q = c.prepare(
        "UPDATE customer_history SET before = NULL, after = NULL WHERE customer_id = ? AND "
        "(field IN ('contact_name', 'contact_title', 'phone', 'email', 'contacts', "
        "'primary_contact') OR field LIKE 'contact.%')");
    q->bind(1, static_cast<std::int64_t>(key));
    q->exec();
  }
  for (const std::string& name : personal_names) {
    auto q = c.prepare(
        "UPDATE customer_history SET before = NULL, after = NULL WHERE customer_id = ? AND "
        "field = ?");
    q->bind(1, static_cast<std::int64_t>(key));
    q->bind(2, name);
    q->exec();
  }
  // What merges kept of the customer for an unmerge (R9.3): gone too, and
  // such a merge can no longer be undone.
  {
    auto q = c.prepare("DELETE FROM customer_merge_values WHERE customer_id = ?");
    q->bind(1, static_cast<std::int64_t>(key));
    q->exec();
  }
}

std::vector<RetentionRow> retention_due(Connection& c, std::int64_t cutoff, std::int64_t after_key,
                                        int limit) {
  auto q = c.prepare(
      "SELECT id, owner_id, updated_at, name FROM customers WHERE archived = 1 AND erased_at IS "
      "NULL AND updated_at < ? AND id > ? ORDER BY id LIMIT ?");
  q->bind(1, static_cast<std::int64_t>(cutoff));
  q->bind(2, static_cast<std::int64_t>(after_key));
  q->bind(3, limit);
  std::vector<RetentionRow> out;
  while (q->executeStep())
    out.push_back({q->getColumn(0).getInt64(), q->getColumn(1).getInt64(),
                   q->getColumn(2).getInt64(), q->getColumn(3).getString()});
  return out;
}

std::vector<std::int64_t> customers_of_owner(Connection& c, std::int64_t owner) {
  auto q = c.prepare("SELECT id FROM customers WHERE owner_id = ? AND archived = 0 ORDER BY id");
  q->bind(1, static_cast<std::int64_t>(owner));
  std::vector<std::int64_t> out;
  while (q->executeStep()) out.push_back(q->getColumn(0).getInt64());
  return out;
}

std::optional<std::int64_t> customer_owner(Connection& c, std::int64_t key) {
  auto q = c.prepare("SELECT owner_id FROM customers WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(key));
  if (!q->executeStep()) return std::nullopt;
  return q->getColumn(0).getInt64();
}

void set_reviewed(Connection& c, std::int64_t key, std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare("UPDATE customers SET reviewed_at = ?, reviewed_by = ? WHERE id = ?");
  q->bind(1, static_cast<std::int64_t>(now_ms));
  q->bind(2, static_cast<std::int64_t>(actor));
  q->bind(3, static_cast<std::int64_t>(key));
  q->exec();
}

}  // namespace crm::store
