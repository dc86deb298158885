#include "service/completeness.hpp"

#include <algorithm>

#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/permissions.hpp"
#include "domain/text.hpp"
#include "service/customers.hpp"
#include "store/completeness_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"

namespace crm {
namespace {

// The stored fields with custom names resolved; fields whose custom
// definition is gone or retired are left out (they count for nobody).
std::vector<store::CompletenessField> counted_fields(Session& s) {
  auto fields = store::list_completeness_fields(s.db().conn());
  const CustomFieldSet& custom = s.db().custom_fields();
  std::vector<store::CompletenessField> out;
  for (auto& f : fields) {
    if (is_custom_name(f.field)) {
      const CustomField* cf = custom.find(f.field);
      if (!cf || !cf->live || cf->retired) continue;
      f.custom_id = cf->id;
    } else if (!store::completeness_column(f.field)) {
      continue;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::int64_t total_weight(const std::vector<store::CompletenessField>& fields) {
  std::int64_t t = 0;
  for (const auto& f : fields) t += f.weight;
  return t;
}

std::int64_t goal_percent(Session& s) {
  const std::string& v = s.db().setting("completeness.goal_percent");
  auto n = parse_integer_text(v);
  return n && *n >= 0 && *n <= 100 ? *n : 95;
}

unsigned groups_of(const std::vector<store::CompletenessField>& fields) {
  unsigned g = kGroupBasic;
  for (const auto& f : fields) g |= group_of_field(f.field);
  return g;
}

double percent_of(std::int64_t filled, std::int64_t customers, std::int64_t total) {
  if (customers == 0 || total == 0) return 0.0;
  return 100.0 * static_cast<double>(filled) / (static_cast<double>(customers) * total);
}

Error bad_field(const std::string& field) {
  return Error(Status::invalid_arg,
               "\"" + quote_value(field) + "\" is not a customer field completeness can count",
               "“" + quote_value(field) + "”不是可计入信息完整度的客户字段");
}

}  // namespace

std::vector<Record> list_completeness_fields(Session& s) {
  s.authorize(Perm::config_read);
  auto fields = counted_fields(s);
  const std::int64_t total = total_weight(fields);
  const CustomFieldSet& custom = s.db().custom_fields();
  std::vector<Record> out;
  for (const auto& f : fields) {
    Record r;
    const FieldDef* def =
        f.custom_id ? &custom.find(f.field)->def : find_field("customer", f.field);
    r.append("field", f.field);
    r.append("label_zh", std::string(def ? def->label_zh : f.field.c_str()));
    r.append("label_en", std::string(def ? def->label_en : f.field.c_str()));
    r.append("weight", f.weight);
    r.append("share", total ? 100.0 * static_cast<double>(f.weight) / total : 0.0);
    out.push_back(std::move(r));
  }
  return out;
}

void set_completeness_field(Session& s, const std::string& field, std::int64_t weight) {
  s.authorize(Perm::config_manage);
  if (weight < 0 || weight > 100)
    throw Error(Status::invalid_arg, "a completeness weight is an integer from 0 to 100",
                "信息完整度权重须为 0 到 100 之间的整数");
  if (is_custom_name(field)) {
    const CustomField* cf = s.db().custom_fields().find(field);
    if (!cf || !cf->live || (cf->retired && weight != 0)) throw bad_field(field);
  } else if (!store::completeness_column(field)) {
    throw bad_field(field);
  }
  auto& conn = s.db().conn();
  auto stored = store::list_completeness_fields(conn);
  auto it = std::find_if(stored.begin(), stored.end(),
                         [&](const store::CompletenessField& f) { return f.field == field; });
  const std::int64_t before = it == stored.end() ? 0 : it->weight;
  if (before == weight) return;
  if (weight == 0 && stored.size() == 1)
    throw Error(Status::state, "completeness needs at least one counted field",
                "信息完整度至少需要一个计入字段");
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::set_completeness_field(conn, field, weight, now, s.user_id());
  store::insert_config_history(
      conn, now, s.user_id(), "completeness." + field,
      before ? std::optional<std::string>(std::to_string(before)) : std::nullopt,
      weight ? std::optional<std::string>(std::to_string(weight)) : std::nullopt);
  s.audit("config.completeness", "completeness:" + field, std::to_string(weight));
  tx.commit();
}

Record customer_completeness(Session& s, std::int64_t key) {
  store::ReadTransaction snapshot(s.db().conn());
  CustomerRef ref = require_customer(s, key, Perm::customer_read);
  auto fields = counted_fields(s);
  const unsigned needed = groups_of(fields);
  if ((s.visible_groups(ref) & needed) != needed)
    s.refuse(Perm::customer_read, store::human_id(key),
             "not allowed: completeness counts fields outside your grant",
             "无权查看：信息完整度包含授权范围以外的字段");
  std::vector<std::string> missing;
  const std::int64_t filled = store::completeness_of(s.db().conn(), fields, key, missing);
  const std::int64_t total = total_weight(fields);
  const std::int64_t goal = goal_percent(s);
  std::string missing_text;
  for (const auto& m : missing) missing_text += (missing_text.empty() ? "" : ",") + m;
  Record r;
  r.append("customer", store::human_id(key));
  r.append("percent", percent_of(filled, 1, total));
  r.append("filled_weight", filled);
  r.append("total_weight", total);
  r.append("missing", missing_text);
  r.append("goal_percent", goal);
  r.append("goal_met", std::int64_t{100 * filled >= goal * total ? 1 : 0});
  return r;
}

std::vector<Record> completeness_report(Session& s, const std::string& group_by,
                                        bool include_archived) {
  if (group_by != "all" && group_by != "owner" && group_by != "department")
    throw Error(Status::invalid_arg,
                "group_by must be all, owner or department, not \"" + quote_value(group_by) + "\"",
                "分组方式须为 all、owner 或 department，而非“" + quote_value(group_by) + "”");
  store::ReadTransaction snapshot(s.db().conn());
  auto fields = counted_fields(s);
  store::CompletenessFilter f;
  f.group_by = group_by;
  f.include_archived = include_archived;
  f.goal_percent = goal_percent(s);
  Visibility v = s.visibility(Perm::customer_read, groups_of(fields));
  f.restricted = !v.all;
  f.visible_owners = std::move(v.owners);
  f.visible_keys = std::move(v.granted);
  auto groups = store::completeness_groups(s.db().conn(), fields, f);
  if (group_by == "all" && groups.empty()) groups.push_back({"all", "all", 0, 0, 0, 0});
  const std::int64_t total = total_weight(fields);
  std::vector<Record> out;
  for (const auto& g : groups) {
    Record r;
    if (group_by == "owner")
      r.append("group", parse_integer_text(g.group).value_or(0));
    else
      r.append("group", g.group);
    r.append("label", g.label);
    r.append("customers", g.customers);
    r.append("percent", percent_of(g.filled, g.customers, total));
    r.append("complete", g.complete);
    r.append("meeting_goal", g.meeting_goal);
    r.append("goal_percent", f.goal_percent);
    r.append("goal_met",
             std::int64_t{g.customers > 0 && 100 * g.filled >= f.goal_percent * g.customers * total
                              ? 1
                              : 0});
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace crm
