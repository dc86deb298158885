#include "service/privacy.hpp"

#include <cstdio>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/masking.hpp"
#include "domain/permissions.hpp"
#include "domain/phone.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "service/scheduler.hpp"
#include "store/contact_repo.hpp"
#include "store/customer_repo.hpp"
#include "store/followup_repo.hpp"
#include "store/match_key_repo.hpp"

namespace crm {
namespace {

std::string masked(const Value& v, char kind) {
  if (!is_text(v)) {
    if (is_int(v)) return mask_text(std::to_string(std::get<std::int64_t>(v)));
    return mask_text("*");
  }
  const std::string& t = std::get<std::string>(v);
  switch (kind) {
    case 'p':
      return mask_phone(t);
    case 'e':
      return mask_email(t);
    default:
      return mask_text(t);
  }
}

std::string required_reason(const std::optional<std::string>& reason) {
  auto r = checked_reason(reason);
  if (!r)
    throw Error(Status::invalid_arg, "unmasking needs a reason", "查看完整联系方式须填写原因");
  return *r;
}

}  // namespace

char masked_kind(std::string_view field, const CustomFieldSet& custom) {
  if (field.rfind("contact.", 0) == 0) field = field.substr(field.rfind('.') + 1);
  if (field == "phone" || field == "phone_display") return 'p';
  if (field == "email") return 'e';
  if (is_custom_name(field)) {
    const CustomField* cf = custom.find(field);
    if (cf && cf->personal) return 't';
  }
  return 0;
}

void mask_record(Record& r, const CustomFieldSet& custom) {
  for (auto& [name, value] : r.mutable_entries()) {
    if (is_null(value)) continue;
    if (char kind = masked_kind(name, custom)) {
      // phone_display is shown masked like the phone itself.
      value = Value{masked(value, kind)};
    }
  }
}

void present_customer(Session& s, Record& r, const CustomFieldSet& custom, bool unmasked) {
  CustomerRef ref{std::get<std::int64_t>(*r.find("key")), std::get<std::int64_t>(*r.find("owner"))};
  const unsigned groups = s.visible_groups(ref);
  if (groups != kGroupAll) {
    Record kept;
    for (const auto& [name, value] : r.entries())
      if (groups & group_of_field(name)) kept.append(name, value);
    r = std::move(kept);
  }
  // The display form is made here, once: in clear from the stored number,
  // masked straight from it (formatting a number costs more than a row).
  std::string phone;
  if (const Value* p = r.find("phone"); p && is_text(*p)) phone = std::get<std::string>(*p);
  const bool shows_display = r.has("phone_display");
  if (shows_display) r.set("phone_display", Value{});
  if (!unmasked) mask_record(r, custom);
  if (shows_display && !phone.empty())
    r.set("phone_display", unmasked ? phone_display(phone) : mask_phone(phone));
}

void mask_history_row(Record& r, const CustomFieldSet& custom) {
  const Value* field = r.find("field");
  if (!field || !is_text(*field)) return;
  char kind = masked_kind(std::get<std::string>(*field), custom);
  if (!kind) return;
  for (const char* side : {"before", "after"}) {
    const Value* v = r.find(side);
    if (v && !is_null(*v)) r.set(side, masked(*v, kind));
  }
}

void drop_unchanged_masks(Record& input, const Record& stored, const CustomFieldSet& custom) {
  std::vector<std::string> drop;
  for (const auto& [name, value] : input.entries()) {
    char kind = masked_kind(name, custom);
    if (!kind || !is_text(value)) continue;
    const Value* old = stored.find(name);
    if (!old || is_null(*old)) continue;
    if (std::get<std::string>(value) == masked(*old, kind)) drop.push_back(name);
  }
  for (const auto& name : drop) input.unset(name);
}

Record unmask_customer(Session& s, std::int64_t key, const std::optional<std::string>& reason) {
  std::string why = required_reason(reason);
  Record r = get_customer(s, key, /*unmasked=*/true);
  CustomerRef ref{key, std::get<std::int64_t>(*r.find("owner"))};
  s.authorize(Perm::customer_unmask, ref);
  store::WriteTransaction tx(s.db().conn());
  s.audit("customer.unmask", store::human_id(key), why, "unmask");
  tx.commit();
  return r;
}

Record unmask_contact(Session& s, std::int64_t contact, const std::optional<std::string>& reason) {
  std::string why = required_reason(reason);
  const std::int64_t key = contact_customer(s, contact);
  Record r = get_contact(s, contact, /*unmasked=*/true);
  auto owner = store::customer_owner(s.db().conn(), key);
  s.authorize(Perm::customer_unmask, CustomerRef{key, owner.value_or(0)});
  store::WriteTransaction tx(s.db().conn());
  s.audit("contact.unmask", store::human_id(key) + "/contact:" + std::to_string(contact), why,
          "unmask");
  tx.commit();
  return r;
}

void erase_customer(Session& s, std::int64_t key, const std::optional<std::string>& reason) {
  auto why = checked_reason(reason);
  if (!why)
    throw Error(Status::invalid_arg, "erasing personal data needs a reason",
                "删除个人信息须填写原因");
  CustomerRef ref = require_customer(s, key, Perm::customer_erase);
  (void)ref;
  const CustomFieldSet& custom = s.db().custom_fields();
  std::vector<std::int64_t> ids;
  std::vector<std::string> names;
  for (const auto& f : custom.all())
    if (f.live && f.personal) {
      ids.push_back(f.id);
      names.push_back(f.qualified);
    }
  auto& conn = s.db().conn();
  const std::int64_t now = s.db().now();
  store::WriteTransaction tx(conn);
  store::erase_personal_data(conn, key, "已删除", ids, names, now, s.user_id());
  store::refresh_match_keys(conn, key);
  // An erased customer is due for nothing (its reminders would name no one).
  store::set_next_due_date(conn, key, std::nullopt);
  unschedule_customer(s, key);
  record_history(s, key, now, "erase", std::nullopt, std::nullopt, std::nullopt, why);
  s.audit("customer.erase", store::human_id(key), *why);
  tx.commit();
}

RetentionPage retention_due(Session& s, int page_size, const std::string& after) {
  s.authorize_for(Perm::customer_erase, s.user_id());
  if (page_size < 1 || page_size > 1000)
    throw Error(Status::invalid_arg, "page_size must be 1 to 1000", "每页条数须在 1 到 1000 之间");
  long long after_key = 0;
  if (!after.empty()) {
    int used = 0;
    if (after.size() > 32 || std::sscanf(after.c_str(), "t1.%lld%n", &after_key, &used) != 1 ||
        static_cast<std::size_t>(used) != after.size() || after_key < 0)
      throw Error(Status::invalid_arg, "malformed page token", "分页标记格式错误");
  }
  auto& conn = s.db().conn();
  std::int64_t months = parse_integer_text(s.db().setting("retention.months")).value_or(36);
  RetentionPage page;
  if (months <= 0) return page;
  const std::int64_t cutoff =
      add_local_months(s.db().now(), -static_cast<int>(months), s.db().zone());
  store::ReadTransaction rt(conn);
  auto rows = store::retention_due(conn, cutoff, after_key, page_size + 1);
  const bool more = rows.size() > static_cast<std::size_t>(page_size);
  if (more) rows.pop_back();
  for (const auto& r : rows) {
    // Only what the user may erase (all of it for an administrator).
    if (!s.may(Perm::customer_erase, CustomerRef{r.key, r.owner})) continue;
    Record out;
    out.append("id", store::human_id(r.key));
    out.append("name", r.name);
    out.append("owner", r.owner);
    out.append("archived_at", r.archived_at);
    page.rows.push_back(std::move(out));
  }
  if (more && !rows.empty()) page.next = "t1." + std::to_string(rows.back().key);
  return page;
}

}  // namespace crm
