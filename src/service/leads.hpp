// Leads (线索, R4): capture from a channel with a welcome message, behaviour
// scoring with its explanation, assignment by region and industry rules,
// the funnel 获取 → 筛选 → 分配 → 跟进 → 转化 and its report, conversion
// into a customer with the lead's history.
//
// Permissions: lead.read / lead.write of the matrix, scoped by the lead's
// owner as customers are; a lead in the pool (no owner) is reached by a
// department scope (sales managers, marketing), not by an own scope.
// Scoring and assignment rules are configuration (config.manage).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "service/session.hpp"

namespace crm {

enum class CaptureOutcome : int {
  created = 0,    // a new lead
  repeated = 1,   // the external id was captured before: that lead, unchanged
  duplicate = 2,  // an open lead has the same phone or e-mail: that lead, the
                  // capture recorded on it as an event ("recapture")
  linked = 3,     // a new lead, linked to the existing customer with the same
                  // phone or e-mail (conversion will not create a second one)
};

struct CaptureResult {
  std::int64_t lead = 0;
  CaptureOutcome outcome = CaptureOutcome::created;
};

// Captures a lead (fields of the "lead" entity).  Validated like a
// customer's fields (every failing field listed, nothing written).  The
// welcome message (reminder rule lead_welcome) goes to the outbox; the lead
// is assigned at once when `owner` is given (or the user's lead.write scope
// is only their own: a salesperson's capture is theirs), routed by the
// rules when the setting lead.auto_assign is "captured", and otherwise
// waits in the pool, where lead_unassigned reminds the sales managers after
// 24 hours.  A repeated external id with other details is Status::conflict.
CaptureResult capture_lead(Session& s, const Record& fields);

// The lead with its current (decayed) score; phone and e-mail masked.
Record get_lead(Session& s, std::int64_t lead);
// The same in clear: lead.write on the lead, a reason (1..500 characters),
// audited with alert kind "unmask".
Record unmask_lead(Session& s, std::int64_t lead, const std::optional<std::string>& reason);

struct LeadQuery {
  std::optional<std::string> stage, channel;  // codes (or labels)
  std::optional<std::int64_t> owner;          // 0 = the pool
  bool high_value_only = false;
  std::int64_t after_id = 0;  // keyset paging: the last id seen
  int limit = 100;            // 1..1000
};
// The leads the user may read, in id order, masked.
std::vector<Record> list_leads(Session& s, const LeadQuery& q);

struct ScoreResult {
  std::int64_t event = 0;
  double score = 0;         // as of now
  bool high_value = false;  // marked (now or before)
  bool marked_now = false;  // this event reached the threshold
};
// A behaviour event (R4.3) of a kind in the scoring rules at `at` (0 = now;
// not in the future): its points are added (weighted by age when a
// half-life is set); reaching lead.high_value_score (8) marks the lead
// 高价值线索 once and tells its owner (lead_high_value).  Status::not_found
// for an unknown lead, invalid_arg for an unknown kind, state for a
// converted or disqualified lead.
ScoreResult record_lead_event(Session& s, std::int64_t lead, const std::string& kind,
                              std::int64_t at, const std::optional<std::string>& note);

// Why the lead has its score: one record per scoring event {event, kind,
// label, label_en, at, points, weight, effective, note}, oldest first;
// `effective` (points × weight at now) adds up to the score.
std::vector<Record> explain_lead_score(Session& s, std::int64_t lead);

// Moves a lead along the funnel: "screened", "following" (needs an owner)
// or "disqualified" (needs a reason).  Skipped steps get the same time;
// going back, or leaving converted / disqualified, is Status::state.
// Screening routes the lead when lead.auto_assign is "screened" (the
// default).
void advance_lead(Session& s, std::int64_t lead, const std::string& stage,
                  const std::optional<std::string>& reason);

// Assigns the lead to `user`, or (user 0) by the assignment rules; returns
// the owner, or nullopt when no rule found anyone (the lead stays in the
// pool and route_note says why).  The assignee hears through the outbox
// (lead_assigned).  An absent user, one at lead.max_open_per_user open
// leads, or an inactive one is Status::state.
std::optional<std::int64_t> assign_lead(Session& s, std::int64_t lead, std::int64_t user);

// Converts an assigned lead into a customer (R4.4): of `type` "prospect"
// (潜在, the default) or "intent" (意向), owned by the lead's owner, with the
// lead's company, person, phone, e-mail, industry, scale, needs and channel
// (as source); `fields` adds or overrides customer fields (priority
// defaults to high for a high-value lead, else medium).  A lead linked to a
// customer (same phone or e-mail), or `fields` {customer: "C0005"}, links
// to that customer instead of creating one.  The lead's events are copied
// into the customer's history with their times.  Returns the customer's
// key; a validation error lists the customer fields still missing.
// Creating the customer needs customer.create over the lead's owner (by
// default: the owner converts their own lead); when new customers wait for
// review, Pending is thrown, the pending customer is kept and the lead left
// as it was.
std::int64_t convert_lead(Session& s, std::int64_t lead, const std::string& type,
                          const Record& fields);

// Funnel counts (R4.4) of the leads captured in [from, to) the user may
// read, by period ("day", "week", "month" or "all", in the database's time
// zone) and channel: {period, channel (NULL = every channel), channel_label,
// captured, screened, assigned, following, converted, disqualified,
// conversion_rate}.  A lead counts at every stage it reached.
std::vector<Record> lead_funnel(Session& s, std::int64_t from, std::int64_t to,
                                const std::string& period);

// Scoring rules (config.manage to change): a kind's points (1..100) and
// labels; a new kind is added.  Kept in the configuration history.
void set_score_rule(Session& s, const std::string& kind, std::int64_t points,
                    const std::string& label_zh, const std::string& label_en);
std::vector<Record> list_score_rules(Session& s);

// Assignment rules (config.manage): {position, region, industry, user |
// department}.  The user must be active; a department must have someone
// who can take leads.  Returns the rule's id.
std::int64_t add_lead_route(Session& s, const Record& rule);
void remove_lead_route(Session& s, std::int64_t id);
std::vector<Record> list_lead_routes(Session& s);

// Recomputes every lead's running score from its events under the current
// half-life; called when lead.score_half_life_days changes, inside that
// transaction.  High-value marks stay.
void rescore_leads(Session& s);

}  // namespace crm
