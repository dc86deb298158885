// Reminders, escalation and the outbox (R2.5, R1.5, R1.10, R8.2).
//
// Every future reminder is a timer row (kind, subject, base_at, due_at),
// written in the same transaction as the change that causes it.  tick(now)
// reads the timers due by `now` through an index, checks that the reason
// still holds, writes one outbox message per channel under a stable
// idempotency key and deletes the timer, in batches of one transaction each.
// A second tick, or a tick after a crash, finds nothing new: fired timers are
// gone and a key is never written twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"
#include "store/followup_repo.hpp"

namespace crm {

// The kinds of reminder, in the order of reminder_rules:
//   plan_reminder   a plan's reminder time            → the plan's owner
//   plan_overdue    a plan still open when its day ends → the plan's owner
//   cadence_lapsed  a graded customer not contacted by its due date
//   unverified      a customer not verified within 24 hours (R1.5)
//   review_due      a month since the last review (R1.10)
//   major_change    a follow-up reported a major change and the file has no
//                   major change recorded within 24 hours (R1.10)
//   access_pending  an access request (R3.2) waiting for the customer's owner
//   lead_welcome    a new lead's welcome message (R4.1)    → the lead itself
//   lead_assigned   a lead assigned and not yet followed up → its owner
//   lead_high_value a lead whose score reached the threshold (R4.3) → its owner
//   lead_unassigned a lead still in the pool after the rule's delay (24 h,
//                   R4.2) → the sales managers
//   escalation      a reminder whose reason still holds after the rule's
//                   escalate_after → the owner's department supervisor
const std::vector<std::string>& reminder_kinds();

// Placeholders a message template may use.
const std::vector<std::string>& template_placeholders();

struct TickReport {
  std::int64_t now = 0;
  std::int64_t fired = 0;      // reminders written (one per reminder, not per channel)
  std::int64_t messages = 0;   // outbox rows written
  std::int64_t escalated = 0;  // escalations among `fired`
  std::int64_t skipped = 0;    // timers whose reason no longer held, or disabled rules
  std::int64_t rearmed = 0;    // timers not yet due after all (a rule changed)
  std::int64_t pending = 0;    // timers left
  std::int64_t last_tick = 0;  // the latest `now` of any tick before this one
};

// Runs the scheduler up to `now` (0 = the database clock).  Administrators
// only.  A `now` before the last tick's is allowed: it fires what is due by
// then and nothing twice.
TickReport tick(Session& s, std::int64_t now);

// Reminder rules as records {kind, enabled, delay_minutes, counting,
// calendar, channels, escalate_after, template_zh, template_en}.
std::vector<Record> list_reminder_rules(Session& s);

// Changes the fields present in `changes` (administrators only); the change
// is kept in the configuration history as "rule.<kind>".
void set_reminder_rule(Session& s, const std::string& kind, const Record& changes);

// Leases up to `limit` (1..1000) undelivered messages for `lease_ms` (1 s ..
// 1 day); channel "" = any.  Records {id, key, kind, customer, recipient_user,
// recipient_role, channel, message, message_en, due_at, attempts,
// escalation_of}.  Administrators only.
std::vector<Record> fetch_outbox(Session& s, int limit, std::int64_t lease_ms,
                                 const std::string& channel);

// Marks a delivered message; not_found for an unknown id, conflict if it was
// acknowledged before.
void ack_outbox(Session& s, std::int64_t id);

// Messages after id `after` (all, or only the unacknowledged), at most
// `limit`, as fetch_outbox's records plus acked_at; reads only.
std::vector<Record> list_outbox(Session& s, std::int64_t after, int limit, bool pending_only);

// ---------------------------------------------------------------------------
// Hooks for the services, inside their write transaction.

// A new customer: its verification (R1.5) and monthly review (R1.10).
void schedule_new_customer(Session& s, std::int64_t key, std::int64_t created_at);
// A review restarts the monthly review.
void schedule_review(Session& s, std::int64_t key, std::int64_t reviewed_at);
// Verification done: no more reminder.
void unschedule_verification(Session& s, std::int64_t key);
// An archived customer gets no more reminders.
void unschedule_customer(Session& s, std::int64_t key);
// The cadence reminder of a customer due by `due_date` (none when nullopt).
void schedule_cadence(Session& s, std::int64_t key, const std::optional<std::string>& due_date);
// A new open plan, and a plan that is no longer open.
void schedule_plan(Session& s, const store::PlanRow& plan);
void unschedule_plan(Session& s, std::int64_t plan);
// A follow-up that reported a major change.
void schedule_major_change(Session& s, std::int64_t record, std::int64_t contacted_at);
// A message about lead `lead` (kind lead_*) for the event at `base`: written
// to the outbox now when the rule has no delay, else armed as a timer.
void notify_lead(Session& s, const std::string& kind, std::int64_t lead, std::int64_t base);
// An access request waiting for its decision.
void schedule_access_request(Session& s, std::int64_t request, std::int64_t requested_at);

}  // namespace crm
