// A JSON document read into a tree (automation rules and simulation scripts
// come in as JSON text).  Strict RFC 8259: UTF-8, no comments, no trailing
// commas, numbers as double with integers kept exact up to 2^53; nesting at
// most 64 deep; a duplicate key is an error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm {

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> items;                            // array
  std::vector<std::pair<std::string, JsonValue>> members;  // object, in order

  bool is(Type t) const { return type == t; }
  // The member `key` of an object, or nullptr.
  const JsonValue* get(std::string_view key) const;
  // An integral number (|n| <= 2^53), else nullopt.
  std::optional<std::int64_t> integer() const;
};

// The JSON type's name for messages: "null", "boolean", "number", "string",
// "array", "object".
const char* json_type_name(JsonValue::Type t);

// Parses `text`; throws Status::invalid_arg naming the byte offset and what
// was expected (in English and Chinese) when it is not one JSON value.
JsonValue parse_json(std::string_view text);

// The value as compact JSON text (numbers with 17 significant digits).
std::string to_json(const JsonValue& v);

}  // namespace crm
