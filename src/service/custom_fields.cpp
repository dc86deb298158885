#include "service/custom_fields.hpp"

#include <algorithm>
#include <set>

#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/leads.hpp"
#include "store/custom_field_repo.hpp"
#include "store/dictionary_repo.hpp"
#include "store/followup_repo.hpp"

namespace crm {
namespace {

constexpr int kDefaultTextChars = 200;
constexpr int kMaxTextChars = 2000;
constexpr int kDefaultDecimals = 2;
constexpr int kMaxDecimals = 6;
constexpr std::size_t kMaxEnumValues = 200;

[[noreturn]] void bad(const std::string& en, const std::string& zh) {
  throw Error(Status::invalid_arg, en, zh);
}

std::string bare_name(const std::string& name) {
  std::string_view n = name;
  if (n.substr(0, kCustomPrefix.size()) == kCustomPrefix) n.remove_prefix(kCustomPrefix.size());
  return std::string(n);
}

// A label or enum value: UTF-8, prose-normalised, 1..max characters.
std::string checked_text(const std::string& s, std::size_t max, const char* what_en,
                         const char* what_zh) {
  std::string t = is_valid_utf8(s) && s.size() <= max * 8 ? normalize_text(s, TextMode::prose) : "";
  if (t.empty() || utf8_length(t) > max)
    bad(std::string(what_en) + " must be UTF-8 text of 1 to " + std::to_string(max) + " characters",
        std::string(what_zh) + "须为 1 到 " + std::to_string(max) + " 个字符的 UTF-8 文本");
  return t;
}

// Labels must not be confused with another field's when headers are mapped
// (import) or errors are read.
void check_label_free(Session& s, const std::string& label) {
  std::string l = ascii_lower(label);
  auto clash = [&] {
    throw Error(Status::conflict, "the label \"" + quote_value(label) + "\" is already used",
                "名称“" + quote_value(label) + "”已被其他字段使用");
  };
  for (const auto& f : *fields_of("customer"))
    if (l == ascii_lower(f.label_zh) || l == ascii_lower(f.label_en) || l == f.name) clash();
  for (const auto& f : s.db().custom_fields().all())
    if (f.live && (l == ascii_lower(f.label_zh) || l == ascii_lower(f.label_en))) clash();
}

Error no_field(const std::string& name) {
  return Error(Status::not_found, "no custom field \"" + quote_value(name) + "\"",
               "自定义字段“" + quote_value(name) + "”不存在");
}

}  // namespace

std::string define_custom_field(Session& s, const CustomFieldSpec& spec) {
  s.authorize(Perm::config_manage);
  Database& db = s.db();
  CustomField f;
  f.name = bare_name(spec.name);
  if (!valid_custom_name(f.name))
    bad("a custom field name uses a-z, 0-9 and _, starts with a letter and has at most 40 "
        "characters: \"" +
            quote_value(spec.name) + "\"",
        "自定义字段名只能包含 a-z、0-9 和 _，以字母开头，最多 40 个字符：“" +
            quote_value(spec.name) + "”");
  f.qualified = std::string(kCustomPrefix) + f.name;
  auto type = custom_type_from_name(spec.type);
  if (!type)
    bad("a custom field's type is text, integer, decimal, date, enum or boolean, not \"" +
            quote_value(spec.type) + "\"",
        "自定义字段类型须为 text、integer、decimal、date、enum 或 boolean，而非“" +
            quote_value(spec.type) + "”");
  f.type = *type;
  f.label_zh = checked_text(spec.label_zh, 50, "label_zh", "中文名称");
  f.label_en =
      spec.label_en.empty() ? f.name : checked_text(spec.label_en, 50, "label_en", "英文名称");
  f.required = spec.required;
  f.personal = spec.personal;

  if (f.type == FieldType::text) {
    if (spec.max_chars < 0 || spec.max_chars > kMaxTextChars)
      bad("max_chars must be between 1 and 2000 (0 = 200)",
          "最大字数须在 1 到 2000 之间（0 表示 200）");
    f.max_chars = spec.max_chars == 0 ? kDefaultTextChars : spec.max_chars;
  } else if (spec.max_chars != 0) {
    bad("max_chars applies to text fields only", "最大字数只适用于文本字段");
  }
  if (f.type == FieldType::decimal) {
    if (spec.decimals < -1 || spec.decimals > kMaxDecimals)
      bad("decimals must be between 0 and 6 (-1 = 2)", "小数位数须在 0 到 6 之间（-1 表示 2）");
    f.decimals = spec.decimals < 0 ? kDefaultDecimals : spec.decimals;
  } else if (spec.decimals >= 0) {
    bad("decimals applies to decimal fields only", "小数位数只适用于 decimal 字段");
  }

  std::vector<std::string> values;
  if (f.type == FieldType::enumeration) {
    if (spec.values.empty() || spec.values.size() > kMaxEnumValues)
      bad("an enum field needs 1 to 200 values", "枚举字段须有 1 到 200 个可选值");
    std::set<std::string> seen;
    for (const auto& v : spec.values) {
      std::string t = checked_text(v, 100, "an enum value", "可选值");
      if (!seen.insert(ascii_lower(t)).second)
        bad("the value \"" + quote_value(t) + "\" is given twice",
            "可选值“" + quote_value(t) + "”重复");
      values.push_back(std::move(t));
    }
    f.dict = f.qualified;
  } else if (!spec.values.empty()) {
    bad("values apply to enum fields only", "可选值只适用于枚举字段");
  }

  for (const auto& existing : db.custom_fields().all())
    if (existing.live && existing.name == f.name)
      throw Error(Status::conflict,
                  "custom field " + f.qualified +
                      (existing.retired ? " existed and was retired; its name is not reused"
                                        : " exists already"),
                  "自定义字段 " + f.qualified +
                      (existing.retired ? " 已停用，名称不能重复使用" : " 已存在"));
  check_label_free(s, f.label_zh);
  if (f.label_en != f.label_zh) check_label_free(s, f.label_en);

  f.created_at = db.now();
  auto& conn = db.conn();
  store::WriteTransaction tx(conn);
  f.id = store::insert_custom_field(conn, f, s.user_id());
  std::vector<store::DictionaryRow> rows;
  for (const auto& v : values) {
    rows.push_back({f.dict, v, v, v, "", ""});
    store::insert_dictionary_row(conn, rows.back());
  }
  s.audit("config.custom_field_define", f.qualified);
  tx.commit();
  db.remember_custom_field(f);
  for (const auto& row : rows) db.remember_dictionary_row(row);
  return f.qualified;
}

void retire_custom_field(Session& s, const std::string& name) {
  s.authorize(Perm::config_manage);
  Database& db = s.db();
  std::string qualified = std::string(kCustomPrefix) + bare_name(name);
  const CustomField* f = db.custom_fields().find(qualified);
  if (!f) throw no_field(name);
  if (f->retired) return;
  CustomField copy = *f;
  copy.retired = true;
  store::WriteTransaction tx(db.conn());
  store::retire_custom_field(db.conn(), f->id, db.now(), s.user_id());
  s.audit("config.custom_field_retire", qualified);
  tx.commit();
  db.remember_custom_field(copy);
}

std::vector<Record> list_custom_fields(Session& s, bool include_retired) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& f : s.db().custom_fields().all()) {
    if (!f.live || (f.retired && !include_retired)) continue;
    Record r;
    r.append("name", f.qualified);
    r.append("type",
             std::string(f.type == FieldType::enumeration ? "enum" : field_type_name(f.type)));
    r.append("label_zh", f.label_zh);
    r.append("label_en", f.label_en);
    r.append("required", std::int64_t{f.required});
    r.append("max_chars", f.type == FieldType::text ? Value{std::int64_t{f.max_chars}} : Value{});
    r.append("decimals", f.type == FieldType::decimal ? Value{std::int64_t{f.decimals}} : Value{});
    r.append("dict", f.dict.empty() ? Value{} : Value{f.dict});
    r.append("retired", std::int64_t{f.retired});
    r.append("personal", std::int64_t{f.personal});
    r.append("created_at", f.created_at);
    out.push_back(std::move(r));
  }
  return out;
}

Value stored_custom_value(const CustomField& f, const Value& v) {
  if (f.type == FieldType::decimal && is_text(v))
    return Value{parse_decimal(std::get<std::string>(v), f.decimals).value_or(0)};
  return v;
}

Value output_custom_value(const CustomField& f, const Value& v) {
  if (f.type == FieldType::decimal && is_int(v))
    return Value{format_decimal(std::get<std::int64_t>(v), f.decimals)};
  return v;
}

void append_custom_values(Session& s, const CustomFieldSet& set, Record& r, std::int64_t key) {
  if (set.all().empty()) return;
  auto stored = store::load_custom_values(s.db().conn(), key);
  for (const auto& f : set.all()) {
    if (!f.live) continue;
    auto it =
        std::find_if(stored.begin(), stored.end(), [&](const auto& p) { return p.first == f.id; });
    if (it != stored.end())
      r.append(f.qualified, output_custom_value(f, it->second));
    else if (!f.retired)
      r.append(f.qualified, Value{});
  }
}

void check_custom_required(const CustomFieldSet& set, const Record& values,
                           std::vector<FieldError>& errors) {
  if (!set.any_required()) return;
  for (const auto& f : set.all()) {
    if (!f.live || !f.required || f.retired) continue;
    const Value* v = values.find(f.qualified);
    bool reported = std::any_of(errors.begin(), errors.end(),
                                [&](const FieldError& e) { return e.field == f.qualified; });
    if ((!v || is_null(*v)) && !reported)
      errors.push_back(field_error(&f.def, f.qualified, "required"));
  }
}

void write_custom_values(Session& s, const CustomFieldSet& set, std::int64_t key,
                         const Record& changes) {
  for (const auto& [name, value] : changes.entries()) {
    if (!is_custom_name(name)) continue;
    const CustomField* f = set.find(name);
    if (f) store::set_custom_value(s.db().conn(), key, f->id, stored_custom_value(*f, value));
  }
}

namespace {

// A setting's allowed values: a list of words, integers in [min, max], or
// (fields) a comma-separated list of customer field names.
struct SettingDef {
  const char* name;
  std::vector<const char*> words;
  long long min, max;
  bool fields = false;
};
const SettingDef kSettings[] = {
    {"tags.create_on_attach", {"0", "1"}, 0, 0},
    {"followup.min_gap_hours", {}, 0, 720},
    {"followup.min_gap_action", {"warn", "refuse"}, 0, 0},
    {"followup.remind_before_minutes", {}, 0, 10080},
    {"review.create", {"0", "1"}, 0, 0},
    {"review.fields", {}, 0, 0, true},
    {"alert.unmask_per_hour", {}, 0, 1000000},
    {"alert.denied_per_hour", {}, 0, 1000000},
    {"alert.export_rows_per_hour", {}, 0, 1000000000},
    {"retention.months", {}, 0, 1200},
    {"access.max_hours", {}, 1, 8760},
    {"lead.high_value_score", {}, 1, 10000},
    {"lead.score_half_life_days", {}, 0, 3650},
    {"lead.max_open_per_user", {}, 0, 100000},
    {"lead.auto_assign", {"captured", "screened", "off"}, 0, 0},
    {"automation.max_depth", {}, 1, 10},
    {"completeness.goal_percent", {}, 0, 100},
    {"cleansing.stale_days", {}, 1, 3650},
};

const SettingDef& setting_def(const std::string& name) {
  for (const auto& d : kSettings)
    if (name == d.name) return d;
  throw Error(Status::not_found, "no setting \"" + quote_value(name) + "\"",
              "设置项“" + quote_value(name) + "”不存在");
}

void check_setting(Session& s, const SettingDef& d, const std::string& value) {
  std::string allowed;
  if (d.fields) {
    std::string_view list = value;
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string name(list.substr(0, comma));
      const FieldDef* f = is_custom_name(name) ? (s.db().custom_fields().find(name)
                                                      ? &s.db().custom_fields().find(name)->def
                                                      : nullptr)
                                               : find_field("customer", name);
      if (!f || (f->flags & kReadOnly))
        throw Error(Status::invalid_arg,
                    std::string(d.name) + ": \"" + quote_value(name) +
                        "\" is not a customer field that can be changed",
                    std::string(d.name) + "：“" + quote_value(name) + "”不是可修改的客户字段");
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return;
  }
  if (d.words.empty()) {
    auto n = parse_integer_text(value);
    if (n && *n >= d.min && *n <= d.max && std::to_string(*n) == value) return;
    allowed = "an integer from " + std::to_string(d.min) + " to " + std::to_string(d.max);
    throw Error(Status::invalid_arg, std::string(d.name) + " must be " + allowed,
                std::string(d.name) + " 的值须为 " + std::to_string(d.min) + " 到 " +
                    std::to_string(d.max) + " 之间的整数");
  }
  for (const char* w : d.words) {
    if (value == w) return;
    allowed += (allowed.empty() ? "" : " or ") + std::string(w);
  }
  throw Error(Status::invalid_arg, std::string(d.name) + " must be " + allowed,
              std::string(d.name) + " 的值须为 " + allowed);
}

}  // namespace

std::string get_setting(Session& s, const std::string& name) {
  s.authorize(Perm::config_read);
  setting_def(name);
  return store::get_setting(s.db().conn(), name);
}

void set_setting(Session& s, const std::string& name, const std::string& value) {
  s.authorize(Perm::config_manage);
  check_setting(s, setting_def(name), value);
  auto& conn = s.db().conn();
  std::string before = store::get_setting(conn, name);
  if (before == value) return;
  store::WriteTransaction tx(conn);
  store::set_setting(conn, name, value);
  s.db().config_changed();
  store::insert_config_history(conn, s.db().now(), s.user_id(), "setting." + name, before, value);
  // Running scores are kept under one half-life: a new one re-weighs every
  // lead's events, in the same transaction.
  if (name == "lead.score_half_life_days") rescore_leads(s);
  s.audit("config.setting", "setting:" + name);
  tx.commit();
}

}  // namespace crm
