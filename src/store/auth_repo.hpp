// What permission decisions are made from: departments (a tree, each with a
// supervisor), the permission matrix, users' roles and departments, and the
// grants of approved access requests.  A change to any of them bumps the
// "auth.epoch" in meta, which tells every handle to reload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

struct DepartmentRow {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> parent, supervisor;
  std::int64_t created_at = 0;
};

std::vector<DepartmentRow> load_departments(Connection& c);
std::optional<DepartmentRow> find_department(Connection& c, const std::string& name);
std::int64_t insert_department(Connection& c, const DepartmentRow& d);
void update_department(Connection& c, const DepartmentRow& d);

struct PermissionRow {
  std::string role, object, action, scope;
};

std::vector<PermissionRow> load_permissions(Connection& c);
// Scope "none" deletes the row.
void set_permission(Connection& c, const PermissionRow& p);

// A user as permission decisions see one.
struct Member {
  std::int64_t id = 0;
  std::string name, department, role;
  bool active = true;
};
std::vector<Member> load_members(Connection& c);

std::int64_t auth_epoch(Connection& c);
void bump_auth_epoch(Connection& c);

// A grant: an approved access request whose time has not run out.
struct GrantRow {
  std::int64_t request = 0, customer = 0;
  std::string level, groups;
  std::int64_t expires_at = 0;
};
// Every approved, unrevoked grant of `user` that expires after `now`.
std::vector<GrantRow> live_grants(Connection& c, std::int64_t user, std::int64_t now);

}  // namespace crm::store
