#include "service/users.hpp"

#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "store/auth_repo.hpp"
#include "store/dictionary_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {

std::int64_t create_user(Session& s, const Record& input) {
  s.authorize(Perm::user_manage);
  Database& db = s.db();
  Normalized n = normalize_fields("user", input, nullptr, db.dictionaries());
  check_record("user", n.values, n.errors);
  std::string login = n.values.text("login");
  if (!login.empty() && store::find_user_by_login(db.conn(), login))
    n.errors.push_back(field_error(find_field("user", "login"), "login", "taken", login));
  // A department is defined first (crm_department_define): a typo must not
  // quietly start a department of its own.
  std::string dept = n.values.text("department");
  if (!dept.empty() && !store::find_department(db.conn(), dept))
    n.errors.push_back(
        field_error(find_field("user", "department"), "department", "unknown_value", dept));
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  store::WriteTransaction tx(db.conn());
  std::int64_t id = store::insert_user(db.conn(), n.values, db.now());
  store::bump_auth_epoch(db.conn());
  s.audit("user.create", "user:" + std::to_string(id), login);
  tx.commit();
  db.auth_changed();
  return id;
}

Record get_user(Session& s, std::int64_t id) {
  s.authorize(Perm::user_read);
  auto u = store::find_user(s.db().conn(), id);
  if (!u)
    throw Error(Status::not_found, "no user " + std::to_string(id),
                "用户 " + std::to_string(id) + " 不存在");
  return store::user_to_record(*u);
}

void add_dictionary_entry(Session& s, const std::string& dict, const std::string& code,
                          const std::string& label_zh, const std::string& label_en) {
  s.authorize(Perm::config_manage);
  Database& db = s.db();
  if (dict == "customer_type" || dict == "role" || dict == "tier" || dict == "followup_state" ||
      dict == "maintenance_state" || dict == "lead_stage")
    throw Error(Status::invalid_arg, "dictionary " + dict + " is fixed",
                "字典 " + dict + " 不可扩展");
  if (!db.dictionaries().has_dict(dict))
    throw Error(Status::not_found, "no dictionary \"" + quote_value(dict) + "\"",
                "字典“" + quote_value(dict) + "”不存在");
  for (const std::string* p : {&code, &label_zh, &label_en}) {
    if (!is_valid_utf8(*p) || normalize_text(*p).empty() || utf8_length(*p) > 100)
      throw Error(Status::invalid_arg,
                  "code and labels must be non-empty UTF-8 text of at most 100 characters",
                  "编码和名称须为不超过 100 个字符的非空 UTF-8 文本");
  }
  // A custom enum's values are their own codes (客户预算范围: "10-50万").
  const bool custom_enum = dict.rfind("custom.", 0) == 0;
  std::string c = normalize_text(code, custom_enum ? TextMode::prose : TextMode::structured);
  for (char ch : custom_enum ? std::string() : c) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!ok)
      throw Error(Status::invalid_arg,
                  "a code uses only a-z, 0-9 and _: \"" + quote_value(c) + "\"",
                  "编码只能包含 a-z、0-9 和 _：“" + quote_value(c) + "”");
  }
  std::string zh = normalize_text(label_zh), en = normalize_text(label_en);
  for (const std::string* spelling : {&c, &zh, &en}) {
    if (db.dictionaries().resolve(dict, *spelling))
      throw Error(Status::conflict,
                  "\"" + quote_value(*spelling) + "\" is already used in dictionary " + dict,
                  "“" + quote_value(*spelling) + "”在字典 " + dict + " 中已被使用");
  }
  store::DictionaryRow row{dict, c, zh, en, "", ""};
  store::WriteTransaction tx(db.conn());
  store::insert_dictionary_row(db.conn(), row);
  s.audit("config.dict_add", "dict:" + dict, c);
  tx.commit();
  db.remember_dictionary_row(row);
}

std::vector<Record> list_dictionary(Session& s, const std::string& dict) {
  s.authorize(Perm::config_read);
  const auto* entries = s.db().dictionaries().entries(dict);
  if (!entries)
    throw Error(Status::not_found, "no dictionary \"" + quote_value(dict) + "\"",
                "字典“" + quote_value(dict) + "”不存在");
  std::vector<Record> out;
  for (const auto& e : *entries) {
    Record r;
    r.set("code", e.code);
    r.set("label_zh", e.label_zh);
    r.set("label_en", e.label_en);
    r.set("department", e.department.empty() ? Value{} : Value{e.department});
    out.push_back(std::move(r));
  }
  return out;
}

void set_channel_department(Session& s, const std::string& channel, const std::string& dept) {
  s.authorize(Perm::config_manage);
  Database& db = s.db();
  auto code = db.dictionaries().resolve("source", channel);
  if (!code)
    throw Error(Status::not_found, "no source channel \"" + quote_value(channel) + "\"",
                "信息来源渠道“" + quote_value(channel) + "”不存在");
  if (!is_valid_utf8(dept) || dept.size() > 800)
    throw Error(Status::invalid_arg, "a department is UTF-8 text of at most 100 characters",
                "部门须为不超过 100 个字符的 UTF-8 文本");
  std::string d = normalize_text(dept, TextMode::prose);
  if (utf8_length(d) > 100)
    throw Error(Status::invalid_arg, "a department is UTF-8 text of at most 100 characters",
                "部门须为不超过 100 个字符的 UTF-8 文本");
  store::WriteTransaction tx(db.conn());
  store::set_dictionary_department(db.conn(), "source", *code, d);
  s.audit("config.channel_department", "source:" + *code, d);
  tx.commit();
  db.remember_department("source", *code, d);
}

std::string user_name(Session& s, std::int64_t id) {
  auto u = store::find_user(s.db().conn(), id);
  return u ? u->name : "#" + std::to_string(id);
}

}  // namespace crm
