#include "domain/field_registry.hpp"

#include <unordered_map>

#include "domain/text.hpp"

namespace crm {

const char* field_type_name(FieldType t) {
  switch (t) {
    case FieldType::text:
      return "text";
    case FieldType::integer:
      return "integer";
    case FieldType::enumeration:
      return "enum";
    case FieldType::phone:
      return "phone";
    case FieldType::email:
      return "email";
    case FieldType::date:
      return "date";
    case FieldType::user:
      return "user";
    case FieldType::instant:
      return "instant";
    case FieldType::decimal:
      return "decimal";
    case FieldType::boolean:
      return "boolean";
  }
  return "text";
}

namespace {

// R1.1 (《客户信息登记表》) plus the fields the library maintains itself.
const std::vector<FieldDef> kCustomerFields = {
    {"id", FieldType::text, kReadOnly, "客户编号", "Customer ID", nullptr, 0,
     "Human-readable id, C0001, C0002 …; never reused (R1.11)."},
    {"key", FieldType::integer, kReadOnly, "内部编号", "Internal key", nullptr, 0,
     "Internal integer key."},
    {"name", FieldType::text, kRequired, "客户全称", "Full legal name", nullptr, 100,
     "Name on the business licence; no abbreviations or vague names."},
    {"contact_name", FieldType::text, kRequired | kPersonal, "联系人姓名", "Contact person",
     nullptr, 50, "The contact person's real name."},
    {"contact_title", FieldType::text, kReadOnly, "职位", "Title", nullptr, 0,
     "The primary contact's title (set through the contact)."},
    {"phone", FieldType::phone, kPersonal, "联系电话", "Phone", nullptr, 0,
     "Mobile or landline with area code; stored as E.164."},
    {"phone_display", FieldType::text, kReadOnly | kPersonal, "联系电话（显示）", "Phone (display)",
     nullptr, 0, "The phone in national format, e.g. 010 1234 5678."},
    {"email", FieldType::email, kPersonal, "电子邮箱", "E-mail", nullptr, 0,
     "E-mail address; phone or e-mail is required."},
    {"industry", FieldType::enumeration, kRequired, "所属行业", "Industry", "industry", 0,
     "From the industry dictionary."},
    {"scale", FieldType::enumeration, kRequired, "企业规模", "Scale", "scale", 0,
     "Employee band (50-100人) or revenue band (1-5亿)."},
    {"type", FieldType::enumeration, kRequired, "客户类型", "Customer type", "customer_type", 0,
     "Lifecycle: prospect, intent, won, churned; defaults to prospect."},
    {"source", FieldType::enumeration, kRequired, "信息来源渠道", "Source channel", "source", 0,
     "Where the customer came from (R1.4)."},
    {"key_needs", FieldType::text, kRequired, "关键需求", "Key needs", nullptr, 200,
     "Short description of the core need."},
    {"priority", FieldType::enumeration, kRequired, "需求优先级", "Need priority", "priority", 0,
     "高 high / 中 medium / 低 low."},
    {"owner", FieldType::user, kRequired, "负责人", "Owner", nullptr, 0,
     "User id of the responsible salesperson; defaults to the session's user."},
    {"entry_date", FieldType::date, kRequired, "录入日期", "Entry date", nullptr, 0,
     "YYYY-MM-DD in the database's time zone; defaults to today."},
    {"archived", FieldType::integer, kReadOnly, "已归档", "Archived", nullptr, 0,
     "1 once archived (soft-deleted)."},
    {"reviewed_at", FieldType::instant, kReadOnly, "最近复核时间", "Last reviewed at", nullptr, 0,
     "When the customer was last reviewed (复核, R1.10); NULL if never."},
    {"reviewed_by", FieldType::user, kReadOnly, "最近复核人", "Last reviewed by", nullptr, 0,
     "Who reviewed it last."},
    {"last_followup_at", FieldType::instant, kReadOnly, "最近跟进时间", "Last follow-up at",
     nullptr, 0, "When the customer was last followed up (list view, R1.12); NULL until then."},
    {"next_step", FieldType::text, kReadOnly, "下一步计划", "Next step", nullptr, 0,
     "The next step agreed in the last follow-up (list view, R1.12); NULL until then."},
    {"version", FieldType::integer, kReadOnly, "版本", "Version", nullptr, 0,
     "Increases with every change; pass it back in an update to detect conflicts."},
    {"created_at", FieldType::instant, kReadOnly, "创建时间", "Created at", nullptr, 0,
     "UTC milliseconds."},
    {"created_by", FieldType::user, kReadOnly, "创建人", "Created by", nullptr, 0, "User id."},
    {"updated_at", FieldType::instant, kReadOnly, "更新时间", "Updated at", nullptr, 0,
     "UTC milliseconds."},
    {"updated_by", FieldType::user, kReadOnly, "更新人", "Updated by", nullptr, 0, "User id."},
};

// R1.9: several contacts per customer.
const std::vector<FieldDef> kContactFields = {
    {"id", FieldType::integer, kReadOnly, "联系人编号", "Contact ID", nullptr, 0, "Integer id."},
    {"customer", FieldType::text, kReadOnly, "客户编号", "Customer ID", nullptr, 0,
     "The customer's id, C0001 …."},
    {"name", FieldType::text, kRequired | kPersonal, "联系人姓名", "Name", nullptr, 50,
     "The contact's real name."},
    {"title", FieldType::text, 0, "职位", "Title", nullptr, 50, "e.g. 采购总监, 技术总监."},
    {"phone", FieldType::phone, kPersonal, "联系电话", "Phone", nullptr, 0,
     "As for customers; phone or e-mail is required."},
    {"phone_display", FieldType::text, kReadOnly | kPersonal, "联系电话（显示）", "Phone (display)",
     nullptr, 0, "National format."},
    {"email", FieldType::email, kPersonal, "电子邮箱", "E-mail", nullptr, 0, "As for customers."},
    {"decision_maker", FieldType::integer, 0, "决策人", "Decision maker", nullptr, 0,
     "1 for a decision maker (决策人); changing it is a major change."},
    {"primary", FieldType::integer, kReadOnly, "主要联系人", "Primary", nullptr, 0,
     "1 for the primary contact; change it with crm_contact_make_primary."},
    {"removed", FieldType::integer, kReadOnly, "已移除", "Removed", nullptr, 0, "1 once removed."},
    {"created_at", FieldType::instant, kReadOnly, "创建时间", "Created at", nullptr, 0,
     "UTC milliseconds."},
    {"updated_at", FieldType::instant, kReadOnly, "更新时间", "Updated at", nullptr, 0,
     "UTC milliseconds."},
};

const std::vector<FieldDef> kUserFields = {
    {"id", FieldType::integer, kReadOnly, "用户编号", "User ID", nullptr, 0, "Integer id."},
    {"login", FieldType::text, kRequired, "登录名", "Login", nullptr, 64,
     "Unique personal login; accounts are never shared (R3.5)."},
    {"name", FieldType::text, kRequired | kPersonal, "姓名", "Name", nullptr, 50, "Full name."},
    {"department", FieldType::text, 0, "部门", "Department", nullptr, 100, "Department name."},
    {"role", FieldType::enumeration, kRequired, "角色", "Role", "role", 0,
     "sales, sales_manager, service, marketing or admin."},
    {"active", FieldType::integer, kReadOnly, "在职", "Active", nullptr, 0,
     "1 while the user may open sessions."},
};

}  // namespace

const std::vector<FieldDef>* fields_of(std::string_view entity) {
  if (entity == "customer") return &kCustomerFields;
  if (entity == "user") return &kUserFields;
  if (entity == "contact") return &kContactFields;
  return nullptr;
}

namespace {

using FieldIndex = std::unordered_map<std::string_view, const FieldDef*>;

FieldIndex index_of(const std::vector<FieldDef>& fields) {
  FieldIndex index;
  for (const auto& f : fields) index.emplace(f.name, &f);
  return index;
}

}  // namespace

const FieldDef* find_field(std::string_view entity, std::string_view name) {
  static const FieldIndex customer = index_of(kCustomerFields);
  static const FieldIndex user = index_of(kUserFields);
  static const FieldIndex contact = index_of(kContactFields);
  const FieldIndex* index = entity == "customer"  ? &customer
                            : entity == "user"    ? &user
                            : entity == "contact" ? &contact
                                                  : nullptr;
  if (!index) return nullptr;
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

const FieldDef* resolve_field(std::string_view entity, std::string_view header) {
  const auto* fields = fields_of(entity);
  if (!fields) return nullptr;
  std::string h = ascii_lower(normalize_text(header));
  for (const auto& f : *fields) {
    if (h == f.name || h == ascii_lower(f.label_en) || h == normalize_text(f.label_zh)) return &f;
  }
  return nullptr;
}

}  // namespace crm
