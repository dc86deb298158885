// Review before a change takes effect (审核机制, R1.6).  When the setting
// "review.create" is "1", a new customer waits for review; when
// "review.fields" names fields ("owner,industry,custom.budget"), an update
// touching any of them waits — the whole update, nothing of it applied.  A
// reviewer — whoever holds customer.approve over the customer's owner (the
// department's sales managers and supervisors, administrators) — approves
// it (it takes effect then, after the same validation as at submission) or
// rejects it with a reason.  Reviewers' own changes take effect at once:
// they would be approving themselves.  Pending changes are visible to their
// author and to their reviewers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.hpp"
#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// What a create or update throws when its change waits for review: not a
// failure (Status::pending); change() is the pending change's number.
class Pending : public Error {
 public:
  explicit Pending(std::int64_t change);
  std::int64_t change() const { return change_; }

 private:
  std::int64_t change_;
};

// "R12" for change 12; parse_change_id("R12") → 12.
std::string change_id(std::int64_t change);
std::optional<std::int64_t> parse_change_id(std::string_view id);

// Hooks for the customer service, before anything is written.
// A new customer owned by `owner` (normalised and valid) waits for review
// when the setting says so and the user is not a reviewer: throws Pending.
void review_create_if_needed(Session& s, const Record& values, std::int64_t owner);
// An update of customer `key` with `changes` (normalised, valid, only what
// differs from `current`) waits for review when it touches a reviewed field.
void review_update_if_needed(Session& s, std::int64_t key, std::int64_t owner,
                             const Record& current, const Record& changes);

struct PendingQuery {
  // "mine": the user's own submissions; "to_review": changes the user may
  // review; "customer": the changes of `customer`.
  std::string view = "mine";
  std::int64_t customer = 0;
  bool pending_only = true;
};

// Changes as records {id ("R12"), kind (create, update), customer ("C0001"
// or NULL for a create), author, author_name, owner, fields (JSON of the
// submitted values, personal ones masked), state (pending, approved,
// rejected, withdrawn), submitted_at, decided_by, decided_at, reason,
// result (the customer a create made)}, oldest first, at most 1000.
std::vector<Record> list_pending(Session& s, const PendingQuery& q);

// Approves (applies, as of now) or rejects (with a reason, required) a
// pending change.  Returns the customer key it made or changed (0 for a
// rejection).  conflict when an update's fields changed since it was
// submitted; the change stays pending, to be rejected or decided again.
std::int64_t decide_pending(Session& s, std::int64_t change, bool approve,
                            const std::optional<std::string>& reason);

// The author takes back a change still pending.
void withdraw_pending(Session& s, std::int64_t change);

}  // namespace crm
