// Custom fields (自定义字段, R1.8): fields a host defines at run time, e.g.
// 客户预算范围 (custom.budget_range) or 决策人信息.  Definitions are data; values
// live in their own table, so a new field needs no schema change.  This header
// is pure: definitions, their validation and the value conversions.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/value.hpp"

namespace crm {

// Custom field names are used as "custom.<name>" wherever a field name goes.
constexpr std::string_view kCustomPrefix = "custom.";

inline bool is_custom_name(std::string_view field) {
  return field.size() > kCustomPrefix.size() &&
         field.substr(0, kCustomPrefix.size()) == kCustomPrefix;
}

// a-z first, then a-z, 0-9 and _; 1 to 40 characters.
bool valid_custom_name(std::string_view bare);

// The types a custom field can have, by their API names:
// text, integer, decimal, date, enum, boolean.  nullopt for anything else.
std::optional<FieldType> custom_type_from_name(std::string_view name);

struct CustomField {
  std::int64_t id = 0;
  std::string name;       // bare name: budget_range
  std::string qualified;  // custom.budget_range
  std::string label_zh, label_en;
  std::string dict;  // custom.<name> for an enum, else ""
  FieldType type = FieldType::text;
  bool required = false;
  bool retired = false;
  bool personal = false;  // personal information (PIPL): masked in reads, erased on request
  int max_chars = 0;      // text only
  int decimals = 0;       // decimal only: digits after the point
  std::int64_t created_at = 0;
  bool live = true;  // false for a definition a host rollback undid
  FieldDef def{};    // registry view of this field; points into the strings above

  // Points `def` at this object's strings (call after the object settled).
  void bind_def();
};

// The definitions of one database, in definition order.  Entries are never
// removed and live in a deque, so pointers stay valid while definitions are
// added or retired.
class CustomFieldSet {
 public:
  // Adds a definition, or updates the one with the same id in place.
  const CustomField& put(const CustomField& f);
  // Replaces the whole set by what storage holds: entries it lacks stay in
  // memory (pointers remain valid) but are no longer live.
  void reload(const std::vector<CustomField>& stored);
  // By qualified name ("custom.budget_range"); nullptr if undefined.
  const CustomField* find(std::string_view qualified) const;
  const std::deque<CustomField>& all() const { return fields_; }
  bool any_required() const;

 private:
  std::deque<CustomField> fields_;
  std::unordered_map<std::string, std::size_t> by_name_;
};

// Normalises one value for a custom field as a write (or a filter) takes it:
//   text    → prose-normalised text, at most max_chars characters
//   integer → an integer (from an integer or its decimal digits as text)
//   decimal → canonical text with exactly `decimals` digits ("12.50"), from an
//             integer, a real or text; more digits than that is an error
//   date    → YYYY-MM-DD
//   enum    → the stored value of the field's dictionary
//   boolean → 0 or 1 (from 0/1 or text: true/false, yes/no, 是/否, 1/0)
// NULL or blank text gives NULL.  On failure returns nullopt and sets `error`.
class DictionaryLookup;
std::optional<Value> normalize_custom_value(const CustomField& f, const Value& input,
                                            const DictionaryLookup& dicts, FieldError& error);

// One decimal value for field `def` as a write takes it, with `decimals`
// digits after the point (the decimal rule of normalize_custom_value, also
// used for built-in money fields).  NULL or blank text gives NULL.
std::optional<Value> normalize_decimal(const FieldDef& def, int decimals, const Value& input,
                                       FieldError& error);

// Decimal text ("-12.5", "3", "0.125") → integer scaled by 10^decimals;
// nullopt when malformed, too precise or beyond ±10^15.
std::optional<std::int64_t> parse_decimal(std::string_view text, int decimals);
std::string format_decimal(std::int64_t scaled, int decimals);

// Decimal digits with an optional sign → integer; nullopt otherwise.
std::optional<std::int64_t> parse_integer_text(std::string_view text);

}  // namespace crm
