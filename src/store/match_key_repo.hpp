// Stored match keys (查重键): one row per (kind, key, customer) in
// match_keys, kind "name", "phone", "email" or "contact", indexed by key for
// blocking and by customer for refreshing and scoring.  The keys are those
// of src/domain/match_keys.hpp, computed from the customer row and its
// contacts that are not removed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/match_keys.hpp"

namespace SQLite {
class Database;
}

namespace crm::store {

class Connection;

// Recomputes the keys of one customer from what is stored now (its name,
// phone, e-mail and contact name, and those of its contacts that are not
// removed; an erased customer keeps only its name key).  Every writer of a
// customer's name, phones, e-mails or contacts calls it inside its write
// transaction (create, update, contacts, erasure, a merge); a customer that
// no longer exists loses its keys.
void refresh_match_keys(Connection& c, std::int64_t customer);

// Stores the keys of a customer that has none yet (a create: cheaper than
// a refresh, which reads the rows back).
void insert_match_keys(Connection& c, std::int64_t customer, const MatchKeys& keys);

// Fills the keys of every customer (the migration that creates the table).
void fill_match_keys(SQLite::Database& db);

// The number of key rows of the blocking kinds (name, phone, e-mail).
std::int64_t count_blocking_keys(Connection& c);

// Every key row of the blocking kinds in (kind, key, customer) order; `row`
// returns false to stop.
void scan_blocking_keys(Connection& c,
                        const std::function<bool(std::string_view kind, std::string_view key,
                                                 std::int64_t customer)>& row);

// The customers holding a key, in id order.
std::vector<std::int64_t> customers_with_key(Connection& c, std::string_view kind,
                                             std::string_view key);

// Name keys starting with `prefix` (at most `limit`), with their customers.
std::vector<std::pair<std::string, std::int64_t>> names_with_prefix(Connection& c,
                                                                    std::string_view prefix,
                                                                    int limit);

// The stored keys of one customer.
MatchKeys load_match_keys(Connection& c, std::int64_t customer);

// What duplicate detection needs of a customer besides its keys.
struct CustomerBrief {
  std::int64_t key = 0;
  std::int64_t owner = 0;
  bool archived = false;
  std::string name;
};
std::optional<CustomerBrief> customer_brief(Connection& c, std::int64_t customer);

// A customer as the cleansing report looks at it.
struct CleansingRow {
  std::int64_t key = 0;
  std::int64_t owner = 0;
  std::vector<std::pair<std::string, std::string>> fields;  // name → text ("" when NULL)
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> last_followup_at;
  bool reachable = false;  // holds a valid phone or e-mail (its own or a contact's)
};

// Every customer that is not archived, in id order; `row` returns false to
// stop.  `fields` lists the built-in fields named in `names`.
void scan_cleansing_rows(Connection& c, const std::vector<std::string>& names,
                         const std::function<bool(const CleansingRow&)>& row);

std::int64_t count_live_customers(Connection& c);

// The customers holding a value of custom field `field_id`, in id order.
std::vector<std::int64_t> customers_with_custom_value(Connection& c, std::int64_t field_id);

}  // namespace crm::store
