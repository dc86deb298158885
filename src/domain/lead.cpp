#include "domain/lead.hpp"

#include <date/date.h>
#include <date/iso_week.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "domain/calendar.hpp"

namespace crm {

const std::vector<std::string>& lead_stages() {
  static const std::vector<std::string> stages = {"captured",  "screened",  "assigned",
                                                  "following", "converted", "disqualified"};
  return stages;
}

bool is_lead_stage(std::string_view stage) { return lead_stage_rank(stage) >= 0; }

int lead_stage_rank(std::string_view stage) {
  const auto& s = lead_stages();
  auto it = std::find(s.begin(), s.end(), stage);
  return it == s.end() ? -1 : static_cast<int>(it - s.begin());
}

bool lead_stage_final(std::string_view stage) {
  return stage == "converted" || stage == "disqualified";
}

bool lead_step_allowed(std::string_view from, std::string_view to) {
  if (!is_lead_stage(from) || !is_lead_stage(to) || lead_stage_final(from)) return false;
  if (to == "disqualified") return true;
  if (to == "converted" || to == "assigned" || to == "captured") return false;
  return lead_stage_rank(to) > lead_stage_rank(from);
}

bool valid_event_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 40 || kind[0] < 'a' || kind[0] > 'z') return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

double decay_weight(std::int64_t age_ms, std::int64_t half_life_ms) {
  if (half_life_ms <= 0 || age_ms <= 0) return 1.0;
  return std::exp2(-static_cast<double>(age_ms) / static_cast<double>(half_life_ms));
}

RunningScore add_points(RunningScore score, std::int64_t points, std::int64_t when,
                        std::int64_t half_life_ms) {
  if (when >= score.at) {
    score.value =
        score.value * decay_weight(when - score.at, half_life_ms) + static_cast<double>(points);
    score.at = when;
  } else {
    score.value += static_cast<double>(points) * decay_weight(score.at - when, half_life_ms);
  }
  return score;
}

double score_at(const RunningScore& score, std::int64_t now, std::int64_t half_life_ms) {
  return score.value * decay_weight(now - score.at, half_life_ms);
}

bool reaches(double score, std::int64_t threshold) {
  return score + 1e-9 >= static_cast<double>(threshold);
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string region_key(std::string_view region) {
  static const char* const kSuffixes[] = {"特别行政区", "自治区", "省", "市", "区", "县"};
  for (const char* suffix : kSuffixes) {
    std::string_view sv(suffix);
    // Keep at least one character (two bytes or more): "市" alone stays.
    if (ends_with(region, sv) && region.size() > sv.size() + 2) {
      region.remove_suffix(sv.size());
      break;
    }
  }
  return std::string(region);
}

bool route_matches(const LeadRoute& route, std::string_view region, std::string_view industry) {
  if (!route.industry.empty() && route.industry != industry) return false;
  if (route.region.empty()) return true;
  return region.find(region_key(route.region)) != std::string_view::npos;
}

std::optional<std::int64_t> next_round_robin(const std::vector<std::int64_t>& candidates,
                                             std::optional<std::int64_t> last) {
  if (candidates.empty()) return std::nullopt;
  if (last) {
    auto it = std::upper_bound(candidates.begin(), candidates.end(), *last);
    if (it != candidates.end()) return *it;
  }
  return candidates.front();
}

bool valid_funnel_period(std::string_view period) {
  return period == "day" || period == "week" || period == "month" || period == "all";
}

std::string funnel_period_of(std::int64_t utc_ms, std::string_view period,
                             const date::time_zone* zone) {
  if (period == "all") return "all";
  const date::year_month_day d = local_date(utc_ms, zone);
  if (period == "day") return format_date(d);
  char buf[16];
  if (period == "month") {
    std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()));
    return buf;
  }
  const iso_week::year_weeknum_weekday w{date::sys_days(d)};
  std::snprintf(buf, sizeof buf, "%04d-W%02u", static_cast<int>(w.year()),
                static_cast<unsigned>(w.weeknum()));
  return buf;
}

}  // namespace crm
