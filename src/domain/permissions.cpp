#include "domain/permissions.hpp"

#include <algorithm>

namespace crm {
namespace {

using P = Perm;

const std::array<PermissionPair, kPermCount> kPairs = {{
    {P::customer_read, "customer", "read", true, "查看客户", "View customers"},
    {P::customer_create, "customer", "create", true, "新建客户", "Create customers"},
    {P::customer_update, "customer", "update", true, "修改客户", "Edit customers"},
    {P::customer_archive, "customer", "archive", true, "归档客户", "Archive customers"},
    {P::customer_transfer, "customer", "transfer", true, "转移客户", "Transfer ownership"},
    {P::customer_unmask, "customer", "unmask", true, "查看完整联系方式", "Unmask contact details"},
    {P::customer_export, "customer", "export", true, "导出客户", "Export customers"},
    {P::customer_erase, "customer", "erase", true, "删除个人信息", "Erase personal data"},
    {P::customer_approve, "customer", "approve", true, "审核客户变更与访问申请",
     "Approve changes and access requests"},
    {P::followup_read, "followup", "read", true, "查看跟进", "View follow-ups"},
    {P::followup_write, "followup", "write", true, "记录跟进", "Record follow-ups"},
    {P::maintenance_read, "maintenance", "read", true, "查看维护方案", "View maintenance plans"},
    {P::maintenance_write, "maintenance", "write", true, "制定维护方案", "Write maintenance plans"},
    {P::maintenance_approve, "maintenance", "approve", true, "审批维护方案",
     "Approve maintenance plans"},
    {P::lead_read, "lead", "read", true, "查看线索", "View leads"},
    {P::lead_write, "lead", "write", true, "处理线索", "Work on leads"},
    {P::campaign_read, "campaign", "read", false, "查看营销活动", "View campaigns"},
    {P::campaign_write, "campaign", "write", false, "管理营销活动", "Manage campaigns"},
    {P::ticket_read, "ticket", "read", true, "查看服务工单", "View service tickets"},
    {P::ticket_write, "ticket", "write", true, "处理服务工单", "Work on service tickets"},
    {P::user_read, "user", "read", false, "查看用户与部门", "View users and departments"},
    {P::user_manage, "user", "manage", false, "管理用户、部门与权限",
     "Manage users, departments and permissions"},
    {P::config_read, "config", "read", false, "查看配置", "View configuration"},
    {P::config_manage, "config", "manage", false, "修改配置", "Change configuration"},
    {P::audit_read, "audit", "read", false, "查看审计日志", "Read the audit log"},
    {P::schedule_run, "schedule", "run", false, "运行提醒与发件箱", "Run reminders and the outbox"},
    {P::backup_run, "backup", "run", false, "备份数据库", "Back up the database"},
}};

const std::vector<std::string> kBuiltinRoles = {"sales", "sales_manager", "service", "marketing",
                                                "admin"};

void set(RoleScopes& r, std::initializer_list<Perm> perms, Scope s) {
  for (Perm p : perms) r[static_cast<int>(p)] = s;
}

bool is_read_like_for_supervisor(Perm p) {
  switch (p) {
    case P::customer_read:
    case P::customer_approve:
    case P::customer_transfer:
    case P::followup_read:
    case P::maintenance_read:
    case P::maintenance_approve:
      return true;
    default:
      return false;
  }
}

bool allowed_by_role(const RoleScopes& role, bool admin, Perm perm, const Standing& st) {
  if (admin) return true;
  const PermissionPair& pair = pair_of(perm);
  Scope scope = role[static_cast<int>(perm)];
  if (!pair.scoped) return scope != Scope::none;
  return scope_covers(scope, st.reach);
}

}  // namespace

const std::array<PermissionPair, kPermCount>& permission_pairs() { return kPairs; }

const PermissionPair& pair_of(Perm p) { return kPairs[static_cast<std::size_t>(p)]; }

std::optional<Perm> find_perm(std::string_view object, std::string_view action) {
  for (const auto& p : kPairs)
    if (object == p.object && action == p.action) return p.perm;
  return std::nullopt;
}

const char* scope_name(Scope s) {
  switch (s) {
    case Scope::own:
      return "own";
    case Scope::department:
      return "department";
    case Scope::all:
      return "all";
    case Scope::none:
      break;
  }
  return "none";
}

std::optional<Scope> parse_scope(std::string_view name) {
  for (Scope s : {Scope::none, Scope::own, Scope::department, Scope::all})
    if (name == scope_name(s)) return s;
  return std::nullopt;
}

RoleScopes default_role_scopes(std::string_view role) {
  RoleScopes r{};
  r.fill(Scope::none);
  if (role == "admin") {
    r.fill(Scope::all);
    return r;
  }
  if (role != "sales" && role != "sales_manager" && role != "service" && role != "marketing")
    return r;
  set(r, {P::user_read, P::config_read}, Scope::all);
  if (role == "sales") {
    set(r,
        {P::customer_read, P::customer_create, P::customer_update, P::customer_archive,
         P::customer_unmask, P::customer_export, P::followup_read, P::followup_write,
         P::maintenance_read, P::maintenance_write, P::lead_read, P::lead_write, P::ticket_read},
        Scope::own);
  } else if (role == "sales_manager") {
    set(r,
        {P::customer_create, P::customer_update, P::customer_archive, P::followup_write,
         P::maintenance_write},
        Scope::own);
    set(r,
        {P::customer_read, P::customer_transfer, P::customer_unmask, P::customer_export,
         P::customer_approve, P::followup_read, P::maintenance_read, P::maintenance_approve,
         P::lead_read, P::lead_write, P::ticket_read},
        Scope::department);
    set(r, {P::campaign_read}, Scope::all);
  } else if (role == "service") {
    set(r, {P::customer_read, P::followup_read, P::ticket_read, P::ticket_write}, Scope::all);
  } else {  // marketing
    set(r, {P::lead_read, P::lead_write, P::campaign_read, P::campaign_write}, Scope::all);
  }
  return r;
}

const std::vector<std::string>& builtin_roles() { return kBuiltinRoles; }

std::string render_permission_matrix() {
  std::string out =
      "| object.action | 中文 | sales 销售 | sales_manager 销售经理 | service 客服 | marketing "
      "市场 | admin 系统管理员 |\n|---|---|---|---|---|---|---|\n";
  for (const auto& p : kPairs) {
    out += std::string("| `") + p.object + "." + p.action + "` | " + p.zh + " |";
    for (const std::string& role : kBuiltinRoles) {
      Scope s = default_role_scopes(role)[static_cast<int>(p.perm)];
      out += std::string(" ") + (s == Scope::none ? "—" : scope_name(s)) + " |";
    }
    out += "\n";
  }
  return out;
}

std::optional<unsigned> parse_field_groups(std::string_view list) {
  unsigned mask = kGroupBasic;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "basic")
      mask |= kGroupBasic;
    else if (item == "contact")
      mask |= kGroupContact;
    else if (item == "needs")
      mask |= kGroupNeeds;
    else if (item == "followup")
      mask |= kGroupFollowup;
    else if (item == "all")
      mask |= kGroupAll;
    else if (!item.empty())
      return std::nullopt;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return mask;
}

std::string field_groups_text(unsigned mask) {
  std::string out;
  const std::pair<unsigned, const char*> names[] = {{kGroupBasic, "basic"},
                                                    {kGroupContact, "contact"},
                                                    {kGroupNeeds, "needs"},
                                                    {kGroupFollowup, "followup"}};
  for (const auto& [bit, name] : names)
    if (mask & bit) out += (out.empty() ? "" : ",") + std::string(name);
  return out;
}

FieldGroup group_of_field(std::string_view f) {
  // Customer fields, and the fields of history rows ("contacts",
  // "contact.<id>.<field>", "tags", "maintenance.<id>", "lead.<id>").
  if (f == "contact_name" || f == "contact_title" || f == "phone" || f == "phone_display" ||
      f == "email" || f == "contacts" || f == "primary_contact" || f.rfind("contact.", 0) == 0)
    return kGroupContact;
  if (f == "key_needs" || f == "priority" || f == "tags" || f.rfind("custom.", 0) == 0)
    return kGroupNeeds;
  if (f == "last_followup_at" || f == "next_step" || f == "next_due_date" ||
      f.rfind("maintenance.", 0) == 0 || f.rfind("lead.", 0) == 0)
    return kGroupFollowup;
  return kGroupBasic;
}

bool scope_covers(Scope scope, Reach reach) {
  switch (scope) {
    case Scope::all:
      return true;
    case Scope::department:
      return reach != Reach::other;
    case Scope::own:
      return reach == Reach::own;
    case Scope::none:
      break;
  }
  return false;
}

bool allowed(const RoleScopes& role, bool admin, Perm perm, const Standing& st) {
  if (allowed_by_role(role, admin, perm, st)) return true;
  if (!pair_of(perm).scoped) return false;
  if (st.supervisor && is_read_like_for_supervisor(perm)) return true;
  if (st.grant == GrantLevel::none) return false;
  const bool edit = st.grant == GrantLevel::edit;
  const bool followups = (st.grant_groups & kGroupFollowup) != 0;
  switch (perm) {
    case P::customer_read:
      return true;
    case P::customer_update:
      return edit;
    case P::customer_unmask:
      // A grant opens contact details only to a role that may unmask at all.
      return (st.grant_groups & kGroupContact) != 0 &&
             role[static_cast<int>(P::customer_unmask)] != Scope::none;
    case P::followup_read:
      return followups;
    case P::followup_write:
      return edit && followups;
    default:
      return false;
  }
}

unsigned visible_groups(const RoleScopes& role, bool admin, const Standing& st) {
  if (allowed_by_role(role, admin, P::customer_read, st) || st.supervisor) return kGroupAll;
  if (st.grant != GrantLevel::none) return st.grant_groups | kGroupBasic;
  return 0;
}

}  // namespace crm
