#include "domain/json.hpp"

#include <cmath>
#include <cstdio>

#include "domain/error.hpp"
#include "domain/utf8.hpp"

namespace crm {

void json_append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string record_to_json(const Record& r) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : r.entries()) {
    if (!first) out += ',';
    first = false;
    json_append_string(out, name);
    out += ':';
    if (is_int(value)) {
      out += std::to_string(std::get<std::int64_t>(value));
    } else if (is_real(value)) {
      double d = std::get<double>(value);
      if (std::isfinite(d)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        out += buf;
      } else {
        out += "null";
      }
    } else if (is_text(value)) {
      const auto& text = std::get<std::string>(value);
      if (!is_valid_utf8(text, true))
        throw Error(Status::invalid_arg,
                    "field " + name + " is not valid UTF-8, which JSON requires",
                    "字段 " + name + " 不是有效的 UTF-8 文本，无法输出为 JSON");
      json_append_string(out, text);
    } else {
      out += "null";
    }
  }
  out += '}';
  return out;
}

}  // namespace crm
