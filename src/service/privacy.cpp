#include "service/privacy.hpp"

#include "domain/error.hpp"
#include "domain/masking.hpp"
#include "domain/permissions.hpp"
#include "service/contacts.hpp"
#include "service/custom_fields.hpp"
#include "service/customers.hpp"
#include "store/contact_repo.hpp"
#include "store/customer_repo.hpp"

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
  if (!unmasked) mask_record(r, custom);
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

}  // namespace crm
