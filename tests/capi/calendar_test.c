/*
 * calendar_test.c — working calendars (工作日历) of libcrm's C interface
 * (capi/crm.h), written in plain C99 as a host would call them:
 *
 *   - the calendar "default" and its 2026 data: make-up working Saturdays of
 *     春节 (02-14, 02-28), 国庆 (10-01..10-07) and its worked Saturday 10-10,
 *     crm_calendar_days rows in date order;
 *   - working days and hours: crm_calendar_is_working_day / _is_working_time /
 *     _next_working_time / _add_working_days / _add_working_hours;
 *   - loading a later year (crm_calendar_load_holidays), all-or-nothing, with
 *     the line of a bad entry in both messages;
 *   - a second calendar with its own zone, hours and workdays;
 *   - argument errors, permissions and unknown calendars.
 *
 * Every expectation comes from crm.h.  Instants are computed from calendar
 * dates and a UTC offset by civil_ms() below, which is first checked against
 * a known value: 2026-02-13 17:00 +08:00 = 2026-02-13T09:00:00Z =
 * 1770973200000 ms.  Asia/Shanghai is +08:00 all year (no summer time);
 * Europe/Berlin is +01:00 in November.
 * Prints one line per failed check and ends with "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crm.h"
#include "harness.h"

#define MINUTE INT64_C(60000)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

/* 2026-02-13 17:00 in Shanghai = 2026-02-13T09:00:00Z. */
#define T_0213_1700 INT64_C(1770973200000)

#define SH 480     /* Asia/Shanghai: UTC+08:00, minutes */
#define BERLIN 60  /* Europe/Berlin in November: UTC+01:00, minutes */

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

static char g_root[512]; /* this run's temporary directory */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* The instant (UTC ms) of a local time at a fixed UTC offset (minutes). */
static int64_t civil_ms(int y, int mo, int d, int h, int mi, int offset_min) {
  return (days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset_min) * MINUTE;
}

/* Shanghai local time of an instant as "YYYY-MM-DD HH:MM" (static buffer,
 * two in turn so that two can appear in one message). */
static const char *sh_text(int64_t ms) {
  static char buf[2][32];
  static int which = 0;
  int64_t local = ms + SH * MINUTE;
  int64_t z = (local >= 0 ? local : local - DAY + 1) / DAY; /* floor */
  int64_t mins = (local - z * DAY) / MINUTE;
  int64_t era, doe, yoe, y, doy, mp, d, m;
  char *out = buf[which];
  which ^= 1;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  snprintf(out, sizeof buf[0], "%04d-%02d-%02d %02d:%02d", (int)y, (int)m, (int)d,
           (int)(mins / 60), (int)(mins % 60));
  return out;
}

/* Opens a database (zone Asia/Shanghai, the default) with an admin session. */
static int open_db(const char *name, crm_db **db, crm_session **admin) {
  char path[800];
  *db = NULL;
  *admin = NULL;
  db_path_in(g_root, path, sizeof path, name);
  CHECK_OK(crm_db_open(path, NULL, db));
  if (!*db) return 0;
  /* 2026-11-23 09:00 Shanghai; calendars do not depend on the clock. */
  CHECK_OK(crm_db_clock_fixed(*db, civil_ms(2026, 11, 23, 9, 0, SH)));
  CHECK_OK(crm_session_open(*db, 1, admin));
  return *admin != NULL;
}

/* is_working_day as 0/1, or -1 on error. */
static int working_day(crm_session *s, const char *cal, const char *date) {
  int32_t v = -7;
  int rc = crm_calendar_is_working_day(s, cal, date, &v);
  CHECK(rc == CRM_OK, "crm_calendar_is_working_day(%s, %s): %s: %s", cal ? cal : "NULL", date,
        sname(rc), crm_errmsg());
  return rc == CRM_OK ? (int)v : -1;
}

static int working_time(crm_session *s, const char *cal, int64_t at) {
  int32_t v = -7;
  int rc = crm_calendar_is_working_time(s, cal, at, &v);
  CHECK(rc == CRM_OK, "crm_calendar_is_working_time(%s, %s): %s: %s", cal ? cal : "NULL",
        sh_text(at), sname(rc), crm_errmsg());
  return rc == CRM_OK ? (int)v : -1;
}

static int64_t next_time(crm_session *s, const char *cal, int64_t at) {
  int64_t v = -1;
  int rc = crm_calendar_next_working_time(s, cal, at, &v);
  CHECK(rc == CRM_OK, "crm_calendar_next_working_time(%s): %s: %s", sh_text(at), sname(rc),
        crm_errmsg());
  return v;
}

static int64_t add_days(crm_session *s, const char *cal, int64_t at, int32_t days) {
  int64_t v = -1;
  int rc = crm_calendar_add_working_days(s, cal, at, days, &v);
  CHECK(rc == CRM_OK, "crm_calendar_add_working_days(%s, %d): %s: %s", sh_text(at), (int)days,
        sname(rc), crm_errmsg());
  return v;
}

static int64_t add_hours(crm_session *s, const char *cal, int64_t at, int64_t duration) {
  int64_t v = -1;
  int rc = crm_calendar_add_working_hours(s, cal, at, duration, &v);
  CHECK(rc == CRM_OK, "crm_calendar_add_working_hours(%s, %" PRId64 " ms): %s: %s", sh_text(at),
        duration, sname(rc), crm_errmsg());
  return v;
}

/* Checks an instant, printing both in Shanghai time on failure. */
#define CHECK_AT(actual, expected)                                                          \
  do {                                                                                      \
    int64_t a_ = (actual), e_ = (expected);                                                 \
    CHECK(a_ == e_, "%s gave %s +08:00 (%" PRId64 "), expected %s +08:00 (%" PRId64 ")", \
          #actual, sh_text(a_), a_, sh_text(e_), e_);                                       \
  } while (0)

/* The row of crm_calendar_list for `name` copied into the out buffers
 * ("(none)" if absent).  Returns 1 if found. */
static int calendar_row(crm_session *s, const char *name, char *zone, char *hours, char *workdays,
                        char *years, size_t cap) {
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  int rc, found = 0;
  snprintf(zone, cap, "(none)");
  snprintf(hours, cap, "(none)");
  snprintf(workdays, cap, "(none)");
  snprintf(years, cap, "(none)");
  rc = crm_calendar_list(s, &c);
  CHECK(rc == CRM_OK && c != NULL, "crm_calendar_list: %s: %s", sname(rc), crm_errmsg());
  if (rc != CRM_OK) return 0;
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    if (strcmp(rtext(row, "name"), name) != 0) continue;
    found = 1;
    snprintf(zone, cap, "%s", rtext(row, "time_zone"));
    snprintf(hours, cap, "%s", rtext(row, "work_hours"));
    snprintf(workdays, cap, "%s", rtext(row, "workdays"));
    snprintf(years, cap, "%s", rtext(row, "years"));
  }
  CHECK(rc == CRM_DONE, "crm_calendar_list cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return found;
}

/* The "years" of a calendar in crm_calendar_list (static buffer). */
static const char *years_of(crm_session *s, const char *name) {
  static char years[128];
  char zone[128], hours[128], workdays[128];
  calendar_row(s, name, zone, hours, workdays, years, sizeof years);
  return years;
}

/* The rows of crm_calendar_days as "date kind label" joined by '|'; the row
 * count goes to *rows (-1 on error).  Static buffer. */
static const char *days_of(crm_session *s, const char *cal, int32_t year, int *rows) {
  static char buf[8192];
  crm_cursor *c = NULL;
  const crm_record *row = NULL;
  size_t used = 0;
  int rc = crm_calendar_days(s, cal, year, &c);
  buf[0] = '\0';
  *rows = -1;
  CHECK(rc == CRM_OK && c != NULL, "crm_calendar_days(%s, %d): %s: %s", cal ? cal : "NULL",
        (int)year, sname(rc), crm_errmsg());
  if (rc != CRM_OK) return "(error)";
  *rows = 0;
  while ((rc = crm_cursor_next(c, &row)) == CRM_OK) {
    if (used < sizeof buf)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s %s %s", *rows ? "|" : "",
                               rtext(row, "date"), rtext(row, "kind"), rtext(row, "label"));
    ++*rows;
  }
  CHECK(rc == CRM_DONE, "crm_calendar_days cursor ended with %s", sname(rc));
  crm_cursor_close(c);
  return buf;
}

/* ------------------------------------------------------------------------ */
/* The instants used below                                                  */
/* ------------------------------------------------------------------------ */

static void test_instants(void) {
  section("instants from calendar dates");
  /* The anchor: 2026-02-13 17:00 +08:00 = 2026-02-13T09:00:00Z. */
  CHECK(civil_ms(2026, 2, 13, 17, 0, SH) == T_0213_1700, "civil_ms gave %" PRId64,
        civil_ms(2026, 2, 13, 17, 0, SH));
  CHECK(civil_ms(1970, 1, 1, 0, 0, 0) == 0, "epoch gave %" PRId64, civil_ms(1970, 1, 1, 0, 0, 0));
  /* 2026-11-23 09:00 Shanghai = 2026-11-23T01:00:00Z = 1795395600000. */
  CHECK(civil_ms(2026, 11, 23, 9, 0, SH) == INT64_C(1795395600000), "gave %" PRId64,
        civil_ms(2026, 11, 23, 9, 0, SH));
  CHECK(strcmp(sh_text(T_0213_1700), "2026-02-13 17:00") == 0, "sh_text gave %s",
        sh_text(T_0213_1700));
}

/* ------------------------------------------------------------------------ */
/* The calendar "default" and its 2026 data                                 */
/* ------------------------------------------------------------------------ */

static void test_default_2026(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL;
  char zone[64], hours[64], workdays[64], years[64];
  const char *all;
  int rows = 0;
  section("default calendar, 2026");
  if (!open_db("default", &db, &admin)) goto done;

  CHECK(calendar_row(admin, "default", zone, hours, workdays, years, sizeof zone),
        "crm_calendar_list has no row \"default\"");
  CHECK(strcmp(zone, "Asia/Shanghai") == 0, "time_zone %s", zone);
  CHECK(strcmp(hours, "09:00-12:00,13:30-18:00") == 0, "work_hours %s", hours);
  CHECK(strcmp(workdays, "1111100") == 0, "workdays %s", workdays);
  CHECK(strcmp(years, "2026") == 0, "years %s", years);

  /* Make-up working Saturdays of 春节, the holiday itself, 国庆. */
  CHECK(working_day(admin, NULL, "2026-02-14") == 1, "2026-02-14 (Saturday, 春节调休)");
  CHECK(working_day(admin, "", "2026-02-28") == 1, "2026-02-28 (Saturday, 春节调休)");
  CHECK(working_day(admin, "default", "2026-02-21") == 0, "2026-02-21 (Saturday)");
  CHECK(working_day(admin, NULL, "2026-02-13") == 1, "2026-02-13 (Friday)");
  CHECK(working_day(admin, NULL, "2026-02-16") == 0, "2026-02-16 (Monday, 春节)");
  CHECK(working_day(admin, NULL, "2026-02-23") == 0, "2026-02-23 (Monday, 春节)");
  CHECK(working_day(admin, NULL, "2026-02-24") == 1, "2026-02-24 (Tuesday)");
  CHECK(working_day(admin, NULL, "2026-10-01") == 0, "2026-10-01 (国庆)");
  CHECK(working_day(admin, NULL, "2026-10-07") == 0, "2026-10-07 (国庆)");
  CHECK(working_day(admin, NULL, "2026-10-08") == 1, "2026-10-08 (Thursday)");
  CHECK(working_day(admin, NULL, "2026-10-10") == 1, "2026-10-10 (Saturday, 国庆调休)");
  CHECK(working_day(admin, NULL, "2026-10-11") == 0, "2026-10-11 (Sunday)");
  CHECK(working_day(admin, NULL, "2026-11-21") == 0, "2026-11-21 (Saturday)");
  CHECK(working_day(admin, NULL, "2026-11-23") == 1, "2026-11-23 (Monday)");
  /* A year without data: only the weekly workdays count. */
  CHECK(working_day(admin, NULL, "2027-10-01") == 1, "2027-10-01 (Friday, no 2027 data)");
  CHECK(working_day(admin, NULL, "2027-10-02") == 0, "2027-10-02 (Saturday)");

  /* The 2026 days in date order, one row a day with kind and label. */
  all = days_of(admin, NULL, 2026, &rows);
  CHECK(rows == 39, "crm_calendar_days(2026) has %d rows: %s", rows, all);
  CHECK(strncmp(all, "2026-01-01 holiday 元旦|2026-01-02 holiday 元旦|2026-01-03 holiday 元旦|"
                     "2026-01-04 workday 元旦调休|2026-02-14 workday 春节调休|"
                     "2026-02-15 holiday 春节|",
                strlen("2026-01-01 holiday 元旦|2026-01-02 holiday 元旦|2026-01-03 holiday 元旦|"
                       "2026-01-04 workday 元旦调休|2026-02-14 workday 春节调休|"
                       "2026-02-15 holiday 春节|")) == 0,
        "crm_calendar_days(2026) starts %.200s", all);
  CHECK(strstr(all, "|2026-02-23 holiday 春节|2026-02-28 workday 春节调休|") != NULL,
        "春节 ends on 02-23, then 02-28 is worked: %s", all);
  CHECK(strstr(all, "|2026-09-20 workday 国庆节调休|") != NULL, "09-20 worked: %s", all);
  CHECK(strstr(all, "|2026-10-01 holiday 国庆节|2026-10-02 holiday 国庆节|"
                    "2026-10-03 holiday 国庆节|2026-10-04 holiday 国庆节|"
                    "2026-10-05 holiday 国庆节|2026-10-06 holiday 国庆节|"
                    "2026-10-07 holiday 国庆节|2026-10-10 workday 国庆节调休") != NULL,
        "国庆 10-01..10-07 and 10-10: %s", all);
  {
    const char *last = strrchr(all, '|');
    CHECK(last && strcmp(last + 1, "2026-10-10 workday 国庆节调休") == 0, "last row %s",
          last ? last + 1 : all);
  }
  { /* strictly ascending dates */
    const char *p = all;
    char prev[11] = "0000-00-00";
    int ordered = 1;
    while (*p) {
      if (strncmp(p, prev, 10) <= 0) ordered = 0;
      memcpy(prev, p, 10);
      p = strchr(p, '|');
      if (!p) break;
      p++;
    }
    CHECK(ordered, "crm_calendar_days rows not in date order: %s", all);
  }
  all = days_of(admin, NULL, 2027, &rows);
  CHECK(rows == 0, "crm_calendar_days(2027) before loading: %d rows: %s", rows, all);

done:
  crm_session_close(admin);
  crm_db_close(db);
}

/* ------------------------------------------------------------------------ */
/* Working days and hours                                                   */
/* ------------------------------------------------------------------------ */

static void test_arithmetic(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  int64_t rep_id;
  /* An ordinary week: Friday 2026-11-20, Saturday 11-21, Monday 11-23. */
  const int64_t fri_1700 = civil_ms(2026, 11, 20, 17, 0, SH); /* = 1795165200000 */
  const int64_t fri_1800 = civil_ms(2026, 11, 20, 18, 0, SH);
  const int64_t sat_1000 = civil_ms(2026, 11, 21, 10, 0, SH);
  const int64_t mon_0900 = civil_ms(2026, 11, 23, 9, 0, SH);
  section("working days and hours");
  if (!open_db("arith", &db, &admin)) goto done;
  CHECK(fri_1700 == INT64_C(1795165200000), "Friday 17:00 is %" PRId64, fri_1700);

  /* Working time: ranges include their start, not their end. */
  CHECK(working_time(admin, NULL, mon_0900) == 1, "Monday 09:00");
  CHECK(working_time(admin, NULL, mon_0900 - MINUTE) == 0, "Monday 08:59");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 11, 59, SH)) == 1, "Monday 11:59");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 12, 0, SH)) == 0, "Monday 12:00");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 12, 30, SH)) == 0, "Monday 12:30");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 13, 30, SH)) == 1, "Monday 13:30");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 17, 59, SH)) == 1, "Monday 17:59");
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 18, 0, SH)) == 0, "Monday 18:00");
  CHECK(working_time(admin, NULL, sat_1000) == 0, "Saturday 10:00");
  CHECK(working_time(admin, NULL, civil_ms(2026, 2, 14, 10, 0, SH)) == 1,
        "2026-02-14 10:00 (调休 Saturday)");
  CHECK(working_time(admin, NULL, civil_ms(2026, 10, 8, 10, 0, SH)) == 1, "2026-10-08 10:00");
  CHECK(working_time(admin, NULL, civil_ms(2026, 10, 2, 10, 0, SH)) == 0, "2026-10-02 (国庆)");

  /* The next working time. */
  CHECK_AT(next_time(admin, NULL, sat_1000), mon_0900);
  CHECK_AT(next_time(admin, NULL, civil_ms(2026, 11, 23, 12, 30, SH)),
           civil_ms(2026, 11, 23, 13, 30, SH));
  CHECK_AT(next_time(admin, NULL, civil_ms(2026, 11, 23, 10, 15, SH)),
           civil_ms(2026, 11, 23, 10, 15, SH));
  CHECK_AT(next_time(admin, NULL, fri_1800), mon_0900);
  CHECK_AT(next_time(admin, NULL, civil_ms(2026, 9, 30, 18, 0, SH)),
           civil_ms(2026, 10, 8, 9, 0, SH));
  CHECK_AT(next_time(admin, NULL, civil_ms(2026, 2, 13, 18, 30, SH)),
           civil_ms(2026, 2, 14, 9, 0, SH));

  /* Working days: same local time; across 春节 and 国庆. */
  CHECK_AT(add_days(admin, NULL, T_0213_1700, 1), civil_ms(2026, 2, 14, 17, 0, SH));
  CHECK_AT(add_days(admin, NULL, T_0213_1700, 2), civil_ms(2026, 2, 24, 17, 0, SH));
  CHECK(civil_ms(2026, 2, 24, 17, 0, SH) == INT64_C(1771923600000), "02-24 17:00 is %" PRId64,
        civil_ms(2026, 2, 24, 17, 0, SH));
  CHECK_AT(add_days(admin, NULL, T_0213_1700, 0), T_0213_1700);
  CHECK_AT(add_days(admin, "", civil_ms(2026, 10, 9, 17, 0, SH), 1),
           civil_ms(2026, 10, 10, 17, 0, SH));
  CHECK_AT(add_days(admin, "default", civil_ms(2026, 9, 30, 10, 0, SH), 1),
           civil_ms(2026, 10, 8, 10, 0, SH));
  CHECK_AT(add_days(admin, NULL, fri_1700, 1), civil_ms(2026, 11, 23, 17, 0, SH));
  CHECK_AT(add_days(admin, NULL, fri_1800, 1), civil_ms(2026, 11, 24, 9, 0, SH));
  CHECK_AT(add_days(admin, NULL, sat_1000, 0), mon_0900);

  /* Working hours. */
  CHECK_AT(add_hours(admin, NULL, fri_1700, 2 * HOUR), civil_ms(2026, 11, 23, 10, 0, SH));
  CHECK_AT(add_hours(admin, NULL, fri_1700, 1 * HOUR), fri_1800);
  CHECK_AT(add_hours(admin, NULL, fri_1700, 0), fri_1700);
  CHECK_AT(add_hours(admin, NULL, civil_ms(2026, 11, 23, 11, 0, SH), 2 * HOUR),
           civil_ms(2026, 11, 23, 14, 30, SH));
  CHECK_AT(add_hours(admin, NULL, sat_1000, 30 * MINUTE), civil_ms(2026, 11, 23, 9, 30, SH));
  /* 24 working hours from 2026-09-30 15:00: 3 h that day, none 10-01..10-07,
   * 7.5 h on 10-08 and 10-09, 6 h on 10-10 (09:00-12:00, 13:30-16:30). */
  CHECK_AT(add_hours(admin, NULL, civil_ms(2026, 9, 30, 15, 0, SH), 24 * HOUR),
           civil_ms(2026, 10, 10, 16, 30, SH));

  /* Readers need no administrator. */
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  if (rep) {
    CHECK(working_day(rep, NULL, "2026-02-14") == 1, "a sales rep reads the calendar");
    CHECK_AT(add_hours(rep, NULL, fri_1700, 2 * HOUR), civil_ms(2026, 11, 23, 10, 0, SH));
    CHECK(strcmp(years_of(rep, "default"), "2026") == 0, "a sales rep lists the calendars");
    {
      int rows = 0;
      days_of(rep, NULL, 2026, &rows);
      CHECK(rows == 39, "a sales rep reads the 2026 days: %d rows", rows);
    }
  }

done:
  crm_session_close(rep);
  crm_session_close(admin);
  crm_db_close(db);
}

/* ------------------------------------------------------------------------ */
/* Loading a later year                                                     */
/* ------------------------------------------------------------------------ */

static const char *const k2027 =
    "# 2027 (test data)\n"
    "year 2027\n"
    "\n"
    "2027-01-01 holiday 元旦\n"
    "2027-02-06..2027-02-14 holiday 春节\n"
    "2027-02-20 workday 春节调休\n"
    "2027-10-01..2027-10-07 holiday\n";

/* Loading `text` fails with CRM_ERR_INVALID_ARG naming line `line` in both
 * messages, and the calendar keeps its years. */
static void bad_load_at(crm_session *s, const char *cal, const char *text, int line,
                        const char *what, int src_line) {
  char before[128], en_want[64], zh_want[64], expected[512];
  const char *en, *zh;
  int32_t year = -7;
  int rc;
  snprintf(before, sizeof before, "%s", years_of(s, cal ? cal : "default"));
  rc = crm_calendar_load_holidays(s, cal, text, &year);
  en = crm_errmsg();
  zh = crm_errmsg_zh();
  snprintf(expected, sizeof expected, "%s: refused with CRM_ERR_INVALID_ARG", what);
  check_at(rc == CRM_ERR_INVALID_ARG, __FILE__, src_line, expected, "%s: %s", sname(rc),
           en ? en : "(NULL)");
  check_at(crm_errcode() == CRM_ERR_INVALID_ARG, __FILE__, src_line,
           "crm_errcode() equals the returned status", "%s", sname(crm_errcode()));
  snprintf(en_want, sizeof en_want, "line %d", line);
  snprintf(zh_want, sizeof zh_want, "第 %d 行", line);
  snprintf(expected, sizeof expected, "%s: crm_errmsg names \"%s\"", what, en_want);
  check_at(en && strstr(en, en_want) != NULL, __FILE__, src_line, expected, "%s",
           en ? en : "(NULL)");
  snprintf(expected, sizeof expected, "%s: crm_errmsg_zh names \"%s\"", what, zh_want);
  check_at(zh && strstr(zh, zh_want) != NULL, __FILE__, src_line, expected, "%s",
           zh ? zh : "(NULL)");
  snprintf(expected, sizeof expected, "%s: nothing stored (years still \"%s\")", what, before);
  check_at(strcmp(years_of(s, cal ? cal : "default"), before) == 0, __FILE__, src_line, expected,
           "years now \"%s\"", years_of(s, cal ? cal : "default"));
}
#define BAD_LOAD(s, cal, text, line, what) bad_load_at((s), (cal), (text), (line), (what), __LINE__)

static void test_load(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL;
  int32_t year = 0;
  int rows = 0;
  const char *all;
  section("loading holiday data");
  if (!open_db("load", &db, &admin)) goto done;

  /* Bad texts first: each is refused whole. */
  BAD_LOAD(admin, NULL, "year 2027\n2027-02-30 holiday 春节\n", 2, "a date that does not exist");
  BAD_LOAD(admin, NULL, "year 2027\n2027-01-01 holiday 元旦\n2027-02-14..2027-02-06 holiday 春节\n",
           3, "an end before its start");
  BAD_LOAD(admin, NULL, "year 2027\n2027-01-01 vacation 元旦\n", 2, "an unknown kind");
  BAD_LOAD(admin, NULL, "year 2027\n2027-01-01\n", 2, "a missing kind");
  BAD_LOAD(admin, NULL,
           "year 2027\n# 春节\n2027-02-06..2027-02-14 holiday 春节\n2027-02-10 holiday 春节\n", 4,
           "a day listed twice");
  BAD_LOAD(admin, NULL, "year 2027\n2027-02-22 workday 调休\n", 2,
           "a make-up workday on a normal working day (Monday)");
  BAD_LOAD(admin, NULL, "year 2027\n2028-01-05 holiday 元旦\n", 2, "a date outside the year");
  BAD_LOAD(admin, NULL, "2027-01-01 holiday 元旦\nyear 2027\n", 2,
           "an entry before the year line");
  BAD_LOAD(admin, NULL, "year 2027\nyear 2027\n", 2, "the year declared twice");
  BAD_LOAD(admin, NULL, "year twenty\n", 1, "a year that is not a number");
  BAD_LOAD(admin, NULL, "# 国庆\nyear 2026\n2026-10-01 holiday 国庆节\n", 2,
           "a year already loaded (2026)");
  BAD_LOAD(admin, "default", "year 2027\n2027-01-01 holiday 元旦\n\n2027-1-2 holiday\n", 4,
           "a date not in YYYY-MM-DD form");

  /* Text without a year line. */
  year = -7;
  CHECK_FAIL(crm_calendar_load_holidays(admin, NULL, "# nothing here\n\n", &year),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_load_holidays(admin, NULL, "", &year), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_load_holidays(admin, NULL, NULL, &year), CRM_ERR_INVALID_ARG);
  CHECK(strcmp(years_of(admin, "default"), "2026") == 0, "years after refusals: %s",
        years_of(admin, "default"));
  CHECK(working_day(admin, NULL, "2027-01-01") == 1, "2027-01-01 before loading");
  CHECK(working_day(admin, NULL, "2027-02-22") == 1, "nothing of a refused text was stored");

  /* The year 2027. */
  year = 0;
  CHECK_OK(crm_calendar_load_holidays(admin, NULL, k2027, &year));
  CHECK(year == 2027, "out_year %d", (int)year);
  CHECK(strcmp(years_of(admin, "default"), "2026,2027") == 0, "years %s",
        years_of(admin, "default"));
  CHECK(working_day(admin, NULL, "2027-01-01") == 0, "2027-01-01 (元旦)");
  CHECK(working_day(admin, NULL, "2027-02-08") == 0, "2027-02-08 (Monday, 春节)");
  CHECK(working_day(admin, NULL, "2027-02-15") == 1, "2027-02-15 (Monday)");
  CHECK(working_day(admin, NULL, "2027-02-20") == 1, "2027-02-20 (Saturday, 调休)");
  CHECK(working_day(admin, NULL, "2027-10-04") == 0, "2027-10-04 (国庆)");
  CHECK(working_day(admin, NULL, "2026-02-14") == 1, "2026 data kept");
  all = days_of(admin, NULL, 2027, &rows);
  CHECK(rows == 18, "crm_calendar_days(2027) has %d rows: %s", rows, all);
  CHECK(strncmp(all, "2027-01-01 holiday 元旦|2027-02-06 holiday 春节|",
                strlen("2027-01-01 holiday 元旦|2027-02-06 holiday 春节|")) == 0,
        "starts %s", all);
  CHECK(strstr(all, "|2027-02-14 holiday 春节|2027-02-20 workday 春节调休|2027-10-01 holiday ") !=
            NULL,
        "rows %s", all);
  /* 2026-12-31 17:00 + 1 working day skips 元旦 2027 and the weekend. */
  CHECK_AT(add_days(admin, NULL, civil_ms(2026, 12, 31, 17, 0, SH), 1),
           civil_ms(2027, 1, 4, 17, 0, SH));

  /* The same year twice. */
  BAD_LOAD(admin, NULL, k2027, 2, "2027 loaded again");
  CHECK(strcmp(years_of(admin, "default"), "2026,2027") == 0, "years %s",
        years_of(admin, "default"));
  /* out_year is optional. */
  CHECK_OK(crm_calendar_load_holidays(admin, NULL, "year 2028\n2028-01-01 holiday 元旦\n", NULL));
  CHECK(strcmp(years_of(admin, "default"), "2026,2027,2028") == 0, "years %s",
        years_of(admin, "default"));
  CHECK(working_day(admin, NULL, "2028-01-03") == 1, "2028-01-03 (Monday)");

  /* The data outlives the handle. */
  {
    char path[800];
    crm_session_close(admin);
    admin = NULL;
    crm_db_close(db);
    db = NULL;
    join_path(path, sizeof path, g_root, "load/crm.db");
    CHECK_OK(crm_db_open(path, NULL, &db));
    if (db) CHECK_OK(crm_session_open(db, 1, &admin));
    if (admin) {
      CHECK(strcmp(years_of(admin, "default"), "2026,2027,2028") == 0, "years after reopening %s",
            years_of(admin, "default"));
      CHECK(working_day(admin, NULL, "2027-02-20") == 1, "2027-02-20 after reopening");
    }
  }

done:
  crm_session_close(admin);
  crm_db_close(db);
}

/* ------------------------------------------------------------------------ */
/* A second calendar                                                        */
/* ------------------------------------------------------------------------ */

static void test_second_calendar(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL;
  char zone[64], hours[64], workdays[64], years[64];
  int rows = 0;
  int32_t year = 0;
  /* Saturday 2026-11-21 15:00 in Berlin (+01:00) = 14:00Z = 22:00 Shanghai. */
  const int64_t sat_1500_berlin = civil_ms(2026, 11, 21, 15, 0, BERLIN);
  section("a second calendar");
  if (!open_db("second", &db, &admin)) goto done;

  CHECK_OK(crm_calendar_define(admin, "berlin", "Europe/Berlin", "08:00-16:00", "1111110"));
  CHECK(calendar_row(admin, "berlin", zone, hours, workdays, years, sizeof zone),
        "no row \"berlin\" in crm_calendar_list");
  CHECK(strcmp(zone, "Europe/Berlin") == 0, "time_zone %s", zone);
  CHECK(strcmp(hours, "08:00-16:00") == 0, "work_hours %s", hours);
  CHECK(strcmp(workdays, "1111110") == 0, "workdays %s", workdays);
  CHECK(strcmp(years, "") == 0, "years \"%s\" (no holiday data)", years);
  days_of(admin, "berlin", 2026, &rows);
  CHECK(rows == 0, "berlin has %d days in 2026", rows);

  /* Its own workdays and no holiday data; default is unchanged. */
  CHECK(working_day(admin, "berlin", "2026-10-01") == 1, "berlin 2026-10-01");
  CHECK(working_day(admin, "berlin", "2026-11-21") == 1, "berlin Saturday");
  CHECK(working_day(admin, "berlin", "2026-11-22") == 0, "berlin Sunday");
  CHECK(working_day(admin, "berlin", "2026-02-16") == 1, "berlin 2026-02-16");
  CHECK(working_day(admin, NULL, "2026-11-21") == 0, "default Saturday");
  CHECK(working_day(admin, NULL, "2026-02-16") == 0, "default 2026-02-16");

  /* Its own zone and hours. */
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 8, 0, BERLIN)) == 1,
        "berlin Monday 08:00");
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 7, 59, BERLIN)) == 0,
        "berlin Monday 07:59");
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 12, 30, BERLIN)) == 1,
        "berlin Monday 12:30 (no lunch break)");
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 16, 0, BERLIN)) == 0,
        "berlin Monday 16:00");
  /* Monday 15:00 Shanghai = 08:00 Berlin: working in both. */
  CHECK(working_time(admin, NULL, civil_ms(2026, 11, 23, 15, 0, SH)) == 1,
        "default Monday 15:00");
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 15, 0, SH)) == 1,
        "berlin at Monday 15:00 Shanghai");
  /* Monday 09:00 Shanghai = 02:00 Berlin. */
  CHECK(working_time(admin, "berlin", civil_ms(2026, 11, 23, 9, 0, SH)) == 0,
        "berlin at Monday 09:00 Shanghai");
  CHECK_AT(next_time(admin, "berlin", civil_ms(2026, 11, 22, 12, 0, BERLIN)),
           civil_ms(2026, 11, 23, 8, 0, BERLIN));
  /* Saturday 15:00 + 2 h: 1 h on Saturday, none on Sunday, 1 h on Monday. */
  CHECK_AT(add_hours(admin, "berlin", sat_1500_berlin, 2 * HOUR),
           civil_ms(2026, 11, 23, 9, 0, BERLIN));
  CHECK_AT(add_days(admin, "berlin", sat_1500_berlin, 1), civil_ms(2026, 11, 23, 15, 0, BERLIN));

  /* Holiday data loads per calendar. */
  CHECK_OK(crm_calendar_load_holidays(admin, "berlin",
                                      "year 2026\n2026-12-24..2026-12-26 holiday Weihnachten\n",
                                      &year));
  CHECK(year == 2026, "out_year %d", (int)year);
  CHECK(working_day(admin, "berlin", "2026-12-24") == 0, "berlin 2026-12-24");
  CHECK(working_day(admin, NULL, "2026-12-24") == 1, "default 2026-12-24");
  CHECK(strcmp(years_of(admin, "berlin"), "2026") == 0, "berlin years %s",
        years_of(admin, "berlin"));
  CHECK(strcmp(years_of(admin, "default"), "2026") == 0, "default years %s",
        years_of(admin, "default"));
  /* Saturday 2027-01-02 is a normal working day of berlin, so it cannot be
   * a make-up workday there (it could be in default). */
  BAD_LOAD(admin, "berlin", "year 2027\n2027-01-02 workday\n", 2,
           "a make-up workday on berlin's working Saturday");

  /* Default arguments: the database's zone and the default hours. */
  CHECK_OK(crm_calendar_define(admin, "plain", NULL, NULL, NULL));
  CHECK(calendar_row(admin, "plain", zone, hours, workdays, years, sizeof zone),
        "no row \"plain\"");
  CHECK(strcmp(zone, "Asia/Shanghai") == 0, "time_zone %s", zone);
  CHECK(strcmp(hours, "09:00-12:00,13:30-18:00") == 0, "work_hours %s", hours);
  CHECK(strcmp(workdays, "1111100") == 0, "workdays %s", workdays);
  CHECK(strcmp(years, "") == 0, "years \"%s\": a new calendar has no holiday data", years);
  CHECK(working_day(admin, "plain", "2026-10-01") == 1, "plain 2026-10-01 (no data)");
  CHECK(working_day(admin, "plain", "2026-02-14") == 0, "plain 2026-02-14 (no data)");

done:
  crm_session_close(admin);
  crm_db_close(db);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static void test_errors(void) {
  crm_db *db = NULL;
  crm_session *admin = NULL, *rep = NULL;
  crm_cursor *c = NULL;
  int32_t i32 = 0;
  int64_t i64 = 0, rep_id;
  const int64_t mon = civil_ms(2026, 11, 23, 10, 0, SH);
  section("errors");
  if (!open_db("errors", &db, &admin)) goto done;

  /* crm_calendar_define: bad arguments. */
  CHECK_FAIL(crm_calendar_define(admin, "", NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, NULL, NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "mars", "Mars/Olympus_Mons", NULL, NULL),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "night", NULL, "18:00-09:00", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "overlap", NULL, "09:00-12:00,11:00-13:00", NULL),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "unordered", NULL, "13:30-18:00,09:00-12:00", NULL),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "h25", NULL, "09:00-25:00", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "nine", NULL, "nine to five", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "five", NULL, NULL, "11111"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "two", NULL, NULL, "1111102"), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(admin, "never", NULL, NULL, "0000000"), CRM_ERR_INVALID_ARG);
  {
    char zone[64], hours[64], workdays[64], years[64];
    CHECK(!calendar_row(admin, "night", zone, hours, workdays, years, sizeof zone),
          "a refused calendar was stored");
    CHECK(!calendar_row(admin, "never", zone, hours, workdays, years, sizeof zone),
          "a refused calendar was stored");
  }

  /* Names are unique. */
  CHECK_FAIL(crm_calendar_define(admin, "default", NULL, NULL, NULL), CRM_ERR_CONFLICT);
  CHECK_OK(crm_calendar_define(admin, "shenzhen", NULL, "08:30-12:00,13:00-17:30", "1111110"));
  CHECK_FAIL(crm_calendar_define(admin, "shenzhen", NULL, NULL, NULL), CRM_ERR_CONFLICT);

  /* Administrators only. */
  rep_id = add_user(admin, "zhangwei", "张伟", "sales");
  CHECK_OK(crm_session_open(db, rep_id, &rep));
  if (rep) {
    CHECK_FAIL(crm_calendar_define(rep, "mine", NULL, NULL, NULL), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_calendar_load_holidays(rep, NULL, k2027, &i32), CRM_ERR_PERMISSION);
    CHECK_FAIL(crm_calendar_load_holidays(rep, "shenzhen", k2027, NULL), CRM_ERR_PERMISSION);
    CHECK(strcmp(years_of(admin, "default"), "2026") == 0, "years %s",
          years_of(admin, "default"));
  }

  /* Unknown calendars. */
  CHECK_FAIL(crm_calendar_load_holidays(admin, "nowhere", k2027, &i32), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_days(admin, "nowhere", 2026, &c), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_is_working_day(admin, "nowhere", "2026-11-23", &i32),
             CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_is_working_time(admin, "nowhere", mon, &i32), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_next_working_time(admin, "nowhere", mon, &i64), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_add_working_days(admin, "nowhere", mon, 1, &i64), CRM_ERR_NOT_FOUND);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, "nowhere", mon, HOUR, &i64),
             CRM_ERR_NOT_FOUND);

  /* Bounds: 0..3660 days. */
  CHECK_FAIL(crm_calendar_add_working_days(admin, NULL, mon, 3661, &i64), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_days(admin, NULL, mon, -1, &i64), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_days(admin, NULL, mon, INT32_MIN, &i64),
             CRM_ERR_INVALID_ARG);
  i64 = 0;
  CHECK_OK(crm_calendar_add_working_days(admin, NULL, mon, 3660, &i64));
  CHECK(i64 > mon, "3660 working days later: %" PRId64, i64);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, NULL, mon, -1, &i64), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, NULL, mon, -HOUR, &i64), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, NULL, mon, 3660 * DAY + 1, &i64),
             CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, NULL, mon, INT64_MAX, &i64),
             CRM_ERR_INVALID_ARG);
  i64 = 0;
  CHECK_OK(crm_calendar_add_working_hours(admin, NULL, mon, 3660 * DAY, &i64));
  CHECK(i64 > mon, "3660 days of working time later: %" PRId64, i64);

  /* Bad dates. */
  CHECK_FAIL(crm_calendar_is_working_day(admin, NULL, "2026-02-30", &i32), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_day(admin, NULL, "2026/11/23", &i32), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_day(admin, NULL, "", &i32), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_day(admin, NULL, NULL, &i32), CRM_ERR_INVALID_ARG);

  /* NULL out pointers and sessions. */
  CHECK_FAIL(crm_calendar_list(admin, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_list(NULL, &c), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_days(admin, NULL, 2026, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_day(admin, NULL, "2026-11-23", NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_time(admin, NULL, mon, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_next_working_time(admin, NULL, mon, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_days(admin, NULL, mon, 1, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_hours(admin, NULL, mon, HOUR, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_define(NULL, "x", NULL, NULL, NULL), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_load_holidays(NULL, NULL, k2027, &i32), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_is_working_time(NULL, NULL, mon, &i32), CRM_ERR_INVALID_ARG);
  CHECK_FAIL(crm_calendar_add_working_hours(NULL, NULL, mon, HOUR, &i64), CRM_ERR_INVALID_ARG);
  CHECK(strcmp(years_of(admin, "default"), "2026") == 0, "years %s", years_of(admin, "default"));

done:
  crm_session_close(rep);
  crm_session_close(admin);
  crm_db_close(db);
}

int main(void) {
  if (!harness_start(g_root, sizeof g_root, "crm_capi_calendar")) return 1;
  test_instants();
  test_default_2026();
  test_arithmetic();
  test_load();
  test_second_calendar();
  test_errors();
  rm_rf(g_root);
  return harness_finish();
}
