// Users: the actors of every session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

struct UserRow {
  std::int64_t id = 0;
  std::string login, name, department, role;
  bool active = true;
  bool absent = false;  // away (休假): lead assignment passes them by
};

std::optional<UserRow> find_user(Connection& c, std::int64_t id);
std::optional<UserRow> find_user_by_login(Connection& c, const std::string& login);

// `values` holds normalised login, name, department (may be NULL) and role.
std::int64_t insert_user(Connection& c, const Record& values, std::int64_t now_ms);

// Writes name, department ("" = none), role and active.
void update_user(Connection& c, const UserRow& u);

// Every user in id order.
std::vector<UserRow> list_users(Connection& c);

Record user_to_record(const UserRow& u);

}  // namespace crm::store
