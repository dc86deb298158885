// Normalisation and validation of records against the field registry (R1.2).
// Pure: dictionaries come in through an interface, nothing touches storage.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/value.hpp"

namespace crm {

// Resolves what a user typed for an enumeration (its code, Chinese label,
// English label or an alias) to the stored code.
class DictionaryLookup {
 public:
  virtual ~DictionaryLookup() = default;
  virtual std::optional<std::string> resolve(std::string_view dict,
                                             std::string_view input) const = 0;
  // The same for input exactly as a dictionary spells it, from what is in
  // memory only (no storage access on a miss): the fast path for the common
  // case of a label picked from a list.
  virtual std::optional<std::string> resolve_exact(std::string_view dict,
                                                   std::string_view input) const {
    return resolve(dict, input);
  }
};

struct Normalized {
  Record values;                   // normalised values of the fields given
  std::vector<FieldError> errors;  // every failing field, in input order
};

// Checks and normalises every field of `input` for `entity`:
// unknown names, read-only fields (allowed only when equal to `current`'s
// value; `current` is the stored record on update, nullptr on create), value
// types, UTF-8, NFKC and white space, length in characters, phones, e-mails,
// dates, enumerations and company names.  An empty text counts as NULL.
// User references are type-checked only; whether the user exists is a
// question for storage.  Names "custom.<name>" are looked up in `custom`
// (when given): undefined ones are unknown_field, retired ones may only
// repeat the stored value (retired_field otherwise).
class CustomFieldSet;
Normalized normalize_fields(std::string_view entity, const Record& input, const Record* current,
                            const DictionaryLookup& dicts, const CustomFieldSet* custom = nullptr);

// A filter's value for a built-in field, normalised as a write of that field
// would store it (enumeration labels → codes, phones → E.164, integers from
// their digits); read-only fields are allowed and company-name rules skipped.
// nullopt with `error` set when the value could never be stored.
std::optional<Value> normalize_filter_value(std::string_view entity, const FieldDef& def,
                                            const std::string& text, const DictionaryLookup& dicts,
                                            FieldError& error);

// One value of a field that a dedicated operation sets rather than a write
// of the record (a maintenance plan's evaluation): the field's type, UTF-8,
// normalisation and length rules, without the read-only and required checks.
// Blank text gives NULL.  nullopt with `error` set when the value fails.
std::optional<Value> normalize_field_value(std::string_view entity, const FieldDef& def,
                                           const Value& value, const DictionaryLookup& dicts,
                                           FieldError& error);

// Rules on the whole record once defaults are applied: required fields, and
// for a customer at least one contact method (phone or e-mail).  Appends to
// `errors` only for fields that have no error yet.
void check_record(std::string_view entity, const Record& merged, std::vector<FieldError>& errors);

}  // namespace crm
