// Leads (线索, R4): the funnel's stages and their order, behaviour scoring
// with optional decay, the matching of assignment rules and the periods of
// the funnel report.  Pure: the service brings the rows and the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace crm {

// The funnel (R4.4): 线索获取 captured → 初步筛选 screened → 分配销售 assigned →
// 跟进 following → 转化 converted; or disqualified (无效) with a reason from
// any stage before converted.  Codes are stored; labels are in the
// "lead_stage" dictionary.
const std::vector<std::string>& lead_stages();
bool is_lead_stage(std::string_view stage);
// 0 captured … 4 converted; disqualified is 5 (not on the line).
int lead_stage_rank(std::string_view stage);
bool lead_stage_final(std::string_view stage);  // converted or disqualified

// Whether a lead at `from` may be moved to `to` by an explicit step:
// forward along the line (skipped steps are filled in), never back, never
// out of a final stage; "converted" only through conversion, "assigned"
// only through assignment.
bool lead_step_allowed(std::string_view from, std::string_view to);

// A scoring event kind's code: 1..40 of [a-z0-9_], starting with a letter.
bool valid_event_kind(std::string_view kind);
// Points of a scoring rule: 1..100 (a rule that takes points away, or gives
// more than a hundred for one event, is refused).
constexpr std::int64_t kMinEventPoints = 1;
constexpr std::int64_t kMaxEventPoints = 100;

// The weight of an event `age_ms` old under a half-life (0 = no decay):
// 0.5^(age / half_life); 1 for no decay or a non-positive age.
double decay_weight(std::int64_t age_ms, std::int64_t half_life_ms);

// A lead's running score: the sum of its events' points, each weighted by
// its age at `at`.  Kept incrementally (one multiplication per event), so
// that an event storm costs the same per event as the first event.
struct RunningScore {
  double value = 0;
  std::int64_t at = 0;  // the instant `value` is valid at
};
// Adds `points` earned at `when` (which may be before score.at: a late
// event is weighted by its age at score.at).
RunningScore add_points(RunningScore score, std::int64_t points, std::int64_t when,
                        std::int64_t half_life_ms);
// The score as of `now` (>= score.at gives the decayed value; earlier gives
// the stored value).
double score_at(const RunningScore& score, std::int64_t now, std::int64_t half_life_ms);
// Whether a score reaches the high-value threshold (高价值线索), tolerant of
// floating-point sums such as 0.1 * 80.
bool reaches(double score, std::int64_t threshold);

// An assignment rule (线索分配规则, R4.2): leads of a region and an industry
// (either may be empty = any) go to a user or to a team (a department,
// round robin).
struct LeadRoute {
  std::int64_t id = 0, position = 0;
  std::string region, industry;  // "" = any
  std::optional<std::int64_t> user;
  std::optional<std::string> department;
  std::optional<std::int64_t> last_user;  // the team's round-robin cursor
};
// The region of a rule with the administrative suffix (省, 市, 自治区,
// 特别行政区, 区, 县) dropped: "广东省" → "广东".
std::string region_key(std::string_view region);
// A rule matches a lead when its industry is empty or equal to the lead's,
// and its region is empty or contained in the lead's region ("深圳" matches
// "广东省深圳市南山区").
bool route_matches(const LeadRoute& route, std::string_view region, std::string_view industry);
// The next member after `last` in ascending id order, wrapping around;
// nullopt for no candidates.
std::optional<std::int64_t> next_round_robin(const std::vector<std::int64_t>& candidates,
                                             std::optional<std::int64_t> last);

// Funnel periods: "day" (2026-12-06), "week" (2026-W49, ISO weeks), "month"
// (2026-12) or "all" ("all").
bool valid_funnel_period(std::string_view period);
std::string funnel_period_of(std::int64_t utc_ms, std::string_view period,
                             const date::time_zone* zone);

}  // namespace crm
