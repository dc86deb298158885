// Custom field definitions, their values and settings as stored rows.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "domain/custom_fields.hpp"
#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

// Every customer field definition, in definition order.
std::vector<CustomField> load_custom_fields(Connection& c);

// Inserts a definition; returns its id.
std::int64_t insert_custom_field(Connection& c, const CustomField& f, std::int64_t actor);

void retire_custom_field(Connection& c, std::int64_t id, std::int64_t now_ms, std::int64_t actor);

// The stored custom values of a customer as (field id, stored value).
std::vector<std::pair<std::int64_t, Value>> load_custom_values(Connection& c, std::int64_t key);

// Sets one stored value; NULL removes it.
void set_custom_value(Connection& c, std::int64_t key, std::int64_t field_id, const Value& v);

// Settings live in the meta table as "setting.<name>"; "" when unset.
std::string get_setting(Connection& c, const std::string& name);
void set_setting(Connection& c, const std::string& name, const std::string& value);

}  // namespace crm::store
