#include "service/session.hpp"

#include <algorithm>

#include "domain/error.hpp"
#include "service/auth_data.hpp"
#include "store/customer_repo.hpp"
#include "store/schedule_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr std::int64_t kHour = 3600 * 1000;

std::string checked_role(const std::optional<store::UserRow>& u, const std::string& who) {
  if (!u || !u->active)
    throw Error(Status::not_found, "no active user " + who, "不存在有效用户 " + who);
  return u->role;
}

bool contains(const std::vector<std::int64_t>& sorted, std::int64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

std::vector<std::int64_t> merged(std::vector<std::int64_t> a, const std::vector<std::int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

// The threshold setting of an alert kind (R3.5); 0 = no alert.
std::int64_t alert_threshold(Database& db, const std::string& kind) {
  const std::string& v =
      db.setting(kind == "export" ? "alert.export_rows_per_hour" : "alert." + kind + "_per_hour");
  try {
    return v.empty() ? 0 : std::stoll(v);
  } catch (...) {
    return 0;
  }
}

}  // namespace

std::string ids_json(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "]";
}

Session::Session(Database& db, std::int64_t user_id) : db_(db), user_id_(user_id) {
  checked_role(store::find_user(db.conn(), user_id), std::to_string(user_id));
}

Session::Session(Database& db, const std::string& login) : db_(db), user_id_(0) {
  auto u = store::find_user_by_login(db.conn(), login);
  checked_role(u, "\"" + login + "\"");
  user_id_ = u->id;
}

const Session::Principal& Session::principal() {
  const AuthData& a = db_.auth();
  if (p_.generation == a.generation) return p_;
  Principal p;
  p.generation = a.generation;
  const store::Member* me = a.member(user_id_);
  p.active = me && me->active;
  if (me) {
    p.role = me->role;
    p.department = me->department;
  }
  p.admin = p.active && p.role == "admin";
  p.scopes = a.scopes(p.active ? p.role : std::string());
  if (p.active) {
    if (const store::DepartmentRow* d = a.department(p.department))
      p.department_members = a.members_of(a.subtree(d->id));
    std::vector<std::string> supervised;
    for (const auto& d : a.departments)
      if (d.supervisor && *d.supervisor == user_id_)
        for (auto& name : a.subtree(d.id)) supervised.push_back(std::move(name));
    p.supervised_members = a.members_of(supervised);
    p.grants = store::live_grants(db_.conn(), user_id_, db_.now());
  }
  p_ = std::move(p);
  return p_;
}

const std::string& Session::role() { return principal().role; }
const std::string& Session::department() { return principal().department; }
bool Session::is_admin() { return principal().admin; }

void Session::write_audit(const store::AuditEntry& e) {
  auto& conn = db_.conn();
  store::append_audit(conn, e);
  if (e.alert_kind.empty()) return;
  // Abnormal use (R3.5): more than the threshold within the last hour tells
  // every administrator, once per user, kind and clock hour.
  const std::int64_t limit = alert_threshold(db_, e.alert_kind);
  if (limit <= 0) return;
  const std::int64_t n = store::count_alerts(conn, e.actor, e.alert_kind, e.at - kHour + 1);
  if (n <= limit) return;
  const AuthData& a = db_.auth();
  const store::Member* who = a.member(e.actor);
  const std::string name = who ? who->name : "#" + std::to_string(e.actor);
  const char* what_zh = e.alert_kind == "unmask"   ? "查看完整联系方式"
                        : e.alert_kind == "denied" ? "越权操作被拒绝"
                                                   : "导出客户";
  const char* what_en = e.alert_kind == "unmask"   ? "unmasked contact details"
                        : e.alert_kind == "denied" ? "was denied"
                                                   : "exported customers";
  for (const auto& [id, m] : a.members) {
    if (!m.active || m.role != "admin") continue;
    store::OutboxRow o;
    o.key = "alert:" + e.alert_kind + ":" + std::to_string(e.actor) + ":" +
            std::to_string(e.at / kHour) + ":" + std::to_string(id);
    o.kind = "security_alert";
    o.subject = e.actor;
    o.base_at = e.at;
    o.recipient_user = id;
    o.channel = "app";
    const bool rows = e.alert_kind == "export";
    o.message_zh = "【安全告警】用户“" + name + "”一小时内" + what_zh + " " + std::to_string(n) +
                   (rows ? " 条" : " 次") + "，超过阈值 " + std::to_string(limit);
    o.message_en = "Security alert: " + name + " " + what_en + " " + std::to_string(n) +
                   (rows ? " rows" : " times") + " within an hour (threshold " +
                   std::to_string(limit) + ")";
    o.due_at = e.at;
    o.created_at = e.at;
    store::insert_outbox(conn, o);
  }
}

void Session::audit(const std::string& action, const std::string& object, const std::string& detail,
                    const std::string& alert_kind, std::int64_t amount) {
  write_audit({db_.now(), user_id_, action, object, "ok", detail, alert_kind, amount});
}

void Session::flush_audit() noexcept {
  if (pending_.empty() || db_.conn().scopes() != 0 || db_.conn().readonly()) return;
  try {
    store::WriteTransaction tx(db_.conn());
    for (const auto& e : pending_) write_audit(e);
    tx.commit();
  } catch (...) {
    // The call's own status stands; the denials are retried by the next call.
    return;
  }
  pending_.clear();
}

void Session::refuse(Perm perm, const std::string& object, const std::string& en,
                     const std::string& zh) {
  try {
    deny(perm, object, false);
  } catch (const Error& e) {
    if (e.status() != Status::permission) throw;
  }
  throw Error(Status::permission, en, zh);
}

void Session::deny(Perm perm, const std::string& object, bool hide) {
  const PermissionPair& pair = pair_of(perm);
  store::AuditEntry e{db_.now(), user_id_, std::string(pair.object) + "." + pair.action,
                      object,    "denied", hide ? "not visible" : "",
                      "denied"};
  if (!db_.conn().readonly()) {
    pending_.push_back(std::move(e));
    flush_audit();
  }
  if (!principal().active)
    throw Error(Status::permission, "the account is deactivated", "账号已停用");
  if (hide) {
    // The same message as for a record that does not exist.
    if (object.compare(0, 5, "lead:") == 0)
      throw Error(Status::not_found, "no lead " + object.substr(5),
                  "线索 " + object.substr(5) + " 不存在");
    throw Error(Status::not_found, "no customer " + object, "客户 " + object + " 不存在");
  }
  std::string where = object.empty() ? "" : " (" + object + ")";
  std::string where_zh = object.empty() ? "" : "（" + object + "）";
  throw Error(Status::permission, std::string("not allowed: ") + pair.en + where,
              std::string("无权") + pair.zh + where_zh);
}

bool Session::may(Perm perm) {
  const Principal& p = principal();
  return p.active && allowed(p.scopes, p.admin, perm, Standing{});
}

void Session::authorize(Perm perm) {
  if (!pending_.empty()) flush_audit();
  if (!may(perm)) deny(perm, "", false);
}

Reach Session::reach_of(std::int64_t owner) {
  const Principal& p = principal();
  if (owner == user_id_) return Reach::own;
  if (contains(p.department_members, owner)) return Reach::department;
  return Reach::other;
}

Standing Session::standing(const CustomerRef& c) {
  const Principal& p = principal();
  Standing st;
  st.reach = reach_of(c.owner);
  st.supervisor = contains(p.supervised_members, c.owner);
  const std::int64_t now = db_.now();
  for (const auto& g : p.grants) {
    if (g.customer != c.key || g.expires_at <= now) continue;
    GrantLevel level = g.level == "edit" ? GrantLevel::edit : GrantLevel::view;
    if (level > st.grant) st.grant = level;
    st.grant_groups |= parse_field_groups(g.groups).value_or(kGroupBasic);
  }
  return st;
}

bool Session::may(Perm perm, const CustomerRef& c) {
  const Principal& p = principal();
  return p.active && allowed(p.scopes, p.admin, perm, standing(c));
}

void Session::authorize(Perm perm, const CustomerRef& c) {
  if (!pending_.empty()) flush_audit();
  const Principal& p = principal();
  if (!p.active) deny(perm, store::human_id(c.key), false);
  Standing st = standing(c);
  if (allowed(p.scopes, p.admin, perm, st)) return;
  deny(perm, store::human_id(c.key), !allowed(p.scopes, p.admin, Perm::customer_read, st));
}

Standing Session::lead_standing(std::optional<std::int64_t> owner) {
  if (!owner) {
    Standing st;
    st.reach = Reach::department;  // the pool: the team's, not one person's
    return st;
  }
  Standing st = standing(CustomerRef{0, *owner});
  st.grant = GrantLevel::none;  // grants open customers, not leads
  st.grant_groups = 0;
  return st;
}

bool Session::may_lead(Perm perm, std::optional<std::int64_t> owner) {
  const Principal& p = principal();
  return p.active && allowed(p.scopes, p.admin, perm, lead_standing(owner));
}

void Session::authorize_lead(Perm perm, std::int64_t lead, std::optional<std::int64_t> owner) {
  if (!pending_.empty()) flush_audit();
  const Principal& p = principal();
  const std::string object = "lead:" + std::to_string(lead);
  if (!p.active) deny(perm, object, false);
  Standing st = lead_standing(owner);
  if (allowed(p.scopes, p.admin, perm, st)) return;
  deny(perm, object, !allowed(p.scopes, p.admin, Perm::lead_read, st));
}

Scope Session::scope_of(Perm perm) {
  const Principal& p = principal();
  if (!p.active) return Scope::none;
  return p.admin ? Scope::all : p.scopes[static_cast<int>(perm)];
}

void Session::authorize_for(Perm perm, std::int64_t owner) {
  if (!pending_.empty()) flush_audit();
  const Principal& p = principal();
  Standing st = standing(CustomerRef{0, owner});
  st.grant = GrantLevel::none;
  if (p.active && allowed(p.scopes, p.admin, perm, st)) return;
  deny(perm, "user:" + std::to_string(owner), false);
}

unsigned Session::visible_groups(const CustomerRef& c) {
  const Principal& p = principal();
  if (!p.active) return 0;
  return crm::visible_groups(p.scopes, p.admin, standing(c));
}

Visibility Session::visibility(Perm read, unsigned needed) {
  const Principal& p = principal();
  Visibility v;
  // A deactivated user's open session fails like any other call, rather
  // than seeing an empty list.
  if (!p.active) deny(read, "", false);
  const Scope scope = p.scopes[static_cast<int>(read)];
  if (p.admin || scope == Scope::all) {
    v.all = true;
    return v;
  }
  if (scope == Scope::department)
    v.owners = merged(p.department_members, {user_id_});
  else if (scope == Scope::own)
    v.owners = {user_id_};
  // Supervisors see what is below them where supervision opens the read
  // (customers and their follow-ups, not leads): the rule get applies.
  Standing supervising;
  supervising.supervisor = true;
  if (allowed(p.scopes, false, read, supervising))
    v.owners = merged(v.owners, p.supervised_members);
  const std::int64_t now = db_.now();
  for (const auto& g : p.grants) {
    if (g.expires_at <= now) continue;
    unsigned groups = parse_field_groups(g.groups).value_or(kGroupBasic);
    if (read == Perm::followup_read && !(groups & kGroupFollowup)) continue;
    if ((groups & needed) != needed) continue;
    v.granted.push_back(g.customer);
  }
  std::sort(v.granted.begin(), v.granted.end());
  v.granted.erase(std::unique(v.granted.begin(), v.granted.end()), v.granted.end());
  return v;
}

}  // namespace crm
