// Contacts (联系人, R1.9) as stored rows.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

// `v` holds normalised name, title, phone, email, decision_maker.
std::int64_t insert_contact(Connection& c, std::int64_t customer, const Record& v, bool primary,
                            std::int64_t now_ms, std::int64_t actor);

// The contact in registry order ("phone_display" present as NULL), with its
// customer's key in "customer_key"; nullopt if there is no such contact.
std::optional<Record> load_contact(Connection& c, std::int64_t id);

// A customer's contacts, primary first, then by id; removed ones only when
// asked for.
std::vector<Record> list_contacts(Connection& c, std::int64_t customer, bool include_removed);

// Writes name, title, phone, email, decision_maker and removed of `full`.
void update_contact(Connection& c, std::int64_t id, const Record& full, std::int64_t now_ms,
                    std::int64_t actor);

// Makes `id` the customer's only primary contact.
void set_primary_contact(Connection& c, std::int64_t customer, std::int64_t id);

// The primary contact's id, or 0.
std::int64_t primary_contact(Connection& c, std::int64_t customer);

// Copies a contact's name, title, phone and e-mail into the customer row's
// mirror columns (the list view reads them without a join).
void mirror_primary(Connection& c, std::int64_t customer, const Record& contact);

}  // namespace crm::store
