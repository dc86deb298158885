#include "service/customers.hpp"

#include <cstdio>
#include <functional>
#include <unordered_map>

#include "domain/calendar.hpp"
#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/lifecycle.hpp"
#include "domain/match_keys.hpp"
#include "domain/messages.hpp"
#include "domain/phone.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "service/automation.hpp"
#include "service/custom_fields.hpp"
#include "service/privacy.hpp"
#include "service/review.hpp"
#include "service/scheduler.hpp"
#include "service/tags.hpp"
#include "store/contact_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/match_key_repo.hpp"
#include "store/merge_repo.hpp"
#include "store/search_repo.hpp"
#include "store/user_repo.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "customer";

Error not_found(std::int64_t key) {
  std::string id = store::human_id(key);
  return Error(Status::not_found, "no customer " + id, "客户 " + id + " 不存在");
}

void fill_display(Record& r) {
  std::string phone = r.text("phone");
  r.set("phone_display", phone.empty() ? Value{} : Value{phone_display(phone)});
}

std::optional<std::string> as_history_text(const Value* v) {
  if (!v || is_null(*v)) return std::nullopt;
  if (is_int(*v)) return std::to_string(std::get<std::int64_t>(*v));
  if (is_real(*v)) return std::to_string(std::get<double>(*v));
  return std::get<std::string>(*v);
}

// Adds an unknown_user error if `owner` (when given and well-typed) is not an
// active user.
void check_owner(Session& s, const Record& values, std::vector<FieldError>& errors) {
  const Value* v = values.find("owner");
  if (!v || !is_int(*v)) return;
  auto id = std::get<std::int64_t>(*v);
  if (id == s.user_id()) return;  // checked when the session was opened
  auto u = store::find_user(s.db().conn(), id);
  if (!u || !u->active)
    errors.push_back(
        field_error(find_field(kEntity, "owner"), "owner", "unknown_user", std::to_string(id)));
}

// Adds a "taken" error if `values` sets an external id another customer
// (than `self`) already has.
void check_external_id(Session& s, const Record& values, std::int64_t self,
                       std::vector<FieldError>& errors) {
  const Value* v = values.find("external_id");
  if (!v || !is_text(*v)) return;
  auto other = store::find_customer_by(s.db().conn(), "external_id", std::get<std::string>(*v));
  if (other && *other != self)
    errors.push_back(field_error(find_field(kEntity, "external_id"), "external_id", "taken",
                                 std::get<std::string>(*v)));
}

// The changed field names, for the audit row.
std::string field_names(const Record& changes) {
  std::string out;
  for (const auto& e : changes.entries()) out += (out.empty() ? "" : ",") + e.first;
  return out;
}

Error step_error(std::string_view from, std::string_view to) {
  return Error(Status::conflict,
               "customer type cannot change from " + std::string(from) + " to " + std::string(to),
               "客户类型不能从 " + std::string(from) + " 变为 " + std::string(to));
}

// Writes `changes` (normalised, only fields that differ from `current`) as one
// transaction with one history row per field.  Returns the new version.
std::int64_t apply_changes(Session& s, std::int64_t key, const Record& current,
                           const Record& changes, const char* kind,
                           const std::optional<std::string>& reason,
                           const std::function<void()>& also = {},
                           const CustomFieldSet* custom = nullptr,
                           const char* audit_action = nullptr) {
  auto version = std::get<std::int64_t>(*current.find("version"));
  if (changes.empty()) return version;
  Record merged = current;
  for (const auto& [name, value] : changes.entries()) merged.set(name, value);
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  if (!store::update_customer(conn, key, merged, version, now, s.user_id()))
    throw Error(Status::conflict, "customer was changed concurrently; read it again",
                "客户已被他人同时修改，请重新读取");
  // Custom values first: the history rows run automation rules, whose
  // conditions must see the record as changed.
  if (custom) write_custom_values(s, *custom, key, changes);
  // The name search index follows the name (src/store/search_repo.hpp).
  if (changes.has("name")) store::refresh_customer_search(conn, key);
  for (const auto& [name, value] : changes.entries())
    record_history(s, key, now,
                   name == "type" && std::string_view(kind) == "update" ? "type" : kind, name,
                   as_history_text(current.find(name)), as_history_text(&value), reason);
  if (also) also();
  // After `also`, which keeps the primary contact in step.
  if (changes.has("name") || changes.has("contact_name") || changes.has("phone") ||
      changes.has("email"))
    store::refresh_match_keys(conn, key);
  s.audit(audit_action ? audit_action : std::string("customer.") + kind, store::human_id(key),
          field_names(changes) + (reason ? "; " + *reason : ""));
  tx.commit();
  return version + 1;
}

std::uint64_t filter_hash(const CustomerQuery& q, const std::string& type_code) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL;
  };
  mix(std::to_string(q.owner));
  mix(type_code);
  mix(q.include_archived ? "a" : "-");
  mix(std::to_string(q.page_size));
  for (auto t : q.tags_all) mix("all" + std::to_string(t));
  for (auto t : q.tags_any) mix("any" + std::to_string(t));
  mix(q.industry);
  mix(q.source);
  for (auto v : {q.created_from, q.created_to, q.updated_from, q.updated_to})
    mix(std::to_string(v));
  mix(q.name_contains);
  for (const auto& f : q.filters) {
    mix(f.field);
    mix(f.op);
    mix(f.value);
  }
  mix(q.sort);
  return h;
}

// Page tokens: "p1.<key>.<hash>" for the default order (id ascending),
// "p2.<phase>.<key>.<value>.<hash>" for any other, where value is "n" (none),
// "i<integer>" or "t<hex of the text>".  The hash binds a token to its query.
std::string make_token(const store::SortPosition& pos, bool default_order, std::uint64_t hash) {
  char buf[64];
  if (default_order) {
    std::snprintf(buf, sizeof buf, "p1.%lld.%016llx", static_cast<long long>(pos.key),
                  static_cast<unsigned long long>(hash));
    return buf;
  }
  std::string v = "n";
  if (is_int(pos.value)) {
    v = "i" + std::to_string(std::get<std::int64_t>(pos.value));
  } else if (is_text(pos.value)) {
    static const char* hex = "0123456789abcdef";
    v = "t";
    for (unsigned char ch : std::get<std::string>(pos.value)) {
      v += hex[ch >> 4];
      v += hex[ch & 15];
    }
  }
  std::snprintf(buf, sizeof buf, "p2.%d.%lld.", pos.phase, static_cast<long long>(pos.key));
  std::string out = buf + v;
  std::snprintf(buf, sizeof buf, ".%016llx", static_cast<unsigned long long>(hash));
  return out + buf;
}

[[noreturn]] void malformed_token() {
  throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
}

void parse_token(const std::string& token, std::uint64_t hash, bool default_order,
                 store::CustomerFilter& f) {
  unsigned long long h = 0;
  int used = 0;
  if (token.size() > 4096) malformed_token();
  if (token.rfind("p1.", 0) == 0) {
    long long after = 0;
    if (std::sscanf(token.c_str(), "p1.%lld.%16llx%n", &after, &h, &used) != 2 ||
        static_cast<size_t>(used) != token.size() || after < 0)
      malformed_token();
    if (h != hash || !default_order)
      throw Error(Status::invalid_arg, "page token belongs to another query",
                  "分页标记属于另一个查询");
    f.after_key = after;
    return;
  }
  int phase = 0;
  long long key = 0;
  if (std::sscanf(token.c_str(), "p2.%d.%lld.%n", &phase, &key, &used) != 2 || used <= 0 ||
      (phase != 0 && phase != 1) || key < 0)
    malformed_token();
  std::string rest = token.substr(static_cast<std::size_t>(used));
  auto dot = rest.rfind('.');
  if (dot == std::string::npos || rest.size() - dot != 17) malformed_token();
  if (std::sscanf(rest.c_str() + dot, ".%16llx%n", &h, &used) != 1 || used != 17) malformed_token();
  std::string v = rest.substr(0, dot);
  Value value;
  if (v == "n") {
  } else if (!v.empty() && v[0] == 'i') {
    auto n = parse_integer_text(std::string_view(v).substr(1));
    if (!n) malformed_token();
    value = *n;
  } else if (!v.empty() && v[0] == 't' && v.size() % 2 == 1) {
    std::string text;
    for (std::size_t i = 1; i < v.size(); i += 2) {
      auto nib = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        malformed_token();
      };
      text += static_cast<char>(nib(v[i]) * 16 + nib(v[i + 1]));
    }
    value = std::move(text);
  } else {
    malformed_token();
  }
  if (h != hash || default_order)
    throw Error(Status::invalid_arg, "page token belongs to another query",
                "分页标记属于另一个查询");
  f.after_phase = phase;
  f.after_key = key;
  f.after_value = std::move(value);
  f.has_after_value = !is_null(f.after_value);
}

}  // namespace

Record load_customer_or_throw(Session& s, std::int64_t key, Perm perm) {
  auto r = store::load_customer(s.db().conn(), key);
  if (!r) throw not_found(key);
  s.authorize(perm, CustomerRef{key, std::get<std::int64_t>(*r->find("owner"))});
  // A merged customer (R9.3) is archived and says where it went.
  if (std::get<std::int64_t>(*r->find("archived")) != 0)
    if (auto into = store::merged_into(s.db().conn(), key))
      r->set("merged_into", store::human_id(*into));
  return std::move(*r);
}

CustomerRef existing_customer(Session& s, std::int64_t key) {
  auto owner = store::customer_owner(s.db().conn(), key);
  if (!owner) throw not_found(key);
  return CustomerRef{key, *owner};
}

CustomerRef require_customer(Session& s, std::int64_t key, Perm perm) {
  CustomerRef ref = existing_customer(s, key);
  s.authorize(perm, ref);
  return ref;
}

Error archived_error(std::int64_t key, const std::optional<std::string>& survivor) {
  const std::string id = store::human_id(key);
  if (survivor)
    return Error(Status::state,
                 "customer " + id + " was merged into " + *survivor + " and cannot change",
                 "客户 " + id + " 已合并到 " + *survivor + "，不能修改");
  return Error(Status::state, "customer " + id + " is archived", "客户 " + id + " 已归档");
}

void require_not_archived(const Record& customer) {
  if (std::get<std::int64_t>(*customer.find("archived")) == 0) return;
  const std::int64_t key = std::get<std::int64_t>(*customer.find("key"));
  std::optional<std::string> survivor;
  if (const Value* into = customer.find("merged_into"); into && is_text(*into))
    survivor = std::get<std::string>(*into);
  throw archived_error(key, survivor);
}

void record_history(Session& s, std::int64_t customer, std::int64_t at, std::string kind,
                    std::optional<std::string> field, std::optional<std::string> before,
                    std::optional<std::string> after, std::optional<std::string> reason,
                    bool major) {
  store::HistoryEntry h;
  h.customer = customer;
  h.at = at;
  h.actor = s.user_id();
  h.kind = std::move(kind);
  h.field = std::move(field);
  h.before = std::move(before);
  h.after = std::move(after);
  h.reason = std::move(reason);
  h.major = major;
  store::insert_history(s.db().conn(), h);
  automation_history(s, h);
}

// A reason is free text kept in the history: valid UTF-8, prose-normalised,
// at most 500 characters; blank means none.
std::optional<std::string> checked_reason(const std::optional<std::string>& reason) {
  if (!reason) return std::nullopt;
  if (!is_valid_utf8(*reason) || reason->size() > 4000 ||
      utf8_length(normalize_text(*reason, TextMode::prose)) > 500)
    throw Error(Status::invalid_arg, "reason must be UTF-8 text of at most 500 characters",
                "原因须为不超过 500 个字符的 UTF-8 文本");
  std::string r = normalize_text(*reason, TextMode::prose);
  if (r.empty()) return std::nullopt;
  return r;
}

std::int64_t customer_key(Session&, std::string_view id) {
  auto key = store::parse_human_id(id);
  if (!key) {
    std::string shown = quote_value(id);
    throw Error(Status::not_found, "no customer " + shown + " (ids look like C0001)",
                "客户 " + shown + " 不存在（编号形如 C0001）");
  }
  return *key;
}

Record validated_new_customer(Session& s, const Record& input, std::int64_t creator) {
  Database& db = s.db();
  const CustomFieldSet& custom = db.custom_fields();
  Normalized n = normalize_fields(kEntity, input, nullptr, db.dictionaries(), &custom);
  Record& v = n.values;
  if (!input.has("type")) v.set("type", std::string("prospect"));
  if (!input.has("owner")) v.set("owner", creator);
  if (!input.has("entry_date")) v.set("entry_date", format_date(local_date(db.now(), db.zone())));
  check_owner(s, v, n.errors);
  check_external_id(s, v, 0, n.errors);
  check_record(kEntity, v, n.errors);
  check_custom_required(custom, v, n.errors);
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  return std::move(v);
}

std::int64_t insert_new_customer(Session& s, const Record& v, std::int64_t creator,
                                 const std::string& audit_detail) {
  // The creation itself is not written to customer_history: who created the
  // customer and when are immutable columns of the customer row, and
  // customer_history() reads its first entry from them.  Writing them twice
  // cost a third of a create's storage work.
  // The registration contact (R1.1) is the customer's primary contact (R1.9).
  Database& db = s.db();
  auto& conn = db.conn();
  const std::int64_t now = db.now();
  store::WriteTransaction tx(conn);
  std::int64_t key = store::insert_customer(conn, v, now, creator);
  store::refresh_customer_search(conn, key);
  Record contact;
  contact.append("name", *v.find("contact_name"));
  if (const Value* p = v.find("phone")) contact.append("phone", *p);
  if (const Value* e = v.find("email")) contact.append("email", *e);
  store::insert_contact(conn, key, contact, true, now, creator);
  // The new customer's keys are those of its values (its only contact is
  // the registration contact).
  store::insert_match_keys(conn, key,
                           make_match_keys(v.text("name"), {v.text("phone")}, {v.text("email")},
                                           {v.text("contact_name")}));
  write_custom_values(s, db.custom_fields(), key, v);
  schedule_new_customer(s, key, now);
  automation_created(s, key, now, &v);
  s.audit("customer.create", store::human_id(key), audit_detail);
  tx.commit();
  return key;
}

std::int64_t create_customer(Session& s, const Record& input) {
  // May the user create customers at all (for themselves)?  Whether the
  // scope reaches another owner is checked once the input is valid.
  s.authorize_for(Perm::customer_create, s.user_id());
  Record v = validated_new_customer(s, input, s.user_id());
  // Who may create a customer for whom: the matrix's customer.create scope
  // reaches the new owner (own: only for oneself).
  const std::int64_t owner = std::get<std::int64_t>(*v.find("owner"));
  if (owner != s.user_id()) s.authorize_for(Perm::customer_create, owner);
  review_create_if_needed(s, v, owner);
  return insert_new_customer(s, v, s.user_id(), "");
}

Record get_customer(Session& s, std::int64_t key, bool unmasked) {
  // One snapshot (and one WAL read lock) for the definitions check, the row
  // and its custom values.
  store::ReadTransaction snapshot(s.db().conn());
  Record r = load_customer_or_throw(s, key, Perm::customer_read);
  const CustomFieldSet& custom = s.db().custom_fields();
  append_custom_values(s, custom, r, key);
  present_customer(s, r, custom, unmasked);
  return r;
}

namespace {
std::int64_t update_loaded(Session& s, std::int64_t key, Record current, const Record& input,
                           const std::optional<std::string>& reviewed);
}  // namespace

std::int64_t update_customer(Session& s, std::int64_t key, const Record& input) {
  Record current = load_customer_or_throw(s, key, Perm::customer_update);
  return update_loaded(s, key, std::move(current), input, std::nullopt);
}

std::int64_t apply_reviewed_update(Session& s, std::int64_t key, const Record& changes,
                                   const std::string& reason) {
  auto current = store::load_customer(s.db().conn(), key);
  if (!current) throw not_found(key);
  return update_loaded(s, key, std::move(*current), changes, reason);
}

namespace {

// An update of a loaded customer.  `reviewed` is the reason of an approved
// review (R1.6): the author's rights were checked when it was submitted,
// and it does not go to review again.
std::int64_t update_loaded(Session& s, std::int64_t key, Record current, const Record& input,
                           const std::optional<std::string>& reviewed) {
  // What happened to the customer comes before what is wrong with the values.
  require_not_archived(current);
  Record fields = input;
  std::vector<FieldError> errors;
  if (const Value* v = input.find("version")) {
    if (!is_int(*v)) {
      errors.push_back(field_error(find_field(kEntity, "version"), "version", "wrong_type",
                                   "an integer", "整数"));
    } else {
      auto expected = std::get<std::int64_t>(*v);
      auto stored = std::get<std::int64_t>(*current.find("version"));
      if (expected != stored)
        throw Error(Status::conflict,
                    "stale version " + std::to_string(expected) + ": the customer is at version " +
                        std::to_string(stored) + "; read it again",
                    "版本 " + std::to_string(expected) + " 已过期：客户当前版本为 " +
                        std::to_string(stored) + "，请重新读取");
    }
    fields.unset("version");
  }
  // A record read back from get carries phone_display; accept it unchanged.
  fill_display(current);
  const CustomFieldSet& custom = s.db().custom_fields();
  append_custom_values(s, custom, current, key);
  drop_unchanged_masks(fields, current, custom);
  Normalized n = normalize_fields(kEntity, fields, &current, s.db().dictionaries(), &custom);
  n.errors.insert(n.errors.begin(), errors.begin(), errors.end());
  check_owner(s, n.values, n.errors);
  check_external_id(s, n.values, key, n.errors);
  Record merged = current;
  for (const auto& [name, value] : n.values.entries()) merged.set(name, value);
  check_record(kEntity, merged, n.errors);
  if (!n.errors.empty()) throw_validation(std::move(n.errors));

  Record changes;
  for (const auto& [name, value] : n.values.entries()) {
    const Value* old = current.find(name);
    if (!old || *old != value) changes.set(name, value);
  }
  if (const Value* t = changes.find("type")) {
    std::string from = current.text("type");
    if (!lifecycle_step_allowed(from, std::get<std::string>(*t)))
      throw step_error(from, std::get<std::string>(*t));
  }
  const CustomerRef ref{key, std::get<std::int64_t>(*current.find("owner"))};
  if (!reviewed) {
    // A new owner is a transfer (customer.transfer, R3.1).
    if (const Value* o = changes.find("owner")) {
      s.authorize(Perm::customer_transfer, ref);
      s.authorize_for(Perm::customer_transfer, std::get<std::int64_t>(*o));
    }
    // A grant to edit opens only its field groups.
    const unsigned groups = s.visible_groups(ref);
    for (const auto& [name, value] : changes.entries())
      if (!(groups & group_of_field(name)))
        throw Error(Status::permission, "not allowed: field " + name + " is outside your grant",
                    "无权修改字段 " + name + "（不在授权范围内）");
    current.unset("phone_display");
    review_update_if_needed(s, key, ref.owner, current, changes);
  }
  current.unset("phone_display");
  // contact_name, phone and e-mail are the primary contact's: keep it in step.
  std::function<void()> sync_contact;
  if (changes.has("contact_name") || changes.has("phone") || changes.has("email")) {
    sync_contact = [&] {
      auto& conn = s.db().conn();
      std::int64_t primary = store::primary_contact(conn, key);
      auto contact = primary ? store::load_contact(conn, primary) : std::nullopt;
      if (!contact) return;
      contact->set("name", *merged.find("contact_name"));
      contact->set("phone", *merged.find("phone"));
      contact->set("email", *merged.find("email"));
      store::update_contact(conn, primary, *contact, s.db().now(), s.user_id());
    };
  }
  return apply_changes(s, key, current, changes, "update", reviewed, sync_contact, &custom,
                       "customer.update");
}

}  // namespace

void set_customer_type(Session& s, std::int64_t key, std::string_view type,
                       std::optional<std::string> reason) {
  reason = checked_reason(reason);
  Record current = load_customer_or_throw(s, key, Perm::customer_update);
  require_not_archived(current);
  Record input;
  input.set("type", std::string(type));
  Normalized n = normalize_fields(kEntity, input, &current, s.db().dictionaries());
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  std::string from = current.text("type");
  std::string to = n.values.text("type");
  if (!lifecycle_step_allowed(from, to)) throw step_error(from, to);
  apply_changes(s, key, current, n.values, "type", reason);
}

void archive_customer(Session& s, std::int64_t key, std::optional<std::string> reason) {
  reason = checked_reason(reason);
  Record current = load_customer_or_throw(s, key, Perm::customer_archive);
  require_not_archived(current);
  Record changes;
  changes.set("archived", std::int64_t{1});
  apply_changes(s, key, current, changes, "archive", reason, [&] {
    // An archived customer is due for nothing.
    store::set_next_due_date(s.db().conn(), key, std::nullopt);
    unschedule_customer(s, key);
  });
}

namespace {

Error no_active_user(std::int64_t id) {
  return Error(Status::not_found, "no active user " + std::to_string(id),
               "不存在有效用户 " + std::to_string(id));
}

void check_active_user(Session& s, std::int64_t id) {
  auto u = store::find_user(s.db().conn(), id);
  if (!u || !u->active) throw no_active_user(id);
}

// Moves one customer (already authorised) inside the caller's transaction
// or its own.
void move_customer(Session& s, const Record& current, std::int64_t new_owner,
                   const std::optional<std::string>& reason) {
  const std::int64_t key = std::get<std::int64_t>(*current.find("key"));
  Record changes;
  changes.set("owner", new_owner);
  apply_changes(
      s, key, current, changes, "transfer", reason,
      [&] { store::move_open_plans(s.db().conn(), key, new_owner, s.db().now(), s.user_id()); },
      nullptr, "customer.transfer");
}

}  // namespace

void transfer_customer(Session& s, std::int64_t key, std::int64_t new_owner,
                       std::optional<std::string> reason) {
  reason = checked_reason(reason);
  Record current = load_customer_or_throw(s, key, Perm::customer_transfer);
  require_not_archived(current);
  check_active_user(s, new_owner);
  s.authorize_for(Perm::customer_transfer, new_owner);
  if (std::get<std::int64_t>(*current.find("owner")) == new_owner) return;
  move_customer(s, current, new_owner, reason);
}

std::int64_t transfer_customers(Session& s, std::int64_t from, std::int64_t to,
                                std::optional<std::string> reason) {
  reason = checked_reason(reason);
  if (!store::find_user(s.db().conn(), from)) throw no_active_user(from);
  check_active_user(s, to);
  s.authorize_for(Perm::customer_transfer, from);
  s.authorize_for(Perm::customer_transfer, to);
  if (from == to) return 0;
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  std::int64_t moved = 0;
  for (std::int64_t key : store::customers_of_owner(conn, from)) {
    auto current = store::load_customer(conn, key);
    if (!current) continue;
    move_customer(s, *current, to, reason);
    ++moved;
  }
  tx.commit();
  return moved;
}

void review_customer(Session& s, std::int64_t key, std::optional<std::string> note) {
  note = checked_reason(note);
  Record current = load_customer_or_throw(s, key, Perm::customer_update);
  require_not_archived(current);
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::set_reviewed(conn, key, now, s.user_id());
  record_history(s, key, now, "review", std::nullopt, std::nullopt, std::nullopt, note);
  schedule_review(s, key, now);
  s.audit("customer.review", store::human_id(key), note.value_or(""));
  tx.commit();
}

namespace {

std::string dictionary_filter(Session& s, const char* dict, const std::string& input,
                              const char* what_en, const char* what_zh) {
  if (input.empty()) return {};
  auto code = s.db().dictionaries().resolve(dict, input);
  if (!code)
    throw Error(Status::invalid_arg,
                std::string("unknown ") + what_en + " \"" + quote_value(input) + "\"",
                std::string("未知的") + what_zh + "“" + quote_value(input) + "”");
  return *code;
}

void check_range(std::int64_t from, std::int64_t to, const char* what) {
  if (from < 0 || to < 0 || (from != 0 && to != 0 && to <= from))
    throw Error(Status::invalid_arg, std::string(what) + ": the range is empty or negative",
                std::string(what) + "：时间范围为空或为负");
}

Error bad_filter(const std::string& field, const std::string& en, const std::string& zh) {
  return Error(Status::invalid_arg, "filter on " + quote_value(field) + ": " + en,
               "字段“" + quote_value(field) + "”的筛选条件：" + zh);
}

// Phones are stored in E.164, where a national prefix such as 021's 0 is
// gone: a part of a number would not match what the user typed, so
// "contains" is for free text and e-mails only.
bool is_text_type(FieldType t) { return t == FieldType::text || t == FieldType::email; }

// A field filter checked and turned into a condition on stored values.
store::Condition field_condition(Session& s, const CustomFieldSet& custom, const FieldFilter& ff) {
  static const char* const kOps[] = {"=",  "!=",   "<",        "<=",      ">",
                                     ">=", "null", "not_null", "contains"};
  store::Condition c;
  for (const char* op : kOps)
    if (ff.op == op) c.op = op;
  if (c.op.empty())
    throw bad_filter(
        ff.field,
        "unknown operator \"" + quote_value(ff.op) +
            "\" (use = != < <= > >= null not_null contains)",
        "未知的运算符“" + quote_value(ff.op) + "”（可用 = != < <= > >= null not_null contains）");
  const CustomField* cf = is_custom_name(ff.field) ? custom.find(ff.field) : nullptr;
  const FieldDef* def = cf ? &cf->def : find_field(kEntity, ff.field);
  if (!def || ff.field == "phone_display")
    throw Error(Status::invalid_arg,
                "cannot filter on unknown field \"" + quote_value(ff.field) + "\"",
                "不能按未知字段“" + quote_value(ff.field) + "”筛选");
  if (cf) {
    c.field_id = cf->id;
  } else {
    std::string name = def->name;
    c.column = name == "owner" ? "owner_id" : name == "key" ? "id" : name;
  }
  if (c.op == "null" || c.op == "not_null") return c;
  if (c.op == "contains") {
    if (!is_text_type(def->type))
      throw bad_filter(ff.field, "contains applies to text fields", "contains 只适用于文本字段");
    std::string t = is_valid_utf8(ff.value) && ff.value.size() <= 800
                        ? normalize_text(ff.value, TextMode::prose)
                        : std::string();
    if (t.empty() || utf8_length(t) > 100)
      throw bad_filter(ff.field, "contains needs UTF-8 text of 1 to 100 characters",
                       "contains 需要 1 到 100 个字符的 UTF-8 文本");
    c.value = t;
    return c;
  }
  if (def->type == FieldType::enumeration && c.op != "=" && c.op != "!=")
    throw bad_filter(ff.field, "values of a list field can only be compared with = and !=",
                     "可选值字段只能用 = 和 != 比较");
  FieldError error;
  std::optional<Value> v;
  if (cf) {
    v = normalize_custom_value(*cf, Value{ff.value}, s.db().dictionaries(), error);
    if (v) v = stored_custom_value(*cf, *v);
  } else if (ff.field == "id") {
    auto key = store::parse_human_id(ff.value);
    if (key)
      v = Value{*key};
    else
      error = field_error(def, "id", "unknown_value", quote_value(ff.value));
  } else {
    v = normalize_filter_value(kEntity, *def, ff.value, s.db().dictionaries(), error);
  }
  if (!v) throw bad_filter(ff.field, error.message_en, error.message_zh);
  if (is_null(*v))
    throw bad_filter(ff.field, "a value is needed (use null to find empty fields)",
                     "需要一个值（查找空值请用 null）");
  c.value = std::move(*v);
  return c;
}

void apply_sort(const CustomFieldSet& custom, const std::string& sort, store::CustomerFilter& f) {
  std::string_view name = sort;
  f.descending = !name.empty() && name[0] == '-';
  if (f.descending) name.remove_prefix(1);
  if (name.empty() || name == "id") {
    f.sort_column = "id";
    return;
  }
  if (is_custom_name(name)) {
    const CustomField* cf = custom.find(name);
    if (cf) {
      f.sort_field = cf->id;
      return;
    }
  } else if (name == "name_pinyin") {
    // Chinese order (拼音排序): ICU's zh collation, registered on every
    // connection as crm_zh.
    f.sort_column = "name";
    f.sort_collation = "crm_zh";
    return;
  } else {
    for (const char* col : {"name", "entry_date", "created_at", "updated_at"})
      if (name == col) {
        f.sort_column = col;
        return;
      }
  }
  throw Error(Status::invalid_arg,
              "cannot sort on \"" + quote_value(sort) +
                  "\" (sortable: id, name, name_pinyin, entry_date, created_at, updated_at, "
                  "custom.<name>)",
              "不能按“" + quote_value(sort) +
                  "”排序（可排序：id、name、name_pinyin、entry_date、created_at、updated_at、"
                  "custom.<字段名>）");
}

// Everything but paging, checked and resolved to stored codes; `normalized`
// gets the canonical form used for page tokens.
store::CustomerFilter customer_filter(Session& s, const CustomFieldSet& custom,
                                      const CustomerQuery& q, CustomerQuery& normalized) {
  normalized = q;
  store::CustomerFilter f;
  f.owner = q.owner;
  f.type = dictionary_filter(s, "customer_type", q.type, "customer type", "客户类型");
  f.include_archived = q.include_archived;
  if (q.tags_all.size() > 32 || q.tags_any.size() > 32)
    throw Error(Status::invalid_arg, "at most 32 tags in each tag filter",
                "每个标签筛选条件最多 32 个标签");
  check_tags_exist(s, q.tags_all);
  check_tags_exist(s, q.tags_any);
  f.tags_all = q.tags_all;
  f.tags_any = q.tags_any;
  f.industry = dictionary_filter(s, "industry", q.industry, "industry", "行业");
  f.source = dictionary_filter(s, "source", q.source, "source channel", "信息来源渠道");
  check_range(q.created_from, q.created_to, "created");
  check_range(q.updated_from, q.updated_to, "updated");
  f.created_from = q.created_from;
  f.created_to = q.created_to;
  f.updated_from = q.updated_from;
  f.updated_to = q.updated_to;
  if (!q.name_contains.empty()) {
    if (!is_valid_utf8(q.name_contains) || q.name_contains.size() > 800)
      throw Error(Status::invalid_arg, "name_contains must be UTF-8 text of at most 100 characters",
                  "名称关键字须为不超过 100 个字符的 UTF-8 文本");
    f.name_contains = normalize_text(q.name_contains, TextMode::prose);
    if (utf8_length(f.name_contains) > 100)
      throw Error(Status::invalid_arg, "name_contains must be UTF-8 text of at most 100 characters",
                  "名称关键字须为不超过 100 个字符的 UTF-8 文本");
  }
  if (q.filters.size() > 16)
    throw Error(Status::invalid_arg, "at most 16 field filters", "字段筛选条件最多 16 个");
  for (std::size_t i = 0; i < q.filters.size(); ++i) {
    f.conditions.push_back(field_condition(s, custom, q.filters[i]));
    const Value& v = f.conditions.back().value;
    normalized.filters[i].value = is_null(v) ? "" : *as_history_text(&v);
  }
  apply_sort(custom, q.sort, f);
  normalized.type = f.type;
  normalized.industry = f.industry;
  normalized.source = f.source;
  normalized.name_contains = f.name_contains;
  return f;
}

// Only what the user may see (R3.1): their own customers, their
// department's or everyone's as the matrix says, the departments they
// supervise, and their grants.
void restrict_to_visible(Session& s, store::CustomerFilter& f, const CustomerQuery& q) {
  unsigned needed = kGroupBasic;
  for (const auto& ff : q.filters) needed |= group_of_field(ff.field);
  if (!q.tags_all.empty() || !q.tags_any.empty()) needed |= kGroupNeeds;
  std::string_view sort = q.sort;
  if (!sort.empty() && sort[0] == '-') sort.remove_prefix(1);
  needed |= group_of_field(sort);
  Visibility v = s.visibility(Perm::customer_read, needed);
  f.restricted = !v.all;
  f.visible_owners = std::move(v.owners);
  f.visible_keys = std::move(v.granted);
}

}  // namespace

CustomerPage list_customers(Session& s, const CustomerQuery& q) {
  return list_customers(
      s, q, [&s](Record& r, const CustomFieldSet& custom) { present_customer(s, r, custom); });
}

CustomerPage list_customers(Session& s, const CustomerQuery& q, const RowFilter& present) {
  if (q.page_size < 0 || q.page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be between 1 and 1000 (0 = 50)",
                "每页条数须在 1 到 1000 之间（0 表示 50）");
  store::ReadTransaction snapshot(s.db().conn());
  CustomerQuery norm;
  const CustomFieldSet& custom = s.db().custom_fields();
  store::CustomerFilter f = customer_filter(s, custom, q, norm);
  restrict_to_visible(s, f, q);
  if (norm.page_size == 0) norm.page_size = 50;
  f.limit = norm.page_size;
  std::uint64_t hash = filter_hash(norm, f.type);
  const bool default_order = f.sort_field == 0 && f.sort_column == "id" && !f.descending;
  if (!q.after.empty()) parse_token(q.after, hash, default_order, f);
  bool more = false;
  CustomerPage page;
  store::SortPosition last;
  page.rows = store::list_customers(s.db().conn(), f, more, &last);
  for (auto& r : page.rows) {
    append_custom_values(s, custom, r, std::get<std::int64_t>(*r.find("key")));
    present(r, custom);
  }
  if (more && !page.rows.empty()) page.next = make_token(last, default_order, hash);
  return page;
}

std::int64_t count_customers(Session& s, const CustomerQuery& q) {
  store::ReadTransaction snapshot(s.db().conn());
  CustomerQuery norm;
  store::CustomerFilter f = customer_filter(s, s.db().custom_fields(), q, norm);
  restrict_to_visible(s, f, q);
  return store::count_customers(s.db().conn(), f);
}

std::vector<Record> customer_history(Session& s, std::int64_t key) {
  store::ReadTransaction snapshot(s.db().conn());
  Record current = load_customer_or_throw(s, key, Perm::customer_read);
  // A grantee sees the changes of the field groups the grant opens.
  const unsigned groups =
      s.visible_groups(CustomerRef{key, std::get<std::int64_t>(*current.find("owner"))});
  Record created;
  created.set("at", *current.find("created_at"));
  created.set("actor", *current.find("created_by"));
  created.set("kind", std::string("create"));
  for (const char* f : {"field", "before", "after", "reason"}) created.set(f, Value{});
  created.set("major", std::int64_t{0});
  std::vector<Record> rows{std::move(created)};
  const CustomFieldSet& custom = s.db().custom_fields();
  for (auto& r : store::load_history(s.db().conn(), key)) {
    if (!(groups & group_of_field(r.text("field")))) continue;
    mask_history_row(r, custom);
    rows.push_back(std::move(r));
  }
  return rows;
}

HistoryPage list_history(Session& s, const HistoryQuery& q) {
  if (q.page_size < 0 || q.page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be between 1 and 1000 (0 = 100)",
                "每页条数须在 1 到 1000 之间（0 表示 100）");
  if (q.since < 0 || q.until < 0 || (q.until != 0 && q.until <= q.since))
    throw Error(Status::invalid_arg, "the time range is empty or negative", "时间范围为空或为负");
  store::HistoryFilter f;
  f.actor = q.actor;
  f.since = q.since;
  f.until = q.until;
  f.limit = q.page_size == 0 ? 100 : q.page_size;
  if (!q.customer.empty()) {
    f.customer = customer_key(s, q.customer);
    require_customer(s, f.customer, Perm::customer_read);
  }
  Visibility v = s.visibility(Perm::customer_read);
  f.restricted = !v.all;
  f.visible_owners = std::move(v.owners);
  f.visible_keys = std::move(v.granted);
  // The token carries the position and a hash of the filters it belongs to.
  std::uint64_t hash = 1469598103934665603ULL;
  for (std::int64_t v : {f.actor, f.customer, f.since, f.until, std::int64_t{f.limit}})
    for (int i = 0; i < 8; ++i)
      hash = (hash ^ ((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF)) * 1099511628211ULL;
  if (!q.after.empty()) {
    long long at = 0, seq = 0;
    unsigned long long h = 0;
    int used = 0;
    if (std::sscanf(q.after.c_str(), "h1.%lld.%lld.%16llx%n", &at, &seq, &h, &used) != 3 ||
        static_cast<std::size_t>(used) != q.after.size())
      throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
    if (h != hash)
      throw Error(Status::invalid_arg, "page token belongs to another query",
                  "分页标记属于另一个查询");
    f.first_page = false;
    f.after_at = at;
    f.after_seq = seq;
  }
  bool more = false;
  HistoryPage page;
  page.rows = store::query_history(s.db().conn(), f, more);
  const CustomFieldSet& custom = s.db().custom_fields();
  // The next page starts after the last row read, shown or not (a page may
  // then hold fewer rows than asked: the token says whether more follow).
  if (more && !page.rows.empty()) {
    char buf[96];
    const Record& last = page.rows.back();
    std::snprintf(buf, sizeof buf, "h1.%lld.%lld.%016llx",
                  static_cast<long long>(std::get<std::int64_t>(*last.find("at"))),
                  static_cast<long long>(std::get<std::int64_t>(*last.find("seq"))),
                  static_cast<unsigned long long>(hash));
    page.next = buf;
  }
  std::unordered_map<std::int64_t, unsigned> groups;  // by customer, for grantees
  std::vector<Record> shown;
  shown.reserve(page.rows.size());
  for (auto& r : page.rows) {
    if (f.restricted) {
      const std::int64_t key = store::parse_human_id(r.text("customer")).value_or(0);
      auto it = groups.find(key);
      if (it == groups.end()) {
        auto owner = store::customer_owner(s.db().conn(), key);
        it = groups.emplace(key, owner ? s.visible_groups(CustomerRef{key, *owner}) : 0u).first;
      }
      if (!(it->second & group_of_field(r.text("field")))) continue;
    }
    mask_history_row(r, custom);
    shown.push_back(std::move(r));
  }
  page.rows = std::move(shown);
  return page;
}

}  // namespace crm
