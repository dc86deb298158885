// Working calendars (工作日历): stored per database, several allowed (e.g. one
// per region); "default" exists from the start with China's 2026 public
// holidays and make-up working days.  Deadlines and reminders count working
// time through them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/value.hpp"
#include "domain/work_calendar.hpp"
#include "service/session.hpp"

namespace crm {

struct CalendarSpec {
  std::string name;      // 1..64 characters, unique
  std::string zone;      // "" = the database's time zone
  std::string hours;     // "" = "09:00-12:00,13:30-18:00"
  std::string weekdays;  // "" = "1111100" (Monday first; 1 = a working day)
};

// Defines a calendar (administrators only).
void define_calendar(Session& s, const CalendarSpec& spec);

// Loads one year of holiday data into a calendar (administrators only); the
// text must declare its year ("year 2027").  All-or-nothing; returns the year.
int load_calendar_holidays(Session& s, const std::string& calendar, const std::string& text);

// Calendars as records {name, time_zone, work_hours, workdays, years}.
std::vector<Record> list_calendars(Session& s);

// The holidays and make-up working days of one year, {date, kind, label}.
std::vector<Record> calendar_days(Session& s, const std::string& calendar, int year);

// The calendar as the domain object ("" = "default"); not_found if unknown.
WorkCalendar load_work_calendar(Session& s, const std::string& calendar);

}  // namespace crm
