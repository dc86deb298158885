#include "service/tiers.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "domain/calendar.hpp"
#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/followup.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "store/customer_repo.hpp"
#include "store/dictionary_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/merge_repo.hpp"

namespace crm {
namespace {

Error bad(const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, en, zh);
}

std::string checked_label(const std::string& text, const char* what_en, const char* what_zh) {
  std::string t = is_valid_utf8(text) ? normalize_text(text, TextMode::prose) : "";
  if (t.empty() || utf8_length(t) > 64)
    throw bad(std::string(what_en) + " is UTF-8 text of 1 to 64 characters",
              std::string(what_zh) + "须为 1 到 64 个字符的 UTF-8 文本");
  return t;
}

Cadence checked_cadence(const std::string& text) {
  auto c = parse_cadence(text);
  if (!c)
    throw bad(
        "a cadence is a number of days, weeks or months: \"7d\", \"1w\", \"2w\", \"1m\" (not \"" +
            quote_value(text) + "\")",
        "跟进频次须为天数、周数或月数，如“7d”“1w”“2w”“1m”（而非“" + quote_value(text) + "”）");
  return *c;
}

std::vector<std::string> tier_order(const std::vector<store::TierRow>& tiers) {
  std::vector<std::string> order;
  for (const auto& t : tiers) order.push_back(t.code);
  return order;
}

std::optional<store::TierRow> find_tier(const std::vector<store::TierRow>& tiers,
                                        const std::string& code) {
  for (const auto& t : tiers)
    if (t.code == code) return t;
  return std::nullopt;
}

// A tier code from its code or label (重点客户 → A); not_found otherwise.
std::string resolve_tier(Session& s, const std::string& input) {
  auto code = s.db().dictionaries().resolve("tier", input);
  if (!code)
    throw Error(Status::not_found, "no tier \"" + quote_value(input) + "\"",
                "客户等级“" + quote_value(input) + "”不存在");
  return *code;
}

std::vector<Criterion> active_criteria(Session& s, const std::vector<std::string>& order) {
  std::vector<Criterion> out;
  for (const auto& row : store::list_criteria(s.db().conn(), false)) {
    Criterion c;
    c.name = row.name;
    c.label_zh = row.label_zh;
    c.label_en = row.label_en;
    c.unit = row.unit;
    c.thresholds = parse_thresholds(row.thresholds, order);
    out.push_back(std::move(c));
  }
  return out;
}

// Writes a new tier to a live customer, with a history row, and its due date.
void write_tier(Session& s, const store::CustomerSchedule& c, const std::string& tier,
                const std::optional<std::string>& reason, const std::optional<std::string>& note) {
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::set_customer_tier(conn, c.key, tier, reason, now);
  record_history(s, c.key, now, "tier", std::string("tier"), c.tier, tier, note ? note : reason);
  refresh_next_due(s, c.key);
}

std::optional<double> number_of(const Value& v) {
  if (is_int(v)) return static_cast<double>(std::get<std::int64_t>(v));
  if (is_real(v)) return std::get<double>(v);
  if (!is_text(v)) return std::nullopt;
  std::string t = normalize_text(std::get<std::string>(v));
  if (t.empty() || t.size() > 40) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

[[noreturn]] void malformed_token() {
  throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
}

}  // namespace

store::CustomerSchedule existing_schedule(Session& s, std::int64_t key, Perm perm) {
  auto c = store::load_schedule(s.db().conn(), key);
  if (!c)
    throw Error(Status::not_found, "no customer " + store::human_id(key),
                "客户 " + store::human_id(key) + " 不存在");
  s.authorize(perm, CustomerRef{key, c->owner});
  return std::move(*c);
}

store::CustomerSchedule live_schedule(Session& s, std::int64_t key, Perm perm) {
  store::CustomerSchedule c = existing_schedule(s, key, perm);
  if (c.archived) {
    std::optional<std::string> survivor;
    if (auto into = store::merged_into(s.db().conn(), key)) survivor = store::human_id(*into);
    throw archived_error(key, survivor);
  }
  return c;
}

void refresh_next_due(Session& s, std::int64_t key) {
  auto& conn = s.db().conn();
  auto c = store::load_schedule(conn, key);
  if (!c) return;
  std::optional<std::string> due;
  if (c->tier && !c->archived) {
    auto tier = find_tier(store::list_tiers(conn), *c->tier);
    auto cadence = tier ? parse_cadence(tier->cadence) : std::nullopt;
    if (cadence) {
      std::int64_t last = c->last_followup_at.value_or(c->created_at);
      due = format_date(next_due_date(local_date(last, s.db().zone()), *cadence));
    }
  }
  if (due != c->next_due_date) store::set_next_due_date(conn, key, due);
  schedule_cadence(s, key, due);
}

void define_tier(Session& s, const TierSpec& spec) {
  s.authorize(Perm::config_manage);
  std::string code = normalize_text(spec.code);
  bool code_ok = !code.empty() && code.size() <= 8;
  for (char ch : code)
    code_ok = code_ok && ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_');
  if (!code_ok)
    throw bad(
        "a tier code is 1 to 8 of A-Z, 0-9 and _, not \"" + quote_value(spec.code) + "\"",
        "客户等级编码须为 1 到 8 个 A-Z、0-9 或 _ 字符，而非“" + quote_value(spec.code) + "”");
  Cadence cadence = checked_cadence(spec.cadence);
  auto& conn = s.db().conn();
  auto tiers = store::list_tiers(conn);
  auto existing = find_tier(tiers, code);
  const auto* entry = s.db().dictionaries().find("tier", code);
  store::DictionaryRow row;
  if (!existing) {
    row = {"tier",
           code,
           checked_label(spec.label_zh, "label_zh", "中文名称"),
           checked_label(spec.label_en, "label_en", "英文名称"),
           "",
           ""};
    for (const std::string* spelling : {&row.label_zh, &row.label_en})
      if (s.db().dictionaries().resolve("tier", *spelling))
        throw Error(Status::conflict, "tier label \"" + *spelling + "\" is taken",
                    "客户等级名称“" + *spelling + "”已被使用");
  } else if (entry && ((!spec.label_zh.empty() &&
                        normalize_text(spec.label_zh, TextMode::prose) != entry->label_zh) ||
                       (!spec.label_en.empty() &&
                        normalize_text(spec.label_en, TextMode::prose) != entry->label_en))) {
    throw bad("the labels of tier " + code + " cannot change (leave them empty)",
              "客户等级 " + code + " 的名称不能修改（请留空）");
  }
  store::TierRow t{code, format_cadence(cadence), 0};
  t.position = existing ? existing->position : (tiers.empty() ? 1 : tiers.back().position + 1);
  if (existing && existing->cadence == t.cadence) return;  // nothing changes
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  if (!existing) store::insert_dictionary_row(conn, row);
  store::upsert_tier(conn, t, now, s.user_id());
  store::insert_config_history(
      conn, now, s.user_id(), "tier." + code,
      existing ? std::optional<std::string>(existing->cadence) : std::nullopt, t.cadence);
  s.audit("config.tier", "tier:" + code, t.cadence);
  if (existing) {
    // Every customer of the tier counts from its last contact anew.
    for (std::int64_t key : store::customers_of_tier(conn, code)) refresh_next_due(s, key);
  }
  tx.commit();
  if (!existing) s.db().remember_dictionary_row(row);
}

std::vector<Record> list_tiers(Session& s) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& t : store::list_tiers(s.db().conn())) {
    Record r;
    const auto* e = s.db().dictionaries().find("tier", t.code);
    auto c = parse_cadence(t.cadence);
    r.append("code", t.code);
    r.append("label_zh", e ? e->label_zh : t.code);
    r.append("label_en", e ? e->label_en : t.code);
    r.append("cadence", t.cadence);
    r.append("cadence_zh", c ? describe_cadence_zh(*c) : t.cadence);
    r.append("cadence_en", c ? describe_cadence_en(*c) : t.cadence);
    r.append("position", std::int64_t{t.position});
    out.push_back(std::move(r));
  }
  return out;
}

void define_criterion(Session& s, const CriterionSpec& spec) {
  s.authorize(Perm::config_manage);
  std::string name = spec.name;
  bool ok = !name.empty() && name.size() <= 32 && name[0] >= 'a' && name[0] <= 'z';
  for (char ch : name)
    ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_');
  if (!ok)
    throw bad("a criterion name is [a-z][a-z0-9_]{0,31}, not \"" + quote_value(name) + "\"",
              "评估标准名称须为小写字母开头的 a-z、0-9、_（最多 32 个字符），而非“" +
                  quote_value(name) + "”");
  auto& conn = s.db().conn();
  auto tiers = store::list_tiers(conn);
  store::CriterionRow row;
  row.name = name;
  row.label_zh = checked_label(spec.label_zh, "label_zh", "中文名称");
  row.label_en = checked_label(spec.label_en, "label_en", "英文名称");
  row.unit = is_valid_utf8(spec.unit) ? normalize_text(spec.unit, TextMode::prose) : "";
  if (utf8_length(row.unit) > 16)
    throw bad("a unit is at most 16 characters", "单位最多 16 个字符");
  row.thresholds = format_thresholds(parse_thresholds(spec.thresholds, tier_order(tiers)));
  row.retired = spec.retired;
  std::optional<std::string> before;
  auto all = store::list_criteria(conn, true);
  row.position = all.empty() ? 1 : all.back().position + 1;
  for (const auto& c : all)
    if (c.name == name) {
      row.position = c.position;
      before = c.label_zh + "|" + c.label_en + "|" + c.unit + "|" + c.thresholds +
               (c.retired ? "|retired" : "");
    }
  std::string after = row.label_zh + "|" + row.label_en + "|" + row.unit + "|" + row.thresholds +
                      (row.retired ? "|retired" : "");
  if (before == after) return;
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::upsert_criterion(conn, row, now, s.user_id());
  store::insert_config_history(conn, now, s.user_id(), "criterion." + name, before, after);
  s.audit("config.criterion", "criterion:" + name);
  tx.commit();
}

std::vector<Record> list_criteria(Session& s, bool include_retired) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& c : store::list_criteria(s.db().conn(), include_retired)) {
    Record r;
    r.append("name", c.name);
    r.append("label_zh", c.label_zh);
    r.append("label_en", c.label_en);
    r.append("unit", c.unit);
    r.append("thresholds", c.thresholds);
    r.append("retired", std::int64_t{c.retired ? 1 : 0});
    out.push_back(std::move(r));
  }
  return out;
}

Record grade_customer(Session& s, std::int64_t key, const Record& values) {
  auto& conn = s.db().conn();
  store::CustomerSchedule c = live_schedule(s, key, Perm::followup_write);
  auto order = tier_order(store::list_tiers(conn));
  auto criteria = active_criteria(s, order);
  std::map<std::string, double> numbers;
  std::vector<FieldError> errors;
  for (const auto& [name, v] : values.entries()) {
    auto n = number_of(v);
    if (n) {
      numbers[name] = *n;
      continue;
    }
    FieldError e = field_error(nullptr, name, "wrong_type", "a number", "数值");
    for (const auto& cr : criteria)
      if (cr.name == name) {
        e.label_zh = cr.label_zh;
        e.message_en = cr.label_en + " must be a number";
        e.message_zh = cr.label_zh + "须为数值";
      }
    errors.push_back(std::move(e));
  }
  if (!errors.empty()) {
    // Name the missing and unknown criteria along with the bad numbers.
    std::vector<std::string> given;
    for (const auto& [name, v] : values.entries()) given.push_back(name);
    auto more = grading_input_errors(criteria, given);
    errors.insert(errors.end(), more.begin(), more.end());
    throw_validation(std::move(errors));
  }
  Grade g = grade(criteria, order, numbers);
  store::WriteTransaction tx(conn);
  write_tier(s, c, g.tier, g.reason_zh, std::nullopt);
  s.audit("customer.grade", store::human_id(key), g.tier);
  tx.commit();
  auto after = store::load_schedule(conn, key);
  Record out;
  out.append("tier", g.tier);
  out.append("reason", g.reason_zh);
  out.append("reason_en", g.reason_en);
  out.append("next_due_date", after ? optional_value(after->next_due_date) : Value{});
  return out;
}

void set_customer_tier(Session& s, std::int64_t key, const std::string& tier,
                       std::optional<std::string> reason) {
  reason = checked_reason(reason);
  std::string code = resolve_tier(s, tier);
  store::CustomerSchedule c = live_schedule(s, key, Perm::followup_write);
  if (c.tier == code) return;
  store::WriteTransaction tx(s.db().conn());
  write_tier(s, c, code, reason, reason);
  s.audit("customer.set_tier", store::human_id(key), code);
  tx.commit();
}

void verify_customer(Session& s, std::int64_t key, const std::string& method,
                     std::optional<std::string> note) {
  note = checked_reason(note);
  auto code = s.db().dictionaries().resolve("followup_method", method);
  if (!code || (*code != "phone" && *code != "email"))
    throw bad("verification is by phone or e-mail (R1.5), not \"" + quote_value(method) + "\"",
              "核实方式须为电话或邮件（R1.5），而非“" + quote_value(method) + "”");
  store::CustomerSchedule c = live_schedule(s, key, Perm::followup_write);
  if (c.verified_at)
    throw Error(Status::conflict, "customer " + store::human_id(key) + " is verified already",
                "客户 " + store::human_id(key) + " 已核实");
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::set_verified(conn, key, now, s.user_id(), *code);
  record_history(s, key, now, "verify", std::string("verified_at"), std::nullopt,
                 std::to_string(now), note);
  unschedule_verification(s, key);
  s.audit("customer.verify", store::human_id(key), *code);
  tx.commit();
}

RosterPage graded_roster(Session& s, const RosterQuery& q) {
  if (q.page_size < 1 || q.page_size > 1000)
    throw bad("page_size must be 1 to 1000", "每页条数须在 1 到 1000 之间");
  store::RosterFilter f;
  if (!q.tier.empty()) f.tier = resolve_tier(s, q.tier);
  f.owner = q.owner;
  f.limit = q.page_size;
  Visibility v = s.visibility(Perm::followup_read);
  f.restricted = !v.all;
  f.visible_owners = ids_json(v.owners);
  f.visible_keys = ids_json(v.granted);
  if (!q.after.empty()) {
    // "r1.<position>.<due date or ->.<key>"
    int pos = 0;
    char due[11] = {0};
    long long key = 0;
    int used = 0;
    if (q.after.size() > 64 ||
        std::sscanf(q.after.c_str(), "r1.%d.%10[-0-9].%lld%n", &pos, due, &key, &used) != 3 ||
        static_cast<std::size_t>(used) != q.after.size() || key <= 0)
      malformed_token();
    f.has_after = true;
    f.after_position = pos;
    f.after_due = std::string(due) == "-" ? "" : due;
    f.after_key = key;
  }
  store::ReadTransaction rt(s.db().conn());
  bool more = false;
  auto rows = store::roster(s.db().conn(), f, more);
  RosterPage page;
  for (const auto& r : rows) {
    Record out;
    out.append("id", store::human_id(r.key));
    out.append("name", r.name);
    out.append("owner", r.owner);
    out.append("tier", r.tier);
    out.append("tier_reason", optional_value(r.tier_reason));
    out.append("graded_at", optional_value(r.graded_at));
    out.append("last_followup_at", optional_value(r.last_followup_at));
    out.append("next_due_date", optional_value(r.next_due_date));
    page.rows.push_back(std::move(out));
  }
  if (more && !rows.empty()) {
    const auto& last = rows.back();
    page.next = "r1." + std::to_string(last.position) + "." + last.next_due_date.value_or("-") +
                "." + std::to_string(last.key);
  }
  return page;
}

ConfigHistoryPage config_history(Session& s, const std::string& prefix, int page_size,
                                 const std::string& after) {
  s.authorize(Perm::config_read);
  if (page_size < 1 || page_size > 1000)
    throw bad("page_size must be 1 to 1000", "每页条数须在 1 到 1000 之间");
  long long seq = 0;
  if (!after.empty()) {
    int used = 0;
    if (after.size() > 32 || std::sscanf(after.c_str(), "h1.%lld%n", &seq, &used) != 1 ||
        static_cast<std::size_t>(used) != after.size() || seq < 0)
      malformed_token();
  }
  bool more = false;
  ConfigHistoryPage page;
  page.rows = store::query_config_history(s.db().conn(), prefix, seq, page_size, more);
  if (more && !page.rows.empty())
    page.next = "h1." + std::to_string(std::get<std::int64_t>(*page.rows.back().find("seq")));
  return page;
}

}  // namespace crm
