#include "store/completeness_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {
namespace {

// Columns only, never text from a caller: the SQL below is built from them.
const char* const kColumns[] = {"name",     "contact_name", "contact_title", "phone",  "email",
                                "industry", "scale",        "type",          "source", "key_needs",
                                "priority", "entry_date",   "next_step",     "tier"};

std::string ids_list(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

// 1 when the field of customers row `c` has a value, else 0.
std::string filled_expr(const CompletenessField& f) {
  if (f.custom_id != 0)
    return "EXISTS (SELECT 1 FROM customer_custom x WHERE x.customer_id = c.id AND x.field_id = " +
           std::to_string(f.custom_id) + " AND x.value IS NOT NULL AND x.value <> '')";
  return "(c." + f.field + " IS NOT NULL AND c." + f.field + " <> '')";
}

// Σ weight × filled, over the fields.
std::string score_expr(const std::vector<CompletenessField>& fields) {
  std::string out = "(0";
  for (const auto& f : fields) {
    if (f.custom_id == 0 && !completeness_column(f.field)) continue;
    out += " + " + std::to_string(f.weight) + " * " + filled_expr(f);
  }
  return out + ")";
}

}  // namespace

bool completeness_column(const std::string& column) {
  for (const char* c : kColumns)
    if (column == c) return true;
  return false;
}

std::vector<CompletenessField> list_completeness_fields(Connection& c) {
  auto q = c.prepare("SELECT field, weight, position FROM completeness_fields ORDER BY position");
  std::vector<CompletenessField> out;
  while (q->executeStep())
    out.push_back(
        {q->getColumn(0).getString(), q->getColumn(1).getInt64(), 0, q->getColumn(2).getInt64()});
  return out;
}

void set_completeness_field(Connection& c, const std::string& field, std::int64_t weight,
                            std::int64_t now_ms, std::int64_t actor) {
  if (weight == 0) {
    auto q = c.prepare("DELETE FROM completeness_fields WHERE field = ?");
    q->bind(1, field);
    q->exec();
    return;
  }
  auto q = c.prepare(
      "INSERT INTO completeness_fields(field, weight, position, updated_at, updated_by) "
      "VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM completeness_fields), ?3, ?4) "
      "ON CONFLICT(field) DO UPDATE SET weight = ?2, updated_at = ?3, updated_by = ?4");
  q->bind(1, field);
  q->bind(2, static_cast<std::int64_t>(weight));
  q->bind(3, static_cast<std::int64_t>(now_ms));
  q->bind(4, static_cast<std::int64_t>(actor));
  q->exec();
}

std::int64_t completeness_of(Connection& c, const std::vector<CompletenessField>& fields,
                             std::int64_t key, std::vector<std::string>& missing) {
  std::string sql = "SELECT " + score_expr(fields);
  for (const auto& f : fields) {
    if (f.custom_id == 0 && !completeness_column(f.field)) continue;
    sql += ", " + filled_expr(f);
  }
  sql += " FROM customers c WHERE c.id = ?";
  auto q = c.prepare_text(sql);
  q->bind(1, static_cast<std::int64_t>(key));
  if (!q->executeStep()) return 0;
  std::int64_t score = q->getColumn(0).getInt64();
  int col = 1;
  for (const auto& f : fields) {
    if (f.custom_id == 0 && !completeness_column(f.field)) continue;
    if (q->getColumn(col++).getInt64() == 0) missing.push_back(f.field);
  }
  return score;
}

std::vector<CompletenessGroup> completeness_groups(Connection& c,
                                                   const std::vector<CompletenessField>& fields,
                                                   const CompletenessFilter& f) {
  std::int64_t total = 0;
  for (const auto& x : fields)
    if (x.custom_id != 0 || completeness_column(x.field)) total += x.weight;
  std::string group = f.group_by == "owner"        ? "CAST(c.owner_id AS TEXT)"
                      : f.group_by == "department" ? "coalesce(u.department, '')"
                                                   : "'all'";
  std::string label = f.group_by == "owner"        ? "max(u.name)"
                      : f.group_by == "department" ? "coalesce(u.department, '')"
                                                   : "'all'";
  // 100 × filled ≥ goal × total decides "meets the goal" without rounding.
  std::string sql = "SELECT g, " + label +
                    ", count(*), coalesce(sum(score), 0), coalesce(sum(score = ?1), 0), "
                    "coalesce(sum(100 * score >= ?2 * ?1), 0) FROM (SELECT " +
                    group + " AS g, u.name, u.department, c.owner_id, " + score_expr(fields) +
                    " AS score FROM customers c JOIN users u ON u.id = c.owner_id WHERE 1";
  if (!f.include_archived) sql += " AND c.archived = 0";
  if (f.restricted)
    sql +=
        " AND (c.owner_id IN (SELECT value FROM json_each(?3)) OR c.id IN (SELECT value FROM "
        "json_each(?4)))";
  sql += std::string(") AS u GROUP BY g ORDER BY ") +
         (f.group_by == "owner" ? "CAST(g AS INTEGER)" : "g");
  // The outer query names the inner columns through the alias u.
  auto q = c.prepare_text(sql);
  q->bind(1, static_cast<std::int64_t>(total));
  q->bind(2, static_cast<std::int64_t>(f.goal_percent));
  if (f.restricted) {
    q->bind(3, ids_list(f.visible_owners));
    q->bind(4, ids_list(f.visible_keys));
  }
  std::vector<CompletenessGroup> out;
  while (q->executeStep()) {
    CompletenessGroup g;
    g.group = q->getColumn(0).getString();
    g.label = q->getColumn(1).getString();
    g.customers = q->getColumn(2).getInt64();
    g.filled = q->getColumn(3).getInt64();
    g.complete = q->getColumn(4).getInt64();
    g.meeting_goal = q->getColumn(5).getInt64();
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace crm::store
