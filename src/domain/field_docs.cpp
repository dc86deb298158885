#include "domain/field_docs.hpp"

#include "domain/field_registry.hpp"
#include "domain/messages.hpp"

namespace crm {
namespace {

std::string flags_text(unsigned f) {
  std::string s;
  auto add = [&](const char* w) {
    if (!s.empty()) s += ", ";
    s += w;
  };
  if (f & kRequired) add("required");
  if (f & kReadOnly) add("read-only");
  if (f & kPersonal) add("personal");
  return s;
}

void entity_table(std::string& out, const char* entity, const char* title) {
  out += "## ";
  out += title;
  out += "\n\n| field | type | 中文 | English | flags | notes |\n|---|---|---|---|---|---|\n";
  for (const auto& f : *fields_of(entity)) {
    std::string type = field_type_name(f.type);
    if (f.dict) type += std::string(" (`") + f.dict + "`)";
    out += "| `" + std::string(f.name) + "` | " + type + " | " + f.label_zh + " | " + f.label_en +
           " | " + flags_text(f.flags) + " | " + f.doc;
    if (f.max_chars) out += " At most " + std::to_string(f.max_chars) + " characters.";
    out += " |\n";
  }
  out += "\n";
}

}  // namespace

std::string render_field_reference() {
  std::string out =
      "# Field reference\n\n"
      "Generated from the field registry (`src/domain/field_registry.cpp`); a test fails when\n"
      "this file and the registry disagree. Regenerate with\n"
      "`CRM_WRITE_DOCS=1 ./build/tests/crm_tests --gtest_filter=FieldDocs.*`.\n\n"
      "Records are read and written by these names from C (`crm_record_set_text(r, \"name\", "
      "…)`),\n"
      "C++ and Python. Import headers may use the name, the English label or the Chinese label\n"
      "(`crm_field_resolve(\"customer\", \"客户全称\")` → `name`). Flags: *required* fields must\n"
      "have a value once defaults are applied; *read-only* fields are maintained by the\n"
      "library (an update may only repeat their stored value); *personal* fields are personal\n"
      "information under PIPL.\n\n";
  entity_table(out, "customer", "Customer (客户)");
  entity_table(out, "contact", "Contact (联系人)");
  entity_table(out, "followup_plan", "Follow-up plan (跟进计划)");
  entity_table(out, "followup_record", "Follow-up record (客户跟进记录)");
  entity_table(out, "maintenance_plan", "Maintenance plan (客户维护方案)");
  entity_table(out, "lead", "Lead (线索)");
  entity_table(out, "user", "User (用户)");
  out +=
      "## Field error codes\n\n"
      "A validation failure (`CRM_ERR_VALIDATION`) lists every failing field with one of these\n"
      "stable codes and a message in English and Chinese (`{field}` is the field's label,\n"
      "`{detail}` a limit, a value or a type).\n\n"
      "| code | English | 中文 |\n|---|---|---|\n";
  for (const auto& c : field_error_codes()) {
    auto fix = [](std::string_view t) {
      std::string s;
      for (size_t i = 0; i < t.size(); ++i) {
        if (t.substr(i, 3) == "{f}") {
          s += "{field}";
          i += 2;
        } else if (t.substr(i, 3) == "{d}") {
          s += "{detail}";
          i += 2;
        } else {
          s += t[i];
        }
      }
      return s;
    };
    out += "| `" + std::string(c.code) + "` | " + fix(c.en) + " | " + fix(c.zh) + " |\n";
  }
  return out;
}

}  // namespace crm
