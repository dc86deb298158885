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
    {"external_id", FieldType::text, 0, "外部编号", "External ID", nullptr, 64,
     "The customer's id in another system (an ERP, the CRM it came from): unique; imports "
     "can update by it."},
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
    {"tier", FieldType::enumeration, kReadOnly, "客户等级", "Tier", "tier", 0,
     "A / B / C … (R2.1), set by grading or crm_customer_set_tier; NULL until graded."},
    {"tier_reason", FieldType::text, kReadOnly, "分级依据", "Grading reason", nullptr, 0,
     "Why the customer has its tier: each criterion's value and result."},
    {"graded_at", FieldType::instant, kReadOnly, "分级时间", "Graded at", nullptr, 0,
     "When the tier was last set."},
    {"next_due_date", FieldType::date, kReadOnly, "下次跟进截止日期", "Next contact due", nullptr,
     0, "The date by which the tier's cadence wants the next contact; NULL without a tier."},
    {"verified_at", FieldType::instant, kReadOnly, "核实时间", "Verified at", nullptr, 0,
     "When the owner confirmed the information (R1.5); NULL while unverified."},
    {"verified_by", FieldType::user, kReadOnly, "核实人", "Verified by", nullptr, 0,
     "Who verified it."},
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

// R2.3: a follow-up plan (跟进计划).
const std::vector<FieldDef> kPlanFields = {
    {"id", FieldType::integer, kReadOnly, "计划编号", "Plan ID", nullptr, 0, "Integer id."},
    {"customer", FieldType::text, kReadOnly, "客户编号", "Customer ID", nullptr, 0,
     "The customer's id, C0001 …."},
    {"owner", FieldType::user, 0, "跟进人", "Owner", nullptr, 0,
     "Who will make the contact; defaults to the customer's owner."},
    {"goal", FieldType::text, kRequired, "跟进目标", "Goal", nullptr, 200,
     "What the contact should achieve."},
    {"method", FieldType::enumeration, kRequired, "跟进方式", "Method", "followup_method", 0,
     "电话 phone / 拜访 visit / 邮件 email / 线上会议 online_meeting."},
    {"talking_points", FieldType::text, 0, "沟通要点", "Talking points", nullptr, 1000,
     "Open issues from last time, a new proposal …."},
    {"materials", FieldType::text, 0, "所需资料", "Materials", nullptr, 500,
     "Brochure, quotation …."},
    {"planned_at", FieldType::instant, kRequired, "计划时间", "Planned at", nullptr, 0,
     "UTC milliseconds; not in the past."},
    {"remind_at", FieldType::instant, 0, "提醒时间", "Remind at", nullptr, 0,
     "UTC milliseconds, not after planned_at; defaults to the setting "
     "followup.remind_before_minutes before it."},
    {"state", FieldType::enumeration, kReadOnly, "状态", "State", "followup_state", 0,
     "planned, done, missed, cancelled or rescheduled."},
    {"state_reason", FieldType::text, kReadOnly, "状态说明", "State reason", nullptr, 0,
     "Why it was missed, cancelled or rescheduled."},
    {"rescheduled_to", FieldType::integer, kReadOnly, "改期后计划", "Rescheduled to", nullptr, 0,
     "The plan that replaced it."},
    {"record_id", FieldType::integer, kReadOnly, "跟进记录", "Record", nullptr, 0,
     "The follow-up record that completed it."},
    {"created_at", FieldType::instant, kReadOnly, "创建时间", "Created at", nullptr, 0,
     "UTC milliseconds."},
    {"created_by", FieldType::user, kReadOnly, "创建人", "Created by", nullptr, 0, "User id."},
    {"updated_at", FieldType::instant, kReadOnly, "更新时间", "Updated at", nullptr, 0,
     "UTC milliseconds."},
};

// R2.4: a follow-up record (客户跟进记录 / 客户互动日志).
const std::vector<FieldDef> kFollowupFields = {
    {"id", FieldType::integer, kReadOnly, "记录编号", "Record ID", nullptr, 0, "Integer id."},
    {"customer", FieldType::text, kReadOnly, "客户编号", "Customer ID", nullptr, 0,
     "The customer's id, C0001 …."},
    {"plan_id", FieldType::integer, kReadOnly, "跟进计划", "Plan", nullptr, 0,
     "The plan this record completed, if any."},
    {"owner", FieldType::user, 0, "跟进人", "Contacted by", nullptr, 0,
     "Who made the contact; defaults to the session's user."},
    {"method", FieldType::enumeration, kRequired, "跟进方式", "Method", "followup_method", 0,
     "电话 phone / 拜访 visit / 邮件 email / 线上会议 online_meeting."},
    {"contacted_at", FieldType::instant, 0, "跟进时间", "Contacted at", nullptr, 0,
     "UTC milliseconds; defaults to now; not in the future."},
    {"summary", FieldType::text, kRequired, "沟通内容", "What happened", nullptr, 1000,
     "What was discussed."},
    {"feedback", FieldType::text, 0, "客户反馈", "Customer feedback", nullptr, 1000,
     "What the customer said."},
    {"intent_change", FieldType::text, 0, "意向变化", "Change of intent", nullptr, 200,
     "e.g. 采购意向增强."},
    {"major_change", FieldType::text, 0, "重大变更", "Major change", nullptr, 200,
     "e.g. 决策人更换: the customer file must record it within 24 hours (R1.10)."},
    {"next_step", FieldType::text, 0, "下一步计划", "Next step", nullptr, 200,
     "Shown in the customer list (R1.12)."},
    {"next_plan_at", FieldType::instant, 0, "下次跟进时间", "Next contact at", nullptr, 0,
     "When given, a plan for the next contact is created (goal: the next step)."},
    {"next_plan_id", FieldType::integer, kReadOnly, "下次跟进计划", "Next plan", nullptr, 0,
     "The plan created from next_plan_at."},
    {"created_at", FieldType::instant, kReadOnly, "创建时间", "Created at", nullptr, 0,
     "UTC milliseconds."},
    {"created_by", FieldType::user, kReadOnly, "创建人", "Created by", nullptr, 0, "User id."},
};

// R2.6: a maintenance plan for a key customer (客户维护方案), approved before
// it is carried out, then evaluated (客户维护总结).
const std::vector<FieldDef> kMaintenanceFields = {
    {"id", FieldType::integer, kReadOnly, "方案编号", "Plan ID", nullptr, 0, "Integer id."},
    {"customer", FieldType::text, kReadOnly, "客户编号", "Customer ID", nullptr, 0,
     "The customer's id, C0001 …: a key customer (the best tier, A), not archived."},
    {"method", FieldType::text, kRequired, "维护方式", "Method", nullptr, 200,
     "How the customer is looked after, e.g. 定期拜访+专属客服."},
    {"measures", FieldType::text, kRequired, "维护措施", "Measures", nullptr, 1000,
     "What will be done: visits, training, priority service …."},
    {"responsible", FieldType::text, kRequired, "负责人员", "Responsible", nullptr, 200,
     "The people responsible, by name."},
    {"cost", FieldType::decimal, kRequired, "维护费用", "Cost", nullptr, 0,
     "Yuan, exact to the fen: \"12000\" or \"12000.50\"; not negative; read back as text "
     "with two decimals."},
    {"period_start", FieldType::date, kRequired, "开始日期", "Period start", nullptr, 0,
     "YYYY-MM-DD."},
    {"period_end", FieldType::date, kRequired, "结束日期", "Period end", nullptr, 0,
     "YYYY-MM-DD; not before period_start."},
    {"state", FieldType::enumeration, kReadOnly, "状态", "State", "maintenance_state", 0,
     "submitted, then approved or rejected; approved, then carried_out, then evaluated."},
    {"decision_note", FieldType::text, kReadOnly, "审批意见", "Decision note", nullptr, 500,
     "Given with the approval or rejection."},
    {"decided_by", FieldType::user, kReadOnly, "审批人", "Decided by", nullptr, 0,
     "An administrator or a sales manager of the owner's department; never the submitter."},
    {"decided_at", FieldType::instant, kReadOnly, "审批时间", "Decided at", nullptr, 0,
     "UTC milliseconds."},
    {"carried_out_at", FieldType::instant, kReadOnly, "执行时间", "Carried out at", nullptr, 0,
     "UTC milliseconds."},
    {"evaluation", FieldType::text, kReadOnly, "维护总结", "Evaluation", nullptr, 2000,
     "The evaluation (客户维护总结), once carried out."},
    {"satisfaction", FieldType::integer, kReadOnly, "客户满意度", "Satisfaction", nullptr, 0,
     "1 (lowest) to 5, given with the evaluation; NULL if none."},
    {"evaluated_at", FieldType::instant, kReadOnly, "评估时间", "Evaluated at", nullptr, 0,
     "UTC milliseconds."},
    {"created_at", FieldType::instant, kReadOnly, "提交时间", "Submitted at", nullptr, 0,
     "UTC milliseconds."},
    {"created_by", FieldType::user, kReadOnly, "提交人", "Submitted by", nullptr, 0, "User id."},
};

// R4: a lead (线索) as captured from a channel, before it becomes a
// customer.  Validated like a customer's fields; conversion carries them over.
const std::vector<FieldDef> kLeadFields = {
    {"id", FieldType::integer, kReadOnly, "线索编号", "Lead ID", nullptr, 0, "Integer id."},
    {"external_id", FieldType::text, 0, "外部编号", "External ID", nullptr, 100,
     "The host's id of the lead (a form submission id): a second capture with the same id "
     "returns the first lead."},
    {"channel", FieldType::enumeration, kRequired, "线索渠道", "Channel", "source", 0,
     "Where the lead came from, from the source dictionary: website (form), trade_show, "
     "phone_inquiry (call), customer_referral, partner_referral …; becomes the customer's "
     "source."},
    {"company", FieldType::text, kRequired, "公司名称", "Company", nullptr, 100,
     "The company's full name, checked like a customer's name."},
    {"person", FieldType::text, kPersonal, "联系人姓名", "Contact person", nullptr, 50,
     "The person who left their details."},
    {"phone", FieldType::phone, kPersonal, "联系电话", "Phone", nullptr, 0,
     "Stored as E.164; phone or e-mail is required."},
    {"email", FieldType::email, kPersonal, "电子邮箱", "E-mail", nullptr, 0, "E-mail address."},
    {"region", FieldType::text, 0, "所在地区", "Region", nullptr, 50,
     "Province and city, e.g. 广东省深圳市; assignment rules match on it."},
    {"industry", FieldType::enumeration, 0, "所属行业", "Industry", "industry", 0,
     "From the industry dictionary; assignment rules match on it."},
    {"scale", FieldType::enumeration, 0, "企业规模", "Scale", "scale", 0,
     "Employee or revenue band; carried over on conversion."},
    {"key_needs", FieldType::text, 0, "关键需求", "Key needs", nullptr, 200,
     "What the lead asked about; carried over on conversion."},
    {"note", FieldType::text, 0, "备注", "Note", nullptr, 500, "Anything else from the capture."},
    {"owner", FieldType::user, 0, "负责人", "Owner", nullptr, 0,
     "The salesperson the lead is assigned to; NULL while in the pool (线索池)."},
    {"stage", FieldType::enumeration, kReadOnly, "线索阶段", "Stage", "lead_stage", 0,
     "captured, screened, assigned, following, converted or disqualified (R4.4)."},
    {"score", FieldType::decimal, kReadOnly, "线索评分", "Score", nullptr, 0,
     "Behaviour points (R4.3), decayed when a half-life is set; a real number."},
    {"high_value", FieldType::integer, kReadOnly, "高价值线索", "High value", nullptr, 0,
     "1 once the score reached lead.high_value_score (8): 高价值线索."},
    {"high_value_at", FieldType::instant, kReadOnly, "标记高价值时间", "Marked high value at",
     nullptr, 0, "When the score first reached the threshold."},
    {"customer", FieldType::text, kReadOnly, "关联客户", "Customer", nullptr, 0,
     "The customer it duplicates (same phone or e-mail) or was converted to, C0001 …."},
    {"disqualify_reason", FieldType::text, kReadOnly, "无效原因", "Disqualified because", nullptr,
     500, "Given when the lead was disqualified."},
    {"route_note", FieldType::text, kReadOnly, "分配说明", "Assignment note", nullptr, 0,
     "Which rule assigned the lead, or why it went to the pool."},
    {"captured_at", FieldType::instant, kReadOnly, "获取时间", "Captured at", nullptr, 0,
     "UTC milliseconds; each later stage has its own *_at."},
    {"screened_at", FieldType::instant, kReadOnly, "筛选时间", "Screened at", nullptr, 0, ""},
    {"assigned_at", FieldType::instant, kReadOnly, "分配时间", "Assigned at", nullptr, 0, ""},
    {"following_at", FieldType::instant, kReadOnly, "开始跟进时间", "Following since", nullptr, 0,
     ""},
    {"converted_at", FieldType::instant, kReadOnly, "转化时间", "Converted at", nullptr, 0, ""},
    {"disqualified_at", FieldType::instant, kReadOnly, "判定无效时间", "Disqualified at", nullptr,
     0, ""},
    {"version", FieldType::integer, kReadOnly, "版本", "Version", nullptr, 0,
     "Increases with every change."},
    {"created_by", FieldType::user, kReadOnly, "录入人", "Captured by", nullptr, 0, "User id."},
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
    {"absent", FieldType::integer, kReadOnly, "休假中", "Absent", nullptr, 0,
     "1 while away: lead assignment passes them by (set with crm_user_update)."},
};

}  // namespace

const std::vector<FieldDef>* fields_of(std::string_view entity) {
  if (entity == "customer") return &kCustomerFields;
  if (entity == "user") return &kUserFields;
  if (entity == "contact") return &kContactFields;
  if (entity == "followup_plan") return &kPlanFields;
  if (entity == "followup_record") return &kFollowupFields;
  if (entity == "maintenance_plan") return &kMaintenanceFields;
  if (entity == "lead") return &kLeadFields;
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
  static const FieldIndex plan = index_of(kPlanFields);
  static const FieldIndex followup = index_of(kFollowupFields);
  static const FieldIndex maintenance = index_of(kMaintenanceFields);
  static const FieldIndex lead = index_of(kLeadFields);
  const FieldIndex* index = entity == "customer"           ? &customer
                            : entity == "user"             ? &user
                            : entity == "contact"          ? &contact
                            : entity == "followup_plan"    ? &plan
                            : entity == "followup_record"  ? &followup
                            : entity == "maintenance_plan" ? &maintenance
                            : entity == "lead"             ? &lead
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
