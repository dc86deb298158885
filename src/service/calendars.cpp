#include "service/calendars.hpp"

#include <algorithm>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/messages.hpp"
#include "domain/text.hpp"
#include "domain/utf8.hpp"
#include "store/calendar_repo.hpp"

namespace crm {
namespace {

constexpr const char* kDefaultHours = "09:00-12:00,13:30-18:00";
constexpr const char* kDefaultWeekdays = "1111100";

std::string calendar_name(const std::string& name) { return name.empty() ? "default" : name; }

std::array<bool, 7> parse_weekdays(const std::string& w) {
  std::array<bool, 7> days{};
  if (w.size() != 7 || w.find_first_not_of("01") != std::string::npos)
    throw Error(
        Status::invalid_arg,
        "workdays is seven 0/1 digits, Monday first (\"1111100\"), not \"" + quote_value(w) + "\"",
        "工作日须为 7 位 0/1 数字，从周一开始（如“1111100”），而非“" + quote_value(w) + "”");
  for (int i = 0; i < 7; ++i)
    days[static_cast<std::size_t>(i)] = w[static_cast<std::size_t>(i)] == '1';
  return days;
}

WorkCalendar build(const store::CalendarRow& row) {
  WorkCalendarConfig config;
  config.name = row.name;
  config.zone = row.zone;
  config.hours = parse_work_hours(row.hours);
  config.weekdays = parse_weekdays(row.weekdays);
  WorkCalendar cal(config);
  for (const auto& [year, text] : row.years) cal.load_holidays(text);
  return cal;
}

store::CalendarRow row_or_throw(Session& s, const std::string& calendar) {
  std::string name = calendar_name(calendar);
  auto row = store::load_calendar(s.db().conn(), name);
  if (!row)
    throw Error(Status::not_found, "no calendar \"" + quote_value(name) + "\"",
                "工作日历“" + quote_value(name) + "”不存在");
  return std::move(*row);
}

}  // namespace

void define_calendar(Session& s, const CalendarSpec& spec) {
  s.authorize(Perm::config_manage);
  store::CalendarRow row;
  row.name = is_valid_utf8(spec.name) ? normalize_text(spec.name, TextMode::prose) : "";
  if (row.name.empty() || utf8_length(row.name) > 64)
    throw Error(Status::invalid_arg, "a calendar name is UTF-8 text of 1 to 64 characters",
                "工作日历名称须为 1 到 64 个字符的 UTF-8 文本");
  row.zone = spec.zone.empty() ? s.db().zone_name() : spec.zone;
  row.hours = spec.hours.empty() ? kDefaultHours : spec.hours;
  row.weekdays = spec.weekdays.empty() ? kDefaultWeekdays : spec.weekdays;
  WorkCalendar check = build(row);  // every rule of the configuration, or throws
  row.hours = format_work_hours(check.hours());
  auto& conn = s.db().conn();
  if (store::load_calendar(conn, row.name))
    throw Error(Status::conflict, "calendar \"" + row.name + "\" exists already",
                "工作日历“" + row.name + "”已存在");
  store::WriteTransaction tx(conn);
  store::insert_calendar(conn, row, s.db().now());
  s.audit("config.calendar_define", "calendar:" + row.name);
  tx.commit();
}

int load_calendar_holidays(Session& s, const std::string& calendar, const std::string& text) {
  s.authorize(Perm::config_manage);
  store::CalendarRow row = row_or_throw(s, calendar);
  HolidayData data = parse_holiday_text(text);  // throws with the bad line named
  if (!data.year)
    throw Error(Status::invalid_arg,
                "holiday data must declare its year on a line of its own, e.g. \"year 2027\"",
                "节假日数据须单独一行声明年份，如“year 2027”");
  WorkCalendar cal = build(row);
  cal.load_holidays(text);  // refuses a year loaded before and overlapping days
  auto& conn = s.db().conn();
  store::WriteTransaction tx(conn);
  store::insert_calendar_year(conn, row.id, *data.year, text, s.db().now(), s.user_id());
  s.audit("config.calendar_holidays", "calendar:" + row.name, std::to_string(*data.year));
  tx.commit();
  return *data.year;
}

std::vector<Record> list_calendars(Session& s) {
  s.authorize(Perm::config_read);
  std::vector<Record> out;
  for (const auto& row : store::list_calendars(s.db().conn())) {
    Record r;
    r.append("name", row.name);
    r.append("time_zone", row.zone);
    r.append("work_hours", row.hours);
    r.append("workdays", row.weekdays);
    std::string years;
    for (const auto& y : row.years) years += (years.empty() ? "" : ",") + std::to_string(y.first);
    r.append("years", years);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Record> calendar_days(Session& s, const std::string& calendar, int year) {
  s.authorize(Perm::config_read);
  store::CalendarRow row = row_or_throw(s, calendar);
  std::vector<Record> out;
  for (const auto& [y, text] : row.years) {
    for (const auto& e : parse_holiday_text(text).entries) {
      for (date::sys_days d = e.first; d <= date::sys_days(e.last); d += date::days{1}) {
        date::year_month_day ymd{d};
        if (static_cast<int>(ymd.year()) != year) continue;
        Record r;
        r.append("date", format_date(ymd));
        r.append("kind", std::string(day_kind_name(e.kind)));
        r.append("label", e.label);
        out.push_back(std::move(r));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Record& a, const Record& b) { return a.text("date") < b.text("date"); });
  return out;
}

WorkCalendar load_work_calendar(Session& s, const std::string& calendar) {
  s.authorize(Perm::config_read);
  return build(row_or_throw(s, calendar));
}

}  // namespace crm
