// The organisation behind permissions (R3.1, R3.3, R3.4): departments as a
// tree with a supervisor each (部门主管), users' roles and departments, the
// roles and the permission matrix.  Managing them needs user.manage
// (administrators by default); reading them user.read.  Every change is
// audited and kept in the configuration history, and takes effect for
// every open session and handle at their next call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// A department under `parent` ("" = at the top), supervised by `supervisor`
// (0 = none yet; an active user).  Names are unique, 1..100 characters.
std::int64_t define_department(Session& s, const std::string& name, const std::string& parent,
                               std::int64_t supervisor);

// Moves a department (parent: nullopt = unchanged, "" = to the top) and
// sets its supervisor (nullopt = unchanged, 0 = none).  A department cannot
// move below itself.
void update_department(Session& s, const std::string& name,
                       const std::optional<std::string>& parent,
                       const std::optional<std::int64_t>& supervisor);

// Every department, parents before children: {id, name, parent, supervisor,
// supervisor_name, members}.
std::vector<Record> list_departments(Session& s);

// Changes a user: "name", "department" (an existing department, or NULL),
// "role" (a defined role) and "active" (0 deactivates: the user's sessions
// fail from their next call and no new session opens).  The last active
// administrator cannot be deactivated or lose the role.
void update_user(Session& s, std::int64_t id, const Record& changes);

// Users in id order, optionally of one department (and those below it):
// {id, login, name, department, role, active}.
std::vector<Record> list_users(Session& s, const std::string& department, bool include_inactive);

// A new role (e.g. "finance"), with no permission until the matrix grants
// some.
void define_role(Session& s, const std::string& code, const std::string& label_zh,
                 const std::string& label_en);

// Sets one cell of the matrix: role × (object, action) → none, own,
// department or all.  Administrators' row is fixed (everything).
void set_permission(Session& s, const std::string& role, const std::string& object,
                    const std::string& action, const std::string& scope);

// The matrix, every role (or one) × every pair: {role, object, action,
// scope, scoped, label_zh, label_en}.
std::vector<Record> list_permissions(Session& s, const std::string& role);

}  // namespace crm
