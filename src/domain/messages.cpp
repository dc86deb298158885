#include "domain/messages.hpp"

#include "domain/utf8.hpp"

namespace crm {
namespace {

const std::vector<ErrorCodeDoc> kTemplates = {
    {"required", "{f} is required", "{f}为必填项"},
    {"too_long", "{f} must be at most {d} characters", "{f}最多{d}个字符"},
    {"invalid_utf8", "{f} is not valid UTF-8 text", "{f}不是有效的 UTF-8 文本"},
    {"invalid_phone", "{f} is not a valid phone number", "{f}不是有效的电话号码"},
    {"missing_area_code", "{f}: a landline needs its area code, e.g. 010-12345678",
     "{f}：固定电话须带区号，如 010-12345678"},
    {"invalid_email", "{f} is not a valid e-mail address", "{f}不是有效的电子邮箱地址"},
    {"invalid_date", "{f} must be a real date written YYYY-MM-DD",
     "{f}须为真实存在的日期，格式为 YYYY-MM-DD"},
    {"too_short", "{f} is too short for a full legal name", "{f}过短，请填写营业执照上的全称"},
    {"vague_name", "{f}: give the name on the business licence, not an abbreviation or placeholder",
     "{f}须为营业执照全称，不得使用简称或模糊名称（如“某科技公司”）"},
    {"unknown_value", "{f}: \"{d}\" is not one of the allowed values", "{f}：“{d}”不在可选值中"},
    {"contact_required", "at least one contact method (phone or e-mail) is required",
     "至少需要一种联系方式（电话或邮箱）"},
    {"unknown_user", "{f}: there is no active user {d}", "{f}：不存在有效用户 {d}"},
    {"unknown_field", "unknown field \"{d}\"", "未知字段“{d}”"},
    {"wrong_type", "{f} must be {d}", "{f}的值类型应为{d}"},
    {"read_only", "{f} is maintained by the library and cannot be set", "{f}由系统维护，不能修改"},
    {"invalid_number", "{f} must be a number with up to {d} decimal place(s)",
     "{f}须为数值，小数点后最多{d}位"},
    {"invalid_boolean", "{f} must be true or false (1 or 0)", "{f}须为“是”或“否”（1 或 0）"},
    {"retired_field", "{f} has been retired and can no longer be set", "{f}已停用，不能再填写"},
    {"taken", "{f} \"{d}\" is already taken", "{f}“{d}”已被占用"},
    {"in_past", "{f} is in the past", "{f}不能早于当前时间"},
    {"in_future", "{f} is in the future", "{f}不能晚于当前时间"},
    {"after_plan", "{f} must not be after the planned time", "{f}不能晚于计划时间"},
    {"too_soon", "{f}: another contact at {d} is closer than the minimum gap",
     "{f}：与 {d} 的另一次跟进间隔过近，请避免过度打扰"},
    {"negative", "{f} must not be negative", "{f}不能为负数"},
    {"before_start", "{f} must not be before {d}", "{f}不能早于{d}"},
    {"out_of_range", "{f} must be between {d}", "{f}须在 {d} 之间"},
};

std::string expand(std::string_view tpl, std::string_view label, std::string_view detail) {
  std::string out;
  for (size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] == '{' && i + 2 < tpl.size() && tpl[i + 2] == '}') {
      if (tpl[i + 1] == 'f') {
        out += label;
        i += 2;
        continue;
      }
      if (tpl[i + 1] == 'd') {
        out += detail;
        i += 2;
        continue;
      }
    }
    out += tpl[i];
  }
  return out;
}

}  // namespace

const std::vector<ErrorCodeDoc>& field_error_codes() { return kTemplates; }

std::string quote_value(std::string_view v) {
  if (!is_valid_utf8(v)) return "(invalid text)";
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if ((c & 0xC0) != 0x80 && ++chars > 32) {
      out += "…";
      break;
    }
    out += v[i];
  }
  return out;
}

FieldError field_error(const FieldDef* field, std::string_view name, std::string_view code,
                       std::string_view detail, std::string_view detail_zh) {
  if (detail_zh.empty()) detail_zh = detail;
  FieldError e;
  e.field = field ? field->name : std::string(name);
  e.code = std::string(code);
  if (field) e.label_zh = field->label_zh;
  std::string_view label_en = field ? std::string_view(field->label_en) : name;
  std::string_view label_zh = field ? std::string_view(field->label_zh) : name;
  for (const auto& t : kTemplates) {
    if (t.code == code) {
      e.message_en = expand(t.en, label_en, detail);
      e.message_zh = expand(t.zh, label_zh, detail_zh);
      return e;
    }
  }
  e.message_en = std::string(label_en) + ": " + std::string(code);
  e.message_zh = std::string(label_zh) + "：" + std::string(code);
  return e;
}

}  // namespace crm
