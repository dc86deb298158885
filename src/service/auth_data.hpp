// What a handle knows of the organisation for permission decisions: users,
// the department tree, the permission matrix.  Loaded from the database and
// reloaded when its "auth.epoch" moves (see Database::auth()).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/permissions.hpp"
#include "store/auth_repo.hpp"

namespace crm {

struct AuthData {
  std::int64_t epoch = -1;       // the stored auth.epoch this was loaded at
  std::uint64_t generation = 0;  // one more at every load
  std::unordered_map<std::int64_t, store::Member> members;
  std::vector<store::DepartmentRow> departments;
  std::unordered_map<std::string, std::size_t> department_index;  // name → departments[i]
  std::unordered_map<std::string, RoleScopes> roles;

  void load(store::Connection& c);

  const store::Member* member(std::int64_t id) const;
  const store::DepartmentRow* department(const std::string& name) const;
  const store::DepartmentRow* department(std::int64_t id) const;
  // The matrix row of a role; an unknown role has none.
  const RoleScopes& scopes(const std::string& role) const;
  // The names of `root` and every department below it.
  std::vector<std::string> subtree(std::int64_t root) const;
  // Every user (active or not) of the named departments.
  std::vector<std::int64_t> members_of(const std::vector<std::string>& departments) const;
  // Whether `dept` is `ancestor` or below it.
  bool within(std::int64_t dept, std::int64_t ancestor) const;
};

}  // namespace crm
