#include "service/auth_data.hpp"

#include <algorithm>

#include "store/dictionary_repo.hpp"

namespace crm {

void AuthData::load(store::Connection& c) {
  epoch = store::auth_epoch(c);
  ++generation;
  members.clear();
  for (auto& m : store::load_members(c)) members.emplace(m.id, std::move(m));
  departments = store::load_departments(c);
  department_index.clear();
  for (std::size_t i = 0; i < departments.size(); ++i)
    department_index.emplace(departments[i].name, i);
  roles.clear();
  for (const std::string& r : builtin_roles()) {
    RoleScopes none{};
    none.fill(Scope::none);
    roles[r] = r == "admin" ? default_role_scopes("admin") : none;
  }
  for (const auto& row : store::load_permissions(c)) {
    auto perm = find_perm(row.object, row.action);
    auto scope = parse_scope(row.scope);
    if (!perm || !scope || row.role == "admin") continue;
    auto it = roles.find(row.role);
    if (it == roles.end()) {
      RoleScopes none{};
      none.fill(Scope::none);
      it = roles.emplace(row.role, none).first;
    }
    it->second[static_cast<int>(*perm)] = *scope;
  }
}

const store::Member* AuthData::member(std::int64_t id) const {
  auto it = members.find(id);
  return it == members.end() ? nullptr : &it->second;
}

const store::DepartmentRow* AuthData::department(const std::string& name) const {
  auto it = department_index.find(name);
  return it == department_index.end() ? nullptr : &departments[it->second];
}

const store::DepartmentRow* AuthData::department(std::int64_t id) const {
  for (const auto& d : departments)
    if (d.id == id) return &d;
  return nullptr;
}

const RoleScopes& AuthData::scopes(const std::string& role) const {
  static const RoleScopes kNone = [] {
    RoleScopes r{};
    r.fill(Scope::none);
    return r;
  }();
  auto it = roles.find(role);
  return it == roles.end() ? kNone : it->second;
}

std::vector<std::string> AuthData::subtree(std::int64_t root) const {
  std::vector<std::string> out;
  for (const auto& d : departments)
    if (within(d.id, root)) out.push_back(d.name);
  return out;
}

std::vector<std::int64_t> AuthData::members_of(const std::vector<std::string>& names) const {
  std::vector<std::int64_t> out;
  for (const auto& [id, m] : members)
    if (!m.department.empty() && std::find(names.begin(), names.end(), m.department) != names.end())
      out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

bool AuthData::within(std::int64_t dept, std::int64_t ancestor) const {
  // The tree is kept acyclic when it changes; the bound guards a file
  // edited by hand.
  for (std::size_t hops = 0; hops <= departments.size(); ++hops) {
    if (dept == ancestor) return true;
    const store::DepartmentRow* d = department(dept);
    if (!d || !d->parent) return false;
    dept = *d->parent;
  }
  return false;
}

}  // namespace crm
