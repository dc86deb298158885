// Merges of duplicate customers (R9.3) as stored rows: what a merge keeps so
// that an unmerge can restore both customers exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"
#include "store/schedule_repo.hpp"

namespace crm::store {

// Everything of one customer that a merge may change: every column of its
// row but the key (as stored, whatever columns the schema has by then), its
// custom values, its tags, its primary contact and the reminder timers whose
// subject it is.
struct CustomerState {
  std::vector<std::pair<std::string, Value>> columns;
  std::vector<std::pair<std::int64_t, Value>> custom;  // field id → stored value
  std::vector<std::int64_t> tags;                      // tag ids, ascending
  std::int64_t primary_contact = 0;                    // 0 = none
  std::vector<TimerRow> timers;                        // by kind
};

// The timer kinds whose subject is a customer key.
const std::vector<std::string>& customer_timer_kinds();

// The state as stored now; the customer must exist.
CustomerState read_customer_state(Connection& c, std::int64_t key);

// Writes `state` back: every column but the key, the version and the update
// stamp (the version moves on, so a client holding an older read gets a
// conflict), the custom values and tags (replaced), and the primary contact
// (when it is still one of the customer's).  Timers are the caller's (they
// go through the scheduler's count).
void write_customer_state(Connection& c, std::int64_t key, const CustomerState& state,
                          std::int64_t now_ms, std::int64_t actor);

// Sets the named columns (names of the customers table) and moves the
// version on.
void set_customer_columns(Connection& c, std::int64_t key,
                          const std::vector<std::pair<std::string, Value>>& columns,
                          std::int64_t now_ms, std::int64_t actor);

// Replaces the custom values of a customer.
void replace_custom_values(Connection& c, std::int64_t key,
                           const std::vector<std::pair<std::int64_t, Value>>& values);

// Adds tags to a customer (those it has already are skipped) / removes all.
void add_tags(Connection& c, std::int64_t key, const std::vector<std::int64_t>& tags);
void clear_tags(Connection& c, std::int64_t key);

// Makes `contact` the customer's only primary contact.
void make_primary_contact(Connection& c, std::int64_t key, std::int64_t contact);

// The customer's primary contact fields onto its row (contact_name, phone,
// email, contact_title mirror the primary contact); no-op without one.
void mirror_primary_contact(Connection& c, std::int64_t key);

// A child row a merge moved from the merged customer to the survivor, with
// the value the move replaced (contacts: is_primary).
struct MovedRow {
  std::string table;  // contacts, followup_plans, followup_records, maintenance_plans, leads
  std::int64_t row = 0;
  Value before;
};

// Moves every child row of `from` to `to` in the tables a merge moves
// (contacts arrive as secondary contacts); returns what moved.
std::vector<MovedRow> move_children(Connection& c, std::int64_t from, std::int64_t to);

// Puts moved rows back on customer `to` (contacts with their is_primary
// cleared: the caller restores the primary contact).
void move_back(Connection& c, const std::vector<MovedRow>& rows, std::int64_t to);

// Moved rows changed since `since` or no longer on `survivor`, as
// "contacts 12" … (for the conflict report of an unmerge).
std::vector<std::string> changed_moves(Connection& c, const std::vector<MovedRow>& rows,
                                       std::int64_t survivor, std::int64_t since);

struct MergeRow {
  std::int64_t id = 0, survivor = 0, merged = 0, merged_at = 0, merged_by = 0;
  std::string choices;  // "field=side,…" as decided
  std::optional<std::string> reason;
  std::optional<std::int64_t> undone_at, undone_by;
  std::optional<std::string> undo_note;
  std::int64_t moved = 0;  // child rows moved
};

std::int64_t insert_merge(Connection& c, const MergeRow& m);
std::optional<MergeRow> load_merge(Connection& c, std::int64_t id);
void mark_merge_undone(Connection& c, std::int64_t id, std::int64_t now_ms, std::int64_t actor,
                       const std::optional<std::string>& note);
// Merges in id order after `after_id`, of `customer` (as survivor or merged;
// 0 = any), at most `limit`.
std::vector<MergeRow> list_merges(Connection& c, std::int64_t customer, std::int64_t after_id,
                                  int limit);

void save_state(Connection& c, std::int64_t merge, std::int64_t customer, const char* phase,
                const CustomerState& s);
CustomerState load_state(Connection& c, std::int64_t merge, std::int64_t customer,
                         const char* phase);
void save_moves(Connection& c, std::int64_t merge, const std::vector<MovedRow>& rows);
std::vector<MovedRow> load_moves(Connection& c, std::int64_t merge);

// The survivor a customer was merged into, if it was.
std::optional<std::int64_t> merged_into(Connection& c, std::int64_t key);

// How many changes of the customer wait for review (R1.6).
std::int64_t pending_reviews(Connection& c, std::int64_t key);

}  // namespace crm::store
