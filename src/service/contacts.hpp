// Contacts (联系人, R1.9): several per customer, one primary (which the
// customer's contact_name / phone / email mirror), decision makers (决策人)
// whose change is a major change (R1.10).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

std::int64_t add_contact(Session& s, std::int64_t customer, const Record& input);
// The contact as the user may see it (phone and e-mail masked unless
// `unmasked`: callers check customer.unmask first).
Record get_contact(Session& s, std::int64_t id, bool unmasked = false);
// The customer key of a contact (not_found for none or a removed one).
std::int64_t contact_customer(Session& s, std::int64_t id);
void update_contact(Session& s, std::int64_t id, const Record& input);
void remove_contact(Session& s, std::int64_t id, std::optional<std::string> reason);
void make_primary_contact(Session& s, std::int64_t id);
std::vector<Record> list_contacts(Session& s, std::int64_t customer);

}  // namespace crm
