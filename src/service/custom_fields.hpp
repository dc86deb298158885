// Custom fields (自定义字段, R1.8) and settings: definitions managed by
// administrators at run time; values read and written through the customer
// calls as "custom.<name>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/custom_fields.hpp"
#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

struct CustomFieldSpec {
  std::string name;  // budget_range (or custom.budget_range)
  std::string type;  // text, integer, decimal, date, enum, boolean
  std::string label_zh, label_en;
  bool required = false;
  std::vector<std::string> values;  // enum: the allowed values, in order
  int max_chars = 0;                // text: 1..2000; 0 = 200
  int decimals = -1;                // decimal: 0..6; -1 = 2
  bool personal = false;            // personal information: masked, erased on request
};

// Defines a field (administrators only); returns its qualified name.
std::string define_custom_field(Session& s, const CustomFieldSpec& spec);

// Retires a field: its values stay readable and filterable, writes of a new
// value are refused, and its name is never reused.
void retire_custom_field(Session& s, const std::string& name);

// Definitions as records, in definition order.
std::vector<Record> list_custom_fields(Session& s, bool include_retired);

// The functions below take the definitions (Database::custom_fields(),
// looked up once per call by the caller: each lookup checks for changes by
// other connections).

// Appends a customer's custom values to `r` in output form: every live,
// active field (NULL when unset), and retired fields that hold a value.
void append_custom_values(Session& s, const CustomFieldSet& set, Record& r, std::int64_t key);

// Adds a "required" error for every active required field without a value
// in `values` (a create's record).
void check_custom_required(const CustomFieldSet& set, const Record& values,
                           std::vector<FieldError>& errors);

// Writes the "custom.*" entries of `changes` (normalised values) for `key`.
void write_custom_values(Session& s, const CustomFieldSet& set, std::int64_t key,
                         const Record& changes);

// The stored form of a normalised value (decimals as scaled integers) and
// back.
Value stored_custom_value(const CustomField& f, const Value& normalized);
Value output_custom_value(const CustomField& f, const Value& stored);

// Settings (administrators change them; everyone may read them).  Known:
//   tags.create_on_attach  "1": attaching an unknown tag by label creates it.
std::string get_setting(Session& s, const std::string& name);
void set_setting(Session& s, const std::string& name, const std::string& value);

}  // namespace crm
