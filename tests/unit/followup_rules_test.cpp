// The pure rules of tiers and follow-ups (R2): cadences, due dates, grading
// thresholds, message templates, and the local-time helpers the scheduler
// uses.  Every rule is checked at its boundary; no database, no clock.
#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/followup.hpp"

namespace crm {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kHour = 60 * kMinute;

// UTC milliseconds of a Shanghai wall time "YYYY-MM-DD HH:MM[:SS[.mmm]]",
// computed by hand (Shanghai has kept UTC+8 without DST since 1991).
std::int64_t sh(const char* wall) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(wall, "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms);
  EXPECT_GE(n, 3) << "bad wall time in the test: " << wall;
  auto day = date::sys_days{date::year{y} / mo / d};
  return day.time_since_epoch().count() * 24 * kHour + h * kHour + mi * kMinute + s * 1000 + ms -
         8 * kHour;
}

// The same instant spelled as UTC, for failure messages and expectations.
std::string utc(std::int64_t ms) {
  using std::chrono::milliseconds;
  auto t = date::sys_time<milliseconds>{milliseconds{ms}};
  if (ms % 1000 == 0) return date::format("%FT%TZ", date::floor<std::chrono::seconds>(t));
  return date::format("%FT%TZ", t);
}

date::year_month_day ymd(const char* s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d.has_value()) << "bad date in the test: " << s;
  return d.value_or(date::year{2000} / 1 / 1);
}

std::string show(const std::optional<Cadence>& c) {
  return c ? "Cadence{" + format_cadence(*c) + "}" : std::string("nullopt");
}

const date::time_zone* shanghai() {
  const date::time_zone* z = find_zone("Asia/Shanghai");
  EXPECT_NE(z, nullptr) << "the tz database has no Asia/Shanghai";
  return z;
}

// Runs `f`, which must throw crm::Error with `status`; returns the error.
template <class F>
Error expect_error(Status status, F f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(status_name(e.status())), status_name(status))
        << "wrong status; message: " << e.message_en();
    EXPECT_FALSE(e.message_en().empty()) << "an error needs an English message";
    EXPECT_FALSE(e.message_zh().empty()) << "an error needs a Chinese message";
    return e;
  }
  ADD_FAILURE() << "expected crm::Error(" << status_name(status) << "), nothing was thrown";
  return Error(Status::ok, "", "");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Cadence.

TEST(FollowupCadence, ParsesShortLongAndChineseUnits) {
  struct Case {
    const char* text;
    int count;
    Cadence::Unit unit;
  };
  const Case cases[] = {
      {"7d", 7, Cadence::Unit::day},        {"1w", 1, Cadence::Unit::week},
      {"2w", 2, Cadence::Unit::week},       {"1m", 1, Cadence::Unit::month},
      {"1W", 1, Cadence::Unit::week},       {"10 days", 10, Cadence::Unit::day},
      {"1 day", 1, Cadence::Unit::day},     {"2 weeks", 2, Cadence::Unit::week},
      {"1 week", 1, Cadence::Unit::week},   {"3 months", 3, Cadence::Unit::month},
      {"1 month", 1, Cadence::Unit::month}, {" 2w ", 2, Cadence::Unit::week},
      {"7天", 7, Cadence::Unit::day},       {"2周", 2, Cadence::Unit::week},
      {"1月", 1, Cadence::Unit::month},     {"1个月", 1, Cadence::Unit::month},
      {"3 个月", 3, Cadence::Unit::month},  {"０２w", 2, Cadence::Unit::week},
      {"007d", 7, Cadence::Unit::day},
  };
  for (const auto& c : cases) {
    auto got = parse_cadence(c.text);
    Cadence want{c.count, c.unit};
    EXPECT_TRUE(got && *got == want)
        << "parse_cadence(\"" << c.text << "\"): expected " << show(want) << ", got " << show(got);
  }
}

TEST(FollowupCadence, CountsAreBoundedPerUnit) {
  struct Case {
    const char* text;
    bool ok;
  };
  const Case cases[] = {
      {"1d", true},   {"366d", true}, {"367d", false},  {"0d", false},     {"1w", true},
      {"52w", true},  {"53w", false}, {"0w", false},    {"1m", true},      {"12m", true},
      {"13m", false}, {"0m", false},  {"9999d", false}, {"12345d", false},
  };
  for (const auto& c : cases) {
    auto got = parse_cadence(c.text);
    EXPECT_EQ(got.has_value(), c.ok) << "parse_cadence(\"" << c.text << "\"): expected "
                                     << (c.ok ? "a cadence" : "nullopt") << ", got " << show(got);
  }
}

TEST(FollowupCadence, RejectsAnythingElse) {
  for (const char* text : {"",
                           " ",
                           "w",
                           "1",
                           "d7",
                           "1x",
                           "1.5w",
                           "-1w",
                           "+1w",
                           "1w2",
                           "1 w s",
                           "一周",
                           "两周",
                           "1 fortnight",
                           "1wk",
                           "1年",
                           "1 天天",
                           "0x1w",
                           "\xff"
                           "1w",
                           "1w\xc3",
                           "1\xe5\x91"}) {  // the last three: not UTF-8
    auto got = parse_cadence(text);
    EXPECT_FALSE(got.has_value()) << "parse_cadence(\"" << text << "\"): expected nullopt, got "
                                  << show(got);
  }
}

TEST(FollowupCadence, FormatsAndDescribesInBothLanguages) {
  struct Case {
    Cadence c;
    const char *text, *zh, *en;
  };
  const Case cases[] = {
      {{1, Cadence::Unit::day}, "1d", "每天一次", "every day"},
      {{10, Cadence::Unit::day}, "10d", "每10天一次", "every 10 days"},
      {{1, Cadence::Unit::week}, "1w", "每周一次", "every week"},
      {{2, Cadence::Unit::week}, "2w", "每2周一次", "every 2 weeks"},
      {{1, Cadence::Unit::month}, "1m", "每月一次", "every month"},
      {{3, Cadence::Unit::month}, "3m", "每3个月一次", "every 3 months"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_cadence(c.c), c.text);
    EXPECT_EQ(describe_cadence_zh(c.c), c.zh) << "for " << c.text;
    EXPECT_EQ(describe_cadence_en(c.c), c.en) << "for " << c.text;
    auto back = parse_cadence(format_cadence(c.c));
    EXPECT_TRUE(back && *back == c.c) << "round trip of " << c.text << " gave " << show(back);
  }
}

// ---------------------------------------------------------------------------
// Due dates.

TEST(FollowupDueDate, AddsDaysWeeksAndClampedMonths) {
  struct Case {
    const char *last, *cadence, *due;
  };
  const Case cases[] = {
      {"2026-03-02", "1w", "2026-03-09"},
      {"2026-03-02", "2w", "2026-03-16"},
      {"2026-03-02", "10d", "2026-03-12"},
      {"2026-12-28", "1w", "2027-01-04"},  // across a year end
      {"2026-02-28", "1d", "2026-03-01"},  // 2026 is not a leap year
      {"2028-02-28", "1d", "2028-02-29"},  // 2028 is
      {"2026-01-31", "1m", "2026-02-28"},  // Jan 31 + 1m = Feb 28
      {"2028-01-31", "1m", "2028-02-29"},  // … = Feb 29 in a leap year
      {"2026-01-30", "1m", "2026-02-28"},
      {"2026-03-31", "1m", "2026-04-30"},
      {"2026-02-28", "1m", "2026-03-28"},  // not "the end of March"
      {"2026-11-30", "3m", "2027-02-28"},
      {"2027-12-31", "2m", "2028-02-29"},
      {"2028-02-29", "12m", "2029-02-28"},
      {"2026-12-31", "1m", "2027-01-31"},
      {"2026-01-01", "366d", "2027-01-02"},
  };
  for (const auto& c : cases) {
    auto cadence = parse_cadence(c.cadence);
    ASSERT_TRUE(cadence) << c.cadence;
    EXPECT_EQ(format_date(next_due_date(ymd(c.last), *cadence)), c.due)
        << "last contact " << c.last << " + " << c.cadence;
  }
}

// ---------------------------------------------------------------------------
// Thresholds.

const std::vector<std::string> kTiers = {"A", "B", "C"};

std::string show(const std::vector<Threshold>& t) { return format_thresholds(t); }

TEST(FollowupThresholds, ParsesTheAcceptedSpellings) {
  const std::vector<Threshold> a100_b30 = {{"A", 100}, {"B", 30}};
  for (const char* text : {"A>=100,B>=30", "A>=100, B>=30", " A >= 100 ; B >= 30 ", "A:100;B:30",
                           "A>=100，B>=30", "A>=100；B>=30", "A>=100,,B>=30,", "A>=1e2,B>=30.0"}) {
    std::vector<Threshold> got;
    try {
      got = parse_thresholds(text, kTiers);
    } catch (const Error& e) {
      ADD_FAILURE() << "parse_thresholds(\"" << text << "\") threw: " << e.message_en();
      continue;
    }
    EXPECT_EQ(got, a100_b30) << "parse_thresholds(\"" << text << "\"): expected " << show(a100_b30)
                             << ", got " << show(got);
  }
  // One threshold, a skipped tier, decimals and negative minimums.
  EXPECT_EQ(show(parse_thresholds("B>=30", kTiers)), "B>=30");
  EXPECT_EQ(show(parse_thresholds("A>=100,C>=0", kTiers)), "A>=100,C>=0");
  EXPECT_EQ(show(parse_thresholds("A>=37.5,B>=-10", kTiers)), "A>=37.5,B>=-10");
}

TEST(FollowupThresholds, RefusesBadThresholdsNamingThePart) {
  struct Case {
    const char* text;
    const char* mentioned;  // what the English message must name
  };
  const Case cases[] = {
      {"D>=10", "no tier \"D\""},
      {"A>=100,X>=30", "no tier \"X\""},
      {"a>=100", "no tier \"a\""},  // tier codes are exact
      {"garbage", "\"garbage\" is not TIER>=MIN"},
      {"A>100", "\"A>100\" is not TIER>=MIN"},
      {"A=100", "\"A=100\" is not TIER>=MIN"},
      {"A≥100", "is not TIER>=MIN"},
      {"A>=", "the minimum is not a number"},
      {"A>=abc", "the minimum is not a number"},
      {"A>=100x", "the minimum is not a number"},
      {"A>=nan", "the minimum is not a number"},
      {"A>=inf", "the minimum is not a number"},
      {"A>=1e999", "the minimum is not a number"},
      {"", "at least one threshold"},
      {" , ; ", "at least one threshold"},
      // Order: best tier first, minimums strictly decreasing.
      {"B>=30,A>=100", "\"A>=100\" is out of order"},
      {"A>=100,A>=50", "\"A>=50\" is out of order"},
      {"A>=30,B>=30", "\"B>=30\" is out of order"},
      {"A>=10,B>=30", "\"B>=30\" is out of order"},
      {"A>=100,C>=10,B>=5", "\"B>=5\" is out of order"},
  };
  for (const auto& c : cases) {
    Error e = expect_error(Status::invalid_arg, [&] { parse_thresholds(c.text, kTiers); });
    EXPECT_TRUE(contains(e.message_en(), c.mentioned))
        << "parse_thresholds(\"" << c.text << "\"): the message should mention [" << c.mentioned
        << "], is [" << e.message_en() << "]";
  }
}

TEST(FollowupThresholds, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(format_thresholds({{"A", 100}, {"B", 37.5}}), "A>=100,B>=37.5");
  EXPECT_EQ(format_thresholds({}), "");
  EXPECT_EQ(format_number(100), "100");
  EXPECT_EQ(format_number(37.5), "37.5");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(-2.25), "-2.25");
  EXPECT_EQ(format_number(1234567.125), "1234567.125");
}

// ---------------------------------------------------------------------------
// Grading.

std::vector<Criterion> seeded_criteria() {
  Criterion potential{"annual_potential", "年采购潜力", "Annual purchase potential", "万元",
                      parse_thresholds("A>=100,B>=30", kTiers)};
  Criterion likelihood{"cooperation_likelihood", "合作可能性", "Likelihood of cooperation", "%",
                       parse_thresholds("A>=70,B>=40", kTiers)};
  return {potential, likelihood};
}

Grade grade_of(double potential, double likelihood) {
  return grade(seeded_criteria(), kTiers,
               {{"annual_potential", potential}, {"cooperation_likelihood", likelihood}});
}

TEST(FollowupGrade, EachThresholdIsReachedAtExactlyItsMinimum) {
  struct Case {
    double potential, likelihood;
    const char* tier;
  };
  const double below_100 = std::nextafter(100.0, 0.0);
  const Case cases[] = {
      {100, 70, "A"}, {below_100, 70, "B"}, {100, 69.999, "B"}, {1e6, 100, "A"}, {30, 40, "B"},
      {99, 69, "B"},  {29.999, 40, "C"},    {30, 39.999, "C"},  {0, 0, "C"},     {-5, -5, "C"},
  };
  for (const auto& c : cases) {
    Grade g = grade_of(c.potential, c.likelihood);
    EXPECT_EQ(g.tier, c.tier) << "potential " << format_number(c.potential) << " ("
                              << (c.potential == below_100 ? "just below 100" : "")
                              << "), likelihood " << format_number(c.likelihood) << ": reason "
                              << g.reason_en;
  }
}

TEST(FollowupGrade, TheWorstCriterionDecides) {
  // High value, low intent: C; low value, high intent: C; A and B: B.
  EXPECT_EQ(grade_of(500, 10).tier, "C");
  EXPECT_EQ(grade_of(10, 95).tier, "C");
  EXPECT_EQ(grade_of(500, 50).tier, "B");
  EXPECT_EQ(grade_of(50, 95).tier, "B");
}

TEST(FollowupGrade, ExplainsEachCriterionInBothLanguages) {
  Grade g = grade_of(100, 45);
  EXPECT_EQ(g.reason_zh, "年采购潜力 100 万元 ≥ 100 → A；合作可能性 45 % ≥ 40 → B；综合评定 B");
  EXPECT_EQ(g.reason_en,
            "Annual purchase potential 100 万元 >= 100 -> A; Likelihood of cooperation 45 % >= 40 "
            "-> B; overall B");
  Grade low = grade_of(12.5, 80);
  EXPECT_EQ(low.tier, "C");
  EXPECT_TRUE(contains(low.reason_zh, "年采购潜力 12.5 万元 未达任何阈值 → C")) << low.reason_zh;
  EXPECT_TRUE(contains(low.reason_en, "below every threshold -> C")) << low.reason_en;
}

TEST(FollowupGrade, BelowEveryThresholdIsTheLastTier) {
  // A criterion with only an A threshold: anything below it is the last
  // tier (C), not the next one (B).
  Criterion only_a{"budget", "预算", "Budget", "", parse_thresholds("A>=50", kTiers)};
  EXPECT_EQ(grade({only_a}, kTiers, {{"budget", 50}}).tier, "A");
  EXPECT_EQ(grade({only_a}, kTiers, {{"budget", 49.99}}).tier, "C");
}

TEST(FollowupGrade, MissingAndUnknownCriteriaAreEachListed) {
  auto criteria = seeded_criteria();
  {
    Error e = expect_error(Status::validation, [&] { grade(criteria, kTiers, {}); });
    ASSERT_EQ(e.fields().size(), 2u) << e.message_en();
    EXPECT_EQ(e.fields()[0].field, "annual_potential");
    EXPECT_EQ(e.fields()[0].code, "required");
    EXPECT_EQ(e.fields()[0].message_zh, "年采购潜力为必填项");
    EXPECT_EQ(e.fields()[1].field, "cooperation_likelihood");
    EXPECT_EQ(e.fields()[1].code, "required");
  }
  {
    // One missing, one not a finite number, one unknown.
    Error e = expect_error(Status::validation, [&] {
      grade(criteria, kTiers,
            {{"cooperation_likelihood", std::numeric_limits<double>::quiet_NaN()}, {"budget", 10}});
    });
    ASSERT_EQ(e.fields().size(), 3u) << e.message_en();
    EXPECT_EQ(e.fields()[0].field, "annual_potential");
    EXPECT_EQ(e.fields()[0].code, "required");
    EXPECT_EQ(e.fields()[1].field, "cooperation_likelihood");
    EXPECT_EQ(e.fields()[1].code, "required") << "NaN is no value";
    EXPECT_EQ(e.fields()[2].field, "budget");
    EXPECT_EQ(e.fields()[2].code, "unknown_field");
  }
  {
    Error e = expect_error(Status::validation, [&] {
      grade(criteria, kTiers,
            {{"annual_potential", std::numeric_limits<double>::infinity()},
             {"cooperation_likelihood", 50}});
    });
    ASSERT_EQ(e.fields().size(), 1u);
    EXPECT_EQ(e.fields()[0].field, "annual_potential");
  }
  expect_error(Status::state, [&] { grade({}, kTiers, {}); });
  expect_error(Status::state, [&] { grade(criteria, {}, {{"annual_potential", 1}}); });
}

// ---------------------------------------------------------------------------
// Templates.

const std::map<std::string, std::string> kValues = {
    {"customer", "杭州恒达精密机械有限公司"}, {"customer_id", "C0001"}, {"goal", "{goal}"}};

TEST(FollowupTemplate, ExpandsPlaceholdersOnce) {
  EXPECT_EQ(render_template("【跟进提醒】客户“{customer}”（{customer_id}）", kValues),
            "【跟进提醒】客户“杭州恒达精密机械有限公司”（C0001）");
  EXPECT_EQ(render_template("", kValues), "");
  EXPECT_EQ(render_template("no placeholder", kValues), "no placeholder");
  // A value is not expanded again, even when it looks like a placeholder.
  EXPECT_EQ(render_template("goal: {goal}", kValues), "goal: {goal}");
  EXPECT_EQ(render_template("{customer_id}{customer_id}", kValues), "C0001C0001");
}

TEST(FollowupTemplate, DoubledBracesAreLiteral) {
  EXPECT_EQ(render_template("{{", kValues), "{");
  EXPECT_EQ(render_template("}}", kValues), "}");
  EXPECT_EQ(render_template("{{customer}}", kValues), "{customer}");
  EXPECT_EQ(render_template("{{{customer_id}}}", kValues), "{C0001}");
  EXPECT_EQ(render_template("a {{b}} c", kValues), "a {b} c");
  EXPECT_NO_THROW(check_template("{{not_a_placeholder}}", {"customer"}));
}

TEST(FollowupTemplate, UnknownPlaceholdersAndUnbalancedBracesAreRefused) {
  struct Case {
    const char* tpl;
    const char* mentioned;
  };
  const Case cases[] = {
      {"{owner}", "unknown placeholder {owner}"},
      {"{}", "unknown placeholder {}"},
      {"{Customer}", "unknown placeholder {Customer}"},  // names are exact
      {"{ customer }", "unknown placeholder { customer }"},
      {"{customer", "\"{\" without its \"}\""},
      {"abc {", "\"{\" without its \"}\""},
      {"customer}", "\"}\" without its \"{\""},
      {"{{customer}", "\"}\" without its \"{\""},
      {"{customer}}}}", "\"}\" without its \"{\""},
      // A name longer than 32 characters is a missing "}", not a lookup.
      {"{abcdefghijklmnopqrstuvwxyz0123456789}", "\"{\" without its \"}\""},
  };
  for (const auto& c : cases) {
    Error e = expect_error(Status::invalid_arg, [&] { render_template(c.tpl, kValues); });
    EXPECT_TRUE(contains(e.message_en(), c.mentioned))
        << "render_template(\"" << c.tpl << "\"): the message should mention [" << c.mentioned
        << "], is [" << e.message_en() << "]";
    Error e2 = expect_error(Status::invalid_arg, [&] {
      check_template(c.tpl, {"customer", "customer_id"});
    });
    EXPECT_EQ(e2.message_en(), e.message_en()) << "check_template and render_template agree";
  }
  EXPECT_NO_THROW(check_template("{customer}（{customer_id}）", {"customer", "customer_id"}));
  Error e = expect_error(Status::invalid_arg, [&] { check_template("{time}", {"customer"}); });
  EXPECT_TRUE(contains(e.message_zh(), "未知占位符 {time}")) << e.message_zh();
}

// ---------------------------------------------------------------------------
// Local time in Asia/Shanghai.

TEST(FollowupLocalTime, MidnightInShanghaiIs1600UtcTheDayBefore) {
  const auto* z = shanghai();
  ASSERT_NE(z, nullptr);
  // A plan due "by the end of 2026-03-10" is overdue at local midnight
  // starting 2026-03-11, which is 2026-03-10T16:00Z.
  std::int64_t m = local_midnight(ymd("2026-03-11"), z);
  EXPECT_EQ(utc(m), "2026-03-10T16:00:00Z");
  EXPECT_EQ(m, sh("2026-03-11 00:00"));
  EXPECT_EQ(format_date(local_date(m, z)), "2026-03-11");
  EXPECT_EQ(format_date(local_date(m - 1, z)), "2026-03-10") << "one millisecond before";
  EXPECT_EQ(utc(local_midnight(ymd("2026-01-01"), z)), "2025-12-31T16:00:00Z");
  EXPECT_EQ(utc(local_midnight(ymd("2028-02-29"), z)), "2028-02-28T16:00:00Z");
}

TEST(FollowupLocalTime, MidnightThatDoesNotExistIsWhenTheClocksJump) {
  // São Paulo started DST at 00:00 on 2018-11-04: the day began at 01:00
  // local (03:00Z).
  const auto* z = find_zone("America/Sao_Paulo");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(utc(local_midnight(ymd("2018-11-04"), z)), "2018-11-04T03:00:00Z");
  EXPECT_EQ(utc(local_midnight(ymd("2018-11-05"), z)), "2018-11-05T02:00:00Z");
}

TEST(FollowupLocalTime, AddLocalMonthsKeepsTheTimeAndClampsTheDay) {
  const auto* z = shanghai();
  ASSERT_NE(z, nullptr);
  struct Case {
    const char* from;
    int months;
    const char* to;
  };
  const Case cases[] = {
      {"2026-01-31 09:00", 1, "2026-02-28 09:00"},
      {"2028-01-31 09:00", 1, "2028-02-29 09:00"},
      {"2026-03-31 23:59:59.999", 1, "2026-04-30 23:59:59.999"},
      {"2026-03-31 00:00", 1, "2026-04-30 00:00"},
      {"2026-02-28 10:00", 1, "2026-03-28 10:00"},
      {"2026-12-15 08:30", 1, "2027-01-15 08:30"},
      {"2026-03-31 09:00", -1, "2026-02-28 09:00"},
      {"2026-08-31 09:00", 6, "2027-02-28 09:00"},
      {"2026-05-20 09:00", 0, "2026-05-20 09:00"},
  };
  for (const auto& c : cases) {
    std::int64_t got = add_local_months(sh(c.from), c.months, z);
    EXPECT_EQ(got, sh(c.to)) << c.from << " + " << c.months << " months: expected " << c.to << " ("
                             << utc(sh(c.to)) << "), got " << utc(got);
  }
}

TEST(FollowupLocalTime, FormatsTheLocalMinuteTruncatingSeconds) {
  const auto* z = shanghai();
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(format_local_minute(sh("2026-11-24 00:00"), z), "2026-11-24 00:00");
  EXPECT_EQ(format_local_minute(sh("2026-11-24 00:00") - 1, z), "2026-11-23 23:59");
  EXPECT_EQ(format_local_minute(sh("2026-03-05 08:30:59.999"), z), "2026-03-05 08:30");
  EXPECT_EQ(format_local_minute(1795395600000, z), "2026-11-23 09:00");
}

}  // namespace
}  // namespace crm
