// Tiers, grading criteria, configuration history, follow-up plans and
// records as stored rows (R2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "store/connection.hpp"

namespace crm::store {

// ---------------------------------------------------------------------------
// Configuration.

struct TierRow {
  std::string code, cadence;
  int position = 0;
};

// By position.
std::vector<TierRow> list_tiers(Connection& c);
void upsert_tier(Connection& c, const TierRow& t, std::int64_t now_ms, std::int64_t actor);

struct CriterionRow {
  std::string name, label_zh, label_en, unit, thresholds;
  int position = 0;
  bool retired = false;
};

// By position; retired ones only when asked.
std::vector<CriterionRow> list_criteria(Connection& c, bool include_retired);
void upsert_criterion(Connection& c, const CriterionRow& r, std::int64_t now_ms,
                      std::int64_t actor);

// One change of configuration: subject "tier.A", "criterion.annual_potential",
// "rule.plan_overdue", "setting.followup.min_gap_hours" …
void insert_config_history(Connection& c, std::int64_t at, std::int64_t actor,
                           const std::string& subject, const std::optional<std::string>& before,
                           const std::optional<std::string>& after);

// Rows {seq, at, actor, subject, before, after} whose subject starts with
// `prefix`, oldest first, after sequence `after_seq`, at most `limit` (+1 to
// tell whether there is more).
std::vector<Record> query_config_history(Connection& c, const std::string& prefix,
                                         std::int64_t after_seq, int limit, bool& more);

// ---------------------------------------------------------------------------
// The scheduling columns of a customer.

struct CustomerSchedule {
  std::int64_t key = 0, owner = 0, created_at = 0;
  std::string name;
  bool archived = false;
  std::optional<std::string> tier, next_due_date;
  std::optional<std::int64_t> last_followup_at, reviewed_at, verified_at;
};

std::optional<CustomerSchedule> load_schedule(Connection& c, std::int64_t key);
void set_customer_tier(Connection& c, std::int64_t key, const std::string& tier,
                       const std::optional<std::string>& reason, std::int64_t graded_at);
// Keys of the live customers of a tier.
std::vector<std::int64_t> customers_of_tier(Connection& c, const std::string& tier);
void set_next_due_date(Connection& c, std::int64_t key, const std::optional<std::string>& date);
void set_verified(Connection& c, std::int64_t key, std::int64_t at, std::int64_t actor,
                  const std::string& method);
void set_last_followup(Connection& c, std::int64_t key, std::int64_t at,
                       const std::optional<std::string>& next_step);

// ---------------------------------------------------------------------------
// Plans (跟进计划) and records (跟进记录).

struct PlanRow {
  std::int64_t id = 0, customer = 0, owner = 0;
  std::string goal, method, state = "planned";
  std::optional<std::string> talking_points, materials, state_reason;
  std::int64_t planned_at = 0;
  std::optional<std::int64_t> remind_at, rescheduled_to, record_id;
  std::int64_t created_at = 0, created_by = 0, updated_at = 0, updated_by = 0;
};

std::int64_t insert_plan(Connection& c, const PlanRow& p);
std::optional<PlanRow> load_plan(Connection& c, std::int64_t id);
// Writes state, state_reason, rescheduled_to, record_id, updated_*.
void update_plan_state(Connection& c, const PlanRow& p);
// A customer's plans by planned time.
std::vector<PlanRow> plans_of_customer(Connection& c, std::int64_t customer);
// A transferred customer's open plans go with it to the new owner.
void move_open_plans(Connection& c, std::int64_t customer, std::int64_t owner, std::int64_t now_ms,
                     std::int64_t actor);

struct FollowupRow {
  std::int64_t id = 0, customer = 0, owner = 0;
  std::optional<std::int64_t> plan_id, next_plan_id;
  std::string method, summary;
  std::int64_t contacted_at = 0;
  std::optional<std::string> feedback, intent_change, major_change, next_step;
  std::int64_t created_at = 0, created_by = 0;
};

std::int64_t insert_followup(Connection& c, const FollowupRow& r);
void set_followup_next_plan(Connection& c, std::int64_t id, std::int64_t plan);
// A migration's staging area: valid rows wait in a temporary table (this
// connection only) until all are read, then come out in time order.
struct StagedFollowup {
  std::int64_t at = 0, row = 0, customer = 0, author = 0;
  std::string source_key;
  std::string fields;  // pack_record of the row's follow-up fields
  std::string raw;     // the row as read (CSV), for the error file
};
void begin_followup_stage(Connection& c);  // creates or empties it
void stage_followup(Connection& c, const StagedFollowup& f);
// Up to `limit` staged rows after (after_at, after_row) in (at, row) order.
std::vector<StagedFollowup> staged_followups(Connection& c, std::int64_t after_at,
                                             std::int64_t after_row, int limit);
void end_followup_stage(Connection& c);

// A migrated record's key in the system it came from (unique per customer).
void set_followup_source(Connection& c, std::int64_t id, const std::string& source_key);
// The record of `customer` migrated with `source_key`, if any.
std::optional<FollowupRow> find_followup_by_source(Connection& c, std::int64_t customer,
                                                   const std::string& source_key);
std::optional<FollowupRow> load_followup(Connection& c, std::int64_t id);
// A customer's records in contact-time order.
std::vector<FollowupRow> followups_of_customer(Connection& c, std::int64_t customer);
// The latest record of a customer (by contact time, then id).
std::optional<FollowupRow> latest_followup(Connection& c, std::int64_t customer);
// A recorded contact or an open plan of the customer in [lo, hi], other than
// plan `except_plan`: the time closest to `at`, if any.
std::optional<std::int64_t> nearest_contact(Connection& c, std::int64_t customer, std::int64_t lo,
                                            std::int64_t hi, std::int64_t at,
                                            std::int64_t except_plan);
// Whether the customer's history has a major change (R1.10) at or after
// `since`.
bool has_major_change_since(Connection& c, std::int64_t customer, std::int64_t since);
// Records of one owner in [from, to), by time (the daily report).
std::vector<FollowupRow> followups_of_owner(Connection& c, std::int64_t owner, std::int64_t from,
                                            std::int64_t to);

// ---------------------------------------------------------------------------
// The agenda: two index-ordered streams, merged by the service.

// Open plans of `owner` planned before `before`, after (planned_at, id) when
// `after_id` > 0, in that order; at most `limit`.
struct AgendaPlan {
  PlanRow plan;
  std::string customer_name;
};
std::vector<AgendaPlan> open_plans_of_owner(Connection& c, std::int64_t owner, std::int64_t before,
                                            std::int64_t after_at, std::int64_t after_id,
                                            int limit);

struct LapsedRow {
  std::int64_t key = 0;
  std::string name, tier, next_due_date;
  std::optional<std::int64_t> last_followup_at;
};

// The same open plans, one row at a time: the agenda merges this stream with
// the lapsed customers' while it steps, so that it reads no more rows than
// its page needs (both statements may be open at once).
class AgendaPlanStream {
 public:
  AgendaPlanStream(Connection& c, std::int64_t owner, std::int64_t before, std::int64_t after_at,
                   std::int64_t after_id, int limit);
  bool next(AgendaPlan& out);

 private:
  CachedStatement q_;
};
// Customers of `owner` whose next due date is before `today`, after
// (next_due_date, key) when `after_key` > 0, at most `limit`, one at a time.
class LapsedStream {
 public:
  LapsedStream(Connection& c, std::int64_t owner, const std::string& today,
               const std::string& after_date, std::int64_t after_key, int limit);
  bool next(LapsedRow& out);

 private:
  CachedStatement q_;
};
// The graded roster (客户分级名册): graded customers of one tier (or all when
// `tier` is empty, by tier position), by next due date then key.
struct RosterFilter {
  std::string tier;
  std::int64_t owner = 0;
  // Permission: when `restricted`, only customers of these owners or with
  // these keys (JSON arrays of integers, e.g. "[3,7]").
  bool restricted = false;
  std::string visible_owners = "[]", visible_keys = "[]";
  int limit = 50;
  // keyset: after (position, due, key); due "" = NULL sorts last
  bool has_after = false;
  int after_position = 0;
  std::string after_due;
  std::int64_t after_key = 0;
};
struct RosterRow {
  std::int64_t key = 0, owner = 0;
  std::string name, tier;
  int position = 0;
  std::optional<std::string> tier_reason, next_due_date;
  std::optional<std::int64_t> graded_at, last_followup_at;
};
std::vector<RosterRow> roster(Connection& c, const RosterFilter& f, bool& more);

}  // namespace crm::store
