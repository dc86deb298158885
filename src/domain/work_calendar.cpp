#include "domain/work_calendar.hpp"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <utility>

#include "domain/calendar.hpp"
#include "domain/error.hpp"
#include "domain/utf8.hpp"

namespace crm {

namespace {

using Ms = std::chrono::milliseconds;
using date::days;
using date::local_days;

constexpr std::int64_t kMsPerMinute = 60 * 1000;
// A text of holiday data: at most 1 MiB, at most this many days listed.
constexpr std::size_t kMaxTextBytes = 1 << 20;
constexpr int kMaxDaysPerText = 3660;
constexpr int kMaxRangeDays = 366;
constexpr std::size_t kMaxLabelChars = 64;
constexpr std::size_t kMaxNameChars = 64;

const char* const kWeekdayEn[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                   "Friday", "Saturday", "Sunday"};
const char* const kWeekdayZh[7] = {"星期一", "星期二", "星期三", "星期四",
                                   "星期五", "星期六", "星期日"};

// Monday 0 … Sunday 6.
int weekday_index(date::weekday wd) { return static_cast<int>((wd.c_encoding() + 6) % 7); }

int day_number(local_days d) { return static_cast<int>(d.time_since_epoch().count()); }
int day_number(date::year_month_day d) { return day_number(local_days{d}); }

std::string fmt(local_days d) { return format_date(date::year_month_day{d}); }

[[noreturn]] void invalid(std::string en, std::string zh) {
  throw Error(Status::invalid_arg, std::move(en), std::move(zh));
}

[[noreturn]] void bad_line(int line, const std::string& en, const std::string& zh) {
  invalid("holiday data, line " + std::to_string(line) + ": " + en,
          "节假日数据第 " + std::to_string(line) + " 行：" + zh);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits the first blank-delimited token off `rest` (which starts non-blank).
std::string_view next_token(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && !is_blank(rest[i])) ++i;
  std::string_view token = rest.substr(0, i);
  rest = trim(rest.substr(i));
  return token;
}

// A token quoted for a message, clipped to 40 bytes at a character boundary:
// "x" in English, “x” in Chinese.  Messages stay UTF-8 whatever the input.
std::string clipped(std::string_view s) {
  if (!is_valid_utf8(s)) return "?";
  if (s.size() <= 40) return std::string(s);
  std::size_t n = 40;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}
std::string quoted(std::string_view s) { return "\"" + clipped(s) + "\""; }
std::string quoted_zh(std::string_view s) { return "“" + clipped(s) + "”"; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

date::year_month_day parse_entry_date(std::string_view token, int line) {
  bool shape = token.size() == 10 && token[4] == '-' && token[7] == '-' &&
               all_digits(token.substr(0, 4)) && all_digits(token.substr(5, 2)) &&
               all_digits(token.substr(8, 2));
  if (!shape)
    bad_line(line, quoted(token) + " is not a date: expected YYYY-MM-DD",
             quoted_zh(token) + "不是日期：应为 YYYY-MM-DD");
  std::optional<date::year_month_day> d = parse_date(token);
  if (!d) {
    if (token.substr(0, 4) < "1900")
      bad_line(line, std::string(token) + " is before 1900", std::string(token) + " 早于 1900 年");
    bad_line(line, std::string(token) + " does not exist in the calendar",
             "日期 " + std::string(token) + " 不存在");
  }
  return *d;
}

int parse_year(std::string_view token, int line) {
  if (token.size() != 4 || !all_digits(token) || token < "1900")
    bad_line(line, "expected \"year YYYY\" with a year from 1900 to 9999, got " + quoted(token),
             "应为“year YYYY”（1900 至 9999 年），实为" + quoted_zh(token));
  return std::stoi(std::string(token));
}

void check_instant(std::int64_t ms) {
  if (ms < kMinInstantMs || ms >= kMaxInstantMs)
    invalid("instant " + std::to_string(ms) +
                " ms is outside the supported range 1900-01-01 to 9000-01-01 UTC",
            "时间点 " + std::to_string(ms) + " 毫秒超出支持范围（UTC 1900-01-01 至 9000-01-01）");
}

void check_duration(std::int64_t ms) {
  if (ms < 0 || ms > kMaxDurationMs)
    invalid("duration " + std::to_string(ms) + " ms is outside 0 to " +
                std::to_string(kMaxDurationMs) + " ms (3660 days)",
            "时长 " + std::to_string(ms) + " 毫秒超出范围（0 至 " + std::to_string(kMaxDurationMs) +
                " 毫秒，即 3660 天）");
}

void check_date(date::year_month_day d) {
  if (!d.ok() || d.year() < date::year{1900})
    invalid("not a valid date from 1900 on: " + format_date(d),
            "不是 1900 年以后的有效日期：" + format_date(d));
}

date::year_month_day checked_result(date::year_month_day d) {
  if (d.year() > date::year{9999})
    invalid("the resulting date lies after 9999-12-31", "结果日期晚于 9999-12-31");
  if (d.year() < date::year{1900})
    invalid("the resulting date lies before 1900-01-01", "结果日期早于 1900-01-01");
  return d;
}

std::string hhmm(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

void validate_hours(const std::vector<WorkPeriod>& hours) {
  if (hours.empty()) invalid("no working hours given", "未设置工作时段");
  for (std::size_t i = 0; i < hours.size(); ++i) {
    const WorkPeriod& p = hours[i];
    std::string n = std::to_string(i + 1);
    if (p.start_minute < 0 || p.end_minute > 24 * 60 || p.start_minute >= p.end_minute)
      invalid("working period " + n + " (" + std::to_string(p.start_minute) + " to " +
                  std::to_string(p.end_minute) +
                  " minutes) must satisfy 0 <= start < end <= 1440 (24:00)",
              "第 " + n + " 个工作时段（" + std::to_string(p.start_minute) + " 至 " +
                  std::to_string(p.end_minute) + " 分钟）须满足 0 <= 开始 < 结束 <= 1440（24:00）");
    if (i > 0 && p.start_minute < hours[i - 1].end_minute)
      invalid("working period " + n + " starts at " + hhmm(p.start_minute) +
                  ", before the previous one ends at " + hhmm(hours[i - 1].end_minute) +
                  ": periods must be ascending and must not overlap",
              "第 " + n + " 个工作时段开始于 " + hhmm(p.start_minute) + "，早于上一时段的结束 " +
                  hhmm(hours[i - 1].end_minute) + "：时段须按时间先后排列且不得重叠");
  }
}

// "HH:MM" with HH 00–24 (24 only as 24:00).
std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !all_digits(s.substr(0, 2)) || !all_digits(s.substr(3, 2)))
    return std::nullopt;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

// ---------------------------------------------------------------------------
// Working hours.

std::vector<WorkPeriod> parse_work_hours(std::string_view text) {
  std::vector<WorkPeriod> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string_view piece = trim(
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    std::size_t dash = piece.find('-');
    std::optional<int> start, end;
    if (dash != std::string_view::npos) {
      start = parse_hhmm(trim(piece.substr(0, dash)));
      end = parse_hhmm(trim(piece.substr(dash + 1)));
    }
    if (!start || !end)
      invalid("working hours: " + quoted(piece) + " is not a range HH:MM-HH:MM",
              "工作时段：" + quoted_zh(piece) + "不是 HH:MM-HH:MM 形式的时段");
    out.push_back({*start, *end});
  }
  validate_hours(out);
  return out;
}

std::string format_work_hours(const std::vector<WorkPeriod>& hours) {
  std::string out;
  for (const WorkPeriod& p : hours) {
    if (!out.empty()) out += ',';
    out += hhmm(p.start_minute) + "-" + hhmm(p.end_minute);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Holiday data.

const char* day_kind_name(DayKind kind) { return kind == DayKind::holiday ? "holiday" : "workday"; }

HolidayData parse_holiday_text(std::string_view text) {
  if (text.size() > kMaxTextBytes)
    invalid("holiday data is larger than 1 MiB", "节假日数据超过 1 MiB");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  HolidayData out;
  // The ranges listed so far: first day → (last day, line).
  std::map<int, std::pair<int, int>> listed;
  int total_days = 0;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_valid_utf8(line)) bad_line(line_no, "not valid UTF-8 text", "不是有效的 UTF-8 文本");
    std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    std::string_view rest = trim(line);
    if (rest.empty()) continue;
    std::string_view head = next_token(rest);

    if (head == "year") {
      if (out.year)
        bad_line(line_no,
                 "the year is declared twice (first on line " + std::to_string(out.year_line) + ")",
                 "重复声明年份（首次在第 " + std::to_string(out.year_line) + " 行）");
      if (!out.entries.empty())
        bad_line(line_no,
                 "the year must be declared before the entries (first entry on line " +
                     std::to_string(out.entries.front().line) + ")",
                 "年份须在各条目之前声明（第一条目在第 " +
                     std::to_string(out.entries.front().line) + " 行）");
      std::string_view number = next_token(rest);
      int year = parse_year(number, line_no);
      if (!rest.empty())
        bad_line(line_no, "unexpected " + quoted(rest) + " after the year",
                 "年份之后有多余内容" + quoted_zh(rest));
      out.year = year;
      out.year_line = line_no;
      continue;
    }

    HolidayEntry entry;
    entry.line = line_no;
    std::size_t dots = head.find("..");
    if (dots == std::string_view::npos) {
      entry.first = entry.last = parse_entry_date(head, line_no);
    } else {
      entry.first = parse_entry_date(head.substr(0, dots), line_no);
      entry.last = parse_entry_date(head.substr(dots + 2), line_no);
      if (entry.last < entry.first)
        bad_line(line_no,
                 "the range ends (" + format_date(entry.last) + ") before it starts (" +
                     format_date(entry.first) + ")",
                 "日期范围的结束（" + format_date(entry.last) + "）早于开始（" +
                     format_date(entry.first) + "）");
    }
    int first = day_number(entry.first), last = day_number(entry.last);
    if (last - first + 1 > kMaxRangeDays)
      bad_line(line_no,
               "the range spans " + std::to_string(last - first + 1) + " days, more than " +
                   std::to_string(kMaxRangeDays),
               "日期范围共 " + std::to_string(last - first + 1) + " 天，超过 " +
                   std::to_string(kMaxRangeDays) + " 天");

    std::string_view kind = next_token(rest);
    if (kind == "holiday") {
      entry.kind = DayKind::holiday;
    } else if (kind == "workday") {
      entry.kind = DayKind::workday;
    } else if (kind.empty()) {
      bad_line(line_no, "the kind is missing after the date: expected holiday or workday",
               "日期之后缺少类型：应为 holiday（放假）或 workday（调休上班）");
    } else {
      bad_line(line_no, "unknown kind " + quoted(kind) + ": expected holiday or workday",
               "未知类型" + quoted_zh(kind) + "：应为 holiday（放假）或 workday（调休上班）");
    }
    if (utf8_length(rest) > kMaxLabelChars)
      bad_line(line_no, "the label is longer than 64 characters", "名称超过 64 个字符");
    entry.label = std::string(rest);

    if (out.year) {
      date::year_month_day lo = date::year{*out.year - 1} / 12 / 1;
      date::year_month_day hi = date::year{*out.year} / 12 / 31;
      date::year_month_day outside = entry.first < lo ? entry.first : entry.last;
      if (entry.first < lo || entry.last > hi)
        bad_line(line_no,
                 format_date(outside) + " lies outside the declared year " +
                     std::to_string(*out.year) + " (dates from " + format_date(lo) + " to " +
                     format_date(hi) + ")",
                 format_date(outside) + " 不在所声明的 " + std::to_string(*out.year) +
                     " 年之内（应在 " + format_date(lo) + " 至 " + format_date(hi) + " 之间）");
    }

    // The listed range starting at or before this one's last day, if any, is
    // the only one that can overlap it (listed ranges never overlap).
    auto next = listed.upper_bound(last);
    if (next != listed.begin()) {
      auto prev = std::prev(next);
      if (prev->second.first >= first) {
        std::string day = fmt(local_days{days{std::max(first, prev->first)}});
        std::string other = std::to_string(prev->second.second);
        bad_line(line_no, day + " is already listed on line " + other,
                 day + " 已在第 " + other + " 行列出");
      }
    }
    total_days += last - first + 1;
    if (total_days > kMaxDaysPerText)
      bad_line(line_no, "the data lists more than " + std::to_string(kMaxDaysPerText) + " days",
               "所列天数超过 " + std::to_string(kMaxDaysPerText) + " 天");
    listed.emplace(first, std::make_pair(last, line_no));
    out.entries.push_back(std::move(entry));
  }
  return out;
}

std::string_view holidays_cn_2026_text() {
  static constexpr std::string_view kText =
#include "domain/holidays_cn_2026.inc"
      ;
  return kText;
}

// ---------------------------------------------------------------------------
// Deadlines and date arithmetic.

const char* deadline_policy_name(DeadlinePolicy policy) {
  return policy == DeadlinePolicy::calendar ? "calendar" : "working";
}

std::optional<DeadlinePolicy> parse_deadline_policy(std::string_view name) {
  if (name == "calendar") return DeadlinePolicy::calendar;
  if (name == "working") return DeadlinePolicy::working;
  return std::nullopt;
}

std::int64_t add_calendar(std::int64_t utc_ms, std::int64_t duration_ms) {
  check_instant(utc_ms);
  check_duration(duration_ms);
  return utc_ms + duration_ms;
}

date::year_month_day same_weekday_next_week(date::year_month_day d) {
  check_date(d);
  return checked_result(date::year_month_day{date::sys_days{d} + days{7}});
}

date::year_month_day add_months(date::year_month_day d, int n) {
  check_date(d);
  if (n < -kMaxMonths || n > kMaxMonths)
    invalid("months " + std::to_string(n) + " is outside -1200 to 1200",
            "月数 " + std::to_string(n) + " 超出 -1200 至 1200 的范围");
  date::year_month ym = date::year_month{d.year(), d.month()} + date::months{n};
  date::day last = date::year_month_day_last{ym.year(), date::month_day_last{ym.month()}}.day();
  return checked_result(date::year_month_day{ym.year(), ym.month(), std::min(d.day(), last)});
}

date::year_month_day same_day_next_month(date::year_month_day d) { return add_months(d, 1); }

// ---------------------------------------------------------------------------
// The calendar.

WorkCalendar::WorkCalendar(WorkCalendarConfig config) : config_(std::move(config)) {
  if (config_.name.empty() || !is_valid_utf8(config_.name) ||
      utf8_length(config_.name) > kMaxNameChars)
    invalid("a working calendar needs a name of 1 to 64 characters of UTF-8 text",
            "工作日历名称须为 1 至 64 个字符的 UTF-8 文本");
  zone_ = find_zone(config_.zone);
  if (!zone_)
    invalid("unknown time zone " + quoted(config_.zone) + ": expected an IANA name such as " +
                "Asia/Shanghai",
            "未知时区" + quoted_zh(config_.zone) + "：应为 IANA 时区名，如 Asia/Shanghai");
  validate_hours(config_.hours);
  if (std::none_of(config_.weekdays.begin(), config_.weekdays.end(), [](bool b) { return b; }))
    invalid("a working calendar needs at least one working weekday",
            "工作日历至少需要一个工作日（星期几）");
}

WorkCalendar WorkCalendar::china_default() {
  WorkCalendar cal;
  cal.load_holidays(holidays_cn_2026_text());
  return cal;
}

void WorkCalendar::load_holidays(std::string_view text) {
  HolidayData data = parse_holiday_text(text);
  if (data.year && years_.count(*data.year))
    bad_line(data.year_line, "year " + std::to_string(*data.year) + " is already loaded",
             std::to_string(*data.year) + " 年的数据已加载");
  std::map<int, SpecialDay> merged = special_;
  for (const HolidayEntry& e : data.entries) {
    for (local_days d{e.first}; d <= local_days{e.last}; d += days{1}) {
      auto it = special_.find(day_number(d));
      if (it != special_.end()) {
        std::string label = it->second.label.empty() ? "" : " (" + it->second.label + ")";
        std::string label_zh = it->second.label.empty() ? "" : "（" + it->second.label + "）";
        bad_line(e.line, fmt(d) + " is already listed by the holiday data loaded before" + label,
                 fmt(d) + " 已在先前加载的节假日数据中" + label_zh);
      }
      if (e.kind == DayKind::workday) {
        int wd = weekday_index(date::weekday{d});
        if (config_.weekdays[static_cast<std::size_t>(wd)])
          bad_line(e.line,
                   fmt(d) + " is a " + kWeekdayEn[wd] +
                       ", a working day already: a make-up workday (调休) must be a rest day",
                   fmt(d) + " 是" + kWeekdayZh[wd] + "，本来就是工作日：调休上班日须为休息日");
      }
      merged[day_number(d)] = SpecialDay{e.kind, e.label};
    }
  }
  std::set<int> years = years_;
  if (data.year) years.insert(*data.year);
  special_.swap(merged);
  years_.swap(years);
}

std::optional<SpecialDay> WorkCalendar::special_day(date::year_month_day d) const {
  check_date(d);
  auto it = special_.find(day_number(d));
  if (it == special_.end()) return std::nullopt;
  return it->second;
}

bool WorkCalendar::is_working_day(date::year_month_day d) const {
  check_date(d);
  return is_working_day(local_days{d});
}

bool WorkCalendar::is_working_day(local_days day) const {
  auto it = special_.find(day_number(day));
  if (it != special_.end()) return it->second.kind == DayKind::workday;
  return config_.weekdays[static_cast<std::size_t>(weekday_index(date::weekday{day}))];
}

namespace {

std::int64_t to_utc(const date::time_zone* zone, local_days day, std::int64_t ms_of_day) {
  date::local_time<Ms> local = day + Ms{ms_of_day};
  return zone->to_sys(local, date::choose::earliest).time_since_epoch().count();
}

date::local_time<Ms> to_local(const date::time_zone* zone, std::int64_t utc_ms) {
  return zone->to_local(date::sys_time<Ms>{Ms{utc_ms}});
}

[[noreturn]] void no_working_time(const std::string& name, local_days from) {
  std::string n = std::to_string(kMaxRestRunDays);
  throw Error(Status::state,
              "the working calendar " + quoted(name) + " has no working time in the " + n +
                  " days from " + fmt(from) + ": check its holiday data and working hours",
              "工作日历“" + name + "”自 " + fmt(from) + " 起连续 " + n +
                  " 天没有工作时间：请检查其节假日数据和工作时段");
}

[[noreturn]] void walk_too_far() {
  invalid("the result lies more than 100 years after the start", "结果晚于起点 100 年以上");
}

}  // namespace

void WorkCalendar::periods(local_days day, std::vector<Span>& out) const {
  out.clear();
  if (!is_working_day(day)) return;
  for (const WorkPeriod& p : config_.hours) {
    std::int64_t start = to_utc(zone_, day, p.start_minute * kMsPerMinute);
    std::int64_t end = to_utc(zone_, day, p.end_minute * kMsPerMinute);
    if (start < end) out.push_back({start, end});
  }
}

bool WorkCalendar::is_working_time(std::int64_t utc_ms) const {
  check_instant(utc_ms);
  std::vector<Span> spans;
  periods(date::floor<days>(to_local(zone_, utc_ms)), spans);
  return std::any_of(spans.begin(), spans.end(),
                     [&](const Span& s) { return s.start <= utc_ms && utc_ms < s.end; });
}

std::int64_t WorkCalendar::next_working_time(std::int64_t utc_ms) const {
  check_instant(utc_ms);
  local_days day = date::floor<days>(to_local(zone_, utc_ms));
  const local_days from = day;
  std::vector<Span> spans;
  for (int rest = 0; rest <= kMaxRestRunDays; ++rest, day += days{1}) {
    periods(day, spans);
    for (const Span& s : spans)
      if (s.end > utc_ms) return std::max(s.start, utc_ms);
  }
  no_working_time(config_.name, from);
}

std::int64_t WorkCalendar::add_working_days(std::int64_t utc_ms, int n) const {
  check_instant(utc_ms);
  if (n < 0 || n > kMaxWorkingDays)
    invalid(
        "working days " + std::to_string(n) + " is outside 0 to " + std::to_string(kMaxWorkingDays),
        "工作日数 " + std::to_string(n) + " 超出 0 至 " + std::to_string(kMaxWorkingDays) +
            " 的范围");
  std::int64_t start = next_working_time(utc_ms);
  date::local_time<Ms> local = to_local(zone_, start);
  local_days day = date::floor<days>(local);
  const Ms time_of_day = local - day;
  local_days rest_from = day;
  int rest = 0;
  for (int k = 0; k < n;) {
    day += days{1};
    if (is_working_day(day)) {
      ++k;
      rest = 0;
    } else {
      if (rest == 0) rest_from = day;
      if (++rest > kMaxRestRunDays) no_working_time(config_.name, rest_from);
    }
  }
  return to_utc(zone_, day, time_of_day.count());
}

std::int64_t WorkCalendar::add_working_hours(std::int64_t utc_ms, std::int64_t duration_ms) const {
  check_instant(utc_ms);
  check_duration(duration_ms);
  if (duration_ms == 0) return utc_ms;
  std::int64_t remaining = duration_ms;
  local_days day = date::floor<days>(to_local(zone_, utc_ms));
  local_days rest_from = day;
  int rest = 0;
  std::vector<Span> spans;
  for (int walked = 0; walked <= kMaxWalkDays; ++walked, day += days{1}) {
    periods(day, spans);
    bool worked = false;
    for (const Span& s : spans) {
      if (s.end <= utc_ms) continue;
      worked = true;
      std::int64_t from = std::max(s.start, utc_ms);
      if (remaining <= s.end - from) return from + remaining;
      remaining -= s.end - from;
    }
    if (worked) {
      rest = 0;
    } else {
      if (rest == 0) rest_from = day;
      if (++rest > kMaxRestRunDays) no_working_time(config_.name, rest_from);
    }
  }
  walk_too_far();
}

std::int64_t WorkCalendar::deadline(std::int64_t utc_ms, std::int64_t duration_ms,
                                    DeadlinePolicy policy) const {
  return policy == DeadlinePolicy::calendar ? add_calendar(utc_ms, duration_ms)
                                            : add_working_hours(utc_ms, duration_ms);
}

}  // namespace crm
