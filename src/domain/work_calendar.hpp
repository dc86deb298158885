// The working calendar (工作日历): which days are working days, which hours of
// a working day are working time, and deadlines that count only working time.
//
// A calendar has a name, an IANA time zone (default Asia/Shanghai), working
// hours as [start, end) minute ranges of the local day (default 09:00–12:00
// and 13:30–18:00, a lunch break between), normal working weekdays (default
// Monday to Friday), and per-year data of public holidays (法定节假日) and
// make-up working days (调休上班日: a rest day that is worked).  Instants are
// int64 UTC milliseconds, as everywhere in the library; every computation
// reads them in the calendar's zone.
//
// Pure rules: no storage, no clock.  The storage layer keeps the holiday texts
// and builds a calendar from them.
#pragma once

#include <date/date.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace crm {

// ---------------------------------------------------------------------------
// Limits.  Inputs beyond them are refused with Status::invalid_arg rather
// than computed (or looped over).

// At most this many working days in add_working_days.
inline constexpr int kMaxWorkingDays = 3660;
// At most this duration (3660 days, about 10 years) in add_working_hours,
// add_calendar and deadline.
inline constexpr std::int64_t kMaxDurationMs = std::int64_t{3660} * 24 * 60 * 60 * 1000;
// At most this many months either way in add_months.
inline constexpr int kMaxMonths = 1200;
// Instants handled: from 1900-01-01T00:00Z (inclusive) to 9000-01-01T00:00Z
// (exclusive).
inline constexpr std::int64_t kMinInstantMs =
    date::sys_days{date::year{1900} / 1 / 1}.time_since_epoch().count() * std::int64_t{86400000};
inline constexpr std::int64_t kMaxInstantMs =
    date::sys_days{date::year{9000} / 1 / 1}.time_since_epoch().count() * std::int64_t{86400000};
// A run of more than this many consecutive days without working time means
// the calendar is broken (e.g. a whole year marked holiday): a computation
// that meets one throws Status::state instead of searching on.  The longest
// real Chinese break is 9 days (春节).
inline constexpr int kMaxRestRunDays = 90;
// A computation never walks more than this many days (100 years) forward: a
// calendar with, say, one working minute a day would otherwise walk for
// millennia on a large duration.  Beyond it: Status::invalid_arg.
inline constexpr int kMaxWalkDays = 36525;

// ---------------------------------------------------------------------------
// Working hours.

// One working period of the local day: [start_minute, end_minute) after local
// midnight, 0 <= start < end <= 1440 (1440 is 24:00, the end of the day).
struct WorkPeriod {
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const WorkPeriod& a, const WorkPeriod& b) {
    return a.start_minute == b.start_minute && a.end_minute == b.end_minute;
  }
};

// Parses "09:00-12:00,13:30-18:00": comma-separated HH:MM-HH:MM ranges, end
// up to 24:00, ascending, not overlapping (touching is fine).  Throws
// Status::invalid_arg naming the bad range.
std::vector<WorkPeriod> parse_work_hours(std::string_view text);
// The inverse: "09:00-12:00,13:30-18:00".
std::string format_work_hours(const std::vector<WorkPeriod>& hours);

// ---------------------------------------------------------------------------
// Holiday data.
//
// Text, UTF-8, one entry per line:
//
//   # 2026 年部分节假日安排
//   year 2026
//   2026-01-01..2026-01-03 holiday 元旦
//   2026-01-04 workday 元旦调休
//
// - `#` starts a comment that runs to the end of the line; blank lines are
//   ignored; a UTF-8 BOM at the start and CR before LF are ignored.
// - `year YYYY` (optional, at most once, before any entry) declares the year
//   of the schedule.  Every date of the file must then lie between December 1
//   of the year before and December 31 of the year: a year's 元旦 arrangement
//   may reach back into the old December (the 2012 schedule had 2011-12-31 as
//   a make-up workday), nothing else may.  A calendar loads a declared year
//   only once.
// - An entry is `DATE` or `FIRST..LAST` (inclusive, YYYY-MM-DD, at most 366
//   days), then the kind, then an optional label (the rest of the line, at
//   most 64 characters, e.g. 春节).  The kinds:
//     holiday   rest days (a range may include weekends and may cross a year
//               end);
//     workday   make-up working days (调休): each day must be a rest day of
//               the calendar's normal week (Saturday or Sunday by default).
// - No day may be listed twice, in one text or across the texts loaded into
//   one calendar (overlapping ranges are refused).
//
// Parsing is all-or-nothing: the first problem throws Status::invalid_arg
// whose English and Chinese messages name the line and what is wrong, and
// nothing is loaded.

enum class DayKind { holiday, workday };

// "holiday" / "workday".
const char* day_kind_name(DayKind kind);

struct HolidayEntry {
  date::year_month_day first;
  date::year_month_day last;  // == first for a single day
  DayKind kind = DayKind::holiday;
  std::string label;  // may be empty
  int line = 0;       // 1-based line of the text
};

struct HolidayData {
  std::optional<int> year;  // the `year` declaration, if any
  int year_line = 0;
  std::vector<HolidayEntry> entries;  // in text order
};

// Checks a text on its own (shape, dates, kinds, duplicates, the declared
// year).  The checks that need a calendar (make-up workdays on rest days,
// overlap with data loaded before) are WorkCalendar::load_holidays's.
HolidayData parse_holiday_text(std::string_view text);

// China's 2026 schedule (国务院办公厅关于2026年部分节假日安排的通知), in the
// format above: what the default calendar loads, and what the storage layer
// seeds.
std::string_view holidays_cn_2026_text();

// A day the holiday data names.
struct SpecialDay {
  DayKind kind = DayKind::holiday;
  std::string label;
  friend bool operator==(const SpecialDay& a, const SpecialDay& b) {
    return a.kind == b.kind && a.label == b.label;
  }
};

// ---------------------------------------------------------------------------
// Deadlines.

// How a duration counts toward a deadline (e.g. "24 hours after entry"):
//   calendar  elapsed time, nights and holidays included;
//   working   working time of the calendar only (add_working_hours).
enum class DeadlinePolicy { calendar, working };

// "calendar" / "working", and back (nullopt for anything else).
const char* deadline_policy_name(DeadlinePolicy policy);
std::optional<DeadlinePolicy> parse_deadline_policy(std::string_view name);

// utc_ms + duration_ms.  Throws Status::invalid_arg if the instant is out of
// range or the duration is negative or over kMaxDurationMs.
std::int64_t add_calendar(std::int64_t utc_ms, std::int64_t duration_ms);

// ---------------------------------------------------------------------------
// Calendar-date arithmetic (no working days involved).  Dates must be valid
// (ok()) and from 1900 on; results after 9999-12-31 are refused.  All throw
// Status::invalid_arg.

// d + 7 days: the same weekday next week (2026-12-28 Mon → 2027-01-04 Mon).
date::year_month_day same_weekday_next_week(date::year_month_day d);
// n months later (n < 0: earlier), the day clamped to the target month's
// length: Jan 31 + 1 = Feb 28 (Feb 29 in a leap year), Mar 31 + 1 = Apr 30,
// 2028-02-29 + 12 = 2029-02-28.  |n| <= kMaxMonths.
date::year_month_day add_months(date::year_month_day d, int n);
// add_months(d, 1).
date::year_month_day same_day_next_month(date::year_month_day d);

// ---------------------------------------------------------------------------
// The calendar.

struct WorkCalendarConfig {
  std::string name = "默认工作日历";
  std::string zone = "Asia/Shanghai";
  // 09:00–12:00 and 13:30–18:00.
  std::vector<WorkPeriod> hours = {{9 * 60, 12 * 60}, {13 * 60 + 30, 18 * 60}};
  // Normal working weekdays, Monday first: [0] Monday … [6] Sunday.
  std::array<bool, 7> weekdays = {true, true, true, true, true, false, false};
};

// A value: copyable, and its const member functions may be called from
// several threads at once.
class WorkCalendar {
 public:
  // Throws Status::invalid_arg if the name is empty, over 64 characters or
  // not UTF-8, the zone unknown, the hours empty or malformed (see
  // WorkPeriod: ascending, not overlapping), or no weekday is a working day.
  explicit WorkCalendar(WorkCalendarConfig config = {});

  // The default calendar: default config with holidays_cn_2026_text() loaded.
  static WorkCalendar china_default();

  const std::string& name() const { return config_.name; }
  const std::string& zone_name() const { return config_.zone; }
  const date::time_zone* zone() const { return zone_; }
  const std::vector<WorkPeriod>& hours() const { return config_.hours; }
  const std::array<bool, 7>& weekdays() const { return config_.weekdays; }

  // Parses and adds one text of holiday data (see above), merging it with the
  // years loaded before.  All-or-nothing: on any problem (a parse error, a
  // year already loaded, a day already listed by earlier data, a make-up
  // workday on a normal working weekday) throws Status::invalid_arg naming
  // the line, and the calendar is unchanged.
  void load_holidays(std::string_view text);
  // The years declared by the texts loaded so far.
  const std::set<int>& loaded_years() const { return years_; }
  // What the holiday data says about a day, if anything.
  std::optional<SpecialDay> special_day(date::year_month_day d) const;

  // A working day: a make-up workday, or else a normal working weekday that
  // is not a holiday.  A year without data has no holidays: only its normal
  // week counts (loaded_years() tells which years the data covers).
  bool is_working_day(date::year_month_day d) const;

  // Whether the instant lies in a working period [start, end) of a working
  // day: with the default hours 09:00 and 13:30 are working time, 12:00 and
  // 18:00 are not.
  bool is_working_time(std::int64_t utc_ms) const;

  // The instant itself if it is working time, else the start of the next
  // working period.
  std::int64_t next_working_time(std::int64_t utc_ms) const;

  // n working days later at the same local time of day, 0 <= n <=
  // kMaxWorkingDays.  The start is first moved to next_working_time(utc_ms),
  // so that anything arriving outside working time counts as arriving when
  // work resumes:
  //   Fri 17:00 + 1 = Mon 17:00;  Fri 18:00 (closed) + 1 = Tue 09:00;
  //   Sat 10:00 + 1 = Tue 09:00;  Mon 12:30 (lunch) + 1 = Tue 13:30;
  //   n = 0 gives next_working_time(utc_ms).
  // The result is therefore always working time, and the function is
  // continuous in working time: Fri 17:59:59.999 + 1 is Mon 17:59:59.999, one
  // working millisecond before Tue 09:00.  The time of day is local: across a
  // DST change the elapsed time is not a multiple of 24 hours.
  std::int64_t add_working_days(std::int64_t utc_ms, int n) const;

  // The earliest instant by which duration_ms of working time has passed
  // since utc_ms (0 <= duration_ms <= kMaxDurationMs).  Only working periods
  // count (nights, lunch breaks, rest days and holidays do not), measured in
  // real elapsed time.  When the duration runs out exactly at the end of a
  // period the result is that end, not the next period's start: Fri 17:00 +
  // 1 h = Fri 18:00, Fri 17:00 + 2 h = Mon 10:00.  A zero duration gives
  // utc_ms unchanged.
  std::int64_t add_working_hours(std::int64_t utc_ms, std::int64_t duration_ms) const;

  // add_calendar or add_working_hours, as the policy says.
  std::int64_t deadline(std::int64_t utc_ms, std::int64_t duration_ms, DeadlinePolicy policy) const;

  // Besides the Status::invalid_arg of each function's bounds, the instant
  // functions throw Status::state when they meet more than kMaxRestRunDays
  // consecutive days without working time (a calendar whose data leaves no
  // working time, e.g. a year marked holiday throughout).
  //
  // DST: a local time that occurs twice resolves to the earlier instant; one
  // that does not exist resolves to the moment the clocks jump.

 private:
  struct Span {
    std::int64_t start;
    std::int64_t end;
  };
  // The working periods of a local day as UTC spans (none on a rest day).
  void periods(date::local_days day, std::vector<Span>& out) const;
  bool is_working_day(date::local_days day) const;

  WorkCalendarConfig config_;
  const date::time_zone* zone_ = nullptr;
  std::map<int, SpecialDay> special_;  // keyed by days since 1970-01-01
  std::set<int> years_;
};

}  // namespace crm
