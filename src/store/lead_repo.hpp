// Leads (线索, R4) as stored rows: the leads, their events, the scoring and
// assignment rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/lead.hpp"
#include "store/connection.hpp"

namespace crm::store {

struct LeadRow {
  std::int64_t id = 0;
  std::optional<std::string> external_id;
  std::string channel, company;
  std::optional<std::string> person, phone, email, region, industry, scale, key_needs, note;
  std::string stage = "captured";
  std::optional<std::int64_t> owner;
  double score = 0;
  std::int64_t scored_at = 0;
  std::optional<std::int64_t> high_value_at, customer;
  std::optional<std::string> disqualify_reason, route_note;
  std::int64_t captured_at = 0;
  std::optional<std::int64_t> screened_at, assigned_at, following_at, converted_at, disqualified_at;
  std::int64_t version = 1, created_by = 0, updated_at = 0;
};

std::int64_t insert_lead(Connection& c, const LeadRow& l);
std::optional<LeadRow> load_lead(Connection& c, std::int64_t id);
// The lead an external id was captured into, with the digest of that capture.
struct ExternalId {
  std::int64_t lead = 0;
  std::string digest;
};
std::optional<ExternalId> find_external_id(Connection& c, const std::string& external_id);
void insert_external_id(Connection& c, const std::string& external_id, std::int64_t lead,
                        const std::string& digest);
// The oldest lead not converted or disqualified with this phone or e-mail
// (either may be absent).
std::optional<LeadRow> find_open_lead_by_contact(Connection& c,
                                                 const std::optional<std::string>& phone,
                                                 const std::optional<std::string>& email);
// The oldest customer not archived whose phone or e-mail, or a present
// contact's, is this one.
std::optional<std::int64_t> find_customer_by_contact(Connection& c,
                                                     const std::optional<std::string>& phone,
                                                     const std::optional<std::string>& email);
// Writes every mutable column and version + 1 (l.version is the new one).
void update_lead(Connection& c, const LeadRow& l);
// Leads of `owner` not converted or disqualified.
std::int64_t count_open_leads(Connection& c, std::int64_t owner);

struct LeadFilter {
  bool all = false;                // every lead, else the owners below
  std::string owners_json = "[]";  // visible owners
  bool pool = false;               // leads without an owner are visible
  std::optional<std::string> stage, channel;
  std::optional<std::int64_t> owner;  // 0 = in the pool
  bool high_value_only = false;
  std::int64_t after_id = 0;
  int limit = 100;
};
std::vector<LeadRow> list_leads(Connection& c, const LeadFilter& f);
// Leads captured in [from, to) that the filter shows (stage, owner, channel
// and paging ignored), for the funnel.
std::vector<LeadRow> leads_captured(Connection& c, const LeadFilter& f, std::int64_t from,
                                    std::int64_t to);
std::vector<std::int64_t> all_lead_ids(Connection& c);

struct LeadEventRow {
  std::int64_t id = 0, lead = 0;
  std::string kind;
  std::int64_t points = 0, at = 0, actor = 0;
  std::optional<std::string> detail;
};
std::int64_t insert_lead_event(Connection& c, const LeadEventRow& e);
// Events after id `after_id`, at most `limit` (0 = all), in id order;
// `scoring_only` keeps those with points.
std::vector<LeadEventRow> lead_events(Connection& c, std::int64_t lead, std::int64_t after_id,
                                      int limit, bool scoring_only);

struct ScoreRuleRow {
  std::string kind;
  std::int64_t points = 0;
  std::string label_zh, label_en;
  std::int64_t updated_at = 0, updated_by = 0;
};
std::vector<ScoreRuleRow> list_score_rules(Connection& c);
std::optional<ScoreRuleRow> load_score_rule(Connection& c, const std::string& kind);
void upsert_score_rule(Connection& c, const ScoreRuleRow& r);

std::vector<LeadRoute> list_lead_routes(Connection& c);
std::int64_t insert_lead_route(Connection& c, const LeadRoute& r, std::int64_t now,
                               std::int64_t actor);
// Returns false when there was no such rule.
bool delete_lead_route(Connection& c, std::int64_t id);
void set_lead_route_cursor(Connection& c, std::int64_t id, std::int64_t last_user);

}  // namespace crm::store
