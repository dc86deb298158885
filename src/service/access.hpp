// Cross-department access (跨部门协作, R3.2): a user asks for a customer
// they may not see — view or edit, which field groups, why, for how long —
// and the owner (or a supervisor or sales manager over the owner) approves
// or rejects.  An approved request is a grant that ends by itself when its
// time is up; the owner can revoke it earlier, and the requester can
// withdraw a request still pending.  The owner hears of a request through
// the outbox at the next tick (reminder rule "access_pending"), and the
// owner's manager if it is still pending after the rule's escalate_after;
// the requester hears of the decision at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

struct AccessRequestSpec {
  std::string level = "view";  // view | edit
  std::string groups;          // basic,contact,needs,followup ("" = basic)
  std::string reason;          // required, 1..500 characters
  std::int64_t hours = 72;     // 1 .. setting access.max_hours (default 720)
};

// Returns the request's id.  not_found for no such customer; conflict for
// one's own customer, or a request of the same user still pending.
std::int64_t request_access(Session& s, std::int64_t customer, const AccessRequestSpec& spec);

// The owner, a user with customer.approve over it (its supervisors, the
// department's sales managers) or an administrator; never the requester.
// An approval grants from now for the requested hours.
void decide_access(Session& s, std::int64_t request, bool approve,
                   const std::optional<std::string>& note);

// Ends an approved grant now (the owner or an approver).
void revoke_access(Session& s, std::int64_t request, const std::optional<std::string>& reason);

// The requester takes back a request still pending.
void withdraw_access(Session& s, std::int64_t request);

struct AccessQuery {
  // "mine": requests the user made; "to_decide": pending requests the user
  // may decide; "customer": the requests for `customer` (for its owner and
  // approvers).
  std::string view = "mine";
  std::int64_t customer = 0;
  bool pending_only = false;
};

// Requests as records {id, customer, requester, requester_name, level,
// field_groups, reason, hours, state (pending, approved, expired, rejected,
// revoked, withdrawn), requested_at, decided_by, decided_at, note,
// expires_at, revoked_by, revoked_at}, oldest first, at most 1000.
std::vector<Record> list_access(Session& s, const AccessQuery& q);

}  // namespace crm
