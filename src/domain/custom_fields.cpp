#include "domain/custom_fields.hpp"

#include <algorithm>
#include <cmath>

#include "domain/calendar.hpp"
#include "domain/customer_rules.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"

namespace crm {

bool valid_custom_name(std::string_view bare) {
  if (bare.empty() || bare.size() > 40 || bare[0] < 'a' || bare[0] > 'z') return false;
  return std::all_of(bare.begin(), bare.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<FieldType> custom_type_from_name(std::string_view name) {
  if (name == "text") return FieldType::text;
  if (name == "integer") return FieldType::integer;
  if (name == "decimal") return FieldType::decimal;
  if (name == "date") return FieldType::date;
  if (name == "enum") return FieldType::enumeration;
  if (name == "boolean") return FieldType::boolean;
  return std::nullopt;
}

void CustomField::bind_def() {
  def.name = qualified.c_str();
  def.type = type;
  def.flags = required ? static_cast<unsigned>(kRequired) : 0u;
  def.label_zh = label_zh.c_str();
  def.label_en = label_en.c_str();
  def.dict = dict.empty() ? nullptr : dict.c_str();
  def.max_chars = max_chars;
  def.doc = "";
}

const CustomField& CustomFieldSet::put(const CustomField& f) {
  auto it = by_name_.find(f.qualified);
  CustomField* slot = nullptr;
  if (it != by_name_.end()) {
    slot = &fields_[it->second];
    *slot = f;
    slot->live = true;
  } else {
    by_name_.emplace(f.qualified, fields_.size());
    slot = &fields_.emplace_back(f);
  }
  slot->bind_def();
  return *slot;
}

void CustomFieldSet::reload(const std::vector<CustomField>& stored) {
  for (auto& f : fields_) f.live = false;
  for (const auto& f : stored) put(f);
}

const CustomField* CustomFieldSet::find(std::string_view qualified) const {
  auto it = by_name_.find(std::string(qualified));
  if (it == by_name_.end() || !fields_[it->second].live) return nullptr;
  return &fields_[it->second];
}

bool CustomFieldSet::any_required() const {
  return std::any_of(fields_.begin(), fields_.end(),
                     [](const CustomField& f) { return f.live && f.required && !f.retired; });
}

namespace {

constexpr std::int64_t kDecimalLimit = 1000000000000000;  // 10^15

std::int64_t pow10(int n) {
  std::int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

std::optional<std::int64_t> parse_integer_text(std::string_view t) {
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  if (i == t.size() || t.size() - i > 18) return std::nullopt;
  std::int64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
    v = v * 10 + (t[i] - '0');
  }
  return neg ? -v : v;
}

std::optional<std::int64_t> parse_decimal(std::string_view t, int decimals) {
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  std::int64_t whole = 0;
  int int_digits = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
    if (++int_digits > 16) return std::nullopt;
    whole = whole * 10 + (t[i] - '0');
  }
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      int d = t[i] - '0';
      if (frac_digits >= decimals) {
        if (d != 0) return std::nullopt;  // more precise than the field keeps
        continue;
      }
      frac = frac * 10 + d;
      ++frac_digits;
    }
  }
  if (i != t.size() || (int_digits == 0 && frac_digits == 0)) return std::nullopt;
  if (whole > (kDecimalLimit - 1) / pow10(decimals)) return std::nullopt;
  std::int64_t scaled = whole * pow10(decimals) + frac * pow10(decimals - frac_digits);
  if (scaled >= kDecimalLimit) return std::nullopt;
  return neg ? -scaled : scaled;
}

std::string format_decimal(std::int64_t scaled, int decimals) {
  bool neg = scaled < 0;
  std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(scaled) : scaled;
  std::uint64_t p = static_cast<std::uint64_t>(pow10(decimals));
  std::string out = (neg ? "-" : "") + std::to_string(v / p);
  if (decimals > 0) {
    std::string frac = std::to_string(v % p);
    out += '.';
    out.append(static_cast<std::size_t>(decimals) - frac.size(), '0');
    out += frac;
  }
  return out;
}

namespace {

std::optional<std::int64_t> parse_boolean(std::string_view t) {
  std::string s = ascii_lower(t);
  if (s == "1" || s == "true" || s == "yes" || s == "y" || s == "是" || s == "真") return 1;
  if (s == "0" || s == "false" || s == "no" || s == "n" || s == "否" || s == "假") return 0;
  return std::nullopt;
}

// A value built inside the optional: GCC 12 misreads a variant moved into
// an optional as possibly uninitialised (-Wmaybe-uninitialized).
template <class T>
std::optional<Value> some(T&& v) {
  return std::optional<Value>(std::in_place, std::forward<T>(v));
}

std::optional<Value> fail(FieldError& error, const CustomField& f, const char* code,
                          std::string_view detail = {}, std::string_view detail_zh = {}) {
  error = field_error(&f.def, f.qualified, code, detail, detail_zh);
  return std::nullopt;
}

}  // namespace

std::optional<Value> normalize_decimal(const FieldDef& def, int decimals, const Value& input,
                                       FieldError& error) {
  auto fail = [&](const char* code, std::string_view detail) {
    error = field_error(&def, def.name, code, detail);
    return std::optional<Value>();
  };
  const std::string places = std::to_string(decimals);
  if (is_null(input)) return some(std::monostate{});
  if (is_int(input)) {
    auto s = parse_decimal(std::to_string(std::get<std::int64_t>(input)), decimals);
    if (!s) return fail("invalid_number", places);
    return some(format_decimal(*s, decimals));
  }
  if (is_real(input)) {
    double d = std::get<double>(input);
    double scaled = d * static_cast<double>(pow10(decimals));
    double rounded = std::nearbyint(scaled);
    // A binary double is accepted when it is the nearest one to a value
    // with at most `decimals` digits (0.1 → "0.10"); 0.125 at two is not.
    if (!std::isfinite(d) || std::fabs(rounded) >= static_cast<double>(kDecimalLimit) ||
        std::fabs(scaled - rounded) > 1e-6 * std::max(1.0, std::fabs(scaled)))
      return fail("invalid_number", places);
    return some(format_decimal(static_cast<std::int64_t>(rounded), decimals));
  }
  const std::string& raw = std::get<std::string>(input);
  if (!is_valid_utf8(raw)) return fail("invalid_utf8", {});
  if (raw.size() > 1024) return fail("unknown_value", quote_value(raw));
  std::string text = normalize_text(raw, TextMode::structured);
  if (text.empty()) return some(std::monostate{});
  auto v = parse_decimal(text, decimals);
  if (!v) return fail("invalid_number", places);
  return some(format_decimal(*v, decimals));
}

std::optional<Value> normalize_custom_value(const CustomField& f, const Value& input,
                                            const DictionaryLookup& dicts, FieldError& error) {
  if (f.type == FieldType::decimal) return normalize_decimal(f.def, f.decimals, input, error);
  if (is_null(input)) return some(std::monostate{});
  const char* expected_en = "text";
  const char* expected_zh = "文本";
  switch (f.type) {
    case FieldType::integer:
      expected_en = "an integer";
      expected_zh = "整数";
      break;
    case FieldType::boolean:
      expected_en = "true or false (1 or 0)";
      expected_zh = "是或否（1 或 0）";
      break;
    default:
      break;
  }
  // Numbers given as numbers.
  if (is_int(input) || is_real(input)) {
    if (f.type == FieldType::integer && is_int(input)) return input;
    if (f.type == FieldType::boolean && is_int(input)) {
      auto v = std::get<std::int64_t>(input);
      if (v == 0 || v == 1) return input;
      return fail(error, f, "invalid_boolean");
    }
    return fail(error, f, "wrong_type", expected_en, expected_zh);
  }
  const std::string& raw = std::get<std::string>(input);
  if (!is_valid_utf8(raw)) return fail(error, f, "invalid_utf8");
  std::size_t byte_limit =
      f.type == FieldType::text ? static_cast<std::size_t>(f.max_chars) * 8 : 1024;
  if (raw.size() > byte_limit) {
    if (f.type == FieldType::text) return fail(error, f, "too_long", std::to_string(f.max_chars));
    return fail(error, f, f.type == FieldType::date ? "invalid_date" : "unknown_value",
                quote_value(raw));
  }
  if (f.type == FieldType::enumeration) {
    if (auto code = dicts.resolve_exact(f.dict, raw)) return some(std::move(*code));
  }
  std::string text =
      normalize_text(raw, f.type == FieldType::text ? TextMode::prose : TextMode::structured);
  if (text.empty()) return some(std::monostate{});
  switch (f.type) {
    case FieldType::text:
      if (utf8_length(text) > static_cast<std::size_t>(f.max_chars))
        return fail(error, f, "too_long", std::to_string(f.max_chars));
      return some(std::move(text));
    case FieldType::integer: {
      auto v = parse_integer_text(text);
      if (!v) return fail(error, f, "wrong_type", expected_en, expected_zh);
      return some(*v);
    }
    case FieldType::date: {
      auto d = parse_date(text);
      if (!d) return fail(error, f, "invalid_date");
      return some(format_date(*d));
    }
    case FieldType::enumeration: {
      auto code = dicts.resolve(f.dict, text);
      if (!code) return fail(error, f, "unknown_value", quote_value(text));
      return some(std::move(*code));
    }
    case FieldType::boolean: {
      auto v = parse_boolean(text);
      if (!v) return fail(error, f, "invalid_boolean");
      return some(*v);
    }
    default:
      return fail(error, f, "wrong_type", expected_en, expected_zh);
  }
}

}  // namespace crm
