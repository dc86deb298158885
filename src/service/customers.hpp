// Customer use cases (客户信息管理): authorize → validate → one transaction
// { persist, history }.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/custom_fields.hpp"
#include "domain/error.hpp"
#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// A reason kept in the history: valid UTF-8, prose-normalised, at most 500
// characters (invalid_arg otherwise); blank means none.
std::optional<std::string> checked_reason(const std::optional<std::string>& reason);

// The stored customer, once the session's user may do `perm` on it:
// not_found when there is no such customer or the user may not see it,
// permission when they see it but may not do this.
Record load_customer_or_throw(Session& s, std::int64_t key, Perm perm);

// The same check without reading the whole record: the customer's key and
// owner.
CustomerRef require_customer(Session& s, std::int64_t key, Perm perm);

// The customer's key and owner, not_found if there is no such customer; no
// permission is checked (for calls with rules of their own).
CustomerRef existing_customer(Session& s, std::int64_t key);

// Throws Status::state for an archived customer (a record from the store):
// archived_error, with the survivor when a merge archived it.
void require_not_archived(const Record& customer);

// Why the archived customer `key` cannot change: "was merged into
// <survivor>" when a merge archived it (R9.3, `survivor` its human id),
// "is archived" otherwise.  Status::state.
Error archived_error(std::int64_t key, const std::optional<std::string>& survivor);

// Appends one history row for `customer`, acted by the session's user.
void record_history(Session& s, std::int64_t customer, std::int64_t at, std::string kind,
                    std::optional<std::string> field, std::optional<std::string> before,
                    std::optional<std::string> after, std::optional<std::string> reason,
                    bool major = false);

// Resolves a human id ("C0001") to a key; not_found if malformed or absent.
std::int64_t customer_key(Session& s, std::string_view id);

// Creates a customer; returns its key.  Throws a validation error listing
// every failing field, and writes nothing, if any field fails; throws
// Pending (nothing created yet) when new customers wait for review (R1.6).
std::int64_t create_customer(Session& s, const Record& input);

// The customer as the user may see it: personal values masked unless
// `unmasked` (callers check customer.unmask first), fields of groups a grant
// does not open left out.
Record get_customer(Session& s, std::int64_t key, bool unmasked = false);

// Applies the fields present in `input`; returns the new version.  Throws
// Pending (nothing applied) when the change waits for review (R1.6).
std::int64_t update_customer(Session& s, std::int64_t key, const Record& input);

// For approving reviews (R1.6): a new customer's values normalised and
// checked as a create checks them, with `creator` as the default owner;
// the insertion of such values (created by `creator`) in one transaction;
// and an update applied as approved, `reason` naming the review.
Record validated_new_customer(Session& s, const Record& input, std::int64_t creator);
std::int64_t insert_new_customer(Session& s, const Record& values, std::int64_t creator,
                                 const std::string& audit_detail);
std::int64_t apply_reviewed_update(Session& s, std::int64_t key, const Record& changes,
                                   const std::string& reason);

void set_customer_type(Session& s, std::int64_t key, std::string_view type,
                       std::optional<std::string> reason);

void archive_customer(Session& s, std::int64_t key, std::optional<std::string> reason);

// Hands a customer to another active user (客户转移, e.g. when its owner
// leaves), with its open follow-up plans; customer.transfer on the customer
// (its owner's supervisors and administrators by default) and, unless an
// administrator, a new owner within the user's department or the
// departments they supervise.  History and audit keep it.
void transfer_customer(Session& s, std::int64_t key, std::int64_t new_owner,
                       std::optional<std::string> reason);

// Every customer of `from` the user may transfer goes to `to`, in one
// transaction; returns how many moved.
std::int64_t transfer_customers(Session& s, std::int64_t from, std::int64_t to,
                                std::optional<std::string> reason);

// The owner's monthly review (复核, R1.10): records who confirmed the customer
// and when, with an optional note; the data and its version are unchanged
// (corrections are ordinary updates).
void review_customer(Session& s, std::int64_t key, std::optional<std::string> note);

// A condition on one field (R1.12): built-in ("industry", "entry_date") or
// custom ("custom.budget_range").  The value is written as a write of that
// field accepts it and normalised the same way (labels → codes, phones →
// E.164, decimals to their digits).
struct FieldFilter {
  std::string field;
  std::string op;  // = != < <= > >= null not_null contains
  std::string value;
};

struct CustomerQuery {
  std::int64_t owner = 0;
  std::string type;  // code or label; "" = any
  int page_size = 50;
  std::string after;  // page token; "" = first page
  bool include_archived = false;
  std::vector<std::int64_t> tags_all;             // carries every one of these tags
  std::vector<std::int64_t> tags_any;             // carries at least one of these
  std::string industry, source;                   // code or label; "" = any
  std::int64_t created_from = 0, created_to = 0;  // [from, to); 0 = open
  std::int64_t updated_from = 0, updated_to = 0;
  std::string name_contains;         // "" = any
  std::vector<FieldFilter> filters;  // all must hold; at most 16
  // "" or "id" (the default), name, name_pinyin (Chinese pinyin order, ICU's
  // zh collation), entry_date, created_at, updated_at or custom.<name>; a
  // leading '-' sorts descending.  Customers without a
  // value of a custom sort field come last, in id order.
  std::string sort;
};

struct CustomerPage {
  std::vector<Record> rows;
  std::string next;  // "" when there is no next page
};

CustomerPage list_customers(Session& s, const CustomerQuery& q);

// The same with the rows as stored (complete, in clear) handed to `present`
// instead of present_customer: for exports, which decide per row.
using RowFilter = std::function<void(Record& row, const CustomFieldSet& custom)>;
CustomerPage list_customers(Session& s, const CustomerQuery& q, const RowFilter& present);

// How many customers match the query's filters.
std::int64_t count_customers(Session& s, const CustomerQuery& q);

std::vector<Record> customer_history(Session& s, std::int64_t key);

struct HistoryQuery {
  std::int64_t actor = 0;
  std::int64_t since = 0, until = 0;
  std::string customer;  // human id; "" = any
  int page_size = 100;
  std::string after;  // page token; "" = first page
};

struct HistoryPage {
  std::vector<Record> rows;
  std::string next;
};

HistoryPage list_history(Session& s, const HistoryQuery& q);

}  // namespace crm
