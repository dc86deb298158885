#include "service/contacts.hpp"

#include "domain/customer_rules.hpp"
#include "domain/error.hpp"
#include "domain/field_registry.hpp"
#include "domain/messages.hpp"
#include "domain/phone.hpp"
#include "service/customers.hpp"
#include "service/privacy.hpp"
#include "store/contact_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/match_key_repo.hpp"
#include "store/tag_repo.hpp"

namespace crm {
namespace {

constexpr const char* kEntity = "contact";

Record load_contact_or_throw(Session& s, std::int64_t id) {
  auto c = store::load_contact(s.db().conn(), id);
  if (!c || std::get<std::int64_t>(*c->find("removed")) != 0)
    throw Error(Status::not_found, "no contact " + std::to_string(id),
                "联系人 " + std::to_string(id) + " 不存在");
  return std::move(*c);
}

std::int64_t customer_of(const Record& contact) {
  return std::get<std::int64_t>(*contact.find("customer_key"));
}

bool is_decision_maker(const Record& r) {
  const Value* v = r.find("decision_maker");
  return v && is_int(*v) && std::get<std::int64_t>(*v) == 1;
}

// decision_maker is 0 or 1.
void check_flag(const Normalized& n, std::vector<FieldError>& errors) {
  const Value* v = n.values.find("decision_maker");
  if (v && is_int(*v) && std::get<std::int64_t>(*v) != 0 && std::get<std::int64_t>(*v) != 1)
    errors.push_back(field_error(find_field(kEntity, "decision_maker"), "decision_maker",
                                 "unknown_value", std::to_string(std::get<std::int64_t>(*v))));
}

std::string label_of(std::int64_t id, const Record& contact) {
  return std::to_string(id) + ":" + contact.text("name");
}

void record_change(Session& s, std::int64_t customer, std::int64_t now, std::string field,
                   std::optional<std::string> before, std::optional<std::string> after, bool major,
                   std::optional<std::string> reason = std::nullopt) {
  record_history(s, customer, now, "contact", std::move(field), std::move(before), std::move(after),
                 std::move(reason), major);
}

// The customer of a contact, once the user may do `perm` on it and sees
// its contacts (a grant without the contact group does not open them).
CustomerRef contacts_of(Session& s, std::int64_t customer, Perm perm) {
  CustomerRef ref = require_customer(s, customer, perm);
  if (!(s.visible_groups(ref) & kGroupContact))
    throw Error(Status::permission, "not allowed: contacts are outside your grant",
                "无权查看联系人（不在授权范围内）");
  return ref;
}

void show_contact(Record& r, const CustomFieldSet& custom, bool unmasked) {
  std::string phone = r.text("phone");
  r.set("phone_display", phone.empty() ? Value{} : Value{phone_display(phone)});
  r.unset("customer_key");
  if (!unmasked) mask_record(r, custom);
}

std::optional<std::string> as_text(const Value* v) {
  if (!v || is_null(*v)) return std::nullopt;
  if (is_int(*v)) return std::to_string(std::get<std::int64_t>(*v));
  return std::get<std::string>(*v);
}

}  // namespace

std::int64_t add_contact(Session& s, std::int64_t customer, const Record& input) {
  contacts_of(s, customer, Perm::customer_update);
  Record c = load_customer_or_throw(s, customer, Perm::customer_update);
  require_not_archived(c);
  Normalized n = normalize_fields(kEntity, input, nullptr, s.db().dictionaries());
  check_flag(n, n.errors);
  check_record(kEntity, n.values, n.errors);
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  const bool first = store::primary_contact(conn, customer) == 0;
  std::int64_t id = store::insert_contact(conn, customer, n.values, first, now, s.user_id());
  if (first) store::mirror_primary(conn, customer, n.values);
  store::refresh_match_keys(conn, customer);
  store::touch_customer(conn, customer, now, s.user_id());
  record_change(s, customer, now, "contacts", std::nullopt, label_of(id, n.values),
                is_decision_maker(n.values));
  s.audit("contact.add", store::human_id(customer) + "/contact:" + std::to_string(id));
  tx.commit();
  return id;
}

Record get_contact(Session& s, std::int64_t id, bool unmasked) {
  Record r = load_contact_or_throw(s, id);
  contacts_of(s, customer_of(r), Perm::customer_read);
  show_contact(r, s.db().custom_fields(), unmasked);
  return r;
}

std::int64_t contact_customer(Session& s, std::int64_t id) {
  return customer_of(load_contact_or_throw(s, id));
}

void update_contact(Session& s, std::int64_t id, const Record& input) {
  Record current = load_contact_or_throw(s, id);
  const std::int64_t customer = customer_of(current);
  contacts_of(s, customer, Perm::customer_update);
  Record shown = current;  // what a read returned, for read-only comparisons
  std::string phone = shown.text("phone");
  shown.set("phone_display", phone.empty() ? Value{} : Value{phone_display(phone)});
  Record fields = input;
  drop_unchanged_masks(fields, shown, s.db().custom_fields());
  Normalized n = normalize_fields(kEntity, fields, &shown, s.db().dictionaries());
  check_flag(n, n.errors);
  Record merged = current;
  for (const auto& [name, value] : n.values.entries()) merged.set(name, value);
  check_record(kEntity, merged, n.errors);
  if (!n.errors.empty()) throw_validation(std::move(n.errors));
  require_not_archived(load_customer_or_throw(s, customer, Perm::customer_update));

  Record changes;
  for (const auto& [name, value] : n.values.entries()) {
    const Value* old = current.find(name);
    if (!old || *old != value) changes.set(name, value);
  }
  if (changes.empty()) return;
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::update_contact(conn, id, merged, now, s.user_id());
  if (std::get<std::int64_t>(*current.find("primary")) == 1)
    store::mirror_primary(conn, customer, merged);
  store::refresh_match_keys(conn, customer);
  store::touch_customer(conn, customer, now, s.user_id());
  for (const auto& [name, value] : changes.entries())
    record_change(s, customer, now, "contact." + std::to_string(id) + "." + name,
                  as_text(current.find(name)), as_text(&value), name == "decision_maker");
  std::string names;
  for (const auto& e : changes.entries()) names += (names.empty() ? "" : ",") + e.first;
  s.audit("contact.update", store::human_id(customer) + "/contact:" + std::to_string(id), names);
  tx.commit();
}

void remove_contact(Session& s, std::int64_t id, std::optional<std::string> reason) {
  reason = checked_reason(reason);
  Record current = load_contact_or_throw(s, id);
  const std::int64_t customer = customer_of(current);
  contacts_of(s, customer, Perm::customer_update);
  require_not_archived(load_customer_or_throw(s, customer, Perm::customer_update));
  if (std::get<std::int64_t>(*current.find("primary")) == 1)
    throw Error(Status::conflict,
                "contact " + std::to_string(id) +
                    " is the primary contact; make another contact primary first",
                "联系人 " + std::to_string(id) + " 是主要联系人，请先将其他联系人设为主要联系人");
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  Record merged = current;
  merged.set("removed", std::int64_t{1});
  store::WriteTransaction tx(conn);
  store::update_contact(conn, id, merged, now, s.user_id());
  store::refresh_match_keys(conn, customer);
  store::touch_customer(conn, customer, now, s.user_id());
  s.audit("contact.remove", store::human_id(customer) + "/contact:" + std::to_string(id),
          reason.value_or(""));
  record_change(s, customer, now, "contacts", label_of(id, current), std::nullopt,
                is_decision_maker(current), std::move(reason));
  tx.commit();
}

void make_primary_contact(Session& s, std::int64_t id) {
  Record contact = load_contact_or_throw(s, id);
  const std::int64_t customer = customer_of(contact);
  contacts_of(s, customer, Perm::customer_update);
  require_not_archived(load_customer_or_throw(s, customer, Perm::customer_update));
  auto& conn = s.db().conn();
  const std::int64_t old = store::primary_contact(conn, customer);
  if (old == id) return;
  auto previous = old ? store::load_contact(conn, old) : std::nullopt;
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::set_primary_contact(conn, customer, id);
  store::mirror_primary(conn, customer, contact);
  store::touch_customer(conn, customer, now, s.user_id());
  record_change(s, customer, now, "primary_contact",
                previous ? std::optional<std::string>(label_of(old, *previous)) : std::nullopt,
                label_of(id, contact), false);
  s.audit("contact.make_primary", store::human_id(customer) + "/contact:" + std::to_string(id));
  tx.commit();
}

std::vector<Record> list_contacts(Session& s, std::int64_t customer) {
  contacts_of(s, customer, Perm::customer_read);
  auto rows = store::list_contacts(s.db().conn(), customer, false);
  const CustomFieldSet& custom = s.db().custom_fields();
  for (auto& r : rows) show_contact(r, custom, false);
  return rows;
}

}  // namespace crm
