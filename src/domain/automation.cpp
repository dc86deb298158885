#include "domain/automation.hpp"

#include <algorithm>

#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/followup.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {

const std::vector<std::string>& automation_events() {
  static const std::vector<std::string> events = {"created",      "field_changed", "tag_added",
                                                  "tag_removed",  "stage_entered", "no_change",
                                                  "score_crossed"};
  return events;
}

const std::vector<std::string>& automation_placeholders() {
  static const std::vector<std::string> names = {"customer", "customer_id", "owner",  "tier",
                                                 "rule",     "field",       "before", "after",
                                                 "tag",      "time"};
  return names;
}

namespace {

constexpr std::int64_t kMaxAfterMinutes = 366LL * 24 * 60;
constexpr int kMaxConditionDepth = 8;
constexpr std::size_t kMaxActions = 10;

[[noreturn]] void bad(const std::string& path, const std::string& en, const std::string& zh) {
  throw Error(Status::invalid_arg, (path.empty() ? "" : path + ": ") + en,
              (path.empty() ? "" : path + "：") + zh);
}

using T = JsonValue::Type;

const JsonValue& member(const JsonValue& obj, const std::string& path, const char* key) {
  const JsonValue* v = obj.get(key);
  if (!v) bad(path, std::string("\"") + key + "\" is missing", std::string("缺少“") + key + "”");
  return *v;
}

void only_members(const JsonValue& obj, const std::string& path,
                  std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : obj.members)
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      bad(path, "unknown member \"" + quote_value(k) + "\" (expected " + list + ")",
          "未知成员“" + quote_value(k) + "”（可用：" + list + "）");
    }
}

const JsonValue& object_at(const JsonValue& v, const std::string& path) {
  if (!v.is(T::object))
    bad(path, std::string("an object is expected, not ") + json_type_name(v.type),
        std::string("应为对象，而非 ") + json_type_name(v.type));
  return v;
}

std::string text_at(const JsonValue& v, const std::string& path, std::size_t max_chars = 500) {
  if (!v.is(T::string))
    bad(path, std::string("text is expected, not ") + json_type_name(v.type),
        std::string("应为文本，而非 ") + json_type_name(v.type));
  std::string s = normalize_text(v.string, TextMode::prose);
  if (s.empty()) bad(path, "the text is empty", "文本为空");
  if (utf8_length(s) > max_chars)
    bad(path, "at most " + std::to_string(max_chars) + " characters",
        "最多 " + std::to_string(max_chars) + " 个字符");
  return s;
}

std::int64_t int_at(const JsonValue& v, const std::string& path, std::int64_t min,
                    std::int64_t max) {
  auto n = v.integer();
  if (!n || *n < min || *n > max)
    bad(path, "an integer from " + std::to_string(min) + " to " + std::to_string(max),
        "应为 " + std::to_string(min) + " 到 " + std::to_string(max) + " 的整数");
  return *n;
}

// A JSON scalar as the text a user would type for the field.
std::string scalar_text(const JsonValue& v, const std::string& path) {
  switch (v.type) {
    case T::string:
      return v.string;
    case T::number: {
      if (auto n = v.integer()) return std::to_string(*n);
      return format_number(v.number);
    }
    case T::boolean:
      return v.boolean ? "1" : "0";
    default:
      bad(path, std::string("a text, number or boolean is expected, not ") + json_type_name(v.type),
          std::string("应为文本、数值或布尔值，而非 ") + json_type_name(v.type));
  }
}

struct Compiler {
  const RuleCatalog& cat;
  bool lead = false;  // a score_crossed rule: its subject is a lead

  const FieldDef& field(const JsonValue& v, const std::string& path) {
    std::string name = text_at(v, path, 100);
    const FieldDef* f = lead ? find_field("lead", name) : cat.field(name);
    if (!f)
      bad(path,
          std::string("no ") + (lead ? "lead" : "customer") + " field \"" + quote_value(name) +
              "\"",
          std::string("没有") + (lead ? "线索" : "客户") + "字段“" + quote_value(name) + "”");
    return *f;
  }

  Value value_for(const FieldDef& f, const std::string& name, const JsonValue& v,
                  const std::string& path) {
    if (lead) {
      // Lead fields compare as their stored text or number.
      if (v.is(JsonValue::Type::number)) {
        if (auto n = v.integer()) return Value{*n};
        return Value{v.number};
      }
      std::string text = scalar_text(v, path);
      if (f.dict) {
        auto code = cat.dict_code(f.dict, text);
        if (!code)
          bad(path, std::string("not a value of ") + f.dict + ": \"" + quote_value(text) + "\"",
              std::string("不是“") + f.label_zh + "”的可选值：“" + quote_value(text) + "”");
        return Value{*code};
      }
      return Value{text};
    }
    std::string en, zh;
    auto out = cat.normalise(f, name, scalar_text(v, path), en, zh);
    if (!out)
      bad(path, "not a value of " + name + " (" + field_type_name(f.type) + "): " + en,
          std::string("不是字段“") + f.label_zh + "”的有效值：" + zh);
    return *out;
  }

  std::string tag(const JsonValue& v, const std::string& path) {
    std::string spelling = text_at(v, path, 200);
    std::string en, zh;
    auto t = cat.tag(spelling, en, zh);
    if (!t)
      bad(path, "tag \"" + quote_value(spelling) + "\": " + en,
          "标签“" + quote_value(spelling) + "”：" + zh);
    return *t;
  }

  std::int64_t minutes(const JsonValue& obj, const std::string& path) {
    const JsonValue* h = obj.get("hours");
    const JsonValue* d = obj.get("days");
    if ((h != nullptr) == (d != nullptr))
      bad(path, "give \"hours\" or \"days\" (one of them)", "须给出“hours”或“days”（二选一）");
    return h ? int_at(*h, path + ".hours", 1, kMaxAfterMinutes / 60) * 60
             : int_at(*d, path + ".days", 1, kMaxAfterMinutes / 1440) * 1440;
  }

  Trigger trigger(const JsonValue& v, const std::string& path) {
    object_at(v, path);
    Trigger t;
    t.event = text_at(member(v, path, "event"), path + ".event", 40);
    const auto& events = automation_events();
    if (std::find(events.begin(), events.end(), t.event) == events.end())
      bad(path + ".event",
          "unknown event \"" + quote_value(t.event) +
              "\" (created, field_changed, tag_added, tag_removed, stage_entered, no_change)",
          "未知事件“" + quote_value(t.event) + "”");
    lead = t.event == "score_crossed";
    if (t.event == "created" || t.event == "score_crossed") {
      only_members(v, path, {"event"});
    } else if (t.event == "field_changed") {
      only_members(v, path, {"event", "field", "to"});
      t.field = text_at(member(v, path, "field"), path + ".field", 100);
      const FieldDef& f = field(member(v, path, "field"), path + ".field");
      if (const JsonValue* to = v.get("to")) t.to = value_for(f, t.field, *to, path + ".to");
    } else if (t.event == "tag_added" || t.event == "tag_removed") {
      only_members(v, path, {"event", "tag"});
      t.tag = tag(member(v, path, "tag"), path + ".tag");
    } else if (t.event == "stage_entered") {
      only_members(v, path, {"event", "stage"});
      std::string spelling = text_at(member(v, path, "stage"), path + ".stage", 40);
      auto code = cat.stage(spelling);
      if (!code)
        bad(path + ".stage", "no customer type \"" + quote_value(spelling) + "\"",
            "没有客户类型“" + quote_value(spelling) + "”");
      t.stage = *code;
    } else {  // no_change
      only_members(v, path, {"event", "field", "hours", "days"});
      if (const JsonValue* f = v.get("field")) {
        field(*f, path + ".field");
        t.field = text_at(*f, path + ".field", 100);
      }
      t.after_minutes = minutes(v, path);
    }
    return t;
  }

  Condition condition(const JsonValue& v, const std::string& path, int depth) {
    if (depth > kMaxConditionDepth)
      bad(path, "conditions nest at most 8 deep", "条件最多嵌套 8 层");
    object_at(v, path);
    if (v.members.size() != 1 && !v.get("field"))
      bad(path, "a condition has one of all, any, not, field, tag, owner_department",
          "条件须为 all、any、not、field、tag、owner_department 之一");
    Condition c;
    if (const JsonValue* list = v.get("all"); list || v.get("any")) {
      const bool all = list != nullptr;
      const JsonValue& items = all ? *list : *v.get("any");
      const std::string p = path + (all ? ".all" : ".any");
      if (!items.is(T::array) || items.items.empty())
        bad(p, "a non-empty array of conditions is expected", "应为非空的条件数组");
      c.kind = all ? Condition::Kind::all : Condition::Kind::any;
      for (std::size_t i = 0; i < items.items.size(); ++i)
        c.children.push_back(
            condition(items.items[i], p + "[" + std::to_string(i) + "]", depth + 1));
      return c;
    }
    if (const JsonValue* n = v.get("not")) {
      c.kind = Condition::Kind::not_;
      c.children.push_back(condition(*n, path + ".not", depth + 1));
      return c;
    }
    if (const JsonValue* t = v.get("tag")) {
      if (lead)
        bad(path + ".tag", "a lead has no tags (score_crossed rules test lead fields)",
            "线索没有标签（score_crossed 规则只能判断线索字段）");
      c.kind = Condition::Kind::tag;
      c.tag = tag(*t, path + ".tag");
      return c;
    }
    if (const JsonValue* d = v.get("owner_department")) {
      c.kind = Condition::Kind::owner_department;
      c.department = text_at(*d, path + ".owner_department", 100);
      if (!cat.department(c.department))
        bad(path + ".owner_department", "no department \"" + quote_value(c.department) + "\"",
            "部门“" + quote_value(c.department) + "”不存在");
      return c;
    }
    if (!v.get("field"))
      bad(path, "unknown condition (all, any, not, field, tag, owner_department)",
          "未知条件（all、any、not、field、tag、owner_department）");
    only_members(v, path, {"field", "op", "value"});
    c.kind = Condition::Kind::field;
    c.field = text_at(*v.get("field"), path + ".field", 100);
    const FieldDef& f = field(*v.get("field"), path + ".field");
    c.type = f.type;
    c.decimals = f.type == FieldType::decimal ? cat.decimals(c.field) : 0;
    c.op = text_at(member(v, path, "op"), path + ".op", 10);
    static const char* const kOps[] = {"=",  "!=",       "<",    "<=",      ">",
                                       ">=", "contains", "null", "not_null"};
    if (std::none_of(std::begin(kOps), std::end(kOps), [&](const char* o) { return c.op == o; }))
      bad(path + ".op",
          "unknown operator \"" + quote_value(c.op) + "\" (= != < <= > >= contains null not_null)",
          "未知运算符“" + quote_value(c.op) + "”");
    const bool unary = c.op == "null" || c.op == "not_null";
    const JsonValue* value = v.get("value");
    if (unary) {
      if (value) bad(path + ".value", c.op + " takes no value", c.op + " 不需要 value");
      return c;
    }
    if (!value) bad(path, "\"value\" is missing", "缺少“value”");
    const bool ordered = c.op == "<" || c.op == "<=" || c.op == ">" || c.op == ">=";
    if (ordered && (f.type == FieldType::enumeration || f.type == FieldType::boolean ||
                    f.type == FieldType::phone || f.type == FieldType::email))
      bad(path + ".op", c.op + " does not order a field of type " + field_type_name(f.type),
          c.op + " 不能比较" + field_type_name(f.type) + "类型的字段");
    if (c.op == "contains") {
      if (f.type != FieldType::text && f.type != FieldType::email)
        bad(path + ".op", "contains is for text and e-mail fields",
            "contains 只用于文本和邮箱字段");
      c.value = Value{text_at(*value, path + ".value", 200)};
      return c;
    }
    c.value = value_for(f, c.field, *value, path + ".value");
    return c;
  }

  void templates(const JsonValue& v, const std::string& path, Action& a) {
    a.template_zh = text_at(member(v, path, "template_zh"), path + ".template_zh");
    a.template_en = text_at(member(v, path, "template_en"), path + ".template_en");
    for (const char* key : {"template_zh", "template_en"}) {
      try {
        check_template(key[9] == 'z' ? a.template_zh : a.template_en, automation_placeholders());
      } catch (const Error& e) {
        bad(path + "." + key, e.message_en(), e.message_zh());
      }
    }
  }

  std::string channels(const JsonValue& v, const std::string& path) {
    std::string list = text_at(v, path, 40);
    std::vector<std::string> seen;
    std::size_t start = 0;
    for (;;) {
      std::size_t end = list.find(',', start);
      std::string ch = list.substr(start, end == std::string::npos ? end : end - start);
      if ((ch != "app" && ch != "email" && ch != "sms") ||
          std::find(seen.begin(), seen.end(), ch) != seen.end())
        bad(path, "a comma-separated list of app, email, sms without repeats",
            "应为 app、email、sms 中不重复的逗号分隔列表");
      seen.push_back(ch);
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return list;
  }

  Action action(const JsonValue& v, const std::string& path) {
    object_at(v, path);
    Action a;
    a.type = text_at(member(v, path, "type"), path + ".type", 40);
    if (lead && a.type != "notify" && a.type != "escalate")
      bad(path + ".type",
          "a score_crossed rule acts on a lead: notify or escalate, not " + quote_value(a.type),
          "score_crossed 规则针对线索，只能 notify 或 escalate，而非 " + quote_value(a.type));
    if (a.type == "notify") {
      only_members(v, path, {"type", "to", "channels", "template_zh", "template_en"});
      a.to = text_at(member(v, path, "to"), path + ".to", 100);
      if (a.to.rfind("role:", 0) == 0) {
        auto code = cat.role(a.to.substr(5));
        if (!code)
          bad(path + ".to", "no role \"" + quote_value(a.to.substr(5)) + "\"",
              "角色“" + quote_value(a.to.substr(5)) + "”不存在");
        a.to = "role:" + *code;
      } else if (a.to.rfind("user:", 0) == 0) {
        auto id = parse_integer_text(a.to.substr(5));
        if (!id || !cat.active_user(*id))
          bad(path + ".to", "no active user " + quote_value(a.to.substr(5)),
              "在职用户 " + quote_value(a.to.substr(5)) + " 不存在");
        a.user = *id;
      } else if (a.to != "owner" && a.to != "supervisor") {
        bad(path + ".to", "\"to\" is owner, supervisor, role:<code> or user:<id>",
            "“to”须为 owner、supervisor、role:<角色> 或 user:<编号>");
      }
      a.channels = channels(member(v, path, "channels"), path + ".channels");
      templates(v, path, a);
    } else if (a.type == "escalate") {
      only_members(v, path, {"type", "channels", "template_zh", "template_en"});
      a.to = "supervisor";
      a.channels = channels(member(v, path, "channels"), path + ".channels");
      templates(v, path, a);
    } else if (a.type == "create_plan") {
      only_members(v, path, {"type", "after_hours", "goal", "method"});
      a.after_minutes =
          int_at(member(v, path, "after_hours"), path + ".after_hours", 0, kMaxAfterMinutes / 60) *
          60;
      a.goal = text_at(member(v, path, "goal"), path + ".goal", 200);
      std::string m = text_at(member(v, path, "method"), path + ".method", 40);
      auto code = cat.method(m);
      if (!code)
        bad(path + ".method", "no follow-up method \"" + quote_value(m) + "\"",
            "跟进方式“" + quote_value(m) + "”不存在");
      a.method = *code;
    } else if (a.type == "add_tag" || a.type == "remove_tag") {
      only_members(v, path, {"type", "tag"});
      a.tag = tag(member(v, path, "tag"), path + ".tag");
    } else if (a.type == "set_field") {
      only_members(v, path, {"type", "field", "value"});
      a.field = text_at(member(v, path, "field"), path + ".field", 100);
      const FieldDef& f = field(member(v, path, "field"), path + ".field");
      if (f.flags & kReadOnly)
        bad(path + ".field", a.field + " is read-only", "字段“" + a.field + "”为只读");
      if (a.field == "owner" || a.field == "type")
        bad(path + ".field",
            a.field + " changes through its own action (assign_owner) or a lifecycle step",
            "字段“" + a.field + "”须通过专门的动作或生命周期步骤修改");
      a.value = value_for(f, a.field, member(v, path, "value"), path + ".value");
    } else if (a.type == "assign_owner") {
      only_members(v, path, {"type", "user"});
      a.user = int_at(member(v, path, "user"), path + ".user", 1, INT64_MAX / 2);
      if (!cat.active_user(a.user))
        bad(path + ".user", "no active user " + std::to_string(a.user),
            "在职用户 " + std::to_string(a.user) + " 不存在");
    } else {
      bad(path + ".type",
          "unknown action \"" + quote_value(a.type) +
              "\" (notify, escalate, create_plan, add_tag, remove_tag, set_field, assign_owner)",
          "未知动作“" + quote_value(a.type) + "”");
    }
    return a;
  }
};

bool is_decimal_type(FieldType t) { return t == FieldType::decimal; }

}  // namespace

RuleDef compile_rule(std::string_view json, const RuleCatalog& catalog) {
  JsonValue doc = parse_json(json);
  object_at(doc, "rule");
  only_members(doc, "rule", {"name", "trigger", "conditions", "actions"});
  Compiler c{catalog};
  RuleDef r;
  r.name = text_at(member(doc, "rule", "name"), "name", 100);
  r.trigger = c.trigger(member(doc, "rule", "trigger"), "trigger");
  if (const JsonValue* w = doc.get("conditions")) r.when = c.condition(*w, "conditions", 0);
  const JsonValue& actions = member(doc, "rule", "actions");
  if (!actions.is(T::array) || actions.items.empty() || actions.items.size() > kMaxActions)
    bad("actions", "1 to 10 actions are expected", "应有 1 到 10 个动作");
  for (std::size_t i = 0; i < actions.items.size(); ++i)
    r.actions.push_back(c.action(actions.items[i], "actions[" + std::to_string(i) + "]"));
  return r;
}

std::optional<int> compare_values(const Value& a, const Value& b, FieldType type, int decimals) {
  if (is_null(a) || is_null(b)) return std::nullopt;
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (is_int(a) && is_int(b)) return sign(std::get<std::int64_t>(a), std::get<std::int64_t>(b));
  if (is_real(a) || is_real(b)) {
    auto num = [](const Value& v) -> std::optional<double> {
      if (is_real(v)) return std::get<double>(v);
      if (is_int(v)) return static_cast<double>(std::get<std::int64_t>(v));
      return std::nullopt;
    };
    auto x = num(a), y = num(b);
    if (!x || !y) return std::nullopt;
    return sign(*x, *y);
  }
  if (is_text(a) && is_text(b)) {
    if (is_decimal_type(type)) {
      auto x = parse_decimal(std::get<std::string>(a), decimals);
      auto y = parse_decimal(std::get<std::string>(b), decimals);
      if (x && y) return sign(*x, *y);
    }
    return sign(std::get<std::string>(a), std::get<std::string>(b));
  }
  return std::nullopt;
}

bool conditions_hold(const Condition& c, RuleSubject& s) {
  switch (c.kind) {
    case Condition::Kind::all:
      return std::all_of(c.children.begin(), c.children.end(),
                         [&](const Condition& x) { return conditions_hold(x, s); });
    case Condition::Kind::any:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const Condition& x) { return conditions_hold(x, s); });
    case Condition::Kind::not_:
      return !conditions_hold(c.children.front(), s);
    case Condition::Kind::tag:
      return s.has_tag(c.tag);
    case Condition::Kind::owner_department:
      return s.owner_within(c.department);
    case Condition::Kind::field:
      break;
  }
  const Value* v = s.field(c.field);
  const bool missing = !v || is_null(*v);
  if (c.op == "null") return missing;
  if (c.op == "not_null") return !missing;
  if (c.op == "contains")
    return !missing && is_text(*v) &&
           std::get<std::string>(*v).find(std::get<std::string>(c.value)) != std::string::npos;
  auto cmp = missing ? std::nullopt : compare_values(*v, c.value, c.type, c.decimals);
  if (c.op == "!=") return !cmp || *cmp != 0;  // a missing value is not equal
  if (!cmp) return false;
  if (c.op == "=") return *cmp == 0;
  if (c.op == "<") return *cmp < 0;
  if (c.op == "<=") return *cmp <= 0;
  if (c.op == ">") return *cmp > 0;
  return *cmp >= 0;  // ">="
}

}  // namespace crm
