// Working calendars as stored rows: the configuration and one holiday text
// per loaded year.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/connection.hpp"

namespace crm::store {

struct CalendarRow {
  std::int64_t id = 0;
  std::string name, zone, hours, weekdays;
  std::vector<std::pair<int, std::string>> years;  // (year, holiday text), by year
};

std::optional<CalendarRow> load_calendar(Connection& c, const std::string& name);
std::vector<CalendarRow> list_calendars(Connection& c);
std::int64_t insert_calendar(Connection& c, const CalendarRow& row, std::int64_t now_ms);
void insert_calendar_year(Connection& c, std::int64_t calendar, int year, const std::string& text,
                          std::int64_t now_ms, std::int64_t actor);

}  // namespace crm::store
