#include "domain/customer_rules.hpp"

#include <algorithm>

#include "domain/calendar.hpp"
#include "domain/company_name.hpp"
#include "domain/custom_fields.hpp"
#include "domain/email.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/phone.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {
namespace {

// Inputs for phones, e-mails, dates and codes longer than this are rejected
// before any parsing; text fields allow 8 bytes per character of their limit
// (white space collapses during normalisation).
constexpr std::size_t kMaxShortInput = 1024;

bool values_equal(const Value& a, const Value& b) { return a == b; }

const char* invalid_code(FieldType t) {
  switch (t) {
    case FieldType::phone:
      return "invalid_phone";
    case FieldType::email:
      return "invalid_email";
    case FieldType::date:
      return "invalid_date";
    default:
      return "unknown_value";
  }
}

bool wants_text(FieldType t) {
  return t == FieldType::text || t == FieldType::enumeration || t == FieldType::phone ||
         t == FieldType::email || t == FieldType::date;
}

bool has_error(const std::vector<FieldError>& errors, std::string_view field) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.field == field; });
}

// One built-in field's value, checked and normalised into `out`.  `write`
// applies the rules of a write (company names); a filter value skips them.
void normalize_builtin(std::string_view entity, const FieldDef* def, const std::string& name,
                       const Value& value, const DictionaryLookup& dicts, Normalized& out,
                       bool write) {
  if (is_null(value)) {
    if (def->flags & kRequired)
      out.errors.push_back(field_error(def, name, "required"));
    else
      out.values.append(name, Value{});
    return;
  }
  if (def->type == FieldType::decimal) {
    FieldError error;
    auto v = normalize_decimal(*def, kMoneyDecimals, value, error);
    if (!v)
      out.errors.push_back(std::move(error));
    else if (is_null(*v) && (def->flags & kRequired))
      out.errors.push_back(field_error(def, name, "required"));
    else
      out.values.append(name, std::move(*v));
    return;
  }
  if (wants_text(def->type)) {
    if (!is_text(value)) {
      out.errors.push_back(field_error(def, name, "wrong_type", "text", "文本"));
      return;
    }
  } else if (!is_int(value)) {
    out.errors.push_back(field_error(def, name, "wrong_type", "an integer", "整数"));
    return;
  }
  if (is_int(value)) {
    out.values.append(name, value);
    return;
  }

  const std::string& raw = std::get<std::string>(value);
  if (!is_valid_utf8(raw)) {
    out.errors.push_back(field_error(def, name, "invalid_utf8"));
    return;
  }
  const bool long_text = def->type == FieldType::text && def->max_chars > 0;
  if (long_text ? raw.size() > static_cast<std::size_t>(def->max_chars) * 8
                : raw.size() > kMaxShortInput) {
    if (def->type == FieldType::text)
      out.errors.push_back(field_error(def, name, "too_long", std::to_string(def->max_chars)));
    else
      out.errors.push_back(field_error(def, name, invalid_code(def->type), quote_value(raw)));
    return;
  }
  if (def->type == FieldType::enumeration) {
    if (auto code = dicts.resolve_exact(def->dict, raw)) {
      out.values.append(name, std::move(*code));
      return;
    }
  }
  std::string text =
      normalize_text(raw, def->type == FieldType::text ? TextMode::prose : TextMode::structured);
  if (text.empty()) {
    if (def->flags & kRequired)
      out.errors.push_back(field_error(def, name, "required"));
    else
      out.values.append(name, Value{});
    return;
  }

  switch (def->type) {
    case FieldType::text: {
      if (def->max_chars > 0 && utf8_length(text) > static_cast<std::size_t>(def->max_chars)) {
        out.errors.push_back(field_error(def, name, "too_long", std::to_string(def->max_chars)));
        return;
      }
      if (write &&
          ((entity == "customer" && name == "name") || (entity == "lead" && name == "company"))) {
        std::string code = check_company_name(text);
        if (!code.empty()) {
          out.errors.push_back(field_error(def, name, code));
          return;
        }
      }
      out.values.append(name, std::move(text));
      break;
    }
    case FieldType::enumeration: {
      auto code = dicts.resolve(def->dict, text);
      if (!code) {
        out.errors.push_back(field_error(def, name, "unknown_value", quote_value(text)));
        return;
      }
      out.values.append(name, std::move(*code));
      break;
    }
    case FieldType::phone: {
      PhoneCheck pc = check_phone(text);
      if (!pc.ok) {
        out.errors.push_back(field_error(def, name, pc.error));
        return;
      }
      out.values.append(name, std::move(pc.e164));
      break;
    }
    case FieldType::email: {
      std::string email;
      if (!check_email(text, email)) {
        out.errors.push_back(field_error(def, name, "invalid_email"));
        return;
      }
      out.values.append(name, std::move(email));
      break;
    }
    case FieldType::date: {
      auto d = parse_date(text);
      if (!d) {
        out.errors.push_back(field_error(def, name, "invalid_date"));
        return;
      }
      out.values.append(name, format_date(*d));
      break;
    }
    default:
      break;
  }
}

}  // namespace

Normalized normalize_fields(std::string_view entity, const Record& input, const Record* current,
                            const DictionaryLookup& dicts, const CustomFieldSet* custom) {
  Normalized out;
  out.values.reserve(input.size() + 4);  // room for the defaults a create adds
  for (const auto& [name, value] : input.entries()) {
    if (custom && is_custom_name(name)) {
      const CustomField* cf = custom->find(name);
      if (!cf) {
        out.errors.push_back(field_error(nullptr, name, "unknown_field", quote_value(name)));
        continue;
      }
      FieldError error;
      auto v = normalize_custom_value(*cf, value, dicts, error);
      if (!v) {
        out.errors.push_back(std::move(error));
        continue;
      }
      if (cf->retired) {
        // A record read back and written again carries the retired value
        // unchanged: accept that, refuse any change.
        const Value* stored = current ? current->find(name) : nullptr;
        if (!(stored ? *stored == *v : is_null(*v)))
          out.errors.push_back(field_error(&cf->def, name, "retired_field"));
        continue;
      }
      if (is_null(*v) && cf->required) {
        // A customer from before the field existed has no value; writing
        // its record back unchanged is not clearing anything.
        const Value* stored = current ? current->find(name) : nullptr;
        if (current && (!stored || is_null(*stored))) continue;
        out.errors.push_back(field_error(&cf->def, name, "required"));
        continue;
      }
      out.values.append(name, std::move(*v));
      continue;
    }
    const FieldDef* def = find_field(entity, name);
    if (!def) {
      out.errors.push_back(field_error(nullptr, name, "unknown_field", quote_value(name)));
      continue;
    }
    if (def->flags & kReadOnly) {
      const Value* stored = current ? current->find(name) : nullptr;
      if (!stored || !values_equal(*stored, value))
        out.errors.push_back(field_error(def, name, "read_only"));
      continue;
    }
    normalize_builtin(entity, def, name, value, dicts, out, true);
  }
  return out;
}

void check_record(std::string_view entity, const Record& merged, std::vector<FieldError>& errors) {
  const auto* fields = fields_of(entity);
  if (!fields) return;
  for (const auto& def : *fields) {
    if (!(def.flags & kRequired) || (def.flags & kReadOnly)) continue;
    const Value* v = merged.find(def.name);
    if ((!v || is_null(*v)) && !has_error(errors, def.name))
      errors.push_back(field_error(&def, def.name, "required"));
  }
  if (entity == "customer" || entity == "contact" || entity == "lead") {
    auto present = [&](const char* f) {
      const Value* v = merged.find(f);
      return (v && !is_null(*v)) || has_error(errors, f);
    };
    if (!present("phone") && !present("email"))
      errors.push_back(field_error(find_field(entity, "phone"), "phone", "contact_required"));
  }
}

}  // namespace crm

namespace crm {

std::optional<Value> normalize_filter_value(std::string_view entity, const FieldDef& def,
                                            const std::string& text, const DictionaryLookup& dicts,
                                            FieldError& error) {
  FieldDef open = def;  // a filter may name read-only fields, and compare to blank
  open.flags &= ~(kReadOnly | kRequired);
  Value input{text};
  if (!wants_text(def.type) && def.type != FieldType::decimal) {
    auto v = parse_integer_text(normalize_text(text, TextMode::structured));
    if (!v) {
      error = field_error(&def, def.name, "wrong_type", "an integer", "整数");
      return std::nullopt;
    }
    input = *v;
  }
  Normalized out;
  normalize_builtin(entity, &open, def.name, input, dicts, out, false);
  if (!out.errors.empty()) {
    error = std::move(out.errors.front());
    return std::nullopt;
  }
  return out.values.entries().front().second;
}

std::optional<Value> normalize_field_value(std::string_view entity, const FieldDef& def,
                                           const Value& value, const DictionaryLookup& dicts,
                                           FieldError& error) {
  FieldDef open = def;
  open.flags &= ~(kReadOnly | kRequired);
  Normalized out;
  normalize_builtin(entity, &open, def.name, value, dicts, out, true);
  if (!out.errors.empty()) {
    error = std::move(out.errors.front());
    return std::nullopt;
  }
  return out.values.entries().front().second;
}

}  // namespace crm
