// The scheduler's rows: pending timers, reminder rules and the outbox.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

// ---------------------------------------------------------------------------
// Timers: one per (kind, subject), found by due_at.

struct TimerRow {
  std::string kind;
  std::int64_t subject = 0, base_at = 0, due_at = 0;
};

// Creates or replaces the timer of (kind, subject).
void arm_timer(Connection& c, const TimerRow& t);
// Arms the timer, or moves an armed one earlier (never later): base_at is
// the new one's, due_at the earlier of the two.
void arm_timer_earliest(Connection& c, const TimerRow& t);
void drop_timer(Connection& c, const std::string& kind, std::int64_t subject);
// Inserts timers of subjects that have none yet (a new customer's): one
// statement each and one update of the count, the cheap path of a create.
void insert_new_timers(Connection& c, const std::vector<TimerRow>& timers);
// Timers due at or before `now`, by due time; at most `limit`.
std::vector<TimerRow> due_timers(Connection& c, std::int64_t now, int limit);
// Makes every timer of a kind due at its base time, so that the scheduler
// recomputes its instant when it next looks (after a rule change).
void reset_timers(Connection& c, const std::string& kind);
// How many timers are pending (for the tick report; kept as a count by
// arm_timer and drop_timer, not counted).
std::int64_t count_timers(Connection& c);

// ---------------------------------------------------------------------------
// Reminder rules.

struct RuleRow {
  std::string kind;
  bool enabled = true;
  std::int64_t delay_minutes = 0;
  std::string counting = "calendar", calendar = "default", channels = "app";
  std::int64_t escalate_after = 0;  // minutes; 0 = never
  std::string template_zh, template_en;
};

// By kind (alphabetical).
std::vector<RuleRow> list_rules(Connection& c);
std::optional<RuleRow> load_rule(Connection& c, const std::string& kind);
void update_rule(Connection& c, const RuleRow& r, std::int64_t now_ms, std::int64_t actor);

// ---------------------------------------------------------------------------
// The outbox.

struct OutboxRow {
  std::int64_t id = 0;
  std::string key, kind;
  std::int64_t subject = 0, base_at = 0;
  std::optional<std::int64_t> customer, recipient_user, escalation_of, acked_at;
  std::optional<std::int64_t> lead;  // a message for a lead (a welcome), or about one
  std::optional<std::string> recipient_role;
  std::string channel, message_zh, message_en;
  std::int64_t due_at = 0, created_at = 0, lease_until = 0, attempts = 0;
};

// Inserts unless a message with the same key exists; the new id, or 0.
std::int64_t insert_outbox(Connection& c, const OutboxRow& m);
std::optional<OutboxRow> load_outbox(Connection& c, std::int64_t id);
// Unacknowledged messages whose lease has expired (or that were never
// fetched), oldest first, optionally of one channel; each gets a lease until
// `lease_until` and one more attempt.  Call inside a write transaction.
std::vector<OutboxRow> lease_outbox(Connection& c, std::int64_t now, std::int64_t lease_until,
                                    int limit, const std::string& channel);
void ack_outbox(Connection& c, std::int64_t id, std::int64_t now);
// Messages by id after `after_id` (all, or only unacknowledged); for
// listing and tests.
std::vector<OutboxRow> list_outbox(Connection& c, std::int64_t after_id, int limit,
                                   bool pending_only);

// A meta row of the library's own (e.g. "scheduler.last_tick").
void set_meta(Connection& c, const std::string& key, const std::string& value);

// The department supervisor (an active sales manager of the owner's
// department, lowest id first), if any.
std::optional<std::int64_t> find_supervisor(Connection& c, std::int64_t owner);

}  // namespace crm::store
