// Users (用户) and dictionaries: administration use cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Creates a user from login, name, department, role; returns the id.
std::int64_t create_user(Session& s, const Record& input);

Record get_user(Session& s, std::int64_t id);

// Adds a dictionary entry.  customer_type, role, followup_state,
// maintenance_state and tier are fixed because rules depend on their codes
// (tiers come from define_tier).
void add_dictionary_entry(Session& s, const std::string& dict, const std::string& code,
                          const std::string& label_zh, const std::string& label_en);

// A dictionary's entries as records {code, label_zh, label_en, department}.
std::vector<Record> list_dictionary(Session& s, const std::string& dict);

// The department responsible for a source channel (R1.4); "" clears it.
void set_channel_department(Session& s, const std::string& channel, const std::string& dept);

// A user's name for a message or a note; "#<id>" for an unknown user.  No
// permission check: names appear in messages every role reads.
std::string user_name(Session& s, std::int64_t id);

}  // namespace crm
