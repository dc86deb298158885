#include "domain/calendar.hpp"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace crm {

std::optional<date::year_month_day> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lens[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < lens[k]; ++i) {
      char c = s[static_cast<size_t>(starts[k] + i)];
      if (c < '0' || c > '9') return std::nullopt;
      parts[k] = parts[k] * 10 + (c - '0');
    }
  }
  date::year_month_day ymd{date::year{parts[0]}, date::month{static_cast<unsigned>(parts[1])},
                           date::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok() || parts[0] < 1900) return std::nullopt;
  return ymd;
}

std::string format_date(date::year_month_day d) {
  // By hand rather than snprintf: every create formats its entry date.
  int y = static_cast<int>(d.year());
  unsigned m = static_cast<unsigned>(d.month()), day = static_cast<unsigned>(d.day());
  if (y < 0 || y > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, day);
    return buf;
  }
  char out[10] = {static_cast<char>('0' + y / 1000),
                  static_cast<char>('0' + y / 100 % 10),
                  static_cast<char>('0' + y / 10 % 10),
                  static_cast<char>('0' + y % 10),
                  '-',
                  static_cast<char>('0' + m / 10),
                  static_cast<char>('0' + m % 10),
                  '-',
                  static_cast<char>('0' + day / 10),
                  static_cast<char>('0' + day % 10)};
  return std::string(out, sizeof out);
}

date::year_month_day local_date(std::int64_t utc_ms, const date::time_zone* zone) {
  using namespace std::chrono;
  date::sys_time<milliseconds> tp{milliseconds{utc_ms}};
  auto local = zone->to_local(tp);
  return date::year_month_day{date::floor<date::days>(local)};
}

std::int64_t local_midnight(date::year_month_day d, const date::time_zone* zone) {
  using namespace std::chrono;
  date::local_days local{d};
  auto info = zone->get_info(local);
  date::sys_seconds start;
  if (info.result == date::local_info::nonexistent)
    start = info.first.end;  // the clocks jumped over midnight
  else
    start = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
  return duration_cast<milliseconds>(start.time_since_epoch()).count();
}

std::optional<std::int64_t> parse_local_instant(std::string_view s, const date::time_zone* zone) {
  if (s.size() < 10 || s.size() > 19) return std::nullopt;
  std::string d(s.substr(0, 10));
  if (d[4] == '/' && d[7] == '/') d[4] = d[7] = '-';
  auto ymd = parse_date(d);
  if (!ymd) return std::nullopt;
  const std::int64_t midnight = local_midnight(*ymd, zone);
  if (s.size() == 10) return midnight;
  int h = 0, m = 0, sec = 0, used = 0;
  const std::string t(s.substr(11));
  if ((s[10] != ' ' && s[10] != 'T') || (t.size() != 5 && t.size() != 8) ||
      (std::sscanf(t.c_str(), "%2d:%2d:%2d%n", &h, &m, &sec, &used) != 3 &&
       (sec = 0, std::sscanf(t.c_str(), "%2d:%2d%n", &h, &m, &used) != 2)) ||
      static_cast<std::size_t>(used) != t.size() || h > 23 || m > 59 || sec > 59 || h < 0 ||
      m < 0 || sec < 0)
    return std::nullopt;
  using namespace std::chrono;
  const date::local_seconds local = date::local_days{*ymd} + hours{h} + minutes{m} + seconds{sec};
  auto info = zone->get_info(local);
  date::sys_seconds at;
  if (info.result == date::local_info::nonexistent)
    at = info.first.end;
  else
    at = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

std::string format_local_second(std::int64_t utc_ms, const date::time_zone* zone) {
  using namespace std::chrono;
  auto t = date::make_zoned(zone, date::sys_time<milliseconds>{milliseconds{utc_ms}});
  return date::format("%Y-%m-%d %H:%M:%S", floor<seconds>(t.get_local_time()));
}

std::int64_t add_local_months(std::int64_t utc_ms, int months, const date::time_zone* zone) {
  using namespace std::chrono;
  date::sys_time<milliseconds> tp{milliseconds{utc_ms}};
  auto local = zone->to_local(tp);
  auto day = date::floor<date::days>(local);
  auto time_of_day = local - day;
  date::year_month_day ymd{day};
  auto ym = date::year_month{ymd.year(), ymd.month()} + date::months{months};
  auto last = date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
  date::year_month_day target{ym.year(), ym.month(), std::min(ymd.day(), last)};
  auto result = zone->to_sys(date::local_days{target} + time_of_day, date::choose::earliest);
  return duration_cast<milliseconds>(result.time_since_epoch()).count();
}

std::string format_local_minute(std::int64_t utc_ms, const date::time_zone* zone) {
  using namespace std::chrono;
  date::sys_time<milliseconds> tp{milliseconds{utc_ms}};
  auto local = zone->to_local(tp);
  auto day = date::floor<date::days>(local);
  auto minutes = duration_cast<std::chrono::minutes>(local - day).count();
  char hm[8];
  std::snprintf(hm, sizeof hm, " %02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return format_date(date::year_month_day{day}) + hm;
}

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace crm
