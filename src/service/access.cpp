#include "service/access.hpp"

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "domain/permissions.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "store/access_repo.hpp"
#include "store/auth_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/schedule_repo.hpp"

namespace crm {
namespace {

constexpr std::int64_t kHourMs = 3600 * 1000;

Error no_request(std::int64_t id) {
  return Error(Status::not_found, "no access request " + std::to_string(id),
               "访问申请 " + std::to_string(id) + " 不存在");
}

std::string object_of(const store::AccessRequestRow& r) {
  return store::human_id(r.customer) + "/access:" + std::to_string(r.id);
}

// The owner of the customer, or someone with customer.approve over it.
bool may_decide(Session& s, const CustomerRef& c) {
  return c.owner == s.user_id() || s.may(Perm::customer_approve, c);
}

// A request the session's user may decide on (or revoke): not_found when
// they may not even see it.
store::AccessRequestRow decidable(Session& s, std::int64_t id, CustomerRef& ref) {
  auto r = store::load_access_request(s.db().conn(), id);
  if (!r) throw no_request(id);
  auto owner = store::customer_owner(s.db().conn(), r->customer);
  ref = CustomerRef{r->customer, owner.value_or(0)};
  if (r->requester == s.user_id() && !may_decide(s, ref))
    s.refuse(Perm::customer_approve, object_of(*r),
             "access request " + std::to_string(id) + " is yours: the customer's owner decides",
             "访问申请 " + std::to_string(id) + " 由您提出，须由客户负责人审批");
  if (!may_decide(s, ref)) {
    if (!s.may(Perm::customer_read, ref)) throw no_request(id);
    s.refuse(Perm::customer_approve, object_of(*r),
             "only the owner of " + store::human_id(r->customer) +
                 ", its supervisors or an administrator decide on access to it",
             "只有客户 " + store::human_id(r->customer) +
                 " 的负责人、其主管或系统管理员可以审批访问申请");
  }
  return std::move(*r);
}

// Tells the requester the outcome, through the outbox, in the caller's
// transaction.
void notify_requester(Session& s, const store::AccessRequestRow& r) {
  auto c = store::load_schedule(s.db().conn(), r.customer);
  const std::string name = c ? c->name : store::human_id(r.customer);
  const std::string id = store::human_id(r.customer);
  store::OutboxRow m;
  m.key = "access_decision:" + std::to_string(r.id) + ":" + r.state + ":app";
  m.kind = "access_decision";
  m.subject = r.id;
  m.base_at = r.decided_at.value_or(s.db().now());
  m.customer = r.customer;
  m.recipient_user = r.requester;
  m.channel = "app";
  if (r.state == "approved") {
    const std::string until = format_local_minute(*r.expires_at, s.db().zone());
    m.message_zh = "【访问申请已批准】客户“" + name + "”（" + id + "）：可访问至 " + until;
    m.message_en = "Access approved: " + name + " (" + id + ") until " + until;
  } else {
    m.message_zh = "【访问申请未获批准】客户“" + name + "”（" + id + "）" +
                   (r.note ? "：" + *r.note : std::string());
    m.message_en =
        "Access rejected: " + name + " (" + id + ")" + (r.note ? ": " + *r.note : std::string());
  }
  m.due_at = m.base_at;
  m.created_at = s.db().now();
  store::insert_outbox(s.db().conn(), m);
}

std::string shown_state(const store::AccessRequestRow& r, std::int64_t now) {
  if (r.state == "approved" && r.expires_at && *r.expires_at <= now) return "expired";
  return r.state;
}

Record to_record(Session& s, const store::AccessRequestRow& r) {
  Record out;
  out.append("id", r.id);
  out.append("customer", store::human_id(r.customer));
  out.append("requester", r.requester);
  const store::Member* m = s.db().auth().member(r.requester);
  out.append("requester_name", m ? Value{m->name} : Value{});
  out.append("level", r.level);
  out.append("field_groups", r.groups);
  out.append("reason", r.reason);
  out.append("hours", r.hours);
  out.append("state", shown_state(r, s.db().now()));
  out.append("requested_at", r.requested_at);
  out.append("decided_by", optional_value(r.decided_by));
  out.append("decided_at", optional_value(r.decided_at));
  out.append("note", optional_value(r.note));
  out.append("expires_at", optional_value(r.expires_at));
  out.append("revoked_by", optional_value(r.revoked_by));
  out.append("revoked_at", optional_value(r.revoked_at));
  return out;
}

}  // namespace

std::int64_t request_access(Session& s, std::int64_t customer, const AccessRequestSpec& spec) {
  auto& conn = s.db().conn();
  const std::int64_t owner = existing_customer(s, customer).owner;
  if (spec.level != "view" && spec.level != "edit")
    throw Error(
        Status::invalid_arg,
        "an access request is for \"view\" or \"edit\", not \"" + quote_value(spec.level) + "\"",
        "访问申请须为 view（查看）或 edit（编辑），而非“" + quote_value(spec.level) + "”");
  auto groups = parse_field_groups(spec.groups);
  if (!groups)
    throw Error(Status::invalid_arg,
                "field groups are basic, contact, needs, followup (or all), not \"" +
                    quote_value(spec.groups) + "\"",
                "字段组须为 basic、contact、needs、followup（或 all），而非“" +
                    quote_value(spec.groups) + "”");
  auto reason = checked_reason(spec.reason);
  if (!reason)
    throw Error(Status::invalid_arg, "an access request needs a reason", "访问申请须填写原因");
  std::int64_t max_hours = 720;
  if (auto v = parse_integer_text(s.db().setting("access.max_hours"))) max_hours = *v;
  if (spec.hours < 1 || spec.hours > max_hours)
    throw Error(Status::invalid_arg,
                "an access request lasts 1 to " + std::to_string(max_hours) + " hours",
                "访问申请时长须为 1 到 " + std::to_string(max_hours) + " 小时");
  if (owner == s.user_id())
    throw Error(Status::conflict,
                "customer " + store::human_id(customer) + " is yours: there is nothing to request",
                "客户 " + store::human_id(customer) + " 由您负责，无需申请");
  if (auto pending = store::pending_request(conn, customer, s.user_id()))
    throw Error(Status::conflict,
                "your access request " + std::to_string(*pending) + " for " +
                    store::human_id(customer) + " is still pending",
                "您对客户 " + store::human_id(customer) + " 的访问申请 " +
                    std::to_string(*pending) + " 尚在审批中");
  store::AccessRequestRow r;
  r.customer = customer;
  r.requester = s.user_id();
  r.level = spec.level;
  r.groups = field_groups_text(*groups);
  r.reason = *reason;
  r.hours = spec.hours;
  r.requested_at = s.db().now();
  store::WriteTransaction tx(conn);
  r.id = store::insert_access_request(conn, r);
  schedule_access_request(s, r.id, r.requested_at);
  s.audit("access.request", object_of(r),
          r.level + " " + r.groups + " " + std::to_string(r.hours) + "h; " + r.reason);
  tx.commit();
  return r.id;
}

void decide_access(Session& s, std::int64_t request, bool approve,
                   const std::optional<std::string>& note) {
  auto n = checked_reason(note);
  CustomerRef ref;
  store::AccessRequestRow r = decidable(s, request, ref);
  if (r.state != "pending")
    throw Error(Status::state,
                "access request " + std::to_string(request) + " is " + r.state + ", not pending",
                "访问申请 " + std::to_string(request) + " 已不是待审批状态（" + r.state + "）");
  const std::int64_t now = s.db().now();
  r.state = approve ? "approved" : "rejected";
  r.decided_by = s.user_id();
  r.decided_at = now;
  r.note = n;
  if (approve) r.expires_at = now + r.hours * kHourMs;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::update_access_request(conn, r);
  store::drop_timer(conn, "access_pending", r.id);
  notify_requester(s, r);
  if (approve) store::bump_auth_epoch(conn);
  s.audit(approve ? "access.approve" : "access.reject", object_of(r), n.value_or(""));
  tx.commit();
  if (approve) s.db().auth_changed();
}

void revoke_access(Session& s, std::int64_t request, const std::optional<std::string>& reason) {
  auto why = checked_reason(reason);
  CustomerRef ref;
  store::AccessRequestRow r = decidable(s, request, ref);
  const std::int64_t now = s.db().now();
  if (shown_state(r, now) != "approved")
    throw Error(Status::state,
                "access request " + std::to_string(request) + " is " + shown_state(r, now) +
                    ": only a grant in force can be revoked",
                "访问申请 " + std::to_string(request) + " 当前为 " + shown_state(r, now) +
                    "，只有生效中的授权可以撤销");
  r.state = "revoked";
  r.revoked_by = s.user_id();
  r.revoked_at = now;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::update_access_request(conn, r);
  store::bump_auth_epoch(conn);
  s.audit("access.revoke", object_of(r), why.value_or(""));
  tx.commit();
  s.db().auth_changed();
}

void withdraw_access(Session& s, std::int64_t request) {
  auto r = store::load_access_request(s.db().conn(), request);
  if (!r || r->requester != s.user_id()) throw no_request(request);
  if (r->state != "pending")
    throw Error(Status::state,
                "access request " + std::to_string(request) + " is " + r->state + ", not pending",
                "访问申请 " + std::to_string(request) + " 已不是待审批状态（" + r->state + "）");
  r->state = "withdrawn";
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::update_access_request(conn, *r);
  store::drop_timer(conn, "access_pending", r->id);
  s.audit("access.withdraw", object_of(*r));
  tx.commit();
}

std::vector<Record> list_access(Session& s, const AccessQuery& q) {
  store::AccessFilter f;
  f.pending_only = q.pending_only;
  if (q.view == "mine") {
    f.requester = s.user_id();
  } else if (q.view == "customer") {
    f.customer = q.customer;
    const CustomerRef ref = existing_customer(s, q.customer);
    if (!may_decide(s, ref)) {
      s.authorize(Perm::customer_read, ref);  // not_found when invisible
      s.refuse(Perm::customer_approve, store::human_id(q.customer),
               "only the owner, its supervisors or an administrator list its access requests",
               "只有客户负责人、其主管或系统管理员可以查看其访问申请");
    }
  } else if (q.view == "to_decide") {
    f.pending_only = true;
  } else {
    throw Error(
        Status::invalid_arg,
        "the view is \"mine\", \"to_decide\" or \"customer\", not \"" + quote_value(q.view) + "\"",
        "视图须为 mine、to_decide 或 customer，而非“" + quote_value(q.view) + "”");
  }
  store::ReadTransaction rt(s.db().conn());
  std::vector<Record> out;
  for (const auto& r : store::query_access_requests(s.db().conn(), f)) {
    if (q.view == "to_decide") {
      auto owner = store::customer_owner(s.db().conn(), r.customer);
      if (r.requester == s.user_id() || !may_decide(s, CustomerRef{r.customer, owner.value_or(0)}))
        continue;
    }
    out.push_back(to_record(s, r));
  }
  return out;
}

}  // namespace crm
