// Tags and the tags customers carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct TagRow {
  std::int64_t id = 0;
  std::string category;  // a code of the tag_category dictionary
  std::string label;
};

std::int64_t insert_tag(Connection& c, const std::string& category, const std::string& label,
                        std::int64_t now_ms);
std::optional<TagRow> find_tag(Connection& c, std::int64_t id);
std::optional<TagRow> find_tag(Connection& c, const std::string& category,
                               const std::string& label);
// Every tag with this label, in any category.
std::vector<TagRow> find_tags_by_label(Connection& c, const std::string& label);
// All tags, or those of one category ("" = all), by category then id.
std::vector<TagRow> list_tags(Connection& c, const std::string& category);
std::vector<TagRow> customer_tags(Connection& c, std::int64_t customer);

// True if the customer did not carry the tag before.
bool attach_tag(Connection& c, std::int64_t customer, std::int64_t tag);
// True if the customer carried the tag.
bool detach_tag(Connection& c, std::int64_t customer, std::int64_t tag);

// A change that is not a column of the customer row (a tag) still makes a
// new version of the customer.
void touch_customer(Connection& c, std::int64_t customer, std::int64_t now_ms, std::int64_t actor);

}  // namespace crm::store
