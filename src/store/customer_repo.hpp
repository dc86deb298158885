// Customers and their change history as stored rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

// A text column as a Value: NULL stays NULL.
Value text_or_null(SQLite::Statement& st, int col);

// "C0001" for key 1; keys above 9999 simply get more digits ("C12345").
std::string human_id(std::int64_t key);

// "C0001", "c1", "C00001" → 1; anything else → nullopt.
std::optional<std::int64_t> parse_human_id(std::string_view id);

// The stored customer as a record in registry order ("phone_display" is
// present as NULL for the caller to fill); nullopt if there is no such key.
std::optional<Record> load_customer(Connection& c, std::int64_t key);

// The keys of the customers (not archived) owned by `owner`, in key order.
std::vector<std::int64_t> customers_of_owner(Connection& c, std::int64_t owner);

// Erasure of a data subject's personal information (R3.6): the customer's
// and its contacts' names, titles, phones and e-mails, the values of the
// personal custom fields `personal_fields`, and every personal value in its
// history (the history keeps that a change happened, not what it was).  The
// customer is archived and marked erased; its version moves on.
void erase_personal_data(Connection& c, std::int64_t key, const std::string& placeholder,
                         const std::vector<std::int64_t>& personal_fields,
                         const std::vector<std::string>& personal_names, std::int64_t now_ms,
                         std::int64_t actor);

struct RetentionRow {
  std::int64_t key = 0, owner = 0, archived_at = 0;
  std::string name;
};
// Archived customers not yet erased whose last change is before `cutoff`,
// in key order after `after_key`.
std::vector<RetentionRow> retention_due(Connection& c, std::int64_t cutoff, std::int64_t after_key,
                                        int limit);

// The owner of a customer, or nullopt if there is no such key.
std::optional<std::int64_t> customer_owner(Connection& c, std::int64_t key);

// The customer (archived ones included) whose column `column` — one of
// "external_id", "phone", "email", "name" — equals `value`; the lowest key
// when several do.  nullopt when none does.
std::optional<std::int64_t> find_customer_by(Connection& c, std::string_view column,
                                             const std::string& value);

// Inserts a validated, complete customer; returns its key.
std::int64_t insert_customer(Connection& c, const Record& v, std::int64_t now_ms,
                             std::int64_t actor);

// Writes every writable column of `full` and bumps the version, but only if
// the stored version is still `expected_version`.  False if it was not.
bool update_customer(Connection& c, std::int64_t key, const Record& full,
                     std::int64_t expected_version, std::int64_t now_ms, std::int64_t actor);

// Records a review (复核): who and when, without touching the data.
void set_reviewed(Connection& c, std::int64_t key, std::int64_t now_ms, std::int64_t actor);

struct HistoryEntry {
  std::int64_t customer = 0, at = 0, actor = 0;
  std::string kind;  // create, update, type, archive
  std::optional<std::string> field, before, after, reason;
  bool major = false;  // R1.10: e.g. the decision maker was replaced
};

void insert_history(Connection& c, const HistoryEntry& h);

std::vector<Record> load_history(Connection& c, std::int64_t key);

struct HistoryFilter {
  std::int64_t actor = 0, customer = 0;  // 0 = any
  bool restricted = false;               // as in CustomerFilter
  std::vector<std::int64_t> visible_owners, visible_keys;
  std::int64_t since = 0, until = 0;         // [since, until); 0 = open
  std::int64_t after_at = 0, after_seq = 0;  // keyset: rows after (at, seq)
  bool first_page = true;
  int limit = 100;
};

// Stored changes in (at, seq) order, with "seq" and "customer" (human id).
std::vector<Record> query_history(Connection& c, const HistoryFilter& f, bool& more);

// One condition on a field: a customers column, or a custom field's value.
struct Condition {
  std::string column;         // customers column; "" for a custom field
  std::int64_t field_id = 0;  // custom field id when column is ""
  std::string op;             // = != < <= > >= null not_null contains
  Value value;                // stored form; unused for null / not_null
};

struct CustomerFilter {
  std::int64_t owner = 0;  // 0 = any
  // Permission (R3.1): when `restricted`, only customers of these owners or
  // with these keys (both sorted; either may be empty).
  bool restricted = false;
  std::vector<std::int64_t> visible_owners, visible_keys;
  std::string type;  // "" = any
  bool include_archived = false;
  std::int64_t after_key = 0;  // keyset: rows with key > after_key
  int limit = 50;
  std::vector<std::int64_t> tags_all, tags_any;
  std::string industry, source;                   // codes; "" = any
  std::int64_t created_from = 0, created_to = 0;  // [from, to); 0 = open
  std::int64_t updated_from = 0, updated_to = 0;
  std::string name_contains;          // normalised; "" = any
  std::vector<Condition> conditions;  // all must hold
  // Order: a NOT NULL customers column (id, name, entry_date, created_at,
  // updated_at) or, when sort_field > 0, a custom field's value: customers
  // with a value first (in value order), then those without (in key order).
  std::string sort_column = "id";
  // A collation for sort_column ("crm_zh": pinyin order); "" = binary.
  std::string sort_collation;
  std::int64_t sort_field = 0;
  bool descending = false;
  // Keyset for a sorted list: after the row (after_value, after_key) of
  // phase after_phase (1 = past the valued rows of a custom sort).
  bool has_after_value = false;
  Value after_value;
  int after_phase = 0;
};

// The sort position of the last row listed, for the next page's keyset.
struct SortPosition {
  Value value;
  std::int64_t key = 0;
  int phase = 0;
};

// How many customers match the filters (keyset and limit ignored).
std::int64_t count_customers(Connection& c, const CustomerFilter& f);

// Rows in the filter's order; fetches limit + 1 to learn whether a next page
// exists.  `last` receives the position of the last row returned.
std::vector<Record> list_customers(Connection& c, const CustomerFilter& f, bool& more,
                                   SortPosition* last = nullptr);

}  // namespace crm::store
