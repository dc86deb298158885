// The field registry: one description of every field of every entity, used by
// validation, the C ABI (fields by name), JSON output, import headers (English
// or Chinese labels) and the documentation.
#pragma once

#include <string_view>
#include <vector>

namespace crm {

enum class FieldType {
  text,
  integer,
  enumeration,
  phone,
  email,
  date,
  user,
  instant,
  decimal,  // exact: custom fields have their own number of digits after the
            // point; built-in ones are money, yuan to the fen (kMoneyDecimals)
  boolean,  // custom fields: 0 or 1
};

const char* field_type_name(FieldType t);

// Digits after the point of a built-in decimal field: an amount in yuan,
// exact to the fen (分), stored as an integer number of fen.
constexpr int kMoneyDecimals = 2;

enum FieldFlags : unsigned {
  kRequired = 1,  // must have a value once defaults are applied
  kReadOnly = 2,  // set by the library; a write may only repeat the stored value
  kPersonal = 4,  // personal information under PIPL (masked in later releases)
};

struct FieldDef {
  const char* name;
  FieldType type;
  unsigned flags;
  const char* label_zh;
  const char* label_en;
  const char* dict;  // dictionary of an enumeration, else nullptr
  int max_chars;     // text length limit in characters, 0 = none
  const char* doc;   // one line for the generated docs
};

// "customer", "contact", "followup_plan", "followup_record",
// "maintenance_plan" or "user"; nullptr for an unknown entity.
const std::vector<FieldDef>* fields_of(std::string_view entity);

const FieldDef* find_field(std::string_view entity, std::string_view name);

// Field name, English label (case-insensitive) or Chinese label → field.
const FieldDef* resolve_field(std::string_view entity, std::string_view header);

}  // namespace crm
