// Customer information completeness (客户信息完整度, R10.1) as stored data:
// the counted fields with their weights, and the sums the metric is made of.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct CompletenessField {
  std::string field;           // a customer column or "custom.<name>"
  std::int64_t weight = 0;     // > 0
  std::int64_t custom_id = 0;  // the custom field's id, 0 for a column
  std::int64_t position = 0;
};

// The counted fields in position order (custom_id left 0: the caller
// resolves custom names).
std::vector<CompletenessField> list_completeness_fields(Connection& c);

// Sets a field's weight (a new field goes last); weight 0 removes it.
void set_completeness_field(Connection& c, const std::string& field, std::int64_t weight,
                            std::int64_t now_ms, std::int64_t actor);

// Whether `column` is a customers column the metric can count.
bool completeness_column(const std::string& column);

// The weight of the filled counted fields of customer `key`; and which
// counted fields are empty (NULL or '') in `missing`.
std::int64_t completeness_of(Connection& c, const std::vector<CompletenessField>& fields,
                             std::int64_t key, std::vector<std::string>& missing);

struct CompletenessGroup {
  std::string group;  // owner id, department name ("" = none) or "all"
  std::string label;  // the owner's name, the department, or "all"
  std::int64_t customers = 0;
  std::int64_t filled = 0;    // Σ over customers of their filled weight
  std::int64_t complete = 0;  // customers with every counted field
  std::int64_t meeting_goal = 0;
};

struct CompletenessFilter {
  std::string group_by;  // "all", "owner" or "department"
  bool include_archived = false;
  bool restricted = false;  // as in CustomerFilter
  std::vector<std::int64_t> visible_owners, visible_keys;
  std::int64_t goal_percent = 95;
};

std::vector<CompletenessGroup> completeness_groups(Connection& c,
                                                   const std::vector<CompletenessField>& fields,
                                                   const CompletenessFilter& f);

}  // namespace crm::store
