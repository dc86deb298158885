// Merging duplicate customers (客户合并, R9.3) and undoing a merge.
//
// A merge folds customer `merged` into customer `survivor` in one
// transaction: the survivor takes, field by field, the value the caller
// chose (by default its own, or the other's where it has none); the merged
// customer's contacts, follow-up plans and records, maintenance plans and
// linked leads move to the survivor and its tags are added to the
// survivor's; the merged customer stays, archived and read-only, with
// "merged_into" naming the survivor, out of every list.  What the merge
// changed is kept (both customers before and after, and every moved row),
// so that unmerge_customers can put both back.  docs/merge.md says what
// happens to each table that refers to customers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

struct MergeOutcome {
  std::int64_t merge = 0;                // the merge's id, for unmerge_customers
  std::vector<std::string> from_merged;  // fields whose value came from the merged customer
  std::int64_t moved = 0;                // child rows moved to the survivor
};

// Merges `merged` into `survivor`.  `choices` maps a field to "survivor" or
// "merged": a built-in field a user may write (name, industry, scale, type,
// source, key_needs, priority, owner, entry_date), "primary_contact" (the
// contact whose name, phone, e-mail and title the survivor shows; contact_name,
// phone, email and contact_title follow it and are not chosen on their own)
// or a custom field ("custom.<name>").  Fields not named take the
// survivor's value, or the merged customer's where the survivor has none.
// Needs customer.update on the survivor and customer.archive on the merged
// customer (and customer.transfer when the owner changes).  Refused, with
// nothing written: a customer merged with itself (invalid_arg), an archived
// or already merged customer (state), a merged customer with changes
// waiting for review (conflict), an unknown field or side (invalid_arg).
MergeOutcome merge_customers(Session& s, std::int64_t survivor, std::int64_t merged,
                             const Record& choices, std::optional<std::string> reason);

struct UnmergeOutcome {
  std::int64_t merge = 0;
  std::int64_t restored = 0;             // child rows moved back
  std::vector<std::string> overwritten;  // what changed since the merge and was overwritten
};

// Restores both customers of merge `merge` as they were before it, moves
// the moved rows back and marks the merge undone, in one transaction.  When
// either customer or a moved row changed after the merge, it is refused
// with Status::conflict listing the changes (one field error each, code
// "changed_since_merge"), unless `force`: then it restores anyway and the
// outcome lists what it overwrote.  Rows added to the survivor after the
// merge stay with it.  Refused (state) when the merge was undone already,
// the survivor was itself merged later (undo that merge first) or either
// customer was erased since (R3.6: the erasure deleted what the merge kept
// of it); not_found for an unknown merge.  Needs the rights of a merge on both customers.
UnmergeOutcome unmerge_customers(Session& s, std::int64_t merge, bool force,
                                 std::optional<std::string> reason);

// Merges in id order after `after_id` (at most `limit`, 1..1000; 0 = 100),
// of one customer (human id; "" = every merge), those whose survivor or
// merged customer the user may read: {id, survivor, merged, merged_at,
// merged_by, choices, reason, moved, undone, undone_at, undone_by,
// undo_note}.
std::vector<Record> list_merges(Session& s, const std::string& customer, std::int64_t after_id,
                                int limit);

// The one place where data derived from a customer's rows (search indexes,
// duplicate-match keys …) is brought up to date after a write that changed
// the customer's row, custom values, tags or contacts outside the ordinary
// update path.  Merge and unmerge call it for both customers, inside their
// transaction, after the rows changed.  Maintainers of derived per-customer
// data hook their refresh in here.
void customer_rows_changed(Session& s, std::int64_t key);

}  // namespace crm
