#include "store/calendar_repo.hpp"

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace crm::store {
namespace {

void load_years(Connection& c, CalendarRow& row) {
  auto q = c.prepare("SELECT year, text FROM calendar_years WHERE calendar_id = ? ORDER BY year");
  q->bind(1, static_cast<std::int64_t>(row.id));
  while (q->executeStep())
    row.years.emplace_back(q->getColumn(0).getInt(), q->getColumn(1).getString());
}

CalendarRow read_row(SQLite::Statement& q) {
  CalendarRow row;
  row.id = q.getColumn(0).getInt64();
  row.name = q.getColumn(1).getString();
  row.zone = q.getColumn(2).getString();
  row.hours = q.getColumn(3).getString();
  row.weekdays = q.getColumn(4).getString();
  return row;
}

}  // namespace

std::optional<CalendarRow> load_calendar(Connection& c, const std::string& name) {
  std::optional<CalendarRow> row;
  {
    auto q = c.prepare("SELECT id, name, zone, hours, weekdays FROM calendars WHERE name = ?");
    q->bind(1, name);
    if (q->executeStep()) row = read_row(*q);
  }
  if (row) load_years(c, *row);
  return row;
}

std::vector<CalendarRow> list_calendars(Connection& c) {
  std::vector<CalendarRow> out;
  {
    auto q = c.prepare("SELECT id, name, zone, hours, weekdays FROM calendars ORDER BY id");
    while (q->executeStep()) out.push_back(read_row(*q));
  }
  for (auto& row : out) load_years(c, row);
  return out;
}

std::int64_t insert_calendar(Connection& c, const CalendarRow& row, std::int64_t now_ms) {
  auto q = c.prepare(
      "INSERT INTO calendars(name, zone, hours, weekdays, created_at) VALUES (?, ?, ?, ?, ?)");
  q->bind(1, row.name);
  q->bind(2, row.zone);
  q->bind(3, row.hours);
  q->bind(4, row.weekdays);
  q->bind(5, static_cast<std::int64_t>(now_ms));
  q->exec();
  return c.db().getLastInsertRowid();
}

void insert_calendar_year(Connection& c, std::int64_t calendar, int year, const std::string& text,
                          std::int64_t now_ms, std::int64_t actor) {
  auto q = c.prepare(
      "INSERT INTO calendar_years(calendar_id, year, text, loaded_at, loaded_by) "
      "VALUES (?, ?, ?, ?, ?)");
  q->bind(1, static_cast<std::int64_t>(calendar));
  q->bind(2, year);
  q->bind(3, text);
  q->bind(4, static_cast<std::int64_t>(now_ms));
  q->bind(5, static_cast<std::int64_t>(actor));
  q->exec();
}

}  // namespace crm::store
