#include "service/review.hpp"

#include <algorithm>
#include <cstdio>

#include "domain/json.hpp"
#include "domain/messages.hpp"
#include "domain/permissions.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/privacy.hpp"
#include "store/customer_repo.hpp"
#include "store/review_repo.hpp"
#include "store/schedule_repo.hpp"

namespace crm {
namespace {

Error no_change(std::int64_t id) {
  return Error(Status::not_found, "no pending change " + change_id(id),
               "待审核变更 " + change_id(id) + " 不存在");
}

// Reviewers (相关负责人) are those with customer.approve over the owner.
bool is_reviewer(Session& s, std::int64_t owner) {
  return s.may(Perm::customer_approve, CustomerRef{0, owner});
}

std::vector<std::string> reviewed_fields(Session& s) {
  std::vector<std::string> out;
  const std::string& list = s.db().setting("review.fields");
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

[[noreturn]] void submit(Session& s, store::PendingRow p) {
  auto& conn = s.db().conn();
  p.author = s.user_id();
  p.submitted_at = s.db().now();
  store::WriteTransaction tx(conn);
  p.id = store::insert_pending(conn, p);
  s.audit("review.submit", change_id(p.id) + (p.customer ? "/" + store::human_id(*p.customer) : ""),
          p.kind);
  tx.commit();
  throw Pending(p.id);
}

// Tells the author how their change was decided, in the caller's transaction.
void notify_author(Session& s, const store::PendingRow& p) {
  store::OutboxRow m;
  m.key = "review_decision:" + std::to_string(p.id) + ":app";
  m.kind = "review_decision";
  m.subject = p.id;
  m.base_at = p.decided_at.value_or(s.db().now());
  m.customer = p.customer;
  m.recipient_user = p.author;
  m.channel = "app";
  const std::string what = p.customer ? store::human_id(*p.customer) : std::string();
  if (p.state == "approved") {
    m.message_zh =
        "【审核通过】变更 " + change_id(p.id) + " 已生效" + (what.empty() ? "" : "：" + what);
    m.message_en = "Approved: change " + change_id(p.id) + " took effect" +
                   (what.empty() ? "" : " (" + what + ")");
  } else {
    m.message_zh = "【审核未通过】变更 " + change_id(p.id) + "：" + p.reason.value_or("");
    m.message_en = "Rejected: change " + change_id(p.id) + ": " + p.reason.value_or("");
  }
  m.due_at = m.base_at;
  m.created_at = s.db().now();
  store::insert_outbox(s.db().conn(), m);
}

Record to_record(Session& s, const store::PendingRow& p) {
  Record out;
  out.append("id", change_id(p.id));
  out.append("kind", p.kind);
  out.append("customer", p.customer ? Value{store::human_id(*p.customer)} : Value{});
  out.append("author", p.author);
  const store::Member* m = s.db().auth().member(p.author);
  out.append("author_name", m ? Value{m->name} : Value{});
  out.append("owner", p.owner);
  Record fields = unpack_record(p.fields).value_or(Record{});
  mask_record(fields, s.db().custom_fields());
  out.append("fields", record_to_json(fields));
  out.append("state", p.state);
  out.append("submitted_at", p.submitted_at);
  out.append("decided_by", optional_value(p.decided_by));
  out.append("decided_at", optional_value(p.decided_at));
  out.append("reason", optional_value(p.reason));
  out.append("result",
             p.kind == "create" && p.customer ? Value{store::human_id(*p.customer)} : Value{});
  return out;
}

}  // namespace

Pending::Pending(std::int64_t change)
    : Error(Status::pending,
            "submitted for review as " + change_id(change) + ": it takes effect once approved",
            "已提交审核（" + change_id(change) + "），审核通过后生效"),
      change_(change) {}

std::string change_id(std::int64_t change) { return "R" + std::to_string(change); }

std::optional<std::int64_t> parse_change_id(std::string_view id) {
  if (id.size() < 2 || id.size() > 20 || (id[0] != 'R' && id[0] != 'r')) return std::nullopt;
  std::int64_t n = 0;
  for (char c : id.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n <= 0) return std::nullopt;
  return n;
}

void review_create_if_needed(Session& s, const Record& values, std::int64_t owner) {
  if (s.db().setting("review.create") != "1" || is_reviewer(s, owner)) return;
  store::PendingRow p;
  p.kind = "create";
  p.owner = owner;
  p.fields = pack_record(values);
  submit(s, std::move(p));
}

void review_update_if_needed(Session& s, std::int64_t key, std::int64_t owner,
                             const Record& current, const Record& changes) {
  if (changes.empty() || s.db().setting("review.fields").empty()) return;
  auto reviewed = reviewed_fields(s);
  bool touched =
      std::any_of(changes.entries().begin(), changes.entries().end(), [&](const Record::Entry& e) {
        return std::find(reviewed.begin(), reviewed.end(), e.first) != reviewed.end();
      });
  if (!touched || is_reviewer(s, owner)) return;
  Record before;
  for (const auto& e : changes.entries()) {
    const Value* v = current.find(e.first);
    before.append(e.first, v ? *v : Value{});
  }
  store::PendingRow p;
  p.kind = "update";
  p.customer = key;
  p.owner = owner;
  p.fields = pack_record(changes);
  p.before = pack_record(before);
  submit(s, std::move(p));
}

std::vector<Record> list_pending(Session& s, const PendingQuery& q) {
  store::PendingFilter f;
  f.pending_only = q.pending_only;
  if (q.view == "mine") {
    f.author = s.user_id();
  } else if (q.view == "customer") {
    f.customer = q.customer;
    require_customer(s, q.customer, Perm::customer_read);
  } else if (q.view != "to_review") {
    throw Error(
        Status::invalid_arg,
        "the view is \"mine\", \"to_review\" or \"customer\", not \"" + quote_value(q.view) + "\"",
        "视图须为 mine、to_review 或 customer，而非“" + quote_value(q.view) + "”");
  }
  store::ReadTransaction rt(s.db().conn());
  std::vector<Record> out;
  for (const auto& p : store::query_pending(s.db().conn(), f)) {
    if (q.view == "to_review" && (p.author == s.user_id() || !is_reviewer(s, p.owner))) continue;
    out.push_back(to_record(s, p));
  }
  return out;
}

std::int64_t decide_pending(Session& s, std::int64_t change, bool approve,
                            const std::optional<std::string>& reason) {
  auto r = checked_reason(reason);
  auto& conn = s.db().conn();
  auto loaded = store::load_pending(conn, change);
  if (!loaded) throw no_change(change);
  store::PendingRow p = std::move(*loaded);
  const std::string object =
      change_id(change) + (p.customer ? "/" + store::human_id(*p.customer) : "");
  if (!is_reviewer(s, p.owner)) {
    if (p.author != s.user_id() && p.customer &&
        !s.may(Perm::customer_read, CustomerRef{*p.customer, p.owner}))
      throw no_change(change);
    s.refuse(Perm::customer_approve, object,
             "only a reviewer of the owner's department or an administrator decides on " +
                 change_id(change),
             "只有客户负责人所在部门的审核人或系统管理员可以审核 " + change_id(change));
  }
  if (p.author == s.user_id())
    s.refuse(Perm::customer_approve, object,
             change_id(change) + " was submitted by you: someone else must review it",
             change_id(change) + " 由您提交，须由他人审核");
  if (p.state != "pending")
    throw Error(Status::state, change_id(change) + " is " + p.state + ", not pending",
                change_id(change) + " 已不是待审核状态（" + p.state + "）");
  if (!approve && !r)
    throw Error(Status::invalid_arg, "a rejection needs a reason", "驳回须填写原因");
  auto fields = unpack_record(p.fields);
  if (!fields)
    throw Error(Status::corrupt, change_id(change) + " cannot be read back",
                change_id(change) + " 的内容无法读取");
  store::WriteTransaction tx(conn);
  std::int64_t result = 0;
  if (approve) {
    const std::string note = "审核通过 " + change_id(change);
    if (p.kind == "create") {
      Record v = validated_new_customer(s, *fields, p.author);
      result = insert_new_customer(s, v, p.author, note);
      p.customer = result;
    } else {
      result = p.customer.value_or(0);
      auto current = store::load_customer(conn, result);
      if (!current)
        throw Error(Status::not_found, "no customer " + store::human_id(result),
                    "客户 " + store::human_id(result) + " 不存在");
      append_custom_values(s, s.db().custom_fields(), *current, result);
      auto before = unpack_record(p.before.value_or("")).value_or(Record{});
      for (const auto& [name, value] : before.entries()) {
        const Value* now = current->find(name);
        if (!(now ? *now == value : is_null(value)))
          throw Error(Status::conflict,
                      change_id(change) + ": " + name +
                          " changed since it was submitted; reject it, or submit it again",
                      change_id(change) + "：字段 " + name + " 在提交后已被修改，请驳回或重新提交");
      }
      apply_reviewed_update(s, result, *fields, note);
    }
  }
  p.state = approve ? "approved" : "rejected";
  p.decided_by = s.user_id();
  p.decided_at = s.db().now();
  p.reason = r;
  store::update_pending(conn, p);
  notify_author(s, p);
  s.audit(approve ? "review.approve" : "review.reject",
          change_id(change) + (p.customer ? "/" + store::human_id(*p.customer) : ""),
          r.value_or(""));
  tx.commit();
  return result;
}

void withdraw_pending(Session& s, std::int64_t change) {
  auto& conn = s.db().conn();
  auto p = store::load_pending(conn, change);
  if (!p || p->author != s.user_id()) throw no_change(change);
  if (p->state != "pending")
    throw Error(Status::state, change_id(change) + " is " + p->state + ", not pending",
                change_id(change) + " 已不是待审核状态（" + p->state + "）");
  p->state = "withdrawn";
  store::WriteTransaction tx(conn);
  store::update_pending(conn, *p);
  s.audit("review.withdraw", change_id(change));
  tx.commit();
}

}  // namespace crm
