// Working calendars as stored per database (schema 5): the seeded default,
// years loaded by the host, several calendars.
#include "service/calendars.hpp"

#include "fixture.hpp"

namespace crm::testing {
namespace {

using CalendarsTest = ServiceTest;

// 2026-02-13 (Friday) 17:00 in Asia/Shanghai.
constexpr std::int64_t kFri0213At17 = 1770973200000;
constexpr std::int64_t kDay = 86400000;

TEST_F(CalendarsTest, TheDefaultCalendarKnows2026) {
  WorkCalendar cal = load_work_calendar(*rep, "");
  EXPECT_EQ(cal.zone_name(), "Asia/Shanghai");
  EXPECT_EQ(cal.add_working_days(kFri0213At17, 1), kFri0213At17 + kDay)
      << "2026-02-14 is a make-up working Saturday (春节调休)";
  EXPECT_EQ(cal.add_working_days(kFri0213At17, 2), kFri0213At17 + 11 * kDay)
      << "春节 runs to 02-23: the next working day is Tuesday 02-24";
  auto days = calendar_days(*rep, "default", 2026);
  ASSERT_FALSE(days.empty());
  EXPECT_EQ(days.front().text("date"), "2026-01-01");
  EXPECT_EQ(days.front().text("kind"), "holiday");
  auto list = list_calendars(*rep);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].text("name"), "default");
  EXPECT_EQ(list[0].text("years"), "2026");
}

TEST_F(CalendarsTest, YearsAreLoadedWholeOrNotAtAll) {
  const std::string y2027 =
      "year 2027\n2027-01-01 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n";
  expect_error(Status::permission, [&] { load_calendar_holidays(*rep, "", y2027); });
  Error e = expect_error(Status::invalid_arg, [&] {
    load_calendar_holidays(*admin, "",
                           "year 2027\n2027-01-01 holiday 元旦\n2027-02-30 holiday x\n");
  });
  EXPECT_NE(e.message_zh().find("第 3 行"), std::string::npos) << e.message_zh();
  expect_error(Status::invalid_arg,
               [&] { load_calendar_holidays(*admin, "", "2027-01-01 holiday 元旦\n"); });
  EXPECT_EQ(list_calendars(*rep)[0].text("years"), "2026") << "nothing was stored";
  EXPECT_EQ(load_calendar_holidays(*admin, "", y2027), 2027);
  EXPECT_EQ(list_calendars(*rep)[0].text("years"), "2026,2027");
  expect_error(Status::invalid_arg, [&] { load_calendar_holidays(*admin, "", y2027); });
  EXPECT_EQ(calendar_days(*rep, "", 2027).size(), 8u);
}

TEST_F(CalendarsTest, CalendarsAreIndependent) {
  define_calendar(*admin, {"华南区", "Asia/Shanghai", "08:30-12:00,14:00-17:30", "1111110"});
  expect_error(Status::conflict, [&] { define_calendar(*admin, {"华南区", "", "", ""}); });
  expect_error(Status::permission, [&] { define_calendar(*rep, {"华北区", "", "", ""}); });
  expect_error(Status::invalid_arg, [&] { define_calendar(*admin, {"", "", "", ""}); });
  expect_error(Status::invalid_arg, [&] { define_calendar(*admin, {"x", "Mars/Base", "", ""}); });
  expect_error(Status::invalid_arg, [&] { define_calendar(*admin, {"x", "", "18:00-09:00", ""}); });
  expect_error(Status::invalid_arg, [&] { define_calendar(*admin, {"x", "", "", "0000000"}); });
  expect_error(Status::invalid_arg, [&] { define_calendar(*admin, {"x", "", "", "11111"}); });
  WorkCalendar south = load_work_calendar(*rep, "华南区");
  // 2026-03-07 is an ordinary Saturday: worked in 华南区, not by default.
  EXPECT_TRUE(
      south.is_working_day(date::year_month_day{date::year{2026}, date::month{3}, date::day{7}}));
  EXPECT_FALSE(load_work_calendar(*rep, "").is_working_day(
      date::year_month_day{date::year{2026}, date::month{3}, date::day{7}}));
  EXPECT_EQ(list_calendars(*rep)[1].text("years"), "") << "a new calendar has no holidays yet";
  expect_error(Status::not_found, [&] { load_work_calendar(*rep, "华东区"); });
}

}  // namespace
}  // namespace crm::testing
