// Calendar dates and time zones (through Howard Hinnant's date/tz).
#pragma once

#include <date/date.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace crm {

// Parses "YYYY-MM-DD" (exactly that shape) and accepts only dates that exist:
// 2026-02-30 and 2025-02-29 are rejected, 2024-02-29 accepted.
std::optional<date::year_month_day> parse_date(std::string_view s);

// "YYYY-MM-DD".
std::string format_date(date::year_month_day d);

// The local calendar date of an instant (UTC milliseconds) in a zone.
date::year_month_day local_date(std::int64_t utc_ms, const date::time_zone* zone);

// The instant local midnight starts the day `d` in `zone` (DST: the first
// instant of the day).
std::int64_t local_midnight(date::year_month_day d, const date::time_zone* zone);

// The same local time of day `months` later, the day clamped to the month's
// end (an instant on Jan 31 + 1 month = the same time on Feb 28/29).
std::int64_t add_local_months(std::int64_t utc_ms, int months, const date::time_zone* zone);

// A local date and time as another system exports it — "YYYY-MM-DD HH:MM",
// with seconds or not, '/' or '-' between the date's parts, ' ' or 'T'
// before the time; a date alone means its midnight — as an instant in
// `zone` (a time the clocks skipped reads as the moment after the jump).
// nullopt for anything else, or for a date or time that does not exist.
std::optional<std::int64_t> parse_local_instant(std::string_view s, const date::time_zone* zone);

// "YYYY-MM-DD HH:MM:SS" in `zone`.
std::string format_local_second(std::int64_t utc_ms, const date::time_zone* zone);

// "YYYY-MM-DD HH:MM" in `zone`, for messages.
std::string format_local_minute(std::int64_t utc_ms, const date::time_zone* zone);

// Looks an IANA zone up in the system tz database; nullptr if unknown.
const date::time_zone* find_zone(std::string_view name);

}  // namespace crm
