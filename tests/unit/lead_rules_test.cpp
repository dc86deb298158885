// The pure lead rules: the funnel's order, decay, region matching, the round
// robin and the funnel's periods, each at its boundary.

#include <gtest/gtest.h>

#include "domain/calendar.hpp"
#include "domain/lead.hpp"

namespace crm {
namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

TEST(LeadRules, StepsGoForwardOnlyAndFinalStagesStay) {
  EXPECT_TRUE(lead_step_allowed("captured", "screened"));
  EXPECT_TRUE(lead_step_allowed("captured", "following")) << "skipping forward is allowed";
  EXPECT_TRUE(lead_step_allowed("following", "disqualified"));
  EXPECT_FALSE(lead_step_allowed("following", "screened")) << "never back";
  EXPECT_FALSE(lead_step_allowed("screened", "screened")) << "not to itself";
  EXPECT_FALSE(lead_step_allowed("captured", "assigned")) << "assignment has its own call";
  EXPECT_FALSE(lead_step_allowed("captured", "converted")) << "conversion has its own call";
  EXPECT_FALSE(lead_step_allowed("converted", "disqualified"));
  EXPECT_FALSE(lead_step_allowed("disqualified", "screened"));
  EXPECT_FALSE(lead_step_allowed("captured", "won"));
}

TEST(LeadRules, EventKinds) {
  EXPECT_TRUE(valid_event_kind("product_view"));
  EXPECT_TRUE(valid_event_kind(std::string(40, 'a')));
  EXPECT_FALSE(valid_event_kind(std::string(41, 'a')));
  EXPECT_FALSE(valid_event_kind(""));
  EXPECT_FALSE(valid_event_kind("9lives"));
  EXPECT_FALSE(valid_event_kind("Product"));
  EXPECT_FALSE(valid_event_kind("page-view"));
}

TEST(LeadRules, DecayHalvesPerHalfLifeAndLateEventsWeighTheirAge) {
  EXPECT_EQ(decay_weight(5 * kDay, 0), 1.0) << "no half-life, no decay";
  EXPECT_EQ(decay_weight(-kDay, 7 * kDay), 1.0) << "a future age does not grow";
  EXPECT_DOUBLE_EQ(decay_weight(7 * kDay, 7 * kDay), 0.5);
  EXPECT_DOUBLE_EQ(decay_weight(14 * kDay, 7 * kDay), 0.25);
  RunningScore s;
  s = add_points(s, 4, 0, 7 * kDay);
  s = add_points(s, 2, 7 * kDay, 7 * kDay);
  EXPECT_DOUBLE_EQ(s.value, 4.0);     // 4 × 0.5 + 2
  s = add_points(s, 8, 0, 7 * kDay);  // late: 8 × 0.5
  EXPECT_DOUBLE_EQ(s.value, 8.0);
  EXPECT_EQ(s.at, 7 * kDay);
  EXPECT_DOUBLE_EQ(score_at(s, 14 * kDay, 7 * kDay), 4.0);
  RunningScore flat;
  for (int i = 0; i < 80; ++i) flat = add_points(flat, 1, i, 0);
  EXPECT_TRUE(reaches(flat.value, 80));
  double tenths = 0;
  for (int i = 0; i < 80; ++i) tenths += 0.1;  // 7.99999999999998…
  EXPECT_LT(tenths, 8.0);
  EXPECT_TRUE(reaches(tenths, 8)) << "a floating-point sum of 8 reaches 8";
  EXPECT_FALSE(reaches(7.99, 8));
}

TEST(LeadRules, RegionsMatchByContainmentWithoutTheirSuffix) {
  EXPECT_EQ(region_key("广东省"), "广东");
  EXPECT_EQ(region_key("深圳市"), "深圳");
  EXPECT_EQ(region_key("广西壮族自治区"), "广西壮族");
  EXPECT_EQ(region_key("香港特别行政区"), "香港");
  EXPECT_EQ(region_key("市"), "市") << "a bare suffix stays";
  LeadRoute r;
  r.region = "深圳市";
  EXPECT_TRUE(route_matches(r, "广东省深圳市南山区", "internet"));
  EXPECT_TRUE(route_matches(r, "深圳", "internet"));
  EXPECT_FALSE(route_matches(r, "广东省广州市", "internet"));
  EXPECT_FALSE(route_matches(r, "", "internet")) << "a lead without region matches no region rule";
  r.industry = "manufacturing";
  EXPECT_FALSE(route_matches(r, "广东省深圳市", "internet"));
  EXPECT_TRUE(route_matches(r, "广东省深圳市", "manufacturing"));
  LeadRoute any;
  EXPECT_TRUE(route_matches(any, "", ""));
}

TEST(LeadRules, RoundRobinWrapsAndSurvivesALeaver) {
  std::vector<std::int64_t> team = {3, 5, 9};
  EXPECT_EQ(next_round_robin(team, std::nullopt), 3);
  EXPECT_EQ(next_round_robin(team, 3), 5);
  EXPECT_EQ(next_round_robin(team, 9), 3);
  EXPECT_EQ(next_round_robin(team, 4), 5) << "the last one left the team";
  EXPECT_EQ(next_round_robin({}, 3), std::nullopt);
}

TEST(LeadRules, FunnelPeriodsInTheLocalZone) {
  const auto* sh = find_zone("Asia/Shanghai");
  ASSERT_NE(sh, nullptr);
  // 2026-12-31 16:00Z is 2027-01-01 00:00 in Shanghai: a new day, month, year.
  const std::int64_t t = local_midnight(date::year{2027} / 1 / 1, sh);
  EXPECT_EQ(funnel_period_of(t, "day", sh), "2027-01-01");
  EXPECT_EQ(funnel_period_of(t - 1, "day", sh), "2026-12-31");
  EXPECT_EQ(funnel_period_of(t, "month", sh), "2027-01");
  EXPECT_EQ(funnel_period_of(t - 1, "month", sh), "2026-12");
  // 2027-01-01 is a Friday in ISO week 53 of 2026.
  EXPECT_EQ(funnel_period_of(t, "week", sh), "2026-W53");
  EXPECT_EQ(funnel_period_of(t, "all", sh), "all");
  EXPECT_TRUE(valid_funnel_period("week"));
  EXPECT_FALSE(valid_funnel_period("quarter"));
}

}  // namespace
}  // namespace crm
