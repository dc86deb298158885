#include "domain/maintenance.hpp"

#include <algorithm>

#include "domain/custom_fields.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "maintenance_plan";

bool has_error(const std::vector<FieldError>& errors, std::string_view field) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.field == field; });
}

const std::string* text_of(const Record& r, std::string_view name) {
  const Value* v = r.find(name);
  return v && is_text(*v) ? &std::get<std::string>(*v) : nullptr;
}

}  // namespace

std::string_view maintenance_state_for(MaintenanceStep step) {
  switch (step) {
    case MaintenanceStep::decide:
      return "submitted";
    case MaintenanceStep::carry_out:
      return "approved";
    case MaintenanceStep::evaluate:
      return "carried_out";
  }
  return "submitted";
}

std::optional<std::string> maintenance_next_state(std::string_view state, MaintenanceStep step,
                                                  bool approve) {
  if (state != maintenance_state_for(step)) return std::nullopt;
  switch (step) {
    case MaintenanceStep::decide:
      return std::string(approve ? "approved" : "rejected");
    case MaintenanceStep::carry_out:
      return std::string("carried_out");
    case MaintenanceStep::evaluate:
      return std::string("evaluated");
  }
  return std::nullopt;
}

void check_maintenance_plan(const Record& fields, std::vector<FieldError>& errors) {
  if (const std::string* cost = text_of(fields, "cost"); cost && !has_error(errors, "cost")) {
    auto fen = parse_decimal(*cost, kMoneyDecimals);
    if (fen && *fen < 0)
      errors.push_back(field_error(find_field(kEntity, "cost"), "cost", "negative"));
  }
  const std::string* start = text_of(fields, "period_start");
  const std::string* end = text_of(fields, "period_end");
  // Both are YYYY-MM-DD once normalised: text order is date order.
  if (start && end && *end < *start && !has_error(errors, "period_end") &&
      !has_error(errors, "period_start")) {
    const FieldDef* s = find_field(kEntity, "period_start");
    errors.push_back(field_error(find_field(kEntity, "period_end"), "period_end", "before_start",
                                 s->label_en, s->label_zh));
  }
}

void check_satisfaction(std::int64_t score, std::vector<FieldError>& errors) {
  if (score < 1 || score > 5)
    errors.push_back(field_error(find_field(kEntity, "satisfaction"), "satisfaction",
                                 "out_of_range", "1 and 5", "1 到 5"));
}

}  // namespace crm
