// What imports and migrations share: finding the customer a row is about by
// a key column, and the user a row names.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "service/session.hpp"

namespace crm {

// The customer whose `key` ("external_id", "id", "phone", "email", "name")
// is `text` as a user typed it (normalised first, as a write would store
// it); nullopt when none is.  Throws a validation Error when `text` cannot
// be such a value (a malformed phone).
std::optional<std::int64_t> find_customer_by_key(Session& s, const std::string& key,
                                                 const std::string& text);

// Users by id, login or name (a name two users share finds neither).
class UserLookup {
 public:
  // `include_inactive`: also users who have left (a migrated record's
  // author).
  UserLookup(Session& s, bool include_inactive);
  std::optional<std::int64_t> find(const std::string& text) const;

 private:
  std::map<std::string, std::int64_t> by_text_;
};

}  // namespace crm
