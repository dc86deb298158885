#include "domain/work_calendar.hpp"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>

#include "domain/calendar.hpp"
#include "domain/error.hpp"

namespace crm {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kHour = 60 * 60 * 1000;
constexpr std::int64_t kMinute = 60 * 1000;

// UTC milliseconds of a wall time "YYYY-MM-DD HH:MM[:SS[.mmm]]" at a fixed
// offset from UTC, computed without the calendar under test.
std::int64_t at_offset(const char* wall, int offset_minutes) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  int n = std::sscanf(wall, "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &s, &ms);
  EXPECT_GE(n, 5) << "bad wall time in the test: " << wall;
  auto day = date::sys_days{date::year{y} / mo / d};
  return day.time_since_epoch().count() * 24 * kHour + h * kHour + mi * kMinute + s * 1000 + ms -
         offset_minutes * kMinute;
}

// Shanghai has kept UTC+8 without DST since 1991.
std::int64_t sh(const char* wall) { return at_offset(wall, 8 * 60); }

// An instant as local wall time with the zone's abbreviation, so that a
// failure shows the expected and the actual time readably.
std::string in_zone(std::int64_t utc_ms, const char* zone = "Asia/Shanghai") {
  auto zt = date::make_zoned(zone, date::sys_time<milliseconds>{milliseconds{utc_ms}});
  return date::format("%F %T %Z", zt);
}

date::year_month_day ymd(const char* s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d.has_value()) << "bad date in the test: " << s;
  return d.value_or(date::year{2000} / 1 / 1);
}

std::string show(date::year_month_day d) { return format_date(d); }

WorkCalendarConfig config_with(const char* zone, const char* hours) {
  WorkCalendarConfig c;
  c.name = "测试日历";
  c.zone = zone;
  c.hours = parse_work_hours(hours);
  return c;
}

// Runs `f`, which must throw crm::Error with `status`; returns the error.
template <class F>
Error expect_error(F f, Status status) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(status_name(e.status()), std::string(status_name(status)))
        << "wrong status; message: " << e.message_en();
    EXPECT_FALSE(e.message_en().empty());
    EXPECT_FALSE(e.message_zh().empty());
    return e;
  }
  ADD_FAILURE() << "expected crm::Error(" << status_name(status) << "), nothing was thrown";
  return Error(Status::ok, "", "");
}

// ---------------------------------------------------------------------------
// The 2026 seed.

TEST(WorkCalendarSeed, MatchesTheStateCouncilNotice) {
  HolidayData data = parse_holiday_text(holidays_cn_2026_text());
  ASSERT_TRUE(data.year.has_value());
  EXPECT_EQ(*data.year, 2026);
  std::string workdays, holidays;
  int holiday_days = 0;
  for (const HolidayEntry& e : data.entries) {
    std::string range = show(e.first) + ".." + show(e.last) + " " + e.label + "; ";
    if (e.kind == DayKind::workday) {
      workdays += range;
    } else {
      holidays += range;
      holiday_days += (date::sys_days{e.last} - date::sys_days{e.first}).count() + 1;
    }
  }
  EXPECT_EQ(holidays,
            "2026-01-01..2026-01-03 元旦; 2026-02-15..2026-02-23 春节; "
            "2026-04-04..2026-04-06 清明节; 2026-05-01..2026-05-05 劳动节; "
            "2026-06-19..2026-06-21 端午节; 2026-09-25..2026-09-27 中秋节; "
            "2026-10-01..2026-10-07 国庆节; ");
  EXPECT_EQ(workdays,
            "2026-01-04..2026-01-04 元旦调休; 2026-02-14..2026-02-14 春节调休; "
            "2026-02-28..2026-02-28 春节调休; 2026-05-09..2026-05-09 劳动节调休; "
            "2026-09-20..2026-09-20 国庆节调休; 2026-10-10..2026-10-10 国庆节调休; ");
  EXPECT_EQ(holiday_days, 33) << "3 + 9 + 3 + 5 + 3 + 3 + 7 days off";
}

TEST(WorkCalendarSeed, EveryMakeUpWorkdayFallsOnASaturdayOrSunday) {
  for (const HolidayEntry& e : parse_holiday_text(holidays_cn_2026_text()).entries) {
    if (e.kind != DayKind::workday) continue;
    for (date::sys_days d{e.first}; d <= date::sys_days{e.last}; d += date::days{1}) {
      date::weekday wd{d};
      EXPECT_TRUE(wd == date::Saturday || wd == date::Sunday)
          << show(date::year_month_day{d}) << " (" << e.label << ", line " << e.line
          << ") should be a Saturday or Sunday, is weekday " << wd.c_encoding() << " (0 = Sunday)";
    }
  }
  // The notice's weekday claims for the holiday ranges too.
  EXPECT_EQ(date::weekday{date::sys_days{ymd("2026-02-15")}}, date::Sunday);
  EXPECT_EQ(date::weekday{date::sys_days{ymd("2026-02-23")}}, date::Monday);
  EXPECT_EQ(date::weekday{date::sys_days{ymd("2026-10-01")}}, date::Thursday);
  EXPECT_EQ(date::weekday{date::sys_days{ymd("2026-10-07")}}, date::Wednesday);
}

TEST(WorkCalendarSeed, DefaultCalendarKnowsEveryKindOfDay) {
  WorkCalendar cal = WorkCalendar::china_default();
  EXPECT_EQ(cal.name(), "默认工作日历");
  EXPECT_EQ(cal.zone_name(), "Asia/Shanghai");
  EXPECT_EQ(format_work_hours(cal.hours()), "09:00-12:00,13:30-18:00");
  EXPECT_EQ(cal.loaded_years(), (std::set<int>{2026}));
  struct {
    const char* day;
    bool working;
  } cases[] = {
      {"2025-12-31", true},   // Wednesday, before the data
      {"2026-01-01", false},  // 元旦
      {"2026-01-03", false},  // 元旦, a Saturday
      {"2026-01-04", true},   // Sunday, 元旦调休
      {"2026-01-05", true},   // Monday
      {"2026-02-13", true},   // Friday before 春节
      {"2026-02-14", true},   // Saturday, 春节调休
      {"2026-02-15", false},  // 春节 begins
      {"2026-02-23", false},  // 春节 ends (a Monday)
      {"2026-02-24", true},   // back to work
      {"2026-02-28", true},   // Saturday, 春节调休
      {"2026-03-01", false},  // Sunday
      {"2026-05-09", true},   // Saturday, 劳动节调休
      {"2026-09-20", true},   // Sunday, 国庆节调休
      {"2026-10-07", false},  // 国庆节 ends
      {"2026-10-08", true},   // Thursday
      {"2026-10-10", true},   // Saturday, 国庆节调休
      {"2026-10-11", false},  // Sunday
      {"2027-01-01", true},   // no 2027 data: a plain Friday
  };
  for (const auto& c : cases)
    EXPECT_EQ(cal.is_working_day(ymd(c.day)), c.working)
        << c.day << " should be " << (c.working ? "a working day" : "a rest day");
  EXPECT_EQ(cal.special_day(ymd("2026-02-16")), (SpecialDay{DayKind::holiday, "春节"}));
  EXPECT_EQ(cal.special_day(ymd("2026-10-10")), (SpecialDay{DayKind::workday, "国庆节调休"}));
  EXPECT_EQ(cal.special_day(ymd("2026-03-02")), std::nullopt);
}

// ---------------------------------------------------------------------------
// Working time and its boundaries.

TEST(WorkCalendarTime, PeriodsAreHalfOpenAroundTheLunchBreak) {
  WorkCalendar cal = WorkCalendar::china_default();
  struct {
    const char* wall;
    bool working;
  } cases[] = {
      {"2026-03-02 08:59:59.999", false}, {"2026-03-02 09:00", true},
      {"2026-03-02 11:59:59.999", true},  {"2026-03-02 12:00", false},
      {"2026-03-02 13:29:59.999", false}, {"2026-03-02 13:30", true},
      {"2026-03-02 17:59:59.999", true},  {"2026-03-02 18:00", false},
      {"2026-02-16 10:00", false},  // 春节
      {"2026-02-14 10:00", true},   // Saturday, 春节调休
      {"2026-03-07 10:00", false},  // Saturday
  };
  for (const auto& c : cases)
    EXPECT_EQ(cal.is_working_time(sh(c.wall)), c.working)
        << c.wall << " +08:00 should " << (c.working ? "" : "not ") << "be working time";
}

TEST(WorkCalendarTime, ShanghaiMidnightIsStoredAsUtc) {
  WorkCalendar cal = WorkCalendar::china_default();
  const date::time_zone* zone = cal.zone();
  // 2026-03-01 00:00 +08:00 is 2026-02-28T16:00Z.
  const std::int64_t midnight = 1772294400000;
  EXPECT_EQ(sh("2026-03-01 00:00"), midnight);
  EXPECT_EQ(show(local_date(midnight, zone)), "2026-03-01");
  EXPECT_EQ(show(local_date(midnight - 1, zone)), "2026-02-28");
  // The UTC date of both is still 02-28: a make-up Saturday in Shanghai.
  EXPECT_TRUE(cal.is_working_day(local_date(midnight - 1, zone)));
  EXPECT_FALSE(cal.is_working_day(local_date(midnight, zone)));
  EXPECT_FALSE(cal.is_working_time(midnight - 1)) << "23:59:59.999 is after hours";
  // Sunday midnight → Monday 2026-03-02 09:00 +08:00 = 01:00Z.
  EXPECT_EQ(cal.next_working_time(midnight), 1772413200000)
      << in_zone(cal.next_working_time(midnight));
  EXPECT_EQ(in_zone(cal.next_working_time(midnight - 1)), "2026-03-02 09:00:00.000 CST");
}

TEST(WorkCalendarTime, NextWorkingTime) {
  WorkCalendar cal = WorkCalendar::china_default();
  auto next = [&](const char* wall) { return in_zone(cal.next_working_time(sh(wall))); };
  EXPECT_EQ(next("2026-03-02 10:15:30.250"), "2026-03-02 10:15:30.250 CST") << "already working";
  EXPECT_EQ(next("2026-03-02 09:00"), "2026-03-02 09:00:00.000 CST");
  EXPECT_EQ(next("2026-03-02 06:00"), "2026-03-02 09:00:00.000 CST");
  EXPECT_EQ(next("2026-03-02 12:00"), "2026-03-02 13:30:00.000 CST") << "lunch";
  EXPECT_EQ(next("2026-03-02 13:29:59.999"), "2026-03-02 13:30:00.000 CST");
  EXPECT_EQ(next("2026-02-13 18:00"), "2026-02-14 09:00:00.000 CST") << "make-up Saturday";
  EXPECT_EQ(next("2026-02-14 18:00"), "2026-02-24 09:00:00.000 CST") << "over 春节";
  EXPECT_EQ(next("2026-09-30 18:00"), "2026-10-08 09:00:00.000 CST") << "over 国庆节";
}

TEST(WorkCalendarTime, EndOfDayAt2359And2400) {
  WorkCalendar cal(config_with("Asia/Shanghai", "00:00-24:00"));
  EXPECT_TRUE(cal.is_working_time(sh("2026-03-06 23:59:59.999"))) << "Friday";
  EXPECT_FALSE(cal.is_working_time(sh("2026-03-07 00:00"))) << "24:00 Friday is Saturday 00:00";
  EXPECT_TRUE(cal.is_working_time(sh("2026-03-09 00:00"))) << "Monday 00:00";
  EXPECT_EQ(in_zone(cal.next_working_time(sh("2026-03-07 00:00"))), "2026-03-09 00:00:00.000 CST");
  // The duration runs out exactly at 24:00: the result is that end.
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-03-06 23:00"), kHour)),
            "2026-03-07 00:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-03-06 23:00"), kHour + 1)),
            "2026-03-09 00:00:00.001 CST");
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-03-06 23:59:59.999"), 1)),
            "2026-03-09 23:59:59.999 CST");
}

// ---------------------------------------------------------------------------
// add_working_days.

TEST(WorkCalendarDays, SpringFestivalAndItsMakeUpSaturday) {
  WorkCalendar cal = WorkCalendar::china_default();
  const std::int64_t fri = sh("2026-02-13 17:00");
  EXPECT_EQ(in_zone(cal.add_working_days(fri, 0)), "2026-02-13 17:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_days(fri, 1)), "2026-02-14 17:00:00.000 CST")
      << "Saturday 02-14 is a make-up workday";
  EXPECT_EQ(in_zone(cal.add_working_days(fri, 2)), "2026-02-24 17:00:00.000 CST")
      << "02-15..02-23 is 春节";
  EXPECT_EQ(in_zone(cal.add_working_days(fri, 6)), "2026-02-28 17:00:00.000 CST")
      << "24, 25, 26, 27 and the make-up Saturday 28";
  EXPECT_EQ(in_zone(cal.add_working_days(fri, 7)), "2026-03-02 17:00:00.000 CST");
  // Starting inside the holiday: work resumes 02-24 09:00.
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-02-16 10:00"), 0)),
            "2026-02-24 09:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-02-16 10:00"), 1)),
            "2026-02-25 09:00:00.000 CST");
}

TEST(WorkCalendarDays, NationalDayAndItsMakeUpSaturday) {
  WorkCalendar cal = WorkCalendar::china_default();
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-10-09 10:00"), 1)), "2026-10-10 10:00:00.000 CST")
      << "Saturday 10-10 is a make-up workday";
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-10-09 10:00"), 2)),
            "2026-10-12 10:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-09-30 10:00"), 1)),
            "2026-10-08 10:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-09-18 10:00"), 1)), "2026-09-20 10:00:00.000 CST")
      << "Sunday 09-20 is a make-up workday";
}

TEST(WorkCalendarDays, StartOutsideWorkingTimeCountsFromWhenWorkResumes) {
  WorkCalendar cal = WorkCalendar::china_default();
  auto plus = [&](const char* wall, int n) { return in_zone(cal.add_working_days(sh(wall), n)); };
  EXPECT_EQ(plus("2026-03-06 17:00", 1), "2026-03-09 17:00:00.000 CST") << "Fri → Mon";
  EXPECT_EQ(plus("2026-03-06 17:59:59.999", 1), "2026-03-09 17:59:59.999 CST");
  EXPECT_EQ(plus("2026-03-06 18:00", 1), "2026-03-10 09:00:00.000 CST")
      << "closed Friday evening: counts from Monday 09:00";
  EXPECT_EQ(plus("2026-03-07 10:00", 1), "2026-03-10 09:00:00.000 CST") << "Saturday";
  EXPECT_EQ(plus("2026-03-07 10:00", 0), "2026-03-09 09:00:00.000 CST");
  EXPECT_EQ(plus("2026-03-09 07:00", 1), "2026-03-10 09:00:00.000 CST") << "before opening";
  EXPECT_EQ(plus("2026-03-09 12:30", 1), "2026-03-10 13:30:00.000 CST") << "lunch break";
  EXPECT_EQ(plus("2026-03-09 11:59:59.999", 5), "2026-03-16 11:59:59.999 CST");
}

// ---------------------------------------------------------------------------
// add_working_hours and deadlines.

TEST(WorkCalendarHours, FridayFivePmPlusTwoWorkingHours) {
  WorkCalendar lunch = WorkCalendar::china_default();
  WorkCalendar straight(config_with("Asia/Shanghai", "09:00-18:00"));
  for (const WorkCalendar* cal : {&lunch, &straight}) {
    EXPECT_EQ(in_zone(cal->add_working_hours(sh("2026-03-06 17:00"), 2 * kHour)),
              "2026-03-09 10:00:00.000 CST")
        << format_work_hours(cal->hours());
    EXPECT_EQ(in_zone(cal->add_working_hours(sh("2026-03-06 17:00"), kHour)),
              "2026-03-06 18:00:00.000 CST")
        << "runs out exactly at closing: the result is the closing time";
    EXPECT_EQ(in_zone(cal->add_working_hours(sh("2026-03-07 10:00"), 0)),
              "2026-03-07 10:00:00.000 CST")
        << "a zero duration leaves the instant as it is";
  }
}

TEST(WorkCalendarHours, LunchBreakIsNotWorkingTime) {
  WorkCalendar lunch = WorkCalendar::china_default();
  WorkCalendar straight(config_with("Asia/Shanghai", "09:00-18:00"));
  EXPECT_EQ(in_zone(lunch.add_working_hours(sh("2026-03-09 11:00"), 2 * kHour)),
            "2026-03-09 14:30:00.000 CST");
  EXPECT_EQ(in_zone(straight.add_working_hours(sh("2026-03-09 11:00"), 2 * kHour)),
            "2026-03-09 13:00:00.000 CST");
  EXPECT_EQ(in_zone(lunch.add_working_hours(sh("2026-03-09 11:59:59.999"), 1)),
            "2026-03-09 12:00:00.000 CST");
  EXPECT_EQ(in_zone(lunch.add_working_hours(sh("2026-03-09 11:59:59.999"), 2)),
            "2026-03-09 13:30:00.001 CST");
  EXPECT_EQ(in_zone(lunch.add_working_hours(sh("2026-03-09 12:00"), 1)),
            "2026-03-09 13:30:00.001 CST");
  EXPECT_EQ(in_zone(lunch.add_working_hours(sh("2026-03-09 12:45"), 30 * kMinute)),
            "2026-03-09 14:00:00.000 CST");
}

TEST(WorkCalendarHours, SpansSpringFestivalAndMakeUpSaturday) {
  WorkCalendar cal = WorkCalendar::china_default();
  const std::int64_t day = 7 * kHour + 30 * kMinute;  // one working day of 7.5 h
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-02-13 17:00"), 2 * kHour)),
            "2026-02-14 10:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-02-13 17:00"), day)),
            "2026-02-14 17:00:00.000 CST");
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-02-14 17:00"), 2 * kHour)),
            "2026-02-24 10:00:00.000 CST");
}

TEST(WorkCalendarHours, DeadlinePolicyCountsElapsedOrWorkingTime) {
  WorkCalendar cal = WorkCalendar::china_default();
  const std::int64_t entry = sh("2026-02-13 17:00");
  EXPECT_EQ(in_zone(cal.deadline(entry, 24 * kHour, DeadlinePolicy::calendar)),
            "2026-02-14 17:00:00.000 CST");
  EXPECT_EQ(add_calendar(entry, 24 * kHour), entry + 24 * kHour);
  // 24 working hours: Fri 1 h, Sat 02-14 7.5 h, 02-24 7.5 h, 02-25 7.5 h, 02-26 0.5 h.
  EXPECT_EQ(in_zone(cal.deadline(entry, 24 * kHour, DeadlinePolicy::working)),
            "2026-02-26 09:30:00.000 CST");
  EXPECT_EQ(parse_deadline_policy("calendar"), DeadlinePolicy::calendar);
  EXPECT_EQ(parse_deadline_policy("working"), DeadlinePolicy::working);
  EXPECT_EQ(parse_deadline_policy("Working"), std::nullopt);
  EXPECT_STREQ(deadline_policy_name(DeadlinePolicy::working), "working");
  EXPECT_STREQ(deadline_policy_name(DeadlinePolicy::calendar), "calendar");
}

// ---------------------------------------------------------------------------
// Other zones.

TEST(WorkCalendarZone, UrumqiWallClockIsHonoured) {
  WorkCalendar urumqi(config_with("Asia/Urumqi", "09:00-18:00"));
  WorkCalendar shanghai(config_with("Asia/Shanghai", "09:00-18:00"));
  const std::int64_t t = at_offset("2026-03-09 01:30", 0);  // Shanghai 09:30, Urumqi 07:30
  EXPECT_TRUE(shanghai.is_working_time(t));
  EXPECT_FALSE(urumqi.is_working_time(t));
  EXPECT_EQ(urumqi.next_working_time(t), at_offset("2026-03-09 03:00", 0))
      << in_zone(urumqi.next_working_time(t), "Asia/Urumqi");
  EXPECT_EQ(in_zone(urumqi.add_working_hours(t, kHour), "Asia/Urumqi"),
            "2026-03-09 10:00:00.000 +06");
  // 2026-03-06 20:00Z is Saturday 02:00 in Urumqi.
  EXPECT_EQ(show(local_date(at_offset("2026-03-06 20:00", 0), urumqi.zone())), "2026-03-07");
}

TEST(WorkCalendarZone, NewYorkAcrossTheSpringDstChange) {
  // US DST began 2026-03-08 02:00 EST; the week before is UTC-5, after UTC-4.
  WorkCalendar ny(config_with("America/New_York", "09:00-18:00"));
  const std::int64_t fri_17 = at_offset("2026-03-06 17:00", -5 * 60);
  EXPECT_EQ(fri_17, 1772834400000);
  EXPECT_EQ(ny.add_working_hours(fri_17, 2 * kHour), 1773064800000)
      << "expected Mon 10:00 EDT = 14:00Z, got "
      << in_zone(ny.add_working_hours(fri_17, 2 * kHour), "America/New_York");
  const std::int64_t fri_10 = at_offset("2026-03-06 10:00", -5 * 60);
  const std::int64_t mon_10 = ny.add_working_days(fri_10, 1);
  EXPECT_EQ(in_zone(mon_10, "America/New_York"), "2026-03-09 10:00:00.000 EDT");
  EXPECT_EQ(mon_10 - fri_10, 71 * kHour) << "the same wall time, one hour less elapsed";
}

TEST(WorkCalendarZone, NewYorkDaysOf23And25Hours) {
  WorkCalendarConfig c = config_with("America/New_York", "00:00-24:00");
  c.weekdays = {true, true, true, true, true, true, true};
  WorkCalendar ny(c);
  // Spring: 02:00–03:00 does not exist on 2026-03-08.
  const std::int64_t mar8 = at_offset("2026-03-08 00:00", -5 * 60);
  EXPECT_EQ(in_zone(ny.add_working_hours(mar8, 24 * kHour), "America/New_York"),
            "2026-03-09 01:00:00.000 EDT");
  EXPECT_EQ(in_zone(ny.add_working_days(mar8, 1), "America/New_York"),
            "2026-03-09 00:00:00.000 EDT");
  // Autumn: 01:00–02:00 occurs twice on 2026-11-01.
  const std::int64_t nov1 = at_offset("2026-11-01 00:00", -4 * 60);
  EXPECT_EQ(in_zone(ny.add_working_hours(nov1, 24 * kHour), "America/New_York"),
            "2026-11-01 23:00:00.000 EST");
  EXPECT_EQ(ny.add_working_days(nov1, 1) - nov1, 25 * kHour);
  EXPECT_TRUE(ny.is_working_time(at_offset("2026-11-01 01:30", -5 * 60))) << "the second 01:30";
}

// ---------------------------------------------------------------------------
// Date arithmetic.

TEST(WorkCalendarDates, MonthsClampToTheMonthEnd) {
  struct {
    const char* from;
    int months;
    const char* to;
  } cases[] = {
      {"2026-01-31", 1, "2026-02-28"},  {"2028-01-31", 1, "2028-02-29"},
      {"2026-03-31", 1, "2026-04-30"},  {"2026-01-30", 1, "2026-02-28"},
      {"2026-01-28", 1, "2026-02-28"},  {"2028-02-29", 1, "2028-03-29"},
      {"2028-02-29", 12, "2029-02-28"}, {"2028-02-29", 48, "2032-02-29"},
      {"2026-12-31", 2, "2027-02-28"},  {"2026-12-15", 1, "2027-01-15"},
      {"2026-03-31", -1, "2026-02-28"}, {"2026-01-15", -1, "2025-12-15"},
      {"2026-05-31", 0, "2026-05-31"},  {"2026-08-31", 3, "2026-11-30"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(show(add_months(ymd(c.from), c.months)), c.to)
        << c.from << " + " << c.months << " months";
  EXPECT_EQ(show(same_day_next_month(ymd("2026-01-31"))), "2026-02-28");
  EXPECT_EQ(show(same_day_next_month(ymd("2028-01-31"))), "2028-02-29");
  EXPECT_EQ(show(same_day_next_month(ymd("2026-03-31"))), "2026-04-30");
}

TEST(WorkCalendarDates, SameWeekdayNextWeek) {
  EXPECT_EQ(show(same_weekday_next_week(ymd("2026-12-28"))), "2027-01-04");
  EXPECT_EQ(show(same_weekday_next_week(ymd("2028-02-26"))), "2028-03-04");
  EXPECT_EQ(show(same_weekday_next_week(ymd("2028-02-22"))), "2028-02-29");
  EXPECT_EQ(date::weekday{date::sys_days{same_weekday_next_week(ymd("2026-02-13"))}}, date::Friday);
}

TEST(WorkCalendarDates, RefusesInvalidDatesAndAbsurdCounts) {
  expect_error([] { add_months(ymd("2026-01-31"), kMaxMonths + 1); }, Status::invalid_arg);
  expect_error([] { add_months(ymd("2026-01-31"), -kMaxMonths - 1); }, Status::invalid_arg);
  EXPECT_EQ(show(add_months(ymd("2026-01-31"), kMaxMonths)), "2126-01-31");
  expect_error([] { add_months(date::year{2026} / 2 / 30, 1); }, Status::invalid_arg);
  expect_error([] { add_months(ymd("9999-12-31"), 1); }, Status::invalid_arg);
  expect_error([] { same_weekday_next_week(ymd("9999-12-30")); }, Status::invalid_arg);
  WorkCalendar cal = WorkCalendar::china_default();
  expect_error([&] { cal.is_working_day(date::year{2026} / 2 / 29); }, Status::invalid_arg);
}

// ---------------------------------------------------------------------------
// Bounds and termination.

TEST(WorkCalendarBounds, RefusesAbsurdInputs) {
  WorkCalendar cal = WorkCalendar::china_default();
  const std::int64_t t = sh("2026-03-09 10:00");
  expect_error([&] { cal.add_working_days(t, kMaxWorkingDays + 1); }, Status::invalid_arg);
  expect_error([&] { cal.add_working_days(t, -1); }, Status::invalid_arg);
  expect_error([&] { cal.add_working_hours(t, kMaxDurationMs + 1); }, Status::invalid_arg);
  expect_error([&] { cal.add_working_hours(t, -1); }, Status::invalid_arg);
  expect_error([&] { cal.deadline(t, kMaxDurationMs + 1, DeadlinePolicy::calendar); },
               Status::invalid_arg);
  expect_error([&] { add_calendar(t, -kHour); }, Status::invalid_arg);
  expect_error([&] { cal.is_working_time(INT64_MAX); }, Status::invalid_arg);
  expect_error([&] { cal.next_working_time(kMinInstantMs - 1); }, Status::invalid_arg);
  expect_error([&] { cal.add_working_hours(kMaxInstantMs, 0); }, Status::invalid_arg);
  // The limits themselves are accepted.
  EXPECT_EQ(add_calendar(t, kMaxDurationMs), t + kMaxDurationMs);
  EXPECT_GT(cal.add_working_days(t, kMaxWorkingDays), t + 3660LL * 24 * kHour)
      << "3660 working days are more than 3660 calendar days";
  // 3660 days of working time at 7.5 h a day: about 45 years of working days.
  EXPECT_GT(cal.add_working_hours(t, kMaxDurationMs), t + 40 * 365LL * 24 * kHour);
}

TEST(WorkCalendarBounds, TerminatesWhenTheCalendarHasNoWorkingTime) {
  WorkCalendar cal;
  cal.load_holidays("year 2026\n2026-01-01..2026-12-31 holiday 全年停工\n");
  const std::int64_t jan1 = sh("2026-01-01 10:00");
  Error e = expect_error([&] { cal.next_working_time(jan1); }, Status::state);
  EXPECT_NE(e.message_en().find("no working time in the 90 days from 2026-01-01"),
            std::string::npos)
      << e.message_en();
  EXPECT_NE(e.message_zh().find("连续 90 天没有工作时间"), std::string::npos) << e.message_zh();
  expect_error([&] { cal.add_working_days(sh("2025-12-31 10:00"), 1); }, Status::state);
  expect_error([&] { cal.add_working_hours(sh("2025-12-31 17:00"), 2 * kHour); }, Status::state);
  expect_error([&] { cal.deadline(jan1, kHour, DeadlinePolicy::working); }, Status::state);
  EXPECT_FALSE(cal.is_working_time(jan1));
  EXPECT_EQ(cal.deadline(jan1, kHour, DeadlinePolicy::calendar), jan1 + kHour);
  // A shorter gap is only a long holiday: 2026-12-01 → 2027-01-01 is 31 days.
  EXPECT_EQ(in_zone(cal.next_working_time(sh("2026-12-01 10:00"))), "2027-01-01 09:00:00.000 CST");
}

TEST(WorkCalendarBounds, TinyWorkingHoursCannotWalkForever) {
  WorkCalendar cal(config_with("Asia/Shanghai", "09:00-09:01"));
  EXPECT_EQ(in_zone(cal.add_working_hours(sh("2026-03-06 09:00"), 2 * kMinute)),
            "2026-03-09 09:01:00.000 CST");
  Error e = expect_error([&] { cal.add_working_hours(sh("2026-03-06 09:00"), kMaxDurationMs); },
                         Status::invalid_arg);
  EXPECT_NE(e.message_en().find("100 years"), std::string::npos) << e.message_en();
}

// ---------------------------------------------------------------------------
// Configuration.

TEST(WorkCalendarSetup, WorkingHoursParseAndFormat) {
  EXPECT_EQ(format_work_hours(parse_work_hours(" 09:00 - 12:00 , 13:30-18:00 ")),
            "09:00-12:00,13:30-18:00");
  EXPECT_EQ(parse_work_hours("00:00-24:00"), (std::vector<WorkPeriod>{{0, 1440}}));
  EXPECT_EQ(parse_work_hours("08:00-12:00,12:00-17:00").size(), 2u) << "touching is fine";
  for (const char* bad : {"", "9:00-12:00", "12:00-09:00", "09:00-09:00", "09:00-12:00,11:00-13:00",
                          "13:30-18:00,09:00-12:00", "09:00-24:30", "25:00-26:00", "09:60-10:00",
                          "09:00", "09:00-12:00,", "09:00–12:00"}) {
    Error e = expect_error([&] { parse_work_hours(bad); }, Status::invalid_arg);
    EXPECT_FALSE(e.message_en().empty()) << "'" << bad << "' should be refused";
  }
}

TEST(WorkCalendarSetup, RefusesBrokenConfigurations) {
  auto refused = [](WorkCalendarConfig c, const char* what) {
    Error e = expect_error([&] { WorkCalendar cal(c); }, Status::invalid_arg);
    EXPECT_NE(e.message_en().find(what), std::string::npos)
        << "expected the message to mention '" << what << "', got: " << e.message_en();
  };
  WorkCalendarConfig c;
  c.zone = "Mars/Olympus";
  refused(c, "unknown time zone \"Mars/Olympus\"");
  c = {};
  c.name = "";
  refused(c, "name");
  c = {};
  c.hours = {};
  refused(c, "no working hours");
  c = {};
  c.hours = {{9 * 60, 12 * 60}, {11 * 60, 13 * 60}};
  refused(c, "before the previous one ends at 12:00");
  c = {};
  c.hours = {{9 * 60, 24 * 60 + 1}};
  refused(c, "0 <= start < end <= 1440");
  c = {};
  c.weekdays = {};
  refused(c, "at least one working weekday");
}

// ---------------------------------------------------------------------------
// Holiday data: format, errors, merging.

TEST(WorkCalendarData, CommentsBlankLinesCrLfAndBom) {
  HolidayData d = parse_holiday_text(
      "\xEF\xBB\xBF# 示例\r\n\r\nyear 2026 # declared\r\n"
      "  2026-02-15..2026-02-16\t holiday   春节 假期  # trailing\r\n"
      "2026-02-14 workday\r\n");
  ASSERT_EQ(d.entries.size(), 2u);
  EXPECT_EQ(d.year, 2026);
  EXPECT_EQ(d.year_line, 3);
  EXPECT_EQ(d.entries[0].line, 4);
  EXPECT_EQ(d.entries[0].label, "春节 假期");
  EXPECT_EQ(show(d.entries[0].last), "2026-02-16");
  EXPECT_EQ(d.entries[1].kind, DayKind::workday);
  EXPECT_EQ(d.entries[1].label, "");
  EXPECT_TRUE(parse_holiday_text("").entries.empty());
  EXPECT_TRUE(parse_holiday_text("# nothing\n\n").entries.empty());
}

struct BadData {
  const char* name;
  const char* text;
  int line;
  const char* en;  // expected in the English message
  const char* zh;  // expected in the Chinese message
};

void PrintTo(const BadData& c, std::ostream* os) { *os << c.name; }

class WorkCalendarBadData : public ::testing::TestWithParam<BadData> {};

TEST_P(WorkCalendarBadData, RefusedWithTheLineAndNothingLoaded) {
  const BadData& c = GetParam();
  WorkCalendar cal;  // no data yet
  Error e = expect_error([&] { cal.load_holidays(c.text); }, Status::invalid_arg);
  std::string line_en = "line " + std::to_string(c.line) + ": ";
  std::string line_zh = "第 " + std::to_string(c.line) + " 行：";
  EXPECT_NE(e.message_en().find(line_en), std::string::npos)
      << "expected '" << line_en << "' in: " << e.message_en();
  EXPECT_NE(e.message_zh().find(line_zh), std::string::npos)
      << "expected '" << line_zh << "' in: " << e.message_zh();
  EXPECT_NE(e.message_en().find(c.en), std::string::npos)
      << "expected '" << c.en << "' in: " << e.message_en();
  EXPECT_NE(e.message_zh().find(c.zh), std::string::npos)
      << "expected '" << c.zh << "' in: " << e.message_zh();
  // All or nothing: the good lines before the bad one were not loaded.
  EXPECT_TRUE(cal.is_working_day(ymd("2026-01-05"))) << "Monday 01-05 must still be working";
  EXPECT_EQ(cal.special_day(ymd("2026-01-05")), std::nullopt);
  EXPECT_TRUE(cal.loaded_years().empty());
}

INSTANTIATE_TEST_SUITE_P(
    WorkCalendar, WorkCalendarBadData,
    ::testing::Values(
        BadData{"MalformedDate", "year 2026\n2026-01-05 holiday\n2026-2-15 holiday 春节", 3,
                "\"2026-2-15\" is not a date: expected YYYY-MM-DD", "不是日期"},
        BadData{"MalformedRangeEnd", "2026-01-05 holiday\n2026-02-15..02-23 holiday", 2,
                "\"02-23\" is not a date", "不是日期"},
        BadData{"ImpossibleDate", "2026-01-05 holiday\n# comment\n2026-02-30 holiday", 3,
                "2026-02-30 does not exist", "2026-02-30 不存在"},
        BadData{"NotALeapYear", "2026-01-05 holiday\n2027-02-29 holiday", 2,
                "2027-02-29 does not exist", "不存在"},
        BadData{"Before1900", "2026-01-05 holiday\n1899-12-31 holiday", 2, "before 1900",
                "早于 1900 年"},
        BadData{"EndBeforeStart", "2026-01-05 holiday\n2026-02-23..2026-02-15 holiday", 2,
                "the range ends (2026-02-15) before it starts (2026-02-23)", "早于开始"},
        BadData{"RangeTooLong", "2026-01-05 holiday\n2026-01-06..2027-01-07 holiday", 2,
                "the range spans 367 days, more than 366", "超过 366 天"},
        BadData{"UnknownKind", "2026-01-05 holiday\n2026-02-15 vacation 春节", 2,
                "unknown kind \"vacation\": expected holiday or workday", "未知类型“vacation”"},
        BadData{"MissingKind", "2026-01-05 holiday\n2026-02-15", 2, "the kind is missing",
                "缺少类型"},
        BadData{"DayListedTwice", "2026-01-05 holiday\n2026-01-05 holiday", 2,
                "2026-01-05 is already listed on line 1", "2026-01-05 已在第 1 行列出"},
        BadData{"OverlappingRanges",
                "2026-01-05 holiday\n2026-02-15..2026-02-23 holiday\n"
                "2026-02-20..2026-02-25 holiday",
                3, "2026-02-20 is already listed on line 2", "已在第 2 行列出"},
        BadData{"OverlappingRangeBefore",
                "2026-01-05 holiday\n2026-02-20..2026-02-25 holiday\n"
                "2026-02-15..2026-02-21 holiday",
                3, "2026-02-20 is already listed on line 2", "已在第 2 行列出"},
        BadData{"HolidayOverMakeUpDay",
                "2026-01-05 holiday\n2026-02-14 workday\n2026-02-13..2026-02-15 holiday", 3,
                "2026-02-14 is already listed on line 2", "已在第 2 行列出"},
        BadData{"MakeUpWorkdayOnAWeekday", "2026-01-05 holiday\n2026-02-13 workday 春节调休", 2,
                "2026-02-13 is a Friday, a working day already", "是星期五，本来就是工作日"},
        BadData{"MakeUpRangeWithAWeekday", "2026-01-05 holiday\n2026-02-14..2026-02-16 workday", 2,
                "2026-02-16 is a Monday", "星期一"},
        BadData{"OutsideDeclaredYear", "year 2026\n2026-01-05 holiday\n2027-01-01 holiday", 3,
                "2027-01-01 lies outside the declared year 2026", "不在所声明的 2026 年之内"},
        BadData{"TooFarBackForDeclaredYear", "year 2026\n2026-01-05 holiday\n2025-11-30 holiday", 3,
                "2025-11-30 lies outside the declared year 2026 (dates from 2025-12-01",
                "2025-12-01 至 2026-12-31"},
        BadData{"YearTwice", "year 2026\n2026-01-05 holiday\nyear 2026", 3,
                "the year is declared twice (first on line 1)", "重复声明年份"},
        BadData{"YearAfterEntries", "2026-01-05 holiday\nyear 2026", 2,
                "the year must be declared before the entries (first entry on line 1)",
                "年份须在各条目之前声明"},
        BadData{"MalformedYear", "# header\n\nyear 26\n2026-01-05 holiday", 3,
                "expected \"year YYYY\"", "应为“year YYYY”"},
        BadData{"TrailingAfterYear", "year 2026 2027", 1, "unexpected \"2027\" after the year",
                "多余内容"},
        BadData{"LabelTooLong",
                "2026-01-05 holiday\n2026-02-15 holiday "
                "春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节春节"
                "春节春节春节春节春节春节春节春节春节春节春节春节春",
                2, "longer than 64 characters", "超过 64 个字符"},
        BadData{"NotUtf8", "2026-01-05 holiday\n2026-02-15 holiday \xFF", 2, "not valid UTF-8",
                "UTF-8"}),
    [](const ::testing::TestParamInfo<BadData>& info) { return std::string(info.param.name); });

TEST(WorkCalendarData, Loading2027OnTopOf2026) {
  WorkCalendar cal = WorkCalendar::china_default();
  // Sample data in the 2027 format (not an official schedule): a 元旦 range
  // that reaches back into 2026 and a make-up Saturday.
  cal.load_holidays(
      "year 2027\n"
      "2026-12-31..2027-01-01 holiday 元旦\n"
      "2027-01-09 workday 元旦调休\n");
  EXPECT_EQ(cal.loaded_years(), (std::set<int>{2026, 2027}));
  EXPECT_FALSE(cal.is_working_day(ymd("2026-12-31")));
  EXPECT_FALSE(cal.is_working_day(ymd("2027-01-01")));
  EXPECT_TRUE(cal.is_working_day(ymd("2027-01-09")));
  EXPECT_FALSE(cal.is_working_day(ymd("2026-10-01"))) << "the 2026 data is still there";
  EXPECT_EQ(in_zone(cal.add_working_days(sh("2026-12-30 10:00"), 1)),
            "2027-01-04 10:00:00.000 CST");

  // The same year again is refused on its year line.
  Error again =
      expect_error([&] { cal.load_holidays(holidays_cn_2026_text()); }, Status::invalid_arg);
  EXPECT_NE(again.message_en().find("line 2: year 2026 is already loaded"), std::string::npos)
      << again.message_en();
  EXPECT_NE(again.message_zh().find("第 2 行：2026 年的数据已加载"), std::string::npos)
      << again.message_zh();

  // A day listed by earlier data is refused, and nothing of the text loads.
  Error overlap = expect_error(
      [&] { cal.load_holidays("2028-01-03 holiday\n2026-10-05..2026-10-08 holiday 延长假期"); },
      Status::invalid_arg);
  EXPECT_NE(overlap.message_en().find(
                "line 2: 2026-10-05 is already listed by the holiday data loaded before (国庆节)"),
            std::string::npos)
      << overlap.message_en();
  EXPECT_NE(overlap.message_zh().find("已在先前加载的节假日数据中（国庆节）"), std::string::npos)
      << overlap.message_zh();
  EXPECT_TRUE(cal.is_working_day(ymd("2026-10-08")));
  EXPECT_TRUE(cal.is_working_day(ymd("2028-01-03")));
  EXPECT_EQ(cal.loaded_years(), (std::set<int>{2026, 2027}));
}

TEST(WorkCalendarData, OtherWeekdaysChangeWhatAMakeUpDayMayBe) {
  // A Sunday–Thursday week: Friday and Saturday are the rest days.
  WorkCalendarConfig c;
  c.weekdays = {true, true, true, true, false, false, true};
  WorkCalendar cal(c);
  cal.load_holidays("2026-02-13 workday\n");  // a Friday
  EXPECT_TRUE(cal.is_working_day(ymd("2026-02-13")));
  expect_error([&] { cal.load_holidays("2026-02-15 workday\n"); }, Status::invalid_arg);
}

}  // namespace
}  // namespace crm
