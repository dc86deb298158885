// Human messages for field error codes, in English and Chinese.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/error.hpp"
#include "domain/field_registry.hpp"

namespace crm {

// A field error for `field` (which may be unknown: then `name` is used as the
// label).  `detail` fills the code's placeholder (a limit, a value, a type).
// `detail_zh` replaces `detail` in the Chinese message when given.
FieldError field_error(const FieldDef* field, std::string_view name, std::string_view code,
                       std::string_view detail = {}, std::string_view detail_zh = {});

struct ErrorCodeDoc {
  std::string_view code, en, zh;  // templates: {f} = field label, {d} = detail
};

// Every field error code with its message templates (for the docs).
const std::vector<ErrorCodeDoc>& field_error_codes();

// A value quoted in a message: at most 32 characters, invalid UTF-8 replaced.
std::string quote_value(std::string_view v);

}  // namespace crm
