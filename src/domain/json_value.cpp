#include "domain/json_value.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "domain/error.hpp"
#include "domain/json.hpp"
#include "domain/utf8.hpp"

namespace crm {

const JsonValue* JsonValue::get(std::string_view key) const {
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

std::optional<std::int64_t> JsonValue::integer() const {
  if (type != Type::number || std::trunc(number) != number ||
      std::fabs(number) > 9007199254740992.0)
    return std::nullopt;
  return static_cast<std::int64_t>(number);
}

const char* json_type_name(JsonValue::Type t) {
  switch (t) {
    case JsonValue::Type::null:
      return "null";
    case JsonValue::Type::boolean:
      return "boolean";
    case JsonValue::Type::number:
      return "number";
    case JsonValue::Type::string:
      return "string";
    case JsonValue::Type::array:
      return "array";
    case JsonValue::Type::object:
      return "object";
  }
  return "null";
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  JsonValue document() {
    JsonValue v = value(0);
    space();
    if (i_ != t_.size()) fail("the end of the document", "文档结束");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what_en, const char* what_zh) {
    throw Error(Status::invalid_arg,
                "invalid JSON at byte " + std::to_string(i_) + ": expected " + what_en,
                "JSON 格式错误（第 " + std::to_string(i_) + " 字节）：此处应为" + what_zh);
  }

  void space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }

  bool take(char c) {
    space();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  bool word(std::string_view w) {
    if (t_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  JsonValue value(int depth) {
    if (depth > kMaxDepth) fail("at most 64 levels of nesting", "不超过 64 层嵌套");
    space();
    if (i_ >= t_.size()) fail("a value", "一个值");
    JsonValue v;
    const char c = t_[i_];
    if (c == '{') {
      ++i_;
      v.type = JsonValue::Type::object;
      if (take('}')) return v;
      do {
        space();
        if (i_ >= t_.size() || t_[i_] != '"') fail("a member name in quotes", "带引号的成员名");
        std::string key = string();
        if (v.get(key)) fail("no member named twice", "不重复的成员名");
        if (!take(':')) fail("':'", "“:”");
        v.members.emplace_back(std::move(key), value(depth + 1));
      } while (take(','));
      if (!take('}')) fail("',' or '}'", "“,”或“}”");
      return v;
    }
    if (c == '[') {
      ++i_;
      v.type = JsonValue::Type::array;
      if (take(']')) return v;
      do v.items.push_back(value(depth + 1));
      while (take(','));
      if (!take(']')) fail("',' or ']'", "“,”或“]”");
      return v;
    }
    if (c == '"') {
      v.type = JsonValue::Type::string;
      v.string = string();
      return v;
    }
    if (word("true") || word("false")) {
      v.type = JsonValue::Type::boolean;
      v.boolean = t_[i_ - 1] == 'e' && t_[i_ - 4] == 't';
      return v;
    }
    if (word("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail("a value", "一个值");
  }

  JsonValue number() {
    const std::size_t start = i_;
    if (t_[i_] == '-') ++i_;
    auto digits = [&] {
      std::size_t from = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < t_.size() && t_[i_] == '0')
      ++i_;
    else if (digits() == 0)
      fail("a digit", "数字");
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (digits() == 0) fail("a digit after '.'", "小数点后的数字");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) fail("a digit in the exponent", "指数中的数字");
    }
    JsonValue v;
    v.type = JsonValue::Type::number;
    v.number = std::strtod(std::string(t_.substr(start, i_ - start)).c_str(), nullptr);
    if (!std::isfinite(v.number)) fail("a finite number", "有限的数值");
    return v;
  }

  unsigned hex4() {
    if (i_ + 4 > t_.size()) fail("four hex digits", "四位十六进制数");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      char h = t_[i_++];
      u <<= 4;
      if (h >= '0' && h <= '9')
        u |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        u |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        u |= static_cast<unsigned>(h - 'A' + 10);
      else
        fail("four hex digits", "四位十六进制数");
    }
    return u;
  }

  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++i_;  // the opening quote
    std::string out;
    for (;;) {
      if (i_ >= t_.size()) fail("a closing '\"'", "结束引号");
      const char c = t_[i_++];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20)
        fail("no control character in a string", "字符串中无控制字符");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= t_.size()) fail("an escape", "转义字符");
      const char e = t_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!word("\\u")) fail("a low surrogate", "低位代理项");
            unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("a low surrogate", "低位代理项");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("no lone low surrogate", "非孤立的低位代理项");
          }
          utf8(out, cp);
          break;
        }
        default:
          fail("a valid escape", "有效的转义字符");
      }
    }
    if (!is_valid_utf8(out)) fail("UTF-8 text", "UTF-8 文本");
    return out;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text) { return Parser(text).document(); }

namespace {
void write(std::string& out, const JsonValue& v) {
  switch (v.type) {
    case JsonValue::Type::null:
      out += "null";
      return;
    case JsonValue::Type::boolean:
      out += v.boolean ? "true" : "false";
      return;
    case JsonValue::Type::number: {
      if (auto n = v.integer()) {
        out += std::to_string(*n);
      } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v.number);
        out += buf;
      }
      return;
    }
    case JsonValue::Type::string:
      json_append_string(out, v.string);
      return;
    case JsonValue::Type::array:
      out += '[';
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        write(out, v.items[i]);
      }
      out += ']';
      return;
    case JsonValue::Type::object:
      out += '{';
      for (std::size_t i = 0; i < v.members.size(); ++i) {
        if (i) out += ',';
        json_append_string(out, v.members[i].first);
        out += ':';
        write(out, v.members[i].second);
      }
      out += '}';
      return;
  }
}
}  // namespace

std::string to_json(const JsonValue& v) {
  std::string out;
  write(out, v);
  return out;
}

}  // namespace crm
