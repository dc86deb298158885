#include "service/organization.hpp"

#include <algorithm>

#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "store/auth_repo.hpp"
#include "store/dictionary_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

std::string checked_name(const std::string& name) {
  std::string n = is_valid_utf8(name) && name.size() <= 800 ? normalize_text(name, TextMode::prose)
                                                            : std::string();
  if (n.empty() || utf8_length(n) > 100)
    throw Error(Status::invalid_arg, "a department name is UTF-8 text of 1 to 100 characters",
                "部门名称须为 1 到 100 个字符的 UTF-8 文本");
  return n;
}

Error no_department(const std::string& name) {
  return Error(Status::not_found, "no department \"" + quote_value(name) + "\"",
               "部门“" + quote_value(name) + "”不存在");
}

void check_supervisor(Session& s, std::int64_t id) {
  auto u = store::find_user(s.db().conn(), id);
  if (!u || !u->active)
    throw Error(Status::not_found, "no active user " + std::to_string(id) + " to supervise",
                "不存在可担任主管的有效用户 " + std::to_string(id));
}

// Commits a change of the organisation: the epoch tells other handles, the
// audit and configuration history keep it.
void changed(Session& s, store::WriteTransaction& tx, const std::string& action,
             const std::string& object, const std::string& subject,
             const std::optional<std::string>& before, const std::string& after) {
  auto& conn = s.db().conn();
  store::bump_auth_epoch(conn);
  store::insert_config_history(conn, s.db().now(), s.user_id(), subject, before, after);
  s.audit(action, object, after);
  tx.commit();
  s.db().auth_changed();
}

std::string describe(const store::DepartmentRow& d, const AuthData& a) {
  const store::DepartmentRow* parent = d.parent ? a.department(*d.parent) : nullptr;
  return "parent=" + (parent ? parent->name : std::string()) +
         ",supervisor=" + (d.supervisor ? std::to_string(*d.supervisor) : std::string());
}

std::int64_t active_admins(Session& s) {
  std::int64_t n = 0;
  for (const auto& [id, m] : s.db().auth().members)
    if (m.active && m.role == "admin") ++n;
  return n;
}

}  // namespace

std::int64_t define_department(Session& s, const std::string& name, const std::string& parent,
                               std::int64_t supervisor) {
  s.authorize(Perm::user_manage);
  store::DepartmentRow d;
  d.name = checked_name(name);
  auto& conn = s.db().conn();
  if (store::find_department(conn, d.name))
    throw Error(Status::conflict, "department \"" + d.name + "\" exists already",
                "部门“" + d.name + "”已存在");
  if (!parent.empty()) {
    auto p = store::find_department(conn, checked_name(parent));
    if (!p) throw no_department(parent);
    d.parent = p->id;
  }
  if (supervisor != 0) {
    check_supervisor(s, supervisor);
    d.supervisor = supervisor;
  }
  d.created_at = s.db().now();
  store::WriteTransaction tx(conn);
  d.id = store::insert_department(conn, d);
  changed(s, tx, "department.define", "department:" + d.name, "department." + d.name, std::nullopt,
          describe(d, s.db().auth()));
  return d.id;
}

void update_department(Session& s, const std::string& name,
                       const std::optional<std::string>& parent,
                       const std::optional<std::int64_t>& supervisor) {
  s.authorize(Perm::user_manage);
  auto& conn = s.db().conn();
  auto d = store::find_department(conn, checked_name(name));
  if (!d) throw no_department(name);
  const AuthData& a = s.db().auth();
  const std::string before = describe(*d, a);
  if (parent) {
    if (parent->empty()) {
      d->parent.reset();
    } else {
      auto p = store::find_department(conn, checked_name(*parent));
      if (!p) throw no_department(*parent);
      if (a.within(p->id, d->id))
        throw Error(Status::invalid_arg,
                    "department \"" + d->name + "\" cannot move below itself (\"" + p->name + "\")",
                    "部门“" + d->name + "”不能移到自身之下（“" + p->name + "”）");
      d->parent = p->id;
    }
  }
  if (supervisor) {
    if (*supervisor == 0) {
      d->supervisor.reset();
    } else {
      check_supervisor(s, *supervisor);
      d->supervisor = *supervisor;
    }
  }
  const std::string after = describe(*d, a);
  if (after == before) return;
  store::WriteTransaction tx(conn);
  store::update_department(conn, *d);
  changed(s, tx, "department.update", "department:" + d->name, "department." + d->name, before,
          after);
}

std::vector<Record> list_departments(Session& s) {
  s.authorize(Perm::user_read);
  const AuthData& a = s.db().auth();
  // Parents before children: depth first from the top-level departments.
  std::vector<const store::DepartmentRow*> order;
  std::vector<const store::DepartmentRow*> stack;
  for (auto it = a.departments.rbegin(); it != a.departments.rend(); ++it)
    if (!it->parent || !a.department(*it->parent)) stack.push_back(&*it);
  while (!stack.empty()) {
    const store::DepartmentRow* d = stack.back();
    stack.pop_back();
    order.push_back(d);
    for (auto it = a.departments.rbegin(); it != a.departments.rend(); ++it)
      if (it->parent && *it->parent == d->id) stack.push_back(&*it);
  }
  std::vector<Record> out;
  for (const store::DepartmentRow* d : order) {
    Record r;
    r.append("id", d->id);
    r.append("name", d->name);
    const store::DepartmentRow* p = d->parent ? a.department(*d->parent) : nullptr;
    r.append("parent", p ? Value{p->name} : Value{});
    r.append("supervisor", d->supervisor ? Value{*d->supervisor} : Value{});
    const store::Member* m = d->supervisor ? a.member(*d->supervisor) : nullptr;
    r.append("supervisor_name", m ? Value{m->name} : Value{});
    std::int64_t members = 0;
    for (const auto& [id, u] : a.members)
      if (u.active && u.department == d->name) ++members;
    r.append("members", members);
    out.push_back(std::move(r));
  }
  return out;
}

void update_user(Session& s, std::int64_t id, const Record& changes) {
  s.authorize(Perm::user_manage);
  auto& conn = s.db().conn();
  auto u = store::find_user(conn, id);
  if (!u)
    throw Error(Status::not_found, "no user " + std::to_string(id),
                "用户 " + std::to_string(id) + " 不存在");
  store::UserRow next = *u;
  std::vector<FieldError> errors;
  Record fields = changes;
  if (const Value* a = changes.find("active")) {
    if (!is_int(*a) || (std::get<std::int64_t>(*a) != 0 && std::get<std::int64_t>(*a) != 1))
      errors.push_back(
          field_error(find_field("user", "active"), "active", "unknown_value",
                      is_int(*a) ? std::to_string(std::get<std::int64_t>(*a)) : std::string("?")));
    else
      next.active = std::get<std::int64_t>(*a) == 1;
    fields.unset("active");
  }
  if (const Value* a = changes.find("absent")) {
    if (!is_int(*a) || (std::get<std::int64_t>(*a) != 0 && std::get<std::int64_t>(*a) != 1))
      errors.push_back(
          field_error(find_field("user", "absent"), "absent", "unknown_value",
                      is_int(*a) ? std::to_string(std::get<std::int64_t>(*a)) : std::string("?")));
    else
      next.absent = std::get<std::int64_t>(*a) == 1;
    fields.unset("absent");
  }
  Record current = store::user_to_record(*u);
  current.unset("active");
  current.unset("absent");
  Normalized n = normalize_fields("user", fields, &current, s.db().dictionaries());
  errors.insert(errors.end(), n.errors.begin(), n.errors.end());
  if (const Value* v = n.values.find("name"); v && is_text(*v))
    next.name = std::get<std::string>(*v);
  if (const Value* v = n.values.find("role"); v && is_text(*v))
    next.role = std::get<std::string>(*v);
  if (const Value* v = n.values.find("department")) {
    next.department = is_text(*v) ? std::get<std::string>(*v) : std::string();
    if (!next.department.empty() && !store::find_department(conn, next.department))
      errors.push_back(field_error(find_field("user", "department"), "department", "unknown_value",
                                   next.department));
  }
  if (!errors.empty()) throw_validation(std::move(errors));
  if (u->role == "admin" && u->active && (next.role != "admin" || !next.active) &&
      active_admins(s) <= 1)
    throw Error(Status::conflict,
                "user " + std::to_string(id) + " is the last active administrator",
                "用户 " + std::to_string(id) + " 是最后一名在职的系统管理员");
  if (next.name == u->name && next.role == u->role && next.department == u->department &&
      next.active == u->active && next.absent == u->absent)
    return;
  auto text = [](const store::UserRow& r) {
    return "role=" + r.role + ",department=" + r.department + ",active=" + (r.active ? "1" : "0") +
           ",absent=" + (r.absent ? "1" : "0");
  };
  store::WriteTransaction tx(conn);
  store::update_user(conn, next);
  changed(s, tx, next.active ? "user.update" : "user.deactivate", "user:" + std::to_string(id),
          "user." + std::to_string(id), text(*u), text(next));
}

std::vector<Record> list_users(Session& s, const std::string& department, bool include_inactive) {
  s.authorize(Perm::user_read);
  const AuthData& a = s.db().auth();
  std::vector<std::string> names;
  if (!department.empty()) {
    const store::DepartmentRow* d = a.department(normalize_text(department, TextMode::prose));
    if (!d) throw no_department(department);
    names = a.subtree(d->id);
  }
  std::vector<Record> out;
  for (auto& u : store::list_users(s.db().conn())) {
    if (!include_inactive && !u.active) continue;
    if (!names.empty() && std::find(names.begin(), names.end(), u.department) == names.end())
      continue;
    out.push_back(store::user_to_record(u));
  }
  return out;
}

void define_role(Session& s, const std::string& code, const std::string& label_zh,
                 const std::string& label_en) {
  s.authorize(Perm::user_manage);
  std::string c = normalize_text(code);
  bool ok = !c.empty() && c.size() <= 32 && c[0] >= 'a' && c[0] <= 'z';
  for (char ch : c) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_');
  if (!ok)
    throw Error(Status::invalid_arg,
                "a role code is [a-z][a-z0-9_]{0,31}, not \"" + quote_value(code) + "\"",
                "角色编码须为小写字母开头的 a-z、0-9、_（最多 32 个字符），而非“" +
                    quote_value(code) + "”");
  std::string zh = is_valid_utf8(label_zh) ? normalize_text(label_zh, TextMode::prose) : "";
  std::string en = is_valid_utf8(label_en) ? normalize_text(label_en, TextMode::prose) : "";
  if (zh.empty() || en.empty() || utf8_length(zh) > 50 || utf8_length(en) > 50)
    throw Error(Status::invalid_arg, "a role's labels are 1 to 50 characters",
                "角色名称须为 1 到 50 个字符");
  for (const std::string* spelling : {&c, &zh, &en})
    if (s.db().dictionaries().resolve("role", *spelling))
      throw Error(Status::conflict, "role \"" + quote_value(*spelling) + "\" exists already",
                  "角色“" + quote_value(*spelling) + "”已存在");
  store::DictionaryRow row{"role", c, zh, en, "", ""};
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::insert_dictionary_row(conn, row);
  changed(s, tx, "role.define", "role:" + c, "role." + c, std::nullopt, zh + "|" + en);
  s.db().remember_dictionary_row(row);
}

void set_permission(Session& s, const std::string& role, const std::string& object,
                    const std::string& action, const std::string& scope) {
  s.authorize(Perm::user_manage);
  auto code = s.db().dictionaries().resolve_exact("role", role);
  if (!code) code = s.db().dictionaries().resolve("role", role);
  if (!code)
    throw Error(Status::not_found, "no role \"" + quote_value(role) + "\"",
                "角色“" + quote_value(role) + "”不存在");
  if (*code == "admin")
    throw Error(Status::invalid_arg, "administrators may do everything; their row is fixed",
                "系统管理员拥有全部权限，其权限不可修改");
  auto perm = find_perm(object, action);
  if (!perm)
    throw Error(Status::invalid_arg,
                "no permission \"" + quote_value(object) + "." + quote_value(action) + "\"",
                "不存在权限“" + quote_value(object) + "." + quote_value(action) + "”");
  auto sc = parse_scope(scope);
  if (!sc)
    throw Error(Status::invalid_arg,
                "scope is none, own, department or all, not \"" + quote_value(scope) + "\"",
                "范围须为 none、own、department 或 all，而非“" + quote_value(scope) + "”");
  const PermissionPair& pair = pair_of(*perm);
  if (!pair.scoped && (*sc == Scope::own || *sc == Scope::department))
    throw Error(
        Status::invalid_arg,
        std::string(pair.object) + "." + pair.action +
            " is not about one customer: its scope is none or all",
        std::string(pair.object) + "." + pair.action + " 不针对具体客户，范围只能为 none 或 all");
  Scope before = s.db().auth().scopes(*code)[static_cast<int>(*perm)];
  if (before == *sc) return;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::set_permission(conn, {*code, pair.object, pair.action, scope_name(*sc)});
  const std::string cell = *code + "." + pair.object + "." + pair.action;
  changed(s, tx, "permission.set", "permission:" + cell, "permission." + cell,
          std::string(scope_name(before)), scope_name(*sc));
}

std::vector<Record> list_permissions(Session& s, const std::string& role) {
  s.authorize(Perm::user_read);
  const AuthData& a = s.db().auth();
  std::vector<std::string> roles;
  if (!role.empty()) {
    auto code = s.db().dictionaries().resolve("role", role);
    if (!code)
      throw Error(Status::not_found, "no role \"" + quote_value(role) + "\"",
                  "角色“" + quote_value(role) + "”不存在");
    roles.push_back(*code);
  } else if (const auto* entries = s.db().dictionaries().entries("role")) {
    for (const auto& e : *entries) roles.push_back(e.code);
  }
  std::vector<Record> out;
  for (const auto& r : roles) {
    const RoleScopes& scopes = a.scopes(r);
    for (const PermissionPair& p : permission_pairs()) {
      Record rec;
      rec.append("role", r);
      rec.append("object", std::string(p.object));
      rec.append("action", std::string(p.action));
      rec.append("scope", std::string(scope_name(scopes[static_cast<int>(p.perm)])));
      rec.append("scoped", std::int64_t{p.scoped ? 1 : 0});
      rec.append("label_zh", std::string(p.zh));
      rec.append("label_en", std::string(p.en));
      out.push_back(std::move(rec));
    }
  }
  return out;
}

}  // namespace crm
