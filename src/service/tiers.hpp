// Tiers (客户分层, R2.1), grading (客户分级, R2.2), the graded roster
// (客户分级名册) and verification (R1.5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"
#include "store/followup_repo.hpp"

namespace crm {

struct TierSpec {
  std::string code;                // 1..8 of A-Z, 0-9, _; e.g. "A"
  std::string label_zh, label_en;  // required for a new tier; fixed afterwards
  std::string cadence;             // "1w", "2w", "1m", "10d" …
};

// Defines a tier (ranked below the existing ones) or changes an existing
// tier's cadence (administrators only).  The change is kept in the
// configuration history ("tier.<code>") and every customer of the tier gets
// its next due date recomputed.
void define_tier(Session& s, const TierSpec& spec);

// Tiers best first: {code, label_zh, label_en, cadence, cadence_zh,
// cadence_en, position}.
std::vector<Record> list_tiers(Session& s);

struct CriterionSpec {
  std::string name;                      // [a-z][a-z0-9_]{0,31}
  std::string label_zh, label_en, unit;  // labels required
  std::string thresholds;                // "A>=100,B>=30"
  bool retired = false;                  // retired criteria are not asked for
};

// Defines or changes a grading criterion (administrators only); kept in the
// configuration history as "criterion.<name>".
void define_criterion(Session& s, const CriterionSpec& spec);

// {name, label_zh, label_en, unit, thresholds, retired}, in order.
std::vector<Record> list_criteria(Session& s, bool include_retired);

// Grades a customer on every active criterion: `values` maps criterion name
// to a number (integer, real or numeric text).  Writes the tier and its
// reasons to the customer, keeps the change in its history and recomputes
// the next due date.  Returns {tier, reason, reason_en, next_due_date}.
Record grade_customer(Session& s, std::int64_t key, const Record& values);

// Sets a tier by hand, with a reason kept in the history.
void set_customer_tier(Session& s, std::int64_t key, const std::string& tier,
                       std::optional<std::string> reason);

// The owner confirmed the information and the need (R1.5) by phone or
// e-mail (method: a followup_method code or label); ends the verification
// reminder.  conflict if already verified.
void verify_customer(Session& s, std::int64_t key, const std::string& method,
                     std::optional<std::string> note);

struct RosterQuery {
  std::string tier;        // code or label; "" = every tier
  std::int64_t owner = 0;  // 0 = everyone's
  int page_size = 50;
  std::string after;  // page token
};

struct RosterPage {
  std::vector<Record> rows;  // {id, name, owner, tier, tier_reason, graded_at,
                             //  last_followup_at, next_due_date}
  std::string next;
};

// The graded roster (客户分级名册): graded customers by tier (best first),
// then next due date (earliest first, none last), then id.
RosterPage graded_roster(Session& s, const RosterQuery& q);

struct ConfigHistoryPage {
  std::vector<Record> rows;  // {seq, at, actor, subject, before, after}
  std::string next;
};

// Configuration changes whose subject starts with `prefix` ("" = all,
// "tier.", "rule.plan_overdue" …), oldest first.
ConfigHistoryPage config_history(Session& s, const std::string& prefix, int page_size,
                                 const std::string& after);

// The scheduling view of a customer that may be followed up, once the user
// may do `perm` on it: not_found if there is no such customer (or the user
// may not see it), permission if they may not do this, Status::state if it
// is archived (archived_error: naming the survivor when a merge archived it).
store::CustomerSchedule live_schedule(Session& s, std::int64_t key, Perm perm);

// The same without the archived check (reads of past follow-ups).
store::CustomerSchedule existing_schedule(Session& s, std::int64_t key, Perm perm);

// Recomputes a customer's next due date from its tier's cadence and its last
// contact (or its creation), and its cadence reminder.  Inside the caller's
// write transaction.
void refresh_next_due(Session& s, std::int64_t key);

}  // namespace crm
