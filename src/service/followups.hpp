// Follow-up plans (跟进计划, R2.3), records (客户跟进记录, R2.4), the
// over-contact guard (避免过度打扰, R2.5), a rep's agenda and daily report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

// Plans a contact (fields of the "followup_plan" entity: goal, method,
// planned_at required; talking_points, materials, remind_at, owner).  The
// plan may not be in the past, nor its reminder after it or in the past;
// without remind_at the reminder is followup.remind_before_minutes earlier
// (but not before now).  Returns the stored plan; when another contact of
// the customer is closer than followup.min_gap_hours, the result carries
// "warning" = "too_soon" with warning_message(_zh), or, when
// followup.min_gap_action is "refuse", a validation error is thrown.
Record create_plan(Session& s, std::int64_t customer, const Record& fields);

Record get_plan(Session& s, std::int64_t plan);

// Records the contact of an open plan (fields as add_followup; method
// defaults to the plan's) and marks the plan done, in one transaction.
// Returns the record.  state error if the plan is not open.
Record complete_plan(Session& s, std::int64_t plan, const Record& fields);

// Closes an open plan as "missed" or "cancelled", with a reason.
void close_plan(Session& s, std::int64_t plan, const std::string& state,
                std::optional<std::string> reason);

// Moves an open plan: it becomes "rescheduled" and a copy at the new time
// (remind_at 0 = the default reminder) is created; returns the new plan.
Record reschedule_plan(Session& s, std::int64_t plan, std::int64_t planned_at,
                       std::int64_t remind_at, std::optional<std::string> reason);

// Records a contact (fields of the "followup_record" entity: method and
// summary required; contacted_at defaults to now and may not be in the
// future).  The customer's last follow-up time, next step and next due date
// follow the latest record; next_plan_at creates the next plan (goal: the
// next step, which is then required); a major_change arms the 24-hour check
// of R1.10.  Returns the stored record (with a warning as create_plan).
Record add_followup(Session& s, std::int64_t customer, const Record& fields);

// Records a contact from another system's history (R9.2): the fields of
// add_followup but contacted_at required and `author` (any user, active or
// not) as the owner; the over-contact guard, next plans and the major-change
// check do not apply to the past.  `source_key` names the record in the
// system it came from: a record of the customer with the same key already
// there means it was migrated before, and nothing is written (nullopt).
// followup.write on the customer.  The caller audits.
std::optional<std::int64_t> add_migrated_followup(Session& s, std::int64_t customer,
                                                  const Record& fields, std::int64_t author,
                                                  const std::string& source_key);

// A customer's plans by planned time, and records by contact time.
std::vector<Record> customer_plans(Session& s, std::int64_t customer);
std::vector<Record> customer_followups(Session& s, std::int64_t customer);

struct AgendaQuery {
  std::int64_t owner = 0;  // 0 = the session's user
  int page_size = 50;
  std::string after;  // page token
};

struct AgendaPage {
  // {kind: overdue_plan | plan | lapsed, due_at, customer, customer_name,
  //  plan_id, goal, method, tier, next_due_date}
  std::vector<Record> rows;
  std::string next;
};

// What an owner should do: open plans of today and before (overdue) and
// customers whose tier cadence has lapsed, most urgent (longest due) first.
AgendaPage agenda(Session& s, const AgendaQuery& q);

// The daily report (拜访日报) of a rep (0 = the session's user; not_found for
// an unknown user, as for the agenda) for a local date "YYYY-MM-DD": the
// day's follow-up records (visits among them) and the plans of the day still
// open, by time: {kind: record | open_plan, at, customer, customer_name,
// method, summary, feedback, next_step, goal}.
std::vector<Record> daily_report(Session& s, std::int64_t owner, const std::string& date);

}  // namespace crm
